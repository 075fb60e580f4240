"""``polyedition voices``: what each engine offers per language, and what eSpeak says."""

from __future__ import annotations

import pytest

from polyedition.cli import main
from projectkit import REPO


def test_voices_lists_each_engine_per_language_and_marks_the_one_in_use(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--project", str(REPO), "voices", "--lang", "be", "--lang", "en"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["lang", "engine", "voice", "description", "use"]
    assert ["be", "espeak", "be", "Belarusian", "in", "use"] in rows
    assert ["be", "gtts", "-", "no", "voice", "for", "this", "language"] in rows
    assert any(row[:3] == ["en", "gtts", "co.uk"] for row in rows)
    assert sum(row[-2:] == ["in", "use"] for row in rows) == 2  # one voice per language


def test_voices_phonemes_show_what_the_lexicon_changes(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--project", str(REPO), "voices", "--lang", "be", "--phonemes", "Калеснікава"]) == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("be  as written:") and "k'al;Es;n;ikava" in out[0]
    assert out[1].startswith("be  with the lexicon:") and "kal;'Es;n;ikava" in out[1]
