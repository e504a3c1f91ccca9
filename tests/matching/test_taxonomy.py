import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import matching
from matching.esco_import import import_official, read_dir, write_dir
from matching.taxonomy import ATTRIBUTION, Taxonomy, normalise
from tests.matching.conftest import DATA

NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"
TRENDS = "http://data.europa.eu/esco/skill/efda73b4-5212-40a7-b2f8-d2f754ffdf2b"
DATA_MODELS = "http://data.europa.eu/esco/skill/fecf8a0d-62c4-4e71-9b03-0f4fc2ad7bf5"


def best(taxonomy, text, **kw):
    found = taxonomy.resolve(text, **kw)
    assert found, text
    return found[0]


def test_normalise():
    assert normalise("  Réaliser  l'Audit!  ") == "realiser l audit"
    assert normalise("C++ / C#") == "c++ c#"


def test_resolve_uri(taxonomy):
    r = best(taxonomy, TRENDS)
    assert (r.uri, r.method, r.confidence) == (TRENDS, "uri", 1.0)
    assert r.label == "keep up with trends"
    assert taxonomy.resolve(NURSE) == []  # an occupation URI is not a skill


def test_resolve_preferred_alternative_and_french(taxonomy):
    preferred = best(taxonomy, "Keep up with trends")
    assert (preferred.uri, preferred.method) == (TRENDS, "label")
    alternative = best(taxonomy, "follow trends")
    assert alternative.uri == TRENDS and alternative.method == "alt_label"
    french = best(taxonomy, "suivre les tendances")
    assert french.uri == TRENDS and french.lang == "fr"


def test_resolve_typos(taxonomy):
    typo = best(taxonomy, "keep up with trneds")
    assert (typo.uri, typo.method) == (TRENDS, "fuzzy")
    assert 0.8 < typo.confidence < 1.0
    swapped = best(taxonomy, "statisitcs")
    assert (swapped.label, swapped.method) == ("statistics", "fuzzy")
    spacing = best(taxonomy, "datam odels")
    assert (spacing.uri, spacing.method) == (DATA_MODELS, "spacing")


def test_unresolved_and_short_strings(taxonomy):
    assert taxonomy.resolve("zzqx blorft wibble") == []
    assert taxonomy.resolve("") == []


def test_occupations_and_isco(taxonomy):
    nurse = best(taxonomy, "infirmier de soins généraux", kind="occupation")
    assert nurse.uri == NURSE
    assert taxonomy.label(NURSE, "fr").startswith("infirmier")
    assert taxonomy.label(NURSE, "xx") == taxonomy.label(NURSE)
    assert taxonomy.isco_group(NURSE) == "2221"
    assert taxonomy.isco_major_group(NURSE) == "2"
    assert taxonomy.isco_parents(NURSE) == ["2", "22", "222", "2221"]
    assert taxonomy.isco_label("22") == "Health professionals"
    assert len(taxonomy.occupation_skills(NURSE, "essential")) > 10


def test_extract_from_sentence(taxonomy):
    found = taxonomy.extract("We need someone who can keep up with trneds, and data models.")
    assert {TRENDS, DATA_MODELS} <= {r.uri for r in found}


def test_search_multilingual(taxonomy):
    hits = taxonomy.search("infirmier de soins", lang="fr", kind="occupation")
    assert hits[0].uri == NURSE
    english = taxonomy.search("infirmier de soins", lang="en", kind="occupation")
    assert english[0].label == "nurse responsible for general care"
    prefix = taxonomy.search("keep up with tr", limit=3)
    assert prefix[0].uri == TRENDS
    assert taxonomy.search("") == []


def test_load_is_cached(taxonomy):
    assert Taxonomy.load() is taxonomy


def test_attribution_shipped():
    readme = (DATA.parents[2] / "matching" / "data" / "README.md").read_text(encoding="utf-8")
    assert ATTRIBUTION in readme


def test_import_official_download(tmp_path, taxonomy, monkeypatch):
    monkeypatch.setenv("HOMEWARD_MATCHING_CACHE", str(tmp_path / "cache"))
    data, counts = import_official(DATA / "esco_official")
    assert counts == {
        "ISCOGroups_en.csv": 1,
        "occupationSkillRelations_en.csv": 2,
        "occupations_en.csv": 1,
        "skills_en.csv": 2,
        "skills_fr.csv": 2,
    }
    target = write_dir(data, tmp_path / "taxonomy")
    loaded = Taxonomy.load(target)
    pump = "http://data.europa.eu/esco/skill/test-0001"
    assert best(loaded, "service solar water pumps").uri == pump
    assert best(loaded, "réparer des pompes à eau solaires").uri == pump
    assert loaded.alternative_labels(pump) == ("fix solar pumps", "service solar water pumps")
    occupation = "http://data.europa.eu/esco/occupation/test-occ-1"
    assert loaded.occupation_skills(occupation, "essential") == [pump]
    assert loaded.isco_group(occupation) == "7126"
    assert loaded.isco_label("7126") == "Plumbers and pipe fitters"


