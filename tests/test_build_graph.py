"""The job graph: formats declare what they depend on, and the keys hold exactly that."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from polyedition import fingerprint
from polyedition.build import FORMATS, REGISTRY, Planner, Scope, format_named
from polyedition.build import plan as planning
from polyedition.build.cluster import ENGINE_LIBRARIES
from polyedition.build.formats import LIBRARIES
from polyedition.build.graph import JobGraph
from polyedition.build.jobs import Job, JobResult, Spliced, write_output
from polyedition.build.manifest import Manifest
from polyedition.cache import SpeechCache
from polyedition.errors import BuildError, RenderError
from polyedition.site import Site

EDITION = ("belarus-prisoner-release", "pl")
FRAMES = "f" * 64
"""The key under which the fake chapter jobs say their frames are."""


def ident_for(name: str) -> tuple[str, ...]:
    scope = format_named(name).scope
    if scope is Scope.EDITION:
        return EDITION
    if scope is Scope.CHAPTER:
        return (*EDITION, "lead")
    return ("", EDITION[1]) if scope is Scope.LANGUAGE else ("", "")


def test_every_need_names_a_registered_format_and_no_format_waits_on_itself() -> None:
    names = {fmt.name for fmt in REGISTRY}
    assert len(names) == len(REGISTRY)
    for fmt in REGISTRY:
        for need in fmt.needs:
            assert need.format in names, f"{fmt.name} needs an unknown format {need.format}"
        assert fmt.selected_by in FORMATS

    def waits(name: str, seen: frozenset[str]) -> None:
        assert name not in seen, f"the needs of {name} wait on each other in a circle"
        for need in format_named(name).needs:
            if need.wait:
                waits(need.format, seen | {name})

    for fmt in REGISTRY:
        waits(fmt.name, frozenset())


def test_an_unknown_job_kind_is_a_build_error() -> None:
    with pytest.raises(BuildError, match="unknown job kind 'nonsense'"):
        format_named("nonsense")


def test_the_dask_worker_check_and_the_preview_workers_use_every_format_s_libraries() -> None:
    for fmt in REGISTRY:
        assert set(fmt.libraries) <= set(LIBRARIES) == set(ENGINE_LIBRARIES)


@pytest.mark.parametrize("library", ["babel", "jinja2", "markdown-it-py"])
def test_upgrading_a_text_library_changes_every_key(
    real_site: Site, library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    planner = Planner(real_site)
    before = {fmt.name: planner.plan(fmt, ident_for(fmt.name)).job.key for fmt in REGISTRY}
    real = planning.library_versions

    def upgraded(*names: str) -> tuple[tuple[str, str], ...]:
        return tuple(
            (name, version + ".post1" if name == library else version)
            for name, version in real(*names)
        )

    monkeypatch.setattr(planning, "library_versions", upgraded)
    after = {fmt.name: planner.plan(fmt, ident_for(fmt.name)).job.key for fmt in REGISTRY}
    assert {name for name in before if before[name] != after[name]} == set(before)


def test_a_key_depends_only_on_the_libraries_its_format_declares(
    real_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    planner = Planner(real_site)
    before = {fmt.name: planner.plan(fmt, ident_for(fmt.name)).job.key for fmt in REGISTRY}
    real = planning.library_versions

    def upgraded(*names: str) -> tuple[tuple[str, str], ...]:
        return tuple(
            (name, version + ".post1" if name == "weasyprint" else version)
            for name, version in real(*names)
        )

    monkeypatch.setattr(planning, "library_versions", upgraded)
    after = {fmt.name: planner.plan(fmt, ident_for(fmt.name)).job.key for fmt in REGISTRY}
    assert {name for name in before if before[name] != after[name]} == {"pdf"}


def test_a_librarys_version_is_looked_up_once_a_process_unless_asked_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked_up: list[str] = []

    def version(name: str) -> str:
        looked_up.append(name)
        return "1.0"

    monkeypatch.setattr(fingerprint.metadata, "version", version)
    fingerprint.forget_library_versions()
    try:
        fingerprint.library_versions("lib-a", "lib-b")
        assert fingerprint.library_versions("lib-b", "lib-c") == (
            ("lib-b", "1.0"),
            ("lib-c", "1.0"),
        )
        assert looked_up == ["lib-a", "lib-b", "lib-c"]
        fingerprint.installed_library_versions("lib-a")  # the preview server's version check
        assert looked_up == ["lib-a", "lib-b", "lib-c", "lib-a"]
    finally:
        fingerprint.forget_library_versions()  # no other test sees the made-up versions


class FakePool:
    """Runs nothing: each job 'makes' one byte per output, or fails if its kind is in
    ``failing``; remembers what was sent, with the site it was sent with."""

    lost = False

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.sent: list[tuple[Job, Site]] = []
        self.info = {"duration": 60.0, "pages": 3.0}

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        job, site = args
        self.sent.append((job, site))
        future: Future[Any] = Future()
        if job.kind in self.failing:
            future.set_exception(RenderError(f"{job.kind} failed"))
        else:
            contents = dict.fromkeys(job.outputs, b"x")
            record = {"chapter": job.part, "frames": FRAMES} if job.part else {}
            future.set_result(
                JobResult(
                    job, (1,) * len(job.outputs), 0.0, 0, 0.0, 0, self.info, contents, record=record
                )
            )
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None

    def last(self, kind: str) -> tuple[Job, Site]:
        return [(job, site) for job, site in self.sent if job.kind == kind][-1]


def graph_of(
    real_site: Site,
    tmp_path: Path,
    pool: FakePool,
    formats: tuple[str, ...],
    *,
    preview: bool = False,
) -> JobGraph:
    settings = replace(
        real_site.settings, output_dir=tmp_path / "output", cache_dir=tmp_path / "cache"
    )
    site = Site(settings, real_site.editions)
    return JobGraph(
        Planner(site),
        Manifest(tmp_path / "manifest.json"),
        pool,
        selected=(site.edition(*EDITION),),
        languages=(EDITION[1],),
        formats=formats,
        notify=lambda event, item, ran: None,
        provisional=preview,
    )


def test_a_narration_that_fails_and_never_existed_is_withdrawn_from_the_pdf_page_and_front_pages(
    real_site: Site, tmp_path: Path
) -> None:
    pool = FakePool(failing={"mp3"})
    outcome = graph_of(real_site, tmp_path, pool, ("html", "pdf", "mp3")).run(fail_fast=False)

    assert [failure.job.kind for failure in outcome.failures] == ["mp3"]
    chapters = len(graph_of(real_site, tmp_path, FakePool(set()), ("mp3",)).targets("chapter"))
    kinds = [job.kind for job, _ in pool.sent]
    assert kinds[: chapters + 2] == ["chapter"] * chapters + ["pdf", "site"]  # costliest first
    pdf, pdf_site = pool.last("pdf")
    assert [job.kind for job, _ in pool.sent].count("pdf") == 2  # made again without the MP3
    assert pdf_site.audio == {}
    page, page_site = pool.last("html")
    assert [job.kind for job, _ in pool.sent].count("html") == 1
    assert pool.sent.index((page, page_site)) > pool.sent.index((pdf, pdf_site))
    assert page_site.audio == {} and EDITION in page_site.pdfs
    _, front_site = pool.last("site")
    assert EDITION not in front_site.audio and EDITION in front_site.pdfs


def test_a_page_still_builds_without_a_failed_pdf_and_states_its_narration(
    real_site: Site, tmp_path: Path
) -> None:
    pool = FakePool(failing={"pdf"})
    outcome = graph_of(real_site, tmp_path, pool, ("html", "pdf", "mp3", "epub")).run(
        fail_fast=False
    )

    assert [failure.job.kind for failure in outcome.failures] == ["pdf"]
    _, page_site = pool.last("html")
    assert page_site.pdfs == {} and page_site.audio[EDITION].duration_seconds == 60.0
    epub, epub_site = pool.last("epub")
    audio = epub_site.audio[EDITION]
    assert set(epub.inputs) == {audio.mp3, audio.captions}  # read from output/, sent with it


def test_fail_fast_raises_the_first_failure(real_site: Site, tmp_path: Path) -> None:
    pool = FakePool(failing={"mp3"})
    with pytest.raises(RenderError, match="mp3 failed"):
        graph_of(real_site, tmp_path, pool, ("html", "mp3")).run(fail_fast=True)


def test_an_mp3_job_waits_for_every_chapter_of_its_edition_and_joins_what_each_made(
    real_site: Site, tmp_path: Path
) -> None:
    pool = FakePool(failing=set())
    graph = graph_of(real_site, tmp_path, pool, ("mp3",))
    chapters = graph.targets("chapter")
    assert chapters == tuple((*EDITION, chapter) for chapter in graph.chapters(*EDITION))
    assert len(chapters) > 5
    outcome = graph.run(fail_fast=False)

    assert outcome.failures == []
    kinds = [job.kind for job, _ in pool.sent]
    assert kinds == ["chapter"] * len(chapters) + ["mp3"]
    _, mp3_site = pool.last("mp3")
    assert mp3_site.narrated == {
        ident: {"chapter": ident[2], "frames": FRAMES} for ident in chapters
    }


def test_a_failed_chapter_is_never_joined_with_what_an_earlier_build_made_of_it(
    real_site: Site, tmp_path: Path
) -> None:
    earlier = graph_of(real_site, tmp_path, FakePool(set()), ("mp3",))
    earlier.run(fail_fast=False)
    SpeechCache.for_settings(earlier.settings).put_chapter(FRAMES, b"frames")
    for recorded in earlier.manifest.chapters.values():
        recorded["key"] = "made by another version"  # so that each runs again, and fails
    earlier.manifest.save()
    pool = FakePool(failing={"chapter"})
    graph = graph_of(real_site, tmp_path, pool, ("mp3",))
    seen = graph.seen(format_named("chapter"), graph.targets("chapter")[0], wait=True)
    assert seen == {"chapter": "lead", "frames": FRAMES}  # what a page would see of a PDF
    outcome = graph.run(fail_fast=False)

    assert {failure.job.kind for failure in outcome.failures} == {"chapter"}
    _, mp3_site = pool.last("mp3")
    assert mp3_site.narrated == {}  # its job fails: the MP3 of the earlier build stays


def test_a_spliced_output_is_copied_from_the_cache_and_a_damaged_entry_fails_only_it(
    tmp_path: Path,
) -> None:
    cache_dir, output = tmp_path / "cache", tmp_path / "output"
    cache = SpeechCache(cache_dir / "speech")
    for key, frames in (("a" * 64, b"frames one"), ("b" * 64, b"frames two")):
        cache.put_chapter(key, frames)
    entries = tuple(
        cache.store.path("mp3", key).relative_to(cache_dir).as_posix()
        for key in ("a" * 64, "b" * 64)
    )
    mp3 = Spliced(b"ID3", entries, 3 + 2 * len(b"frames one"))

    assert write_output(output, PurePosixPath("x.mp3"), mp3, cache_dir)
    assert (output / "x.mp3").read_bytes() == b"ID3frames oneframes two"
    assert not write_output(output, PurePosixPath("x.mp3"), mp3, cache_dir)  # unchanged

    damaged = cache.store.path("mp3", "b" * 64)
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"!")
    with pytest.raises(BuildError, match="damaged cache entry") as caught:
        write_output(output, PurePosixPath("y.mp3"), mp3, cache_dir)
    assert caught.value.path == output / "y.mp3"
    assert not damaged.exists()  # the next build encodes that chapter again
    assert sorted(path.name for path in output.iterdir()) == ["x.mp3"]  # no partial file


def an_edited_earlier_build(real_site: Site, tmp_path: Path, formats: tuple[str, ...]) -> None:
    """A build of ``formats`` made every file, and the edition was edited since (its outputs'
    recorded keys no longer match): the next build runs every job with earlier figures."""
    first = graph_of(real_site, tmp_path, FakePool(failing=set()), formats)
    first.run(fail_fast=False)
    for path in list(first.manifest.outputs):
        first.manifest.outputs[path]["key"] = "edited since"
    first.manifest.save()


def test_a_page_starts_with_the_earlier_figures_and_is_made_again_with_the_new_ones(
    real_site: Site, tmp_path: Path
) -> None:
    """The page shows its narration's duration and its PDF's pages: after an edit it is made
    at once with what the last build recorded (a preview shows the new text without waiting
    for the PDF and the MP3), then again once they are done, as if it had waited."""
    formats = ("html", "pdf", "mp3")
    an_edited_earlier_build(real_site, tmp_path, formats)

    pool = FakePool(failing=set())
    pool.info = {"duration": 61.0, "pages": 4.0}
    graph = graph_of(real_site, tmp_path, pool, formats, preview=True)
    outcome = graph.run(fail_fast=False)

    sent = [job.kind for job, _ in pool.sent]
    assert sent[0] == "html" and sent.count("html") == 2  # at once, then again
    again = len(sent) - 1 - sent[::-1].index("html")
    assert again > max(sent.index("mp3"), sent.index("pdf"))
    provisional = pool.sent[0][1]
    assert provisional.audio[EDITION].duration_seconds == 60.0
    assert provisional.pdfs[EDITION].pages == 3
    _, final = pool.last("html")
    assert final.audio[EDITION].duration_seconds == 61.0 and final.pdfs[EDITION].pages == 4
    assert [result.job.kind for result in outcome.results].count("html") == 1
    page = next(result.job for result in outcome.results if result.job.kind == "html")
    assert graph.manifest.fresh(page, graph.output_dir)


@pytest.mark.parametrize("preview", [True, False])
def test_a_page_waits_for_its_pdf_and_narration_without_earlier_figures_or_outside_a_preview(
    real_site: Site, tmp_path: Path, preview: bool
) -> None:
    """A cold build has no earlier figures; a build (not a preview) makes each file once."""
    formats = ("html", "pdf", "mp3")
    if not preview:
        an_edited_earlier_build(real_site, tmp_path, formats)
    pool = FakePool(failing=set())
    graph_of(real_site, tmp_path, pool, formats, preview=preview).run(fail_fast=False)
    sent = [job.kind for job, _ in pool.sent]
    assert sent.count("html") == 1 and sent.index("html") > max(
        sent.index("mp3"), sent.index("pdf")
    )


def test_a_page_made_with_earlier_figures_sees_a_failed_pdf_and_the_new_narration(
    real_site: Site, tmp_path: Path
) -> None:
    formats = ("html", "pdf", "mp3")
    an_edited_earlier_build(real_site, tmp_path, formats)

    pool = FakePool(failing={"pdf"})
    pool.info = {"duration": 61.0, "pages": 4.0}
    graph_of(real_site, tmp_path, pool, formats, preview=True).run(fail_fast=False)

    _, final = pool.last("html")
    assert final.audio[EDITION].duration_seconds == 61.0
    assert final.pdfs[EDITION].pages == 3  # the earlier PDF, still in output/
