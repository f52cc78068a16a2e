"""A scripted day of staff work on one clock: notifications with buttons, acceptance from LINE
and the dashboard, a referral, escalation on time, status pushes, rating, reopen, the daily
report and Open311 — and role scoping by URL, export and API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import cases as c
from handlers import report as rp
from models import AuditLog, Case, CaseWork, utcnow
from tests.conftest import FALLBACK_GROUP, HOTLINE_GROUP
from tests.staff_helpers import PASSWORD, link_line, make_staff, staff_writing_to_citizen
from tests.test_conversation import answer_questions, latest_case

EMERGENCY = "ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่"
HIGH = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"
NORMAL = ("ครูสังเกตว่านักเรียนอายุ 9 ขวบมีรอยช้ำตามแขนบ่อยๆ สงสัยว่าถูกทำร้ายที่บ้าน "
          "อยากให้เจ้าหน้าที่เข้าไปตรวจสอบ")
OPEN311_KEY = "k-ess-test-1"


@pytest.fixture
def settings(settings):
    """The day's settings: an Open311 key for the ESS Help Me channel."""
    return settings.with_overrides(open311_api_keys=f"ess:{OPEN311_KEY}")


def _csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert found, "every form carries a CSRF token"
    return found.group(1).decode()


def sign_in(client, username: str) -> None:
    """Sign in on the dashboard as a browser would (CSRF token from the form)."""
    token = _csrf(client.get("/staff/login").data)
    answer = client.post("/staff/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": token})
    assert answer.status_code == 302, "signed in"


def dashboard_act(client, case_no: str, worker=None, **form: str) -> None:
    """Submit an action form of the case page (then let the worker send, as it would)."""
    token = _csrf(client.get(f"/staff/cases/{case_no}").data)
    answer = client.post(f"/staff/cases/{case_no}/act", data={**form, "csrf_token": token})
    assert answer.status_code == 302
    if worker is not None:
        worker.run_until_idle()


def tap(webhook, worker, user_id: str, data: str, group: str = FALLBACK_GROUP) -> None:
    assert webhook.send_postback(user_id, data, source_group=group) == 200
    worker.run_until_idle()


def buttons_of(line, to: str, case_no: str) -> list[dict]:
    """The quick-reply actions of the latest message to `to` that names the case."""
    for message in reversed(line.messages_to(to)):
        if case_no in (message.get("text") or ""):
            return [i["action"] for i in (message.get("quickReply") or {}).get("items", [])]
    raise AssertionError(f"no message about {case_no} to {to}")


