"""The case API for staff tools and integrations: per-staff tokens, scoped like the dashboard.

`Authorization: Bearer <token>`: a staff member's personal token (created and revoked with
`flask staff token` or on the dashboard) sees what that staff member's role covers; the shared
ADMIN_API_TOKEN is kept only as a bootstrap admin for first set-up and break-glass use.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from handlers import cases as c
from handlers import staff_core as sc
from models import STATUSES, Case, Staff, utcnow
from runtime import Runtime

bp = Blueprint("api", __name__, url_prefix="/api/v1")
FILTERS = ("line_user_id", "status", "department", "province_code", "urgency")
TRANSITIONS = c.TRANSITIONS
COLUMN = {"line_user_id": Case.reporter_line_user_id, "status": Case.status,
          "department": Case.department, "province_code": Case.province_code,
          "urgency": Case.urgency}


@bp.errorhandler(HTTPException)
def json_error(error: HTTPException) -> Any:
    """API errors as JSON {"error": …} with their status, never an HTML page."""
    return jsonify({"error": error.description, "status": error.code}), error.code


def principal(session: Session) -> Staff:
    """The staff member behind the request's bearer token; 401 when there is none."""
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or len(given) > 200:
        abort(401)
    raw = given[len("Bearer "):].strip()
    expected = _runtime().settings.admin_api_token
    if expected and hmac.compare_digest(raw.encode(), expected.encode()):
        return sc.bootstrap_admin()
    staff = sc.staff_for_token(session, raw)
    if staff is None:
        abort(401)
    return staff


@bp.before_request
def require_token() -> None:
    """401 before any work unless the request carries a valid token."""
    with _runtime().transaction() as s:
        g.api_staff = principal(s)


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
    query = sc.scoped_cases(g.api_staff).order_by(Case.id.desc())
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
        for case in found:
            sc.audit(s, g.api_staff, "api_view", case)
        return jsonify({"cases": [case_json(k) for k in found], "count": len(found)})


def _find(s: Any, case_no: str) -> Case:
    # Out of scope answers like missing: a centre learns nothing of another centre's cases.
    case = sc.find_case(s, g.api_staff, case_no[:20])
    if case is None:
        abort(404)
    return case


@bp.get("/cases/<case_no>")
def get_case(case_no: str) -> Any:
    """One case with its history."""
    with _runtime().transaction() as s:
        case = _find(s, case_no)
        sc.audit(s, g.api_staff, "api_view", case)
        return jsonify(case_json(case))


def _text_field(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        abort(400, f"{name} must be a string")
    return value.strip()[:limit]


@bp.post("/cases/<case_no>/status")
def set_status(case_no: str) -> Any:
    """Move a case (JSON {status, note?, citizen_note?, outcome?}); the citizen hears citizen_note only."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "the body must be a JSON object")
    status = body.get("status")
    if not isinstance(status, str) or status not in STATUSES:
        abort(400, f"status must be one of {', '.join(STATUSES)}")
    note = _text_field(body, "note", 500)
    citizen_note = _text_field(body, "citizen_note", 500)
    outcome = _text_field(body, "outcome", 32) or "other"
    if outcome not in sc.OUTCOMES:
        abort(400, f"outcome must be one of {', '.join(sc.OUTCOMES)}")
    with _runtime().transaction() as s:
        case = _find(s, case_no)
        if status not in TRANSITIONS[case.status]:
            abort(409, f"a case that is {case.status} cannot become {status}")
        staff = g.api_staff
        if status == "acknowledged" and case.status == "new":
            c.acknowledge(s, case, f"api:{staff.username}", utcnow())
        elif status == "closed":
            # Closing asks the citizen for a rating and offers the reopen, as on LINE.
            sc.close(s, _runtime().settings, case, staff, outcome, utcnow(), citizen_note)
            if note:
                case.record("internal_note", actor=f"api:{staff.username}", text=note)
        else:
            c.change_status(s, case, status, actor=f"api:{staff.username}", note=note,
                            citizen_note=citizen_note)
        case.ack_due_at = None  # someone is on it: no more escalation
        sc.audit(s, staff, "api_change", case, status=status)
        return jsonify(case_json(case))
