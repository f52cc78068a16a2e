"""Routing follows referral/data/routing.yaml: departments, centres, escalation, deadlines."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import taxonomy
from referral import locate_text
from referral.places import make_place
from referral.routing import (
    ack_deadline,
    center_id_for_place,
    department_name,
    is_holiday,
    policy,
    route,
)

BKK = ZoneInfo("Asia/Bangkok")
TAMBON = make_place("500109", 1.0)
DISTRICT = make_place("5001", 1.0)
PROVINCE = make_place("50", 1.0)


@pytest.mark.parametrize("topic", taxonomy.topic_names())
def test_every_topic_goes_to_the_department_of_the_taxonomy(topic: str) -> None:
    assert route(topic, "normal", "problem", TAMBON).department == taxonomy.department(topic)


@pytest.mark.parametrize(
    ("place", "topic", "kind", "center", "escalation"),
    [
        (TAMBON, "elderly_care", "problem", "TC-500109", ("PSO-50", "HOTLINE")),
        (DISTRICT, "elderly_care", "problem", "PSO-50", ("HOTLINE",)),
        (PROVINCE, "hardship", "problem", "PSO-50", ("HOTLINE",)),
        (None, "elderly_care", "problem", "DEPT-DOP", ("HOTLINE",)),
        (None, "trafficking", "problem", "DEPT-ATP", ("HOTLINE",)),
        (None, "suicide_risk", "problem", "HOTLINE", ()),
        (None, "none", "inquiry", "HOTLINE", ()),
        (TAMBON, "disability", "complaint", "PSO-50", ("HOTLINE",)),
        (None, "disability", "complaint", "DEPT-DEP", ("HOTLINE",)),
    ],
)
def test_centre_and_escalation_by_place_and_kind(place, topic, kind, center, escalation) -> None:
    rt = route(topic=topic, urgency="normal", kind=kind, place=place)
    assert (rt.center_id, rt.escalation) == (center, escalation)


def test_routing_a_typed_place() -> None:
    rt = route("elderly_care", "emergency", "problem", locate_text("ต.แม่เหียะ อ.เมือง จ.เชียงใหม่").best)
    assert (rt.department, rt.center_id, rt.escalation) == ("DOP", "TC-500109", ("PSO-50", "HOTLINE"))
    assert rt.alert_hotline and rt.ack_minutes == 15


@pytest.mark.parametrize(
    ("topic", "urgency", "alert", "minutes", "rule"),
    [
        ("elderly_care", "emergency", True, 15, "minutes"),
        ("hardship", "high", False, 240, "minutes"),
        ("hardship", "normal", False, None, "next_working_day"),
        ("hardship", "unheard-of", False, None, "next_working_day"),
        ("suicide_risk", "normal", True, 15, "minutes"),
        ("trafficking", "high", True, 15, "minutes"),
    ],
)
def test_urgency_sets_alert_and_deadline_rule(topic, urgency, alert, minutes, rule) -> None:
    rt = route(topic, urgency, "problem", TAMBON)
    assert (rt.alert_hotline, rt.ack_minutes, rt.ack_rule) == (alert, minutes, rule)


def test_center_id_for_place() -> None:
    assert center_id_for_place(TAMBON) == "TC-500109"
    assert center_id_for_place(DISTRICT) == "PSO-50"
    assert center_id_for_place(None) is None


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [
        ("DOP", "th", "กรมกิจการผู้สูงอายุ"),
        ("DOP", "en", "Department of Older Persons"),
        ("DOP", "short_th", "ผส."),
        ("HOTLINE", "th", "ศูนย์ช่วยเหลือสังคม สายด่วน 1300"),
        ("XYZ", "th", "XYZ"),
    ],
)
def test_department_names(code: str, lang: str, name: str) -> None:
    assert department_name(code, lang) == name


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    """Return a Bangkok time."""
    return dt.datetime(y, m, d, h, mi, tzinfo=BKK)


@pytest.mark.parametrize(
    ("urgency", "created", "deadline"),
    [
        ("emergency", at(2026, 11, 20, 23, 50), at(2026, 11, 21, 0, 5)),
        ("high", at(2026, 11, 21, 22, 0), at(2026, 11, 22, 2, 0)),  # clock time, weekend too
        ("normal", at(2026, 11, 18), at(2026, 11, 19)),  # Wednesday -> Thursday
        ("normal", at(2026, 11, 20, 16, 30), at(2026, 11, 23, 16, 30)),  # Friday -> Monday
        ("normal", at(2026, 11, 21), at(2026, 11, 23)),  # Saturday -> Monday
        ("normal", at(2026, 11, 22), at(2026, 11, 23)),  # Sunday -> Monday
        ("normal", at(2026, 12, 4), at(2026, 12, 8)),  # Friday; Monday 7 Dec is a substitution day
        ("normal", at(2026, 12, 30), at(2027, 1, 4)),  # 31 Dec and 1 Jan off, then a weekend
        ("normal", at(2026, 4, 10), at(2026, 4, 16)),  # Songkran
    ],
)
def test_ack_deadline_skips_weekends_and_holidays(urgency, created, deadline) -> None:
    assert ack_deadline(urgency, created) == deadline


def test_ack_deadline_converts_utc_and_naive_times_to_bangkok() -> None:
    utc = dt.datetime(2026, 11, 20, 20, 0, tzinfo=dt.UTC)  # Saturday 03:00 in Bangkok
    assert ack_deadline("normal", utc) == at(2026, 11, 23, 3, 0)
    assert ack_deadline("normal", utc.replace(tzinfo=None)) == at(2026, 11, 23, 3, 0)
    assert ack_deadline("normal", utc).utcoffset() == dt.timedelta(hours=7)


def test_policy_lists_holidays_and_deadlines_for_review() -> None:
    p = policy()
    assert p["urgency"]["emergency"]["minutes"] == 15
    assert p["urgency"]["high"]["minutes"] == 240


def test_holidays_come_from_the_package_for_every_year() -> None:
    # Lunar holidays move each year: the package computes them, far past the old hand list.
    assert is_holiday(dt.date(2030, 4, 14))  # Songkran
    assert is_holiday(dt.date(2026, 3, 3))  # Makha Bucha 2026
    assert not is_holiday(dt.date(2030, 11, 20))
    assert ack_deadline("normal", at(2031, 12, 4, 10, 0)) == at(2031, 12, 8, 10, 0)  # Fri 5 Dec
