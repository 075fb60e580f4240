"""The terminology glossary (``locales/glossary.csv``): approved forms, inflection-aware, and
how the narration says a name.

Besides a column per language (``pl``) holding the approved written form, a column
``say:<lang>`` (``say:pl``) may hold how that language's narration says it: the approved form
respelled word for word, as the lexicon respells a word (``Dżon Koul`` for ``John Coale``,
``Бабары́ка`` with the stress marked). Inflected forms follow: ``Johno`` is said ``Džono``
when ``say:lt`` respells ``John`` as ``Džon``. A cell equal to the approved form records that
the desk has listened and the voice says the name right as spelled.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from polyedition.errors import CatalogError

logger = logging.getLogger(__name__)

GLOSSARY_FILE = "glossary.csv"
NOTE_COLUMN = "note"
SAY_PREFIX = "say:"
"""Columns ``say:<lang>`` hold the spoken form of a term for that language's narration."""

_FOREIGN_LETTERS = {"pl": "qvx", "lt": "qwx"}
"""Letters outside the Polish and Lithuanian alphabets."""
_FOREIGN_SPELLINGS = ("ou", "oa", "ee", "oo", "th", "sh", "ph", "hn")
"""Letter pairs that Polish and Lithuanian spelling do not write, each read letter by letter
(Cichanouska as Ci-cha-no-u-ska, Coale as Co-a-le, John with an h)."""
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary row: the source term and its approved form per language."""

    source: str
    forms: dict[str, str]
    line: int
    note: str = ""
    spoken: dict[str, str] = field(default_factory=dict)
    """How each language's narration says the term (``say:<lang>`` columns)."""

    def occurs_in(self, text: str) -> bool:
        """True if the source term stands in ``text`` as whole words (case-sensitive).

        >>> Term("US", {}, 1).occurs_in("the US lifted")
        True
        >>> Term("US", {}, 1).occurs_in("USSR")
        False
        """
        return re.search(rf"(?<!\w){re.escape(self.source)}(?!\w)", text) is not None

    def used_in(self, lang: str, text: str) -> bool:
        """True if an approved form for ``lang`` appears in ``text``, in any inflected form.

        A cell may list alternatives separated by ``|`` (``USA|amerykański``).
        """
        form = self.forms.get(lang)
        return form is None or any(
            matches_inflected(alternative.strip(), text) for alternative in form.split("|")
        )

    def written(self, lang: str) -> str:
        """The form ``lang``'s edition writes: the approved one, else the source kept."""
        return self.forms.get(lang, self.source)

    def spoken_words(self, lang: str) -> tuple[tuple[str, str], ...]:
        """Each written word of the term in ``lang`` that its narration says otherwise, with
        how it is said.

        >>> coale = Term("John Coale", {"lt": "John Coale"}, 2, spoken={"lt": "Džon Kol"})
        >>> coale.spoken_words("lt")
        (('John', 'Džon'), ('Coale', 'Kol'))
        """
        say = self.spoken.get(lang)
        if say is None:
            return ()
        pairs = zip(self.written(lang).split(), say.split(), strict=True)
        return tuple((written, spoken) for written, spoken in pairs if written != spoken)

    def foreign_spelling(self, lang: str) -> str | None:
        """Why ``lang``'s voice would read the term by other rules than its own, or None.

        A Polish or Lithuanian form with a letter or a letter pair that the language does not
        write, and any form kept as the English source in another language, is foreign to the
        voice: it needs a ``say:<lang>`` form. Cyrillic forms are the language's own spelling
        (their stress is the accent stage's and the lexicon's business).

        >>> Term("Tikhanovskaya", {"pl": "Cichanouska"}, 3).foreign_spelling("pl")
        "'ou' is not Polish spelling"
        >>> Term("John Coale", {"lt": "John Coale"}, 4).foreign_spelling("lt")
        'the English name is kept'
        >>> Term("Lukashenko", {"be": "Лукашэнка"}, 5).foreign_spelling("be") is None
        True
        """
        form = self.written(lang)
        if lang == "en" or _CYRILLIC.search(form):
            return None
        if form == self.source and _LETTERS.search(form):
            return "the English name is kept"
        language = {"pl": "Polish", "lt": "Lithuanian"}.get(lang)
        if language is None:
            return None
        lower = form.lower()
        for letter in _FOREIGN_LETTERS[lang]:
            if letter in lower:
                return f"{letter!r} is not a {language} letter"
        for pair in _FOREIGN_SPELLINGS:
            if pair in lower:
                return f"{pair!r} is not {language} spelling"
        return None


_LETTERS = re.compile(r"[^\W\d_]")


def stem(word: str) -> str:
    """The part of a word that inflection leaves alone, for Slavic and Baltic case endings.

    Short words keep all but their last letter; longer words lose two letters.

    >>> stem("Kalesnikawa"), stem("Алесь"), stem("ЕС")
    ('Kalesnika', 'Алес', 'ЕС')
    """
    if len(word) <= 3:
        return word
    return word[: -2 if len(word) > 5 else -1]


def matches_inflected(form: str, text: str) -> bool:
    """True if every word of ``form`` appears in ``text`` with its stem, in order.

    >>> matches_inflected("Марыя Калеснікава", "вызваленне Марыі Калеснікавай")
    True
    >>> matches_inflected("Aliaksandras Lukašenka", "Aliaksandro Lukašenkos režimas")
    True
    >>> matches_inflected("Maria Kalesnikawa", "Maria Kolesnikova")
    False

    Words of three letters or fewer (abbreviations such as ES, США) must stand whole:

    >>> matches_inflected("ES", "esą"), matches_inflected("ES", "ES sankcijos")
    (False, True)
    """
    words = re.findall(r"\w+", form)
    if not words:
        return True
    pattern = r"\W+".join(
        rf"{re.escape(word)}(?!\w)" if stem(word) == word else rf"{re.escape(stem(word))}\w*"
        for word in words
    )
    return re.search(rf"(?<!\w){pattern}", text, flags=re.IGNORECASE) is not None


def load_glossary(locales_dir: Path, source_lang: str) -> list[Term]:
    """Read the glossary; a missing file is an empty glossary, a malformed one an error."""
    path = locales_dir / GLOSSARY_FILE
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        if source_lang not in columns:
            raise CatalogError(
                f"glossary needs a {source_lang!r} column",
                path=path,
                line=1,
                hint=f"the first row names the columns, e.g. {source_lang},be,ru,pl,lt,note",
            )
        terms = []
        for row in reader:
            line = reader.line_num
            source = (row.get(source_lang) or "").strip()
            if not source:
                raise CatalogError("glossary row has no source term", path=path, line=line)
            cells = {
                column: value.strip()
                for column, value in row.items()
                if column not in {source_lang, NOTE_COLUMN} and column and value and value.strip()
            }
            forms = {lang: value for lang, value in cells.items() if SAY_PREFIX not in lang}
            spoken = {
                lang.removeprefix(SAY_PREFIX): value
                for lang, value in cells.items()
                if lang.startswith(SAY_PREFIX)
            }
            term = Term(source, forms, line, (row.get(NOTE_COLUMN) or "").strip(), spoken)
            for lang, say in spoken.items():
                if len(say.split()) != len(term.written(lang).split()):
                    raise CatalogError(
                        f"{SAY_PREFIX}{lang} {say!r} has not one word for each word of "
                        f"{term.written(lang)!r}",
                        path=path,
                        line=line,
                        hint="respell the approved form word for word",
                    )
            terms.append(term)
    return terms
