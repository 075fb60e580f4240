"""eSpeak NG through ctypes: the offline engine (library and voices from ``espeakng-loader``)."""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from polyedition.errors import SpeechError
from polyedition.languages import profile
from polyedition.speech.base import Mark, Synthesis, Voice
from polyedition.speech.text import LANGUAGE_SPAN

logger = logging.getLogger(__name__)

LANGUAGES = frozenset({"en", "be", "ru", "pl", "lt"})

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_INITIALIZE_PHONEME_EVENTS = 0x0001
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PHONEMES = 0x100
_SSML = 0x10
_PARAMETER_RATE = 1
_PARAMETER_VOLUME = 2
VOLUME = 90
"""eSpeak's volume (its default is 100): peaks near full scale would clip once MP3-encoded."""
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_PHONEME = 7
_EE_OK = 0
_PHONEME_SEPARATOR = ord("|") << 8
"""espeak_TextToPhonemes' phonememode: eSpeak's mnemonics, ``|`` between phonemes."""


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


class _VoiceInfo(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)

# libespeak-ng is one global synthesizer per process: one synthesis at a time.
_LOCK = threading.Lock()


@dataclass
class _Capture:
    chunks: list[bytes] = field(default_factory=list)
    words: dict[int, int] = field(default_factory=dict)
    phonemes: list[str] = field(default_factory=list)
    groups: list[tuple[int, list[str]]] = field(default_factory=list)
    """Phonemes per word, by the character offset where eSpeak's word event puts it."""

    def callback(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: object) -> int:
        if count > 0:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        event_array: ctypes.Array[_Event] = events  # type: ignore[assignment]
        index = 0
        while event_array[index].type != _EVENT_LIST_TERMINATED:
            event = event_array[index]
            # text_position counts characters from 1; a word keeps its first (earliest) event.
            if event.type == _EVENT_WORD and event.text_position > 0:
                self.words.setdefault(event.text_position - 1, event.sample)
                self.phonemes.append(" ")
                self.groups.append((event.text_position - 1, []))
            elif event.type == _EVENT_PHONEME:
                phoneme = event.id.decode("utf-8", "replace")
                self.phonemes.append(phoneme)
                if self.groups and not phoneme.startswith("_"):
                    self.groups[-1][1].append(phoneme)
            index += 1
        return 0


def _paths() -> tuple[str, str]:
    import espeakng_loader  # type: ignore[import-untyped]

    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


@contextmanager
def _library(*, phoneme_events: bool = False) -> Iterator[tuple[ctypes.CDLL, int]]:
    """A freshly loaded, initialized libespeak-ng, unloaded afterwards.

    The library keeps synthesis state (pitch flutter, wave phase) in static variables that
    survive ``espeak_Terminate``: loading it anew for each text makes the PCM a function of the
    text alone, so that builds are reproducible whatever was synthesized before.
    """
    import _ctypes

    library_path, data_path = _paths()
    with _LOCK:
        lib = ctypes.CDLL(library_path)
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceInfo))
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        try:
            rate = lib.espeak_Initialize(
                _AUDIO_OUTPUT_SYNCHRONOUS,
                0,
                data_path.encode(),
                _INITIALIZE_DONT_EXIT | (_INITIALIZE_PHONEME_EVENTS if phoneme_events else 0),
            )
            if rate <= 0:
                raise SpeechError(
                    "libespeak-ng failed to initialize",
                    path=data_path,
                    hint="reinstall the 'espeakng-loader' package",
                )
            yield lib, rate
        finally:
            lib.espeak_Terminate()
            _ctypes.dlclose(lib._handle)


@cache
def _info() -> tuple[str, tuple[Voice, ...]]:
    """The library's version and its voices for the five languages (read once)."""
    with _library() as (lib, sample_rate):
        version = lib.espeak_Info(None).decode()
        listed = lib.espeak_ListVoices(None)
        voices: list[Voice] = []
        index = 0
        while listed[index]:
            entry = listed[index].contents
            languages = _languages_of(entry.languages)
            identifier = (entry.identifier or b"").decode()
            name = Path(identifier).name
            for lang in languages:
                code = lang.split("-")[0]
                if code in LANGUAGES:
                    description = (entry.name or b"").decode()
                    voices.append(
                        Voice(name, code, description, sample_rate=sample_rate, **_ESPEAK_VOICE)
                    )
                    break
            index += 1
    return version, tuple(voices)


