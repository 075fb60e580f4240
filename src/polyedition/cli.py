"""The command line: the only place that prints results or decides exit codes.

Exit codes: 0 success, 1 findings (``check``, ``build --strict``), 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from polyedition import __version__
from polyedition.config import Settings, load_settings
from polyedition.errors import PolyeditionError

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

Handler = Callable[[argparse.Namespace, Settings], int]


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

    for result in update_catalogs(settings, _languages(args, settings)):
        print(
            f"{_show(result.path, settings)}: {result.kept} kept, {result.fuzzy} fuzzy, "
            f"{result.new} new, {result.obsolete} obsolete"
            + ("" if result.written else " (unchanged)")
        )
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
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.checks import run_checks

    findings = run_checks(settings, _languages(args, settings))
    for finding in findings:
        print(_show_finding(str(finding), settings))
    summary = f"{len(findings)} finding(s)" if findings else "no findings"
    print(summary, file=sys.stderr)
    return EXIT_FINDINGS if findings else EXIT_OK


def _cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from polyedition.build import build

    report = build(settings, languages=_languages(args, settings), strict=args.strict)
    for edition in report.editions:
        stats = edition.stats
        print(
            f"{edition.lang}/{edition.slug}: {stats.percent:.1f}% translated, "
            f"{stats.fallback_segments} fallback segment(s)"
        )
    if args.strict and report.problems:
        for problem in report.problems:
            print(f"strict: {problem}", file=sys.stderr)
        return EXIT_FINDINGS
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
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def lang_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--lang",
            action="append",
            metavar="L",
            help="only this language (repeatable); default: every configured language",
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
        "Merge the POTs into the PO catalogs "
        "(edited messages become fuzzy, removed ones obsolete).",
    )
    lang_option(update)
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
    build = command("build", _cmd_build, "Build every edition into output/.")
    lang_option(build)
    build.add_argument(
        "--strict", action="store_true", help="fail (exit 1) when any edition falls back to English"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    try:
        settings = load_settings(args.project)
        handler: Handler = args.handler
        return handler(args, settings)
    except PolyeditionError as error:
        print(f"{error.category}: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