def test_a_day_of_staff_work(make_citizen, webhook, worker, line, runtime, db, app):
    t0 = utcnow()
    make_staff(runtime, "maehia", "centre", center_id="TC-500109", name="สมศรี ศูนย์แม่เหียะ")
    make_staff(runtime, "suthep", "centre", center_id="TC-500104", name="สมชาย ศูนย์สุเทพ")
    make_staff(runtime, "hotline1", "hotline", name="สายด่วน 1300")
    maehia = link_line(runtime, webhook, worker, line, "maehia")
    suthep = link_line(runtime, webhook, worker, line, "suthep")

    # Morning: one case of each urgency.
    victim, jobless, teacher = make_citizen(), make_citizen(), make_citizen()
    victim.say(EMERGENCY)
    answer_questions(victim)
    jobless.say(HIGH)
    answer_questions(jobless, topic="hardship")
    teacher.say(NORMAL)
    answer_questions(teacher, topic="child_protection", age="เด็ก (ต่ำกว่า 18)")
    emergency, high, normal = (latest_case(db, p.user_id) for p in (victim, jobless, teacher))
    assert (emergency.urgency, high.urgency, normal.urgency) == ("emergency", "high", "normal")

    # Notifications carry the four buttons; the emergency reaches the hotline at once.
    labels = [a["label"] for a in buttons_of(line, FALLBACK_GROUP, high.case_no)]
    assert labels == ["รับเรื่อง", "กำลังดำเนินการ", "ส่งต่อ", "ปิดเรื่อง"]
    assert any(emergency.case_no in t for t in line.texts_to(HOTLINE_GROUP))

    # The high case is accepted from a LINE button; details go privately, the citizen is told.
    tap(webhook, worker, maehia, f"a=ack&case={high.case_no}")
    assert latest_case(db, jobless.user_id).status == "acknowledged"
    assert any(high.case_no in t and "081-234-5678" in t for t in line.texts_to(maehia))
    assert not any("081-234-5678" in t for t in line.texts_to(FALLBACK_GROUP))
    assert any("รับเรื่อง" in t for t in line.texts_to(jobless.user_id))

    # In progress, then closed with an outcome, from LINE; each step is pushed to the citizen.
    tap(webhook, worker, maehia, f"a=s&do=work&case={high.case_no}")
    assert any("กำลังดำเนินการ" in t for t in line.texts_to(jobless.user_id))
    tap(webhook, worker, maehia, f"a=s&do=close&case={high.case_no}")
    outcomes = [a["label"] for a in buttons_of(line, FALLBACK_GROUP, high.case_no)]
    assert "ช่วยเหลือแล้ว" in outcomes
    tap(webhook, worker, maehia, f"a=s&do=close&case={high.case_no}&o=helped")
    closed = latest_case(db, jobless.user_id)
    assert closed.status == "closed" and closed.history[-1].actor == "staff:maehia"
    assert "ปิดแล้ว" in jobless.line.texts_to(jobless.user_id)[-1]

    # The citizen rates 5 from the quick replies, then reopens within 14 days.
    jobless.last = line.messages_to(jobless.user_id)[-1:]
    jobless.tap("⭐⭐⭐⭐⭐ 5")
    assert "ขอบคุณ" in jobless.text()
    jobless.last = line.messages_to(jobless.user_id)[-2:-1] or jobless.last
    jobless.postback(f"a=reopen&case={high.case_no}")
    assert "เปิดเรื่อง" in jobless.text()
    db.expire_all()
    assert db.get(CaseWork, high.id).rating == 5
    assert latest_case(db, jobless.user_id).status == "new"
    assert any("ขอเปิดเรื่อง" in t and high.case_no in t for t in line.texts_to(FALLBACK_GROUP))

    # The normal case is accepted on the dashboard, then referred from LINE with a reason.
    client = app.test_client()
    sign_in(client, "maehia")
    dashboard_act(client, normal.case_no, worker, action="ack")
    assert latest_case(db, teacher.user_id).status == "acknowledged"
    tap(webhook, worker, maehia, f"a=s&do=fwd&case={normal.case_no}")
    assert "TC-500104" in [dict(x.split("=") for x in a["data"].split("&")).get("to")
                           for a in buttons_of(line, FALLBACK_GROUP, normal.case_no)]
    tap(webhook, worker, maehia, f"a=s&do=fwd&case={normal.case_no}&to=TC-500104&r=not_area")
    moved = latest_case(db, teacher.user_id)
    assert moved.center_id == "TC-500104" and moved.status == "referred"
    assert any("เรื่องส่งต่อ" in t and normal.case_no in t for t in line.texts_to(FALLBACK_GROUP))
    # Scoping follows the referral: the old centre no longer opens it, the new one accepts it.
    assert client.get(f"/staff/cases/{normal.case_no}").status_code == 404
    tap(webhook, worker, suthep, f"a=ack&case={normal.case_no}")
    assert latest_case(db, teacher.user_id).status == "acknowledged"

    # Nobody takes the emergency: at 16 minutes on the day's clock it escalates.
    with runtime.transaction() as s:
        assert c.escalate_overdue(s, runtime.settings, t0 + timedelta(minutes=10)) == 0
        assert c.escalate_overdue(s, runtime.settings, t0 + timedelta(minutes=16)) >= 1
    worker.run_until_idle()
    assert latest_case(db, victim.user_id).escalation_level == 1

    # The day's report counts what happened.
    with runtime.transaction() as s:
        day = rp.daily(s, (t0 + timedelta(hours=7)).date())
    assert day.cases == 3 and day.emergencies == 1 and day.emergencies_unacked == 1
    assert day.destinations["tambon"] == 3
    assert day.kinds["problem"] >= 3
    text = rp.to_text(day)
    assert "เหตุฉุกเฉิน" in text and "ยังไม่มีผู้รับเรื่อง: 1" in text
    cli = app.test_cli_runner().invoke(
        args=["report", "daily", "--date", day.day.isoformat(), "--csv"])
    assert cli.exit_code == 0 and "date,section,item,value" in cli.output

    # Every view of personal data on the dashboard is in the audit log.
    views = db.scalars(select(AuditLog).where(AuditLog.actor == "staff:maehia")).all()
    assert {"view", "change"} <= {v.action for v in views}


