"""The file commands, held to shared/spec/interchange.md."""

import json

import pytest
from click.testing import CliRunner

from matching.taxonomy import Taxonomy
from placement.matching_cli import assign_command, load_command, load_taxonomy, match_command
from tests.matching.conftest import DATA, expert_dict, need_dict, write_jsonl

NURSING = ["diagnose nursing care", "plan nursing care", "infection control"]


@pytest.fixture(autouse=True)
def _no_loaded_taxonomy(tmp_path, monkeypatch):
    monkeypatch.setenv("PLACEMENT_TAXONOMY_DIR", str(tmp_path / "no-taxonomy"))


@pytest.fixture
def files(tmp_path):
    experts = [
        expert_dict("E1", skills=NURSING),
        expert_dict("E2", skills=NURSING[:2], years_experience=3),
        expert_dict("E3", skills=NURSING[:1]),
        expert_dict("E4", skills=[]),
        expert_dict("E5", skills=NURSING, origin_country="GH"),
    ]
    needs = [
        need_dict("N2", required_skills=NURSING[:2], slots=2),
        need_dict("N1", required_skills=NURSING[1:]),
        need_dict("N3", country="BF"),
    ]
    return write_jsonl(tmp_path / "experts.jsonl", experts), write_jsonl(
        tmp_path / "needs.jsonl", needs
    )


def run(command, *args):
    return CliRunner().invoke(command, [str(a) for a in args])


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_match_output_format(files, tmp_path):
    experts, needs = files
    out = tmp_path / "ranking.jsonl"
    result = run(match_command, "--experts", experts, "--needs", needs, "--top", 2, "--out", out)
    assert result.exit_code == 0, result.output
    lines = read_lines(out)
    assert [line["need_id"] for line in lines] == ["N2", "N1", "N3"]
    assert all(list(line) == ["need_id", "candidates"] for line in lines)
    assert lines[2]["candidates"] == []
    for line in lines[:2]:
        assert 1 <= len(line["candidates"]) <= 2
        for c in line["candidates"]:
            assert list(c) == ["expert_id", "score", "explanation"]
            assert isinstance(c["score"], float) and isinstance(c["explanation"], dict)
            assert c["expert_id"] not in {"E4", "E5"}
        scores = [c["score"] for c in line["candidates"]]
        assert scores == sorted(scores, reverse=True)
    assert lines[0]["candidates"][0]["expert_id"] == "E1"


def test_assign_output_format_and_scores(files, tmp_path):
    experts, needs = files
    ranking, plan = tmp_path / "r.jsonl", tmp_path / "a.jsonl"
    assert (
        run(
            match_command, "--experts", experts, "--needs", needs, "--top", 10, "--out", ranking
        ).exit_code
        == 0
    )
    result = run(assign_command, "--experts", experts, "--needs", needs, "--out", plan)
    assert result.exit_code == 0, result.output
    pairs = read_lines(plan)
    assert all(list(p) == ["need_id", "expert_id", "score"] for p in pairs)
    matched = {
        (line["need_id"], c["expert_id"]): c["score"]
        for line in read_lines(ranking)
        for c in line["candidates"]
    }
    assert all(matched[(p["need_id"], p["expert_id"])] == p["score"] for p in pairs)
    assert len({p["expert_id"] for p in pairs}) == len(pairs)
    assert sum(1 for p in pairs if p["need_id"] == "N1") <= 1
    assert len(pairs) == 3  # N2 takes two, N1 one
    assert [p["need_id"] for p in pairs] == ["N2", "N2", "N1"]  # input order
    high = run(
        assign_command, "--experts", experts, "--needs", needs, "--out", plan, "--min-score", 0.99
    )
    assert high.exit_code == 0 and plan.read_text() == ""


BAD_EXPERTS = [
    ('{"id": "E9", ', 2, "(json)"),
    ({"id": "E9", "residence_country": "NL"}, 2, "origin_country"),
    (expert_dict("E9", origin_country="XX"), 2, "origin_country"),
    (expert_dict("E9", residence_country="Sierra Leone"), 2, "residence_country"),
    (expert_dict("E9", languages=[{"code": "zz", "level": "B2"}]), 2, "languages[0].code"),
    (expert_dict("E9", languages=[{"code": "en", "level": "fluent"}]), 2, "languages[0].level"),
    (
        expert_dict("E9", availability=[{"start": "2027-05-01", "end": "2027-04-01"}]),
        2,
        "availability[0].end",
    ),
    (
        expert_dict("E9", availability=[{"start": "2027-13-01", "end": "2027-14-01"}]),
        2,
        "availability[0].start",
    ),
    (expert_dict("E9", skills="nursing"), 2, "skills"),
    (expert_dict("E1"), 2, "id"),
    ("[]", 2, "(record)"),
]
BAD_NEEDS = [
    ("{not json}", 2, "(json)"),
    ({k: v for k, v in need_dict("N9").items() if k != "title"}, 2, "title"),
    ({k: v for k, v in need_dict("N9").items() if k != "start"}, 2, "start"),
    (need_dict("N9", country="UK"), 2, "country"),
    (need_dict("N9", languages=[{"code": "eng", "level": "B2"}]), 2, "languages[0].code"),
    (need_dict("N9", start="2027-06-01", end="2027-05-01"), 2, "end"),
    (need_dict("N9", duration_weeks=30), 2, "duration_weeks"),
    (need_dict("N9", slots=0), 2, "slots"),
    (need_dict("N1"), 2, "id"),
]