def _languages_of(pointer: int | None) -> list[str]:
    """Decode espeak_VOICE.languages: (priority byte, NUL-terminated name) pairs, then NUL."""
    if not pointer:
        return []
    names: list[str] = []
    offset = 0
    while True:
        priority = ctypes.string_at(pointer + offset, 1)
        if priority == b"\0":
            return names
        name = ctypes.string_at(pointer + offset + 1)
        names.append(name.decode())
        offset += 2 + len(name)


_ESPEAK_VOICE = {
    "quality": "formant",
    "source": "package espeakng-loader",
    "licence": "may be published: eSpeak NG's rule-based voices use no recorded speech",
}


@cache
def _version() -> str:
    """The library's and its loader's versions (read once: every utterance's key holds them)."""
    try:
        package = metadata.version("espeakng-loader")
    except metadata.PackageNotFoundError:
        package = "unknown"
    return f"espeak-ng {_info()[0]} (espeakng-loader {package}), volume {VOLUME}"


class EspeakEngine:
    """eSpeak NG: offline, every language polyedition publishes, word events for timing."""

    name = "espeak"
    reproducible = True  # same text, voice and rate: the same PCM (checked by the tests)
    accepts_phonemes = True

    def version(self) -> str:
        return _version()

    def languages(self) -> frozenset[str]:
        return LANGUAGES

    def voices(self, lang: str) -> tuple[Voice, ...]:
        default = profile(lang).espeak_voice
        found = [voice for voice in _info()[1] if voice.lang == lang]
        found.sort(key=lambda voice: (voice.name != default, voice.name))
        return tuple(found)

    def voice_id(self, lang: str, voice: str) -> str:
        return voice  # the voice files come with the library, whose version is in version()

    def synthesize(self, text: str, lang: str, voice: str, rate: int | None) -> Synthesis:
        capture, sample_rate = _run(text, lang, voice, rate, phoneme_events=False)
        pcm = b"".join(capture.chunks)
        return Synthesis(pcm, sample_rate, _monotonic(capture.words), len(text))

    def phonemes(self, text: str, lang: str, voice: str | None = None) -> str:
        """What eSpeak says for ``text``, in its phoneme mnemonics, words separated by spaces.

        For checking pronunciations: ``[[…]]`` in the text is read as phonemes, so a lexicon
        entry can be compared with what eSpeak makes of the word itself.
        """
        capture, _ = _run(
            text, lang, voice or profile(lang).espeak_voice, None, phoneme_events=True
        )
        return " ".join("".join(capture.phonemes).split())

    def word_phonemes(self, text: str, lang: str) -> tuple[WordPhonemes, ...]:
        """eSpeak's phonemes for each word it reads in ``text`` (pauses left out), in order.

        A word is placed at the character offset of eSpeak's word event; a hyphenated
        compound (``па-ранейшаму``) is one word to eSpeak.
        """
        capture, _ = _run(text, lang, profile(lang).espeak_voice, None, phoneme_events=True)
        return tuple(
            WordPhonemes(offset, tuple(phonemes)) for offset, phonemes in capture.groups if phonemes
        )

    def phonemes_alone(self, words: Sequence[str], lang: str) -> tuple[tuple[str, ...] | None, ...]:
        """eSpeak's phonemes of each word read on its own, translated without synthesis (one
        library load for them all); None for a word eSpeak reads as more than one.

        >>> EspeakEngine().phonemes_alone(["замок", "Нью Йорк"], "ru")
        (('z', 'a', 'm', "'o", 'k'), None)
        """
        voice = profile(lang).espeak_voice.encode()
        result: list[tuple[str, ...] | None] = []
        with _library() as (lib, _):
            lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
            lib.espeak_TextToPhonemes.argtypes = [
                ctypes.POINTER(ctypes.c_void_p),
                ctypes.c_int,
                ctypes.c_int,
            ]
            if lib.espeak_SetVoiceByName(voice) != _EE_OK:
                raise SpeechError(f"eSpeak NG has no voice {voice.decode()!r}", lang=lang)
            for word in words:
                buffer = ctypes.create_string_buffer(word.encode("utf-8"))
                pointer = ctypes.c_void_p(ctypes.addressof(buffer))
                said: list[str] = []
                while pointer.value:
                    out = lib.espeak_TextToPhonemes(
                        ctypes.byref(pointer), _CHARS_UTF8, _PHONEME_SEPARATOR
                    )
                    said.extend((out or b"").decode("utf-8", "replace").split())
                phonemes = tuple(p for p in "".join(said[:1]).split("|") if p)
                result.append(phonemes if len(said) == 1 and phonemes else None)
        return tuple(result)


