"""Build-speed benchmark: prints figures and ratios; never asserts on time (machines are noisy).

    python benchmarks/build_speed.py [--jobs N] [--scale 2,4,8] [--cluster 20,50,100] [--skip-piper]

Measures, in one run on this machine, every format (HTML, PDF, MP3, EPUB, feed):
1. the naive pipeline of issue 21 (per edition, in this process: eSpeak says our script, one
   loudness measurement and gain to -16 LUFS, a clip at -1 dBFS, LAME at our settings, then
   WeasyPrint's PDF) against a cold build of the same editions in every format, and the
   narration's CPU time in both (the naive script's against the cold build's MP3 jobs');
   2. a no-op rebuild; 3. one paragraph changed in one language's PO (and how many segments
   were re-synthesized), once on the warm workers the earlier builds left and once
   in new processes (``--no-warm``); 4. peak memory per worker; 5. 1–3 again with English
   narrated by Piper; 6. time per edition, speech cache per article and the largest worker over a
   generated corpus of short articles (2 and 100 by default); 7. the same corpus of short
   generated articles built by the local process pool and by a Dask LocalCluster with as many
   workers.

The cold, no-op and one-paragraph builds (1–3, 5) are timed as a user runs them: the wall
time of a ``polyedition build --json`` subprocess (interpreter start-up included), with warm
workers and with ``--no-warm``, in a private runtime folder (``XDG_RUNTIME_DIR``) so that they
never meet a user's warm workers. The cold build starts with no warm workers and an empty
cache; the benchmark then waits for the host it leaves (the user reads the result meanwhile),
and stops it at the end. The naive pipeline, the serve --watch figure and 6–7 run in this
process (6–7 call ``build()`` in new worker processes, without warm workers).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from polyedition.build import FORMATS, BuildOptions, build, load_site  # noqa: E402
from polyedition.content import read_article  # noqa: E402
from polyedition.pofile import read_catalog, write_catalog  # noqa: E402
from projectkit import ARTICLE as ARTICLE_SOURCE  # noqa: E402
from projectkit import SLUG, copy_project, po  # noqa: E402

NAIVE_LUFS = -16.0
NAIVE_CLIP_DBFS = -1.0


@dataclass
class Naive:
    """The naive pipeline's figures: its wall time, and its narration's CPU time per
    language (synthesis, normalisation and encoding; not the PDF)."""

    seconds: float
    narration_cpu: dict[str, float]


def naive_pipeline(project: Path) -> Naive:
    """The issue's naive pipeline: one process, no cache, the essential work of each edition.
    eSpeak says each utterance of our script (the same spoken text) and its pause follows as
    silence; the edition's PCM, joined, is measured once (pyloudnorm), brought to -16 LUFS,
    clipped at -1 dBFS and encoded by LAME at our settings (``encode_mp3``); then the PDF."""
    import numpy as np
    import pyloudnorm  # type: ignore[import-untyped]

    from polyedition.render.audio.codec import encode_mp3
    from polyedition.render.audio.narrate import spoken_script
    from polyedition.render.pdf import render_pdf
    from polyedition.speech.registry import Engines

    settings = copy_project(project)
    started = time.perf_counter()
    site = load_site(settings)
    engines = Engines(voices_dir=settings.voices_dir)
    narration_cpu = {}
    for (_, lang), edition in site.editions.items():
        cpu = time.process_time()
        pieces, rate = [], 0
        for utterance, spoken in spoken_script(site, edition, engines=engines):
            choice = engines.choices(settings, utterance.lang)[0]
            said = choice.engine.synthesize(spoken.text, utterance.lang, choice.voice, choice.rate)
            rate = rate or said.sample_rate
            pieces += [said.pcm, bytes(2 * round(utterance.pause * said.sample_rate))]
        samples = np.frombuffer(b"".join(pieces), dtype="<i2") / 32768.0
        loudness = pyloudnorm.Meter(rate).integrated_loudness(samples)
        ceiling = 10 ** (NAIVE_CLIP_DBFS / 20)
        louder = np.clip(samples * 10 ** ((NAIVE_LUFS - loudness) / 20), -ceiling, ceiling)
        encode_mp3(np.round(louder * 32767).astype("<i2").tobytes(), rate)
        narration_cpu[lang] = time.process_time() - cpu
        render_pdf(site, edition)
    return Naive(time.perf_counter() - started, narration_cpu)


def timed_build(  # type: ignore[no-untyped-def]
    project: Path, jobs: int, formats: tuple[str, ...] = FORMATS, scheduler: str | None = None
):
    """Wall time of a build in this process, in new worker processes, and its report."""
    from polyedition.config import load_settings

    settings = load_settings(project)
    started = time.perf_counter()
    options = BuildOptions(
        languages=settings.languages, formats=formats, jobs=jobs, scheduler=scheduler, warm=False
    )
    report = build(settings, options)
    return time.perf_counter() - started, report


def with_piper(project: Path) -> None:
    """Narrate English with the Piper voice (its licence: docs/editor/narration.md), the rest
    with eSpeak."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    addition = '\n[tool.polyedition.narration.en]\nengines = ["piper", "espeak"]\n'
    pyproject.write_text(text + addition, encoding="utf-8")


