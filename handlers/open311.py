"""Open311 GeoReport v2 (JSON) at /open311/v2/: topics as services, cases as requests.

Public answers carry no personal data: no description, phone, name or typed address, and the
coordinates are rounded to about a kilometre. POST needs an API key (OPEN311_API_KEYS).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

import taxonomy
from handlers import cases as c
from handlers import messages as m
from intents import classify
from models import Case, utcnow
from referral import Place, locate_pin, locate_text
from referral.routing import department_name
from runtime import Runtime

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
TOPICS = taxonomy.topic_names(include_none=False)
CHANNELS = ("ess", "tpmap", "walk_in")
# Even a rounded point can lead an abuser to a village: these topics never show one.
NO_PUBLIC_POINT = ("domestic_violence", "trafficking", "suicide_risk", "child_protection")


def _rt() -> Runtime:
    return current_app.extensions["runtime"]


def _error(status: int, code: int, description: str) -> Any:
    return jsonify([{"code": code, "description": description}]), status


def api_keys() -> dict[str, str]:
    """OPEN311_API_KEYS "channel:key channel:key" → {key: channel}."""
    out: dict[str, str] = {}
    for item in _rt().settings.open311_api_keys.replace(";", " ").split():
        channel, _, key = item.partition(":")
        if key:
            out[key] = channel if channel in CHANNELS else "open311"
    return out


@bp.get("/services.json")
@bp.get("/services")
def services() -> Any:
    """Every topic as a service."""
    return jsonify([{"service_code": t, "service_name": m.topic_label(t),
                     "description": m.topic_label(t, "en"), "metadata": False,
                     "type": "realtime", "keywords": t.replace("_", ","), "group": "social"}
                    for t in TOPICS])


def request_json(case: Case) -> dict[str, Any]:
    """A case as a public GeoReport request: labels, coarse place, statuses, no personal data."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None
    shown = case.latitude is not None and case.longitude is not None \
        and case.topic not in NO_PUBLIC_POINT
    return {
        "service_request_id": case.case_no, "status": "open" if case.is_open else "closed",
        "x_status": case.status, "x_urgency": case.urgency, "x_channel": case.channel,
        "status_notes": m.t(f"status_{case.status}"), "service_name": m.topic_label(case.topic),
        "service_code": case.topic, "description": None,
        "agency_responsible": department_name(case.department, "th") if case.department else None,
        "service_notice": None, "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at), "expected_datetime": iso(case.ack_due_at),
        "address": None, "address_id": None, "zipcode": None,
        "x_province_code": case.province_code,
        "lat": round(case.latitude, 2) if shown else None,
        "long": round(case.longitude, 2) if shown else None,
        "media_url": None,
    }


def _parse_time(raw: str | None) -> datetime | None:
    if not raw:
        return None
    value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("dates need a time zone")
    return value


@bp.get("/requests.json")
@bp.get("/requests")
def list_requests() -> Any:
    """Requests, newest first: service_code, status (open|closed), start_date, end_date."""
    query = select(Case).order_by(Case.id.desc()).limit(200)
    args = request.args
    if args.get("service_code"):
        query = query.where(Case.topic.in_(args["service_code"].split(",")[:20]))
    status = args.get("status")
    if status in ("open", "closed"):
        query = query.where(Case.status == "closed" if status == "closed"
                            else Case.status != "closed")
    try:
        start, end = _parse_time(args.get("start_date")), _parse_time(args.get("end_date"))
    except ValueError:
        return _error(400, 400, "start_date and end_date must be ISO 8601 with a time zone")
    if start:
        query = query.where(Case.created_at >= start)
    if end:
        query = query.where(Case.created_at < end)
    with _rt().transaction() as s:
        return jsonify([request_json(k) for k in s.scalars(query).unique().all()])


@bp.get("/requests/<case_no>.json")
@bp.get("/requests/<case_no>")
def one_request(case_no: str) -> Any:
    """One request, as a list of one (the GeoReport convention)."""
    with _rt().transaction() as s:
        case = s.scalar(select(Case).where(Case.case_no == case_no[:20]))
        if case is None:
            return _error(404, 404, "no such service request")
        return jsonify([request_json(case)])


def _place(form: dict[str, Any]) -> tuple[Place | None, dict[str, Any]]:
    lat, lon, text = form.get("lat"), form.get("long"), str(form.get("address_string") or "")
    result = None
    if lat not in (None, "") and lon not in (None, ""):
        result = locate_pin(float(lat), float(lon), address=text or None)
    elif text:
        result = locate_text(text[:300])
    best = result.best if result is not None and not result.ambiguous else None
    if best is None:
        return None, {"text": text[:200]} if text else {}
    return best, {"subdistrict_code": best.subdistrict_code, "district_code": best.district_code,
                  "province_code": best.province_code, "label_th": best.label_th,
                  "latitude": best.latitude, "longitude": best.longitude}


@bp.post("/requests.json")
@bp.post("/requests")
def create_request() -> Any:
    """Create a case from another channel (ESS Help Me, TPMAP, a walk-in form)."""
    form: dict[str, Any] = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(form, dict):
        return _error(400, 400, "the body must be a JSON object or a form")
    key = str(form.get("api_key") or request.args.get("api_key") or "")
    channel = next((ch for k, ch in api_keys().items()
                    if key and hmac.compare_digest(k.encode(), key.encode())), None)
    if channel is None:
        return _error(403, 403, "a valid api_key is required")
    topic = str(form.get("service_code") or "")
    if topic not in TOPICS:
        return _error(400, 400, "service_code must be one of the services")
    description = str(form.get("description") or "")[:3000]
    try:
        place, place_dict = _place(form)
    except (TypeError, ValueError):
        return _error(400, 400, "lat and long must be numbers")
    urgency = classify(description).urgency if description else "normal"
    phone = "".join(ch for ch in str(form.get("phone") or "") if ch.isdigit())[:20] or None
    intake = c.Intake(kind="problem", topic=topic, urgency=urgency, description=description,
                      reporter=f"open311:{channel}", place=place_dict, phone=phone,
                      consent=True, consent_at=utcnow(), notice_version="open311")
    with _rt().transaction() as s:
        case = c.create_case(s, _rt().settings, intake, place)
        case.channel = channel
        case.record("open311_received", actor=f"open311:{channel}")
        case_no = case.case_no
    return jsonify([{"service_request_id": case_no, "service_notice": None,
                     "account_id": None}]), 201
