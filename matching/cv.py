"""Reading CVs and terms of reference: sections, and ESCO skills and occupations found in prose.

People do not write ESCO skill lists. A CV says "Taught chemistry to secondary school classes
and managed the department's budget"; terms of reference say "The consultant will manage
budgets". This module finds the parts of such a text (experience, education, skills,
languages, and for terms of reference duties) from their headings in English, French, Spanish
and Arabic, and proposes the ESCO concepts the prose mentions, each with the sentence it came
from and a confidence, so that a person can confirm or reject each one.

Concepts are found through the taxonomy's own label resolution (:meth:`Taxonomy.resolve_many`:
exact labels in any loaded language, spacing, misspellings), applied to the word runs of each
clause; the first word of a run is also tried in its dictionary form ("managed" -> "manage",
"géré" -> "gérer"), because ESCO labels start with a verb in the infinitive. A concept is
proposed only in the languages the taxonomy has labels for: Arabic text needs Arabic labels
(see ``placement taxonomy load``), apart from the Latin-script terms Arabic CVs often hold.

The confidence (0..1) combines how well the words matched a label, where they stand (a skills
section counts more than a paragraph of education), whether the words name several concepts
at once, and how often the concept comes back. Runs of fewer than three characters are never
matched alone ("ng", "R", "Go"), since they are fragments far more often than skills.

Plain library code: no Flask, no database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matching.text import STOP_WORDS, normalise

if TYPE_CHECKING:
    from matching.taxonomy import Resolution, Taxonomy

__all__ = [
    "SECTION_WEIGHTS",
    "Section",
    "Suggestion",
    "detect_language",
    "find_sections",
    "suggest_from_text",
]

KINDS = ("skill", "occupation")
#: How much a mention counts by where it stands: a skills section is a list of claims, an
#: education section mostly names subjects studied.
SECTION_WEIGHTS: dict[str | None, float] = {
    "skills": 1.0,
    "languages": 0.95,
    "experience": 0.9,
    "duties": 0.9,
    "summary": 0.85,
    None: 0.8,
    "other": 0.7,
    "education": 0.75,
}
#: Longest word run tried against the labels (ESCO labels rarely exceed eight words).
MAX_RUN = 8
MIN_CHARS = 3
#: Below this a suggestion is more often wrong than right; it is not shown.
MIN_CONFIDENCE = 0.4

# Headings, normalised (accents and case dropped) when the module loads. Keys are section names.
_HEADINGS: dict[str, tuple[str, ...]] = {
    "experience": (
        # en
        "experience",
        "work experience",
        "professional experience",
        "relevant experience",
        "employment",
        "employment history",
        "work history",
        "career history",
        "career",
        "professional background",
        "positions held",
        # fr
        "experiences",
        "experience professionnelle",
        "experiences professionnelles",
        "parcours professionnel",
        "emplois occupes",
        "carriere",
        # es
        "experiencia",
        "experiencia laboral",
        "experiencia profesional",
        "trayectoria profesional",
        "historial laboral",
        # ar
        "الخبره",
        "الخبرة",
        "الخبرات",
        "الخبرة المهنية",
        "الخبرات المهنية",
        "الخبرة العملية",
        "الخبرات العملية",
        "الخبرة الوظيفية",
        "المسار المهني",
        "السجل الوظيفي",
    ),
    "education": (
        "education",
        "academic background",
        "education and training",
        "academic qualifications",
        "qualifications",
        "training",
        "degrees",
        "formation",
        "formations",
        "etudes",
        "diplomes",
        "formation academique",
        "parcours academique",
        "educacion",
        "formacion",
        "formacion academica",
        "estudios",
        "titulaciones",
        "التعليم",
        "المؤهلات",
        "المؤهلات العلمية",
        "المؤهلات الأكاديمية",
        "التحصيل العلمي",
        "الدراسة",
        "التكوين",
        "الشهادات",
    ),
    "skills": (
        "skills",
        "key skills",
        "core skills",
        "technical skills",
        "skills and competencies",
        "competencies",
        "core competencies",
        "competences",
        "expertise",
        "areas of expertise",
        "abilities",
        "required skills",
        "requirements",
        "required qualifications and skills",
        "qualifications and skills",
        "qualifications and experience",
        "profile sought",
        "competences cles",
        "competences techniques",
        "savoir faire",
        "aptitudes",
        "profil recherche",
        "competences requises",
        "habilidades",
        "competencias",
        "conocimientos",
        "destrezas",
        "perfil requerido",
        "requisitos",
        "المهارات",
        "المهارات الأساسية",
        "المهارات التقنية",
        "الكفاءات",
        "القدرات",
        "المهارات المطلوبة",
        "المتطلبات",
    ),
    "languages": (
        "languages",
        "language skills",
        "langues",
        "competences linguistiques",
        "idiomas",
        "lenguas",
        "اللغات",
        "المهارات اللغوية",
    ),
    "duties": (
        "responsibilities",
        "duties",
        "duties and responsibilities",
        "main duties",
        "tasks",
        "scope of work",
        "terms of reference",
        "missions",
        "taches",
        "responsabilites",
        "mission",
        "funciones",
        "tareas",
        "responsabilidades",
        "المهام",
        "المسؤوليات",
        "المهام والمسؤوليات",
    ),
    "summary": (
        "summary",
        "profile",
        "professional summary",
        "personal profile",
        "about me",
        "objective",
        "career objective",
        "profil",
        "resume",
        "a propos",
        "objectif",
        "perfil",
        "resumen",
        "sobre mi",
        "objetivo",
        "نبذة",
        "ملخص",
        "الملف الشخصي",
        "الهدف",
        "نبذة عني",
    ),
    "other": (
        "references",
        "interests",
        "hobbies",
        "publications",
        "projects",
        "certifications",
        "contact",
        "personal details",
        "personal information",
        "references disponibles",
        "centres d interet",
        "loisirs",
        "coordonnees",
        "informations personnelles",
        "referencias",
        "intereses",
        "aficiones",
        "datos personales",
        "الهوايات",
        "المراجع",
        "معلومات شخصية",
        "البيانات الشخصية",
    ),
}
_TATWEEL = "\u0640"
_AR_PROCLITICS = frozenset("وفبلك")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# "1.", "II)", "a.", "3 -", bullets and decorations before a heading.
_NUMBERING = re.compile(
    r"^\s*(?:[#*•·▪►\-–—=_]+|\(?(?:\d{1,2}|[ivxIVX]{1,4}|[a-zA-Z])[.)\-:]\s)\s*"
)
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|\s*[;؛•·▪►]\s*|\s+[–—-]\s+")
_CLAUSE = re.compile(r"[,،:()\[\]{}/|\"“”«»]+")
_LEADING_BULLET = re.compile(r"^\s*[-*–—•·▪►]+\s*")

_MORE_STOP_WORDS = """
je j ai au aux dans sur pour avec par ou a ce cet cette ces mes mon ma nos notre qui que est
sont ete il elle nous vous leur leurs se sa son ses plus tres aussi
yo he un una unos unas mi mis que es son fue lo su sus como entre sobre o e hasta desde mas muy
في من على إلى الى عن مع أو او ثم هذا هذه التي الذي كان كانت لدى خلال حيث كما قد لقد و
"""
_STOP = frozenset(STOP_WORDS | {normalise(w) for w in _MORE_STOP_WORDS.split()}) - {""}

_EN_IRREGULAR = {
    "taught": "teach",
    "led": "lead",
    "wrote": "write",
    "written": "write",
    "built": "build",
    "ran": "run",
    "made": "make",
    "gave": "give",
    "given": "give",
    "took": "take",
    "taken": "take",
    "oversaw": "oversee",
    "overseen": "oversee",
    "drew": "draw",
    "drawn": "draw",
    "sold": "sell",
    "bought": "buy",
    "spoke": "speak",
    "kept": "keep",
    "held": "hold",
    "met": "meet",
    "sought": "seek",
    "thought": "think",
    "brought": "bring",
    "chose": "choose",
    "began": "begin",
    "set": "set",
    "did": "do",
    "done": "do",
    "won": "win",
    "drove": "drive",
    "grew": "grow",
    "understood": "understand",
}


@dataclass(frozen=True)
class Section:
    """A part of a CV: ``name`` is one of :data:`SECTION_WEIGHTS`' keys (None before any
    heading); ``heading`` is the heading as written; ``lines`` the text under it."""

    name: str | None
    heading: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Suggestion:
    """An ESCO concept proposed from a text, with the sentence that mentions it."""

    uri: str
    label: str
    kind: str
    confidence: float
    sentence: str
    section: str | None


def _key(text: str) -> str:
    return normalise(text.replace(_TATWEEL, ""))


_HEADING_KEYS: dict[str, str] = {}
for _name, _phrases in _HEADINGS.items():
    for _phrase in _phrases:
        _HEADING_KEYS[_key(_phrase)] = _name
_LONGEST_HEADING = max(len(k.split()) for k in _HEADING_KEYS)


def detect_language(text: str) -> str:
    """``ar``, ``fr``, ``es`` or ``en``: the script, else the commonest function words.

    Only a hint for the taxonomy (which prefers labels of that language on a tie) and for the
    dictionary forms tried; every loaded language is matched whatever it returns.
    """
    sample = text[:20_000]
    letters = [c for c in sample if c.isalpha()]
    if letters and sum(1 for c in letters if _ARABIC.match(c)) / len(letters) > 0.3:
        return "ar"
    words = normalise(sample).split()
    marks = {
        "fr": {
            "et",
            "les",
            "des",
            "le",
            "du",
            "au",
            "aux",
            "pour",
            "dans",
            "avec",
            "une",
            "d",
            "l",
        },
        "es": {"y", "los", "las", "el", "del", "para", "con", "una", "por", "mi", "al", "lo"},
        "en": {"and", "the", "of", "to", "in", "for", "with", "a", "i", "my", "as", "at"},
    }
    counts = {lang: sum(1 for w in words if w in marks[lang]) for lang in marks}
    best = max(counts, key=lambda lang: (counts[lang], lang == "en"))
    return best if counts[best] else "en"


def _heading(line: str) -> tuple[str, str] | None:
    """(section name, rest of the line) when ``line`` opens a section, else None.

    A heading is a known phrase alone on its line, after any numbering or bullet and before
    an optional colon ("2. Work experience:", "COMPÉTENCES", "المهارات:"), or a known phrase
    followed by a colon and content ("Skills: Python, SQL").
    """
    stripped = _NUMBERING.sub("", line.replace(_TATWEEL, "")).strip()
    if not stripped:
        return None
    head, colon, rest = stripped.partition(":")
    if not colon:
        head, colon, rest = stripped.partition("：")
    key = _key(head)
    if not key or len(key.split()) > _LONGEST_HEADING:
        return None
    name = _HEADING_KEYS.get(key)
    if name is None:
        return None
    if rest.strip() and not colon:
        return None
    return name, rest.strip()


def _inline_headings(text: str) -> str:
    """Put known headings written in capitals or followed by a colon on their own lines.

    Text from some PDFs (and older uploads) comes as one long line; without this, such a CV
    would have no sections at all.
    """
    phrases = sorted(
        {p for ps in _HEADINGS.values() for p in ps if not _ARABIC.search(p)}, key=len
    )[::-1]
    pattern = "|".join(re.escape(p) for p in phrases)
    capitals = re.compile(rf"(?<![\w])((?:{pattern}))(?=\s*:)", re.IGNORECASE)
    text = capitals.sub(lambda m: "\n" + m.group(1), text)
    upper = re.compile(r"(?<![\w])([A-ZÀ-Ý][A-ZÀ-Ý ]{4,40}[A-ZÀ-Ý])(?![\w])")
    return upper.sub(
        lambda m: f"\n{m.group(1)}\n" if _key(m.group(1)) in _HEADING_KEYS else m.group(1), text
    )


def find_sections(text: str, language: str | None = None) -> list[Section]:
    """Split a CV or terms of reference into sections by their headings.

    Parameters
    ----------
    text : str
        The document's text, one line per line of the document where possible.
    language : str, optional
        Unused for the headings (those of all four languages are recognised, since CVs mix
        them); accepted so that every function here takes the same arguments.

    Returns
    -------
    list of Section
        In document order; the text before the first heading is a section named None (left
        out when empty). Sections without a line under them are kept: the heading itself
        says the document has that part.
    """
    del language
    lines = [" ".join(line.split()) for line in text.splitlines()]
    if len([line for line in lines if line]) <= 2 and len(text) > 200:
        lines = [" ".join(line.split()) for line in _inline_headings(text).splitlines()]
    sections: list[Section] = []
    name: str | None = None
    heading = ""
    body: list[str] = []
    for line in lines:
        if not line:
            continue
        found = _heading(line)
        if found is None:
            body.append(line)
            continue
        if body or name is not None:
            sections.append(Section(name, heading, tuple(body)))
        name, heading = found[0], line
        body = [found[1]] if found[1] else []
    if body or name is not None:
        sections.append(Section(name, heading, tuple(body)))
    return sections


def _sentences(section: Section) -> Iterable[str]:
    for line in section.lines:
        for part in _SENTENCE_END.split(line):
            part = _LEADING_BULLET.sub("", part).strip()
            if part:
                yield part


def _arabic_word(word: str) -> str:
    """Drop the clitics glued before the article ("والتدريس" -> "التدريس")."""
    for prefix in ("وال", "بال", "فال", "كال"):
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            return "ال" + word[len(prefix) :]
    if word.startswith("لل") and len(word) > 3:
        return "ال" + word[2:]
    return word


def _base_forms(word: str, lang: str) -> list[str]:
    """Dictionary forms a conjugated verb may have; ESCO labels start with the infinitive."""
    forms: list[str] = []
    if lang == "en":
        if word in _EN_IRREGULAR:
            forms.append(_EN_IRREGULAR[word])
        if word.endswith("ied") and len(word) > 4:
            forms.append(word[:-3] + "y")
        elif word.endswith("ed") and len(word) > 4:
            forms += [word[:-1], word[:-2]]
            if word[-3] == word[-4]:
                forms.append(word[:-3])
        elif word.endswith("ing") and len(word) > 5:
            forms += [word[:-3], word[:-3] + "e"]
        elif word.endswith("s") and not word.endswith("ss") and len(word) > 4:
            forms.append(word[:-1])
    elif lang == "fr":
        for ending in ("ees", "es", "ee", "e", "ais", "ait", "ions"):
            if word.endswith(ending) and len(word) > len(ending) + 2:
                forms.append(word[: -len(ending)] + "er")
                break
        if word.endswith(("is", "it")) and len(word) > 4:
            forms.append(word[:-1] + "r")  # "établi" "établis" -> "établir"
    elif lang == "es":
        for ending, infinitives in (
            ("ado", ("ar",)),
            ("ada", ("ar",)),
            ("ando", ("ar",)),
            ("aba", ("ar",)),
            ("e", ("ar",)),
            ("o", ("ar",)),
            ("ido", ("er", "ir")),
            ("iendo", ("er", "ir")),
            ("i", ("er", "ir")),
        ):
            if word.endswith(ending) and len(word) > len(ending) + 2:
                forms += [word[: -len(ending)] + i for i in infinitives]
                break
    elif lang == "ar" and word[:1] in _AR_PROCLITICS and len(word) >= 5:
        forms.append(word[1:])  # "وإدارة" "بتدريس": and-, with- glued to the word
    return [f for f in dict.fromkeys(forms) if f != word and len(f) >= MIN_CHARS]


@dataclass(frozen=True)
class _Run:
    sentence: int
    clause: int
    start: int
    end: int
    text: str
    derived: bool  # the first word was put in its dictionary form
    whole: bool  # the run is its whole clause (a list item)


def _runs(clause_words: list[str], sentence: int, clause: int, lang: str) -> list[_Run]:
    """Every word run of a clause that may be a label, starting and ending on content words."""
    runs = []
    n = len(clause_words)
    for i in range(n):
        first = clause_words[i]
        if first in _STOP or len(first) < 2 or first.isdigit():
            continue
        for j in range(i + 1, min(n, i + MAX_RUN) + 1):
            last = clause_words[j - 1]
            if last in _STOP or last.isdigit():
                continue
            text = " ".join(clause_words[i:j])
            if len(text.replace(" ", "")) < MIN_CHARS:
                continue
            whole = i == 0 and j == n
            runs.append(_Run(sentence, clause, i, j, text, False, whole))
            if j - i > 1 or lang == "ar":
                rest = clause_words[i + 1 : j]
                for form in _base_forms(first, lang):
                    runs.append(_Run(sentence, clause, i, j, " ".join([form, *rest]), True, whole))
    return runs


#: At most this many word runs per text are tried as misspelt labels (the costly lookup).
MAX_FUZZY = 300
_VOCABULARIES: dict[int, tuple[object, frozenset[str], frozenset[str]]] = {}


def _vocabulary(taxonomy: Taxonomy) -> tuple[frozenset[str], frozenset[str]]:
    """Every label of the taxonomy, normalised, and every word in them; built once per
    taxonomy. Runs that are no label and hold unknown words are not sent to the (costly)
    misspelling search: that keeps a long CV to a second or two."""
    cached = _VOCABULARIES.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1], cached[2]
    keys: set[str] = set()
    for kind in KINDS:
        for uri in taxonomy.uris(kind):
            for lang in taxonomy.languages:
                keys.add(_key(taxonomy.label(uri, lang) or ""))
                keys.update(_key(label) for label in taxonomy.alternative_labels(uri, lang))
    keys.discard("")
    words = frozenset(w for key in keys for w in key.split())
    _VOCABULARIES[id(taxonomy)] = (taxonomy, frozenset(keys), words)
    return frozenset(keys), words


def _worth_trying(run: _Run, words: list[str], keys: frozenset[str], vocab: frozenset[str]) -> int:
    """2 for a run that is a label, 1 for one that may be a misspelt label, 0 otherwise."""
    if run.text in keys:
        return 2
    if run.derived or (len(words) == 1 and not run.whole):
        return 0
    unknown = [w for w in words if w not in vocab]
    if len(unknown) > 1 or any(len(w) < 4 for w in unknown):
        return 0
    return 1


def _combine(confidences: list[float]) -> float:
    """The best mention, raised a little by each further one (at most three count)."""
    ordered = sorted(confidences, reverse=True)
    total = ordered[0]
    for extra in ordered[1:3]:
        total += (1.0 - total) * 0.25 * extra
    return total


def suggest_from_text(
    text: str,
    taxonomy: Taxonomy,
    language: str | None = None,
    *,
    label_language: str | None = None,
    kinds: Sequence[str] = KINDS,
    limit: int | None = 40,
) -> list[Suggestion]:
    """ESCO skills and occupations mentioned in a CV or terms of reference.

    Parameters
    ----------
    text : str
        Plain text, ideally one line per line of the document.
    taxonomy : Taxonomy
        Its :meth:`resolve_many` decides what a run of words means.
    language : str, optional
        Language of the text; detected when None.
    label_language : str, optional
        Language of the returned labels (the reader's); defaults to ``language``.
    kinds : sequence of {"skill", "occupation"}
    limit : int, optional
        At most this many suggestions (None: all).

    Returns
    -------
    list of Suggestion
        Most confident first, then by label; each concept once, with the sentence of its
        most confident mention.
    """
    lang = language or detect_language(text)
    shown = label_language or lang
    sentences: list[tuple[str, str | None]] = []
    runs: list[_Run] = []
    for section in find_sections(text, lang):
        for sentence in _sentences(section):
            s = len(sentences)
            sentences.append((sentence, section.name))
            for c, clause in enumerate(_CLAUSE.split(sentence)):
                words = _key(clause).split()
                if lang == "ar" or _ARABIC.search(clause):
                    words = [_arabic_word(w) for w in words]
                runs.extend(_runs(words, s, c, lang))
    if not runs:
        return []
    keys, vocab = _vocabulary(taxonomy)
    exact: set[str] = set()
    fuzzy: dict[str, tuple[int, int]] = {}
    for run in runs:
        worth = _worth_trying(run, run.text.split(), keys, vocab)
        if worth == 2:
            exact.add(run.text)
        elif worth == 1:
            section = sentences[run.sentence][1]
            rank = (0 if run.whole else 1) + (0 if section == "skills" else 2)
            fuzzy[run.text] = min(fuzzy.get(run.text, (9, 0)), (rank, run.sentence))
    tried = sorted(fuzzy, key=lambda text: fuzzy[text])[:MAX_FUZZY]
    texts = sorted(exact | set(tried))
    runs = [run for run in runs if run.text in exact or run.text in fuzzy]
    mentions: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for kind in kinds:
        resolved = dict(zip(texts, taxonomy.resolve_many(texts, lang, kind), strict=True))
        chosen = _choose(runs, resolved)
        for run, resolutions in chosen:
            top = max(r.confidence for r in resolutions)
            tied = [r for r in resolutions if r.confidence >= top - 1e-9]
            for r in tied:
                quality = r.confidence
                if run.derived:
                    quality *= 0.95
                if run.end - run.start == 1:
                    quality *= 0.8  # one word alone is the vaguest evidence
                if not run.whole:
                    quality *= 0.95  # found inside prose rather than listed
                quality /= len(tied) ** 0.5  # the same words name several concepts
                section = sentences[run.sentence][1]
                confidence = quality * SECTION_WEIGHTS.get(section, SECTION_WEIGHTS[None])
                mentions[(kind, r.uri)].append((confidence, run.sentence))
    suggestions = []
    for (kind, uri), found in mentions.items():
        _best, sentence = max(found, key=lambda m: (m[0], -m[1]))
        confidence = round(min(1.0, _combine([c for c, _ in found])), 3)
        if confidence < MIN_CONFIDENCE:
            continue
        suggestions.append(
            Suggestion(
                uri=uri,
                label=taxonomy.label(uri, shown) or uri,
                kind=kind,
                confidence=confidence,
                sentence=sentences[sentence][0],
                section=sentences[sentence][1],
            )
        )
    suggestions.sort(key=lambda s: (-s.confidence, s.label.casefold(), s.uri))
    return suggestions[:limit] if limit is not None else suggestions


def _choose(
    runs: list[_Run], resolved: dict[str, tuple[Resolution, ...]]
) -> list[tuple[_Run, tuple[Resolution, ...]]]:
    """Per clause, the longest matching runs that do not overlap (the best-matching first
    among equally long ones), so "manage nursing staff" is not also "nursing staff"."""
    by_clause: dict[tuple[int, int], list[tuple[_Run, tuple[Resolution, ...]]]] = defaultdict(list)
    for run in runs:
        found = resolved.get(run.text)
        if not found:
            continue
        if run.end - run.start == 1 and any(r.method == "fuzzy" for r in found):
            continue  # a misspelt single word is too often another word
        by_clause[(run.sentence, run.clause)].append((run, found))
    chosen = []
    for candidates in by_clause.values():
        candidates.sort(
            key=lambda c: (
                -(c[0].end - c[0].start),
                -max(r.confidence for r in c[1]),
                c[0].derived,
            )
        )
        taken: set[int] = set()
        for run, found in candidates:
            span = set(range(run.start, run.end))
            if span & taken:
                continue
            taken |= span
            chosen.append((run, found))
    return chosen
