"""Planning from kept narration scripts: a build whose editions' scripts were made before under
the same recipe loads them instead of making them again, and a chapter job's key is the same
either way, for every kind of input the script is made from."""

from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

import polyedition
from conftest import set_translations
from polyedition.build import keys as keys_module
from polyedition.build import load_editions
from polyedition.build.formats import format_named
from polyedition.build.plan import Planner
from polyedition.cache import SpeechCache
from polyedition.catalogs import ui_catalog_files
from polyedition.config import NarrationSettings, Settings
from polyedition.fingerprint import TEXT_LIBRARIES
from polyedition.narration import script as script_module
from polyedition.narration.script import BYLINE_TEMPLATE, Script, narration_script
from polyedition.site import Site
from polyedition.speech.frontend.tables import speech_path
from polyedition.speech.lexicon import lexicon_path
from polyedition.theme import template_dirs
from projectkit import SLUG, edit_translation, override

ChapterKeys = dict[tuple[str, str], str]
"""(lang, chapter) → the chapter job's key."""


def chapter_keys(settings: Settings, *, kept: bool) -> ChapterKeys:
    """Every chapter job's key, the scripts loaded from the project's cache where kept (and
    kept there when made), or each made afresh."""
    editions = load_editions(settings, settings.languages)
    site = Site(settings, {(e.slug, e.lang): e for e in editions})
    planner = Planner(site, SpeechCache.for_settings(settings) if kept else None)
    chapter = format_named("chapter")
    return {
        (e.lang, part): planner.plan(chapter, (e.slug, e.lang, part)).job.key
        for e in editions
        for part in planner.chapters(e.slug, e.lang)
    }


def test_a_kept_script_is_the_script_made_again(real_site: Site) -> None:
    for edition in real_site.editions.values():
        script = narration_script(real_site, edition)
        assert Script.from_json(json.loads(json.dumps(script.as_json()))) == script


