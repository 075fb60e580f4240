"""The command line: the only place that prints results or decides exit codes.

Exit codes: 0 success, 1 findings (``check``, ``build --strict``), 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from polyedition import __version__
from polyedition.config import Settings, load_settings
from polyedition.errors import PolyeditionError
from polyedition.terminal import LOG_FORMAT, table_lines

if TYPE_CHECKING:
    from polyedition.build import BuildOptions
    from polyedition.model import Edition
    from polyedition.site import Site

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERNAL = 70
"""A bug in polyedition (sysexits' EX_SOFTWARE), not in the user's input."""
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE, what a shell reports for a program that stopped writing to a closed pipe."""

Handler = Callable[[argparse.Namespace, Settings], int]
REVIEW_FOLDER = "review"
"""The folder of ``.cache/`` where ``review`` writes its pages (``serve`` shows them too)."""


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on exit code 2 and a hint to ``--help``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _languages(
    args: argparse.Namespace, settings: Settings, *, targets_only: bool = False
) -> list[str]:
    chosen: list[str] = args.lang or []
    if chosen:
        return [settings.require_language(code) for code in chosen]
    return list(settings.target_languages if targets_only else settings.languages)


def _cmd_new(args: argparse.Namespace) -> int:
    from polyedition.scaffold import create_project

    languages = [code.strip() for code in args.languages.split(",") if code.strip()]
    written = create_project(args.folder, languages)
    for path in written:
        print(f"{args.folder / path}: created")
    print(f"Next: cd {args.folder} && polyedition build")
    return EXIT_OK


def _cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.catalogs import extract

    for path, written in extract(settings):
        state = "written" if written else "unchanged"
        print(f"{_show(path, settings)}: {state}")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.catalogs import init_catalogs

    for path in init_catalogs(settings, args.language, force=args.force):
        print(f"{_show(path, settings)}: created")
    return EXIT_OK


def _cmd_update(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.catalogs import update_catalogs

    langs = _languages(args, settings)
    for result in update_catalogs(settings, langs, use_memory=not args.no_memory):
        recalled = result.memory_exact + result.memory_fuzzy
        memory = (
            f", {recalled} from memory ({result.memory_exact} exact, {result.memory_fuzzy} fuzzy)"
            if recalled
            else ""
        )
        print(
            f"{_show(result.path, settings)}: {result.kept} kept, {result.fuzzy} fuzzy, "
            f"{result.new} new, {result.obsolete} obsolete{memory}"
            + ("" if result.written else " (unchanged)")
        )
    return EXIT_OK


def _cmd_tm(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.catalogs import memory_files
    from polyedition.memory import load_memory

    lang = settings.require_language(args.lang)
    memory = load_memory(lang, memory_files(settings, lang))
    matches = memory.search(args.text, threshold=args.min / 100, containing=True)[: args.limit]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "score": round(match.score, 4),
                        "exact": match.exact,
                        "contains": match.contains,
                        "source": match.entry.source,
                        "translation": match.entry.translation,
                        "path": _show(match.entry.path, settings),
                        "line": match.entry.line,
                        "context": match.entry.context,
                        "obsolete": match.entry.obsolete,
                    }
                    for match in matches
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    for match in matches:
        entry = match.entry
        where = f"{_show(entry.path, settings)}:{entry.line}"
        extra = "".join(
            [f"  [{entry.context}]" if entry.context else "", "  (obsolete)" * entry.obsolete]
        )
        translation = entry.translation
        if not isinstance(translation, str):
            translation = " | ".join(translation)
        score = "contains" if match.contains else f"{match.score:4.0%}"
        print(f"{score}  {where}{extra}")
        print(f"      en: {entry.source}")
        print(f"      {lang}: {translation}")
    summary = f"{len(matches)} match(es)" if matches else f"no match of {args.min}% or more"
    print(f"{summary} in {len(memory)} translations", file=sys.stderr)
    return EXIT_OK


def _cmd_compile(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.catalogs import compile_catalogs

    for path, written in compile_catalogs(settings, _languages(args, settings)):
        print(f"{_show(path, settings)}: {'compiled' if written else 'up to date'}")
    return EXIT_OK


def _cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.catalogs import catalog_stats

    rows = list(catalog_stats(settings, _languages(args, settings)))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "language": row.lang,
                        "domain": row.domain,
                        "translated": row.translated,
                        "fuzzy": row.fuzzy,
                        "untranslated": row.untranslated,
                        "words": row.words,
                        "translated_words": row.translated_words,
                        "percent": round(row.percent, 1),
                    }
                    for row in rows
                ],
                indent=2,
            )
        )
        return EXIT_OK
    header = ("lang", "domain", "translated", "fuzzy", "untranslated", "words", "percent")
    table = [header] + [
        (
            row.lang,
            row.domain,
            str(row.translated),
            str(row.fuzzy),
            str(row.untranslated),
            f"{row.translated_words}/{row.words}",
            f"{row.percent:.1f}%",
        )
        for row in rows
    ]
    for line in table_lines(table):
        print(line)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.qa import run_checks

    findings = run_checks(settings, _languages(args, settings))
    for finding in findings:
        print(_show_finding(str(finding), settings))
    summary = f"{len(findings)} finding(s)" if findings else "no findings"
    print(summary, file=sys.stderr)
    return EXIT_FINDINGS if findings else EXIT_OK


