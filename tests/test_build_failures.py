"""A failed output does not stop the others: the build goes on like ``make -k`` and says so."""

from __future__ import annotations

import json
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pikepdf
import pytest

from polyedition.build import BuildOptions, build
from polyedition.build.graph import one_line
from polyedition.errors import RenderError
from projectkit import SLUG, copy_project, edit_translation, run_polyedition

pytestmark = pytest.mark.slow

NO_GLYPH = "\U0001d11e"
"""MUSICAL SYMBOL G CLEF: in no font the PDF embeds, so the PDF of a text with it must fail."""


def pdf_links(path: Path) -> set[str]:
    with pikepdf.open(path) as pdf:
        return {
            str(annot.A.URI)
            for page in pdf.pages
            for annot in page.get("/Annots", [])
            if "/A" in annot and "/URI" in annot.A
        }


def test_one_failing_output_leaves_every_other_output_built_and_its_old_file_in_place(
    tmp_path: Path,
) -> None:
    settings = copy_project(tmp_path)
    formats = ["--format", "html", "--format", "pdf"]
    first = run_polyedition(tmp_path, "-q", "build", "--lang", "pl", "--lang", "be", *formats)
    assert first.returncode == 0, first.stderr
    pdf = settings.output_dir / "pl" / SLUG / f"{SLUG}.pl.pdf"
    good_pdf = pdf.read_bytes()
    manifest = settings.cache_dir / "build-manifest.json"
    good_entry = json.loads(manifest.read_text(encoding="utf-8"))["outputs"][
        f"pl/{SLUG}/{SLUG}.pl.pdf"
    ]

    edit_translation(settings, "pl", "summary-p1", f"Nowe podsumowanie {NO_GLYPH}.")
    edit_translation(settings, "be", "summary-p1", "Новае рэзюмэ.")
    result = run_polyedition(tmp_path, "build", "--lang", "pl", "--lang", "be", *formats, "--json")

    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert [failure["job"] for failure in summary["failures"]] == [f"pl/{SLUG} pdf"]
    [message] = [failure["error"] for failure in summary["failures"]]
    assert "\n" not in message
    assert "U+1D11E" in message
    [row] = [r for r in summary["outputs"] if r["language"] == "pl" and r["format"] == "pdf"]
    assert row["error"] == message
    assert "Traceback" not in result.stderr
    # The other outputs of the failed edition, and the other edition, were built.
    pl_page = (settings.output_dir / "pl" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "Nowe podsumowanie" in pl_page
    be_page = (settings.output_dir / "be" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "Новае рэзюмэ." in be_page
    assert {r["format"] for r in summary["outputs"] if r["language"] == "be" and r["built"]} == {
        "html",
        "pdf",
    }
    # The failed output keeps its previous file and its manifest entry, so it is retried.
    assert pdf.read_bytes() == good_pdf
    after = json.loads(manifest.read_text(encoding="utf-8"))["outputs"]
    assert after[f"pl/{SLUG}/{SLUG}.pl.pdf"] == good_entry

    plain = run_polyedition(tmp_path, "build", "--lang", "pl", *formats)
    assert plain.returncode == 1
    assert f"FAILED pl/{SLUG} pdf: " in plain.stdout
    assert "1 failed" in plain.stdout


def test_fail_fast_stops_at_the_first_failure_withone_line(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    edit_translation(settings, "pl", "summary-p1", f"Nowe podsumowanie {NO_GLYPH}.")
    result = run_polyedition(tmp_path, "build", "--lang", "pl", "--format", "pdf", "--fail-fast")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("render: ")
    assert "Traceback" not in result.stderr


def test_a_narration_that_failed_and_never_existed_is_linked_by_no_page_and_no_pdf(
    tmp_path: Path,
) -> None:
    settings = copy_project(tmp_path, warm_speech=True)
    lexicon = settings.locales_dir / "pl" / "lexicon.tsv"
    lexicon.write_text("Coale\tKoul\tthird field\n", encoding="utf-8")
    report = build(settings, BuildOptions(languages=("pl",), jobs=2))

    # every chapter of the narration fails, naming the line; the MP3 that joins them fails too
    kinds = [failure.job.kind for failure in report.failures]
    assert set(kinds) == {"chapter", "mp3"} and kinds.count("mp3") == 1
    chapters = [failure for failure in report.failures if failure.job.kind == "chapter"]
    assert all("lexicon.tsv:1" in failure.message for failure in chapters)
    folder = settings.output_dir / "pl" / SLUG
    assert not (folder / f"{SLUG}.pl.mp3").exists()
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert ".mp3" not in page
    assert ".vtt" not in page
    assert not any(link.endswith(".mp3") for link in pdf_links(folder / f"{SLUG}.pl.pdf"))

    # Once the lexicon is mended, the narration is built and both link it.
    lexicon.write_text("Coale\tKoul\n", encoding="utf-8")
    mended = build(settings, BuildOptions(languages=("pl",), jobs=2))
    assert mended.failures == ()
    assert f"{SLUG}.pl.mp3" in (folder / "index.html").read_text(encoding="utf-8")
    assert any(link.endswith(f"{SLUG}.pl.mp3") for link in pdf_links(folder / f"{SLUG}.pl.pdf"))


def test_a_failure_is_told_in_one_line_whatever_raised_it() -> None:
    expected = RenderError("no font has U+1D11E", path=Path("locales/pl/x.po"), line=3)
    assert one_line(expected) == f"render: {expected}"
    assert one_line(BrokenProcessPool("gone")) == (
        "the worker process running it died (out of memory or killed)"
    )
    assert one_line(KeyError("author")) == (
        "internal error (KeyError: 'author'); run with --debug for the traceback"
    )
    bug = one_line(RuntimeError("first line\nsecond line"))
    assert bug == "internal error (RuntimeError: first line); run with --debug for the traceback"
