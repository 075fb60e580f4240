"""The documentation site (``docs/``, ``mkdocs.yml``): it builds offline, and a link to a
missing page or a missing anchor fails the build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from projectkit import REPO, unavailable


def mkdocs_build(root: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of the site at ``root``, as ``make docs`` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A private copy of the documentation sources."""
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        unavailable("MkDocs is missing: pip install -e '.[test]'")
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


def test_the_documentation_site_builds_with_every_link_and_anchor_checked(docs_copy: Path) -> None:
    result = mkdocs_build(docs_copy)
    assert result.returncode == 0, result.stderr
    assert (docs_copy / "site" / "index.html").is_file()
    assert (docs_copy / "site" / "translators" / "review.html").is_file()


def test_a_link_to_a_missing_anchor_or_page_fails_the_documentation_build(
    docs_copy: Path,
) -> None:
    page = docs_copy / "docs" / "index.md"
    page.write_text(
        page.read_text(encoding="utf-8")
        + "\n[gone](editor/build.md#no-such-heading) and [lost](editor/nowhere.md)\n",
        encoding="utf-8",
    )
    result = mkdocs_build(docs_copy)
    assert result.returncode != 0
    assert "#no-such-heading" in result.stderr
    assert "editor/nowhere.md" in result.stderr
