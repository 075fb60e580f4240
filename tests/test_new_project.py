"""``polyedition new``: a newsroom starts a publication from the installed wheel and builds it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from polyedition.cli import main

REPO = Path(__file__).resolve().parent.parent
BELARUSIAN_SKIP_LINK = "Перайсці да асноўнага змесціва"
"""The theme's Belarusian translation of "Skip to main content"."""


def test_new_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["new", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"{tmp_path}: folder is not empty" in error
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_new_writes_settings_an_article_its_catalogs_and_a_readme(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert main(["new", str(site), "--languages", "pl"]) == 0
    pyproject = (site / "pyproject.toml").read_text(encoding="utf-8")
    assert 'languages = ["en", "pl"]' in pyproject
    article = (site / "content" / "harbour-library" / "article.md").read_text(encoding="utf-8")
    assert article.startswith("+++\n")
    assert "{#faq}" in article
    assert "\nTable: " in article
    assert (site / "locales" / "templates" / "harbour-library.pot").is_file()
    for lang in ("en", "pl"):
        assert (site / "locales" / lang / "LC_MESSAGES" / "harbour-library.po").is_file()
    assert not (site / "templates").exists()  # the theme comes from the package
    assert "/output/" in (site / ".gitignore").read_text(encoding="utf-8")
    assert "polyedition build" in (site / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a Python that imports polyedition from the built wheel (its
    dependencies from this virtual environment), not from ``src/``."""
    root = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", str(REPO), "--no-deps", "-w", str(root)], check=True)
    (wheel,) = root.glob("polyedition-*.whl")
    target = root / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import polyedition; print(polyedition.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(target), where
    return env


def polyedition(env: dict[str, str], *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "polyedition", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.mark.slow
def test_a_new_project_builds_every_format_from_the_installed_wheel(
    installed: dict[str, str], tmp_path: Path
) -> None:
    polyedition(installed, "new", "site", "--languages", "en,be", cwd=tmp_path)
    site = tmp_path / "site"
    polyedition(installed, "extract", cwd=site)
    polyedition(installed, "init", "be", "--force", cwd=site)
    polyedition(installed, "build", cwd=site)
    output = site / "output"
    for lang in ("en", "be"):
        folder = output / lang / "harbour-library"
        for name in ("index.html", f"harbour-library.{lang}.pdf", f"harbour-library.{lang}.mp3"):
            assert (folder / name).stat().st_size > 0, name
        assert (output / lang / "index.html").is_file()
    assert (output / "index.html").is_file()
    assert (output / "be" / "harbour-library" / "harbour-library.be.pdf").read_bytes()[:5] == (
        b"%PDF-"
    )
    # The theme's Belarusian interface reaches a project that never translated it.
    page = (output / "be" / "harbour-library" / "index.html").read_text(encoding="utf-8")
    assert BELARUSIAN_SKIP_LINK in page
    assert '<html lang="be"' in page

    # A template of the project's own overrides the theme's of the same name.
    theme_base = subprocess.run(
        [sys.executable, "-c", "from polyedition.theme import theme_templates as t; print(t())"],
        env=installed,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    base = (Path(theme_base) / "base.html").read_text(encoding="utf-8")
    (site / "templates").mkdir()
    (site / "templates" / "base.html").write_text(
        base.replace("</body>", "<p>Printed in the Northern Bay</p>\n</body>"), encoding="utf-8"
    )
    polyedition(installed, "build", "--format", "html", cwd=site)
    for lang in ("en", "be"):
        page = (output / lang / "harbour-library" / "index.html").read_text(encoding="utf-8")
        assert "Printed in the Northern Bay" in page
