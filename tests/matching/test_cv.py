"""Sections and ESCO suggestions from hand-written CV and terms-of-reference snippets."""

from __future__ import annotations

import pytest

from matching.cv import Suggestion, detect_language, find_sections, suggest_from_text
from matching.esco_import import TaxonomyData
from matching.taxonomy import Taxonomy

MANAGE_BUDGETS = "http://data.europa.eu/esco/skill/TEST-manage-budgets"
TEACH_CHEMISTRY = "http://data.europa.eu/esco/skill/TEST-teach-chemistry"
CHEMISTRY_TEACHER = "http://data.europa.eu/esco/occupation/TEST-chemistry-teacher"

EN_CV = """Jane Doe
PROFILE
Secondary school teacher with ten years in Freetown.
1. Work experience:
2015-2023 Chemistry teacher, Albert Academy
Taught chemistry to secondary school students and managed budgets for the science department.
2. Education
BSc Chemistry, University of Sierra Leone
3. Skills: project management, adapt teaching to students' capabilities
LANGUAGES
English (native), French (B2)
"""

FR_CV = """EXPÉRIENCE PROFESSIONNELLE
Infirmière de soins généraux, Hôpital de Conakry (2012-2020)
FORMATION
Diplôme d'État d'infirmier
Compétences :
gestion de projets, comptabilité
Langues
Français, anglais
"""

ES_CV = """Experiencia laboral
Contable en una empresa de Madrid.
Formación académica
Licenciatura en economía
HABILIDADES
gestión de proyectos, contabilidad
Idiomas: español, inglés
"""

AR_CV = """الخبرات المهنية
مدرس كيمياء في مدرسة ثانوية، قمت بتدريس الكيمياء للطلاب وإدارة الميزانيات.
التعليم
بكالوريوس في الكيمياء
المهارات:
إدارة الميزانيات، Python
اللغات
العربية، الإنجليزية
"""


@pytest.fixture(scope="module")
def arabic() -> Taxonomy:
    """A few concepts with Arabic labels, as an official Arabic ESCO download would bring."""
    data = TaxonomyData()
    for uri, kind in (
        (MANAGE_BUDGETS, "skill"),
        (TEACH_CHEMISTRY, "skill"),
        (CHEMISTRY_TEACHER, "occupation"),
    ):
        data.concepts[uri] = (kind, "2330" if kind == "occupation" else "", "", "")
    data.labels[(MANAGE_BUDGETS, "en")] = ("manage budgets", ())
    data.labels[(MANAGE_BUDGETS, "ar")] = ("إدارة الميزانيات", ())
    data.labels[(TEACH_CHEMISTRY, "en")] = ("teach chemistry", ())
    data.labels[(TEACH_CHEMISTRY, "ar")] = ("تدريس الكيمياء", ())
    data.labels[(CHEMISTRY_TEACHER, "en")] = ("chemistry teacher", ())
    data.labels[(CHEMISTRY_TEACHER, "ar")] = ("مدرس كيمياء", ("معلم كيمياء",))
    return Taxonomy(data)


def _names(text: str) -> list[str | None]:
    return [s.name for s in find_sections(text)]


def _labels(found: list[Suggestion]) -> dict[str, Suggestion]:
    return {s.label: s for s in found}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (EN_CV, [None, "summary", "experience", "education", "skills", "languages"]),
        (FR_CV, ["experience", "education", "skills", "languages"]),
        (ES_CV, ["experience", "education", "skills", "languages"]),
        (AR_CV, ["experience", "education", "skills", "languages"]),
    ],
    ids=["en", "fr", "es", "ar"],
)
def test_sections_in_four_languages(text: str, expected: list[str | None]) -> None:
    assert _names(text) == expected


def test_heading_with_numbering_colon_and_content_on_the_same_line() -> None:
    sections = find_sections("II) SKILLS : Python, SQL\n- Expérience professionnelle -\nx")
    assert [(s.name, s.lines) for s in sections] == [
        ("skills", ("Python, SQL",)),
        ("experience", ("x",)),
    ]


def test_a_sentence_that_starts_like_a_heading_is_not_one() -> None:
    sections = find_sections("Experience in managing budgets for ten years\nSkills")
    assert [(s.name, s.lines) for s in sections] == [
        (None, ("Experience in managing budgets for ten years",)),
        ("skills", ()),
    ]


def test_text_on_one_line_still_has_sections() -> None:
    text = (
        "Jane Doe, teacher in Freetown for ten years with a passion for science. "
        "WORK EXPERIENCE Chemistry teacher at Albert Academy from 2015 to 2023, teaching "
        "chemistry. EDUCATION BSc in Chemistry from the University of Sierra Leone. "
        "Skills: project management, manage budgets"
    )
    assert _names(text) == [None, "experience", "education", "skills"]


def test_terms_of_reference_sections() -> None:
    tor = "Background\nThe ministry...\nDuties and responsibilities\nManage budgets\nRequirements:"
    assert _names(tor)[-2:] == ["duties", "skills"]