def test_role_scoping_by_url_export_and_api(make_citizen, runtime, db, app, client):
    make_staff(runtime, "maehia", "centre", center_id="TC-500109")
    make_staff(runtime, "suthep", "centre", center_id="TC-500104")
    make_staff(runtime, "cm-office", "province", province_code="50")
    citizen = make_citizen()
    citizen.say(HIGH)
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert case.center_id == "TC-500109"

    outsider = app.test_client()
    sign_in(outsider, "suthep")
    assert outsider.get(f"/staff/cases/{case.case_no}").status_code == 404
    assert case.case_no not in outsider.get("/staff/").get_data(as_text=True)
    assert case.case_no not in outsider.get("/staff/export.csv").get_data(as_text=True)
    assert "ไม่พบเรื่อง" in outsider.get(f"/staff/?q={case.case_no}").get_data(as_text=True)

    insider = app.test_client()
    sign_in(insider, "maehia")
    assert insider.get(f"/staff/cases/{case.case_no}").status_code == 200
    assert case.case_no in insider.get("/staff/export.csv").get_data(as_text=True)
    assert case.case_no in insider.get("/staff/?q=0812345678").get_data(as_text=True)

    with runtime.transaction() as s:
        from handlers import staff_core as sc
        from models import Staff

        tokens = {u: sc.create_token(s, s.scalar(select(Staff).where(Staff.username == u)))
                  for u in ("maehia", "suthep", "cm-office")}
    auth = {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}
    assert client.get(f"/api/v1/cases/{case.case_no}", headers=auth["suthep"]).status_code == 404
    assert client.get("/api/v1/cases", headers=auth["suthep"]).get_json()["count"] == 0
    body = {"status": "closed"}
    assert client.post(f"/api/v1/cases/{case.case_no}/status", headers=auth["suthep"],
                       json=body).status_code == 404
    assert client.get(f"/api/v1/cases/{case.case_no}", headers=auth["maehia"]).status_code == 200
    assert client.get(f"/api/v1/cases/{case.case_no}", headers=auth["cm-office"]).status_code == 200
    # A revoked token is refused.
    answer = app.test_cli_runner().invoke(args=["staff", "revoke", tokens["maehia"][:12]])
    assert answer.exit_code == 0
    assert client.get("/api/v1/cases", headers=auth["maehia"]).status_code == 401


def test_dashboard_needs_sign_in_and_csrf(app, runtime):
    make_staff(runtime, "maehia", "centre", center_id="TC-500109")
    browser = app.test_client()
    assert browser.get("/staff/").status_code == 302
    no_token = browser.post("/staff/login", data={"username": "maehia", "password": PASSWORD})
    assert no_token.status_code == 400
    bad = browser.post("/staff/login", data={"username": "maehia", "password": "wrong-pass",
                                             "csrf_token": _csrf(browser.get("/staff/login").data)})
    assert "ไม่ถูกต้อง" in bad.get_data(as_text=True)
    for _ in range(4):
        browser.post("/staff/login", data={"username": "maehia", "password": "wrong-pass",
                                           "csrf_token": _csrf(browser.get("/staff/login").data)})
    # Five failures in 15 minutes: even the right password waits.
    locked = browser.post("/staff/login", data={"username": "maehia", "password": PASSWORD,
                                                "csrf_token": _csrf(browser.get("/staff/login").data)})
    assert locked.status_code == 429


