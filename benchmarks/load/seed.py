"""Load a scratch database with many experts, fast (bulk inserts, not the ORM one by one),
plus one verified host institution with an open need, for the load test.

    .venv/bin/python benchmarks/load/seed.py --experts 100000 --database-url sqlite:////tmp/x.db

Experts come from six countries of origin (a sixth of them from the need's country, so about
16,700 candidates are ranked for it at 100,000), live abroad, speak English, hold three to five
health skills, mostly have a window covering the need and mostly consent to sharing. Prints the
host's login and the need's page as JSON on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

ORIGINS = ("SL", "GH", "ET", "SN", "AF", "SD")
RESIDENCES = ("NL", "CA", "GB", "FR", "DE", "US", "BE")
SKILLS = (
    "perform clinical examination",
    "triage patients",
    "manage emergency care situations",
    "administer medication",
    "train health care staff",
    "perform resuscitation",
    "diagnose illnesses",
    "assist in childbirth",
    "provide first aid",
    "keep patient records",
    "apply infection control measures",
    "teach nursing practice",
)
OCCUPATIONS = ("general practitioner", "nurse", "midwife", "emergency physician", "paramedic")
HOST_PASSWORD = "load test host password 2026"  # noqa: S105 (a scratch database)
CHUNK = 5000


def _rows(n: int, rng: random.Random, start: date) -> dict[str, list[dict[str, object]]]:
    now = datetime.now(UTC)
    tables: dict[str, list[dict[str, object]]] = {
        "users": [],
        "expert_profiles": [],
        "expert_languages": [],
        "expert_skills": [],
        "availability_windows": [],
        "consent_records": [],
    }
    for i in range(1, n + 1):
        tables["users"].append(
            {
                "id": i,
                "uuid": uuid.uuid4(),
                "email": f"load-expert-{i}@example.org",
                "full_name": f"Load Expert {i}",
                "password_hash": "!",
                "role": "expert",
                "active": True,
                "session_version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        origin = ORIGINS[i % len(ORIGINS)]
        tables["expert_profiles"].append(
            {
                "id": i,
                "uuid": uuid.uuid4(),
                "user_id": i,
                "gender": rng.choice(("female", "male", "undisclosed")),
                "origin_country": origin,
                "origin_region": None,
                "residence_country": rng.choice(RESIDENCES),
                "occupation_label": rng.choice(OCCUPATIONS),
                "summary": "Health professional with hospital experience.",
                "years_experience": rng.randint(1, 30),
                "sectors": ["health"],
                "preferred_regions": [],
                "remote_ok": rng.random() < 0.3,
                "profile_step": 5,
                "created_at": now,
                "updated_at": now,
            }
        )
        tables["expert_languages"].append({"expert_id": i, "code": "en", "level": "C1"})
        if rng.random() < 0.3:
            tables["expert_languages"].append({"expert_id": i, "code": "fr", "level": "B2"})
        for label in rng.sample(SKILLS, rng.randint(3, 5)):
            tables["expert_skills"].append({"expert_id": i, "label": label, "proficiency": 3})
        offset = rng.randint(-60, 60) if rng.random() < 0.8 else 400
        tables["availability_windows"].append(
            {
                "uuid": uuid.uuid4(),
                "expert_id": i,
                "start": start + timedelta(days=offset),
                "end": start + timedelta(days=offset + 180),
            }
        )
        for purpose, granted in (("processing", True), ("share_with_hosts", rng.random() < 0.9)):
            tables["consent_records"].append(
                {
                    "user_id": i,
                    "purpose": purpose,
                    "granted": granted,
                    "text_version": "load-test",
                    "recorded_at": now,
                }
            )
    return tables


def seed(experts: int, seed_value: int = 7) -> dict[str, str]:
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from config import load_config
    from placement import create_app
    from placement.auth.passwords import hash_password
    from placement.extensions import db
    from placement.models import (
        AvailabilityWindow,
        ConsentRecord,
        ExpertLanguage,
        ExpertProfile,
        ExpertSkill,
        Institution,
        InstitutionMember,
        InstitutionType,
        MemberRole,
        Role,
        User,
        VerificationStatus,
    )

    app = create_app(load_config("development"))
    rng = random.Random(seed_value)
    start = date.today() + timedelta(days=40)
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        tables = _rows(experts, rng, start)
        models = {
            "users": User,
            "expert_profiles": ExpertProfile,
            "expert_languages": ExpertLanguage,
            "expert_skills": ExpertSkill,
            "availability_windows": AvailabilityWindow,
            "consent_records": ConsentRecord,
        }
        for name, rows in tables.items():
            table = models[name].__table__
            for first in range(0, len(rows), CHUNK):
                db.session.execute(insert(table), rows[first : first + CHUNK])
            db.session.commit()
        if db.engine.dialect.name == "postgresql":  # explicit ids leave the sequences behind
            for table in ("users", "expert_profiles"):
                db.session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {experts})")
                )
            db.session.commit()
        host = User(
            email="load-host@example.org",
            full_name="Load Host",
            password_hash=hash_password(HOST_PASSWORD),
            role=Role.INSTITUTION,
        )
        institution = Institution(
            name="Connaught Hospital",
            kind=InstitutionType.HOSPITAL,
            country="SL",
            town="Freetown",
            status=VerificationStatus.VERIFIED,
        )
        db.session.add_all([host, institution])
        db.session.flush()
        db.session.add(
            InstitutionMember(institution_id=institution.id, user_id=host.id, role=MemberRole.ADMIN)
        )
        need, pending = (
            _need(institution.id, title, start)
            for title in ("Emergency care trainer", "Emergency care trainer (second intake)")
        )
        db.session.add_all([need, pending])
        db.session.commit()
        # Fresh statistics, as a live database has them (without, PostgreSQL picks sequential
        # scans for the candidate queries right after a bulk load).
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        elapsed = time.perf_counter() - began
        rows = sum(len(r) for r in tables.values())
        print(f"seeded {experts:,} experts ({rows:,} rows) in {elapsed:.1f} s", file=sys.stderr)
        result = {
            "email": host.email,
            "password": HOST_PASSWORD,
            "path": f"/host/needs/{need.uuid}",
            "need_id": str(need.uuid),
            # Never viewed by the ranking measurements: with a broker and no worker, its
            # ranking stays pending.
            "pending_path": f"/host/needs/{pending.uuid}",
        }
        db.session.remove()
        db.engine.dispose()
    return result


def _need(institution_id: int, title: str, start: date) -> object:
    """An open need of the host, in Sierra Leone, that about a sixth of the experts match."""
    from placement.models import Need, NeedLanguage, NeedSkill, NeedStatus

    return Need(
        institution_id=institution_id,
        title=title,
        description="Train nurses and junior doctors in emergency care.",
        sector="health",
        country="SL",
        region="Western Area",
        start=start,
        end=start + timedelta(days=150),
        duration_weeks=8,
        slots=2,
        status=NeedStatus.OPEN,
        host_provides=["housing"],
        skills=[
            NeedSkill(label="perform clinical examination", required=True),
            NeedSkill(label="manage emergency care situations", required=True),
            NeedSkill(label="train health care staff", required=False),
        ],
        languages=[NeedLanguage(code="en", level="B2")],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--instance", default=None, help="instance folder (default: a temp dir)")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    if args.instance:
        os.environ["PLACEMENT_INSTANCE_PATH"] = args.instance
    print(json.dumps(seed(args.experts)))


if __name__ == "__main__":
    main()
