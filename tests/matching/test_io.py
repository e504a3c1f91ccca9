import pytest

from matching.io import InterchangeError, read_experts, read_needs
from tests.matching.conftest import expert_dict, need_dict, write_jsonl


def test_reads_in_order_and_skips_blank_lines(tmp_path):
    path = write_jsonl(tmp_path / "e.jsonl", [expert_dict("B"), "", "   ", expert_dict("A")])
    assert [e.id for e in read_experts(path)] == ["B", "A"]


def test_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "n.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + write_jsonl(tmp_path / "x", [need_dict()]).read_bytes())
    assert read_needs(path)[0].id == "N1"


@pytest.mark.parametrize(
    ("lines", "line", "field"),
    [
        ([expert_dict("A"), '{"id": "B",'], 2, "(json)"),
        ([expert_dict("A"), "[1]"], 2, "(record)"),
        (
            ["", {k: v for k, v in expert_dict().items() if k != "origin_country"}],
            2,
            "origin_country",
        ),
        ([expert_dict(origin_country="QQ")], 1, "origin_country"),
        ([expert_dict(languages=[{"code": "qq", "level": "B1"}])], 1, "languages[0].code"),
        ([expert_dict("A"), expert_dict("B"), expert_dict("A")], 3, "id"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path, lines, line, field):
    path = write_jsonl(tmp_path / "experts.jsonl", lines)
    with pytest.raises(InterchangeError) as info:
        read_experts(path)
    assert (info.value.line, info.value.field) == (line, field)
    message = str(info.value)
    assert str(path) in message and f"line {line}" in message and f"field {field}" in message


def test_duplicate_message_points_to_first(tmp_path):
    path = write_jsonl(tmp_path / "n.jsonl", [need_dict("N1"), need_dict("N1")])
    with pytest.raises(InterchangeError, match="first on line 1"):
        read_needs(path)


def test_invalid_utf8(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_bytes(b'{"id": "\xff"}\n')
    with pytest.raises(InterchangeError) as info:
        read_experts(path)
    assert info.value.line == 1


def test_missing_file(tmp_path):
    with pytest.raises(InterchangeError, match="cannot open"):
        read_experts(tmp_path / "nope.jsonl")
