"""Word-level text handling shared by the taxonomy and the feature builder."""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

__all__ = [
    "PROSE_LANGUAGES",
    "STOP_WORDS",
    "TEXT_FEATURES",
    "TextReader",
    "hash_token",
    "language_and_tokens",
    "normalise",
    "normalise_arabic",
    "prose_language",
    "prose_tokens",
    "tokens",
]

#: Width of the hashed word space; collisions are rare at this size and need no vocabulary.
TEXT_FEATURES = 1 << 20
_NON_WORD = re.compile(r"[^\w+#]+")
_ENGLISH = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves etc via within without across among
upon
"""
STOP_WORDS = frozenset(re.findall(r"\S+", _ENGLISH)) | {
    "de",
    "la",
    "le",
    "les",
    "des",
    "du",
    "et",
    "en",
    "un",
    "une",
    "el",
    "los",
    "las",
    "y",
    "para",
    "con",
    "por",
    "del",
    "al",
    "d",
    "l",
    "someone",
    "looking",
    "experience",
    "experienced",
    "skills",
    "skill",
    "work",
    "working",
    "years",
    "year",
    "good",
    "strong",
    "ability",
}


def normalise(text: str) -> str:
    """Case-fold, strip accents and punctuation (keeping ``+`` and ``#``), collapse spaces."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold()
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


def tokens(text: str) -> list[str]:
    """Content words and adjacent word pairs of ``text`` (normalised, stop words dropped)."""
    words = [w for w in normalise(text).split() if w not in STOP_WORDS and len(w) > 1]
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def hash_token(token: str, size: int = TEXT_FEATURES) -> int:
    """Stable column of a token (CRC-32, the same in every process, unlike ``hash``)."""
    return zlib.crc32(token.encode("utf-8")) % size


# --- prose: per-language stemmed words -------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Languages whose prose is stemmed (Snowball); any other text falls back to English rules.
PROSE_LANGUAGES = ("en", "fr", "es", "ar")
_LATIN_STOP = {
    "en": frozenset(_ENGLISH.split()),
    "fr": _words(
        """
        a au aux avec ce ces cette dans de des du elle en et est il ils je la le les leur leurs
        lui ma mais me mes meme mon ne nos notre nous on ou par pas pour qu que qui sa se ses
        son sur ta te tes toi ton tu un une vos votre vous y d l j n s c m t qu etre avoir ete
        sont aussi dont ainsi plus tres entre chez afin selon être été très même à où
        """
    ),
    "es": _words(
        """
        a al algo con como de del el ella ellas ellos en entre es esa ese eso esta este esto
        estos estas fue ha han hay la las le les lo los mas me mi mis muy no nos o para pero por
        que se sin sobre su sus tambien te tu un una uno unos unas y ya son ser sus cada segun
        hacia desde durante más también según está
        """
    ),
}
_ARABIC_STOP = _words(
    """
        في من على الى عن مع هذا هذه ذلك تلك التي الذي الذين او و ثم كما كان كانت يكون قد لا لم
        لن ما هو هي هم نحن انا انت بين عند كل بعض غير حتى اذا ان اي ايضا ضمن خلال لدي
        """
)
_ARABIC_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_ARABIC_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}
)
_ARABIC_CHAR = re.compile("[\u0600-\u06ff]")
_PROSE_WORD = re.compile(r"[^\W\d_]+[+#]*|\d+[^\W_]*", re.UNICODE)
_STEMMERS: dict[str, object] = {}


def normalise_arabic(text: str) -> str:
    """Arabic spelling variants folded together, so that prose matches however it is typed.

    Diacritics and tatweel removed; hamza-carrying alef forms to bare alef, alef maqsura to ya,
    ta marbuta to ha, hamza on waw or ya to the bare letter (the usual folding of Arabic
    search engines). Other scripts are left alone.
    """
    return _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)


def prose_language(words: list[str]) -> str:
    """Best guess among en/fr/es from stop-word counts (ties and no evidence: English)."""
    counts = {lang: sum(map(stop.__contains__, words)) for lang, stop in _LATIN_STOP.items()}
    best = max(counts.values())
    return next(lang for lang in ("en", "fr", "es") if counts[lang] == best)


def _stemmer(lang: str):
    found = _STEMMERS.get(lang)
    if found is None:
        import snowballstemmer

        name = {"en": "english", "fr": "french", "es": "spanish", "ar": "arabic"}[lang]
        found = _STEMMERS[lang] = snowballstemmer.stemmer(name)
    return found


