"""The speech text front end: written text → what a newsreader says, in each language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from polyedition.build import Planner, format_named
from polyedition.cli import main
from polyedition.config import Settings
from polyedition.errors import SpeechError
from polyedition.render.audio.narrate import spoken_script
from polyedition.site import Site
from polyedition.speech.frontend import load_frontend
from polyedition.speech.frontend.tables import parse_tables, speech_path
from polyedition.speech.lexicon import Lexicon
from polyedition.speech.spoken import spoken_text
from projectkit import REPO, SLUG

LOCALES = REPO / "locales"


def say(lang: str, written: str) -> str:
    """``written`` as the engine hears it, through the real tables and the accent stage (ё
    restored; no lexicon; stress accents left out, as for an engine without phonemes)."""
    return spoken_text(written, load_frontend(LOCALES, lang), Lexicon(lang), phonemes=False).text


# Written → spoken, per language: first from the real article (its five editions), then what
# newsrooms publish every day (dates, counts of people, years, ranges, percentages).
SPOKEN = {
    "en": [
        (
            "Belarus has released 123 prisoners, including notable figures.",
            "Belarus has released one hundred and twenty-three prisoners,"
            " including notable figures.",
        ),
        ("She has been imprisoned since 2020.", "She has been imprisoned since twenty twenty."),
        (
            "Published on December 13, 2025.",
            "Published on December thirteenth, twenty twenty-five.",
        ),
        ("The US’s decision and the EU’s stance.", "The U S’s decision and the E U’s stance."),
        ("about US-Belarus relations?", "about U S-Belarus relations?"),
        ("J. Coale met A. Lukashenko.", "Coale met Lukashenko."),
        (
            "Turnout fell to 42.5% in 2020–2024.",
            "Turnout fell to forty-two point five percent in twenty twenty to twenty twenty-four.",
        ),
        (
            "About 1,200 people marched on the 3rd day.",
            "About one thousand, two hundred people marched on the third day.",
        ),
        (
            "Talks ran from 2019 to 2021 — and stalled…",
            "Talks ran from twenty nineteen to twenty twenty-one, and stalled.",
        ),
        ("The UN and NATO said “no”.", "The U N and Nato said no."),
        ("Sanctions imposed by the U.S.", "Sanctions imposed by the U S."),
    ],
    "ru": [
        ("в 2020 году", "в две тысячи двадцатом году"),
        (
            "находившаяся в заключении с 2020 года.",
            "находившаяся в заключении с две тысячи двадцатого года.",
        ),
        (
            "Опубликовано 13 декабря 2025 г.",
            "Опубликовано тринадцатого декабря две тысячи двадцать пятого года.",
        ),
        (
            "Беларусь освободила 123 заключенных, в том числе",
            "Беларусь освободила сто двадцать три заключённых, в том числе",
        ),
        (
            "Недавнее освобождение 123 заключенных в Беларуси",
            "Недавнее освобождение ста двадцати трёх заключённых в Беларуси",
        ),
        ("после переговоров с США и ЕС, ООН", "после переговоров с сэ-шэ-а и е-эс, оон"),
        ("к 2030 году", "к две тысячи тридцатому году"),
        (
            "около 15% избирателей, 21% и 2,5%",
            "около пятнадцати процентов избирателей, двадцать один процент"
            " и два запятая пять процента",
        ),
        (
            "в 2020–2022 годах 10–15 человек",
            "в две тысячи двадцатом-две тысячи двадцать втором годах десять-пятнадцать человек",
        ),
        ("«Это только начало», — сказал А. Лукашенко…", "Это только начало, сказал Лукашенко."),
    ],
    "be": [
        ("у 2020 годзе", "у дзве тысячы дваццатым годзе"),
        (
            "якую з 2020 года трымалі за кратамі.",
            "якую з дзве тысячы дваццатага года трымалі за кратамі.",
        ),
        (
            "Апублікавана 13 снежня 2025 г.",
            "Апублікавана трынаццатага снежня дзве тысячы дваццаць пятага года.",
        ),
        (
            "Беларусь вызваліла 123 вязні, у тым ліку",
            "Беларусь вызваліла сто дваццаць тры вязні, у тым ліку",
        ),
        (
            "Нядаўняе вызваленне 123 вязняў у Беларусі",
            "Нядаўняе вызваленне ста дваццаці трох вязняў у Беларусі",
        ),
        ("Удзел і ЗША, і ЕС будзе мець значэнне.", "Удзел і зэ-ша-а, і е-эс будзе мець значэнне."),
        (
            "каля 15% галасоў, 21% і 2,5%",
            "каля пятнаццаці працэнтаў галасоў, дваццаць адзін працэнт і два коска пяць працэнта",
        ),
        ("у 2020–2022 гадах", "у дзве тысячы дваццатым-дзве тысячы дваццаць другім гадах"),
        ("«Гэта толькі пачатак», — сказала яна.", "Гэта толькі пачатак, сказала яна."),
        (
            "да 2030 года і ў 1994 годзе",
            "да дзве тысячы трыццатага года і ў тысяча дзевяцьсот дзевяноста чацвёртым годзе",
        ),
    ],
    "pl": [
        ("w 2020 roku", "w dwa tysiące dwudziestym roku"),
        (
            "która od 2020 roku przebywała w więzieniu.",
            "która od dwa tysiące dwudziestego roku przebywała w więzieniu.",
        ),
        (
            "Opublikowano 13 grudnia 2025.",
            "Opublikowano trzynastego grudnia dwa tysiące dwudziestego piątego roku.",
        ),
        (
            "Białoruś uwalnia 123 więźniów, w tym",
            "Białoruś uwalnia stu dwudziestu trzech więźniów, w tym",
        ),
        (
            "Niedawne uwolnienie 123 więźniów na Białorusi",
            "Niedawne uwolnienie stu dwudziestu trzech więźniów na Białorusi",
        ),
        ("Zaangażowanie zarówno USA, jak i UE.", "Zaangażowanie zarówno u-es-a, jak i u-e."),
        (
            "wzrost o 15%, 2,5% i 22%",
            "wzrost o piętnaście procent, dwa przecinek pięć procent i dwadzieścia dwa procent",
        ),
        (
            "Stało się to w 2021 r. Dalej",
            "Stało się to w dwa tysiące dwudziestym pierwszym roku. Dalej",
        ),
        ("123 osoby i 5 osób", "Sto dwadzieścia trzy osoby i pięć osób"),
        (
            "do 2030 roku – powiedział A. Łukaszenka.",
            "do dwa tysiące trzydziestego roku, powiedział Łukaszenka.",
        ),
    ],
    "lt": [
        (
            "kalinta nuo 2020 m. Laisvę ji atgavo",
            "kalinta nuo du tūkstančiai dvidešimtųjų metų. Laisvę ji atgavo",
        ),
        (
            "įkalinimo, trukusio nuo 2020 m., jos padėkos",
            "įkalinimo, trukusio nuo du tūkstančiai dvidešimtųjų metų, jos padėkos",
        ),
        (
            "Paskelbta 2025 m. gruodžio 13 d.",
            "Paskelbta du tūkstančiai dvidešimt penktųjų metų gruodžio tryliktąją dieną.",
        ),
        (
            "Baltarusija paleido 123 kalinius, tarp jų",
            "Baltarusija paleido šimtą dvidešimt tris kalinius, tarp jų",
        ),
        (
            "Neseniai įvykęs 123 kalinių paleidimas",
            "Neseniai įvykęs šimto dvidešimt trijų kalinių paleidimas",
        ),
        ("123 kaliniai, tarp jų", "Šimtas dvidešimt trys kaliniai, tarp jų"),
        ("Tiek JAV, tiek ES įsitraukimas", "Tiek jot-a-vė, tiek ees įsitraukimas"),
        (
            "derybos su A. Lukašenka, M. Kalesnikava ir S. Cichanouskaja",
            "derybos su Lukašenka, Kalesnikava ir Cichanouskaja",
        ),
        ("2020 m. įvyko rinkimai", "Du tūkstančiai dvidešimtaisiais metais įvyko rinkimai"),
        (
            "15%, 21% ir 2,5%",
            "Penkiolika procentų, dvidešimt vienas procentas ir du kablelis penki procento",
        ),
        (
            "iki 2030 m. paleista 20 kalinių",
            "iki du tūkstančiai trisdešimtųjų metų paleista dvidešimt kalinių",
        ),
    ],
}


@pytest.mark.parametrize(
    ("lang", "written", "spoken"),
    [(lang, written, spoken) for lang, pairs in SPOKEN.items() for written, spoken in pairs],
)
def test_written_text_is_read_as_a_newsreader_reads_it(
    lang: str, written: str, spoken: str
) -> None:
    assert say(lang, written) == spoken


# --- the real editions --------------------------------------------------------------------

_PHONEMES = re.compile(r"\[\[[^\]]*\]\]")
_ALL_CAPS = re.compile(r"\b[^\W\d_]*[^\W\d_a-zß-ÿа-яёіўąćęłńóśźżčėįšųūž][^\W\d_]*\b")


def _caps(word: str) -> bool:
    return sum(ch.isupper() for ch in word) >= 2


@pytest.mark.parametrize("lang", ["en", "be", "ru", "pl", "lt"])
def test_no_digit_or_unknown_abbreviation_reaches_the_engine(real_site: Site, lang: str) -> None:
    """Every utterance of the real edition, as its engine will receive it: no digits, no
    all-caps token of two or more capitals (lexicon phonemes aside), no initial's full stop."""
    spoken = spoken_script(real_site, real_site.edition(SLUG, lang))
    assert spoken
    for utterance, text in spoken:
        heard = _PHONEMES.sub("", text.text)
        assert not re.search(r"\d", heard), (utterance.id, heard)
        caps = [w for w in re.findall(r"[^\W\d_]+", heard) if _caps(w)]
        assert not caps, (utterance.id, caps)
        for initial in re.findall(r"(?<![\w.])[^\W\d_]\. [^\W\d_]+", text.written):
            assert not initial[0].isupper() or initial not in heard, (utterance.id, initial)
        assert not re.search(r"[—«»„“”…]", heard), (utterance.id, heard)


