"""The domain model. Import models from here."""

from placement.models.base import Base, utcnow
from placement.models.experts import (
    AvailabilityWindow,
    CEFRLevel,
    Document,
    DocumentKind,
    ExpertLanguage,
    ExpertProfile,
    ExpertSkill,
    Gender,
    Qualification,
    QualificationKind,
)
from placement.models.institutions import (
    Institution,
    InstitutionInvitation,
    InstitutionMember,
    InstitutionType,
    MemberRole,
    VerificationStatus,
)
from placement.models.needs import (
    Interest,
    InterestSource,
    Need,
    NeedLanguage,
    NeedSkill,
    NeedStatus,
)
from placement.models.outcomes import OutcomeReport, RespondentRole, SurveyPoint
from placement.models.placements import (
    BOOKED_STATUSES,
    BudgetLine,
    LogisticsItem,
    LogisticsKind,
    Placement,
    PlacementStatus,
)
from placement.models.programmes import CountryQuota, Programme
from placement.models.records import (
    AuditEvent,
    AuditTrailIsImmutable,
    ConsentPurpose,
    ConsentRecord,
    EmailStatus,
    Notification,
    OutboxEmail,
)
from placement.models.users import Role, User

__all__ = [
    "BOOKED_STATUSES",
    "AuditEvent",
    "AuditTrailIsImmutable",
    "AvailabilityWindow",
    "Base",
    "BudgetLine",
    "CEFRLevel",
    "ConsentPurpose",
    "ConsentRecord",
    "CountryQuota",
    "Document",
    "DocumentKind",
    "EmailStatus",
    "ExpertLanguage",
    "ExpertProfile",
    "ExpertSkill",
    "Gender",
    "Institution",
    "InstitutionInvitation",
    "InstitutionMember",
    "InstitutionType",
    "Interest",
    "InterestSource",
    "LogisticsItem",
    "LogisticsKind",
    "MemberRole",
    "Need",
    "NeedLanguage",
    "NeedSkill",
    "NeedStatus",
    "Notification",
    "OutboxEmail",
    "OutcomeReport",
    "Placement",
    "PlacementStatus",
    "Programme",
    "Qualification",
    "QualificationKind",
    "RespondentRole",
    "Role",
    "SurveyPoint",
    "User",
    "VerificationStatus",
    "utcnow",
]
