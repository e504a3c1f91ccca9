"""Ranking labels for a search box: whole phrase first, then words, typos forgiven.

A search box and the matching engine must agree on what a typed skill means, so the box
starts from the engine's resolver (:meth:`matching.taxonomy.Taxonomy.resolve`: exact label,
label ignoring spaces, misspelt whole label) and only then looks word by word. Word matching
is where fragments used to win: a character-level partial ratio let "ng" in "adapt teachng"
pick "natural gas". Here a label earns a score only through whole query words of three
letters or more, each matched to a label word exactly, as its beginning (the word being
typed) or as a misspelling, so a short fragment is never evidence on its own.

The module is plain Python over label strings; it knows nothing of ESCO or the web app.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

__all__ = ["MIN_WORD", "WordIndex", "WordMatch", "phrase_score"]

#: Query words shorter than this are never matched on their own.
MIN_WORD = 3
#: A label word this similar (rapidfuzz ``ratio``) to a query word counts as a misspelling.
WORD_CUTOFF = 80.0
#: A label whose word score falls below this is not offered (two of three words matched
#: pass, one of two does not).
PHRASE_CUTOFF = 60.0


@dataclass(frozen=True)
class WordMatch:
    """One label found word by word.

    ``words`` is the mean similarity of the query's words to the label's (0-100): how well
    what was typed is matched. ``score`` blends it with the whole-phrase score; ``coverage``
    is how much of the label the query covers (0-1), so a tighter label can win a tie.
    """

    key: str
    words: float
    score: float
    coverage: float


def significant(words: Iterable[str]) -> list[str]:
    """The query words long enough to count as evidence."""
    return [w for w in words if len(w) >= MIN_WORD]


def phrase_score(query: str, key: str) -> float:
    """Whole-phrase and token-set similarity of two normalised strings (0-100).

    ``ratio`` rewards the same phrase typed with slips; ``token_set_ratio`` rewards the same
    words in another order or inside a longer label. Both compare whole strings, so a
    two-letter fragment cannot score high against a long label.
    """
    return max(fuzz.ratio(query, key), fuzz.token_set_ratio(query, key))


class WordIndex:
    """Labels indexed by their words, for word-by-word matching with typos.

    Parameters
    ----------
    keys : sequence of str
        Normalised labels (lower case, accents stripped, single spaces).
    """

    def __init__(self, keys: Sequence[str]) -> None:
        # The caller's list itself when it is one: the taxonomy passes its label list, and a
        # cache file then holds (and a worker loads) it once.
        self.keys = keys if isinstance(keys, list) else list(keys)
        postings: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(self.keys):
            for word in set(key.split()):
                postings[word].append(i)
        self.words = sorted(postings)
        # The postings of every word in one array (``words`` order), cut by ``_starts``: a
        # web worker keeps the index of every label, and tens of thousands of small arrays
        # in a dict cost it several times the numbers they hold.
        lengths = [len(postings[word]) for word in self.words]
        self._starts = np.zeros(len(self.words) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self._starts[1:])
        self._rows = np.fromiter(
            (row for word in self.words for row in postings[word]),
            dtype=np.int32,
            count=int(self._starts[-1]),
        )
        self._word_count = np.array([len(k.split()) for k in self.keys], dtype=np.float64)

    def _postings(self, word: str) -> np.ndarray | None:
        """The rows of the labels holding ``word`` (None when no label does)."""
        at = bisect.bisect_left(self.words, word)
        if at == len(self.words) or self.words[at] != word:
            return None
        return self._rows[self._starts[at] : self._starts[at + 1]]

    def _word_scores(self, word: str, last: bool) -> dict[str, float]:
        """Label words that ``word`` may stand for, with a similarity (0-100).

        The last query word may be unfinished, so a label word it begins counts as well as a
        complete one would (slightly less, so finished words win ties).
        """
        found: dict[str, float] = {}
        if self._postings(word) is not None:
            found[word] = 100.0
        if last:
            start = bisect.bisect_left(self.words, word)
            for candidate in self.words[start : start + 200]:
                if not candidate.startswith(word):
                    break
                found.setdefault(candidate, 97.0)
        for candidate, score, _ in process.extract(
            word, self.words, scorer=fuzz.ratio, limit=25, score_cutoff=WORD_CUTOFF
        ):
            if abs(len(candidate) - len(word)) <= max(2, len(word) // 3):
                found[candidate] = max(found.get(candidate, 0.0), float(score))
        return found

    def match(self, query: str, limit: int = 50) -> list[WordMatch]:
        """Labels sharing the query's significant words (typos allowed), best first.

        A label's score is the mean, over the query's significant words, of the best
        similarity of that word to one of the label's words (0 when none is close), blended
        with the whole-phrase score of :func:`phrase_score`; labels under
        ``PHRASE_CUTOFF`` are dropped.
        """
        words = query.split()
        wanted = significant(words)
        if not wanted:
            return []
        totals = np.zeros(len(self.keys), dtype=np.float64)
        for position, word in enumerate(wanted):
            best = np.zeros(len(self.keys), dtype=np.float64)
            is_last = position == len(wanted) - 1 and words[-1] == word
            for candidate, score in self._word_scores(word, is_last).items():
                rows = self._postings(candidate)
                best[rows] = np.maximum(best[rows], score)
            totals += best
        means = totals / len(wanted)
        rows = np.nonzero(means >= PHRASE_CUTOFF)[0]
        if rows.size == 0:
            return []
        # Keep the strongest few hundred before the slower whole-phrase comparison.
        if rows.size > 400:
            rows = rows[np.argsort(-means[rows], kind="stable")[:400]]
        results = []
        for row in rows.tolist():
            key = self.keys[row]
            score = 0.7 * means[row] + 0.3 * phrase_score(query, key)
            coverage = min(1.0, len(wanted) / self._word_count[row])
            results.append(WordMatch(key, round(means[row], 1), round(score, 2), coverage))
        results.sort(key=lambda m: (-m.words, -m.score, -m.coverage, len(m.key), m.key))
        return results[:limit]