@pytest.mark.parametrize("lang", ["en", "be", "ru", "pl", "lt"])
def test_every_numeral_and_abbreviation_of_the_edition_is_read_out(
    real_site: Site, lang: str
) -> None:
    """The editions do have numbers and abbreviations: the front end changed them."""
    spoken = spoken_script(real_site, real_site.edition(SLUG, lang))
    written = [
        text.written for _, text in spoken if re.search(r"\d|\b[^\W\d_]{2,}\b", text.written)
    ]
    with_digits = [text for _, text in spoken if re.search(r"\d", text.written)]
    assert len(with_digits) >= 5, lang  # the title, the byline, 123 prisoners, since 2020 …
    assert written
    tables = load_frontend(LOCALES, lang).tables
    used = {a for a in tables.abbreviations if any(re.search(rf"\b{a}\b", w) for w in written)}
    assert used, f"no abbreviation of locales/{lang}/speech.tsv occurs in the {lang} edition"


def test_the_captions_keep_the_written_text(real_site: Site) -> None:
    """Only what the engine hears changes: each sentence keeps its written form for captions."""
    edition = real_site.edition(SLUG, "ru")
    spoken = {utterance.id: text for utterance, text in spoken_script(real_site, edition)}
    title = spoken["title"]
    assert title.sentences[0][1].startswith("Беларусь освободила 123 заключенных")
    assert title.text.startswith("Беларусь освободила сто двадцать три заключённых")


