"""Statuses and urgencies as enums (StrEnum: stored and compared as their plain strings)."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a case stands: new → acknowledged → in_progress → referred → closed."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    CLOSED = "closed"


class Urgency(StrEnum):
    """How urgent a request is (taxonomy §3)."""

    EMERGENCY = "emergency"
    HIGH = "high"
    NORMAL = "normal"
