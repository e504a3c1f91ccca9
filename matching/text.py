"""Word-level text handling shared by the taxonomy and the feature builder."""

from __future__ import annotations

import re
import unicodedata
import zlib
from itertools import pairwise

__all__ = ["STOP_WORDS", "TEXT_FEATURES", "hash_token", "normalise", "tokens"]

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
