"""Synthetic interchange data built from the shipped ESCO taxonomy.

``quality_set`` rebuilds a ranking test "the same way" as ``shared/data/matching-dev`` but from
other occupations (health, education, engineering, ...): each need is written from one
occupation (its title, some of its essential skills as required and desired, sometimes only as
a sentence in the description); each expert holds a noisy subset of their occupation's
essential skills (alternative labels, misspellings, a skill from an unrelated occupation, the
occupation title often missing). ``speed_set`` makes large sets for the speed benchmark.

Everything is seeded, so a set is reproducible from its arguments.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from matching.records import Expert, Language, Need, Window
from matching.taxonomy import Taxonomy

ORIGINS = ("SL", "GH", "ET", "SN", "AF", "SD")
RESIDENCES = ("NL", "CA", "GB", "FR", "DE", "US", "BE")
LEVELS = ("B2", "C1", "C2", "native")
WINDOW = {"start": "2027-01-30", "end": "2027-10-27"}
#: ISCO sub-major groups per theme, used to pick occupations outside ICT.
THEMES = {
    "health": ("22", "32"),
    "education": ("23",),
    "engineering": ("21", "31"),
    "agriculture": ("61", "92"),
    "finance": ("24", "33"),
    "ict": ("25", "35"),
}


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip: a dropped, doubled, swapped or misplaced character or space."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.choice(("drop", "double", "swap", "space"))
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    if kind == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    spaces = [j for j, c in enumerate(text) if c == " "]
    if spaces:
        j = rng.choice(spaces)
        return text[:j] + text[j + 1] + " " + text[j + 2 :]
    return text[:i] + text[i + 1 :]


@dataclass
class Noise:
    """How labels are written: share of alternative labels, of typos, of missing titles."""

    alt: float = 0.08
    typo: float = 0.18
    title: float = 0.4
    foreign: float = 0.9


class Writer:
    """Writes skill and occupation labels the way people do, with seeded noise."""

    def __init__(self, taxonomy: Taxonomy, rng: random.Random, noise: Noise) -> None:
        self.tx, self.rng, self.noise = taxonomy, rng, noise

    def label(self, uri: str) -> str:
        alts = self.tx.alternative_labels(uri)
        text = self.tx.label(uri) or ""
        if alts and self.rng.random() < self.noise.alt:
            text = self.rng.choice(alts)
        if self.rng.random() < self.noise.typo:
            text = typo(text, self.rng)
        return text


def occupations_for(taxonomy: Taxonomy, themes: tuple[str, ...], min_skills: int = 12) -> list[str]:
    """Occupations of the given themes with enough essential skills to sample from."""
    prefixes = tuple(p for t in themes for p in THEMES[t])
    return [
        uri
        for uri in taxonomy.uris("occupation")
        if (taxonomy.isco_group(uri) or "").startswith(prefixes)
        and len(taxonomy.occupation_skills(uri, "essential")) >= min_skills
    ]


def _expert(w: Writer, eid: str, occ: str, country: str, foreign_pool: list[str]) -> dict:
    rng, tx = w.rng, w.tx
    essential = tx.occupation_skills(occ, "essential")
    skills = [w.label(s) for s in rng.sample(essential, min(len(essential), rng.randint(3, 10)))]
    if rng.random() < w.noise.foreign:
        skills.insert(rng.randrange(len(skills) + 1), w.label(rng.choice(foreign_pool)))
    residence = country if rng.random() < 0.015 else rng.choice(RESIDENCES)
    record: dict[str, Any] = {
        "id": eid,
        "origin_country": country,
        "residence_country": residence,
        "languages": [{"code": "en", "level": rng.choice(LEVELS)}],
        "skills": skills,
        "availability": [WINDOW],
        "years_experience": rng.randint(1, 25),
    }
    if rng.random() < w.noise.title:
        record["occupation"] = w.label(occ)
    return record


def _need(w: Writer, nid: str, occ: str, country: str) -> dict:
    rng, tx = w.rng, w.tx
    essential = tx.occupation_skills(occ, "essential")
    picked = rng.sample(essential, min(len(essential), rng.randint(3, 8)))
    n_req = rng.choice((0, 0, 3, 4, 5))
    required = [w.label(s) for s in picked[:n_req]]
    desired = [w.label(s) for s in picked[n_req : n_req + rng.randint(0, 3)]]
    listed = required or [w.label(s) for s in picked[:5]]
    return {
        "id": nid,
        "institution": f"Institution {nid}",
        "country": country,
        "title": w.label(occ),
        "required_skills": required,
        "desired_skills": desired,
        "description": "We are looking for someone who can " + ", ".join(listed) + ".",
        "languages": [{"code": "en", "level": "B2"}],
        "start": "2027-03-01",
        "end": "2027-06-29",
        "duration_weeks": rng.randint(3, 12),
        "slots": 1,
    }


def quality_set(
    taxonomy: Taxonomy,
    themes: tuple[str, ...],
    seed: int = 0,
    n_occupations: int = 50,
    noise: Noise | None = None,
) -> tuple[list[dict], list[dict], list[dict]]:
    """A dev-like set: (experts, needs, qrels) with ``relevant`` = every eligible expert of
    the need's occupation."""
    rng = random.Random(seed)
    w = Writer(taxonomy, rng, noise or Noise())
    pool = occupations_for(taxonomy, themes)
    chosen = rng.sample(pool, min(n_occupations, len(pool)))
    others = [o for o in taxonomy.uris("occupation") if o not in set(chosen)]
    foreign_pool = sorted(
        {s for o in rng.sample(others, 200) for s in taxonomy.occupation_skills(o, "essential")}
    )
    experts: list[dict] = []
    needs: list[dict] = []
    expert_occ: dict[str, str] = {}
    for occ in chosen:
        for _ in range(rng.choice((1, 2, 2, 3))):
            country = rng.choice(ORIGINS)
            needs.append({**_need(w, f"N{len(needs) + 1:04d}", occ, country), "_occupation": occ})
            for _ in range(rng.randint(2, 8)):
                eid = f"E{len(experts) + 1:05d}"
                experts.append(_expert(w, eid, occ, country, foreign_pool))
                expert_occ[eid] = occ
        for _ in range(rng.randint(1, 4)):  # same occupation, other countries
            eid = f"E{len(experts) + 1:05d}"
            experts.append(_expert(w, eid, occ, rng.choice(ORIGINS), foreign_pool))
            expert_occ[eid] = occ
    rng.shuffle(experts)
    qrels = []
    for need in needs:
        occ = need.pop("_occupation")
        relevant = sorted(
            e["id"]
            for e in experts
            if expert_occ[e["id"]] == occ
            and e["origin_country"] == need["country"]
            and e["residence_country"] != need["country"]
        )
        qrels.append({"need_id": need["id"], "occupation": occ, "relevant": relevant})
    return experts, needs, qrels


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


