#!/usr/bin/env python3
"""Build the Belarusian stress data that ``polyedition.speech.accent.be`` reads.

Run at development time, never at build time; the outputs are package data in
``src/polyedition/speech/accent/data/`` (``be-README.md`` there names their sources and licences):

``be-silero.npz`` (``--silero``)
    Silero's Belarusian accentor (``silero-stress``, MIT) unpacked from PyTorch into plain
    numpy arrays: its character n-grams, their 16-dimension embeddings (still 8-bit
    quantized), the four dense layers that score each vowel, and its exception list. Needs a
    Python with ``torch`` and ``silero-stress`` (a development venv: polyedition itself never
    imports PyTorch).

``be-grammardb.tsv.gz`` (``--xml`` and/or ``--release-trie``)
    Word forms of the Belarusian Grammar Database (GrammarDB, CC BY-SA 4.0) whose stress the
    accentor above gets wrong, or gives at less than even odds, with the vowel their stress
    falls on; for every other GrammarDB form the accentor already says what GrammarDB says,
    so the table holds only the difference and stays small. One line per form, sorted:
    ``form<TAB>vowels``, the index (from 0) of the stressed vowel letter, or several
    comma-separated indexes for a homograph (``му́кі``/``мукі́``). Forms are in lower case,
    with ``’`` as the apostrophe and ``у`` rather than ``ў`` at the start.

Which GrammarDB forms count: GrammarDB's README warns that its repository's raw files hold
unverified words and points to its releases for the verified part.

* ``--xml PATH``: GrammarDB XML files (a folder with ``slouniki.list``, or a release zip).
  A variant counts when the variant or one of its forms names a dictionary of
  ``slouniki.list`` in its ``slouniki`` attribute, its ``pravapis`` (when given) includes the
  current orthography A2008, and neither it nor the form is ``type="nonstandard"`` or
  ``"potential"``; a form whose own ``pravapis`` excludes A2008 is left out.
* ``--release-trie PATH``: a folder with ``unambiguous.dawg`` and ``ambiguous.dawg``, the word
  forms of GrammarDB's release RELEASE-20230920 as accentuated by the phonemizer_wrapper
  project (a dawgdic ``IntDAWG`` of form → stress offsets; forms of several stresses are
  only listed in ``ambiguous.dawg``, without their stresses, and are left to the accentor).

Usage::

    python scripts/build_be_stress.py --silero
    python scripts/build_be_stress.py --xml GrammarDB/data --release-trie trie/
"""

from __future__ import annotations

import argparse
import gzip
import io
import struct
import sys
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import numpy

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src/polyedition/speech/accent/data"
TABLE = "be-grammardb.tsv.gz"
MODEL = "be-silero.npz"
VOWELS = frozenset("аеёіоуыэюя")
STRESS_MARKS = "+*"
"""GrammarDB writes ``+`` after the stressed vowel; older files wrote ``*``."""
CURRENT_ORTHOGRAPHY = "A2008"
REJECTED_TYPES = frozenset({"nonstandard", "potential"})

Stresses = dict[str, set[int]]


def normal_form(word: str) -> str:
    """Lower case, NFC, ``’`` as the apostrophe, ``у`` for a leading ``ў``."""
    word = unicodedata.normalize("NFC", word.strip().lower()).replace("'", "’")
    return "у" + word[1:] if word.startswith("ў") else word


def vowels_in(text: str) -> int:
    return sum(char in VOWELS for char in text)


# --- GrammarDB XML -----------------------------------------------------------------------


def xml_sources(source: Path) -> Iterator[tuple[str, bytes]]:
    """Every GrammarDB XML file and ``slouniki.list`` (name, bytes) of a folder or a zip."""
    if source.suffix == ".zip":
        with zipfile.ZipFile(source) as archive:
            for name in sorted(archive.namelist()):
                if name.endswith((".xml", "slouniki.list")):
                    yield name, archive.read(name)
        return
    for path in sorted(source.rglob("*")):
        if path.suffix == ".xml" or path.name == "slouniki.list":
            yield str(path.relative_to(source)), path.read_bytes()


def named_dictionaries(attribute: str | None) -> set[str]:
    """``sbm2012,tsblm1996`` or ``piskunou2012:1168`` → the dictionary keys it names."""
    if not attribute:
        return set()
    return {part.split(":", 1)[0].strip() for part in attribute.split(",") if part.strip()}


