"""The case API for staff tools and integrations (Bearer ADMIN_API_TOKEN)."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import select

from handlers import cases as c
from models import STATUSES, Case
from runtime import Runtime

bp = Blueprint("api", __name__, url_prefix="/api/v1")
FILTERS = ("line_user_id", "status", "department", "province_code", "urgency")
# Where a case may go next; a closed case stays closed (reopening is a new case).
TRANSITIONS = {"new": {"acknowledged", "in_progress", "referred", "closed"},
               "acknowledged": {"in_progress", "referred", "closed"},
               "in_progress": {"referred", "closed"},
               "referred": {"in_progress", "closed"},
               "closed": set()}
COLUMN = {"line_user_id": Case.reporter_line_user_id, "status": Case.status,
          "department": Case.department, "province_code": Case.province_code,
          "urgency": Case.urgency}


@bp.before_request
def require_token() -> None:
    """401 unless the request carries the admin token (constant-time compare)."""
    expected = current_app.extensions["runtime"].settings.admin_api_token
    given = request.headers.get("Authorization", "")
    if not expected or not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        abort(401)


def case_json(case: Case, with_history: bool = True) -> dict[str, Any]:
    """Return a case as the API shows it."""
    data: dict[str, Any] = {
        "case_no": case.case_no, "kind": case.kind, "topic": case.topic,
        "urgency": case.urgency, "department": case.department,
        "target_group": case.target_group, "status": case.status,
        "reporter": {"line_user_id": case.reporter_line_user_id},
        "person_in_need": {"subject": case.subject, "age_group": case.subject_age_group},
        "description": case.description,
        "place": {"text": case.place_text, "subdistrict_code": case.subdistrict_code,
                  "district_code": case.district_code, "province_code": case.province_code,
                  "latitude": case.latitude, "longitude": case.longitude},
        "center": case.center.to_dict() if case.center else None,
        "phone": case.phone,
        "consent": {"given": case.consent_given, "legal_basis": case.legal_basis,
                    "at": case.consent_at.isoformat() if case.consent_at else None,
                    "notice_version": case.consent_notice_version},
        "attachments": [{"id": a.id, "media_type": a.media_type, "status": a.status,
                         "size": a.size} for a in case.attachments],
        "ack_due_at": case.ack_due_at.isoformat() if case.ack_due_at else None,
        "acknowledged_at": case.acknowledged_at.isoformat() if case.acknowledged_at else None,
        "escalation_level": case.escalation_level,
        "created_at": case.created_at.isoformat(), "updated_at": case.updated_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
    }
    if with_history:
        data["history"] = [h.to_dict() for h in case.history]
    return data


def _runtime() -> Runtime:
    return current_app.extensions["runtime"]


@bp.get("/cases")
def list_cases() -> Any:
    """Cases, newest first, filtered by any of FILTERS; ?limit= up to 500."""
    query = select(Case).order_by(Case.id.desc())
    for name in FILTERS:
        value = request.args.get(name)
        if value:
            query = query.where(COLUMN[name] == value)
    try:
        limit = min(max(int(request.args.get("limit", 100)), 1), 500)
    except ValueError:
        abort(400, "limit must be a number")
    with _runtime().transaction() as s:
        found = s.scalars(query.limit(limit)).unique().all()
        return jsonify({"cases": [case_json(k) for k in found], "count": len(found)})


def _find(s: Any, case_no: str) -> Case:
    case = s.scalar(select(Case).where(Case.case_no == case_no))
    if case is None:
        abort(404)
    return case


@bp.get("/cases/<case_no>")
def get_case(case_no: str) -> Any:
    """One case with its history."""
    with _runtime().transaction() as s:
        return jsonify(case_json(_find(s, case_no)))


@bp.post("/cases/<case_no>/status")
def set_status(case_no: str) -> Any:
    """Move a case to a new status (JSON {status, note?, actor?}); the citizen is told."""
    body = request.get_json(silent=True) or {}
    status = body.get("status")
    if status not in STATUSES:
        abort(400, f"status must be one of {', '.join(STATUSES)}")
    with _runtime().transaction() as s:
        case = _find(s, case_no)
        if status not in TRANSITIONS[case.status]:
            abort(409, f"a case that is {case.status} cannot become {status}")
        # The token is shared, so the actor named in the body is recorded as a claim.
        claimed = str(body.get("actor") or "")[:48]
        actor = f"api:{claimed}" if claimed else "api"
        c.change_status(s, case, status, actor=actor, note=str(body.get("note") or "")[:500])
        case.ack_due_at = None  # someone is on it: no more escalation
        return jsonify(case_json(case))