SPEED_COUNTRIES = (
    "SL",
    "GH",
    "ET",
    "SN",
    "AF",
    "SD",
    "NG",
    "KE",
    "SO",
    "ML",
    "CD",
    "CM",
    "MA",
    "TN",
    "IQ",
    "SY",
    "YE",
    "HT",
    "PH",
    "BD",
)
SPEED_RESIDENCES = ("NL", "CA", "GB", "FR", "DE", "US", "BE", "SE", "IT", "ES", "AE", "AU")
REGIONS = ("North", "South", "East", "West", "Capital", "Central")


def speed_set(
    taxonomy: Taxonomy,
    n_experts: int,
    n_needs: int,
    seed: int = 0,
    n_countries: int = 20,
    typo_rate: float = 0.02,
) -> tuple[list[Expert], list[Need]]:
    """Large synthetic sets for the speed benchmark, as records (no JSON round trip)."""
    rng = random.Random(seed)
    w = Writer(taxonomy, rng, Noise(alt=0.1, typo=typo_rate, title=0.5, foreign=0.5))
    occupations = [
        o
        for o in taxonomy.uris("occupation")
        if len(taxonomy.occupation_skills(o, "essential")) >= 5
    ]
    countries = SPEED_COUNTRIES[:n_countries]
    all_skills = taxonomy.uris("skill")
    start = date(2027, 1, 1)
    experts = []
    for i in range(n_experts):
        occ = rng.choice(occupations)
        skills = taxonomy.occupation_skills(occ)
        picked = rng.sample(skills, min(len(skills), rng.randint(3, 12)))
        if rng.random() < 0.5:
            picked.append(rng.choice(all_skills))
        offset = rng.randint(0, 300)
        experts.append(
            Expert(
                id=f"E{i:06d}",
                origin_country=rng.choice(countries),
                residence_country=rng.choice(SPEED_RESIDENCES),
                languages=(Language("en", rng.choice(LEVELS)),)
                + ((Language("fr", rng.choice(LEVELS)),) if rng.random() < 0.3 else ()),
                occupation=w.label(occ) if rng.random() < 0.5 else None,
                skills=tuple(w.label(s) for s in picked),
                years_experience=float(rng.randint(0, 30)) if rng.random() < 0.9 else None,
                availability=(
                    Window(
                        start + timedelta(days=offset),
                        start + timedelta(days=offset + rng.randint(30, 365)),
                    ),
                ),
                origin_region=rng.choice(REGIONS) if rng.random() < 0.5 else None,
            )
        )
    needs = []
    quiet = Writer(taxonomy, rng, Noise(alt=0.1, typo=0.0))
    for i in range(n_needs):
        occ = rng.choice(occupations)
        essential = taxonomy.occupation_skills(occ, "essential")
        picked = [quiet.label(s) for s in rng.sample(essential, min(len(essential), 6))]
        offset = rng.randint(0, 300)
        weeks = rng.randint(2, 12)
        needs.append(
            Need(
                id=f"N{i:05d}",
                institution=f"Institution {i}",
                country=rng.choice(countries),
                title=quiet.label(occ),
                start=start + timedelta(days=offset),
                end=start + timedelta(days=offset + weeks * 7 + rng.randint(0, 90)),
                duration_weeks=weeks,
                slots=rng.choice((1, 1, 1, 2, 3)),
                region=rng.choice(REGIONS) if rng.random() < 0.5 else None,
                description="We are looking for someone who can " + ", ".join(picked[3:]) + ".",
                required_skills=tuple(picked[:3]),
                desired_skills=tuple(picked[3:5]),
                languages=(Language("en", "B2"),) if rng.random() < 0.8 else (),
            )
        )
    return experts, needs
