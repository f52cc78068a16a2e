"""Consent recorded per purpose, with the privacy notice version and the time (PDPA s.19)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from models import Consent

if TYPE_CHECKING:
    from handlers.turn import Turn


def purposes_answered(agreed: bool, phone_given: bool) -> list[tuple[str, bool, str]]:
    """Return (purpose, granted, evidence) for the answer to the consent question.

    The question names the agencies and the phone number: a yes with a number given
    grants the call-back too; without a number there is nothing to call."""
    follow_up = agreed and phone_given
    evidence = "consent_question_with_phone" if phone_given else "consent_question_no_phone"
    return [("share_with_agencies", agreed, "consent_question"),
            ("follow_up_contact", follow_up, evidence)]


def record_consent(turn: Turn, agreed: bool) -> None:
    """Store the citizen's answer once per purpose (emergencies need none: vital interest)."""
    phone_given = bool(turn.data.get("phone"))
    for purpose, granted, evidence in purposes_answered(agreed, phone_given):
        turn.session.add(Consent(
            line_user_id=turn.user_id, purpose=purpose, granted=granted, evidence=evidence,
            notice_version=turn.settings.privacy_notice_version, language=turn.lang,
            given_at=turn.now))