@lru_cache(maxsize=1 << 18)
def _stem(word: str, lang: str) -> str:
    stem = _stemmer(lang).stemWord(word)  # type: ignore[attr-defined]
    if lang != "ar" and not stem.isascii():
        stem = "".join(
            c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c)
        )
    return stem


def prose_tokens(text: str, lang: str | None = None) -> list[str]:
    """Stemmed content words of free text, in the language the text is written in.

    Arabic-script words are normalised (:func:`normalise_arabic`) and stemmed as Arabic; the
    rest of the text is stemmed as English, French or Spanish, whichever its stop words say.
    Accents are stripped after stemming (the stemmers need them), so "gestión" and "gestion"
    agree. Stop words and one-letter words are dropped. ``lang`` (en, fr or es) skips the
    guess for text whose language is known but too short to tell, such as a taxonomy label.
    """
    return language_and_tokens(text, lang)[1]


def language_and_tokens(text: str, lang: str | None = None) -> tuple[str, list[str]]:
    """:func:`prose_tokens` and the text's language: ``ar`` when most of its words are in
    Arabic script, otherwise the en, fr or es its Latin words were stemmed as (one pass for
    callers that need both, such as the occupation space)."""
    if not text:
        return lang if lang in _LATIN_STOP else "en", []
    words, latin = _words_of(text)
    if lang not in _LATIN_STOP:
        lang = prose_language(latin) if latin else "en"
    return _script(len(words), len(latin), lang), _stems(words, lang)


class TextReader:
    """:func:`prose_tokens` and :func:`language_and_tokens` of many texts, each distinct
    text split into words once and stemmed once per language.

    A batch of profiles shares most of its strings (skill labels, job titles), and the prose
    channel and the occupation space read the same texts: the occupation space reads a
    record's texts joined, which :meth:`joined` reads from the parts already read.
    """

    def __init__(self) -> None:
        self._words: dict[str, tuple[list[str], list[str]]] = {}
        self._stems: dict[tuple[str, str], list[str]] = {}

    def __len__(self) -> int:
        return len(self._words)

    def clear(self) -> None:
        self._words.clear()
        self._stems.clear()

    def tokens(self, text: str) -> list[str]:
        """``prose_tokens(text)`` (do not change the list: it is shared)."""
        if not text:
            return []
        words, latin = self._read(text)
        return self._stemmed(text, words, prose_language(latin) if latin else "en")

    def joined(self, parts: Sequence[str]) -> tuple[str, list[str]]:
        """``language_and_tokens(" ".join(p for p in parts if p))``, from each part's words:
        words never span the space between two parts, so the words of the joined text are
        those of its parts in turn, and so are its stems in the joined text's language."""
        parts = [p for p in parts if p]
        if not parts:
            return "en", []
        read = [self._read(p) for p in parts]
        latin = [w for _words, part_latin in read for w in part_latin]
        lang = prose_language(latin) if latin else "en"
        tokens = [
            t
            for p, (words, _l) in zip(parts, read, strict=True)
            for t in self._stemmed(p, words, lang)
        ]
        return _script(sum(len(words) for words, _l in read), len(latin), lang), tokens

    def _read(self, text: str) -> tuple[list[str], list[str]]:
        found = self._words.get(text)
        if found is None:
            found = self._words[text] = _words_of(text)
        return found

    def _stemmed(self, text: str, words: list[str], lang: str) -> list[str]:
        found = self._stems.get((text, lang))
        if found is None:
            found = self._stems[text, lang] = _stems(words, lang)
        return found


def _words_of(text: str) -> tuple[list[str], list[str]]:
    """The words of a text (casefolded, Arabic normalised), and those not in Arabic script."""
    lowered = text.casefold()
    if _ARABIC_CHAR.search(lowered):
        lowered = normalise_arabic(lowered)
    words = _PROSE_WORD.findall(lowered)
    return words, [w for w in words if not _ARABIC_CHAR.match(w)]


def _stems(words: list[str], lang: str) -> list[str]:
    """The stems of the content words, Arabic-script ones as Arabic, the rest as ``lang``."""
    stop = _LATIN_STOP[lang]
    result = []
    for word in words:
        if len(word) < 2:
            continue
        if _ARABIC_CHAR.match(word):
            if word not in _ARABIC_STOP:
                result.append(_stem(word, "ar"))
        elif word not in stop and word not in STOP_WORDS:
            result.append(_stem(word, lang))
    return result


def _script(n_words: int, n_latin: int, lang: str) -> str:
    """``ar`` when most words are in Arabic script, else the Latin-script language."""
    return "ar" if n_words and 2 * (n_words - n_latin) > n_words else lang
