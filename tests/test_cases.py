"""Case numbers, staff acknowledgement over LINE, escalation of what nobody acknowledges."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from handlers import staff_core as sc
from handlers.cases import allocate_case_no, buddhist_year
from models import Case, Center, LineGroup, utcnow
from simulator import events as ev
from tests.conftest import FALLBACK_GROUP, HOTLINE_GROUP
from tests.staff_helpers import link_line, make_staff
from tests.test_conversation import answer_questions, latest_case


def test_case_number_uses_the_buddhist_era_year_in_thailand():
    # 31 Dec 2026 18:00 UTC is already 1 Jan 2027 in Bangkok: year 2570.
    assert buddhist_year(datetime(2026, 12, 31, 18, 0, tzinfo=UTC)) == 2570
    assert buddhist_year(datetime(2026, 11, 22, 3, 0, tzinfo=UTC)) == 2569


def test_case_numbers_have_no_gaps_under_concurrent_workers(runtime):
    numbers: list[int] = []
    lock = threading.Lock()

    def take(rollback: bool) -> None:
        session = runtime.session_factory()
        try:
            _, seq, _ = allocate_case_no(session, utcnow())
            if rollback:
                session.rollback()  # a failed unit of work gives its number back
                return
            session.commit()
            with lock:
                numbers.append(seq)
        finally:
            session.close()

    threads = [threading.Thread(target=take, args=(i % 5 == 0,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert len(numbers) == 24


def _open_case(citizen, db) -> Case:
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    return latest_case(db, citizen.user_id)


def test_staff_accepts_from_the_group_and_the_citizen_is_told(citizen, db, webhook, line, worker,
                                                             runtime):
    case = _open_case(citizen, db)
    make_staff(runtime, "maehia1", "centre", center_id=case.center_id)
    staff_user = link_line(runtime, webhook, worker, line, "maehia1")
    data = f"a=ack&case={case.case_no}"
    assert webhook.send_postback(staff_user, data, source_group=FALLBACK_GROUP) == 200
    worker.run_until_idle()
    case = latest_case(db, citizen.user_id)
    assert case.status == "acknowledged" and case.acknowledged_at
    assert case.history[-1].actor == "staff:maehia1"
    assert any("รับเรื่อง" in t for t in line.texts_to(citizen.user_id))
    # Contact details go privately to the staff member who accepted.
    assert any("0812345678" in t or "081-234-5678" in t for t in line.texts_to(staff_user))
    # A second tap does not acknowledge twice.
    make_staff(runtime, "maehia2", "centre", center_id=case.center_id)
    second = link_line(runtime, webhook, worker, line, "maehia2")
    webhook.send_postback(second, data, source_group=FALLBACK_GROUP)
    worker.run_until_idle()
    assert [h.event for h in latest_case(db, citizen.user_id).history].count("acknowledged") == 1
    assert any("มีผู้รับไปแล้ว" in t for t in line.texts_to(FALLBACK_GROUP))


def test_unlinked_or_out_of_scope_staff_are_politely_refused(citizen, db, webhook, line, worker,
                                                             runtime):
    case = _open_case(citizen, db)
    stranger = ev.random_user_id()
    webhook.send_postback(stranger, f"a=ack&case={case.case_no}", source_group=FALLBACK_GROUP)
    worker.run_until_idle()
    assert any("ยังไม่ได้เชื่อม" in t for t in line.texts_to(FALLBACK_GROUP))
    make_staff(runtime, "other-centre", "centre", center_id="TC-500104")
    other = link_line(runtime, webhook, worker, line, "other-centre")
    webhook.send_postback(other, f"a=ack&case={case.case_no}", source_group=FALLBACK_GROUP)
    worker.run_until_idle()
    assert any("ไม่อยู่ในความรับผิดชอบ" in t for t in line.texts_to(FALLBACK_GROUP))
    assert latest_case(db, citizen.user_id).status == "new"


def test_acknowledging_from_a_chat_that_is_not_staff_does_nothing(citizen, db, webhook, worker):
    case = _open_case(citizen, db)
    webhook.send_postback(ev.random_user_id(), f"a=ack&case={case.case_no}")
    worker.run_until_idle()
    assert latest_case(db, citizen.user_id).status == "new"


def test_unacknowledged_case_moves_up_centre_then_province_then_hotline(citizen, db, runtime, worker, line):
    case = _open_case(citizen, db)
    assert case.escalation_chain[-1] == "HOTLINE"
    for expected in ("PSO-50", "HOTLINE"):
        with runtime.transaction() as s:
            s.execute(update(Case).where(Case.id == case.id)
                      .values(ack_due_at=utcnow() - timedelta(minutes=1)))
        worker.run_until_idle()
        case = latest_case(db, citizen.user_id)
        assert case.escalated_to == expected
    assert any(case.case_no in t and "ยังไม่มีผู้รับเรื่อง" in t for t in line.texts_to(HOTLINE_GROUP))


def test_centre_line_targets_from_the_directory_receive_notifications(citizen, db, runtime, line):
    group = "C" + "c" * 32
    with runtime.transaction() as s:
        s.execute(update(Center).where(Center.id == "TC-500109").values(line_to=group))
    case = _open_case(citizen, db)
    assert any(case.case_no in t for t in line.texts_to(group))
    assert not any(case.case_no in t for t in line.texts_to(FALLBACK_GROUP))


def test_unknown_group_gets_time_for_a_link_code_then_the_bot_leaves(webhook, line, worker,
                                                                    runtime):
    group = "C" + "d" * 32
    assert webhook.send([ev.join(group, line.issue_reply_token(group))]) == 200
    worker.run_until_idle()
    assert group not in line.left_chats
    assert any(group in t and "LINK-" in t for t in line.texts_to(group))
    with runtime.transaction() as s:
        s.execute(update(LineGroup).where(LineGroup.group_id == group)
                  .values(joined_at=utcnow() - timedelta(minutes=31)))
    webhook.send_text(ev.random_user_id(), "สวัสดีค่ะ", source_group=group)
    worker.run_until_idle()
    assert group in line.left_chats


def test_a_group_code_links_the_group_to_its_centre(webhook, line, worker, runtime, db):
    group = "C" + "e" * 32
    webhook.send([ev.join(group, line.issue_reply_token(group))])
    worker.run_until_idle()
    with runtime.transaction() as s:
        code = sc.issue_code(s, "group", center_id="TC-500104")
    webhook.send_text(ev.random_user_id(), code, source_group=group)
    worker.run_until_idle()
    assert any("เชื่อมกลุ่มนี้กับ" in t for t in line.texts_to(group))
    assert group in db.get(Center, "TC-500104").line_targets()
    # Single use: the same code again is refused.
    webhook.send_text(ev.random_user_id(), code, source_group=group)
    worker.run_until_idle()
    assert any("ใช้ไม่ได้" in t for t in line.texts_to(group))


def test_bot_stays_in_a_known_staff_group(webhook, line, worker):
    assert webhook.send([ev.join(FALLBACK_GROUP, line.issue_reply_token(FALLBACK_GROUP))]) == 200
    worker.run_until_idle()
    assert FALLBACK_GROUP not in line.left_chats
    assert line.texts_to(FALLBACK_GROUP)


def test_all_centres_are_seeded_on_first_start(db):
    centers = db.scalars(select(Center.type)).all()
    assert centers.count("tambon_center") >= 7400
    assert centers.count("provincial_office") == 77
