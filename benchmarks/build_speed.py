"""Build-speed benchmark: prints figures and ratios; never asserts on time (machines are noisy).

    python benchmarks/build_speed.py [--jobs N] [--scale 5,10,20] [--scale-formats html,pdf,mp3]

Measures, in one run on this machine:
1. the naive sequential pipeline (narrate, render HTML, render PDF, one edition after another,
   no cache, no manifest) against a cold parallel build of the same editions;
2. a no-op rebuild; 3. one paragraph changed in one language's PO (and how many segments were
   re-synthesized); 4. peak memory per worker; 5. time per edition over a generated corpus.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from polyedition.build import BuildOptions, build, load_site  # noqa: E402
from polyedition.content import read_article  # noqa: E402
from polyedition.pofile import read_catalog, write_catalog  # noqa: E402
from projectkit import SLUG, copy_project, po  # noqa: E402


def naive_pipeline(project: Path) -> float:
    """The same work as a cold build, one call after another in this process."""
    from polyedition.cache import SpeechCache
    from polyedition.render.audio import narrate
    from polyedition.render.html import render_article
    from polyedition.render.pdf import render_pdf

    settings = copy_project(project)
    started = time.perf_counter()
    site = load_site(settings)
    cache = SpeechCache(settings.cache_dir / "speech")
    for edition in site.editions.values():
        narrate(site, edition, cache)
        render_article(site, edition)
        render_pdf(site, edition)
    return time.perf_counter() - started


def timed_build(project: Path, jobs: int, formats: tuple[str, ...] = ("html", "pdf", "mp3")):  # type: ignore[no-untyped-def]
    from polyedition.config import load_settings

    settings = load_settings(project)
    started = time.perf_counter()
    report = build(settings, BuildOptions(languages=settings.languages, formats=formats, jobs=jobs))
    return time.perf_counter() - started, report


def make_corpus(project: Path, articles: int) -> None:
    """Copies of the real article, each with unique text (so the speech cache cannot share
    segments between them) and fully translated catalogs to match."""
    settings = copy_project(project)
    article = read_article(settings.content_dir / SLUG / "article.md")
    source = (settings.content_dir / SLUG / "article.md").read_text(encoding="utf-8")
    for number in range(1, articles + 1):
        slug = f"copy-{number:02d}"
        suffix = f" (copy {number})"
        lines = source.splitlines()
        for segment in article.segments():
            lines[segment.line - 1] = lines[segment.line - 1].replace(
                segment.text, segment.text + suffix, 1
            )
        text = "\n".join(lines).replace(f'slug = "{SLUG}"', f'slug = "{slug}"') + "\n"
        folder = settings.content_dir / slug
        folder.mkdir()
        (folder / "article.md").write_text(text, encoding="utf-8")
        for lang in settings.languages:
            catalog = read_catalog(po(settings, lang), locale=lang)
            for message in list(catalog):
                if message.id and message.context:
                    catalog.delete(message.id, context=message.context)
                    catalog.add(
                        message.id + suffix,
                        message.string + suffix if message.string else "",
                        context=message.context,
                        flags=message.flags,
                    )
            catalog.domain = slug
            write_catalog(settings.locales_dir / lang / "LC_MESSAGES" / f"{slug}.po", catalog)
    shutil.rmtree(settings.content_dir / SLUG)
    for path in settings.locales_dir.glob(f"*/LC_MESSAGES/{SLUG}.po"):
        path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scale", default="5,10,20", help="corpus sizes in articles ('' to skip)")
    parser.add_argument("--scale-formats", default="html,pdf,mp3")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"workers: {args.jobs}")
    with tempfile.TemporaryDirectory(prefix="polyedition-bench-") as temp:
        root = Path(temp)
        naive = naive_pipeline(root / "naive")
        print(f"naive sequential pipeline:      {naive:7.2f} s")

        project = root / "project"
        copy_project(project)
        cold, report = timed_build(project, args.jobs)
        editions = len(report.editions)
        print(
            f"cold build ({editions} editions):       {cold:7.2f} s   "
            f"speed-up {naive / cold:.2f}x (target >= 1.8x on 2 cores)"
        )
        peak = max(result.peak_rss_mb for result in report.results)
        print(f"peak memory per worker:         {peak:7.1f} MB  (target <= 400 MB)")

        noop, report = timed_build(project, args.jobs)
        print(
            f"no-op rebuild:                  {noop:7.2f} s   "
            f"{100 * noop / cold:.1f}% of cold (target <= 2%), {report.ran} job(s) run"
        )

        from polyedition.config import load_settings

        settings = load_settings(project)
        path = po(settings, "pl")
        catalog = read_catalog(path, locale="pl")
        message = next(m for m in catalog if m.context == "summary-p1")
        message.string = str(message.string) + " Zmiana."
        write_catalog(path, catalog)
        one, report = timed_build(project, args.jobs)
        synthesized = sum(int(r.info.get("synthesized", 0)) for r in report.results)
        print(
            f"one paragraph changed (pl):     {one:7.2f} s   "
            f"{100 * one / cold:.1f}% of cold (target <= 10%), "
            f"{report.ran} job(s) run, {synthesized} segment(s) re-synthesized"
        )

        # The preview server keeps one pool for its session: workers keep their imports.
        from polyedition.build import default_executor

        executor = default_executor(args.jobs)
        try:
            for context, words in (("summary-p1", " Druga zmiana."), ("lead-p1", " Trzecia.")):
                catalog = read_catalog(path, locale="pl")
                message = next(m for m in catalog if m.context == context)
                message.string = str(message.string) + words
                write_catalog(path, catalog)
                started = time.perf_counter()
                build(
                    settings,
                    BuildOptions(languages=settings.languages, jobs=args.jobs),
                    executor=executor,
                )
                warm = time.perf_counter() - started
            print(
                f"one paragraph, serve --watch:   {warm:7.2f} s   "
                f"{100 * warm / cold:.1f}% of cold (workers already running)"
            )
        finally:
            executor.shutdown()

        sizes = [int(size) for size in args.scale.split(",") if size]
        formats = tuple(args.scale_formats.split(","))
        baseline = None
        for size in sizes:
            corpus = root / f"corpus-{size}"
            make_corpus(corpus, size)
            seconds, report = timed_build(corpus, args.jobs, formats)
            per_edition = seconds / len(report.editions)
            baseline = baseline or per_edition
            print(
                f"corpus of {size:2d} articles x 5 languages: {seconds:7.2f} s, "
                f"{per_edition:.3f} s per edition ({100 * per_edition / baseline:.0f}% of the "
                f"smallest corpus; target within ±20%)"
            )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"largest child process overall: {children:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