@dataclass(frozen=True, slots=True)
class WordPhonemes:
    """One word as eSpeak says it: its offset in the text and its phoneme mnemonics.

    A vowel's mnemonic carries its stress: ``'`` primary, ``,`` secondary (``'Es;`` is not one
    phoneme: ``'E`` then ``s;``).
    """

    offset: int
    phonemes: tuple[str, ...]

    @property
    def vowels(self) -> tuple[str, ...]:
        return tuple(p for p in self.phonemes if is_vowel(p))

    @property
    def stressed(self) -> int | None:
        """Which vowel (counted from 0) carries the primary stress, else the secondary one."""
        return stressed_vowel(self.vowels)

    def stressed_on(self, vowel: int, lang: str = "", letters: str = "") -> str:
        """The word's phonemes with the primary stress on ``vowel`` (counted from 0), and no
        other stress, in the notation ``[[…]]`` takes.

        >>> word = WordPhonemes(0, ("k", "'a", "l", ";", "E", "s;", "n", ";", "i", "k", ",a"))
        >>> word.stressed_on(1)
        "kal;'Es;n;ika"

        Russian reduces unstressed vowels: given the word's vowel ``letters``, the newly stressed
        vowel takes its full quality, and the vowel that loses the stress, if it is о, а, е or
        я, its reduced one.

        >>> WordPhonemes(0, ("k", "V", "'u", "l", "a#")).stressed_on(0, "ru", "оуа")
        "k'oula#"
        """
        full, reduced = _STRESSED.get(lang, {}), _UNSTRESSED.get(lang, {})
        spoken: list[str] = []
        count = 0
        for phoneme in self.phonemes:
            if is_vowel(phoneme):
                bare = phoneme.lstrip("".join(STRESS_MARKS))
                glide = "j" if bare.startswith("j") and len(bare) > 1 else ""
                letter = letters[count].lower() if count < len(letters) else ""
                if count == vowel:
                    quality = full.get(letter)
                else:  # only the vowel that lost its stress needs reducing
                    quality = reduced.get(letter) if phoneme != bare else None
                if quality is not None:
                    bare = glide + quality
                spoken.append(f"'{bare}" if count == vowel else bare)
                count += 1
            else:
                spoken.append(phoneme)
        return "".join(spoken)


STRESS_MARKS = ("'", ",")
_STRESSED = {
    "ru": {
        "а": "A", "я": "A", "о": "o", "ё": "o", "е": "e", "э": "E",
        "и": "i", "ы": "y", "у": "u", "ю": "u",
    }
}  # fmt: skip
_UNSTRESSED = {"ru": {"о": "V", "а": "V", "е": "i", "я": "i"}}
_VOWEL_INITIALS = frozenset("aAeEiIoOuUVy@038")
_GLIDES = frozenset({"@-", "I^"})
"""Russian vowel-like transitions that are no syllable: ``@-`` in ``вопрос`` (v V p @- r 'o s),
``I^`` for the soft sign in ``борьба``."""


