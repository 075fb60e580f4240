"""The command line: every command has help; exit codes 0/1/2; errors are one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from polyedition.cli import build_parser, main
from projectkit import SLUG, copy_project, copy_theme_ui, override, po

COMMANDS = [
    "new",
    "extract",
    "init",
    "update",
    "tm",
    "compile",
    "stats",
    "check",
    "review",
    "build",
]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polyedition", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: polyedition {command}" in out
    assert len(out.splitlines()) > 3


def test_the_parser_knows_every_command() -> None:
    parser = build_parser()
    help_text = parser.format_help()
    for command in COMMANDS:
        assert command in help_text


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["no-such-command"])
    assert exited.value.code == 2
    assert "--help" in capsys.readouterr().err


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    copy_project(tmp_path)
    result = run("--project", str(tmp_path), "stats", "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert SLUG in result.stdout


def test_a_malformed_po_is_one_line_exit_2_and_no_traceback(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    path = po(settings, "ru")
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\nmsgid "broken\nmsgstr ""\n', encoding="utf-8")
    result = run("--project", str(tmp_path), "build", "--lang", "ru")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    line = len(text.splitlines()) + 2
    assert f"catalog: {path}:{line}: string is not terminated" in result.stderr


def test_an_unknown_language_is_exit_2(tmp_path: Path) -> None:
    copy_project(tmp_path)
    result = run("--project", str(tmp_path), "check", "--lang", "de")
    assert result.returncode == 2
    assert "config:" in result.stderr
    assert "'de' is not configured" in result.stderr


def test_a_front_matter_error_names_file_and_line(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    article = settings.content_dir / SLUG / "article.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("date = 2025-12-13\n", ""), encoding="utf-8"
    )
    result = run("--project", str(tmp_path), "extract")
    assert result.returncode == 2
    assert f"content: {article}:1: front matter field 'date' is missing" in result.stderr


def test_check_exits_1_on_findings_and_0_when_clean(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    findings = run("--project", str(tmp_path), "check", "--lang", "en")
    assert findings.returncode == 0, findings.stdout
    translations = run("--project", str(tmp_path), "check", "--lang", "lt")
    bad = copy_theme_ui(settings, "lt")  # the project translates the interface itself
    bad.write_text(bad.read_text(encoding="utf-8").replace("nplurals=3", "nplurals=2"), "utf-8")
    result = run("--project", str(tmp_path), "check", "--lang", "lt")
    assert result.returncode == 1
    assert "locales/lt/LC_MESSAGES/ui.po:" in result.stdout
    assert "[header] Plural-Forms declares nplurals=2" in result.stdout
    assert translations.returncode in {0, 1}


def test_a_template_string_missing_from_ui_pot_is_an_error(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    template = override(settings, "base.html")
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "</body>", '<p>{{ _("A brand new interface string") }}</p>\n</body>'
        ),
        encoding="utf-8",
    )
    result = run("--project", str(tmp_path), "build", "--lang", "en")
    assert result.returncode == 2
    assert "A brand new interface string" in result.stderr
    assert "templates/base.html:" in result.stderr
    assert "polyedition extract" in result.stderr


def test_a_bug_reaches_the_user_as_one_line_and_debug_shows_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_project(tmp_path)

    def broken(*args: object) -> int:
        raise KeyError("author")

    monkeypatch.setattr("polyedition.cli._cmd_stats", broken)
    assert main(["--project", str(tmp_path), "stats"]) == 70
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == (
        "internal error: KeyError: 'author'; run with --debug for the traceback and report it"
    )
    with pytest.raises(KeyError):
        main(["--project", str(tmp_path), "--debug", "stats"])


@pytest.mark.parametrize(
    ("args", "retired"),
    [
        (["build", "--no-warm", "--format", "html", "--lang", "en"], "build --no-warm"),
        (["clean", "--workers"], "clean --workers"),
    ],
)
def test_a_retired_option_still_works_and_says_in_one_line_to_remove_it(
    tmp_path: Path, args: list[str], retired: str
) -> None:
    """Scripts written for the build host (``--no-warm`` on CI, ``clean --workers``) keep
    working for a release; the warning is one line and the command does its work."""
    copy_project(tmp_path)
    done = run("--project", str(tmp_path), "-q", *args)
    assert done.returncode == 0, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"WARNING: {retired} is no longer needed and does nothing")
    assert line.endswith("remove it")
    if args[0] == "build":
        assert (tmp_path / "output" / "en" / SLUG / "index.html").is_file()


def test_retired_options_are_not_advertised(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("build", "clean"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        shown = capsys.readouterr().out
        assert "--no-warm" not in shown and "--workers" not in shown
