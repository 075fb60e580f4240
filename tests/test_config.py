"""Settings in [tool.polyedition]: defaults, validation, unknown keys named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from polyedition.config import Pauses, load_settings
from polyedition.errors import ConfigError


def _project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.polyedition]\n{table}\n", encoding="utf-8")
    return tmp_path


def test_defaults_without_a_pyproject(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.languages == ("en", "be", "ru", "pl", "lt")
    assert settings.source_language == "en"
    assert settings.output_dir == tmp_path.resolve() / "output"
    assert settings.target_languages == ("be", "ru", "pl", "lt")


def test_the_repository_settings_load() -> None:
    settings = load_settings(Path(__file__).resolve().parent.parent)
    assert settings.base_url.startswith("https://")
    assert settings.base_url.endswith("/")


@pytest.mark.parametrize(
    ("table", "message", "line"),
    [
        ('colour = "red"', "unknown setting tool.polyedition.colour", 2),
        ('languages = ["en", "de"]', "unsupported language 'de'", 2),
        ('languages = ["be"]\nsource-language = "en"', "source-language 'en'", 3),
        ('base-url = "ftp://x"', "base-url must be an http(s) URL", 2),
        ('[tool.polyedition.narration.be]\nengines = ["festival"]', "unknown engine 'festival'", 3),
        (
            "[tool.polyedition.narration.be]\nspeed = 2",
            "unknown setting tool.polyedition.narration.be.speed",
            3,
        ),
        ("[tool.polyedition.narration.be]\nrate = 10", "rate must be words per minute", 3),
        ("cache-keep-days = -1", "cache-keep-days must be a number, 0 or more", 2),
        ("cache-keep-builds = 2.5", "cache-keep-builds must be a whole number of builds", 2),
        (
            "[tool.polyedition.narration]\npauses = {breath = 0.2}",
            "unknown pause tool.polyedition.narration.pauses.breath",
            3,
        ),
        (
            "[tool.polyedition.narration]\npauses = {sentence = 0.01}",
            "pauses.sentence must be between 0.1 and 5.0 seconds",
            3,
        ),
        ("[tool.polyedition.narration]\npauses = 0.5", "pauses must be a table of seconds", 3),
    ],
)
def test_bad_settings_name_the_key_and_line(
    tmp_path: Path, table: str, message: str, line: int
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        load_settings(_project(tmp_path, table))
    assert caught.value.path == tmp_path.resolve() / "pyproject.toml"
    assert caught.value.line == line


def test_narration_settings_per_language(tmp_path: Path) -> None:
    settings = load_settings(
        _project(
            tmp_path, '[tool.polyedition.narration.pl]\nengines = ["gtts", "espeak"]\nrate = 160'
        )
    )
    assert settings.narration_for("pl").engines == ("gtts", "espeak")
    assert settings.narration_for("pl").rate == 160
    assert settings.narration_for("be").engines == ("espeak",)


def test_pauses_are_configured_once_for_every_engine_and_language(tmp_path: Path) -> None:
    settings = load_settings(
        _project(tmp_path, "[tool.polyedition.narration]\npauses = {sentence = 0.3, section = 2}")
    )
    assert (settings.pauses.sentence, settings.pauses.section) == (0.3, 2.0)
    assert settings.pauses.paragraph == Pauses().paragraph
    assert settings.narration_for("be").engines == ("espeak",)


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    with pytest.raises(AttributeError):
        settings.languages = ("en",)  # type: ignore[misc]


@pytest.mark.parametrize(
    "text", ["[tool]\npolyedition = 5\n", 'tool = "x"\n', "[tool]\npolyedition = [1]\n"]
)
def test_a_tool_polyedition_that_is_not_a_table_is_a_one_line_error_or_ignored(
    tmp_path: Path, text: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    if "polyedition" not in text:
        assert load_settings(tmp_path).languages  # no [tool.polyedition]: the defaults
        return
    with pytest.raises(ConfigError, match="must be a table of settings") as caught:
        load_settings(tmp_path)
    assert caught.value.line == 2


def test_a_retired_setting_is_accepted_with_a_warning_naming_its_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``warm-workers-minutes`` configured the build host, which is gone: a project that still
    sets it builds, and is told where to remove it."""
    project = _project(tmp_path, 'languages = ["en", "pl"]\nwarm-workers-minutes = 5')
    with caplog.at_level("WARNING", logger="polyedition"):
        settings = load_settings(project)
    assert settings.languages == ("en", "pl")
    [warning] = [record.getMessage() for record in caplog.records]
    assert warning.startswith(f"{tmp_path.resolve() / 'pyproject.toml'}:3: ")
    assert "warm-workers-minutes is no longer used" in warning
