"""Build-speed benchmark: prints figures and ratios; never asserts on time (machines are noisy).

    python benchmarks/build_speed.py [--jobs N] [--pairs 3] [--scale 2,4,8] [--cluster 20,50,100]
        [--skip-piper]

Measures, in one run on this machine, every format (HTML, PDF, MP3, EPUB, feed):
1. the naive pipeline of issue 21 (``naive.py``, one process, per edition: eSpeak says our
   script, one loudness measurement and gain to -16 LUFS, a clip at -1 dBFS, LAME at our
   settings, then WeasyPrint's PDF) against a cold build of the same editions in every format,
   in ``--pairs`` pairs run one straight after the other (the speed-up is the median of their
   ratios), and the narration's CPU time in both (the naive script's against the cold build's
   chapter and MP3 jobs'); 2. a no-op rebuild; 3. one Belarusian paragraph changed in its PO
   (and how many segments were re-synthesized, and each kind of job's CPU), five times, the
   median; 4. peak
   memory per worker; 5. the same paragraph saved five times under ``serve --watch``: how long
   after the save the page, and then every file of the edition, is rebuilt on disk; 6. 1–3
   again with English narrated by Piper; 7. time per edition, speech cache per article and the
   largest worker over a generated corpus of short articles (2 and 100 by default); 8. the same
   corpus of short generated articles built by the local process pool and by a Dask
   LocalCluster with as many workers.

The naive pipeline and the cold, no-op and one-paragraph builds (1–3, 6) are timed as a user
runs them: the wall time of a command (``python naive.py``, ``polyedition build --json``) in a
subprocess (interpreter start-up and imports included), and its CPU time (user + sys of it
and every process it started: wall times mean little on a busy machine, and the load average
is printed with them). The cold build starts with an empty
cache. They and ``serve --watch`` run with Python's bytecode as a user's install has it: the
package is compiled once before any of them (``compileall``, as pip compiles a wheel), and
``PYTHONDONTWRITEBYTECODE``, if this environment sets it, is not passed on to them (without
bytecode every run compiled polyedition's modules again, about 0.1 s). ``serve --watch`` runs
in a subprocess and is timed by the files' modification times. 7–8 run in this process (they
call ``build()`` in new worker processes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from polyedition.build import FORMATS, BuildOptions, build  # noqa: E402
from polyedition.content import read_article  # noqa: E402
from polyedition.pofile import read_catalog, write_catalog  # noqa: E402
from projectkit import ARTICLE as ARTICLE_SOURCE  # noqa: E402
from projectkit import SLUG, copy_project, po  # noqa: E402

NAIVE = Path(__file__).resolve().parent / "naive.py"
"""The naive pipeline's script."""


@dataclass
class Naive:
    """The naive pipeline's figures: the wall time of its command (interpreter start-up and
    imports included, as for ``polyedition build``), the seconds of its work alone, the CPU
    time of the command (user + sys), and its narration's CPU time per language (synthesis,
    normalisation and encoding; not the PDF)."""

    seconds: float
    work_seconds: float
    cpu_seconds: float
    narration_cpu: dict[str, float]


def naive_pipeline(project: Path) -> Naive:
    """The issue's naive pipeline (``naive.py``: one process, no cache, the essential work of
    each edition) on a fresh copy of the real article, timed as a command a user runs."""
    copy_project(project)
    command = [sys.executable, str(NAIVE), str(project)]
    seconds, done, cpu_seconds = reaped(command)
    if done.returncode != 0:
        stderr = "\n".join(done.stderr.rstrip().splitlines()[-20:])
        raise SystemExit(f"benchmark stopped: the naive pipeline failed:\n{stderr}")
    figures = json.loads(done.stdout)
    return Naive(seconds, figures["seconds"], cpu_seconds, figures["narration_cpu"])


