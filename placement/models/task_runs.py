"""Staff-submitted background work (exports, global assignment runs): one durable row
per request, so the work survives a closed browser or a killed worker and the staff member can
come back to its page."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from placement.models.base import Base, PublicIdMixin, UTCDateTime, enum_column, utcnow
from placement.models.users import User


class TaskKind(enum.StrEnum):
    EXPORT_PLACEMENTS = "export_placements"
    PROPOSE_PLAN = "propose_plan"


class TaskStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FINISHED = frozenset({TaskStatus.DONE, TaskStatus.FAILED})


class TaskRun(PublicIdMixin, Base):
    """What was asked (kind, parameters), by whom and when; where it stands; what came of it.

    ``status`` becomes DONE in the same transaction as the work's own writes, so a run killed
    half-way stays RUNNING (and runs again) instead of claiming output it did not make."""

    __tablename__ = "task_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind), nullable=False)
    status: Mapped[TaskStatus] = mapped_column(
        enum_column(TaskStatus), default=TaskStatus.QUEUED, nullable=False, index=True
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # When its task was last handed to the queue: a run still queued long after is handed
    # again (the requeue-task-runs job), in case the broker lost the message.
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_count: Mapped[int | None] = mapped_column(Integer)
    # The export's file name inside the export folder (never a path given by a user).
    result_file: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)

    requested_by: Mapped[User] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
