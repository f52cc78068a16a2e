"""Routing policy: department, receiving centre, escalation and deadlines from routing.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

import holidays as public_holidays

import taxonomy
from referral.places import Place
from taxonomy import yamlfile

HOTLINE = "HOTLINE"


@cache
@cache
def policy() -> dict[str, Any]:
    """Return the routing policy of referral/data/routing.yaml (read once per process, as
    the other data files are: every route and deadline parsed the YAML again, a few
    milliseconds each, several times per case). Callers only read it."""
    text = files("referral").joinpath("data/routing.yaml").read_text(encoding="utf-8")
    return yamlfile.safe_load(text)


@cache
def _zone() -> dt.tzinfo:
    """Return the policy's time zone (Thailand has no daylight saving: UTC+7 as a fallback)."""
    try:
        return ZoneInfo(policy()["timezone"])
    except Exception:  # no tz database on the host
        return dt.timezone(dt.timedelta(hours=7), "Asia/Bangkok")


@cache
def extra_holidays() -> frozenset[dt.date]:
    """Return the days off the Cabinet added (data/holidays_extra.yaml)."""
    text = files("referral").joinpath("data/holidays_extra.yaml").read_text(encoding="utf-8")
    return frozenset(_as_date(d) for d in yamlfile.safe_load(text) or {})


@cache
def _public_holidays(year: int) -> frozenset[dt.date]:
    """Return Thailand's public holidays of one year (the `holidays` package)."""
    return frozenset(public_holidays.country_holidays("TH", years=year))


def is_holiday(day: dt.date) -> bool:
    """Tell whether a day is a public holiday or a day off the Cabinet added."""
    return day in _public_holidays(day.year) or day in extra_holidays()


def _as_date(value: Any) -> dt.date:
    """Return a YAML date key as a date."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Route:
    """Where a case goes: department, receiving centre, escalation chain and deadline rule."""

    department: str | None
    center_id: str
    escalation: tuple[str, ...]
    alert_hotline: bool
    ack_minutes: int | None  # None: the deadline rule is 'next_working_day'
    ack_rule: str


def department_for_topic(topic: str) -> str | None:
    """Return the department code responsible for a topic, or None (topic none or unknown)."""
    return taxonomy.department(topic)


def department_name(code: str, lang: str = "th") -> str:
    """Return the name of a department or routing target in Thai ('th'), short Thai or English."""
    names = taxonomy.departments().get(code)
    if not names:
        return code
    return str(names.get(lang) or names["th"])


def center_id_for_place(place: Place | None) -> str | None:
    """Return the centre covering a place: TC-<subdistrict> or PSO-<province>, None if unknown."""
    if place is None or not place.province_code:
        return None
    target = policy()["centre_by_place"].get(place.level)
    if target == "CENTER" and place.subdistrict_code:
        return f"TC-{place.subdistrict_code}"
    return f"PSO-{place.province_code}"


def _central_intake(department: str | None) -> str:
    """Return the receiving centre when nothing is known of the place."""
    if department is None or department == HOTLINE:
        return str(policy()["unknown_without_department"])
    return f"DEPT-{department}"


def _centre(kind: str, department: str | None, place: Place | None) -> str:
    """Return the receiving centre id by kind and place."""
    by_kind = (policy().get("centre_by_kind") or {}).get(kind)
    if by_kind == "PSO" and place is not None and place.province_code:
        return f"PSO-{place.province_code}"
    return center_id_for_place(place) or _central_intake(department)


def _escalation(center_id: str, place: Place | None) -> tuple[str, ...]:
    """Return the ids above a centre in the chain centre -> provincial office -> hotline."""
    chain: list[str] = []
    for step in policy()["escalation_chain"]:
        if step == "PSO" and place is not None and place.province_code:
            chain.append(f"PSO-{place.province_code}")
        elif step == HOTLINE:
            chain.append(HOTLINE)
    if center_id in chain:
        return tuple(chain[chain.index(center_id) + 1:])
    return tuple(c for c in chain if c != center_id)


def route(topic: str, urgency: str, kind: str = "problem", place: Place | None = None) -> Route:
    """Return the Route of a case from its topic, urgency, kind and place."""
    department = department_for_topic(topic)
    center_id = _centre(kind, department, place)
    # Suicide risk and trafficking are always emergencies, whatever the classifier said.
    if topic in taxonomy.always_emergency():
        urgency = "emergency"
    rule = _urgency_rule(urgency)
    minutes = int(rule["minutes"]) if rule["ack"] == "minutes" else None
    return Route(department, center_id, _escalation(center_id, place),
                 bool(rule.get("alert_hotline")), minutes, str(rule["ack"]))


def _urgency_rule(urgency: str) -> dict[str, Any]:
    """Return the rule of an urgency; an unknown urgency is treated as normal."""
    rules = policy()["urgency"]
    return rules.get(urgency) or rules["normal"]


def is_working_day(day: dt.date) -> bool:
    """Tell whether government offices are open on a day (Monday-Friday, not a holiday)."""
    return day.weekday() < 5 and not is_holiday(day)


def ack_deadline(urgency: str, created_at: dt.datetime) -> dt.datetime:
    """Return when a case must be acknowledged, in Bangkok time (naive input is taken as UTC)."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt.UTC)
    local = created_at.astimezone(_zone())
    rule = _urgency_rule(urgency)
    if rule["ack"] == "minutes":
        return local + dt.timedelta(minutes=int(rule["minutes"]))
    day = local.date() + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, local.timetz())
