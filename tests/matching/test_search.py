"""The search box's resolver: the engine's resolution first, then words with typos forgiven,
never a short fragment alone."""

import pytest

from matching.search import WordIndex, phrase_score

# (typed text, language, kind, the label that must come first)
FIRST = [
    ("adapt teachng", "en", "skill", "adapt teaching to student's capabilities"),
    ("enseigner la chimie", "fr", "skill", "enseigner la chimie"),
    ("anaesthesia", "en", "skill", "anaesthetics"),
    ("anesthesia", "en", "skill", "anaesthetics"),
    ("comptabilité", "fr", "skill", "comptabilité"),
    ("comptabilite", "fr", "skill", "comptabilité"),
    ("teach chemistr", "en", "skill", "teach chemistry"),
    ("mathematics teachng", "en", "skill", "teach mathematics"),
    ("projet management", "en", "skill", "project management"),
    ("statisitcs", "en", "skill", "statistics"),
    ("keep up with tr", "en", "skill", "keep up with trends"),
    (
        "teaching to student capabilities adapt",
        "en",
        "skill",
        "adapt teaching to student's capabilities",
    ),
    ("ensenar quimica", "es", "skill", "enseñar química"),
    ("contabilidad", "es", "skill", "contabilidad"),
    ("accounting", "en", "skill", "accounting"),
    ("midwfe", "en", "occupation", "midwife"),
    ("pharmacst", "en", "occupation", "pharmacist"),
    ("vocational teachr", "en", "occupation", "vocational teacher"),
    ("civil enginer", "en", "occupation", "civil engineer"),
    ("agronomst", "en", "occupation", "agronomist"),
    ("primary school teachr", "en", "occupation", "primary school teacher"),
    ("electrcian", "en", "occupation", "electrician"),
    ("plumbr", "en", "occupation", "plumber"),
    ("acountant", "en", "occupation", "accountant"),
    ("urban planer", "en", "occupation", "urban planner"),
    ("comptable", "fr", "occupation", "comptable"),
]


@pytest.mark.parametrize(("text", "lang", "kind", "label"), FIRST)
def test_intended_concept_first(taxonomy, text, lang, kind, label):
    hits = taxonomy.search(text, lang=lang, kind=kind, limit=5)
    assert hits and hits[0].label == label, [h.label for h in hits]


def test_fragments_are_not_evidence(taxonomy):
    labels = [h.label for h in taxonomy.search("adapt teachng", limit=10)]
    # What the character-level partial ratio used to offer for "ng", "ada" and "ap".
    assert not {"natural gas", "computer programming", "primary care"} & set(labels)
    assert all(label.startswith("adapt") for label in labels)


def test_search_agrees_with_the_engine(taxonomy):
    for text in ("keep up with trneds", "statisitcs", "datam odels"):
        resolved = taxonomy.resolve(text)[0]
        assert taxonomy.search(text)[0].uri == resolved.uri


def test_label_in_reader_language(taxonomy):
    french = taxonomy.search("adapt teachng", lang="fr", limit=1)[0]
    english = taxonomy.search("adapt teachng", lang="en", limit=1)[0]
    assert french.uri == english.uri and french.label != english.label


@pytest.mark.parametrize("text", ["", "   ", "zzqx blorft", "qq", "!!!", "x" * 300])
def test_nonsense_and_empty_find_nothing_useful(taxonomy, text):
    assert taxonomy.search(text) == []


def test_limit_is_honoured(taxonomy):
    assert len(taxonomy.search("teach", limit=3)) == 3
    assert taxonomy.search("teach", limit=0) == []


def test_word_index_ranks_by_words_then_phrase():
    index = WordIndex(["natural gas", "adapt text culturally", "adapt teaching", "teaching"])
    keys = [m.key for m in index.match("adapt teachng")]
    assert keys[0] == "adapt teaching"
    assert "natural gas" not in keys and "teaching" not in keys  # one of two words: too weak
    assert index.match("ng") == [] and index.match("a b") == []


def test_phrase_score_is_whole_string():
    assert phrase_score("ng", "natural gas") < 50
    assert phrase_score("teaching adapt", "adapt teaching") == 100


def test_word_postings_list_every_label_holding_the_word():
    """The postings of all words live in one array; each word's run lists exactly the labels
    that hold it, once each, and a word no label holds has none."""
    keys = ["teach chemistry", "teach teach maths", "chemistry", "project management", ""]
    words = WordIndex(keys)
    for word in {w for key in keys for w in key.split()}:
        want = [i for i, key in enumerate(keys) if word in key.split()]
        assert words._postings(word).tolist() == want
    assert words._postings("biology") is None and words._postings("") is None
    assert [m.key for m in words.match("chemistry teach", limit=1)] == ["teach chemistry"]
