"""Helpers for staff tests: accounts made with the real code, LINE linked with a real code."""

from __future__ import annotations

from typing import Any

from handlers import staff_core as sc
from models import Staff
from simulator import events as ev

PASSWORD = "correct-horse-42"


def make_staff(runtime: Any, username: str, role: str, **scope: Any) -> Staff:
    """Create a staff account through the same function as `flask staff add`."""
    with runtime.transaction() as s:
        return sc.add_staff(s, username, PASSWORD, role, name=scope.pop("name", username), **scope)


def link_line(runtime: Any, webhook: Any, worker: Any, line: Any, username: str,
              user_id: str | None = None) -> str:
    """Link a LINE account to a staff member by sending the bot a one-time code; returns the id."""
    user_id = user_id or ev.random_user_id()
    with runtime.transaction() as s:
        staff = s.query(Staff).filter_by(username=username).one()
        code = sc.issue_code(s, "staff", staff=staff)
    assert webhook.send_text(user_id, code) == 200
    worker.run_until_idle()
    assert any("เชื่อมบัญชี LINE" in t for t in line.texts_to(user_id))
    return user_id


def staff_staff_tap(webhook: Any, worker: Any, user_id: str, data: str, group: str | None) -> None:
    """A staff member taps a button (in a group when given)."""
    kwargs = {"source_group": group} if group else {}
    assert webhook.send_postback(user_id, data, **kwargs) == 200
    worker.run_until_idle()


HARDSHIP = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"


def staff_writing_to_citizen(make_citizen: Any, runtime: Any, webhook: Any, worker: Any, line: Any,
                             db: Any, username: str, center_id: str = "TC-500109") -> tuple[str, Any, Any]:
    """A centre's staff member linked on LINE; a citizen's hardship case at that centre, which
    the staff member accepted (in the fallback group) and chose to write to the citizen about.
    Returns (the staff member's LINE id, the citizen, the case)."""
    from tests.conftest import FALLBACK_GROUP
    from tests.test_conversation import answer_questions, latest_case

    make_staff(runtime, username, "centre", center_id=center_id)
    staff_user = link_line(runtime, webhook, worker, line, username)
    citizen = make_citizen()
    citizen.say(HARDSHIP)
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    staff_staff_tap(webhook, worker, staff_user, f"a=ack&case={case.case_no}", FALLBACK_GROUP)
    staff_staff_tap(webhook, worker, staff_user, f"a=s&do=write&case={case.case_no}", None)
    return staff_user, citizen, case
