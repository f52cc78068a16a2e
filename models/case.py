"""Cases, their history, attachments and the per-year case number counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from models.base import Base, utcnow
from models.center import Center
from models.status import CaseStatus

STATUSES = tuple(CaseStatus)
OPEN_STATUSES = tuple(s for s in CaseStatus if s is not CaseStatus.CLOSED)


class CaseCounter(Base):
    """The last case number given in a Buddhist-era year; updated inside the case's transaction."""

    __tablename__ = "case_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class Case(Base):
    """A request for help, routed to a department and a centre, followed until closed."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("year", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16), default="line")
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(16), index=True)
    target_group: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="th")
    reporter_line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(8))  # self | other
    subject_age_group: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    place_text: Mapped[str | None] = mapped_column(String(300))
    subdistrict_code: Mapped[str | None] = mapped_column(String(6))
    district_code: Mapped[str | None] = mapped_column(String(4))
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    center_id: Mapped[str | None] = mapped_column(ForeignKey("centers.id"))
    phone: Mapped[str | None] = mapped_column(String(20))
    consent_given: Mapped[bool | None]
    consent_at: Mapped[datetime | None]
    consent_notice_version: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    details_complete: Mapped[bool] = mapped_column(default=False)
    ack_due_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(default=0)
    escalated_to: Mapped[str | None] = mapped_column(String(32))
    escalation_chain: Mapped[list[Any]] = mapped_column(default=list)
    legal_basis: Mapped[str | None] = mapped_column(String(32))  # consent | vital_interest
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    center: Mapped[Center | None] = relationship(lazy="joined")
    history: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id"
    )

    @property
    def is_open(self) -> bool:
        """True until the case is closed."""
        return self.status in OPEN_STATUSES

    def record(self, event: str, actor: str = "system", **detail: Any) -> CaseEvent:
        """Append an entry to the case history and return it."""
        entry = CaseEvent(event=event, actor=actor, detail=detail or {})
        session = object_session(self)
        if session is not None and "history" not in self.__dict__:
            # Appending to an unloaded history would first read all of it; set from the
            # entry's side it is only queued (and joins the list if the list is read).
            entry.case = self
            session.add(entry)
        else:
            self.history.append(entry)
        self.updated_at = utcnow()
        return entry


class CaseEvent(Base):
    """One entry of a case's history: created, notified, acknowledged, escalated, ..."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64), default="system")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case] = relationship(back_populates="history")

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as the case API shows it."""
        return {"at": self.at.isoformat(), "event": self.event, "actor": self.actor,
                "detail": self.detail}


class Attachment(Base):
    """A photo, voice note, video or file a citizen sent; content fetched from LINE soon."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    line_message_id: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case | None] = relationship(back_populates="attachments")


class Contact(Base):
    """Every request the bot classified: the hotline's daily counts by kind, topic and urgency.

    Only suggestions keep their text (that is what they are for); other kinds keep labels only.
    """

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    language: Mapped[str] = mapped_column(String(8), default="th")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