def timed_build(  # type: ignore[no-untyped-def]
    project: Path, jobs: int, formats: tuple[str, ...] = FORMATS, scheduler: str | None = None
):
    """Wall time of a build in this process, in new worker processes, and its report."""
    from polyedition.config import load_settings

    settings = load_settings(project)
    started = time.perf_counter()
    options = BuildOptions(
        languages=settings.languages, formats=formats, jobs=jobs, scheduler=scheduler
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


EDITED = "be"
"""The language whose paragraph the one-paragraph figures edit."""


def edit_one_paragraph(project: Path, words: str, lang: str = EDITED) -> Path:
    """Add ``words`` to the translation of the summary's first paragraph; the PO file."""
    from polyedition.config import load_settings

    path = po(load_settings(project), lang)
    catalog = read_catalog(path, locale=lang)
    message = next(m for m in catalog if m.context == "summary-p1")
    message.string = str(message.string) + words
    write_catalog(path, catalog)
    return path


EDITS = 5
"""How many one-paragraph edits are timed (their median is the figure)."""


REAPER = """
import ctypes, os, resource, subprocess, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
status = subprocess.run(sys.argv[2:], check=False).returncode
deadline = time.monotonic() + 30
while time.monotonic() < deadline:  # what the command left: its orphans are ours now
    try:
        if os.waitpid(-1, os.WNOHANG) == (0, 0):
            time.sleep(0.01)
    except ChildProcessError:
        break
used = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w", encoding="ascii") as out:
    out.write(f"{used.ru_utime + used.ru_stime}")
sys.exit(status)
"""
"""Runs a command as a subreaper (Linux): every process it starts, however deep, is waited
for here, so the CPU time this reports is the whole command's (the workers and their
forkserver, which a plain wait would not count)."""


def user_environment() -> dict[str, str]:
    """This process's environment, as a user's shell has it: Python writes and reads bytecode."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def compile_package() -> None:
    """Compile polyedition's modules to bytecode, as installing its wheel does."""
    import polyedition

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(polyedition.__file__).parent)],
        check=True,
        env=user_environment(),
    )


def reaped(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str], float]:
    """Run ``command`` as a user's shell would (``user_environment``) under ``REAPER``: its
    wall time, its result (output captured) and the CPU time of it and every process it
    started."""
    with tempfile.NamedTemporaryFile(mode="r", encoding="ascii", suffix=".cpu") as cpu:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", REAPER, cpu.name, *command],
            capture_output=True,
            text=True,
            check=False,
            env=user_environment(),
        )
        seconds = time.perf_counter() - started
        cpu_seconds = float(cpu.read() or "nan")
    return seconds, done, cpu_seconds


def cli_build(project: Path, jobs: int) -> tuple[float, dict[str, Any]]:
    """Wall time of ``polyedition build --json`` in a subprocess, and its summary (with the
    CPU time, user + sys, of it and everything it started, under ``cpu_seconds``); a failed
    build stops the benchmark."""
    command = [sys.executable, "-m", "polyedition", "--project", str(project), "build", "--json"]
    command += ["--jobs", str(jobs)]
    seconds, done, cpu_seconds = reaped(command)
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
    summary["cpu_seconds"] = cpu_seconds
    return seconds, summary


def jobs_cpu(summary: dict[str, Any]) -> str:
    """Each kind of job's CPU time (user + sys, in its worker), largest first."""
    kinds: dict[str, float] = {}
    for job in summary["jobs"]:
        kinds[job["kind"]] = kinds.get(job["kind"], 0.0) + job["cpu_seconds"]
    return ", ".join(
        f"{kind} {cpu:.2f} s" for kind, cpu in sorted(kinds.items(), key=lambda k: -k[1])
    )


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


def of_naive(seconds: float, naive: float | None, target: float = 6.0) -> str:
    """``seconds`` as a share of the naive pipeline's time, with issue 21's target."""
    return f", {100 * seconds / naive:.1f}% of naive (target <= {target:g}%)" if naive else ""


