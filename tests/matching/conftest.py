"""Shared fixtures for the matching tests: the shipped taxonomy (loaded once) and record
factories that write interchange records as plain dicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matching.taxonomy import Taxonomy

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def expert_dict(id: str = "E1", **fields: Any) -> dict[str, Any]:
    """A valid, eligible-for-SL expert record; override any field."""
    record: dict[str, Any] = {
        "id": id,
        "origin_country": "SL",
        "residence_country": "NL",
        "languages": [{"code": "en", "level": "C1"}],
        "skills": ["manage nursing staff", "administer medication"],
        "availability": [{"start": "2027-01-01", "end": "2027-12-31"}],
        "years_experience": 10,
    }
    record.update(fields)
    return record


def need_dict(id: str = "N1", **fields: Any) -> dict[str, Any]:
    """A valid need in Sierra Leone; override any field."""
    record: dict[str, Any] = {
        "id": id,
        "institution": "Connaught Hospital",
        "country": "SL",
        "title": "nurse responsible for general care",
        "required_skills": ["administer medication"],
        "desired_skills": [],
        "languages": [{"code": "en", "level": "B2"}],
        "start": "2027-03-01",
        "end": "2027-06-30",
        "duration_weeks": 8,
        "slots": 1,
    }
    record.update(fields)
    return record


def write_jsonl(path: Path, records: list[Any]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
