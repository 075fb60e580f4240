"""The fonts the PDF embeds travel with the package and cover every catalog's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyedition.pofile import read_catalog
from polyedition.theme import fonts_dir, theme_locales
from polyedition.theme.fontfaces import PRINT_FONTS, describe_characters, uncovered
from projectkit import REPO

CATALOGS = sorted((REPO / "locales").glob("*/LC_MESSAGES/*.po")) + sorted(
    theme_locales().glob("*/LC_MESSAGES/*.po")
)


def test_the_print_fonts_are_package_data_with_their_licence() -> None:
    for face in PRINT_FONTS:
        assert face.path.parent == fonts_dir()
        assert face.path.is_file(), face.path
        assert not face.path.is_relative_to(Path("/usr/share"))
    licence = (fonts_dir() / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Google" in licence


def test_every_catalog_of_every_language_is_checked() -> None:
    names = {(path.parent.parent.name, path.stem) for path in CATALOGS}
    for lang in ("en", "be", "ru", "pl", "lt"):
        assert (lang, "ui") in names
        assert (lang, "belarus-prisoner-release") in names


@pytest.mark.parametrize(
    "path", CATALOGS, ids=lambda path: f"{path.parent.parent.name}/{path.stem}"
)
def test_the_packaged_fonts_cover_every_character_of_the_catalog(path: Path) -> None:
    catalog = read_catalog(path)
    texts = []
    for message in catalog:
        if not message.id:
            continue
        place = message.context or (message.id if isinstance(message.id, str) else message.id[0])
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        texts.extend((place, text) for text in [*ids, *strings] if text)
    assert texts
    missing = uncovered(texts, PRINT_FONTS)
    assert missing == {}, f"{path}: {describe_characters(missing)}"


SYSTEM_FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts")


def _hidden_fonts_command(*command: str) -> list[str]:
    """``command`` in a private mount namespace where the system's font folders are empty."""
    mounts = " && ".join(
        f"mount -t tmpfs none {folder}" for folder in SYSTEM_FONT_FOLDERS if Path(folder).is_dir()
    )
    return [
        "unshare",
        "--mount",
        "--map-root-user",
        "sh",
        "-c",
        f'{mounts} && exec "$@"',
        "sh",
        *command,
    ]


@pytest.mark.slow
def test_a_build_needs_no_system_fonts(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    import pikepdf

    from projectkit import copy_project, unavailable

    probe = subprocess.run(
        _hidden_fonts_command("ls", "-A", *SYSTEM_FONT_FOLDERS[:1]),
        capture_output=True,
        text=True,
        check=False,
    )
    if shutil.which("unshare") is None or probe.returncode != 0:
        unavailable(f"cannot hide the system fonts (unshare --mount not permitted): {probe.stderr}")
    assert probe.stdout == ""  # the folder is empty inside the namespace
    settings = copy_project(tmp_path / "project", warm_speech=True)
    result = subprocess.run(
        _hidden_fonts_command(
            sys.executable, "-m", "polyedition", "--project", str(settings.project_dir), "build"
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output = settings.output_dir
    editions = sorted(
        path.relative_to(output).as_posix()
        for path in output.glob("*/*/*")
        if path.suffix in {".html", ".pdf", ".mp3"}
    )
    langs = settings.languages
    slug = "belarus-prisoner-release"
    assert editions == sorted(
        f"{lang}/{slug}/{name}"
        for lang in langs
        for name in ("index.html", f"{slug}.{lang}.pdf", f"{slug}.{lang}.mp3")
    )
    assert (output / "index.html").is_file()
    assert all((output / lang / "index.html").is_file() for lang in langs)
    for lang in langs:
        with pikepdf.open(output / lang / slug / f"{slug}.{lang}.pdf") as pdf:
            fonts = {
                str(font.BaseFont).split("+")[-1]
                for page in pdf.pages
                for font in page.Resources.Font.values()
            }
        assert fonts, lang
        # WeasyPrint names them "Noto-Serif-Bold"; nothing else could be found to embed.
        assert all(name.replace("-", "").startswith(("NotoSerif", "NotoSans")) for name in fonts)
