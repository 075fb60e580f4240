"""``polyedition voices``: what each engine offers per language, and what eSpeak says."""

from __future__ import annotations

import pytest

from polyedition.cli import main
from projectkit import REPO


def test_voices_lists_each_engine_per_language_and_marks_the_one_in_use(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--project", str(REPO), "voices", "--lang", "be", "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines]
    assert lines[0] == "be  Belarusian: narrated by espeak (be)"
    assert rows[1] == ["engine", "voice", "quality", "Hz", "source", "use"]
    assert ["espeak", "be", "formant", "22050", "package", "espeakng-loader", "in", "use"] in rows
    assert ["gtts", "-", "no", "voice", "for", "this", "language"] in rows
    assert any(row[:2] == ["gtts", "co.uk"] for row in rows)
    assert sum(row[-2:] == ["in", "use"] for row in rows) == 2  # one voice per language
    assert all(line.strip().startswith("licence: ") for line in lines if "licence" in line)


def test_voices_phonemes_show_what_the_lexicon_changes(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--project", str(REPO), "voices", "--lang", "be", "--phonemes", "Калеснікава"]) == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("be  as written:") and "k'al;Es;n;ikava" in out[0]
    assert out[1].startswith("be  with the lexicon:") and "kal;'Es;n;ikava" in out[1]