def test_staff_cli_adds_lists_and_disables(app, runtime):
    runner = app.test_cli_runner()
    added = runner.invoke(args=["staff", "add", "po1", "--role", "province", "--province", "50",
                                "--password", "long-enough-1"])
    assert added.exit_code == 0, added.output
    bad = runner.invoke(args=["staff", "add", "x-one", "--role", "centre", "--center", "TC-999999",
                              "--password", "long-enough-1"])
    assert bad.exit_code == 1 and "centre" in bad.output
    assert "po1\tprovince" in runner.invoke(args=["staff", "list"]).output
    code = runner.invoke(args=["staff", "link-code", "po1"]).output
    assert re.search(r"LINK-[A-Z0-9]{8}", code)
    assert runner.invoke(args=["staff", "disable", "po1"]).exit_code == 0
    assert "disabled" in runner.invoke(args=["staff", "list"]).output


def test_link_code_expires_and_is_single_use(runtime, webhook, worker, line):
    from handlers import staff_core as sc
    from models import Staff
    from simulator import events as ev

    make_staff(runtime, "late", "hotline")
    with runtime.transaction() as s:
        staff = s.scalar(select(Staff).where(Staff.username == "late"))
        old = sc.issue_code(s, "staff", staff=staff, now=utcnow() - timedelta(minutes=31))
    user = ev.random_user_id()
    webhook.send_text(user, old)
    worker.run_until_idle()
    assert any("ใช้ไม่ได้" in t for t in line.texts_to(user))
    link_line(runtime, webhook, worker, line, "late", user)


def test_staff_and_citizen_talk_through_the_service(make_citizen, runtime, webhook, worker, line,
                                                   db):
    staff_user, citizen, _case = staff_writing_to_citizen(make_citizen, runtime, webhook, worker, line, db,
                                                          "maehia")
    webhook.send_text(staff_user, "พรุ่งนี้ 10 โมงจะโทรไปนะคะ")
    worker.run_until_idle()
    relayed = line.texts_to(citizen.user_id)[-1]
    assert "พรุ่งนี้ 10 โมง" in relayed and "ศูนย์ช่วยเหลือสังคม" in relayed
    assert staff_user not in relayed
    citizen.say("สะดวกค่ะ ขอบคุณค่ะ")
    assert any("สะดวกค่ะ" in t for t in line.texts_to(staff_user))
    events = [h.event for h in latest_case(db, citizen.user_id).history]
    assert "staff_message" in events and "citizen_message" in events


def test_open311_services_requests_and_post(client, db):
    services = client.get("/open311/v2/services.json").get_json()
    assert {"service_code": "elderly_care"}.items() <= services[2].items()
    refused = client.post("/open311/v2/requests.json", data={"service_code": "elderly_care"})
    assert refused.status_code == 403
    made = client.post("/open311/v2/requests.json", data={
        "api_key": OPEN311_KEY, "service_code": "elderly_care", "lat": "18.7606",
        "long": "98.9297", "description": "ยายอยู่คนเดียว ไม่มีคนดูแล", "phone": "0812345678"})
    assert made.status_code == 201
    case_no = made.get_json()[0]["service_request_id"]
    one = client.get(f"/open311/v2/requests/{case_no}.json").get_json()[0]
    assert one["status"] == "open" and one["x_status"] == "new" and one["x_channel"] == "ess"
    public = client.get("/open311/v2/requests.json").get_data(as_text=True)
    assert case_no in public and "0812345678" not in public and "ยายอยู่คนเดียว" not in public
    case = db.scalar(select(Case).where(Case.case_no == case_no))
    assert case.channel == "ess" and case.center_id and case.phone == "0812345678"
    bad = client.post("/open311/v2/requests.json", json=[1, 2])
    assert bad.status_code == 400