@pytest.mark.parametrize("command", [match_command, assign_command])
@pytest.mark.parametrize(
    ("which", "bad", "line", "field"),
    [("experts", *case) for case in BAD_EXPERTS] + [("needs", *case) for case in BAD_NEEDS],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, command, which, bad, line, field):
    good = expert_dict("E1") if which == "experts" else need_dict("N1")
    path = write_jsonl(tmp_path / f"{which}.jsonl", [good, bad])
    other = "needs" if which == "experts" else "experts"
    other_path = write_jsonl(
        tmp_path / f"{other}.jsonl", [need_dict("N1") if other == "needs" else expert_dict("E1")]
    )
    out = tmp_path / "out.jsonl"
    args = ["--out", out, f"--{which}", path, f"--{other}", other_path]
    result = run(command, *args)
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert f"line {line}" in result.stderr and f"field {field}" in result.stderr
    assert not out.exists()
    out.write_text("previous\n")
    assert run(command, *args).exit_code == 2
    assert out.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


@pytest.mark.parametrize("command", [match_command, assign_command])
def test_missing_input_file(files, tmp_path, command):
    experts, _ = files
    out = tmp_path / "out.jsonl"
    result = run(command, "--experts", experts, "--needs", tmp_path / "nope.jsonl", "--out", out)
    assert result.exit_code == 2 and "nope.jsonl" in result.stderr
    assert not out.exists()


def test_bad_top_and_unwritable_out(files, tmp_path):
    experts, needs = files
    out = tmp_path / "out.jsonl"
    result = run(match_command, "--experts", experts, "--needs", needs, "--top", -1, "--out", out)
    assert result.exit_code == 2 and not out.exists()
    missing_dir = tmp_path / "no" / "such" / "dir.jsonl"
    result = run(match_command, "--experts", experts, "--needs", needs, "--out", missing_dir)
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_taxonomy_load_and_use(tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEWARD_MATCHING_CACHE", str(tmp_path / "cache"))
    target = tmp_path / "taxonomy"
    result = run(load_command, DATA / "esco_official", "--into", target)
    assert result.exit_code == 0, result.output
    assert "This service uses the ESCO classification" in result.output
    loaded = Taxonomy.load(target)
    assert loaded.resolve("fix solar pumps")[0].uri.endswith("test-0001")
    assert loaded.resolve("keep up with trends")  # merged into the shipped taxonomy
    monkeypatch.setenv("PLACEMENT_TAXONOMY_DIR", str(target))
    assert load_taxonomy() is loaded
    again = run(load_command, DATA / "esco_official")  # default target: config.taxonomy_dir()
    assert again.exit_code == 0, again.output


def test_taxonomy_load_bad_folder(tmp_path):
    empty = tmp_path / "download"
    empty.mkdir()
    target = tmp_path / "taxonomy"
    result = run(load_command, empty, "--into", target)
    assert result.exit_code == 2 and "no ESCO CSV files" in result.stderr
    assert not target.exists()
    (empty / "skills_en.csv").write_text("conceptUri\nhttp://x\n")
    result = run(load_command, empty, "--into", target)
    assert result.exit_code == 2 and "field preferredLabel" in result.stderr
    assert not target.exists()


def test_installed_placement_command(files, tmp_path):
    """The same commands through the real `placement` entry point, as outside evaluations run."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "placement"
    if not script.exists():
        script = Path(shutil.which("placement") or "placement")
    if not script.exists():
        pytest.skip("the placement entry point is not installed")
    experts, needs = files
    out = tmp_path / "ranking.jsonl"
    args = [str(script), "match", "--experts", str(experts), "--needs", str(needs), "--top", "3"]
    done = subprocess.run([*args, "--out", str(out)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["need_id"] for line in out.read_text().splitlines()] == [
        "N2",
        "N1",
        "N3",
    ]
    bad = write_jsonl(tmp_path / "bad.jsonl", [need_dict("N1", country="XX")])
    failed = tmp_path / "failed.jsonl"
    args = [str(script), "assign", "--experts", str(experts), "--needs", str(bad)]
    done = subprocess.run(
        [*args, "--out", str(failed)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert f"{bad}, line 1, field country" in done.stderr
    assert not failed.exists()
