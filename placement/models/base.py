"""Declarative base, naming convention and the column helpers every model shares."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Enum, MetaData, String, TypeDecorator, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so Alembic batch migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now; all times are stored in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


E = TypeVar("E", bound=enum.Enum)


def enum_column(enum_class: type[E], length: int = 32) -> Enum:
    """A portable string enum column storing the member's value (no native PG enum to migrate)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self) -> str:
        key = getattr(self, "uuid", None) or getattr(self, "id", None)
        return f"<{type(self).__name__} {key}>"


class PublicIdMixin:
    """An opaque UUID for URLs: personal records never expose sequential ids."""

    uuid: Mapped[uuid.UUID] = mapped_column(
        Uuid, unique=True, index=True, default=uuid.uuid4, nullable=False
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def country_column(**kwargs: Any) -> Any:
    """ISO 3166-1 alpha-2 code."""
    return mapped_column(String(2), **kwargs)
