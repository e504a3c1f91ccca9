"""factory_boy factories for the domain model, inside the test's rolled-back transaction."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from placement.auth.passwords import hash_password
from placement.extensions import db
from placement.models import (
    AvailabilityWindow,
    CEFRLevel,
    ConsentPurpose,
    ConsentRecord,
    CountryQuota,
    Crisis,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    Institution,
    InstitutionMember,
    InstitutionType,
    MemberRole,
    Need,
    NeedLanguage,
    NeedSkill,
    NeedStatus,
    Notification,
    PartnerKind,
    PartnerOrganisation,
    PartnerRepresentative,
    Placement,
    PlacementStatus,
    Programme,
    Role,
    TaskKind,
    TaskRun,
    TaskStatus,
    User,
    VerificationStatus,
)

PASSWORD = "correct horse battery staple 42"


@lru_cache(maxsize=1)
def password_hash() -> str:
    """Hash once: argon2 is deliberately slow and every factory user shares the password."""
    return hash_password(PASSWORD)


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        # "commit" only releases a savepoint inside the test transaction, so the rows survive the
        # session removal that ends every request, and still vanish at the end of the test.
        sqlalchemy_session_persistence = "commit"


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password_hash = factory.LazyFunction(password_hash)
    role = Role.EXPERT


class StaffFactory(UserFactory):
    role = Role.STAFF
    email = factory.Sequence(lambda n: f"staff{n}@example.org")


class AdminFactory(UserFactory):
    role = Role.ADMIN
    email = factory.Sequence(lambda n: f"admin{n}@example.org")


class ExpertFactory(_Base):
    """An expert profile with its user account, languages, skills and one window."""

    class Meta:
        model = ExpertProfile

    user = factory.SubFactory(
        UserFactory, role=Role.EXPERT, email=factory.Sequence(lambda n: f"expert{n}@example.org")
    )
    origin_country = "SL"
    origin_region = "Bo"
    residence_country = "NL"
    occupation_label = "general practitioner"
    summary = "Physician with ten years of hospital practice."
    years_experience = 10
    sectors = factory.LazyFunction(lambda: ["health"])
    preferred_regions = factory.LazyFunction(list)
    profile_step = 5

    @factory.post_generation
    def details(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create or extracted is False:
            return
        self.languages = [ExpertLanguage(code="en", level=CEFRLevel.C1)]
        self.skills = [ExpertSkill(label="perform clinical examination", proficiency=3)]
        self.availability = [
            AvailabilityWindow(
                start=date.today() + timedelta(days=30), end=date.today() + timedelta(days=200)
            )
        ]
        for purpose in ConsentPurpose:
            db.session.add(
                ConsentRecord(
                    user_id=self.user.id, purpose=purpose, granted=True, text_version="test"
                )
            )
        db.session.commit()


class InstitutionFactory(_Base):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"Bo Government Hospital {n}")
    kind = InstitutionType.HOSPITAL
    country = "SL"
    region = "Bo"
    town = "Bo"
    status = VerificationStatus.VERIFIED


class HostMemberFactory(_Base):
    """A host institution user, member of an institution."""

    class Meta:
        model = InstitutionMember

    institution = factory.SubFactory(InstitutionFactory)
    user = factory.SubFactory(
        UserFactory,
        role=Role.INSTITUTION,
        email=factory.Sequence(lambda n: f"host{n}@example.org"),
    )
    role = MemberRole.ADMIN


class ProgrammeFactory(_Base):
    class Meta:
        model = Programme

    code = factory.Sequence(lambda n: f"PRG-{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")
    start = factory.LazyFunction(lambda: date.today() - timedelta(days=30))
    end = factory.LazyFunction(lambda: date.today() + timedelta(days=700))
    eligible_origin_countries = factory.LazyFunction(lambda: ["SL", "GH"])
    eligible_residence_countries = factory.LazyFunction(list)
    priority_sectors = factory.LazyFunction(list)
    min_weeks = 2
    max_weeks = 26

    @factory.post_generation
    def quotas(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted is None:
            self.quotas = [
                CountryQuota(country=c, max_placements=10, budget=Decimal("50000"))
                for c in self.eligible_origin_countries
            ]
            db.session.commit()


class NeedFactory(_Base):
    class Meta:
        model = Need

    institution = factory.SubFactory(InstitutionFactory)
    title = factory.Sequence(lambda n: f"Emergency care trainer {n}")
    description = "Train nurses and junior doctors in emergency care."
    sector = "health"
    country = factory.SelfAttribute("institution.country")
    region = factory.SelfAttribute("institution.region")
    start = factory.LazyFunction(lambda: date.today() + timedelta(days=40))
    end = factory.LazyFunction(lambda: date.today() + timedelta(days=160))
    duration_weeks = 6
    slots = 1
    status = NeedStatus.OPEN
    host_provides = factory.LazyFunction(list)

    @factory.post_generation
    def details(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create or extracted is False:
            return
        self.skills = [NeedSkill(label="perform clinical examination", required=True)]
        self.languages = [NeedLanguage(code="en", level=CEFRLevel.B2)]
        db.session.commit()


class PlacementFactory(_Base):
    class Meta:
        model = Placement

    need = factory.SubFactory(NeedFactory)
    expert = factory.SubFactory(ExpertFactory)
    status = PlacementStatus.PROPOSED
    start = factory.SelfAttribute("need.start")
    end = factory.LazyAttribute(lambda o: o.need.start + timedelta(weeks=o.need.duration_weeks))


class CrisisFactory(_Base):
    class Meta:
        model = Crisis

    name = factory.Sequence(lambda n: f"Floods {n}")
    country = "SL"
    affected_regions = factory.LazyFunction(lambda: ["Western Area"])
    sectors = factory.LazyFunction(lambda: ["health"])
    start = factory.LazyFunction(date.today)


class PartnerOrganisationFactory(_Base):
    class Meta:
        model = PartnerOrganisation

    name = factory.Sequence(lambda n: f"Sierra Leonean Doctors Abroad {n}")
    kind = PartnerKind.PROFESSIONAL_NETWORK
    country = "NL"
    origin_country = "SL"
    status = VerificationStatus.VERIFIED


class PartnerRepresentativeFactory(_Base):
    class Meta:
        model = PartnerRepresentative

    organisation = factory.SubFactory(PartnerOrganisationFactory)
    user = factory.SubFactory(
        UserFactory, role=Role.PARTNER, email=factory.Sequence(lambda n: f"partner{n}@example.org")
    )


class NotificationFactory(_Base):
    """An unread in-app notification (pass ``read_at`` for a read one)."""

    class Meta:
        model = Notification

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.SelfAttribute("user.id")
    kind = "placement.offer"
    title = factory.Sequence(lambda n: f"You have an offer {n}")
    body = "Answer within fourteen days."
    link = "/expert/"


class TaskRunFactory(_Base):
    """A staff request run as a task; by default a finished CSV export (its file is written by
    the test that needs it, see ``write_export``)."""

    class Meta:
        model = TaskRun

    kind = TaskKind.EXPORT_PLACEMENTS
    status = TaskStatus.DONE
    requested_by = factory.SubFactory(StaffFactory)
    params = factory.LazyFunction(lambda: {"format": "csv"})
    attempts = 1
    result_count = 0


def write_export(run: TaskRun, body: str = "placement,expert\n") -> TaskRun:
    """Give a done export run its file in the export folder (needs an app context)."""
    from placement.task_runs.services import export_folder, export_name

    name = export_name(run)
    folder = export_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    run.result_file = name
    db.session.commit()
    return run