def edit_one_paragraph(project: Path, words: str) -> None:
    from polyedition.config import load_settings

    path = po(load_settings(project), "pl")
    catalog = read_catalog(path, locale="pl")
    message = next(m for m in catalog if m.context == "summary-p1")
    message.string = str(message.string) + words
    write_catalog(path, catalog)


HOST_WAIT_SECONDS = 60.0


def cli_environment(runtime: Path) -> dict[str, str]:
    """This process's environment with a private runtime folder (the warm workers' socket goes
    there) and warm workers allowed. PYTHONPATH is made absolute: the host starts in ``/``,
    where a relative entry would import another copy of polyedition."""
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime))
    env.pop("POLYEDITION_WARM_WORKERS", None)
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(
            str(Path(entry).resolve()) for entry in env["PYTHONPATH"].split(os.pathsep) if entry
        )
    return env


def cli_build(
    project: Path, jobs: int, env: dict[str, str], *, warm: bool = True
) -> tuple[float, dict[str, Any]]:
    """Wall time of ``polyedition build --json`` in a subprocess, and its summary; a failed
    build stops the benchmark."""
    command = [sys.executable, "-m", "polyedition", "--project", str(project), "build", "--json"]
    command += ["--jobs", str(jobs)] + ([] if warm else ["--no-warm"])
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    summary: dict[str, Any] | None = None
    with contextlib.suppress(json.JSONDecodeError):
        summary = json.loads(done.stdout)
    if done.returncode != 0 or summary is None:
        failures = "".join(
            f"\n  FAILED {failure['job']}: {failure['error']}"
            for failure in (summary or {}).get("failures", [])
        )
        stderr = "\n".join(done.stderr.rstrip().splitlines()[-20:])
        raise SystemExit(
            f"benchmark stopped: {' '.join(command)} exited with {done.returncode}"
            f"{' (its output is not JSON)' if summary is None else ''}{failures}\n"
            f"last lines of its stderr:\n{stderr}"
        )
    return seconds, summary


def wait_for_host(runtime: Path) -> float:
    """Seconds until the warm workers' socket appears (a build leaves them after it ends)."""
    started = time.perf_counter()
    folder = runtime / "polyedition"
    while not any(folder.glob("workers-*.sock")):
        if time.perf_counter() - started > HOST_WAIT_SECONDS:
            logs = "\n".join(
                f"{log.name}:\n{log.read_text(errors='replace')[-2000:]}"
                for log in folder.glob("workers-*.log")
            )
            raise SystemExit(
                f"benchmark stopped: no warm workers in {folder} {HOST_WAIT_SECONDS:.0f} s after "
                f"a build (they need --jobs >= 2 and warm-workers-minutes > 0)\n{logs}"
            )
        time.sleep(0.05)
    return time.perf_counter() - started


def host_pids(runtime: Path) -> list[int]:
    """Warm-worker processes (hosts and the workers they forked) whose socket is in
    ``runtime``: the command line of a host names its socket."""
    pids = []
    prefix = f"{runtime}{os.sep}"
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "polyedition.build.warm" in " ".join(args) and any(
            arg.startswith(prefix) for arg in args
        ):
            pids.append(int(cmdline.parent.name))
    return pids


def stop_workers(runtime: Path) -> None:
    """Stop the warm workers of ``runtime`` (only those): ``stop_hosts()`` with that folder,
    then any host still starting (it has no pid file yet) found by its command line."""
    from polyedition.build.warm import stop_hosts

    saved = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    try:
        stop_hosts()
    finally:
        if saved is None:
            del os.environ["XDG_RUNTIME_DIR"]
        else:
            os.environ["XDG_RUNTIME_DIR"] = saved
    deadline = time.monotonic() + 5
    while pids := host_pids(runtime):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM if time.monotonic() < deadline else signal.SIGKILL)
        time.sleep(0.1)


