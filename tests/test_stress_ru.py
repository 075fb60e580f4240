"""Russian stress and ё: the accent stage, what eSpeak makes of it, the proofreading view, and
the narration measured against a reference made independently of the model and the lexicon."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from polyedition.build import load_editions
from polyedition.cli import main
from polyedition.config import Settings
from polyedition.errors import SpeechError
from polyedition.qa import run_checks
from polyedition.render.audio.narrate import spoken_script
from polyedition.site import Site
from polyedition.speech import accent as accent_stage
from polyedition.speech.accent import accent
from polyedition.speech.espeak import EspeakEngine
from polyedition.speech.fixes import Fix, fixes_path, parse_fixes
from polyedition.speech.frontend import load_frontend
from polyedition.speech.lexicon import Entry, Lexicon, load_lexicon
from polyedition.speech.proof import SaidWord, proof
from polyedition.speech.spoken import spoken_text
from polyedition.speech.stress import ACUTE, accented_vowel, is_vowel_letter, vowel_count
from projectkit import REPO, SLUG

REFERENCE = Path(__file__).parent / "data" / "stress" / "ru-narration.tsv"
STRESS_TARGET = 0.995
YO_TARGET = 0.98


# --- the accent stage -------------------------------------------------------------------------


def test_yo_is_restored_where_russian_says_it() -> None:
    assert accent("Он ведет переговоры, ее слова все еще звучат.", "ru") == (
        "Он ведёт перегово́ры, её слова́ всё ещё звуча́т."
    )


@pytest.mark.parametrize(
    ("sentence", "word", "stressed"),
    [
        ("Наблюдателям стоит задаться вопросом, что это.", "стоит", "сто́ит"),
        ("Обе стороны пересматривают свои стратегии.", "стороны", "стороны́"),
        ("На все стороны света.", "стороны", "сто́роны"),
        ("Это важный момент для страны, особенно теперь.", "страны", "страны́"),
        ("Его слова о том, что тысячи людей в заключении.", "слова", "слова́"),
        ("Он отстаивал гражданские права и демократию.", "права", "права́"),
        ("Основное внимание будет уделяться тому, чтобы добиться освобождения.", "тому", "тому́"),
    ],
)
def test_a_homograph_takes_the_stress_its_sentence_gives_it(
    sentence: str, word: str, stressed: str
) -> None:
    words = accent(sentence, "ru").split()
    assert stressed in [w.strip(".,") for w in words], words


def test_words_in_capitals_and_words_already_accented_are_left_to_others() -> None:
    assert accent("США и ЕС, за́мок", "ru") == "США и ЕС, за́мок"


def test_a_language_without_an_accentor_keeps_its_text() -> None:
    assert accent("Prisoners were freed.", "en") == "Prisoners were freed."
    assert accent_stage.accentor("lt") is None


def test_an_accentor_module_not_written_yet_is_no_accentor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(accent_stage.MODULES, "xx", "polyedition.speech.accent.xx")
    accent_stage._module.cache_clear()
    try:
        assert accent_stage.accentor("xx") is None
        assert accent("Тэкст.", "xx") == "Тэкст."
    finally:
        accent_stage._module.cache_clear()


SILERO = {
    # scripts/convert_silero_stress.py's samples, as silero-stress 1.5 with PyTorch stresses them
    "Меня зовут Лева Королев. Я из готов. И я уже готов открыть все ваши замки!": (
        "Мен+я зов+ут Л+ёва Корол+ёв. +Я +из г+отов. +И +я уж+е гот+ов откр+ыть вс+е в+аши замк+и!"
    ),
    "Стоит задаться вопросом, сколько стоит свобода для этой страны.": (
        "Ст+оит зад+аться вопр+осом, ск+олько ст+оит своб+ода дл+я +этой стран+ы."
    ),
    "Обе стороны заявили, что права человека важнее, а ее слова все еще звучат.": (
        "+Обе сторон+ы заяв+или, чт+о прав+а челов+ека важн+ее, +а е+ё слов+а вс+ё ещ+ё звуч+ат."
    ),
    "Жители страны ждут перемен; страны Европы ведут переговоры.": (
        "Ж+ители стран+ы жд+ут перем+ен; стран+ы Евр+опы вед+ут перегов+оры."
    ),
    "Заключенных освободили, он ведет переговоры и остается в тюрьме за решеткой.": (
        "Заключ+ённых освобод+или, +он вед+ёт перегов+оры +и оста+ётся в тюрьм+е з+а реш+ёткой."
    ),
}


def _as_accents(silero: str) -> str:
    """silero's ``+`` before the stressed vowel as polyedition writes it: U+0301 after the
    vowel of a word of two or more syllables, none on ё or in a word of one syllable."""
    words = []
    for word in silero.split(" "):
        at = word.find("+")
        if at >= 0 and vowel_count(word) >= 2 and "ё" not in word.lower():
            words.append(word[:at] + word[at + 1] + ACUTE + word[at + 2 :])
        else:
            words.append(word.replace("+", ""))
    return " ".join(words)


@pytest.mark.parametrize("sentence", sorted(SILERO))
def test_the_converted_accentor_says_what_silero_says_with_pytorch(sentence: str) -> None:
    assert accent(sentence, "ru") == _as_accents(SILERO[sentence])


def test_the_stress_data_ships_in_the_package_without_pytorch() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"speech/accent/data/*"' in pyproject
    assert "torch" not in pyproject and "silero" not in pyproject.split("[project.optional")[0]
    data = Path(accent_stage.__file__).parent / "data"
    notice = (data / "LICENSE-silero-stress.txt").read_text(encoding="utf-8")
    assert "MIT License" in notice and "Copyright (c) 2020-present Silero Team" in notice
    assert sum(path.stat().st_size for path in data.iterdir()) < 45_000_000
    accent("Проверка.", "ru")
    assert "torch" not in sys.modules


# --- what eSpeak is given ---------------------------------------------------------------------


def _said(text: str, *, phonemes: bool, lexicon: Lexicon | None = None) -> str:
    frontend = load_frontend(REPO / "locales", "ru")
    return spoken_text(text, frontend, lexicon or Lexicon("ru"), phonemes=phonemes).text


def test_espeak_ignores_the_accent_mark_itself_so_accented_words_become_phonemes() -> None:
    espeak = EspeakEngine()
    assert espeak.phonemes("за\u0301мок", "ru") == espeak.phonemes("замок", "ru")
    assert espeak.phonemes("замо\u0301к", "ru") == espeak.phonemes("замок", "ru")


def test_espeak_reads_a_word_it_stresses_otherwise_as_phonemes_with_the_stress_moved() -> None:
    # eSpeak alone says го́ду; "в году" is году́.
    assert _said("В 2020 году.", phonemes=True) == "В две тысячи двадцатом [[gVd'u]]."


def test_a_word_espeak_already_stresses_right_is_left_as_text() -> None:
    assert _said("Он ведет переговоры.", phonemes=True) == "Он ведёт переговоры."


def test_engines_without_phonemes_hear_yo_but_no_accent() -> None:
    said = _said("Наблюдателям стоит задаться вопросом.", phonemes=False)
    assert said == "Наблюдателям стоит задаться вопросом."
    assert ACUTE not in _said("Заключенных освободили.", phonemes=False)
    assert _said("Заключенных освободили.", phonemes=False).startswith("Заключённых")


def test_the_lexicon_wins_over_the_accent_stage() -> None:
    lexicon = Lexicon("ru", (Entry("году", "го́ду", 1),))
    assert _said("В 2020 году.", phonemes=True, lexicon=lexicon) == (
        "В две тысячи двадцатом [[g'odu]]."
    )


def test_the_abbreviations_are_said_with_the_stress_on_their_last_syllable(
    real_site: Site,
) -> None:
    espeak = EspeakEngine()
    for lang, sentence in [
        ("ru", "США сняли санкции, а ЕС нет."),
        ("ru", "Санкции США и ЕС."),
        ("be", "ЗША знялі санкцыі, а ЕС не."),
        ("pl", "USA zniosły sankcje, a UE nie."),
        ("lt", "JAV panaikino sankcijas, o ES ne."),
    ]:
        spoken = spoken_text(
            sentence,
            load_frontend(REPO / "locales", lang),
            load_lexicon(REPO / "locales", lang),
            phonemes=True,
        )
        said = proof(spoken, lang, Lexicon(lang), espeak)
        spelled = [word for word in said.words if word.source == "speech table"]
        assert len(spelled) == 2, (lang, said.words)
        for word in spelled:
            assert word.vowel == vowel_count(word.text) - 1, (lang, word)


@pytest.mark.parametrize("lang", ["ru", "be", "pl", "lt"])
def test_every_abbreviation_of_the_narration_is_stressed_on_its_last_syllable(
    real_site: Site, lang: str
) -> None:
    espeak = EspeakEngine()
    lexicon = load_lexicon(REPO / "locales", lang)
    spelled: list[SaidWord] = []
    for utterance, spoken in spoken_script(real_site, real_site.edition(SLUG, lang)):
        if utterance.lang == lang and ACUTE in spoken.normalized:
            said = proof(spoken, lang, lexicon, espeak)
            spelled += [word for word in said.words if word.source == "speech table"]
    assert len(spelled) >= 40  # США or its like 30 times and more, ЕС about 10
    wrong = [word for word in spelled if word.vowel != vowel_count(word.text) - 1]
    assert not wrong, wrong


# --- the proofreading view --------------------------------------------------------------------


def test_script_stress_prints_the_narration_as_the_voice_says_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--project", str(REPO), "script", "--lang", "ru", "--stress"]) == 0
    out = capsys.readouterr().out
    title = next(line for line in out.splitlines() if line.startswith("[title]"))
    assert "освободи́ла сто два́дцать три заключённых" in title
    assert "сэ-шэ-а́ сня́ли са́нкции" in title


def test_voices_stress_reads_a_paragraph_through_the_models(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "Обе стороны ведут переговоры, и все еще стоит задаться вопросом о ее словах."
    assert main(["--project", str(REPO), "voices", "--lang", "ru", "--stress", text]) == 0
    assert capsys.readouterr().out == (
        "ru  О́бе стороны́ веду́т перегово́ры, и всё ещё сто́ит зада́ться вопро́сом о её слова́х.\n"
    )


def test_script_json_gives_every_word_with_its_phonemes_and_the_source_of_its_stress(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--project", str(REPO), "script", "--lang", "ru", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["slug"], record["lang"]) == (SLUG, "ru")
    words = [word for utterance in record["utterances"] for word in utterance["words"]]
    first = words[0]
    assert set(first) == {"text", "stressed", "spoken", "phonemes", "vowel", "source"}
    sources = Counter(word["source"] for word in words)
    assert set(sources) <= {"lexicon", "speech table", "dictionary", "model", "voice rules"}
    assert sources["model"] > sources["voice rules"] > 0
    yo = next(word for word in words if word["text"] == "заключённых")
    assert yo["phonemes"] and "'8" in yo["phonemes"] and yo["vowel"] == 2


# --- the measurement --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    ident: str
    offset: int
    word: str
    forms: tuple[str, ...]
    """The word as said: one form, or the forms the norm allows alike."""

    @property
    def vowels(self) -> frozenset[int | None]:
        return frozenset(_stressed_vowel(form) for form in self.forms)

    @property
    def yo(self) -> int | None:
        """The vowel said as ё (counted from 0), if any."""
        form = self.forms[0]
        return vowel_count(form[: form.index("ё")]) if "ё" in form.lower() else None


def _stressed_vowel(form: str) -> int | None:
    if "ё" in form.lower() and ACUTE not in form:
        return vowel_count(form[: form.lower().index("ё")])
    return accented_vowel(form)


def _reference() -> dict[tuple[str, int], _Token]:
    tokens = {}
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        ident, offset, word, said, _source = line.split("\t")
        tokens[ident, int(offset)] = _Token(ident, int(offset), word, tuple(said.split("|")))
    return tokens


def _normalized_offsets(accented: str, normalized: str) -> list[int]:
    """For each index of the accent stage's text, the index of the front end's text."""
    offsets = []
    j = 0
    for char in accented:
        offsets.append(j)
        if char == ACUTE and (j >= len(normalized) or normalized[j] != ACUTE):
            continue
        j += 1
    offsets.append(j)
    return offsets


def _heard_yo(said: SaidWord, vowel: int) -> bool:
    letters = [char for char in said.text if is_vowel_letter(char)]
    if vowel < len(letters) and letters[vowel] in "ёЁ":
        return True
    return said.spoken.startswith("[[") and said.vowel == vowel and "'o" in said.phonemes


@dataclass
class _Tally:
    tokens: int = 0
    yo_tokens: int = 0
    wrong: Counter[str] | None = None
    yo_missed: Counter[str] | None = None


def _measure(site: Site) -> _Tally:
    reference = _reference()
    espeak = EspeakEngine()
    lexicon = load_lexicon(site.settings.locales_dir, "ru")
    tally = _Tally(wrong=Counter(), yo_missed=Counter())
    assert tally.wrong is not None and tally.yo_missed is not None
    seen: set[tuple[str, int]] = set()
    for utterance, spoken in spoken_script(site, site.edition(SLUG, "ru")):
        if utterance.lang != "ru":
            continue
        offsets = _normalized_offsets(spoken.accented, spoken.normalized)
        said = proof(spoken, "ru", lexicon, espeak)
        for word in said.words:
            first, last = offsets[word.start], offsets[word.end]
            inside = [
                token
                for (ident, offset), token in reference.items()
                if ident == utterance.id and first <= offset < last
            ]
            for token in inside:
                seen.add((token.ident, token.offset))
                before = vowel_count(spoken.normalized[first : token.offset])
                if vowel_count(token.word) >= 2:
                    tally.tokens += 1
                    expected = {v + before for v in token.vowels if v is not None}
                    if word.vowel not in expected:
                        tally.wrong[f"{token.forms[0]} ({token.ident}): {word.stressed}"] += 1
                if token.yo is not None:
                    tally.yo_tokens += 1
                    if not _heard_yo(word, token.yo + before):
                        tally.yo_missed[f"{token.forms[0]} ({token.ident}): {word.text}"] += 1
    missing = set(reference) - seen
    assert not missing, f"reference tokens not found in the narration: {sorted(missing)[:10]}"
    return tally


def test_the_russian_narration_is_stressed_and_yo_d_as_the_reference_says(
    real_site: Site,
) -> None:
    """Every word of two or more syllables of the Russian narration, as eSpeak says it after
    the front end, the accent stage and the lexicon, against tests/data/stress/ru-narration.tsv
    (Wiktionary and a hand annotation in context; neither silero nor the lexicon)."""
    tally = _measure(real_site)
    assert tally.wrong is not None and tally.yo_missed is not None
    stress = 1 - sum(tally.wrong.values()) / tally.tokens
    yo = 1 - sum(tally.yo_missed.values()) / tally.yo_tokens
    assert tally.tokens > 1500 and tally.yo_tokens > 90
    assert stress >= STRESS_TARGET, (stress, tally.wrong.most_common(30))
    assert yo >= YO_TARGET, (yo, tally.yo_missed.most_common(30))


# --- one-occurrence fixes ---------------------------------------------------------------------


def _fixed(text: str, *fixes: Fix, phonemes: bool = True) -> str:
    frontend = load_frontend(REPO / "locales", "ru")
    return spoken_text(text, frontend, Lexicon("ru"), phonemes=phonemes, fixes=fixes).text


def test_a_fix_sets_how_one_occurrence_is_said_and_leaves_the_others() -> None:
    text = "Сколько стоит свобода? Стоит подумать, и стоит ли ждать."
    unfixed = _fixed(text).split()
    fixed = _fixed(text, Fix("p", "стоит", 2, "стои́т", 1)).split()
    assert unfixed[1] == unfixed[3] == "[[st'oit]]"  # сто́ит; eSpeak alone says стои́т
    assert fixed[3] == "Стоит"  # the fix, as eSpeak says it unaided
    assert fixed[:3] + fixed[4:] == unfixed[:3] + unfixed[4:]


def test_a_fix_wins_over_the_lexicon_and_keeps_the_written_text() -> None:
    frontend = load_frontend(REPO / "locales", "ru")
    lexicon = Lexicon("ru", (Entry("году", "го́ду", 1),))
    spoken = spoken_text(
        "В 2020 году.", frontend, lexicon, phonemes=True, fixes=(Fix("p", "году", 1, "году́", 2),)
    )
    assert spoken.text == "В две тысячи двадцатом [[gVd'u]]."
    assert spoken.sentences == ((0, "В 2020 году."),)
    assert [fix.line for fix in spoken.fixes] == [2]


def test_an_engine_without_phonemes_keeps_the_word_a_phoneme_fix_is_for() -> None:
    fix = Fix("p", "стоит", 1, "[[stV'it]]", 1)
    assert _fixed("Это стоит денег.", fix, phonemes=False) == "Это стоит денег."


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("lead-p2\tстороны\tсто́роны", "4 fields"),
        ("lead-p2\tстороны\t0\tсто́роны", "a number from 1"),
        ("lead-p2\tдве стороны\t1\tсто́роны", "not a single word"),
        ("lead-p2\tстороны\t1\tсто́роны́", "2 stress accents"),
    ],
)
def test_a_bad_fix_is_one_error_naming_the_file_and_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "speech-fixes.tsv"
    with pytest.raises(SpeechError, match=problem) as caught:
        parse_fixes(["# header", line], "ru", path)
    assert (caught.value.path, caught.value.line) == (path, 2)
    assert "\n" not in str(caught.value)


def test_the_narration_says_the_fix_and_check_reports_a_fix_gone_stale(
    project_copy: Settings,
) -> None:
    path = fixes_path(project_copy.locales_dir, "ru")
    path.write_text(
        path.read_text(encoding="utf-8")
        + "lead-p2\tстороны\t1\tсто́роны\n"
        + "lead-p2\tстороны\t2\tсто́роны\n",  # the paragraph has it once
        encoding="utf-8",
    )
    editions = load_editions(project_copy, ["ru"])
    site = Site(project_copy, {(e.slug, e.lang): e for e in editions})
    spoken = dict(spoken_script(site, site.edition(SLUG, "ru")))
    lead = next(text for utterance, text in spoken.items() if utterance.id == "lead-p2")
    assert "Обе [[" in lead.text and "Обе стороны" in lead.written
    findings = [f for f in run_checks(project_copy, ["ru"]) if f.check == "speech-fix"]
    assert [(f.path, f.line) for f in findings] == [(path, path.read_text().count("\n"))]
    assert "no occurrence 2 of 'стороны'" in findings[0].message


def test_a_bad_fix_stops_the_script_command_with_one_line(
    project_copy: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fixes_path(project_copy.locales_dir, "ru")
    path.write_text(path.read_text(encoding="utf-8") + "lead-p2\tстороны\n", encoding="utf-8")
    code = main(["--project", str(project_copy.project_dir), "script", "--lang", "ru"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "locales/ru/speech-fixes.tsv:" in err and "4 fields" in err


def test_a_worker_lets_go_of_the_russian_models_and_loads_them_again_when_it_needs_them() -> None:
    from polyedition.speech.accent import ru

    sentence = "Все заключенные были освобождены, и мир стал другим."
    before = ru.accent(sentence)
    accent_stage.release()
    assert ru._session.cache_info().currsize == ru._words.cache_info().currsize == 0
    assert ru.accent(sentence) == before
    assert ru._words.cache_info().currsize == 1


def test_a_worker_keeps_the_russian_models_for_its_next_russian_chapter() -> None:
    """The build lets go of accent models before each job but a chapter in their language:
    a worker narrating Russian chapters one after another loads the models once."""
    from polyedition.speech.accent import ru

    ru.accent("Все заключенные были освобождены.")
    accent_stage.release(keep="ru")
    assert ru._session.cache_info().currsize == ru._words.cache_info().currsize == 1
    accent_stage.release(keep="be")
    assert ru._session.cache_info().currsize == ru._words.cache_info().currsize == 0