def test_a_build_plans_from_the_scripts_an_earlier_build_kept_and_makes_none(
    project_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = chapter_keys(project_copy, kept=True)

    def no_script(*args: object) -> Script:
        raise AssertionError("a script was made although it was kept")

    monkeypatch.setattr(keys_module, "narration_script", no_script)
    assert chapter_keys(project_copy, kept=True) == made


def test_a_chapter_job_is_sent_the_script_its_key_comes_from_and_does_not_make_it(
    project_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    editions = load_editions(project_copy, project_copy.languages)
    site = Site(project_copy, {(e.slug, e.lang): e for e in editions})
    planner = Planner(site, SpeechCache.for_settings(project_copy))
    edition = site.edition(SLUG, "be")
    part = planner.chapters(SLUG, "be")[3]
    planned = planner.plan(format_named("chapter"), (SLUG, "be", part))
    sent = pickle.loads(pickle.dumps(planned.site))  # as a worker receives it
    assert sent.scripts[(SLUG, "be")] == narration_script(site, edition)
    # Its own edition alone: a chapter narrates nothing else (the other languages' editions
    # would be sent, and read, with each of the edition's chapters)
    assert list(sent.editions) == list(sent.scripts) == [(SLUG, "be")]

    def no_section(*args: object) -> object:
        raise AssertionError("the job made the script again")

    monkeypatch.setattr(script_module, "_section", no_section)
    assert narration_script(sent, sent.edition(SLUG, "be")) is sent.scripts[(SLUG, "be")]
    with pytest.raises(AssertionError, match="made the script again"):
        narration_script(sent, edition)  # not the site's own edition: made, not assumed


def test_a_damaged_kept_script_is_made_again(project_copy: Settings) -> None:
    made = chapter_keys(project_copy, kept=True)
    for entry in (project_copy.cache_dir / "speech" / "script").rglob("*"):
        if entry.is_file():
            data = entry.read_bytes()
            entry.unlink()  # never write through an entry: it may be a hard link
            entry.write_bytes(data[:-10])
    assert chapter_keys(project_copy, kept=True) == made


def _lexicon_entry(settings: Settings) -> Settings:
    path = lexicon_path(settings.locales_dir, "lt")
    path.write_text(path.read_text(encoding="utf-8") + "Briuselis\tBriu-se-lis\n", "utf-8")
    return settings


def _speech_table(settings: Settings) -> Settings:
    path = speech_path(settings.locales_dir, "lt")
    text = path.read_text(encoding="utf-8")
    assert "jot-a-vė" in text
    path.write_text(text.replace("jot-a-vė", "jotavė"), encoding="utf-8")
    return settings


def _narration_setting(settings: Settings) -> Settings:
    return dataclasses.replace(settings, narration=(("pl", NarrationSettings(rate=150)),))


def _pauses(settings: Settings) -> Settings:
    return dataclasses.replace(settings, pauses=dataclasses.replace(settings.pauses, paragraph=0.9))


def _byline_ui_string(settings: Settings) -> Settings:
    byline = "By %(author)s. Published on %(date)s."
    set_translations(settings, "be", "ui", {byline: "Аўтар: %(author)s. Дата: %(date)s."})
    return settings


def _narration_template(settings: Settings) -> Settings:
    path = override(settings, BYLINE_TEMPLATE)
    text = path.read_text(encoding="utf-8")
    assert "{{ _(" in text
    path.write_text(text.replace("{{ _(", "Listen. {{ _("), encoding="utf-8")
    return settings


def _paragraph(settings: Settings) -> Settings:
    edit_translation(settings, "be", "summary-p1", "Адзін абзац, зменены.")
    return settings


def _every_chapter_of(lang: str) -> Callable[[ChapterKeys], set[tuple[str, str]]]:
    return lambda keys: {key for key in keys if key[0] == lang}


def _first_chapters(keys: ChapterKeys) -> set[tuple[str, str]]:
    return {(lang, "lead") for lang, _ in keys}


@pytest.mark.parametrize(
    ("edit", "changed"),
    [
        pytest.param(_lexicon_entry, _every_chapter_of("lt"), id="lexicon-entry"),
        pytest.param(_speech_table, _every_chapter_of("lt"), id="speech-table"),
        pytest.param(_narration_setting, _every_chapter_of("pl"), id="narration-setting"),
        pytest.param(_pauses, set, id="pauses"),
        pytest.param(_byline_ui_string, lambda keys: {("be", "lead")}, id="byline-ui-string"),
        pytest.param(_narration_template, _first_chapters, id="narration-template"),
        pytest.param(_paragraph, lambda keys: {("be", "summary")}, id="paragraph"),
    ],
)
def test_an_edit_changes_the_keys_of_the_chapters_it_changes_and_only_those(
    project_copy: Settings,
    edit: Callable[[Settings], Settings],
    changed: Callable[[ChapterKeys], set[tuple[str, str]]],
) -> None:
    before = chapter_keys(project_copy, kept=True)
    settings = edit(project_copy)
    after = chapter_keys(settings, kept=True)
    assert after == chapter_keys(settings, kept=False)  # no stale script was loaded
    assert after.keys() == before.keys()
    assert {key for key in after if after[key] != before[key]} == changed(before)


def _opened_while_making_scripts(project: Path, tmp_path: Path) -> dict[str, list[str]]:
    """lang → every file the making of its edition's script opened, in a new process (in this
    one, earlier tests have read and cached them)."""
    helper = tmp_path / "opens.py"
    helper.write_text(
        "import json, sys\n"
        "from pathlib import Path\n"
        "from polyedition.config import load_settings\n"
        "from polyedition.narration.script import narration_script\n"
        "from polyedition.site import load_site\n"
        "site = load_site(load_settings(Path(sys.argv[1])))\n"
        "opened = []\n"
        "def hook(event, args):\n"
        "    if event == 'open' and isinstance(args[0], (str, bytes)):\n"
        "        opened.append(str(Path(args[0].decode() if isinstance(args[0], bytes)"
        " else args[0]).resolve()))\n"
        "sys.addaudithook(hook)\n"
        "found = {}\n"
        "for (slug, lang), edition in site.editions.items():\n"
        "    opened.clear()\n"
        "    narration_script(site, edition)\n"
        "    found[lang] = sorted(set(opened))\n"
        "print(json.dumps(found))\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(helper), str(project)], capture_output=True, text=True, check=True
    )
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


def _library_files(names: tuple[str, ...]) -> set[Path]:
    return {
        Path(str(dist.locate_file(path))).resolve()
        for name in names
        for dist in [metadata.distribution(name)]
        for path in dist.files or ()
    }


def test_every_file_making_a_script_opens_is_in_its_recipe(
    project_copy: Settings, tmp_path: Path
) -> None:
    """What ``ScriptRecipe`` holds, file by file: the edition language's ui catalogs (``ui``),
    the template folders (``templates``), polyedition's code (``code``), the text libraries
    (``libraries``) and Python's own library. The edition's content is read before, by the
    site; a lexicon, a speech table or an article's catalog is not read at all."""
    override(project_copy, BYLINE_TEMPLATE)  # the project's own byline is read, not the theme's
    opened = _opened_while_making_scripts(project_copy.project_dir, tmp_path)
    package = Path(polyedition.__file__).resolve().parent
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    libraries = _library_files(TEXT_LIBRARIES)
    folders = [folder.resolve() for folder in template_dirs(project_copy)]
    assert set(opened) == set(project_copy.languages)
    assert any(str(project_copy.templates_dir.resolve()) in path for path in opened["en"])
    for lang, paths in opened.items():
        catalogs = {path.resolve() for path in ui_catalog_files(project_copy, lang)}
        for name in paths:
            path = Path(name)
            covered = (
                path in catalogs
                or any(path.is_relative_to(folder) for folder in folders)
                or (path.is_relative_to(package) and path.suffix in {".py", ".pyc"})
                or path in libraries
                or (path.is_relative_to(stdlib) and "site-packages" not in path.parts)
            )
            assert covered, f"{lang}: making the script read {path}, which its recipe lacks"
    assert not any(SLUG in path or "lexicon" in path for paths in opened.values() for path in paths)