def ran_kinds(summary: dict[str, Any]) -> str:
    return ", ".join(sorted(job["kind"] for job in summary["jobs"]))


def idle_tail(summary: dict[str, Any]) -> float:
    """Seconds from the moment the first worker has no job left to the end of the last job
    (``started_at`` and ``pid`` of each job in ``build --json``): near 0 when every core is
    busy to the end."""
    ends: dict[int, float] = {}
    for job in summary["jobs"]:
        ends[job["pid"]] = max(ends.get(job["pid"], 0.0), job["started_at"] + job["seconds"])
    return max(ends.values()) - min(ends.values()) if len(ends) > 1 else 0.0


def synthesized(summary: dict[str, Any]) -> int:
    return sum(int(job["info"].get("synthesized", 0)) for job in summary["jobs"])


def engine_setup(root: Path, name: str, jobs: int, piper: bool) -> tuple[float, dict[str, Any]]:
    """Cold, no-op and one-paragraph builds of the real article with one engine set-up, each
    timed as a ``polyedition build`` subprocess; the cold build's time and summary."""
    project = root / name
    copy_project(project)
    if piper:
        with_piper(project)
    runtime = Path(tempfile.mkdtemp(prefix="pb-", dir="/tmp"))
    env = cli_environment(runtime)
    try:
        stop_workers(runtime)  # a cold build: no warm workers (and a new, empty cache)
        cold, summary = cli_build(project, jobs, env)
        busy = sum(job["seconds"] for job in summary["jobs"])
        editions = {(row["article"], row["language"]) for row in summary["outputs"]}
        print(
            f"[{name}] cold build ({len(editions)} editions, all formats): {cold:7.2f} s, "
            f"{summary['jobs_run']} jobs, {busy:.1f} s of job time "
            f"({busy / cold:.2f} cores busy on average; one worker idle for the last "
            f"{idle_tail(summary):.1f} s)"
        )
        speech_cache_ratio(project, name)
        ready = wait_for_host(runtime)
        print(f"[{name}] warm workers ready {ready:.2f} s after the cold build (the user reads)")
        noop, report = cli_build(project, jobs, env)
        print(
            f"[{name}] {'no-op rebuild:':<48}{noop:7.2f} s   {100 * noop / cold:.1f}% of cold "
            f"(target <= 2%), {report['jobs_run']} job(s) run"
        )
        edits = (
            ("one paragraph (pl), warm workers", " Zmiana.", True),
            ("one paragraph (pl), new processes (--no-warm)", " Inna zmiana.", False),
        )
        for label, words, warm in edits:
            edit_one_paragraph(project, words)
            one, report = cli_build(project, jobs, env, warm=warm)
            print(
                f"[{name}] {label + ':':<48}{one:7.2f} s   {100 * one / cold:.1f}% of cold "
                f"(target <= 5%), jobs: {ran_kinds(report)}; "
                f"{synthesized(report)} segment(s) re-synthesized"
            )
    finally:
        stop_workers(runtime)
        shutil.rmtree(runtime, ignore_errors=True)
    return cold, summary


def speech_cache_ratio(project: Path, name: str) -> None:
    """The speech cache's size against the MP3s it serves, after a cold build (issue 21)."""
    from polyedition.build.clean import cache_usage
    from polyedition.config import load_settings

    settings = load_settings(project)
    cache = cache_usage(settings).size
    mp3 = sum(path.stat().st_size for path in settings.output_dir.rglob("*.mp3"))
    print(
        f"[{name}] speech cache after the cold build: {cache / 1e6:.1f} MB for "
        f"{mp3 / 1e6:.1f} MB of MP3s, {cache / mp3:.2f}x (target <= 1.5x)"
    )


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


def make_short_corpus(project: Path, articles: int) -> None:
    """``articles`` short articles (the real one's first section), each with unique text."""
    make_corpus(project, articles)
    for article in sorted((project / "content").glob("*/article.md")):
        lines = article.read_text(encoding="utf-8").splitlines()
        headings = [n for n, line in enumerate(lines) if line.startswith("## ")]
        kept = lines[: headings[1]] if len(headings) > 1 else lines
        article.write_text("\n".join(kept) + "\n", encoding="utf-8")


