"""The occupation space: prose read as the ESCO occupations it is about, in any language the
taxonomy has labels in."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from matching.engine import Matcher
from matching.esco_import import import_official, read_dir, write_dir
from matching.records import expert_from_dict, need_from_dict
from matching.semantic import TOP, OccupationSpace
from matching.taxonomy import Taxonomy
from tests.matching.conftest import DATA, expert_dict, need_dict

NURSE_EN = (
    "Ten years on a surgical ward: I cared for patients after operations, gave medication "
    "and supervised the night shift of nursing assistants."
)
NURSE_FR = (
    "Infirmière en service de chirurgie : soins aux patients opérés, administration des "
    "médicaments et encadrement des aides-soignants."
)
ROADS = (
    "Civil engineer who designed bridges and supervised road construction sites, checking "
    "concrete quality and the contractors' schedules."
)


def cosine(a: dict[int, float], b: dict[int, float]) -> float:
    return sum(w * b.get(c, 0.0) for c, w in a.items())


def labels(taxonomy: Taxonomy, vector: dict[int, float]) -> list[str]:
    uris = taxonomy.uris("occupation")
    ranked = sorted(vector, key=lambda c: -vector[c])
    return [taxonomy.label(uris[c]) or "" for c in ranked]


def test_prose_reads_as_its_occupation(taxonomy):
    space = taxonomy.occupation_space()
    nurse = space.project([NURSE_EN])
    assert 0 < len(nurse) <= TOP
    assert np.isclose(sum(w * w for w in nurse.values()), 1.0)
    assert any("nurse" in label for label in labels(taxonomy, nurse)[:3])
    roads = labels(taxonomy, space.project([ROADS]))[:3]
    assert any(word in label for label in roads for word in ("bridge", "road", "civil engineer"))


def test_french_and_english_meet_in_the_same_space(taxonomy):
    """No shared word, same occupation: the French nurse is closer to the English nurse than
    the English road engineer is."""
    space = taxonomy.occupation_space()
    en, fr, roads = (space.project([t]) for t in (NURSE_EN, NURSE_FR, ROADS))
    assert cosine(en, fr) > 0.3
    assert cosine(en, fr) > 2 * cosine(roads, fr)


def test_title_is_weighed_on_its_own(taxonomy):
    space = taxonomy.occupation_space()
    body = "Plan the work of the unit and report to the director every month."
    plain = space.project([body])
    titled = space.project([body], title="Pharmacist")
    assert titled != plain
    assert any("pharmacist" in label for label in labels(taxonomy, titled)[:3])


def test_nothing_to_read_gives_no_vector(taxonomy):
    space = taxonomy.occupation_space()
    assert space.project([]) == {}
    assert space.project(["", "   "]) == {}
    assert space.project(["12 34 56"]) == {}
    # Arabic prose and a taxonomy with no Arabic labels: no anchors, no vector (the prose
    # channel still reads it).
    assert "ar" not in space.languages
    assert space.project(["ممرضة في قسم الجراحة لمدة عشر سنوات"]) == {}


def test_projection_depends_on_the_text_only(taxonomy):
    space = taxonomy.occupation_space()
    assert space.project([NURSE_EN]) == space.project([NURSE_EN])
    assert space.project([NURSE_EN, ""]) == space.project([NURSE_EN])


def test_engine_ranks_prose_by_what_it_is_about(taxonomy):
    """Needs and CVs in different words: the semantic component is there, it is explained,
    and it puts the nurse first for a nursing need written in French."""
    experts = [
        expert_from_dict(expert_dict("E1", skills=[], summary=NURSE_EN)),
        expert_from_dict(expert_dict("E2", skills=[], summary=ROADS)),
    ]
    need = need_from_dict(
        need_dict(
            "N1",
            title="Infirmier de bloc opératoire",
            description="Soigner les patients après les opérations et former les aides-soignants.",
            required_skills=[],
            desired_skills=[],
            languages=[{"code": "en", "level": "B2"}],
        )
    )
    matcher = Matcher().fit(experts, [need], taxonomy)
    ranking = matcher.rank_experts("N1", k=2)
    assert ranking[0].expert_id == "E1"
    explained = matcher.explain("E1", "N1")
    assert explained["components"]["semantic"] > 0.3
    assert explained["semantic"]["shared"]
    assert "semantic" in explained["evidence"]["carried_by"]


def test_descriptions_round_trip_and_feed_the_anchors(tmp_path: Path, monkeypatch):
    """An official download's occupation descriptions are kept by ``placement taxonomy load``
    and read by the occupation space; a folder without them still loads."""
    monkeypatch.setenv("HOMEWARD_MATCHING_CACHE", str(tmp_path / "cache"))
    data, _ = import_official(DATA / "esco_official")
    occupation = "http://data.europa.eu/esco/occupation/test-occ-1"
    assert data.descriptions[(occupation, "en")] == "Installs and repairs solar pumps."
    folder = write_dir(data, tmp_path / "taxonomy")
    assert (folder / "descriptions.tsv.gz").is_file()
    assert read_dir(folder).descriptions == data.descriptions
    loaded = Taxonomy.load(folder)
    assert loaded.description(occupation) == "Installs and repairs solar pumps."
    space = OccupationSpace.build(loaded)
    column = loaded.position(occupation, kind="occupation")
    assert column in space.project(["I install and repair solar water pumps in villages."])
    (folder / "descriptions.tsv.gz").unlink()
    assert read_dir(folder).descriptions == {}


def test_shipped_taxonomy_has_descriptions(taxonomy):
    nurse = next(u for u in taxonomy.uris("occupation") if taxonomy.label(u) == "specialist nurse")
    assert taxonomy.description(nurse, "en")
    assert taxonomy.description(nurse, "fr")
    assert set(taxonomy.occupation_space().languages) == {"en", "fr", "es"}
