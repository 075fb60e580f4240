"""The speech cache does not grow forever, and pruning never costs the current outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyedition.build import BuildOptions, build
from polyedition.config import Settings, load_settings
from polyedition.console import human_size
from projectkit import add_to_translation, copy_project, run_polyedition

pytestmark = pytest.mark.slow

LANG = "pl"
NARRATION = BuildOptions(languages=(LANG,), formats=("mp3",), jobs=1)


def keep(settings: Settings, *, builds: int, days: float) -> Settings:
    """The project with the given cache policy in its [tool.polyedition] table."""
    pyproject = settings.project_dir / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8").replace(
        "[tool.polyedition]\n",
        f"[tool.polyedition]\ncache-keep-builds = {builds}\ncache-keep-days = {days}\n",
        1,
    )
    pyproject.write_text(text, encoding="utf-8")
    return load_settings(settings.project_dir)


def retranslate(settings: Settings, context: str) -> None:
    add_to_translation(settings, LANG, context, " Nowe zdanie.")


def entries(settings: Settings) -> set[Path]:
    return {path for path in (settings.cache_dir / "speech").rglob("*") if path.is_file()}


def synthesized(settings: Settings, options: BuildOptions) -> tuple[int, int]:
    """Build; the segments synthesized (by the narration's chapter jobs) and the cache entries
    removed."""
    report = build(settings, options)
    assert not report.failures
    assert report.cache is not None
    chapters = [result for result in report.results if result.job.kind == "chapter"]
    return sum(int(result.info["synthesized"]) for result in chapters), report.cache.removed


def test_aggressive_pruning_removes_what_no_output_needs_and_nothing_else(
    tmp_path: Path,
) -> None:
    settings = keep(copy_project(tmp_path), builds=0, days=0)
    made, removed = synthesized(settings, NARRATION)
    assert made > 50 and removed == 0
    before = entries(settings)

    retranslate(settings, "summary-p1")
    made, removed = synthesized(settings, NARRATION)
    assert made == 1
    # The old narration of that paragraph (its timing and its paced layout: eSpeak's audio is
    # not cached), its chapter's old encoding and the edition's old script are gone.
    assert removed == 4
    assert len(entries(settings)) == len(before)

    clean_rebuild = BuildOptions(languages=(LANG,), formats=("mp3",), jobs=1, clean=True)
    made, removed = synthesized(settings, clean_rebuild)
    assert (made, removed) == (0, 0)


def test_by_default_an_entry_unused_by_the_outputs_is_kept_for_a_while(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    synthesized(settings, NARRATION)
    before = entries(settings)
    retranslate(settings, "summary-p1")
    made, removed = synthesized(settings, NARRATION)
    assert (made, removed) == (1, 0)
    assert before < entries(settings)


def test_the_summary_shows_the_cache_size_and_clean_empties_what_it_is_asked_to(
    tmp_path: Path,
) -> None:
    settings = copy_project(tmp_path, warm_speech=True)
    built = run_polyedition(tmp_path, "build", "--lang", LANG, "--format", "mp3")
    assert built.returncode == 0, built.stderr
    size = sum(path.stat().st_size for path in entries(settings))
    [line] = [line for line in built.stdout.splitlines() if line.startswith("speech cache:")]
    assert f"in {len(entries(settings))} entries" in line
    assert line.split()[2:4] == human_size(size).split()

    cleaned = run_polyedition(tmp_path, "clean", "--cache")
    assert cleaned.returncode == 0, cleaned.stderr
    assert not entries(settings)
    assert (settings.output_dir / LANG).is_dir()

    cleaned = run_polyedition(tmp_path, "clean", "--output")
    assert cleaned.returncode == 0, cleaned.stderr
    assert not (settings.output_dir / LANG).exists()


def test_the_speech_cache_of_the_real_article_is_at_most_half_again_its_mp3s(
    tmp_path: Path,
) -> None:
    """Issue 21: the cache held 8x the MP3s it served (the raw audio of every segment). eSpeak
    says a segment again cheaply and the same way, so only its timing and layout are kept,
    with the encoded chapters."""
    settings = copy_project(tmp_path, warm_speech=True)  # a cold build's cache, made once
    options = BuildOptions(languages=settings.languages, formats=("mp3",), jobs=1)
    report = build(settings, options)
    assert not report.failures
    chapters = [result for result in report.results if "synthesized" in result.info]
    assert chapters, "the chapter jobs report what they synthesized"
    assert all(int(result.info["synthesized"]) == 0 for result in chapters)
    mp3 = sum(path.stat().st_size for path in settings.output_dir.rglob("*.mp3"))
    assert report.cache is not None
    assert report.cache.size <= 1.5 * mp3
    assert not (settings.cache_dir / "speech" / "audio").exists()
