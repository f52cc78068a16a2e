"""What is held about a citizen (PDPA s.30 right of access), without echoing their words."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers import messages as m
from models import Attachment, Case, Consent, Contact, Conversation, LineUser
from privacy.erasure import cases_of, is_erased
from privacy.texts import joined, t

BANGKOK = timezone(timedelta(hours=7))
CONVERSATION_KINDS = (("phone", "phone"), ("description", "story"), ("place", "place"))


def _kinds(case: Case, attachments: int) -> list[str]:
    kinds = ["line_id"]
    if case.phone:
        kinds.append("phone")
    if case.description:
        kinds.append("story")
    if case.place_text or case.latitude is not None or case.subdistrict_code:
        kinds.append("place")
    if attachments:
        kinds.append(f"attachments:{attachments}")
    return kinds


def _case_entry(session: Session, case: Case) -> dict[str, Any]:
    attachments = session.scalar(select(func.count(Attachment.id))
                                 .where(Attachment.case_id == case.id)) or 0
    return {"case_no": case.case_no, "status": case.status, "topic": case.topic,
            "urgency": case.urgency, "legal_basis": case.legal_basis,
            "created_at": case.created_at.isoformat(),
            "personal_data": _kinds(case, attachments)}


def _consent_entry(row: Consent) -> dict[str, Any]:
    return {"purpose": row.purpose, "granted": row.granted, "evidence": row.evidence,
            "notice_version": row.notice_version, "given_at": row.given_at.isoformat(),
            "withdrawn_at": row.withdrawn_at.isoformat() if row.withdrawn_at else None}


def held(session: Session, user_id: str) -> dict[str, Any]:
    """Return what is held about one LINE user: cases, consents, contacts, unsent answers."""
    consents = session.scalars(select(Consent).where(Consent.line_user_id == user_id)
                               .order_by(Consent.given_at, Consent.id)).all()
    conv = session.get(Conversation, user_id)
    data = (conv.data or {}) if conv else {}
    return {
        "line_user_id": user_id,
        "line_account": session.get(LineUser, user_id) is not None,
        "cases": [_case_entry(session, k) for k in cases_of(session, user_id)],
        "consents": [_consent_entry(r) for r in consents],
        "contacts": session.scalar(select(func.count(Contact.id))
                                   .where(Contact.line_user_id == user_id)) or 0,
        "attachments_without_case": session.scalar(select(func.count(Attachment.id)).where(
            Attachment.line_user_id == user_id, Attachment.case_id.is_(None))) or 0,
        "conversation": [kind for key, kind in CONVERSATION_KINDS if data.get(key)],
    }


def holds_anything(found: dict[str, Any]) -> bool:
    """True when anything personal is held (an account row alone counts)."""
    return any(found[k] for k in ("line_account", "cases", "consents", "contacts",
                                  "attachments_without_case", "conversation"))


def _kind_label(kind: str, lang: str) -> str:
    name, _, count = kind.partition(":")
    return t(f"kind_{name}", lang, count=count) if count else t(f"kind_{name}", lang)


def _date(moment: str) -> str:
    from datetime import datetime

    local = datetime.fromisoformat(moment).astimezone(BANGKOK)
    return f"{local:%d/%m}/{local.year + 543}"


def _case_line(entry: dict[str, Any], lang: str) -> str:
    line = t("held_case", lang, case_no=entry["case_no"],
             status=m.t(f"status_{entry['status']}", lang),
             kinds=joined([_kind_label(k, lang) for k in entry["personal_data"]], lang))
    if entry["legal_basis"] == "vital_interest":
        line += t("held_case_basis_vital", lang)
    return line


def _consent_line(entry: dict[str, Any], lang: str) -> str:
    answer = "withdrawn" if entry["withdrawn_at"] else ("granted" if entry["granted"] else "refused")
    return t("held_consent", lang, purpose=t(f"purpose_{entry['purpose']}", lang),
             answer=t(f"answer_{answer}", lang), version=entry["notice_version"],
             date=_date(entry["given_at"]))


def describe(found: dict[str, Any], lang: str) -> str:
    """Return the citizen's view of what is held: kinds of data, never the data itself."""
    lines = [t("held_intro", lang)]
    if found["line_account"]:
        lines.append(t("held_account", lang))
    lines += [_case_line(e, lang) for e in found["cases"]]
    lines += [_consent_line(e, lang) for e in found["consents"]]
    if found["contacts"]:
        lines.append(t("held_contacts", lang, count=found["contacts"]))
    if found["attachments_without_case"]:
        lines.append(t("held_attachments", lang, count=found["attachments_without_case"]))
    if found["conversation"]:
        lines.append(t("held_conversation", lang,
                       kinds=joined([_kind_label(k, lang) for k in found["conversation"]], lang)))
    return "\n".join(lines) + "\n\n" + t("held_outro", lang)


def case_held(case: Case) -> dict[str, Any]:
    """Return one case as the admin command shows it (kinds of personal data, not the data)."""
    return {"case_no": case.case_no, "status": case.status, "urgency": case.urgency,
            "erased": is_erased(case), "reporter_line_user_id": case.reporter_line_user_id,
            "personal_data": [] if is_erased(case) else _kinds(case, len(case.attachments))}
