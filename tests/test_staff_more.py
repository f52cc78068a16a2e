"""Staff side details: the private-details fallback, English pushes, following one's cases,
and the simulator's staff panel acting as a staff member over the real webhook."""

from __future__ import annotations

import threading

import requests
from werkzeug.serving import make_server

from models import CaseWork
from simulator.app import STAFF_USER_ID, create_app
from tests.conftest import FALLBACK_GROUP
from tests.staff_helpers import link_line, make_staff, staff_writing_to_citizen
from tests.test_conversation import answer_questions, latest_case

HIGH = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"


def test_when_the_private_details_cannot_be_sent_the_group_is_told(citizen, db, webhook, worker,
                                                                    line, runtime):
    make_staff(runtime, "maehia", "centre", center_id="TC-500109")
    staff_user = link_line(runtime, webhook, worker, line, "maehia")
    citizen.say(HIGH)
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    webhook.send_postback(staff_user, f"a=ack&case={case.case_no}", source_group=FALLBACK_GROUP)
    worker.process_events()
    line.fail_next("/v2/bot/message/push", 400, times=3)  # LINE refuses the pushes for good
    worker.run_until_idle()
    assert not any("081-234-5678" in t for t in line.texts_to(staff_user))
    assert any("ดูในระบบเจ้าหน้าที่" in t and case.case_no in t
               for t in line.texts_to(FALLBACK_GROUP))
    db.expire_all()
    assert db.get(CaseWork, case.id).details_fallback_at is not None
    worker.run_until_idle()  # told once, not on every round
    told = [t for t in line.texts_to(FALLBACK_GROUP) if "ดูในระบบเจ้าหน้าที่" in t]
    assert len(told) == 1


def test_an_english_writer_hears_status_changes_in_english(make_citizen, db, webhook, worker,
                                                           line, runtime):
    make_staff(runtime, "hotline1", "hotline")
    staff_user = link_line(runtime, webhook, worker, line, "hotline1")
    writer = make_citizen()
    writer.say("My neighbour is an old man, bedridden, and nobody takes care of him")
    for _ in range(12):
        labels = writer.labels()
        pick = next((x for x in ("Confirm", "Someone else", "Older", "I agree") if
                     any(label.startswith(x) for label in labels)), None)
        if pick:
            writer.tap(pick)
        elif "Share location" in labels:
            writer.say("ต.แม่เหียะ อ.เมือง จ.เชียงใหม่")
        elif any(label.startswith("No phone") or label.startswith("Rather not") for label in labels):
            writer.say("0812345678")
        else:
            break
    case = latest_case(db, writer.user_id)
    assert case is not None and case.language == "en"
    for data in (f"a=ack&case={case.case_no}", f"a=s&do=work&case={case.case_no}",
                 f"a=s&do=close&case={case.case_no}&o=helped"):
        webhook.send_postback(staff_user, data, source_group=FALLBACK_GROUP)
        worker.run_until_idle()
    told = line.texts_to(writer.user_id)
    assert any("being handled" in t for t in told)
    assert any("is closed" in t and "help was given" in t for t in told)


def test_track_my_case_lists_the_citizens_open_cases_with_status(citizen, db):
    citizen.say(HIGH)
    answer_questions(citizen, topic="hardship")
    first = latest_case(db, citizen.user_id).case_no
    citizen.say("ยายอายุ 80 อยู่คนเดียวที่ ต.แม่เหียะ อ.เมือง จ.เชียงใหม่ ไม่มีคนดูแลเลย")
    answer_questions(citizen, topic="elderly_care")
    second = latest_case(db, citizen.user_id).case_no
    citizen.tap("ติดตามเรื่อง")
    text = citizen.text()
    assert first in text and second in text and "สถานะ" in text