def test_dashboard_filters_and_overdue_highlight(make_citizen, runtime, db, app):
    from sqlalchemy import update

    make_staff(runtime, "hotline1", "hotline")
    jobless, teacher = make_citizen(), make_citizen()
    jobless.say(HIGH)
    answer_questions(jobless, topic="hardship")
    teacher.say(NORMAL)
    answer_questions(teacher, topic="child_protection", age="เด็ก (ต่ำกว่า 18)")
    high, normal = latest_case(db, jobless.user_id), latest_case(db, teacher.user_id)
    with runtime.transaction() as s:
        s.execute(update(Case).where(Case.id == high.id)
                  .values(ack_due_at=utcnow() - timedelta(minutes=5)))
    browser = app.test_client()
    sign_in(browser, "hotline1")

    def listed(query: str) -> str:
        return browser.get(f"/staff/?{query}").get_data(as_text=True)

    assert high.case_no in listed("urgency=high") and normal.case_no not in listed("urgency=high")
    assert normal.case_no in listed("topic=child_protection")
    assert high.case_no not in listed("topic=child_protection")
    assert high.case_no in listed("department=DSDW") and normal.case_no in listed("department=DCY")
    overdue = listed("overdue=1")
    assert high.case_no in overdue and normal.case_no not in overdue
    assert 'class="overdue"' in overdue
    assert high.case_no in listed("status=new&province=50")
    assert high.case_no not in listed("status=closed")


def test_open311_never_shows_a_point_for_violence_and_filters_by_status(client):
    made = client.post("/open311/v2/requests.json", json={
        "api_key": OPEN311_KEY, "service_code": "domestic_violence", "lat": 18.7606,
        "long": 98.9297, "description": "ถูกทำร้ายที่บ้าน"})
    assert made.status_code == 201
    case_no = made.get_json()[0]["service_request_id"]
    one = client.get(f"/open311/v2/requests/{case_no}.json").get_json()[0]
    assert one["lat"] is None and one["long"] is None and one["description"] is None
    assert client.get("/open311/v2/requests.json?status=closed").get_json() == []
    assert [r["service_request_id"] for r in
            client.get("/open311/v2/requests.json?status=open").get_json()] == [case_no]
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
    assert client.get("/open311/v2/requests/OSS-2500-999999.json").status_code == 404


def test_dashboard_refers_to_any_centre_by_id_and_refuses_an_unknown_one(make_citizen, runtime,
                                                                        db, app, worker):
    make_staff(runtime, "maehia", "centre", center_id="TC-500109")
    citizen = make_citizen()
    citizen.say(HIGH)
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    browser = app.test_client()
    sign_in(browser, "maehia")
    dashboard_act(browser, case.case_no, worker, action="refer", to="PSO-50",
                  to_other="TC-999999", reason="not_area")
    assert latest_case(db, citizen.user_id).center_id == "TC-500109"  # unknown id: nothing moved
    assert "ไม่พบศูนย์" in browser.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    dashboard_act(browser, case.case_no, worker, action="refer", to="PSO-50",
                  to_other="tc-100101", reason="not_area")
    moved = latest_case(db, citizen.user_id)
    assert moved.center_id == "TC-100101" and moved.status == "referred"
    assert moved.history[-2].detail["reason"] == "ไม่ใช่พื้นที่รับผิดชอบ"


def test_a_citizen_answer_handled_in_the_same_batch_as_the_staff_message_is_relayed(
        make_citizen, runtime, webhook, worker, line, db):
    """The worker reads its batch's open reply windows at the batch's start; a staff message
    handled earlier in the same batch opens one, and the citizen's answer after it in that
    batch still goes to the staff member."""
    staff_user, citizen, _case = staff_writing_to_citizen(make_citizen, runtime, webhook, worker, line, db,
                                                          "samebatch")
    webhook.send_text(staff_user, "พรุ่งนี้ 10 โมงจะโทรไปนะคะ")
    webhook.send_text(citizen.user_id, "ได้ค่ะ รอสายนะคะ")  # stored before the worker runs
    worker.run_until_idle()
    assert any("พรุ่งนี้ 10 โมง" in t for t in line.texts_to(citizen.user_id))
    assert any("รอสายนะคะ" in t for t in line.texts_to(staff_user))
