"""Outcome learning on a SYNTHETIC history: learned score vs heuristic vs shuffled-label control.

THE OUTCOMES HERE ARE SYNTHETIC. Nothing below is evidence about real placements: it only checks
that the outcome model can learn a cause that the heuristic does not encode, and that it learns
nothing when there is nothing to learn. The hidden rule is stated in :func:`hidden_rule` and in
benchmarks/README.md; it is a non-linear function (with an interaction) of things the engine
sees, plus noise. The model was not tuned to it: the candidates and their settings are those of
:mod:`placement.outcomes.learner`, fixed before this script was written.

The whole application path is measured: the history is written to a temporary SQLite database
(experts, hosts, needs with ESCO skills, completed placements, survey answers of both sides and
12-month follow-ups), then :func:`placement.outcomes.features.history` recomputes the engine's
view of every past pair and :func:`placement.outcomes.assessment.assess` runs the time-ordered
evaluation (train on the earlier 70%, test on the later 30%). The control retrains the chosen
model on the same earlier placements with their labels shuffled.

    .venv/bin/python benchmarks/bench_outcomes.py [--placements 900] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import occupations_for
from config import load_config
from placement import create_app
from placement.extensions import db
from placement.models import (
    AvailabilityWindow,
    CEFRLevel,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    Gender,
    Institution,
    InstitutionType,
    Need,
    NeedLanguage,
    NeedSkill,
    NeedStatus,
    OutcomeReport,
    Placement,
    PlacementStatus,
    RespondentRole,
    Role,
    SurveyPoint,
    User,
    VerificationStatus,
)
from placement.outcomes import assessment, features, learner
from placement.taxonomy import get_taxonomy

FIRST_START = date(2022, 1, 3)
SPAN_DAYS = 3 * 365
SHUFFLES = 5
KINDS = (InstitutionType.HOSPITAL, InstitutionType.NGO, InstitutionType.MINISTRY)
LEVELS = (CEFRLevel.B2, CEFRLevel.C1, CEFRLevel.C2, CEFRLevel.NATIVE)


def hidden_rule(
    coverage: float, weeks: int, years: int, kind: InstitutionType, margin: int, noise: float
) -> bool:
    """The synthetic cause of success (hidden from the model, which sees only the records):

    * covering more of the need's required skills helps, with diminishing returns;
    * very short and very long placements both do worse (an inverted U around 8 weeks);
    * experience helps in hospitals only (an interaction), and not below 10 years;
    * French beyond the required level helps a little;
    * plus Gaussian noise (sd 0.8 on the logit scale).
    """
    z = (
        2.0 * math.sqrt(coverage)
        - 0.09 * (weeks - 8) ** 2
        + (1.6 if kind is InstitutionType.HOSPITAL and years >= 10 else 0.0)
        - (0.6 if kind is InstitutionType.HOSPITAL and years < 10 else 0.0)
        + 0.25 * margin
        - 1.2
        + noise
    )
    return z > 0


def build(placements: int, seed: int) -> dict[str, float]:
    """Write the synthetic history; returns the true success rate."""
    rng = random.Random(seed)
    taxonomy = get_taxonomy()
    occupation = occupations_for(taxonomy, ("health",), min_skills=15)[0]
    essential = taxonomy.occupation_skills(occupation, "essential")
    label = taxonomy.label
    institutions = []
    for number, kind in enumerate(KINDS * 4):
        institution = Institution(
            name=f"Synthetic host {number}",
            kind=kind,
            country="SL",
            region="Bo",
            status=VerificationStatus.VERIFIED,
        )
        db.session.add(institution)
        institutions.append(institution)
    db.session.flush()
    successes = 0
    for number in range(placements):
        start = FIRST_START + timedelta(days=int(SPAN_DAYS * number / placements))
        weeks = rng.randint(2, 16)
        years = rng.randint(1, 25)
        institution = rng.choice(institutions)
        required = rng.sample(essential, 5)
        covered = rng.randint(0, 5)
        level = rng.choice(LEVELS)
        user = User(
            email=f"synthetic{number}@example.org",
            full_name=f"Synthetic expert {number}",
            password_hash="-",  # noqa: S106  # nobody logs in as these
            role=Role.EXPERT,
        )
        db.session.add(user)
        db.session.flush()
        expert = ExpertProfile(
            user_id=user.id,
            gender=rng.choice((Gender.FEMALE, Gender.MALE)),
            origin_country="SL",
            origin_region="Bo",
            residence_country=rng.choice(("NL", "GB", "FR", "US")),
            occupation_uri=occupation,
            occupation_label=label(occupation),
            years_experience=years,
            sectors=["health"],
            profile_step=5,
        )
        others = [s for s in essential if s not in required]
        chosen = required[:covered] + rng.sample(others, 3)
        expert.skills = [ExpertSkill(label=label(s) or s, esco_uri=s) for s in chosen]
        expert.languages = [ExpertLanguage(code="fr", level=level)]
        end = start + timedelta(weeks=weeks) - timedelta(days=1)
        expert.availability = [AvailabilityWindow(start=start, end=end)]
        db.session.add(expert)
        need = Need(
            institution_id=institution.id,
            title=label(occupation) or "Synthetic need",
            description="Synthetic need.",
            sector="health",
            country="SL",
            region="Bo",
            start=start,
            end=start + timedelta(weeks=weeks + 2),
            duration_weeks=weeks,
            slots=1,
            status=NeedStatus.FILLED,
            occupation_uri=occupation,
            occupation_label=label(occupation),
            host_provides=[],
        )
        need.skills = [NeedSkill(label=label(s) or s, esco_uri=s, required=True) for s in required]
        need.languages = [NeedLanguage(code="fr", level=CEFRLevel.B2)]
        db.session.add(need)
        db.session.flush()
        margin = LEVELS.index(level)
        success = hidden_rule(
            covered / 5, weeks, years, institution.kind, margin, rng.gauss(0.0, 0.8)
        )
        successes += success
        placement = Placement(
            need_id=need.id,
            expert_id=expert.id,
            status=PlacementStatus.COMPLETED,
            start=start,
            end=end,
            match_score=None,  # never used by the evaluation
        )
        db.session.add(placement)
        db.session.flush()
        _answers(placement, success, end, rng)
    db.session.commit()
    return {"success_rate": successes / placements}


def _answers(placement: Placement, success: bool, end: date, rng: random.Random) -> None:
    """Survey answers that report the synthetic outcome with some noise: the end proxy flips 10%
    of the time, the 12-month answer 5%; 5% of hosts never answer the end survey."""
    answered = datetime.combine(end + timedelta(days=3), datetime.min.time(), UTC)
    proxy = success if rng.random() > 0.10 else not success
    reports = [
        (
            SurveyPoint.END,
            RespondentRole.EXPERT,
            {"objectives_met": proxy or rng.random() < 0.2, "satisfaction": 4 if proxy else 3},
        )
    ]
    if rng.random() > 0.05:
        reports.append(
            (
                SurveyPoint.END,
                RespondentRole.HOST,
                {"objectives_met": proxy, "satisfaction": 5 if proxy else 2},
            )
        )
    if end + timedelta(days=365) <= FIRST_START + timedelta(days=SPAN_DAYS):
        later = success if rng.random() > 0.05 else not success
        reports.append((SurveyPoint.FOLLOW_UP, RespondentRole.HOST, {"procedures_adopted": later}))
    for point, role, answers in reports:
        due = end if point is SurveyPoint.END else end + timedelta(days=365)
        db.session.add(
            OutcomeReport(
                placement_id=placement.id,
                point=point,
                respondent_role=role,
                questionnaire_version=f"{point.value}-{role.value}-1",
                answers=answers,
                due_on=due,
                invited_at=answered,
                submitted_at=answered
                if point is SurveyPoint.END
                else answered + timedelta(days=365),
            )
        )


def shuffled_control(history: features.History, chosen: str, seed: int) -> list[float]:
    """AUC on the later placements of the chosen model retrained on the earlier placements with
    their labels shuffled, for :data:`SHUFFLES` different shuffles (one is a noisy figure)."""
    rows = history.rows
    cut = assessment.time_split(rows)
    x = history.matrix()
    best = np.array([int(bool(r.label.best)) for r in rows])
    result = []
    for number in range(SHUFFLES):
        shuffled = np.random.default_rng(seed + number).permutation(best[:cut])
        model = learner.train(chosen, x[:cut], shuffled)
        result.append(assessment.auc(best[cut:], model.predict(x[cut:])) or math.nan)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=900)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db"}
        import os

        os.environ["PLACEMENT_INSTANCE_PATH"] = folder
        app = create_app(load_config("testing", **settings))
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            truth = build(args.placements, args.seed)
            built = time.perf_counter() - started
            history = features.history()
            report, _model = assessment.assess(history)
            control = shuffled_control(history, report["model"], args.seed)
            elapsed = time.perf_counter() - started
    overall = report["overall"]
    from placement.outcomes.reporting import interval

    print("SYNTHETIC OUTCOMES (a hidden rule of this script, not real placements)")
    print(
        f"placements {args.placements}, seed {args.seed}, true success rate "
        f"{truth['success_rate']:.2f}; labelled {report['usable']}, "
        f"12-month outcomes {report['later_outcomes']}"
    )
    print(
        f"time-ordered split: train {report['train']} (until {report['train_until']}), "
        f"test {report['test']} ({report['test_from']}..{report['test_until']})"
    )
    print(
        f"model chosen by time-ordered CV: {report['model']} "
        f"(CV log loss {report['cv_log_loss']}); calibrated to {report['calibrated_to']}"
    )
    print(f"{'':<32}{'AUC [95% CI]':>26}{'Brier':>26}")
    print(
        f"{'learned':<32}{interval(overall['learned']['auc']):>26}"
        f"{interval(overall['learned']['brier']):>26}"
    )
    print(
        f"{'heuristic (recomputed)':<32}{interval(overall['heuristic']['auc']):>26}"
        f"{interval(overall['heuristic']['brier']):>26}"
    )
    print(
        f"{'shuffled-label control':<32}{np.mean(control):>26.3f}"
        f"   (mean of {SHUFFLES} shuffles: {', '.join(f'{c:.3f}' for c in control)})"
    )
    print(f"AUC gain learned - heuristic: {interval(overall['auc_gain'])}")
    print(f"weight justified for the learned term: {report['weight']}")
    print(f"seconds: build {built:.1f}, features + evaluation {elapsed - built:.1f}")


if __name__ == "__main__":
    main()