def load() -> str:
    """The machine's load average over the last minute (wall times mean little above the
    number of cores)."""
    return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def engine_setup(
    root: Path, name: str, jobs: int, piper: bool, naive: float | None = None
) -> tuple[float, dict[str, Any]]:
    """Cold, no-op and one-paragraph builds of the real article with one engine set-up, each
    timed as a ``polyedition build`` subprocess; the cold build's time and summary."""
    project = root / name
    copy_project(project)
    if piper:
        with_piper(project)
    cold, summary = cli_build(project, jobs)
    busy = sum(job["seconds"] for job in summary["jobs"])
    editions = {(row["article"], row["language"]) for row in summary["outputs"]}
    print(
        f"[{name}] cold build ({len(editions)} editions, all formats): {cold:7.2f} s, "
        f"{summary['jobs_run']} jobs, {busy:.1f} s of job time "
        f"({busy / cold:.2f} cores busy on average)"
    )
    speech_cache_ratio(project, name)
    noop, report = cli_build(project, jobs)
    print(
        f"[{name}] {'no-op rebuild:':<48}{noop:7.2f} s   {100 * noop / cold:.1f}% of cold"
        f"{of_naive(noop, naive, target=1.5)}, {report['jobs_run']} job(s) run"
    )
    times, cpu = [], []
    for number in range(EDITS):
        edit_one_paragraph(project, f" Змена {number + 1}.")
        seconds, report = cli_build(project, jobs)
        times.append(seconds)
        cpu.append(report["cpu_seconds"])
    one = statistics.median(times)
    print(
        f"[{name}] {f'one paragraph ({EDITED}), new processes:':<48}{one:7.2f} s   "
        f"{100 * one / cold:.1f}% of cold{of_naive(one, naive)} (median of {EDITS}: "
        f"{', '.join(f'{s:.2f}' for s in times)}); CPU (user+sys, every process) median "
        f"{statistics.median(cpu):.2f} s; the last one's jobs' CPU: {jobs_cpu(report)}; "
        f"{synthesized(report)} segment(s) re-synthesized; load average {load()}"
    )
    return cold, summary


SAVES = 5
"""How many saves the serve --watch figure times."""


def serve_watch(project: Path, jobs: int) -> None:
    """``polyedition serve --watch`` in a subprocess, as a translator uses it: each save of one
    Belarusian paragraph, timed from the PO file's modification time to the rebuilt page's
    (on disk: what a browser reload shows), and to the last of the edition's rebuilt files."""
    from polyedition.config import load_settings

    settings = load_settings(project)
    page = settings.output_dir / EDITED / SLUG / "index.html"
    command = [sys.executable, "-m", "polyedition", "--project", str(project), "serve"]
    command += ["--watch", "--port", "0", "--jobs", str(jobs)]
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        server = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, text=True, env=user_environment()
        )
        try:
            assert server.stdout is not None
            for line in server.stdout:
                if line.startswith("Watching"):
                    break
            else:
                log.seek(0)
                raise SystemExit(f"benchmark stopped: serve --watch ended:\n{log.read()[-2000:]}")
            pages, wholes = [], []
            for number in range(SAVES):
                words = f" Захавана {number + 1}."
                path = edit_one_paragraph(project, words)
                saved = path.stat().st_mtime_ns
                pages.append(wait_for_file(page, saved, words.strip()) - saved)
                wholes.append(wait_for_edition(settings.output_dir, saved) - saved)
        finally:
            stop_server(server)
    pages_s, wholes_s = [n / 1e9 for n in pages], [n / 1e9 for n in wholes]
    print(
        f"one paragraph ({EDITED}), serve --watch: page on disk "
        f"{statistics.median(pages_s):.2f} s after the save (target <= 1.0 s; median of "
        f"{SAVES}: {', '.join(f'{s:.2f}' for s in pages_s)}), every file of the edition "
        f"{statistics.median(wholes_s):.2f} s; load average {load()}"
    )


def stop_server(server: subprocess.Popen[str]) -> None:
    """Ctrl+C, as a translator stops the server; if it has not ended 30 s later, SIGTERM (it
    must not outlive the benchmark, which deletes its project) and the benchmark stops."""
    server.send_signal(signal.SIGINT)
    try:
        server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        server.terminate()
        server.communicate(timeout=30)
        raise SystemExit("benchmark stopped: serve --watch did not stop on Ctrl+C") from None