def test_the_simulator_staff_panel_acts_as_a_linked_staff_member(citizen, db, line, server,
                                                                 worker, runtime):
    sim = create_app(line, f"{server}/callback")
    http = make_server("127.0.0.1", 0, sim, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{http.server_port}"
    try:
        make_staff(runtime, "demo-staff", "hotline")
        with runtime.transaction() as s:
            from sqlalchemy import update

            from models import Staff
            s.execute(update(Staff).values(line_user_id=STAFF_USER_ID))
        citizen.say(HIGH)
        answer_questions(citizen, topic="hardship")
        case = latest_case(db, citizen.user_id)
        notes = requests.get(f"{base}/sim/api/notifications", timeout=10).json()["entries"]
        note = next(n for n in notes if n["chat"] == FALLBACK_GROUP
                    and case.case_no in (n["message"].get("text") or ""))
        accept = note["message"]["quickReply"]["items"][0]["action"]
        sent = requests.post(f"{base}/sim/api/staff/send", timeout=10,
                             json={"type": "postback", "chat": note["chat"],
                                   "data": accept["data"]})
        assert sent.status_code == 200 and sent.json()["status"] == 200
        worker.run_until_idle()
        assert latest_case(db, citizen.user_id).status == "acknowledged"
        assert any(case.case_no in t for t in line.texts_to(STAFF_USER_ID))
        bad = requests.post(f"{base}/sim/api/staff/send", json={"type": "sticker"}, timeout=10)
        assert bad.status_code == 400
    finally:
        http.shutdown()
        http.server_close()


def test_staff_see_the_photo_and_pin_of_a_case_in_their_scope_only(citizen, db, runtime, app):
    from models import Attachment
    from simulator.events import tiny_png
    from tests.test_staff_day import sign_in

    make_staff(runtime, "maehia", "centre", center_id="TC-500109")
    make_staff(runtime, "dop-central", "department", department="DOP")
    citizen.say(HIGH)
    answer_questions(citizen, topic="hardship")
    citizen.send_image(tiny_png())
    case = latest_case(db, citizen.user_id)
    photo = db.query(Attachment).filter_by(case_id=case.id).one()
    assert photo.status == "stored"

    staff = app.test_client()
    sign_in(staff, "maehia")
    page = staff.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    assert f"/staff/attachments/{photo.id}" in page and "google.com/maps" in page
    got = staff.get(f"/staff/attachments/{photo.id}")
    assert got.status_code == 200 and got.data == tiny_png()

    other = app.test_client()
    sign_in(other, "dop-central")  # a department that is not this case's (DSDW)
    assert other.get(f"/staff/attachments/{photo.id}").status_code == 404
    assert other.get(f"/staff/cases/{case.case_no}").status_code == 404


def test_erasing_a_citizen_also_erases_what_staff_and_citizen_said_on_the_relay(
        make_citizen, runtime, webhook, worker, line, db, app):
    staff_user, citizen, case = staff_writing_to_citizen(make_citizen, runtime, webhook, worker, line, db,
                                                         "maehia")
    webhook.send_text(staff_user, "คุณสมหญิง บ้านเลขที่ 99 ใช่ไหมคะ")
    worker.run_until_idle()
    citizen.say("ใช่ค่ะ บ้านเลขที่ 99 ซอยวัด")
    webhook.send_postback(staff_user, f"a=s&do=work&case={case.case_no}")
    worker.run_until_idle()
    erased = app.test_cli_runner().invoke(
        args=["pdpa", "erase", "--case", case.case_no, "--yes", "--force"])
    assert erased.exit_code == 0, erased.output
    db.expire_all()
    history = str([h.detail for h in latest_case_by_no(db, case.case_no).history])
    assert "บ้านเลขที่ 99" not in history
    assert {"staff_message", "citizen_message"} <= {
        h.event for h in latest_case_by_no(db, case.case_no).history}


def latest_case_by_no(db, case_no: str):
    from sqlalchemy import select

    from models import Case

    return db.scalar(select(Case).where(Case.case_no == case_no))


def test_an_account_noted_as_no_staff_is_staff_once_linked_in_the_same_session(runtime):
    """The worker notes a batch's citizens who are no staff (one statement for the batch);
    a link code redeemed in that session makes the account staff at once."""
    from handlers import staff_core as sc
    from models import utcnow
    from simulator import events as ev

    make_staff(runtime, "batchlink", "hotline", name="Batch Link")
    user_id = ev.random_user_id()
    with runtime.transaction() as s:
        staff = s.query(sc.Staff).filter_by(username="batchlink").one()
        code = sc.issue_code(s, "staff", staff=staff)
    with runtime.transaction() as s:
        sc.note_not_staff(s, [user_id])
        assert sc.staff_by_line(s, user_id) is None
        assert sc.redeem_code(s, code, user_id=user_id, group_id=None, now=utcnow())
        linked = sc.staff_by_line(s, user_id)
        assert linked is not None and linked.username == "batchlink"