def stressed_vowel(vowels: Sequence[str]) -> int | None:
    """Which of the vowel phonemes carries the primary stress, else the secondary one.

    >>> stressed_vowel(["a", ",a", "'E"]), stressed_vowel(["a", ",a"]), stressed_vowel(["a"])
    (2, 1, None)
    """
    for mark in STRESS_MARKS:
        for index, vowel in enumerate(vowels):
            if vowel.startswith(mark):
                return index
    return None


def is_vowel(phoneme: str) -> bool:
    """Whether an eSpeak phoneme mnemonic (stress mark included) is a vowel.

    >>> [is_vowel(p) for p in ["k", "'E", "s;", 'i"', ",a", "j", "'ja", "w", "@-"]]
    [False, True, False, True, True, False, True, False, False]
    """
    bare = phoneme.lstrip("".join(STRESS_MARKS))
    if bare in _GLIDES:
        return False
    return bare.removeprefix("j")[:1] in _VOWEL_INITIALS


_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def ssml(text: str) -> tuple[str, tuple[int, ...]] | None:
    """``text`` with its language spans (``{{en|…}}``) as SSML voice changes, which eSpeak
    makes within one utterance, and the offset in ``text`` of each character of the SSML (so
    that eSpeak's word events point back into ``text``); None for a text without spans.

    >>> markup, origin = ssml("Autor: {{en|John & Co}}.")
    >>> markup
    '<speak>Autor: <voice xml:lang="en">John &amp; Co</voice>.</speak>'
    >>> origin[markup.index("John")], origin[markup.index("Co<")]
    (12, 19)
    """
    if LANGUAGE_SPAN.search(text) is None:
        return None
    pieces: list[str] = []
    origin: list[int] = []

    def add(piece: str, start: int, *, copied: bool) -> None:
        for index, char in enumerate(piece):
            escaped = _XML_ESCAPES.get(char, char) if copied else char
            pieces.append(escaped)
            origin.extend([start + index if copied else start] * len(escaped))

    add("<speak>", 0, copied=False)
    position = 0
    for match in LANGUAGE_SPAN.finditer(text):
        add(text[position : match.start()], position, copied=True)
        add(f'<voice xml:lang="{match.group(1)}">', match.start(), copied=False)
        add(match.group(2), match.start(2), copied=True)
        add("</voice>", match.end(2), copied=False)
        position = match.end()
    add(text[position:], position, copied=True)
    add("</speak>", len(text), copied=False)
    return "".join(pieces), tuple(origin)


def _run(
    text: str, lang: str, voice: str, rate: int | None, *, phoneme_events: bool
) -> tuple[_Capture, int]:
    capture = _Capture()
    callback = _Callback(capture.callback)
    marked = ssml(text)
    flags = _CHARS_UTF8 | _PHONEMES | (_SSML if marked else 0)
    encoded = (marked[0] if marked else text).encode("utf-8")
    with _library(phoneme_events=phoneme_events) as (lib, sample_rate):
        lib.espeak_SetSynthCallback(callback)
        if lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise SpeechError(
                f"eSpeak NG has no voice {voice!r}",
                lang=lang,
                hint="run 'polyedition voices' to list the voices",
            )
        lib.espeak_SetParameter(_PARAMETER_VOLUME, VOLUME, 0)
        if rate is not None:
            lib.espeak_SetParameter(_PARAMETER_RATE, rate, 0)
        status = lib.espeak_Synth(
            encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, flags, None, None
        )
    if status != _EE_OK:
        raise SpeechError(f"eSpeak NG failed (status {status})", lang=lang)
    if marked:
        origin = marked[1]

        def back(offset: int) -> int:
            return origin[min(offset, len(origin) - 1)]

        capture.words = {back(offset): sample for offset, sample in capture.words.items()}
        capture.groups = [(back(offset), phonemes) for offset, phonemes in capture.groups]
    return capture, sample_rate


def _monotonic(words: dict[int, int]) -> tuple[Mark, ...]:
    """Word marks in text order, dropping any whose time runs backwards (number expansions)."""
    marks: list[Mark] = []
    for offset in sorted(words):
        if not marks or words[offset] >= marks[-1].sample:
            marks.append(Mark(offset, words[offset]))
    return tuple(marks)
