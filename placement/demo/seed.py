"""Load the demo data set into any database, idempotently.

Every record is created under a natural key (an email, a programme code, an institution's name, a
need's title at its institution, an expert-need pair), with a fixed random seed, so a second run
finds everything already there and adds nothing.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from placement import audit
from placement.auth.passwords import hash_password
from placement.extensions import db
from placement.models import (
    AlertAnswer,
    AlertRecipient,
    AlertStatus,
    AvailabilityWindow,
    CEFRLevel,
    ConsentPurpose,
    ConsentRecord,
    CountryQuota,
    Crisis,
    CrisisStatus,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    Gender,
    Institution,
    InstitutionMember,
    InstitutionType,
    MemberRole,
    Need,
    NeedLanguage,
    NeedSkill,
    NeedStatus,
    OutcomeReport,
    PartnerKind,
    PartnerMembership,
    PartnerOrganisation,
    PartnerRepresentative,
    Placement,
    PlacementStatus,
    Programme,
    Qualification,
    QualificationKind,
    RespondentRole,
    Role,
    SupportOffer,
    SupportOfferLink,
    SurgeAlert,
    SurveyPoint,
    User,
    VerificationStatus,
    WorkMode,
    utcnow,
)
from placement.outcomes.questionnaires import questionnaire_for

DEMO_PASSWORD = "homeward-demo-2026"  # noqa: S105 - printed on purpose for the demo logins
DEMO_DOMAIN = "demo.homeward.test"
EXPERT_COUNT = 240
TODAY = date(2026, 11, 24)
_OCCUPATIONS = json.loads(Path(__file__).with_name("occupations.json").read_text("utf-8"))


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


DEMO_LOGINS = (
    DemoLogin("admin", f"admin@{DEMO_DOMAIN}"),
    DemoLogin("staff", f"staff@{DEMO_DOMAIN}"),
    DemoLogin("institution", f"host@{DEMO_DOMAIN}"),
    DemoLogin("expert", f"expert@{DEMO_DOMAIN}"),
    DemoLogin("partner", f"partner@{DEMO_DOMAIN}"),
)

ORIGINS: dict[str, dict[str, Any]] = {
    "SL": {"langs": ["en"], "regions": ["Freetown", "Bo", "Kenema", "Makeni"]},
    "GH": {"langs": ["en", "ak"], "regions": ["Accra", "Kumasi", "Tamale", "Cape Coast"]},
    "SN": {"langs": ["fr", "wo"], "regions": ["Dakar", "Thiès", "Saint-Louis", "Ziguinchor"]},
    "HT": {"langs": ["fr", "ht"], "regions": ["Port-au-Prince", "Cap-Haïtien", "Les Cayes"]},
    "EC": {"langs": ["es", "qu"], "regions": ["Quito", "Guayaquil", "Cuenca", "Loja"]},
    "SD": {"langs": ["ar", "en"], "regions": ["Khartoum", "Port Sudan", "Kassala", "El Obeid"]},
    "AF": {"langs": ["fa", "ps"], "regions": ["Kabul", "Herat", "Mazar-i-Sharif", "Jalalabad"]},
    "MA": {"langs": ["ar", "fr"], "regions": ["Casablanca", "Rabat", "Fès", "Marrakech"]},
}
RESIDENCES = {
    "NL": "nl",
    "FR": "fr",
    "BE": "fr",
    "DE": "de",
    "GB": "en",
    "US": "en",
    "CA": "en",
    "ES": "es",
    "IT": "it",
    "SE": "sv",
}
FIRST_NAMES = {
    "SL": ["Aminata", "Mohamed", "Fatmata", "Ibrahim", "Isatu", "Abu", "Mariama", "Alhaji"],
    "GH": ["Akosua", "Kwame", "Ama", "Kofi", "Efua", "Yaw", "Abena", "Kwesi"],
    "SN": ["Awa", "Mamadou", "Fatou", "Cheikh", "Aïssatou", "Moussa", "Khady", "Ousmane"],
    "HT": ["Marie", "Jean", "Nadège", "Wilson", "Guerline", "Frantz", "Rose-Mina", "Ketly"],
    "EC": ["María", "José", "Gabriela", "Luis", "Daniela", "Andrés", "Verónica", "Santiago"],
    "SD": ["Amal", "Omer", "Hiba", "Yousif", "Sara", "Khalid", "Nafisa", "Hassan"],
    "AF": ["Zahra", "Ahmad", "Mariam", "Farid", "Shabnam", "Jawad", "Nargis", "Hamid"],
    "MA": ["Salma", "Youssef", "Imane", "Karim", "Nadia", "Rachid", "Hind", "Mehdi"],
}
FAMILY_NAMES = {
    "SL": ["Kamara", "Sesay", "Koroma", "Bangura", "Conteh", "Turay"],
    "GH": ["Mensah", "Owusu", "Boateng", "Asante", "Osei", "Appiah"],
    "SN": ["Diop", "Ndiaye", "Fall", "Sow", "Diallo", "Faye"],
    "HT": ["Joseph", "Pierre", "Jean-Baptiste", "Louis", "Charles", "Désir"],
    "EC": ["Andrade", "Guerrero", "Cevallos", "Zambrano", "Vera", "Morales"],
    "SD": ["Ahmed", "Osman", "Abdelrahman", "Elamin", "Mustafa", "Babiker"],
    "AF": ["Ahmadi", "Rahimi", "Karimi", "Hakimi", "Noori", "Sultani"],
    "MA": ["El Amrani", "Benali", "Alaoui", "Tazi", "Berrada", "Chraibi"],
}
INSTITUTION_TEMPLATES = {
    "health": [
        (InstitutionType.HOSPITAL, "{region} Government Hospital"),
        (InstitutionType.MINISTRY, "Ministry of Health, {region} office"),
    ],
    "education": [
        (InstitutionType.UNIVERSITY, "University of {region}"),
        (InstitutionType.UNIVERSITY, "{region} Technical Institute"),
    ],
    "engineering": [
        (InstitutionType.MUNICIPALITY, "{region} City Council"),
        (InstitutionType.BUSINESS, "{region} Water and Power Company"),
    ],
    "agriculture": [(InstitutionType.NGO, "{region} Farmers' Cooperative Union")],
    "governance": [(InstitutionType.MINISTRY, "Ministry of Public Service, {region}")],
    "finance": [(InstitutionType.NGO, "{region} Microcredit Association")],
    "ict": [(InstitutionType.MINISTRY, "National ICT Agency, {region} branch")],
}
PROGRAMMES = [
    {
        "code": "MIDA-HEALTH-WA",
        "name": "MIDA Health West Africa",
        "origins": ["SL", "GH", "SN"],
        "sectors": ["health"],
        "min": 3,
        "max": 12,
        "start": date(2026, 1, 1),
        "end": date(2028, 12, 31),
    },
    {
        "code": "TRQN-IV",
        "name": "Temporary Return of Qualified Nationals IV",
        "origins": ["AF", "SD", "SL", "MA"],
        "sectors": [],
        "min": 2,
        "max": 26,
        "start": date(2025, 6, 1),
        "end": date(2028, 5, 31),
    },
    {
        "code": "KNOW-RETURN-AC",
        "name": "Knowledge Return Andes and Caribbean",
        "origins": ["EC", "HT"],
        "sectors": ["education", "engineering", "agriculture"],
        "min": 2,
        "max": 16,
        "start": date(2026, 3, 1),
        "end": date(2028, 2, 29),
    },
]


HISTORY_EXPERTS = range(8, 136)  # experts with a completed past assignment and its outcomes


def _success(expert: ExpertProfile, need: Need, rng: random.Random) -> bool:
    """Synthetic ground truth: experience, working in one's own region and sector, and shorter
    assignments succeed more often (so the outcome model has something real to learn)."""
    score = -1.2 + 0.06 * (expert.years_experience or 0)
    score += 0.9 if expert.origin_region == need.region else 0.0
    score += 0.8 if need.sector in (expert.sectors or []) else 0.0
    score -= 0.05 * need.duration_weeks
    return rng.random() < 1 / (1 + math.exp(-score))


class DemoSeeder:
    """Creates the demo records; ``run`` returns how many new rows of each kind it made."""

    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.password_hash = hash_password(DEMO_PASSWORD)  # one hash: argon2 is slow on purpose
        self.created: dict[str, int] = {}
        self.staff: User | None = None

    # helpers -----------------------------------------------------------------------------
    def _count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def _user(self, email: str, role: Role, name: str, locale: str | None = None) -> User:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email,
                full_name=name,
                role=role,
                locale=locale,
                password_hash=self.password_hash,
            )
            db.session.add(user)
            db.session.flush()
            self._count("users")
        return user

    # steps -------------------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        self._user(f"admin@{DEMO_DOMAIN}", Role.ADMIN, "Ada Admin")
        self.staff = self._user(f"staff@{DEMO_DOMAIN}", Role.STAFF, "Samuel Staff")
        self._user(f"staff2@{DEMO_DOMAIN}", Role.STAFF, "Grace Programme-Officer", "fr")
        programmes = self._programmes()
        institutions = self._institutions()
        experts = self._experts()
        needs = self._needs(institutions, programmes)
        self._placements(needs, experts)
        self._history(institutions, experts)
        self._crisis_history(institutions, experts)
        db.session.flush()
        return self.created

    def _programmes(self) -> list[Programme]:
        result = []
        for spec in PROGRAMMES:
            programme = db.session.scalar(select(Programme).where(Programme.code == spec["code"]))
            if programme is None:
                programme = Programme(
                    code=spec["code"],
                    name=spec["name"],
                    start=spec["start"],
                    end=spec["end"],
                    eligible_origin_countries=spec["origins"],
                    eligible_residence_countries=[],
                    priority_sectors=spec["sectors"],
                    min_weeks=spec["min"],
                    max_weeks=spec["max"],
                    currency="EUR",
                    description=f"{spec['name']}: short assignments of qualified nationals.",
                )
                programme.quotas = [
                    CountryQuota(country=c, max_placements=40, budget=Decimal("250000.00"))
                    for c in spec["origins"]
                ]
                db.session.add(programme)
                self._count("programmes")
            result.append(programme)
        db.session.flush()
        return result

    def _institutions(self) -> list[Institution]:
        result = []
        host_login_done = False
        for country, info in ORIGINS.items():
            for sector, templates in INSTITUTION_TEMPLATES.items():
                for kind, pattern in templates[:1] if sector != "health" else templates:
                    region = info["regions"][len(result) % len(info["regions"])]
                    name = pattern.format(region=region)
                    institution = db.session.scalar(
                        select(Institution).where(
                            Institution.name == name, Institution.country == country
                        )
                    )
                    if institution is None:
                        institution = self._new_institution(name, kind, country, region, sector)
                    if not host_login_done and institution.is_verified:
                        self._member(institution, f"host@{DEMO_DOMAIN}", "Hawa Host", "admin")
                        host_login_done = True
                    result.append(institution)
        return result

    def _new_institution(
        self, name: str, kind: InstitutionType, country: str, region: str, sector: str
    ) -> Institution:
        pending = self.rng.random() < 0.12
        institution = Institution(
            name=name,
            kind=kind,
            country=country,
            region=region,
            town=region,
            description=f"{name} ({sector}).",
            status=VerificationStatus.PENDING if pending else VerificationStatus.VERIFIED,
            verified_at=None if pending else utcnow(),
            verified_by_id=None if pending else self.staff.id,  # type: ignore[union-attr]
        )
        db.session.add(institution)
        db.session.flush()
        self._count("institutions")
        if not pending:
            audit.record(
                "institution.verify",
                institution,
                actor=self.staff,
                after={"status": "verified"},
                reason="Demo data: registration documents checked.",
            )
        slug = f"{country.lower()}{institution.id}"
        self._member(institution, f"host-{slug}@{DEMO_DOMAIN}", f"Contact {name}", "admin")
        return institution

    def _member(self, institution: Institution, email: str, name: str, role: str) -> None:
        user = self._user(email, Role.INSTITUTION, name)
        exists = db.session.scalar(
            select(InstitutionMember).where(
                InstitutionMember.user_id == user.id,
                InstitutionMember.institution_id == institution.id,
            )
        )
        if exists is None:
            db.session.add(
                InstitutionMember(
                    institution_id=institution.id,
                    user_id=user.id,
                    role=MemberRole(role),
                    job_title="Head of human resources",
                )
            )
            db.session.flush()

    def _experts(self) -> list[ExpertProfile]:
        result = []
        countries = list(ORIGINS)
        for index in range(EXPERT_COUNT):
            origin = countries[index % len(countries)]
            email = f"expert@{DEMO_DOMAIN}" if index == 0 else f"expert{index:03d}@{DEMO_DOMAIN}"
            existing = db.session.scalar(select(User).where(User.email == email))
            rng = random.Random(index)  # per-expert stream: the same expert on every run
            if existing is not None and existing.expert_profile is not None:
                result.append(existing.expert_profile)
                continue
            result.append(self._new_expert(email, origin, index, rng))
        return result

    def _new_expert(self, email: str, origin: str, index: int, rng: random.Random) -> ExpertProfile:
        info = ORIGINS[origin]
        name = f"{rng.choice(FIRST_NAMES[origin])} {rng.choice(FAMILY_NAMES[origin])}"
        residence = rng.choice(list(RESIDENCES))
        locale = {"fr": "fr", "es": "es", "ar": "ar"}.get(info["langs"][0], "en")
        user = self._user(email, Role.EXPERT, name, locale)
        occupation = rng.choice(_OCCUPATIONS)
        skills = rng.sample(occupation["essential"], k=min(len(occupation["essential"]), 9))
        skills += rng.sample(occupation["optional"], k=min(len(occupation["optional"]), 2))
        profile = ExpertProfile(
            user_id=user.id,
            gender=rng.choices(
                [Gender.FEMALE, Gender.MALE, Gender.UNDISCLOSED], weights=[40, 52, 8]
            )[0],
            origin_country=origin,
            origin_region=rng.choice(info["regions"]),
            residence_country=residence,
            residence_status=rng.choice(["citizen", "permanent resident", "work permit"]),
            occupation_uri=occupation["uri"],
            occupation_label=occupation["label"],
            summary=(
                f"{occupation['label'].capitalize()} with {rng.randint(4, 25)} years of "
                f"experience, living in {residence}."
            ),
            years_experience=rng.randint(3, 30),
            sectors=[occupation["sector"]],
            preferred_regions=[rng.choice(info["regions"])],
            remote_ok=rng.random() < 0.5,
            profile_step=5,
        )
        profile.languages = self._expert_languages(info["langs"], RESIDENCES[residence], rng)
        profile.skills = [
            ExpertSkill(label=s["label"], esco_uri=s["uri"], proficiency=rng.randint(2, 4))
            for s in skills
        ]
        profile.availability = self._windows(rng)
        profile.qualifications = [
            Qualification(
                kind=QualificationKind.DEGREE,
                title=f"Degree in {occupation['sector']}",
                issuer="University",
                obtained_on=date(rng.randint(1990, 2018), 7, 1),
            )
        ]
        db.session.add(profile)
        db.session.add_all(
            [
                ConsentRecord(
                    user_id=user.id,
                    purpose=ConsentPurpose.PROCESSING,
                    granted=True,
                    text_version="2026-11",
                ),
                ConsentRecord(
                    user_id=user.id,
                    purpose=ConsentPurpose.SHARE_WITH_HOSTS,
                    granted=index == 0 or rng.random() > 0.1,
                    text_version="2026-11",
                ),
            ]
        )
        db.session.flush()
        self._count("experts")
        return profile

    @staticmethod
    def _expert_languages(
        origin_langs: list[str], residence_lang: str, rng: random.Random
    ) -> list[ExpertLanguage]:
        levels: dict[str, CEFRLevel] = {origin_langs[0]: CEFRLevel.NATIVE}
        for code in origin_langs[1:]:
            levels.setdefault(code, rng.choice([CEFRLevel.NATIVE, CEFRLevel.C1, CEFRLevel.B2]))
        levels.setdefault(residence_lang, rng.choice([CEFRLevel.C1, CEFRLevel.C2, CEFRLevel.B2]))
        levels.setdefault("en", rng.choice([CEFRLevel.B1, CEFRLevel.B2, CEFRLevel.C1]))
        return [ExpertLanguage(code=code, level=level) for code, level in sorted(levels.items())]

    @staticmethod
    def _windows(rng: random.Random) -> list[AvailabilityWindow]:
        windows = []
        start = TODAY + timedelta(days=rng.randint(10, 120))
        for _ in range(rng.randint(1, 3)):
            end = start + timedelta(weeks=rng.randint(4, 26))
            windows.append(AvailabilityWindow(start=start, end=end))
            start = end + timedelta(days=rng.randint(30, 120))
        return windows

    def _needs(self, institutions: list[Institution], programmes: list[Programme]) -> list[Need]:
        result = []
        statuses = (
            [NeedStatus.OPEN] * 10
            + [NeedStatus.SUBMITTED] * 2
            + [NeedStatus.DRAFT]
            + [NeedStatus.APPROVED, NeedStatus.FILLED, NeedStatus.CLOSED, NeedStatus.EXPIRED]
        )
        for index, institution in enumerate(institutions):
            for number in range(2):
                rng = random.Random(index * 10 + number)
                sector = institution.description.rsplit("(", 1)[-1].rstrip(").")  # type: ignore[union-attr]
                candidates = [o for o in _OCCUPATIONS if o["sector"] == sector] or _OCCUPATIONS
                occupation = rng.choice(candidates)
                title = f"{occupation['label'].capitalize()} for {institution.name}"
                if number:
                    title += " (second phase)"
                need = db.session.scalar(
                    select(Need).where(Need.institution_id == institution.id, Need.title == title)
                )
                if need is None:
                    status = rng.choice(statuses) if institution.is_verified else NeedStatus.DRAFT
                    need = self._new_need(institution, programmes, occupation, title, status, rng)
                result.append(need)
        return result

    def _new_need(
        self,
        institution: Institution,
        programmes: list[Programme],
        occupation: dict[str, Any],
        title: str,
        status: NeedStatus,
        rng: random.Random,
    ) -> Need:
        programme = next(
            (p for p in programmes if institution.country in p.eligible_origin_countries), None
        )
        past = status in (NeedStatus.FILLED, NeedStatus.CLOSED, NeedStatus.EXPIRED)
        start = TODAY + timedelta(days=rng.randint(-300, -120) if past else rng.randint(20, 150))
        weeks = rng.randint(3, 12)
        lang = ORIGINS[institution.country]["langs"][0]
        need = Need(
            institution_id=institution.id,
            programme_id=programme.id if programme else None,
            title=title,
            description=(
                f"{institution.name} needs a {occupation['label']} to train local staff and "
                f"strengthen its services."
            ),
            sector=occupation["sector"],
            occupation_uri=occupation["uri"],
            occupation_label=occupation["label"],
            country=institution.country,
            region=institution.region,
            start=start,
            end=start + timedelta(weeks=weeks + rng.randint(2, 16)),
            duration_weeks=weeks,
            slots=rng.choice([1, 1, 1, 2, 3]),
            remote=rng.random() < 0.15,
            host_provides=rng.sample(["housing", "local_transport", "meals"], k=rng.randint(0, 2)),
            objectives="Train staff; document procedures; set up a mentoring link.",
            trainees=f"{rng.randint(5, 40)} staff members",
            status=status,
            submitted_at=utcnow() if status != NeedStatus.DRAFT else None,
        )
        chosen = rng.sample(occupation["essential"], k=min(len(occupation["essential"]), 6))
        need.skills = [
            NeedSkill(label=s["label"], esco_uri=s["uri"], required=True) for s in chosen[:4]
        ]
        need.skills += [
            NeedSkill(label=s["label"], esco_uri=s["uri"], required=False) for s in chosen[4:]
        ]
        need.languages = [NeedLanguage(code=lang, level=CEFRLevel.B2)]
        db.session.add(need)
        db.session.flush()
        self._count("needs")
        if status in (NeedStatus.APPROVED, NeedStatus.OPEN, NeedStatus.FILLED):
            audit.record("need.approve", need, actor=self.staff, after={"status": "approved"})
        return need

    def _placements(self, needs: list[Need], experts: list[ExpertProfile]) -> None:
        """A few placements in every status, with matching experts from the same country."""
        by_country: dict[str, list[ExpertProfile]] = {}
        for expert in experts:
            by_country.setdefault(expert.origin_country or "", []).append(expert)
        statuses = list(PlacementStatus)
        usable = [n for n in needs if n.status in (NeedStatus.OPEN, NeedStatus.FILLED)]
        used: set[int] = set()
        for index, status in enumerate(statuses * 4):
            need = usable[index % len(usable)]
            pool = [e for e in by_country.get(need.country, []) if e.id not in used]
            if not pool:
                continue
            expert = pool[index % len(pool)]
            used.add(expert.id)
            self._placement(need, expert, status, index)

    def _placement(
        self, need: Need, expert: ExpertProfile, status: PlacementStatus, index: int
    ) -> None:
        existing = db.session.scalar(
            select(Placement).where(Placement.need_id == need.id, Placement.expert_id == expert.id)
        )
        if existing is not None:
            return
        finished = status in (PlacementStatus.COMPLETED, PlacementStatus.IN_PROGRESS)
        start = (
            TODAY - timedelta(weeks=20 if status is PlacementStatus.COMPLETED else 2)
            if (finished)
            else need.start
        )
        placement = Placement(
            need_id=need.id,
            expert_id=expert.id,
            status=status,
            start=start,
            end=start + timedelta(weeks=need.duration_weeks),
            match_score=round(0.55 + (index % 40) / 100, 2),
            offer_deadline=TODAY + timedelta(days=14),
            proposed_by_id=self.staff.id,  # type: ignore[union-attr]
            status_reason=(
                "Demo: the expert's dates changed."
                if status
                in (PlacementStatus.DECLINED, PlacementStatus.CANCELLED, PlacementStatus.WITHDRAWN)
                else None
            ),
        )
        if status in (
            PlacementStatus.APPROVED,
            PlacementStatus.SCHEDULED,
            PlacementStatus.IN_PROGRESS,
            PlacementStatus.COMPLETED,
        ):
            placement.approved_at = utcnow()
            placement.approved_by_id = self.staff.id  # type: ignore[union-attr]
        db.session.add(placement)
        db.session.flush()
        audit.record(
            "placement.create", placement, actor=self.staff, after={"status": status.value}
        )
        self._count("placements")

    def _crisis_history(
        self, institutions: list[Institution], experts: list[ExpertProfile]
    ) -> None:
        """One past crisis with its urgent need, surge alert and answers, and a partner
        organisation with members and an offer of support."""
        name = "Floods in Freetown, August 2026"
        if db.session.scalar(select(Crisis.id).where(Crisis.name == name)):
            return
        crisis = Crisis(
            name=name,
            country="SL",
            affected_regions=["Western Area"],
            sectors=["health"],
            start=date(2026, 8, 14),
            end=date(2026, 10, 1),
            status=CrisisStatus.CLOSED,
            declared_by_id=self.staff.id,  # type: ignore[union-attr]
            description="Flash floods and landslides displaced thousands of families.",
        )
        db.session.add(crisis)
        db.session.flush()
        host = next(i for i in institutions if i.country == "SL" and i.is_verified)
        need = Need(
            institution_id=host.id,
            title="Remote trauma counselling after the floods",
            country="SL",
            region="Western Area",
            start=date(2026, 8, 20),
            end=date(2026, 10, 30),
            duration_weeks=4,
            slots=3,
            remote=True,
            urgent=True,
            crisis_id=crisis.id,
            status=NeedStatus.FILLED,
            sector="health",
            host_provides=[],
            created_by_id=self.staff.id,
        )  # type: ignore[union-attr]
        need.skills = [NeedSkill(label="provide counselling", required=True)]
        db.session.add(need)
        db.session.flush()
        alert = SurgeAlert(
            need_id=need.id,
            crisis_id=crisis.id,
            public=True,
            status=AlertStatus.STOOD_DOWN,
            message="Counsellors needed now.",
            created_by_id=self.staff.id,  # type: ignore[union-attr]
            stood_down_at=datetime(2026, 9, 30, tzinfo=UTC),
        )
        rng = random.Random(777)
        sierra_leoneans = [e for e in experts if e.origin_country == "SL"][:12]
        for rank, expert in enumerate(sierra_leoneans, start=1):
            answered = rng.random() < 0.75
            helps = answered and rng.random() < 0.6
            alert.recipients.append(
                AlertRecipient(
                    expert_id=expert.id,
                    rank=rank,
                    score=round(0.9 - rank * 0.03, 3),
                    answer=(AlertAnswer.CAN_HELP if helps else AlertAnswer.NOT_THIS_TIME)
                    if answered
                    else None,
                    mode=WorkMode.REMOTE if helps else None,
                    available_from=date(2026, 8, 22) if helps else None,
                    available_weeks=rng.randint(2, 6) if helps else None,
                    answered_at=datetime(2026, 8, 21, tzinfo=UTC) if answered else None,
                )
            )
        db.session.add(alert)
        organisation = PartnerOrganisation(
            name="Sierra Leone Health Professionals Abroad",
            kind=PartnerKind.PROFESSIONAL_NETWORK,
            country="GB",
            origin_country="SL",
            status=VerificationStatus.VERIFIED,
            description="Doctors, nurses and psychologists of Sierra Leonean origin in Europe.",
            verified_by_id=self.staff.id,
        )  # type: ignore[union-attr]
        partner = self._user(f"partner@{DEMO_DOMAIN}", Role.PARTNER, "Pat Partner")
        organisation.representatives = [PartnerRepresentative(user_id=partner.id)]
        db.session.add(organisation)
        db.session.flush()
        for expert in sierra_leoneans[:6]:
            db.session.add(
                PartnerMembership(
                    organisation_id=organisation.id, expert_id=expert.id, shown_on_profile=True
                )
            )
        offer = SupportOffer(
            organisation_id=organisation.id,
            crisis_id=crisis.id,
            title="12 volunteer psychologists, remote",
            mode=WorkMode.REMOTE,
            languages=["en"],
            capacity=12,
            available_from=date(2026, 8, 18),
        )
        db.session.add(offer)
        db.session.flush()
        db.session.add(
            SupportOfferLink(offer_id=offer.id, need_id=need.id, linked_by_id=self.staff.id)
        )  # type: ignore[union-attr]
        self._count("crises")

    def _history(self, institutions: list[Institution], experts: list[ExpertProfile]) -> None:
        """Completed assignments of 2024-2025 with survey answers from both sides."""
        by_country: dict[str, list[Institution]] = {}
        for institution in institutions:
            if institution.is_verified:
                by_country.setdefault(institution.country, []).append(institution)
        for index in HISTORY_EXPERTS:
            expert = experts[index]
            rng = random.Random(10_000 + index)
            pool = by_country.get(expert.origin_country or "", [])
            if not pool:
                continue
            institution = pool[index % len(pool)]
            title = f"Past assignment {index:03d}: {expert.occupation_label}"
            if db.session.scalar(select(Need.id).where(Need.title == title)):
                continue
            start = date(2024, 1, 8) + timedelta(days=rng.randint(0, 540))
            weeks = rng.randint(3, 14)
            region = expert.origin_region if rng.random() < 0.45 else institution.region
            sector = (
                (expert.sectors or ["health"])[0]
                if rng.random() < 0.6
                else rng.choice(["health", "education", "engineering", "governance"])
            )
            need = Need(
                institution_id=institution.id,
                title=title,
                country=institution.country,
                region=region,
                sector=sector,
                start=start,
                end=start + timedelta(weeks=weeks + 4),
                duration_weeks=weeks,
                slots=1,
                status=NeedStatus.FILLED,
                occupation_label=expert.occupation_label,
                occupation_uri=expert.occupation_uri,
                host_provides=["housing"],
                programme_id=next(
                    (
                        p.id
                        for p in db.session.scalars(select(Programme))
                        if institution.country in p.eligible_origin_countries
                    ),
                    None,
                ),
            )
            need.skills = [
                NeedSkill(label=s.label, esco_uri=s.esco_uri, required=True)
                for s in expert.skills[:3]
            ]
            db.session.add(need)
            db.session.flush()
            need.opened_at = datetime.combine(
                start - timedelta(days=rng.randint(30, 120)), datetime.min.time(), UTC
            )
            end = start + timedelta(weeks=weeks) - timedelta(days=1)
            success = _success(expert, need, rng)
            placement = Placement(
                need_id=need.id,
                expert_id=expert.id,
                status=PlacementStatus.COMPLETED,
                start=start,
                end=end,
                match_score=round(min(0.95, 0.45 + rng.random() * 0.4), 3),
                approved_at=datetime.combine(
                    start - timedelta(days=rng.randint(10, 40)), datetime.min.time(), UTC
                ),
                approved_by_id=self.staff.id,  # type: ignore[union-attr]
                proposed_by_id=self.staff.id,  # type: ignore[union-attr]
            )
            db.session.add(placement)
            db.session.flush()
            self._outcomes(placement, expert, institution, success, end, rng)
            self._count("past placements with outcomes")

    def _outcomes(
        self,
        placement: Placement,
        expert: ExpertProfile,
        institution: Institution,
        success: bool,
        end: date,
        rng: random.Random,
    ) -> None:
        host_user = institution.members[0].user
        trained = rng.randint(4, 30) if success else rng.randint(0, 8)
        answers = {
            (SurveyPoint.BASELINE, RespondentRole.EXPERT): {
                "objectives": "Train staff",
                "expected_results": "Staff trained",
                "preparation": 4,
            },
            (SurveyPoint.BASELINE, RespondentRole.HOST): {
                "objectives": "Train staff",
                "expected_results": "Staff trained",
                "people_to_train": trained + 5,
            },
            (SurveyPoint.END, RespondentRole.HOST): {
                "objectives_met": success,
                "people_trained": trained,
                "satisfaction": rng.randint(4, 5) if success else rng.randint(1, 3),
                "would_host_again": success or rng.random() < 0.3,
            },
            (SurveyPoint.END, RespondentRole.EXPERT): {
                "objectives_met": success or rng.random() < 0.2,
                "activities": "Training sessions",
                "people_trained": trained,
                "satisfaction": rng.randint(3, 5),
                "would_return": rng.random() < 0.8,
            },
        }
        if end + timedelta(days=365) <= TODAY:
            lasted = success if rng.random() < 0.85 else not success
            answers[(SurveyPoint.FOLLOW_UP, RespondentRole.HOST)] = {
                "procedures_adopted": lasted,
                "people_still_applying": trained // 2,
                "continued_links": rng.random() < 0.6,
                "what_lasted": "New procedures",
            }
        for (point, role), answer in answers.items():
            due = {SurveyPoint.BASELINE: placement.start, SurveyPoint.END: end}.get(
                point, end + timedelta(days=365)
            )
            answered = rng.random() < 0.9 or point is SurveyPoint.END
            stamp = datetime.combine(due, datetime.min.time(), UTC)
            db.session.add(
                OutcomeReport(
                    placement_id=placement.id,
                    point=point,
                    respondent_role=role,
                    respondent_id=host_user.id if role is RespondentRole.HOST else expert.user_id,
                    questionnaire_version=questionnaire_for(point, role).version,
                    answers=answer if answered else {},
                    due_on=due,
                    invited_at=stamp,
                    submitted_at=stamp + timedelta(days=rng.randint(1, 20)) if answered else None,
                )
            )


def seed_demo() -> dict[str, int]:
    """Add the demo data set to the current database (flushes; the caller commits)."""
    return DemoSeeder().run()