# --- the tables -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "be", "ru", "pl", "lt"])
def test_every_language_has_a_speech_table_with_a_header(lang: str) -> None:
    path = speech_path(LOCALES, lang)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Speech text front end for"), path
    tables = load_frontend(LOCALES, lang).tables
    assert tables.abbreviations and tables.months and "%" in tables.units


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("abbr\tUS", "speech.tsv:3: a abbr line has 3 fields separated by tabs, not 2"),
        ("abbrev\tUS\tU S", "speech.tsv:3: unknown kind 'abbrev'"),
        ("case\tв\tprepositional", "speech.tsv:3: unknown case 'prepositional'"),
        ("unit\t%\tprocent", "speech.tsv:3: a unit line is: unit, the sign"),
        ("word\tcomma\t,", "speech.tsv:3: unknown word name 'comma'"),
        ("month\tгрудня\tgen", "speech.tsv:3: a month line has 2 fields"),
        ("abbr\tUS\tU. S.", "speech.tsv:3: abbr 'US' is listed twice (first on line 2)"),
    ],
)
def test_a_bad_speech_table_line_names_the_file_and_line(line: str, message: str) -> None:
    with pytest.raises(SpeechError) as raised:
        parse_tables(["# header", "abbr\tUS\tU S", line], "pl", Path("speech.tsv"))
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_bad_speech_table_stops_the_script_command_with_one_line(
    project_copy: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    path = speech_path(project_copy.locales_dir, "pl")
    path.write_text(
        path.read_text(encoding="utf-8") + "case\twokół\tmiejscownik\n", encoding="utf-8"
    )
    code = main(["--project", str(project_copy.project_dir), "script", "--lang", "pl"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "locales/pl/speech.tsv:" in err and "unknown case 'miejscownik'" in err


def test_editing_a_speech_table_changes_that_languages_narration_key(
    project_copy: Settings,
) -> None:
    from polyedition.build import load_editions

    def keys() -> dict[str, str]:
        editions = load_editions(project_copy, project_copy.languages)
        site = Site(project_copy, {(e.slug, e.lang): e for e in editions})
        planner = Planner(site)
        chapter = format_named("chapter")  # the narration's jobs; the MP3 job joins them
        return {
            e.lang: "".join(
                planner.plan(chapter, (e.slug, e.lang, part)).job.key
                for part in planner.chapters(e.slug, e.lang)
            )
            for e in editions
        }

    before = keys()
    path = speech_path(project_copy.locales_dir, "lt")
    path.write_text(
        path.read_text(encoding="utf-8").replace("jot-a-vė", "jotavė"), encoding="utf-8"
    )
    after = keys()
    assert after["lt"] != before["lt"]
    assert {lang: key for lang, key in after.items() if lang != "lt"} == {
        lang: key for lang, key in before.items() if lang != "lt"
    }


# --- polyedition script ----------------------------------------------------------------------


def test_script_prints_the_narration_as_spoken_segment_by_segment(
    real_site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--project", str(REPO), "script", "--lang", "pl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"# {SLUG} (pl)"
    ids = [line[1 : line.index("]")] for line in lines[1:]]
    spoken = spoken_script(real_site, real_site.edition(SLUG, "pl"))
    assert ids == [u.id if u.lang == "pl" else f"{u.id} ({u.lang})" for u, _ in spoken]
    assert lines[1].startswith("[title] Białoruś uwalnia stu dwudziestu trzech więźniów")
    assert (
        "[byline] " in lines[2]
        and "trzynastego grudnia dwa tysiące dwudziestego piątego roku" in lines[2]
    )


def test_script_diff_shows_only_what_the_front_end_and_lexicon_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--project", str(REPO), "script", "--lang", "be", "--diff"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()[1:]
    minus = [line[4:] for line in lines if line.startswith("  - ")]
    plus = [line[4:] for line in lines if line.startswith("  + ")]
    assert len(minus) == len(plus) > 0
    assert all(before != after for before, after in zip(minus, plus, strict=True))
    assert "  - Апублікавана 13 снежня 2025 г." in lines
    byline = next(line for line in lines if line.startswith("  + ") and "снежня" in line)
    assert byline.endswith(" снежня дзве тысячы дваццаць пятага года.")
    assert "13" not in byline
    # the lexicon's entries and the glossary's names are shown as the engine will read them:
    # eSpeak phonemes
    assert any("[[kal;'Es;n;ikava]]" in line for line in plus)


def test_script_requires_a_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--project", str(REPO), "script"])
    assert exited.value.code == 2
    assert "--lang" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["script", "--help"])
    assert "--diff" in capsys.readouterr().out
