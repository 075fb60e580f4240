"""scripts/build_be_stress.py: which GrammarDB forms the Belarusian stress table takes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "build_be_stress.py"

GRAMMARDB = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Wordlist>
    <Paradigm pdgId="1" lemma="удзе+л" tag="NCIINM2">
        <Variant id="a" lemma="удзе+л" slouniki="piskunou2012:1" pravapis="A2008">
            <Form tag="NS">удзе+л</Form>
            <Form tag="IS">удзе+лам</Form>
            <Form tag="LS" type="nonstandard">удзе+лу</Form>
        </Variant>
    </Paradigm>
    <Paradigm pdgId="2" lemma="вы+гада" tag="NCIINF1">
        <Variant id="a" lemma="вы+гада">
            <Form tag="NS">вы+гада</Form>
        </Variant>
    </Paradigm>
    <Paradigm pdgId="3" lemma="ўмо+ва" tag="NCIINF1">
        <Variant id="a" lemma="ўмо+ва" pravapis="A1957">
            <Form tag="NS" slouniki="tsbm1984">ўмо+ва</Form>
        </Variant>
        <Variant id="b" lemma="ўмо+ва" pravapis="A2008">
            <Form tag="NP" slouniki="tsbm1984">ўмо+вы</Form>
            <Form tag="GP" slouniki="tsbm1984">умо+ў</Form>
            <Form tag="X">аб'е+кт</Form>
            <Form tag="X">бо+кам-ско+кам</Form>
            <Form tag="X">сне+г</Form>
        </Variant>
    </Paradigm>
</Wordlist>
"""


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_be_stress", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_forms_of_variants_a_dictionary_attests_in_todays_spelling_are_taken(
    script: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "N.xml").write_text(GRAMMARDB, encoding="utf-8")
    (tmp_path / "slouniki.list").write_text(
        "tsbm1984=Тлумачальны слоўнік\npiskunou2012=Вялікі слоўнік\n", encoding="utf-8"
    )
    assert dict(script.from_xml(tmp_path)) == {
        "удзел": {1},  # the non-standard locative is left out
        "удзелам": {1},
        "умовы": {1},  # ў at the start is stored as у, a vowel: the stress moves one on
        "умоў": {1},
        "аб’ект": {1},
        # вы́гада: no dictionary; ўмо́ва: 1957 spelling only; a compound with two stresses
        # and a word of one syllable are the accentor's
    }


def test_a_stress_mark_must_follow_a_vowel_and_stand_once(script: ModuleType) -> None:
    assert script.marked_form("адна+к") == ("аднак", 1)
    assert script.marked_form("абвінава*ціць") == ("абвінаваціць", 3)
    assert script.marked_form("ад+нак") is None
    assert script.marked_form("адна+к+") is None
