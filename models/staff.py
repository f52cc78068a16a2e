"""Staff accounts, their API tokens, one-time LINE link codes, case work and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import Base, utcnow
from models.case import Case

ROLES = ("centre", "province", "department", "hotline", "admin")


def token_digest(raw: str) -> str:
    """Return the stored form of a secret token or code (SHA-256; the raw value is never kept)."""
    return hashlib.sha256(raw.encode()).hexdigest()


class Staff(Base):
    """A staff member: a role and the one centre, province or department it covers."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(16))
    center_id: Mapped[str | None] = mapped_column(ForeignKey("centers.id"))
    province_code: Mapped[str | None] = mapped_column(String(2))
    department: Mapped[str | None] = mapped_column(String(16))
    line_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # The case this staff member is writing to from LINE: their next text goes to its citizen.
    writing_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    writing_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        """Every loaded staff row is a signed-in user to Flask-Login."""
        return True

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot sign in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Staff are never anonymous."""
        return False

    def get_id(self) -> str:
        """The session key Flask-Login stores."""
        return str(self.id)

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def actor(self) -> str:
        """How this staff member appears in case history."""
        return f"staff:{self.username}"

    @property
    def scope_label(self) -> str:
        """What the account covers, in words for the dashboard."""
        return {"centre": self.center_id, "province": f"จังหวัด {self.province_code}",
                "department": self.department, "hotline": "ทั่วประเทศ",
                "admin": "ผู้ดูแลระบบ"}.get(self.role) or "-"


class ApiToken(Base):
    """A personal API token of a staff member; only its digest is stored."""

    __tablename__ = "staff_api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @staticmethod
    def new_secret() -> str:
        """A fresh random token, shown to its owner once."""
        return "mso_" + secrets.token_urlsafe(32)


class LinkCode(Base):
    """A one-time code that links a staff member's LINE account or a LINE group to a centre."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # staff | group
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    center_id: Mapped[str | None] = mapped_column(ForeignKey("centers.id"))
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(64))


class CaseWork(Base):
    """How staff work one case: who accepted it, the relay thread, the outcome and the rating."""

    __tablename__ = "case_work"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True,
                                         autoincrement=False)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Until then, the citizen's plain texts (while no conversation is open) go to the staff.
    citizen_reply_until: Mapped[datetime | None]
    details_fallback_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    rating: Mapped[int | None]
    rated_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(default=0)


class AuditLog(Base):
    """Who viewed or changed personal data of which case, and when (PDPA accountability)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # view | change | export | message | ...
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    case_no: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


# A centre's case list filters on the centre: declared here so models/case.py stays as it is.
Index("ix_cases_center_id", Case.center_id)