def marked_form(form: str) -> tuple[str, int] | None:
    """``аб'екты+ўна`` → (``аб’ектыўна``, 3); None for a form the table cannot use: no or
    several stress marks, more than one word, or fewer than two syllables."""
    marks = [index for index, char in enumerate(form) if char in STRESS_MARKS]
    if len(marks) != 1 or any(char in " -" for char in form):
        return None
    before = form[: marks[0]].lower()
    if not before or before[-1] not in VOWELS:
        return None
    word = before + form[marks[0] + 1 :].lower()
    if vowels_in(word) < 2:
        return None
    vowel = vowels_in(before) - 1
    if word.startswith("ў"):
        vowel += 1
    return normal_form(word), vowel


def attested_forms(xml: bytes, known: frozenset[str]) -> Iterator[tuple[str, int]]:
    """(form, stressed vowel) of every attested variant of one GrammarDB XML file."""
    root = ElementTree.parse(io.BytesIO(xml)).getroot()
    for paradigm in root.iter("Paradigm"):
        if paradigm.get("type") in REJECTED_TYPES:
            continue
        for variant in paradigm.iter("Variant"):
            spelling = variant.get("pravapis")
            if variant.get("type") in REJECTED_TYPES or (
                spelling is not None and CURRENT_ORTHOGRAPHY not in spelling
            ):
                continue
            forms = list(variant.iter("Form"))
            sources = named_dictionaries(variant.get("slouniki"))
            for form in forms:
                sources |= named_dictionaries(form.get("slouniki"))
            if not sources & known:
                continue
            for form in forms:
                spelling = form.get("pravapis")
                if (
                    form.get("type") in REJECTED_TYPES
                    or not form.text
                    or (spelling is not None and CURRENT_ORTHOGRAPHY not in spelling)
                ):
                    continue
                marked = marked_form(form.text.strip())
                if marked is not None:
                    yield marked


def from_xml(source: Path) -> Stresses:
    files = dict(xml_sources(source))
    listing = next((data for name, data in files.items() if name.endswith("slouniki.list")), None)
    if listing is None:
        sys.exit(f"{source}: no slouniki.list (GrammarDB's list of dictionaries)")
    known = frozenset(
        line.split("=", 1)[0].strip()
        for line in listing.decode("utf-8").splitlines()
        if "=" in line
    )
    stresses: Stresses = defaultdict(set)
    for name, data in files.items():
        if name.endswith(".xml"):
            count = 0
            for word, vowel in attested_forms(data, known):
                stresses[word].add(vowel)
                count += 1
            print(f"{name}: {count} attested forms", file=sys.stderr)
    return stresses


# --- GrammarDB release forms in a dawgdic IntDAWG ----------------------------------------------

_OFFSET_SHIFT = 10
_EXTENSION_BIT = 1 << 9
_HAS_LEAF_BIT = 1 << 8
_IS_LEAF_BIT = 1 << 31
_LABEL_MASK = _IS_LEAF_BIT | 0xFF
_STRESS_SHIFT = 6
"""phonemizer_wrapper packs each stress offset (where ``+`` goes) into 6 bits."""


def dawg_items(path: Path) -> Iterator[tuple[str, int]]:
    """Every (key, value) of a dawgdic dictionary file (the ``dawg`` package's format): a
    double array of 32-bit units, where the child of unit ``i`` by byte ``c`` is the unit
    ``i ^ offset(i) ^ c`` whose label is ``c``."""
    raw = path.read_bytes()
    (count,) = struct.unpack("=I", raw[:4])
    units = numpy.frombuffer(raw[4 : 4 + 4 * count], dtype=numpy.uint32).astype(numpy.int64)
    offsets = (units >> _OFFSET_SHIFT) << ((units & _EXTENSION_BIT) >> 6)
    index = numpy.arange(count, dtype=numpy.int64)
    bases = index ^ offsets
    children: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for label in range(1, 256):
        candidates = bases ^ label
        inside = candidates < count
        found = inside & ((units[numpy.where(inside, candidates, 0)] & _LABEL_MASK) == label)
        for parent, child in zip(index[found].tolist(), candidates[found].tolist(), strict=True):
            children[parent].append((label, child))
    stack: list[tuple[int, bytes]] = [(0, b"")]
    while stack:
        unit, prefix = stack.pop()
        if units[unit] & _HAS_LEAF_BIT:
            leaf = int(unit ^ offsets[unit])
            yield prefix.decode("utf-8"), int(units[leaf]) & ~_IS_LEAF_BIT
        stack.extend((child, prefix + bytes([label])) for label, child in children[unit])


