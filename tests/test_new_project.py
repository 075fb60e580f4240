"""``polyedition new``: a newsroom starts a publication from the installed wheel and builds it."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
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
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """polyedition's wheel, built from this source tree as a release would be."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([*PIP, "wheel", str(REPO), "--no-deps", "-w", str(root)], check=True)
    (built,) = root.glob("polyedition-*.whl")
    return built


PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
DEPENDENCIES = sysconfig.get_paths()["purelib"]
"""This environment's site-packages: the installs below take polyedition from the wheel and
its dependencies from here (a ``.pth`` file), so the tests need no network."""


def _share_dependencies(site_packages: Path) -> None:
    site_packages.mkdir(parents=True, exist_ok=True)
    (site_packages / "zz-test-dependencies.pth").write_text(DEPENDENCIES + "\n", encoding="utf-8")


def _install(layout: str, wheel: Path, home: Path) -> tuple[Path, dict[str, str]]:
    """Install the wheel, not editable, the way users do; the ``polyedition`` command and the
    environment to run it in. Every layout puts the package under a hidden folder."""
    env = {**os.environ, "HOME": str(home)}
    env.pop("PYTHONPATH", None)
    if layout == "user":  # pip install --user polyedition: ~/.local/lib/…, ~/.local/bin
        base = sys._base_executable
        subprocess.run(
            [base, "-m", "pip", "-q", "install", "--user", "--no-deps", str(wheel)],
            env=env,
            check=True,
        )
        user_site = subprocess.run(
            [base, "-c", "import site; print(site.getusersitepackages())"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        _share_dependencies(Path(user_site))
        return home / ".local" / "bin" / "polyedition", env
    # python -m venv .venv && .venv/bin/pip install polyedition; pipx's layout is the same
    # with the venv in ~/.local/share/pipx/venvs/polyedition and the command linked from
    # ~/.local/bin. (pipx itself cannot install a wheel without its dependencies, and a test
    # may not download them.)
    venv = (
        home / "site-env" / ".venv"
        if layout == "venv"
        else home / ".local" / "share" / "pipx" / "venvs" / "polyedition"
    )
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], env=env, check=True)
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "-q", "install", "--no-deps", str(wheel)]
    subprocess.run(install, env=env, check=True)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    _share_dependencies(Path(site))
    if layout == "venv":
        return venv / "bin" / "polyedition", env
    command = home / ".local" / "bin" / "polyedition"
    command.parent.mkdir(parents=True, exist_ok=True)
    command.symlink_to(venv / "bin" / "polyedition")
    return command, env


def polyedition(command: Path, env: dict[str, str], *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [str(command), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def _where(command: Path, env: dict[str, str], code: str) -> Path:
    python = command.read_text(encoding="utf-8").splitlines()[0].removeprefix("#!")
    out = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["user", "pipx"])
def test_the_pages_build_from_the_wheel_installed_for_the_user_and_with_pipx(
    wheel: Path, tmp_path: Path, layout: str
) -> None:
    command, env = _install(layout, wheel, tmp_path / "home")
    package = _where(command, env, "import polyedition; print(polyedition.__file__)")
    assert ".local" in package.parts, package
    polyedition(command, env, "new", "site", "--languages", "en,be", cwd=tmp_path)
    site = tmp_path / "site"
    polyedition(command, env, "build", "--format", "html", "--format", "pdf", cwd=site)
    for lang in ("en", "be"):
        folder = site / "output" / lang / "harbour-library"
        assert (folder / "index.html").stat().st_size > 0
        assert (folder / f"harbour-library.{lang}.pdf").read_bytes()[:5] == b"%PDF-"
    assert list((site / "output" / "assets").glob("icon.*.svg"))


@pytest.mark.slow
def test_a_new_project_builds_every_format_from_the_wheel_installed_in_a_dot_venv(
    wheel: Path, tmp_path: Path
) -> None:
    command, installed = _install("venv", wheel, tmp_path / "home")
    package = _where(command, installed, "import polyedition; print(polyedition.__file__)")
    assert ".venv" in package.parts, package
    assert not package.is_relative_to(REPO)
    polyedition(command, installed, "new", "site", "--languages", "en,be", cwd=tmp_path)
    site = tmp_path / "site"
    polyedition(command, installed, "extract", cwd=site)
    polyedition(command, installed, "init", "be", "--force", cwd=site)
    polyedition(command, installed, "build", cwd=site)
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
    theme_base = _where(
        command, installed, "from polyedition.theme import theme_templates as t; print(t())"
    )
    base = (theme_base / "base.html").read_text(encoding="utf-8")
    (site / "templates").mkdir()
    (site / "templates" / "base.html").write_text(
        base.replace("</body>", "<p>Printed in the Northern Bay</p>\n</body>"), encoding="utf-8"
    )
    polyedition(command, installed, "build", "--format", "html", cwd=site)
    for lang in ("en", "be"):
        page = (output / lang / "harbour-library" / "index.html").read_text(encoding="utf-8")
        assert "Printed in the Northern Bay" in page