def cluster_comparison(root: Path, sizes: list[int], jobs: int) -> None:
    """Per-edition time of the process pool and of a Dask LocalCluster with as many workers."""
    formats = ("html", "mp3")
    baseline = None
    for size in sizes:
        figures = {}
        for mode, scheduler in (("pool", None), ("cluster", f"local:{jobs}")):
            corpus = root / f"short-{size}-{mode}"
            make_short_corpus(corpus, size)
            seconds, report = timed_build(corpus, jobs, formats, scheduler)
            assert not report.failures, report.failures
            figures[mode] = seconds / len(report.editions)
        baseline = baseline or figures["cluster"]
        print(
            f"short corpus {size:3d} articles x 5 languages: pool {figures['pool']:.3f} s, "
            f"LocalCluster {figures['cluster']:.3f} s per edition "
            f"(overhead {100 * (figures['cluster'] / figures['pool'] - 1):+.1f}%, target < 15%; "
            f"{100 * figures['cluster'] / baseline:.0f}% of the smallest, target within ±20%)"
        )


def long_article(project: Path, copies: int) -> int:
    """An English-only project whose article is the real one ``copies`` times over, each copy's
    sentences made unique (a number after each full stop) so none is found in the speech
    cache; its word count."""
    import re

    source = ARTICLE_SOURCE.read_text(encoding="utf-8")
    fence = source.index("+++", 3) + 3
    front, body = source[:fence], source[fence:]
    copied = [
        re.sub(r"\{#([a-z0-9-]+)\}", rf"{{#\1-{n}}}", body).replace(". ", f". {n + 1} ")
        for n in range(copies)
    ]
    folder = project / "content" / SLUG
    folder.mkdir(parents=True)
    (folder / "article.md").write_text(front + "".join(copied), encoding="utf-8")
    (project / "pyproject.toml").write_text(
        '[tool.polyedition]\nlanguages = ["en"]\nsource-language = "en"\n'
        "narration-warn-words = 0\n",
        encoding="utf-8",
    )
    shutil.copytree(REPO / "locales" / "en", project / "locales" / "en")
    return sum(len(part.split()) for part in copied)