def wait_for_file(path: Path, after_ns: int, text: str, seconds: float = 120) -> int:
    """The modification time of ``path`` once it is newer than ``after_ns`` and holds
    ``text``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if path.stat().st_mtime_ns > after_ns and text in path.read_text(encoding="utf-8"):
                return path.stat().st_mtime_ns
        time.sleep(0.005)
    raise SystemExit(f"benchmark stopped: {path} not rebuilt within {seconds:.0f} s")


def wait_for_edition(output_dir: Path, after_ns: int, seconds: float = 120) -> int:
    """The latest modification time among the edited edition's files once its MP3, PDF, EPUB
    and feed are all newer than ``after_ns`` and nothing changed for a second."""
    from polyedition.site import epub_path, mp3_path, pdf_path

    folder = output_dir / EDITED / SLUG
    files = [output_dir / path(EDITED, SLUG) for path in (mp3_path, pdf_path, epub_path)]
    deadline = time.monotonic() + seconds
    last, quiet = 0, 0.0
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if all(path.stat().st_mtime_ns > after_ns for path in files):
                newest = max(p.stat().st_mtime_ns for p in output_dir.rglob("*") if p.is_file())
                if newest == last and time.monotonic() - quiet > 1.0:
                    return newest
                if newest != last:
                    last, quiet = newest, time.monotonic()
        time.sleep(0.02)
    raise SystemExit(f"benchmark stopped: {folder} not rebuilt within {seconds:.0f} s")


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
        process = subprocess.Popen([sys.executable, *command, "--format", "mp3", "--jobs", "1"])
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
        "--pairs", type=int, default=PAIRS, help="naive pipelines and cold builds to time"
    )
    parser.add_argument(
        "--memory", default="1,4,16", help="article lengths (copies) for narration memory"
    )
    parser.add_argument(
        "--only-scale", action="store_true", help="only the corpus and cluster measurements"
    )
    args = parser.parse_args()
    # Started in the background by a shell script (`make bench &`), this process inherits
    # SIGINT ignored, and so would the preview server it starts, which Ctrl+C (SIGINT) would
    # then not stop: with Python's own handler here, a child starts with SIGINT's default.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"workers: {args.jobs}")
    compile_package()
    with tempfile.TemporaryDirectory(prefix="polyedition-bench-") as temp:
        root = Path(temp)
        if not args.only_scale:
            engine_figures(root, args.jobs, piper=not args.skip_piper, pairs=args.pairs)
        scale_figures(root, args)
        narration_memory(root, [int(size) for size in args.memory.split(",") if size])
    # No "largest child process" from RUSAGE_CHILDREN: Linux counts the memory of the process
    # that forks in the peak of every child it starts, even one that execs at once (when the
    # naive pipeline ran in this process, `true` reported its 1.2 GB of float64 PCM), and the
    # naive pipeline is a child too. Each worker's peak is printed above.
    return 0


PAIRS = 3
"""Naive pipelines and cold builds timed one straight after the other: the speed-up is the
median of each pair's ratio (this machine's speed drifts by 10 % within an hour, which one
pair run minutes apart mostly escapes)."""


def engine_figures(root: Path, jobs: int, *, piper: bool, pairs: int = PAIRS) -> None:
    """1–5: the real article in all formats, with eSpeak and then with Piper for English."""
    naive = naive_pipeline(root / "naive")
    naive_cpu = sum(naive.narration_cpu.values())
    print(
        f"naive pipeline (eSpeak, one loudness gain, clip, LAME; PDF), as a command: "
        f"{naive.seconds:7.2f} s ({naive.work_seconds:.2f} s after its start-up and imports), "
        f"CPU {naive.cpu_seconds:.1f} s, of it narration {naive_cpu:.1f} s"
    )
    cold, summary = engine_setup(root, "espeak", jobs, piper=False, naive=naive.seconds)
    ratios = [naive.seconds / cold]
    for pair in range(2, pairs + 1):
        ratios.append(another_pair(root, pair, jobs))
    print(
        f"speed-up of the cold build over the naive pipeline: {statistics.median(ratios):.2f}x, "
        f"the median of {len(ratios)} pair(s) ({', '.join(f'{r:.2f}x' for r in ratios)}; "
        "target >= 1.8x)"
    )
    narration_cpu(summary, naive)
    largest = max(summary["jobs"], key=lambda job: job["peak_rss_mb"])
    print(
        f"peak memory of a worker in the cold build: {largest['peak_rss_mb']:.1f} MB "
        f"(max RSS of its process after {largest['job']}; target <= 400 MB)"
    )

    serve_watch(root / "espeak", jobs)
    if piper:
        engine_setup(root, "piper-en", jobs, piper=True)


def another_pair(root: Path, pair: int, jobs: int) -> float:
    """One more naive pipeline and cold build, one after the other; the speed-up."""
    naive = naive_pipeline(root / f"naive-{pair}")
    project = root / f"espeak-{pair}"
    copy_project(project)
    cold, summary = cli_build(project, jobs)
    print(
        f"pair {pair}: naive pipeline {naive.seconds:.2f} s, cold build {cold:.2f} s "
        f"({sum(job['cpu_seconds'] for job in summary['jobs']):.1f} s of job CPU): "
        f"{naive.seconds / cold:.2f}x; load average {load()}"
    )
    shutil.rmtree(project)
    shutil.rmtree(root / f"naive-{pair}")
    return naive.seconds / cold


def narration_cpu(summary: dict[str, Any], naive: Naive) -> None:
    """The cold build's narration CPU time (its chapter jobs and the MP3 jobs that join them)
    against the naive pipeline's narration, per language and in all."""
    cold: dict[str, float] = {}
    for job in summary["jobs"]:
        if job["kind"] in ("chapter", "mp3"):
            lang = job["job"].split("/")[0]
            cold[lang] = cold.get(lang, 0.0) + float(job["cpu_seconds"])
    langs = ", ".join(
        f"{lang} {cold.get(lang, 0.0):.1f}/{seconds:.1f} s"
        for lang, seconds in naive.narration_cpu.items()
    )
    ours, theirs = sum(cold.values()), sum(naive.narration_cpu.values())
    print(
        f"narration CPU, cold build's chapter and MP3 jobs / naive: {ours:.1f} / {theirs:.1f} s = "
        f"{ours / theirs:.2f}x (target <= 1.15x; {langs})"
    )