@pytest.mark.parametrize(
    ("text", "lang"), [(EN_CV, "en"), (FR_CV, "fr"), (ES_CV, "es"), (AR_CV, "ar")]
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_english_prose_skills_and_occupation(taxonomy: Taxonomy) -> None:
    found = _labels(suggest_from_text(EN_CV, taxonomy))
    budgets = found["manage budgets"]  # "managed budgets" inside a sentence
    assert budgets.kind == "skill" and budgets.section == "experience"
    assert budgets.sentence.startswith("Taught chemistry to secondary school students")
    assert found["teach chemistry"].kind == "skill"  # "taught" in its dictionary form
    assert found["project management"].section == "skills"
    assert found["adapt teaching to student's capabilities"].section == "skills"
    assert found["secondary school teacher"].kind == "occupation"
    assert all(0.0 < s.confidence <= 1.0 for s in found.values())


def test_french_prose(taxonomy: Taxonomy) -> None:
    found = suggest_from_text(FR_CV, taxonomy, label_language="fr")
    by_label = _labels(found)
    assert by_label["gestion de projets"].section == "skills"
    assert by_label["comptabilité"].kind == "skill"
    occupations = [s for s in found if s.kind == "occupation"]
    assert any(s.label.startswith("infirmier de soins généraux") for s in occupations)
    english = _labels(suggest_from_text(FR_CV, taxonomy, label_language="en"))
    assert "project management" in english  # the same concept, labelled for the reader


def test_spanish_prose(taxonomy: Taxonomy) -> None:
    found = _labels(suggest_from_text(ES_CV, taxonomy, label_language="es"))
    assert found["gestión de proyectos"].section == "skills"
    assert found["contabilidad"].kind == "skill"
    assert found["contable"].kind == "occupation"


def test_arabic_prose_with_arabic_labels(arabic: Taxonomy) -> None:
    found = suggest_from_text(AR_CV, arabic)
    by_uri = {s.uri: s for s in found}
    assert by_uri[MANAGE_BUDGETS].label == "إدارة الميزانيات"
    assert by_uri[MANAGE_BUDGETS].section == "skills"  # also in prose; the skills list wins
    assert by_uri[TEACH_CHEMISTRY].section == "experience"  # "بتدريس": the clitic is dropped
    assert by_uri[CHEMISTRY_TEACHER].kind == "occupation"
    assert by_uri[TEACH_CHEMISTRY].sentence.startswith("مدرس كيمياء")
    assert suggest_from_text(AR_CV, arabic, label_language="en")[0].label in {
        "manage budgets",
        "teach chemistry",
        "chemistry teacher",
    }


def test_arabic_without_arabic_labels_finds_only_latin_terms(taxonomy: Taxonomy) -> None:
    found = suggest_from_text(AR_CV, taxonomy)
    assert [s.label for s in found if s.kind == "skill"] == ["Python (computer programming)"]


def test_confidence_follows_section_and_match_quality(taxonomy: Taxonomy) -> None:
    listed = suggest_from_text("Skills\nmanage budgets", taxonomy)[0]
    in_prose = suggest_from_text("Experience\nI managed budgets for the school.", taxonomy)[0]
    in_education = suggest_from_text("Education\nA course to manage budgets", taxonomy)[0]
    assert listed.uri == in_prose.uri == in_education.uri
    assert listed.confidence > in_prose.confidence
    assert listed.confidence > in_education.confidence
    found = suggest_from_text(EN_CV, taxonomy)
    assert [s.confidence for s in found] == sorted((s.confidence for s in found), reverse=True)


def test_repeated_mentions_raise_the_confidence(taxonomy: Taxonomy) -> None:
    once = suggest_from_text("Experience\nI managed budgets.", taxonomy)[0]
    twice = suggest_from_text(
        "Experience\nI managed budgets.\nLater I managed budgets again.", taxonomy
    )[0]
    assert once.uri == twice.uri and twice.confidence > once.confidence


def test_ambiguous_words_count_less(arabic: Taxonomy) -> None:
    data = TaxonomyData()
    for uri in ("http://x/skill/a", "http://x/skill/b", "http://x/skill/c"):
        data.concepts[uri] = ("skill", "", "", "")
    data.labels[("http://x/skill/a", "en")] = ("nursing care", ())
    data.labels[("http://x/skill/b", "en")] = ("nursing care", ())
    data.labels[("http://x/skill/c", "en")] = ("manage budgets", ())
    found = {
        s.uri: s for s in suggest_from_text("Skills\nnursing care\nmanage budgets", Taxonomy(data))
    }
    assert found["http://x/skill/a"].confidence < found["http://x/skill/c"].confidence


def test_fragments_under_three_letters_are_never_matched_alone() -> None:
    data = TaxonomyData()
    for uri, label in (
        ("http://x/skill/r", "R"),
        ("http://x/skill/go", "Go"),
        ("http://x/skill/sql", "SQL"),
    ):
        data.concepts[uri] = ("skill", "", "", "")
        data.labels[(uri, "en")] = (label, ())
    small = Taxonomy(data)
    found = suggest_from_text("Skills\nR, Go, SQL\nI go to work and use R daily.", small)
    assert [s.label for s in found] == ["SQL"]


def test_typo_in_a_skills_list(taxonomy: Taxonomy) -> None:
    found = _labels(suggest_from_text("Skills\nproject managment, manage budgtes", taxonomy))
    assert {"project management", "manage budgets"} <= set(found)


def test_terms_of_reference_give_required_skills(taxonomy: Taxonomy) -> None:
    tor = (
        "Terms of reference\nThe consultant will manage budgets of the district health office.\n"
        "Requirements\nproject management"
    )
    found = _labels(suggest_from_text(tor, taxonomy))
    assert found["manage budgets"].section == "duties"
    assert found["project management"].section == "skills"


def test_empty_and_unrelated_text(taxonomy: Taxonomy) -> None:
    assert suggest_from_text("", taxonomy) == []
    assert find_sections("") == []
    assert suggest_from_text("zzqx blorft wibble\n12 34", taxonomy) == []


def test_limit_and_kinds(taxonomy: Taxonomy) -> None:
    assert len(suggest_from_text(EN_CV, taxonomy, limit=2)) == 2
    assert {s.kind for s in suggest_from_text(EN_CV, taxonomy, kinds=("skill",))} == {"skill"}
