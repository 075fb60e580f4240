"""The terminology glossary (``locales/glossary.csv``): approved forms, inflection-aware."""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from polyedition.errors import CatalogError

logger = logging.getLogger(__name__)

GLOSSARY_FILE = "glossary.csv"
NOTE_COLUMN = "note"


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary row: the source term and its approved form per language."""

    source: str
    forms: dict[str, str]
    line: int
    note: str = ""

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
            forms = {
                lang: value.strip()
                for lang, value in row.items()
                if lang not in {source_lang, NOTE_COLUMN} and lang and value and value.strip()
            }
            terms.append(Term(source, forms, line, (row.get(NOTE_COLUMN) or "").strip()))
    return terms
