"""The language desk's review: a row per segment with the English, the translation, the
narration as spoken, its span of the MP3, the check findings and the PO line to edit."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import subprocess
from pathlib import Path

import pytest

from fakes.desk import EDITED_WORD, FUZZY, SENTENCE_SECONDS, UNTRANSLATED, desk_project
from polyedition.config import Settings
from polyedition.errors import ConfigError
from polyedition.pofile import read_catalog, write_catalog
from polyedition.render.audio.vtt import webvtt
from polyedition.review.collect import collect_review
from polyedition.review.model import Filter, Review, Row, State
from polyedition.review.page import review_html
from polyedition.site import vtt_path
from projectkit import SLUG, po, run_polyedition

ACUTE = "\u0301"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return desk_project(tmp_path_factory.mktemp("desk") / "project")


@pytest.fixture(scope="module")
def review(project: Settings) -> Review:
    return collect_review(project, "be")


def _rows(review: Review) -> dict[str, Row]:
    return {row.id: row for row in review.articles[0].rows if row.id != "keyword"}


def _po_line(path: Path, context: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines.index(f'msgctxt "{context}"') + 2  # the msgid line, where check points too


def test_every_message_of_the_article_is_a_row_naming_its_po_line(
    project: Settings, review: Review
) -> None:
    catalog = read_catalog(po(project, "be"), locale="be")
    [article] = review.articles
    from_catalog = [row.id for row in article.rows if row.path == po(project, "be")]
    assert from_catalog == [str(m.context) for m in catalog if m.id]
    row = _rows(review)["lead-p2"]
    assert (row.path, row.line) == (po(project, "be"), _po_line(po(project, "be"), "lead-p2"))
    assert row.source.startswith("In the heart of Eastern Europe")
    assert row.translation.startswith("У Беларусі, у самым сэрцы")
    assert row.state is State.TRANSLATED


def test_the_spoken_byline_follows_the_headline_and_names_its_interface_message(
    review: Review,
) -> None:
    title, byline = review.articles[0].rows[:2]
    assert (title.id, byline.id) == ("title", "byline")
    assert byline.path.name == "ui.po" and byline.source.startswith("By %(author)s.")
    lines = byline.path.read_text(encoding="utf-8").splitlines()
    assert lines[byline.line - 1] == f'msgid "{byline.source}"'
    assert byline.spoken is not None and byline.spoken.text.replace(ACUTE, "").startswith("Аўтар")
    assert byline.audio is not None and title.audio is not None
    assert byline.audio.start >= title.audio.end


def test_a_fuzzy_row_shows_what_changed_in_the_english(review: Review) -> None:
    row = _rows(review)[FUZZY]
    assert row.state is State.FUZZY
    now, before = EDITED_WORD
    parts = [(part.op, part.text) for part in row.diff]
    assert ("delete", before) in parts and ("insert", now) in parts
    assert "".join(p.text for p in row.diff if p.op != "delete") == row.source
    assert [f.check for f in row.findings] == ["fuzzy"]


def test_the_narration_is_shown_as_the_voice_says_it_with_its_stress(review: Review) -> None:
    title = _rows(review)["title"]
    assert title.spoken is not None and title.spoken.lang == "be"
    assert "зэ-ша-а" in title.spoken.text and "123" not in title.spoken.text
    assert title.spoken.differs and title.spoken.stressed
    assert "Кале" + "\u0301" in title.spoken.text  # Кале́снікаву, as the lexicon says it
    assert Filter.SPOKEN in title.kinds


def test_an_untranslated_segment_is_read_in_english_and_the_description_not_at_all(
    review: Review,
) -> None:
    rows = _rows(review)
    untranslated = rows[UNTRANSLATED]
    assert untranslated.state is State.UNTRANSLATED
    assert untranslated.spoken is not None and untranslated.spoken.lang == "en"
    assert not untranslated.spoken.stressed
    assert rows["description"].spoken is None and rows["description"].audio is None


def test_each_row_plays_its_own_span_of_the_narration(review: Review) -> None:
    rows = list(review.articles[0].rows)
    spoken = [row for row in rows if row.audio is not None]
    assert len(spoken) > 60
    assert all(row.audio is not None and row.audio.current for row in spoken)
    for before, after in itertools.pairwise(spoken):
        assert before.audio is not None and after.audio is not None
        assert before.audio.end <= after.audio.start
        assert (before.audio.end - before.audio.start) % SENTENCE_SECONDS < 1e-6
    assert review.articles[0].mp3 is not None


def test_a_narration_older_than_the_text_is_flagged(tmp_path: Path) -> None:
    settings = desk_project(tmp_path / "project")
    vtt = settings.output_dir / vtt_path("be", SLUG)
    vtt.write_text(
        vtt.read_text(encoding="utf-8").replace("Беларусь вызваліла", "Беларусь адпусціла"),
        encoding="utf-8",
    )
    row = _rows(collect_review(settings, "be"))["title"]
    assert row.audio is not None and not row.audio.current


def test_without_a_built_narration_the_rows_say_how_to_build_it(tmp_path: Path) -> None:
    settings = desk_project(tmp_path / "project")
    (settings.output_dir / vtt_path("be", SLUG)).write_text(webvtt([]), encoding="utf-8")
    review = collect_review(settings, "be")
    assert all(row.audio is None for row in review.articles[0].rows)
    assert "polyedition build --lang be" in review.articles[0].audio_note


def test_in_the_source_language_every_row_reads_as_written(project: Settings) -> None:
    rows = collect_review(project, "en").articles[0].rows
    assert all(row.state is State.TRANSLATED and row.translation == row.source for row in rows)


def test_filters_keep_the_rows_that_pass_every_one(review: Review) -> None:
    fuzzy = review.filtered((Filter.FUZZY,))
    assert [row.id for row in fuzzy.articles[0].rows] == [FUZZY]
    both = review.filtered((Filter.UNTRANSLATED, Filter.SPOKEN))
    assert [row.id for row in both.articles[0].rows] == []  # faq-q3 is said as written
    assert [row.id for row in review.filtered((Filter.UNTRANSLATED,)).articles[0].rows] == [
        UNTRANSLATED
    ]


def test_the_page_escapes_a_translators_markup_and_links_only_local_files(
    project: Settings, review: Review, tmp_path: Path
) -> None:
    [article] = review.articles
    hostile = dataclasses.replace(article.rows[0], translation="<script>alert(1)</script>")
    rows = (hostile, *article.rows[1:])
    tampered = dataclasses.replace(review, articles=(dataclasses.replace(article, rows=rows),))
    page = review_html(tampered, tmp_path / "be.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 1  # the page's own, inline
    assert f'src="{_mp3_url(project, tmp_path)}"' in page
    assert "http://" not in page and "https://" not in page


def _mp3_url(settings: Settings, page_dir: Path) -> str:
    target = settings.output_dir / "be" / SLUG / f"{SLUG}.be.mp3"
    return Path(os.path.relpath(target, page_dir)).as_posix()


# --- changed since a date or a revision ------------------------------------------------------


def _git(project: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Desk",
        "GIT_AUTHOR_EMAIL": "desk@example.org",
        "GIT_COMMITTER_NAME": "Desk",
        "GIT_COMMITTER_EMAIL": "desk@example.org",
        "GIT_AUTHOR_DATE": "2026-11-01T12:00:00Z",
        "GIT_COMMITTER_DATE": "2026-11-01T12:00:00Z",
    }
    result = subprocess.run(
        ["git", "-C", str(project), *args], capture_output=True, text=True, check=True, env=env
    )
    return result.stdout.strip()


def test_since_a_revision_or_a_date_marks_the_messages_whose_lines_changed(
    tmp_path: Path,
) -> None:
    settings = desk_project(tmp_path / "project")
    root = settings.project_dir
    _git(root, "init", "-q")
    _git(root, "add", "locales")
    _git(root, "commit", "-q", "-m", "catalogs")
    path = po(settings, "be")
    catalog = read_catalog(path, locale="be")
    for message in catalog:
        if message.context == "bialiatski-p2":
            message.string = str(message.string).replace("Бяляцк", "Алесь Бяляцк", 1)
            assert "Алесь Бяляцк" in message.string
    write_catalog(path, catalog)
    for since in ("HEAD", "2026-11-02"):
        rows = collect_review(settings, "be", since=since).articles[0].rows
        changed = [row.id for row in rows if row.changed and row.path == path]
        assert changed == ["bialiatski-p2"], since
    rows = collect_review(settings, "be", since="2026-10-01").articles[0].rows
    assert all(row.changed for row in rows if row.path == path)
    with pytest.raises(ConfigError, match="neither a date"):
        collect_review(settings, "be", since="no-such-branch")


# --- the command line ------------------------------------------------------------------------


def test_review_writes_a_local_page_and_prints_its_path(project: Settings) -> None:
    result = run_polyedition(project.project_dir, "review", "--lang", "be")
    assert result.returncode == 0, result.stderr
    page = project.cache_dir / "review" / "be.html"
    assert page.as_uri() in result.stdout
    text = page.read_text(encoding="utf-8")
    assert f"locales/be/LC_MESSAGES/{SLUG}.po:{_po_line(po(project, 'be'), 'lead-p2')}" in text
    assert not (project.output_dir / "review").exists()


def test_review_json_gives_tools_the_rows_a_filter_keeps(project: Settings) -> None:
    result = run_polyedition(project.project_dir, "review", "--lang", "be", "--json")
    assert result.returncode == 0, result.stderr
    everything = json.loads(result.stdout)["articles"][0]["rows"]
    fuzzy = run_polyedition(
        project.project_dir, "review", "--lang", "be", "--json", "--only", "fuzzy"
    )
    [row] = json.loads(fuzzy.stdout)["articles"][0]["rows"]
    assert row["id"] == FUZZY and row["state"] == "fuzzy" and row["previous_source"]
    assert row["where"].startswith(f"locales/be/LC_MESSAGES/{SLUG}.po:")
    assert len(everything) > 70


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "HEAD~1"), "needs a git repository"),
        (("--only", "changed"), "needs --since"),
    ],
)
def test_review_errors_are_one_line(project: Settings, args: tuple[str, ...], message: str) -> None:
    result = run_polyedition(project.project_dir, "review", "--lang", "be", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