def from_release_trie(folder: Path) -> Stresses:
    stresses: Stresses = defaultdict(set)
    for key, value in dawg_items(folder / "unambiguous.dawg"):
        offsets = []
        packed = value
        while packed:
            offsets.append(packed % (1 << _STRESS_SHIFT))
            packed >>= _STRESS_SHIFT
        if len(offsets) != 1:
            continue  # a compound with two stresses: left to the accentor
        marked = marked_form(key[: offsets[0]] + "+" + key[offsets[0] :])
        if marked is not None:
            stresses[marked[0]].add(marked[1])
    print(f"{folder}: {len(stresses)} unambiguous forms", file=sys.stderr)
    return stresses


# --- the table: what the accentor does not already say --------------------------------------


def differences(stresses: Stresses) -> dict[str, list[int]]:
    """The forms whose stress Silero's accentor, as polyedition runs it, does not give."""
    sys.path.insert(0, str(ROOT / "src"))
    from polyedition.speech.accent import be

    model = be._model()
    table: dict[str, list[int]] = {}
    for number, (word, vowels) in enumerate(sorted(stresses.items())):
        if number % 200000 == 0:
            print(f"  checked {number} forms against the accentor", file=sys.stderr)
        if len(vowels) == 1 and be._model_stress(model, word) == next(iter(vowels)):
            continue
        table[word] = sorted(vowels)
    return table


def write_table(table: dict[str, list[int]], path: Path) -> None:
    lines = "".join(f"{word}\t{','.join(map(str, vowels))}\n" for word, vowels in table.items())
    # mtime=0: the same table gives the same bytes.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
        packed.write(lines.encode("utf-8"))


# --- Silero's accentor -------------------------------------------------------------------------


def write_silero(path: Path) -> None:
    """Unpack silero-stress's Belarusian accentor into ``path`` (numpy arrays only)."""
    from silero_stress import load_accentor  # type: ignore[import-not-found]

    accentor = load_accentor("bel").accentor
    model = accentor.model
    scale = float(model.scale)
    zero_point = float(model.zero_point)
    restored = model.embedding.weight.detach().numpy()
    quantized = numpy.rint(restored / scale + zero_point)
    assert quantized.min() >= -128 and quantized.max() <= 127, "the embedding is not 8-bit"
    ngrams = sorted(model.embedding.ngram_dict.items(), key=lambda item: item[1])
    assert [index for _, index in ngrams] == list(range(len(ngrams)))
    layers = {
        f"layer{number}_{kind}": parameter.detach().numpy().astype(numpy.float32)
        for name, parameter in model.stress_clf.named_parameters()
        for number, kind in [name.split(".")]
    }
    exceptions = sorted(accentor.exceptions.items())
    numpy.savez_compressed(
        path,
        ngrams=numpy.array([gram for gram, _ in ngrams]),
        embedding=quantized.astype(numpy.int8),
        scale=numpy.float32(scale),
        zero_point=numpy.float32(zero_point),
        exception_words=numpy.array([word for word, _ in exceptions]),
        exception_stress=numpy.array([stress for _, (stress, _) in exceptions], numpy.int16),
        **layers,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--silero", action="store_true", help="unpack silero-stress's accentor")
    parser.add_argument("--xml", type=Path, help="GrammarDB's XML folder or release zip")
    parser.add_argument("--release-trie", type=Path, help="folder with GrammarDB release DAWGs")
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.silero:
        write_silero(args.out / MODEL)
        print(f"{MODEL}: {(args.out / MODEL).stat().st_size} bytes")
    if args.xml is None and args.release_trie is None:
        return
    stresses: Stresses = defaultdict(set)
    for source in [
        from_xml(args.xml) if args.xml else {},
        from_release_trie(args.release_trie) if args.release_trie else {},
    ]:
        for word, vowels in source.items():
            stresses[word] |= vowels
    table = differences(stresses)
    write_table(table, args.out / TABLE)
    homographs = sum(len(vowels) > 1 for vowels in table.values())
    size = (args.out / TABLE).stat().st_size
    print(
        f"{TABLE}: {len(stresses)} GrammarDB forms, {len(table)} kept where the accentor "
        f"differs ({homographs} homographs), {size} bytes"
    )


if __name__ == "__main__":
    main()