def _high_water_mb(pid: int) -> float:
    """A running process's peak resident memory so far, in MB (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def narration_memory(root: Path, sizes: list[int]) -> None:
    """Peak memory of one process narrating ever longer articles (cold cache, --jobs 1): the
    narration keeps a bounded amount of audio, so this should grow far slower than the audio."""
    smallest = None
    for copies in sizes:
        project = root / f"long-{copies}"
        words = long_article(project, copies)
        command = ["-m", "polyedition", "--project", str(project), "-q", "build"]
        process = subprocess.Popen(
            [sys.executable, *command, "--format", "mp3", "--jobs", "1", "--no-warm"]
        )
        # The kernel's high-water mark of the process's own memory (VmHWM). Not wait4's
        # ru_maxrss: Linux carries the forking parent's peak across exec into it.
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, _high_water_mb(process.pid))
            time.sleep(0.05)
        status = process.returncode
        smallest = smallest or peak
        print(
            f"narration of {words:6d} words in one process: peak {peak:6.1f} MB "
            f"({peak / smallest:.2f}x the {sizes[0]}-copy article; exit {status})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--scale", default="2,100", help="corpus sizes in short articles ('' to skip)"
    )
    parser.add_argument("--scale-formats", default=",".join(FORMATS))
    parser.add_argument(
        "--cluster", default="20,50,100", help="short-corpus sizes for pool vs Dask ('' to skip)"
    )
    parser.add_argument("--skip-piper", action="store_true", help="skip the Piper set-up")
    parser.add_argument(
        "--memory", default="1,4,16", help="article lengths (copies) for narration memory"
    )
    parser.add_argument(
        "--only-scale", action="store_true", help="only the corpus and cluster measurements"
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"workers: {args.jobs}")
    with tempfile.TemporaryDirectory(prefix="polyedition-bench-") as temp:
        root = Path(temp)
        if not args.only_scale:
            engine_figures(root, args.jobs, piper=not args.skip_piper)
        scale_figures(root, args)
        narration_memory(root, [int(size) for size in args.memory.split(",") if size])
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"largest child process overall (CLI builds, worker processes): {children:.1f} MB")
    return 0


def engine_figures(root: Path, jobs: int, *, piper: bool) -> None:
    """1–5: the real article in all formats, with eSpeak and then with Piper for English."""
    naive = naive_pipeline(root / "naive")
    naive_cpu = sum(naive.narration_cpu.values())
    print(
        f"naive pipeline (eSpeak, one loudness gain, clip, LAME; PDF): {naive.seconds:7.2f} s, "
        f"narration CPU {naive_cpu:.1f} s"
    )
    cold, summary = engine_setup(root, "espeak", jobs, piper=False)
    print(
        f"speed-up of the cold build over the naive pipeline: {naive.seconds / cold:.2f}x "
        "(target >= 1.8x)"
    )
    narration_cpu(summary, naive)
    largest = max(summary["jobs"], key=lambda job: job["peak_rss_mb"])
    print(
        f"peak memory of a worker in the cold build: {largest['peak_rss_mb']:.1f} MB "
        f"(max RSS of its process after {largest['job']}; target <= 400 MB)"
    )

    # The preview server rebuilds in its own process, on the warm workers its builds leave.
    from polyedition.config import load_settings

    settings = load_settings(root / "espeak")
    options = BuildOptions(languages=settings.languages, jobs=jobs)
    runtime = Path(tempfile.mkdtemp(prefix="pb-", dir="/tmp"))
    saved = {name: os.environ.get(name) for name in ("XDG_RUNTIME_DIR", "POLYEDITION_WARM_WORKERS")}
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    os.environ.pop("POLYEDITION_WARM_WORKERS", None)
    try:
        build(settings, options)  # nothing to do; it leaves the warm workers
        wait_for_host(runtime)
        for words in (" Druga zmiana.", " Trzecia."):
            edit_one_paragraph(root / "espeak", words)
            started = time.perf_counter()
            build(settings, options)
            warm = time.perf_counter() - started
        print(
            f"one paragraph, serve --watch:   {warm:7.2f} s   "
            f"{100 * warm / cold:.1f}% of cold (no interpreter start; warm workers)"
        )
    finally:
        stop_workers(runtime)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(runtime, ignore_errors=True)
    if piper:
        engine_setup(root, "piper-en", jobs, piper=True)


def narration_cpu(summary: dict[str, Any], naive: Naive) -> None:
    """The cold build's MP3 jobs' CPU time against the naive pipeline's narration, per
    language and in all."""
    cold: dict[str, float] = {}
    for job in summary["jobs"]:
        if job["kind"] == "mp3":
            lang = job["job"].split("/")[0]
            cold[lang] = cold.get(lang, 0.0) + float(job["cpu_seconds"])
    langs = ", ".join(
        f"{lang} {cold.get(lang, 0.0):.1f}/{seconds:.1f} s"
        for lang, seconds in naive.narration_cpu.items()
    )
    ours, theirs = sum(cold.values()), sum(naive.narration_cpu.values())
    print(
        f"narration CPU, cold build's MP3 jobs / naive: {ours:.1f} / {theirs:.1f} s = "
        f"{ours / theirs:.2f}x (target <= 1.15x; {langs})"
    )


def scale_figures(root: Path, args: argparse.Namespace) -> None:
    """6–7: time per edition, speech cache per article and the largest worker as the corpus
    grows (short articles: the real one's first section, each with its own text); the process
    pool against Dask."""
    sizes = [int(size) for size in args.scale.split(",") if size]
    formats = tuple(args.scale_formats.split(","))
    baseline = cache_baseline = None
    for size in sizes:
        corpus = root / f"corpus-{size}"
        make_short_corpus(corpus, size)
        seconds, report = timed_build(corpus, args.jobs, formats)
        assert not report.failures, report.failures
        per_edition = seconds / len(report.editions)
        baseline = baseline or per_edition
        cache_per_article = folder_size(corpus / ".cache" / "speech") / size / 1e6
        cache_baseline = cache_baseline or cache_per_article
        largest = max(result.peak_rss_mb for result in report.results)
        print(
            f"corpus of {size:3d} short articles x 5 languages: {seconds:7.2f} s, "
            f"{per_edition:.3f} s per edition ({100 * per_edition / baseline:.0f}% of the "
            f"smallest corpus; target within ±15%); speech cache {cache_per_article:.2f} MB "
            f"per article ({100 * cache_per_article / cache_baseline:.0f}% of the smallest); "
            f"largest worker {largest:.1f} MB (target <= 400 MB)"
        )
        shutil.rmtree(corpus, ignore_errors=True)
    clusters = [int(size) for size in args.cluster.split(",") if size]
    if clusters:
        cluster_comparison(root, clusters, args.jobs)


def folder_size(folder: Path) -> int:
    """The bytes of every file below ``folder``."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


if __name__ == "__main__":
    sys.exit(main())