def _build_options(args: argparse.Namespace, settings: Settings) -> BuildOptions:
    from polyedition.build import FORMATS, BuildOptions

    return BuildOptions(
        languages=tuple(_languages(args, settings)),
        formats=tuple(dict.fromkeys(args.format or FORMATS)),
        jobs=args.jobs or os.cpu_count() or 1,
        clean=getattr(args, "clean", False),
        strict=getattr(args, "strict", False),
        fail_fast=getattr(args, "fail_fast", False),
        scheduler=getattr(args, "scheduler", None) or settings.scheduler,
        preview=getattr(args, "watch", False),
    )


def _retired(option: str, why: str) -> None:
    """A warning for an option that does nothing any more (kept one release for scripts)."""
    logger.warning("%s is no longer needed and does nothing (%s); remove it", option, why)


def _cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.build import build
    from polyedition.console import print_summary, progress_reporter

    if args.no_warm:
        _retired("build --no-warm", "a build leaves no process running")

    with progress_reporter(args.quiet or args.json) as progress:
        report = build(settings, _build_options(args, settings), progress=progress)
    if not args.quiet or args.json or report.failures:
        print_summary(report, as_json=args.json)
    if report.failures:
        print(
            f"{len(report.failures)} output(s) failed; their earlier files, if any, are kept",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    if args.strict and report.problems:
        print(f"strict: {len(report.problems)} problem(s), see the warnings above", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def _cmd_clean(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.build.clean import clean

    if args.workers:
        _retired("clean --workers", "a build leaves no process running")
        if not (args.cache or args.output):
            return EXIT_OK
    both = not (args.cache or args.output)
    for path in clean(settings, cache=args.cache or both, output=args.output or both):
        print(f"{_show(path, settings)}: emptied")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import threading

    from polyedition.build import build
    from polyedition.build.executors import PreviewWorkers
    from polyedition.console import PlainProgress
    from polyedition.serve import REVIEW_PREFIX, make_server, watch_and_rebuild

    options = _build_options(args, settings)
    # While it watches, the server keeps workers that have imported the renderers.
    local = args.watch and not options.scheduler and PreviewWorkers.available()
    workers = PreviewWorkers(options.jobs) if local else None
    if workers is not None:
        workers.start()

    def rebuild() -> None:
        if workers is None:
            build(settings, options, progress=PlainProgress())
            return
        with workers.pool() as pool:
            build(settings, options, executor=pool, progress=PlainProgress())

    if not (settings.output_dir / "index.html").exists() or args.watch:
        rebuild()
    if workers is not None:
        workers.wait_until_ready()
    server = make_server(
        settings.output_dir, args.port, review_dir=settings.cache_dir / REVIEW_FOLDER
    )
    host, port = server.server_address[:2]
    print(f"Serving {_show(settings.output_dir, settings)} at http://{host!s}:{port}/", flush=True)
    print(f"Review pages ('polyedition review --lang L') at http://{host!s}:{port}{REVIEW_PREFIX}")
    stop = threading.Event()
    thread = threading.Thread(target=server.serve_forever, name="preview-server", daemon=True)
    thread.start()
    try:
        if args.watch:
            print(
                "Watching content/, locales/ and templates/ for changes (Ctrl+C to stop)",
                flush=True,
            )
            watch_and_rebuild(settings, rebuild, stop)
        else:
            thread.join()
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        if workers is not None:
            workers.close()
    return EXIT_OK


def _voice_table(settings: Settings, lang: str) -> list[str]:
    """One language's voices, engine by engine, with each voice's licence and which narrate."""
    from polyedition.languages import profile
    from polyedition.speech.registry import Engines

    engines = Engines(voices_dir=settings.voices_dir)
    choices = engines.choices(settings, lang)
    chosen = {(c.engine.name, c.voice.split("+")[0]): n for n, c in enumerate(choices)}
    narrated = ", then ".join(choice.label for choice in choices)
    lines = [f"{lang}  {profile(lang).english_name}: narrated by {narrated}"]
    rows = [("engine", "voice", "quality", "Hz", "source", "use")]
    licences: dict[int, str] = {}
    for name in engines.names:
        voices = engines.get(name).voices(lang)
        if not voices:
            rows.append((name, "-", "", "", "no voice for this language", ""))
        for number, voice in enumerate(voices):
            rank = chosen.get((name, voice.name))
            use = "" if rank is None else "in use" if rank == 0 else "fallback"
            rate = str(voice.sample_rate or "")
            rows.append((name, voice.name, voice.quality, rate, voice.source, use))
            following = voices[number + 1] if number + 1 < len(voices) else None
            if voice.licence and (following is None or following.licence != voice.licence):
                licences[len(rows) - 1] = voice.licence
    first_width = max(len(row[0]) for row in rows)
    for index, line in enumerate(table_lines(rows, indent="  ")):
        lines.append(line)
        if index in licences:
            lines.append(" " * (4 + first_width) + f"licence: {licences[index]}")
    return lines


def _cmd_voices(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.speech.accent import accent
    from polyedition.speech.espeak import EspeakEngine
    from polyedition.speech.lexicon import load_lexicon
    from polyedition.speech.proof import mark_stress, voice_stress

    if args.phonemes:
        # What eSpeak says, as written and through the lexicon: for writing lexicon entries.
        espeak = EspeakEngine()
        for lang in _languages(args, settings):
            lexicon = load_lexicon(settings.locales_dir, lang, settings.source_language)
            applied = lexicon.apply(args.phonemes, phonemes=True)
            print(f"{lang}  as written:       {espeak.phonemes(args.phonemes, lang)}")
            if applied.entries:
                print(f"{lang}  with the lexicon: {espeak.phonemes(applied.text, lang)}")
        return EXIT_OK
    if args.stress:
        # Where the voice stresses each word, through the accent stage and the lexicon: for
        # reviewing a paragraph.
        espeak = EspeakEngine()
        for lang in _languages(args, settings):
            lexicon = load_lexicon(settings.locales_dir, lang, settings.source_language)
            accented = accent(args.stress, lang)
            words = voice_stress(accented, lang, lexicon, espeak)
            print(f"{lang}  {mark_stress(accented, words)}")
        return EXIT_OK
    for lang in _languages(args, settings):
        print("\n".join(_voice_table(settings, lang)))
    return EXIT_OK


def _cmd_script(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.build import load_editions
    from polyedition.render.audio.narrate import spoken_script
    from polyedition.site import Site

    lang = settings.require_language(args.lang)
    editions = load_editions(settings, [lang])
    site = Site(settings, {(edition.slug, edition.lang): edition for edition in editions})
    if args.stress or args.json:
        return _print_stress(site, editions, as_json=args.json)
    for edition in editions:
        what = " - what the front end and lexicon change" if args.diff else ""
        print(f"# {edition.slug} ({lang}){what}")
        for utterance, spoken in spoken_script(site, edition):
            label = utterance.id if utterance.lang == lang else f"{utterance.id} ({utterance.lang})"
            if not args.diff:
                print(f"[{label}] {spoken.text}")
                continue
            said = spoken.said_sentences
            changed = [
                (written, words)
                for (_, written), words in zip(spoken.sentences, said, strict=True)
                if written != words
            ]
            if changed:
                print(f"[{label}]")
                for written, words in changed:
                    print(f"  - {written}")
                    print(f"  + {words}")
    return EXIT_OK


def _print_stress(site: Site, editions: Sequence[Edition], *, as_json: bool) -> int:
    """The narration as the voice says it, stress marked (``script --stress``), or per word."""
    from polyedition.render.audio.narrate import spoken_script
    from polyedition.speech.espeak import EspeakEngine
    from polyedition.speech.lexicon import load_lexicon
    from polyedition.speech.proof import proof

    espeak = EspeakEngine()
    for edition in editions:
        if not as_json:
            print(f"# {edition.slug} ({edition.lang}) - as the voice says it, stress marked")
        utterances: list[dict[str, object]] = []
        for utterance, spoken in spoken_script(site, edition):
            lexicon = load_lexicon(site.settings.locales_dir, utterance.lang)
            said = proof(spoken, utterance.lang, lexicon, espeak)
            if as_json:
                utterances.append(
                    {
                        "id": utterance.id,
                        "lang": utterance.lang,
                        "text": said.text,
                        "words": [word.as_json() for word in said.words],
                    }
                )
                continue
            label = utterance.id
            if utterance.lang != edition.lang:
                label += f" ({utterance.lang})"
            print(f"[{label}] {said.text}")
        if as_json:
            record = {"slug": edition.slug, "lang": edition.lang, "utterances": utterances}
            print(json.dumps(record, ensure_ascii=False, indent=1))
    return EXIT_OK


def _cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.fsutil import write_if_changed
    from polyedition.review.collect import collect_review
    from polyedition.review.model import Filter
    from polyedition.review.page import review_html, review_json

    review = collect_review(settings, args.lang, since=args.since)
    only = tuple(Filter(kind) for kind in args.only or ())
    if Filter.CHANGED in only and not args.since:
        print("review: --only changed needs --since DATE or --since REVISION", file=sys.stderr)
        return EXIT_ERROR
    review = review.filtered(only)
    if args.json:
        print(review_json(review))
        return EXIT_OK
    page = settings.cache_dir / REVIEW_FOLDER / f"{review.lang}.html"
    write_if_changed(page, review_html(review, page).encode("utf-8"))
    rows = sum(len(article.rows) for article in review.articles)
    print(f"{_show(page, settings)}: {rows} segment(s); open {page.resolve().as_uri()}")
    return EXIT_OK


def _show(path: Path, settings: Settings) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _show_finding(text: str, settings: Settings) -> str:
    prefix = str(settings.project_dir) + "/"
    return text.removeprefix(prefix)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="polyedition",
        description="Turn one news article into multilingual, accessible editions with narration.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--project",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="the publication project (holds pyproject.toml, content/, locales/); default: .",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument("-q", "--quiet", action="store_true", help="log only warnings and errors")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log everything and show the Python traceback of an internal error",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    new = commands.add_parser(
        "new",
        help="Start a new publication: settings, an example article, its catalogs, a README.",
        description="Start a new publication: settings, an example article, its catalogs, "
        "a README. 'cd DIR && polyedition build' then works at once.",
    )
    new.set_defaults(project_handler=_cmd_new)
    new.add_argument("folder", type=Path, metavar="DIR", help="a new or empty folder")
    new.add_argument(
        "--languages",
        default="en,be,ru,pl,lt",
        metavar="L,L",
        help="comma-separated languages (default: en,be,ru,pl,lt; English is the source)",
    )
    command(
        "extract",
        _cmd_extract,
        "Write the POT templates (one per article, plus 'ui' for template strings).",
    )
    init = command("init", _cmd_init, "Start the PO catalogs of a new language from the POTs.")
    init.add_argument("language", help="language code, e.g. be")
    init.add_argument("--force", action="store_true", help="overwrite existing catalogs")
    update = command(
        "update",
        _cmd_update,
        "Merge the POTs into the PO catalogs (edited messages become fuzzy, removed ones "
        "obsolete, untranslated ones are filled from the translation memory).",
    )
    lang_option(update)
    update.add_argument(
        "--no-memory",
        action="store_true",
        help="leave new messages empty instead of filling them from the translation memory",
    )
    tm = command(
        "tm",
        _cmd_tm,
        "Search the translation memory (every catalog of a language, obsolete entries "
        "included) for translations of TEXT, best match first.",
    )
    tm.add_argument("--lang", required=True, metavar="L", help="the language to search")
    tm.add_argument("text", metavar="TEXT", help="the English text to look for")
    tm.add_argument(
        "--min",
        type=int,
        default=50,
        metavar="PERCENT",
        help="lowest similarity to list, word-level (default 50; update fills from 75)",
    )
    tm.add_argument("--limit", type=int, default=10, metavar="N", help="at most N (default 10)")
    tm.add_argument("--json", action="store_true", help="print JSON for tools")
    compile_ = command(
        "compile", _cmd_compile, "Compile PO catalogs to MO (skips up-to-date ones)."
    )
    lang_option(compile_)
    stats = command("stats", _cmd_stats, "Show translation progress per language and domain.")
    lang_option(stats)
    stats.add_argument("--json", action="store_true", help="print JSON for scripts")
    check = command(
        "check",
        _cmd_check,
        "Check catalogs: syntax, headers, plural forms, placeholders, markup, copies, glossary.",
    )
    lang_option(check)
    build = command(
        "build",
        _cmd_build,
        "Build every edition (HTML, PDF, MP3) into output/; only what changed is rebuilt.",
    )
    build_options(build)
    build.add_argument(
        "--clean", action="store_true", help="delete output/ and the build manifest first"
    )
    build.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any edition falls back to English or 'check' has findings",
    )
    build.add_argument("--json", action="store_true", help="print the summary as JSON")
    build.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the jobs on the Dask cluster at ADDRESS (tcp://host:8786), or on N local "
        "Dask worker processes with local:N; needs pip install 'polyedition[dask]'",
    )
    build.add_argument(
        "--fail-fast",
        action="store_true",
        help="stop at the first failed output (default: build every other output, then exit 1)",
    )
    build.add_argument("--no-warm", action="store_true", help=argparse.SUPPRESS)  # retired
    clean = command(
        "clean",
        _cmd_clean,
        "Delete the speech cache and/or the built outputs (default: both).",
    )
    clean.add_argument(
        "--cache", action="store_true", help="delete the speech cache (.cache/speech)"
    )
    clean.add_argument(
        "--output", action="store_true", help="delete output/ and the build manifest"
    )
    clean.add_argument("--workers", action="store_true", help=argparse.SUPPRESS)  # retired
    serve = command(
        "serve",
        _cmd_serve,
        "Serve output/ on 127.0.0.1 for preview; with --watch, rebuild when sources change.",
    )
    build_options(serve)
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any free)")
    serve.add_argument(
        "--watch", action="store_true", help="rebuild when a PO, content or template file is saved"
    )
    voices = command(
        "voices",
        _cmd_voices,
        "List the voices each speech engine offers per language, and which ones narrate.",
    )
    lang_option(voices)
    voices.add_argument(
        "--phonemes",
        metavar="TEXT",
        help="print what eSpeak says for TEXT (its phoneme notation), to write lexicon entries",
    )
    voices.add_argument(
        "--stress",
        metavar="TEXT",
        help="print TEXT with an accent (U+0301) on the vowel eSpeak stresses in each word of "
        "two or more syllables (ё where it says ё), after the stress models and the lexicon",
    )
    script = command(
        "script",
        _cmd_script,
        "Print the narration of an edition exactly as the voice will say it (numbers, "
        "abbreviations and initials read out, lexicon applied), segment id by segment id.",
    )
    script.add_argument("--lang", required=True, metavar="L", help="the edition's language")
    script.add_argument(
        "--diff",
        action="store_true",
        help="show only the sentences the speech front end or the lexicon change: "
        "written (-), then spoken (+)",
    )
    script.add_argument(
        "--stress",
        action="store_true",
        help="print the narration as the voice says it, after the front end, the stress "
        "models and the lexicon: U+0301 on the stressed vowel of every word of two or more "
        "syllables, ё where the voice says ё (for proofreading)",
    )
    script.add_argument(
        "--json",
        action="store_true",
        help="with or without --stress: the same per word, as JSON (text, stressed form, what "
        "the engine reads, eSpeak phonemes, stressed vowel, and its source: lexicon, speech "
        "table, dictionary, model or voice rules)",
    )
    review = command(
        "review",
        _cmd_review,
        "Write a local review page for a language desk: per segment the English, the "
        "translation, the narration as spoken with its audio, the check findings and the PO "
        "line (in .cache/review/, not published).",
    )
    review.add_argument("--lang", required=True, metavar="L", help="the language to review")
    review.add_argument(
        "--since",
        metavar="DATE|REV",
        help="mark the messages whose PO lines changed after a date (YYYY-MM-DD) or a git "
        "revision (git blame)",
    )
    review.add_argument(
        "--only",
        action="append",
        choices=["fuzzy", "untranslated", "findings", "spoken", "changed"],
        help="keep only these segments (repeatable; each must hold); the page filters too",
    )
    review.add_argument("--json", action="store_true", help="print the rows as JSON for tools")
    return parser


def lang_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--lang",
        action="append",
        metavar="L",
        help="only this language (repeatable); default: every configured language",
    )


def build_options(sub: argparse.ArgumentParser) -> None:
    """Options shared by build and serve."""
    from polyedition.build.formats import FORMATS

    lang_option(sub)
    sub.add_argument(
        "--format",
        action="append",
        choices=FORMATS,
        help="only this format (repeatable); default: html, pdf, mp3, epub and feed",
    )
    sub.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="parallel worker processes (default: the number of cores)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = args.verbose or args.debug
    level = logging.DEBUG if verbose else logging.WARNING if args.quiet else logging.INFO
    # Other libraries speak only of warnings (pikepdf, for one, announces itself at INFO),
    # unless -v asks for everything.
    root = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=root, format=LOG_FORMAT, stream=sys.stderr)
    logging.getLogger("polyedition").setLevel(level)
    try:
        if hasattr(args, "project_handler"):  # ``new`` makes a project instead of reading one
            project_handler: Callable[[argparse.Namespace], int] = args.project_handler
            return project_handler(args)
        settings = load_settings(args.project)
        handler: Handler = args.handler
        return handler(args, settings)
    except PolyeditionError as error:
        print(f"{error.category}: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``polyedition script | head``): stop quietly, as cat does.
        # Python would complain again when it flushes stdout at exit; point it at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as error:
        # The file system said no (permissions, a full disk, a missing folder): one line.
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as error:
        # A traceback is for developers: the user gets one line and the way to see more.
        if args.debug:
            raise
        print(
            f"internal error: {type(error).__name__}: {error}; "
            "run with --debug for the traceback and report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