def test_import_merges_into_base(tmp_path):
    base = read_dir(Path(matching.__file__).parent / "data")
    before = len(base.concepts)
    data, _ = import_official(DATA / "esco_official", base)
    assert len(data.concepts) == before + 3  # the ISCO group 7126 was already there
    assert ("http://data.europa.eu/esco/skill/test-0002", "fr") in data.labels


def test_import_rejects_folder_without_esco_files(tmp_path):
    from matching.esco_import import TaxonomyImportError

    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(TaxonomyImportError, match="no ESCO CSV files"):
        import_official(tmp_path)


def test_import_rejects_missing_column(tmp_path):
    from matching.esco_import import TaxonomyImportError

    (tmp_path / "skills_en.csv").write_text("conceptUri,label\nhttp://x,y\n")
    with pytest.raises(TaxonomyImportError) as info:
        import_official(tmp_path)
    assert info.value.field == "preferredLabel" and info.value.line == 1


def test_misspelt_labels_resolve_as_a_search_of_the_whole_pool(taxonomy):
    """The fuzzy lookup cuts each pool to the lengths that can match and searches the two
    apart; it finds what one search of their union, in label order, finds."""
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import OSA

    from benchmarks.generate import typo

    label_index = taxonomy._index["skill"]
    choices, lengths = label_index.choices, label_index.lengths
    heads, tails = defaultdict(list), defaultdict(list)
    for i, key in enumerate(choices):
        heads[key[:3]].append(i)
        tails[key[-3:]].append(i)

    def reference(query: str):
        n = len(query)
        if n < 6:
            return None
        empty = np.zeros(0, dtype=np.int64)
        pool = np.union1d(heads.get(query[:3], empty), tails.get(query[-3:], empty))
        pool = pool[(lengths[pool] >= n * 0.7) & (lengths[pool] <= n * 1.4 + 1)]
        found = [choices[i] for i in pool.tolist()]
        best = process.extractOne(
            query, found, scorer=fuzz.ratio, score_cutoff=92 if n < 12 else 85
        )
        if best is None:
            swap = process.extractOne(
                query, found, scorer=OSA.distance, score_cutoff=1 if n < 12 else 2
            )
            best = (swap[0], fuzz.ratio(query, swap[0])) if swap else None
        return (best[0], best[1]) if best else None

    rng = random.Random(5)
    queries = [typo(rng.choice(choices), rng) for _ in range(400)]
    queries += ["managge", "statisitcs", "xx", "zzqxzzqx", "perform surgery"]
    assert label_index.fuzzy(queries) == [reference(q) for q in queries]


def test_every_label_reads_back_as_the_data_states_it(taxonomy):
    """The compact label store gives each concept's labels exactly as the taxonomy's files
    state them, in every language, and nothing for a language a concept has no label in."""
    data = read_dir(Path(str(matching.__file__)).parent / "data")
    for (uri, lang), (preferred, alternatives) in data.labels.items():
        if taxonomy.kind(uri) is None:
            continue
        assert taxonomy.label_in(uri, lang) == preferred
        assert taxonomy.alternative_labels(uri, lang) == tuple(alternatives)
    uri = next(u for u in taxonomy.uris("skill") if taxonomy.label_in(u, "fr"))
    assert taxonomy.label_in(uri, "xx") is None and taxonomy.alternative_labels(uri, "xx") == ()
    assert taxonomy.label(uri, "xx") == taxonomy.label_in(uri, "en")
    assert taxonomy.label("http://data.europa.eu/esco/skill/none", "en") is None


def test_labels_equal_ignoring_spaces_are_all_found_in_index_order(taxonomy):
    """The spacing lookup keeps hashes, not strings: it finds every label equal once spaces
    are removed (and only those), in the order of the label index."""
    label_index = taxonomy._index["skill"]
    by_spaceless = defaultdict(tuple)
    for key, codes in label_index.codes.items():
        by_spaceless[key.replace(" ", "")] += codes
    rng = random.Random(3)
    for short in rng.sample(sorted(by_spaceless), 2000):
        assert label_index.spaceless(short) == by_spaceless[short]
    assert label_index.spaceless("zzqxnolabelzzqx") == ()
    found = taxonomy.resolve("projectmanag ement")
    assert found and found[0].method == "spacing"
