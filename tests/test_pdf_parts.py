"""The pure parts of PDF rendering: glyph coverage, reading the print HTML, decoding PDF text."""

from __future__ import annotations

import pytest

from polyedition.content import read_article
from polyedition.render.inline import plain_text
from polyedition.render.pdf.printhtml import insert_print_parts, printed_text
from polyedition.render.pdf.tags import ToUnicode, squeeze
from polyedition.theme.fontfaces import PRINT_FONTS, describe_characters, uncovered
from projectkit import ARTICLE

PANGRAMS = {
    "be": "У рудога вераб’я ў сховішчы пад фатэлем ляжаць нейкія гаючыя зёлкі. «Ўсё» — ЎЁІ",
    "ru": "Съешь же ещё этих мягких французских булок, да выпей чаю. «Ёлка» № 5",
    "pl": "Pchnąć w tę łódź jeża lub ośm skrzyń fig. „Żółć” ĄĆĘŁŃÓŚŹŻ",
    "lt": "Įlinkdama fechtuotojo špaga sublykčiojusi pragręžė apvalų arbūzą. „Žąsis“ ĄČĘĖĮŠŲŪŽ",
    "en": "The quick brown fox jumps over the lazy dog’s “back” — 13 December 2025… 50\u00a0%",
}


@pytest.mark.parametrize("lang", sorted(PANGRAMS))
def test_the_print_fonts_cover_every_letter_and_mark_of_the_five_languages(lang: str) -> None:
    assert uncovered([(lang, PANGRAMS[lang])], PRINT_FONTS) == {}


def test_the_print_fonts_cover_the_english_article() -> None:
    article = read_article(ARTICLE)
    texts = [(segment.id, plain_text(segment.text)) for segment in article.segments()]
    assert uncovered(texts, PRINT_FONTS) == {}


def test_uncovered_characters_are_listed_with_where_they_occur() -> None:
    missing = uncovered(
        [("title", "A ⟦b⟧"), ("faq-q1", "⟦"), ("lead-p1", "ok\u00ad\n")], PRINT_FONTS
    )
    assert missing == {"⟦": ["title", "faq-q1"], "⟧": ["title"]}
    assert describe_characters(missing) == (
        "'⟦' U+27E6 MATHEMATICAL LEFT WHITE SQUARE BRACKET (in #title, #faq-q1); "
        "'⟧' U+27E7 MATHEMATICAL RIGHT WHITE SQUARE BRACKET (in #title)"
    )


def test_printed_text_skips_what_print_hides_and_finds_other_languages() -> None:
    html = (
        '<html lang="be"><head><title>T</title><style>p{}</style></head><body>'
        '<a class="skip-link screen-only" href="#m">Skip</a>'
        '<div class="pdf-footer" aria-hidden="true"><span lang="en">Page</span></div>'
        '<main><h1 id="title" lang="en">Belarus <em>frees</em></h1>'
        '<p id="lead-p1">Тэкст <span lang="ru">русский</span><br>і <span lang="be">наш</span></p>'
        '<p id="x" hidden>гэта схавана</p></main></body></html>'
    )
    printed = printed_text(html, "be")
    assert list(printed.runs) == [
        ("document", "Page"),
        ("title", "Belarus "),
        ("title", "frees"),
        ("lead-p1", "Тэкст "),
        ("lead-p1", "русский"),
        ("lead-p1", "і "),
        ("lead-p1", "наш"),
    ]
    assert [(p.lang, p.tag, p.place, p.text) for p in printed.passages] == [
        ("en", "h1", "title", "Belarus frees"),
        ("ru", "span", "lead-p1", "русский"),
    ]


def test_printed_text_names_a_read_along_sentence_by_its_segment() -> None:
    html = (
        '<html lang="en"><body><main><p id="lead-p1"><span id="lead-p1.1">One.</span> '
        '<span id="lead-p1.2">Two <span lang="be">два</span>.</span></p></main></body></html>'
    )
    printed = printed_text(html, "en")
    assert {place for place, _ in printed.runs} == {"lead-p1"}
    assert [p.place for p in printed.passages] == ["lead-p1"]


def test_print_parts_need_a_main_element() -> None:
    with pytest.raises(ValueError, match="<main>"):
        insert_print_parts("<body><p>x</p></body>", body_start="", title_end="", main_end="")


def test_to_unicode_maps_of_both_kinds_decode_two_byte_codes() -> None:
    cmap = ToUnicode.parse(
        b"begincodespacerange <0000> <FFFF> endcodespacerange\n"
        b"2 beginbfchar <0003> <0020> <0010> <00660069> endbfchar\n"
        b"1 beginbfrange <0020> <0022> <0430> endbfrange\n"
        b"1 beginbfrange <0030> <0031> [<045E> <0456>] endbfrange\n",
        default_length=1,
    )
    assert cmap.decode(bytes.fromhex("0010 0003 0020 0021 0022 0030 0031 0999")) == "fi абвўі\ufffd"


def test_squeeze_ignores_line_breaking_only() -> None:
    assert squeeze("US-\nBelarus  re\u00adlations") == "US-Belarusrelations"
    assert squeeze("е\u0308") == "ё"
