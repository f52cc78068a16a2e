"""PDPA rights end to end: erase and show from LINE, the admin command, consent, retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models import (
    ERASED,
    Attachment,
    Base,
    Case,
    Consent,
    Contact,
    Conversation,
    LineUser,
    PrivacyRequest,
    utcnow,
)
from privacy import run_retention
from simulator import events as ev
from tests.conftest import ADMIN_TOKEN
from tests.test_conversation import PHONE, answer_questions

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# A story with a name and a phone in it: none of it may survive an erasure.
STORY = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ชื่อสมศรี ใจดีเด่น ไม่รู้จะทำยังไงดี"
STORY_MARK = "สมศรี ใจดีเด่น"
EMERGENCY = "ยายอยู่คนเดียว ล้มในห้องน้ำตั้งแต่เมื่อวาน ลุกไม่ได้ ไม่มีใครอยู่ด้วยเลย"
PHOTO = b"\x89PNG-private-photo-of-the-house"
PHONE_FORMS = ("0812345678", "081-234-5678")


def cases(db, user_id: str) -> list[Case]:
    db.expire_all()
    return list(db.scalars(select(Case).where(Case.reporter_line_user_id == user_id)
                           .order_by(Case.id)))


def make_case(citizen, story: str = STORY) -> None:
    """A citizen reports a problem with a photo and answers every question."""
    citizen.say(story)
    citizen.send_image(PHOTO)
    answer_questions(citizen, topic="hardship")


def traces(db, needles: tuple[str, ...]) -> list[str]:
    """Every table.column, in every table the models declare, that still holds a needle."""
    db.expire_all()
    found = []
    for table in Base.metadata.sorted_tables:
        for row in db.execute(select(table)).all():
            for column, value in zip(table.columns, row, strict=True):
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                found += [f"{table.name}.{column.name}" for n in needles if n in text]
    return sorted(set(found))


def close(client, case_no: str) -> None:
    answer = client.post(f"/api/v1/cases/{case_no}/status", headers=AUTH,
                         json={"status": "closed", "note": "ช่วยเหลือเรียบร้อย"})
    assert answer.status_code == 200


# ---------------------------------------------------------------- erase from LINE

def test_delete_my_data_asks_first_then_erases_every_trace(citizen, db, runtime, worker, line):
    make_case(citizen)
    [case] = cases(db, citizen.user_id)
    needles = (citizen.user_id, STORY_MARK, "private-photo", *PHONE_FORMS)
    assert traces(db, needles)  # the test can see the data it then expects gone
    if runtime.engine.dialect.name == "sqlite":
        db.rollback()
        assert raw_file_traces(runtime, STORY_MARK)  # and find it in the files

    citizen.say("ลบข้อมูลของฉันค่ะ")
    asked = citizen.text()
    assert case.case_no in asked and "ยังเก็บไว้" in asked and "กู้คืนไม่ได้" in asked
    assert STORY_MARK not in asked and "081" not in asked
    assert citizen.labels() == ["ยืนยันลบ", "ยกเลิก"]
    assert cases(db, citizen.user_id)[0].phone == "0812345678"  # nothing erased before the yes

    citizen.tap("ยืนยันลบ")
    assert "ลบข้อมูลส่วนตัวของคุณแล้ว" in citizen.text()
    db.expire_all()
    kept = db.get(Case, case.id)
    assert (kept.reporter_line_user_id, kept.phone, kept.description) == (ERASED, None, "")
    assert kept.place_text == "อ.เมืองเชียงใหม่ จ.เชียงใหม่" and kept.subdistrict_code is None
    assert (kept.topic, kept.urgency, kept.department, kept.center_id, kept.status) == \
        (case.topic, case.urgency, case.department, case.center_id, case.status)
    assert kept.district_code == case.district_code and kept.created_at == case.created_at
    erased = [h for h in kept.history if h.event == "personal_data_erased"]
    assert len(erased) == 1 and erased[0].detail == {"reason": "citizen_request"}

    # Left only in the chat the reply went through; the hourly job clears it once sent.
    assert set(traces(db, needles)) <= {"conversations.chat_id", "inbound_events.chat_id",
                                        "outbound_messages.to", "privacy_requests.line_user_id"}
    run_retention(runtime, runtime.settings, utcnow())
    assert traces(db, needles) == []
    assert db.scalar(select(PrivacyRequest)).status == "finished"
    if runtime.engine.dialect.name == "sqlite":  # PostgreSQL's files are the server's
        db.rollback()
        assert raw_file_traces(runtime, STORY_MARK) == []


def raw_file_traces(runtime, needle: str) -> list[str]:
    """The SQLite files (main and inbox, after a checkpoint) whose bytes still hold needle:
    secure_delete zeroes what was erased instead of leaving it in free space."""
    import sqlite3
    from pathlib import Path

    from models.inbox import inbox_url

    runtime.dispose()
    found = []
    for url in (runtime.settings.database_url, inbox_url(runtime.settings.database_url)):
        path = Path(url[len("sqlite:///"):])
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        found += [p.name for p in path.parent.glob(path.name + "*")
                  if needle.encode() in p.read_bytes()]
    return found


def test_a_handled_message_leaves_no_copy_of_its_text_in_the_event_store(webhook, worker, runtime, db,
                                                                           stored_events):
    user, words = ev.random_user_id(), "ข้อความลับของนางสาวกานดา 0899990001"
    assert webhook.send_text(user, words) == 200
    worker.run_until_idle()
    [event] = [e for e in stored_events() if e.chat_id == user]
    assert event.status == "done" and event.payload is None
    if runtime.engine.dialect.name == "sqlite":  # the inbox file the webhook wrote it to
        db.rollback()
        assert [f for f in raw_file_traces(runtime, "0899990001") if ".inbox" in f] == []


def test_on_sqlite_deleted_bytes_do_not_linger_in_the_file(tmp_path):
    # A row deleted beside rows that stay leaves its bytes in the page's free space, readable
    # with a hex editor, unless secure_delete is on. models/base.py turns it on: some SQLite
    # builds have it on by default (this machine's Python does), others do not.
    import sqlite3

    from sqlalchemy import text

    from models import make_engine

    path = tmp_path / "erase.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, story TEXT)"))
        for story in ("keep " * 10, "secret-0899990001 " * 3, "keep too " * 10):
            conn.execute(text("INSERT INTO t (story) VALUES (:s)"), {"s": story})
    assert b"0899990001" in path.read_bytes() + path.with_name(path.name + "-wal").read_bytes()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM t WHERE story LIKE 'secret%'"))
    engine.dispose()
    with sqlite3.connect(path) as plain:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"0899990001" not in path.read_bytes()


def test_cancel_keeps_everything_and_the_next_message_is_a_new_conversation(citizen, db):
    make_case(citizen)
    citizen.say("ลบข้อมูลของฉัน")
    citizen.tap("ยกเลิก")
    assert "ไม่ได้ลบ" in citizen.text()
    [case] = cases(db, citizen.user_id)
    assert case.phone == "0812345678" and STORY_MARK in case.description
    request = db.scalar(select(PrivacyRequest))
    assert request.status == "cancelled" and request.line_user_id == ERASED
    citizen.say("ยืนยันลบ")  # no request waiting: just words to the conversation
    assert cases(db, citizen.user_id)[0].phone == "0812345678"


def test_confirmation_too_late_erases_nothing(citizen, db, runtime):
    make_case(citizen)
    citizen.say("ลบข้อมูลของฉัน")
    with runtime.transaction() as s:
        s.execute(update(PrivacyRequest).values(requested_at=utcnow() - timedelta(minutes=16)))
    citizen.say("ยืนยันลบ")
    assert cases(db, citizen.user_id)[0].phone == "0812345678"


def test_a_yes_after_the_conversation_moved_on_is_not_a_confirmation(citizen, db):
    make_case(citizen)
    citizen.say("ลบข้อมูลของฉัน")
    citizen.say("ขอความช่วยเหลือ")  # the citizen turned to something else
    citizen.say("ใช่")
    assert cases(db, citizen.user_id)[0].phone == "0812345678"
    assert db.scalar(select(PrivacyRequest)).status == "abandoned"


def test_english_writer_is_asked_and_answered_in_english(citizen, db):
    make_case(citizen)
    citizen.say("Please delete my data")
    assert "cannot be undone" in citizen.text()
    citizen.tap("Confirm delete")
    assert "Your personal data has been deleted" in citizen.text()
    assert cases(db, citizen.user_id) == []


def test_a_story_that_mentions_deleting_data_is_not_a_request(citizen, db):
    citizen.say("ลูกสาวโดนแฟนเก่าขู่ว่าจะลบข้อมูลของฉันในโทรศัพท์แล้วปล่อยรูป อยากได้คำปรึกษาค่ะ")
    assert "ยืนยันลบ" not in citizen.labels()
    assert db.scalar(select(PrivacyRequest)) is None


def test_open_emergency_stays_with_the_hotline_until_closed_then_is_erased(
        citizen, db, runtime, worker, client, line):
    make_case(citizen)
    citizen.say(EMERGENCY)
    citizen.say("ลบข้อมูลของฉัน")  # in the middle of the emergency's questions
    asked = citizen.text()
    emergency = cases(db, citizen.user_id)[-1]
    assert emergency.urgency == "emergency"
    assert emergency.case_no in asked and "1300" in asked and "ม.24(2)" in asked
    citizen.tap("ยืนยันลบ")
    assert emergency.case_no in citizen.text() and "ยกเว้น" in citizen.text()
    [still] = cases(db, citizen.user_id)
    assert still.id == emergency.id and "ยาย" in still.description
    assert db.scalar(select(PrivacyRequest)).status == "waiting_case_close"

    run_retention(runtime, runtime.settings, utcnow())
    assert cases(db, citizen.user_id) == [still]  # still open: kept
    close(client, still.case_no)
    run_retention(runtime, runtime.settings, utcnow())
    assert cases(db, citizen.user_id) == []
    worker.run_until_idle()
    assert any(still.case_no in t and "ปิดแล้ว" in t for t in line.texts_to(citizen.user_id))
    run_retention(runtime, runtime.settings, utcnow())
    assert traces(db, (citizen.user_id, "ยายอยู่คนเดียว", *PHONE_FORMS)) == []


# ---------------------------------------------------------------- what is held

def test_my_data_lists_cases_kinds_and_consents_without_the_story(citizen, db):
    make_case(citizen)
    [case] = cases(db, citizen.user_id)
    citizen.say("ข้อมูลของฉัน")
    shown = citizen.text()
    assert case.case_no in shown and "รับเรื่องเข้าระบบแล้ว" in shown
    assert "เบอร์โทร" in shown and "เรื่องที่เล่า" in shown and "รูป/ไฟล์ 1 รายการ" in shown
    assert "ส่งต่อข้อมูลให้หน่วยงานที่ช่วยเหลือ" in shown and "ให้เจ้าหน้าที่โทรกลับ" in shown
    assert STORY_MARK not in shown and "081" not in shown and "แม่เหียะ" not in shown
    assert citizen.labels() == ["ลบข้อมูลของฉัน"]
    citizen.tap("ลบข้อมูลของฉัน")
    assert citizen.labels() == ["ยืนยันลบ", "ยกเลิก"]


def test_my_data_when_nothing_is_held(citizen, db):
    citizen.say("my data")
    assert "We hold no personal data about you" in citizen.text()


# ---------------------------------------------------------------- admin command

def test_admin_shows_and_erases_by_case_and_by_line_user(app, citizen, db, runtime, worker, line):
    make_case(citizen)
    citizen.say(EMERGENCY)
    normal, emergency = cases(db, citizen.user_id)
    runner = app.test_cli_runner()

    shown = runner.invoke(args=["pdpa", "show", "--case", normal.case_no])
    assert shown.exit_code == 0, shown.output
    found = json.loads(shown.output)
    assert found["case"]["personal_data"] == ["line_id", "phone", "story", "place", "attachments:1"]
    assert [c["case_no"] for c in found["reporter"]["cases"]] == [normal.case_no, emergency.case_no]
    assert STORY_MARK not in shown.output and "0812345678" not in shown.output

    refused = runner.invoke(args=["pdpa", "erase", "--case", emergency.case_no, "--yes"])
    assert refused.exit_code == 1 and "open emergency" in refused.output
    by_case = runner.invoke(args=["pdpa", "erase", "--case", normal.case_no, "--yes", "--by", "somchai"])
    assert by_case.exit_code == 0, by_case.output
    db.expire_all()
    assert db.get(Case, normal.id).reporter_line_user_id == ERASED
    assert db.get(Case, normal.id).history[-1].actor == "admin:somchai"
    worker.run_until_idle()
    assert any(normal.case_no in t and "ลบข้อมูลส่วนตัว" in t for t in line.texts_to(citizen.user_id))

    by_user = runner.invoke(args=["pdpa", "erase", "--line-user-id", citizen.user_id, "--yes"])
    assert json.loads(by_user.output)["kept"] == [emergency.case_no]
    assert runner.invoke(args=["pdpa", "erase", "--case", "OSS-2500-999999", "--yes"]).exit_code == 1
    assert runner.invoke(args=["pdpa", "show"]).exit_code == 2  # which citizen? a usage error


# ---------------------------------------------------------------- consent per purpose

@pytest.mark.parametrize("phone,consent,expected", [
    (PHONE, "ยินยอม", {"share_with_agencies": True, "follow_up_contact": True}),
    (None, "ยินยอม", {"share_with_agencies": True, "follow_up_contact": False}),
    (PHONE, "ไม่ยินยอม", {"share_with_agencies": False, "follow_up_contact": False}),
])
def test_consent_is_recorded_per_purpose_with_the_notice_version(citizen, db, phone, consent, expected):
    citizen.say(STORY)
    for _ in range(10):
        labels = citizen.labels()
        if "ยินยอม" in labels:
            citizen.tap(consent)
            break
        if "ไม่สะดวกให้เบอร์" in labels and phone is None:
            citizen.tap("ไม่สะดวกให้เบอร์")
        else:
            answer_questions(citizen, topic="hardship", max_steps=1)
    rows = db.scalars(select(Consent).where(Consent.line_user_id == citizen.user_id)).all()
    assert {r.purpose: r.granted for r in rows} == expected
    assert {r.notice_version for r in rows} == {"2026-11"} and len({r.given_at for r in rows}) == 1
    if consent == "ยินยอม":
        citizen.tap("ยืนยัน")
        [case] = cases(db, citizen.user_id)
        assert case.consent_at == rows[0].given_at and case.legal_basis == "consent"


def test_emergency_proceeds_on_vital_interest_without_consent(citizen, db):
    citizen.say(EMERGENCY)
    [case] = cases(db, citizen.user_id)
    assert case.legal_basis == "vital_interest"
    assert db.scalars(select(Consent)).all() == []


# ---------------------------------------------------------------- retention

def test_retention_erases_cases_closed_past_the_limit_and_old_contact_logs(
        citizen, make_citizen, db, runtime, client, worker):
    make_case(citizen)
    other = make_citizen()
    make_case(other)
    [old], [recent] = cases(db, citizen.user_id), cases(db, other.user_id)
    close(client, old.case_no)
    worker.run_until_idle()  # the citizen is told it is closed
    settings = runtime.settings
    now = utcnow()
    assert settings.case_retention_days == 365 and settings.contact_retention_days == 90

    run_retention(runtime, settings, now + timedelta(days=364))
    assert cases(db, citizen.user_id)[0].phone == "0812345678"  # closed, but not long enough
    run_retention(runtime, settings, now + timedelta(days=366))
    db.expire_all()
    erased = db.get(Case, old.id)
    assert erased.reporter_line_user_id == ERASED and erased.phone is None
    assert [h.detail for h in erased.history if h.event == "personal_data_erased"] == \
        [{"reason": "retention"}]
    assert db.scalar(select(Attachment).where(Attachment.case_id == old.id)) is None
    consents = db.scalars(select(Consent).where(Consent.case_id == old.id)).all()
    assert len(consents) == 2 and {c.line_user_id for c in consents} == {ERASED}
    assert db.get(Case, recent.id).phone == "0812345678"  # open: untouched
    # The contacts log (labels per message) loses its LINE ids after 90 days.
    contacts = db.scalars(select(Contact)).all()
    assert contacts and {c.line_user_id for c in contacts} == {ERASED}
    assert traces(db, (citizen.user_id,)) == ["conversations.chat_id", "line_users.user_id"]


def test_retention_days_must_be_at_least_one():
    from settings import SettingsError, from_env

    with pytest.raises(SettingsError, match="CASE_RETENTION_DAYS must be at least 1"):
        from_env({"CASE_RETENTION_DAYS": "0"})
    assert from_env({"CONTACT_RETENTION_DAYS": "30"}).contact_retention_days == 30


def test_erased_reporter_is_never_messaged(citizen, db, runtime, client, line, worker):
    make_case(citizen)
    [case] = cases(db, citizen.user_id)
    citizen.say("ลบข้อมูลของฉัน")
    citizen.tap("ยืนยันลบ")
    before = len(line.messages_to(citizen.user_id))
    assert client.post(f"/api/v1/cases/{case.case_no}/status", headers=AUTH,
                       json={"status": "in_progress"}).status_code == 200
    worker.run_until_idle()
    assert len(line.messages_to(citizen.user_id)) == before
    assert line.messages_to(ERASED) == []
    db.expire_all()
    assert db.get(LineUser, ERASED).following is False
    assert db.get(Conversation, citizen.user_id).data == {}


def test_admin_erasure_of_a_citizen_tells_them_and_leaves_no_trace(app, citizen, db, runtime,
                                                                   worker, line):
    make_case(citizen)
    runner = app.test_cli_runner()
    shown = json.loads(runner.invoke(args=["pdpa", "show", "--line-user-id", citizen.user_id]).output)
    assert [c["purpose"] for c in shown["consents"]] == ["share_with_agencies", "follow_up_contact"]
    assert shown["contacts"] == 1 and shown["cases"][0]["personal_data"][:2] == ["line_id", "phone"]

    done = runner.invoke(args=["pdpa", "erase", "--line-user-id", citizen.user_id], input="y\n")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output[done.output.index("{"):])["kept"] == []
    worker.run_until_idle()
    assert "ตามคำขอของคุณ เราได้ลบข้อมูลส่วนตัวของคุณแล้ว" in line.texts_to(citizen.user_id)[-1]
    run_retention(runtime, runtime.settings, utcnow())
    assert traces(db, (citizen.user_id, STORY_MARK, "private-photo", *PHONE_FORMS)) == []
    request = db.scalar(select(PrivacyRequest))
    assert (request.channel, request.status) == ("admin", "finished")
