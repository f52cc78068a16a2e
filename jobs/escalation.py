"""The escalation job: cases nobody acknowledged in time move up their chain."""

from __future__ import annotations

from handlers import cases as c
from runtime import Runtime


def run_escalation(runtime: Runtime) -> int:
    """Escalate every overdue case (centre → provincial office → hotline); returns how many."""
    with runtime.transaction() as s:
        return c.escalate_overdue(s, runtime.settings)