def scale_figures(root: Path, args: argparse.Namespace) -> None:
    """6–7: time per edition, speech cache per article and the largest worker as the corpus
    grows (short articles: the real one's first section, each with its own text); the process
    pool against Dask."""
    sizes = [int(size) for size in args.scale.split(",") if size]
    formats = tuple(args.scale_formats.split(","))
    baseline = cache_baseline = span_baseline = None
    for size in sizes:
        corpus = root / f"corpus-{size}"
        make_short_corpus(corpus, size)
        seconds, report = timed_build(corpus, args.jobs, formats)
        assert not report.failures, report.failures
        per_edition = seconds / len(report.editions)
        baseline = baseline or per_edition
        # The same without the build's start-up and end (imports, planning, the forkserver's
        # imports before the first job): from the first job's start to the last one's end.
        first = min(result.started_at for result in report.results)
        last = max(result.started_at + result.seconds for result in report.results)
        span_per_edition = (last - first) / len(report.editions)
        span_baseline = span_baseline or span_per_edition
        cache_per_article = folder_size(corpus / ".cache" / "speech") / size / 1e6
        cache_baseline = cache_baseline or cache_per_article
        largest = max(result.peak_rss_mb for result in report.results)
        print(
            f"corpus of {size:3d} short articles x 5 languages: {seconds:7.2f} s, "
            f"{per_edition:.3f} s per edition ({100 * per_edition / baseline:.0f}% of the "
            f"smallest corpus; target within ±15%; from the first job to the last "
            f"{span_per_edition:.3f} s, {100 * span_per_edition / span_baseline:.0f}%); "
            f"speech cache {cache_per_article:.2f} MB "
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
