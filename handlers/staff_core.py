"""Staff work on cases, shared by LINE buttons, the dashboard and the API: scope, actions, audit."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, or_, select, true
from sqlalchemy.orm import Session

from handlers import cases as c
from handlers import messages as m
from handlers.outbox import queue_push
from models import (
    ApiToken,
    AuditLog,
    Case,
    CaseWork,
    Center,
    LineGroup,
    LinkCode,
    Staff,
    token_digest,
    utcnow,
)
from settings import Settings
from taxonomy import yamlfile

HERE = Path(__file__).resolve().parent
OUTCOMES = ("helped", "referred_out", "no_contact", "not_eligible", "duplicate", "other")
REASONS = ("not_area", "specialist", "capacity", "other")
DEPARTMENTS = ("DCY", "DOP", "DEP", "DWF", "DSDW", "ATP")
LINK_TTL = timedelta(minutes=30)
WRITE_WINDOW = timedelta(minutes=15)
CITIZEN_REPLY_WINDOW = timedelta(hours=24)
REOPEN_WINDOW = timedelta(days=14)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_RE = re.compile(r"^\s*LINK-([A-Z0-9]{8})\s*$", re.IGNORECASE)
BOOTSTRAP_ADMIN = "bootstrap-admin"


class ActionError(Exception):
    """An action that cannot be done; the key names the polite text to show."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@cache
def _texts() -> dict[str, dict[str, str]]:
    with open(HERE / "staff_texts.yaml", encoding="utf-8") as f:
        return yamlfile.safe_load(f)


def st(key: str, lang: str = "th", **values: Any) -> str:
    """Return a staff-work text in the reader's language (Thai when there is no English)."""
    entry = _texts()[key]
    template = entry.get(lang) or entry["th"]
    return template.format(**values) if values else template


# ---------------------------------------------------------------- role scoping (one place)

def case_scope(staff: Staff) -> ColumnElement[bool]:
    """The SQL condition for the cases a staff member may see; every page, export and API uses it."""
    role = staff.role
    if not staff.active:
        return false()
    if role in ("admin", "hotline"):
        return true()
    if role == "centre" and staff.center_id:
        return Case.center_id == staff.center_id
    if role == "province" and staff.province_code:
        return or_(Case.province_code == staff.province_code,
                   Case.center_id == f"PSO-{staff.province_code}")
    if role == "department" and staff.department:
        return Case.department == staff.department
    return false()


def scoped_cases(staff: Staff) -> Select[tuple[Case]]:
    """select(Case) limited to the staff member's scope."""
    return select(Case).where(case_scope(staff))


def find_case(session: Session, staff: Staff, case_no: str) -> Case | None:
    """The case with this number if the staff member may see it, else None (same as missing)."""
    return session.scalars(scoped_cases(staff).where(Case.case_no == case_no)).unique().first()


def bootstrap_admin() -> Staff:
    """The shared ADMIN_API_TOKEN's identity: an admin that is not stored."""
    return Staff(id=None, username=BOOTSTRAP_ADMIN, display_name="bootstrap admin",
                 role="admin", active=True)


# ---------------------------------------------------------------- audit

def audit(session: Session, staff: Staff | str, action: str, case: Case | None = None,
          **detail: Any) -> None:
    """Record who viewed or changed personal data of which case."""
    actor = staff if isinstance(staff, str) else staff.actor
    session.add(AuditLog(actor=actor, action=action, case_id=case.id if case else None,
                         case_no=case.case_no if case else None, detail=detail))


# ---------------------------------------------------------------- accounts, tokens, codes

def add_staff(session: Session, username: str, password: str, role: str, *, name: str = "",
              center_id: str | None = None, province_code: str | None = None,
              department: str | None = None) -> Staff:
    """Create a staff account; raises ValueError with a clear message on bad input."""
    if role not in ("centre", "province", "department", "hotline", "admin"):
        raise ValueError("role must be centre, province, department, hotline or admin")
    if not re.fullmatch(r"[A-Za-z0-9._-]{3,64}", username or ""):
        raise ValueError("username: 3-64 letters, digits, dot, dash or underscore")
    if len(password or "") < 8:
        raise ValueError("password must be at least 8 characters")
    if session.scalar(select(Staff.id).where(Staff.username == username)):
        raise ValueError(f"username {username} is taken")
    if role == "centre" and (not center_id or session.get(Center, center_id) is None):
        raise ValueError("a centre account needs an existing --center id (e.g. TC-500104)")
    if role == "province" and not re.fullmatch(r"\d{2}", province_code or ""):
        raise ValueError("a province account needs --province, two digits (e.g. 50)")
    if role == "department" and department not in DEPARTMENTS:
        raise ValueError(f"a department account needs --department, one of {', '.join(DEPARTMENTS)}")
    staff = Staff(username=username, display_name=name or username, role=role,
                  center_id=center_id if role == "centre" else None,
                  province_code=province_code if role == "province" else None,
                  department=department if role == "department" else None)
    staff.set_password(password)
    session.add(staff)
    session.flush()
    return staff


def create_token(session: Session, staff: Staff, name: str = "") -> str:
    """Create an API token for a staff member; the raw token is returned once, never stored."""
    raw = ApiToken.new_secret()
    session.add(ApiToken(staff_id=staff.id, name=name[:64], digest=token_digest(raw),
                         prefix=raw[:12]))
    return raw


def staff_for_token(session: Session, raw: str, now: datetime | None = None) -> Staff | None:
    """The active staff member owning this unrevoked token, or None."""
    token = session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(raw),
                                                  ApiToken.revoked_at.is_(None)))
    if token is None:
        return None
    staff = session.get(Staff, token.staff_id)
    if staff is None or not staff.active:
        return None
    token.last_used_at = now or utcnow()
    return staff


def issue_code(session: Session, purpose: str, *, staff: Staff | None = None,
               center_id: str | None = None, created_by: str = "system",
               now: datetime | None = None) -> str:
    """Issue a one-time LINE link code (staff account or centre group) valid for 30 minutes."""
    now = now or utcnow()
    if purpose == "group" and (not center_id or session.get(Center, center_id) is None):
        raise ValueError("a group code needs an existing centre id")
    if purpose == "staff" and staff is None:
        raise ValueError("a staff code needs a staff account")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    session.add(LinkCode(digest=token_digest(raw), purpose=purpose,
                         staff_id=staff.id if staff else None, center_id=center_id,
                         created_by=created_by, created_at=now, expires_at=now + LINK_TTL))
    return f"LINK-{raw}"


def _usable_code(session: Session, raw: str, now: datetime) -> LinkCode | None:
    code = session.scalar(select(LinkCode).where(LinkCode.digest == token_digest(raw.upper()))
                          .with_for_update())
    if code is None or code.used_at is not None or code.expires_at <= now:
        return None
    return code


def redeem_code(session: Session, text: str, *, user_id: str | None, group_id: str | None,
                now: datetime) -> str | None:
    """If text is a link code, use it and return the answer to show; None if it is no code."""
    found = CODE_RE.match(text or "")
    if not found:
        return None
    code = _usable_code(session, found.group(1), now)
    if code is None:
        return st("code_bad")
    if code.purpose == "staff":
        if group_id or not user_id:
            return st("code_wrong_place_staff")
        return _link_staff(session, code, user_id, now)
    if not group_id:
        return st("code_wrong_place_group")
    return _link_group(session, code, group_id, now)


def _link_staff(session: Session, code: LinkCode, user_id: str, now: datetime) -> str:
    staff = session.get(Staff, code.staff_id)
    if staff is None or not staff.active:
        return st("code_bad")
    for other in session.scalars(select(Staff).where(Staff.line_user_id == user_id)):
        other.line_user_id = None  # one LINE account belongs to one staff member
    session.flush()
    staff.line_user_id = user_id
    session.info.get(_NOT_STAFF, set()).discard(user_id)
    code.used_at, code.used_by = now, user_id
    audit(session, staff, "line_linked")
    return st("linked_staff", name=staff.display_name)


def _link_group(session: Session, code: LinkCode, group_id: str, now: datetime) -> str:
    center = session.get(Center, code.center_id)
    if center is None:
        return st("code_bad")
    if group_id not in center.line_targets():
        center.line_to = " ".join([*center.line_targets(), group_id])
    group = session.get(LineGroup, group_id) or LineGroup(group_id=group_id, joined_at=now)
    group.is_staff, group.left_at = True, None
    session.add(group)
    code.used_at, code.used_by = now, group_id
    audit(session, code.created_by, "group_linked", center_id=center.id)
    return st("linked_group", center=center.name_th)


# Asked for every citizen message: built once (its SQL and cache key are reused), not per call.
_STAFF_BY_LINE = select(Staff).where(Staff.line_user_id == bindparam("user_id", type_=Staff.line_user_id.type),
                                     Staff.active)


# The worker asks for a batch's citizens at once (note_not_staff): accounts no staff member
# has linked are answered from the session without a statement each. Linking an account in
# the session (_link_staff) takes it off the list.
_NOT_STAFF = "not_staff"


def note_not_staff(session: Session, user_ids: list[str]) -> None:
    """Look up which of these LINE accounts no staff member has linked, in one statement, so
    staff_by_line answers None for them in this session without asking again."""
    if not user_ids:
        return
    linked = set(session.scalars(select(Staff.line_user_id).where(Staff.line_user_id.in_(user_ids))))
    session.info.setdefault(_NOT_STAFF, set()).update(u for u in user_ids if u not in linked)


def staff_by_line(session: Session, user_id: str | None) -> Staff | None:
    """The active staff member who linked this LINE account."""
    if not user_id or user_id in session.info.get(_NOT_STAFF, ()):
        return None
    return session.scalar(_STAFF_BY_LINE, {"user_id": user_id})


# ---------------------------------------------------------------- case work

def work_of(session: Session, case: Case) -> CaseWork:
    """The case's work row, created on first use."""
    work = session.get(CaseWork, case.id)
    if work is None:
        work = CaseWork(case_id=case.id, reopened_count=0)
        session.add(work)
        session.flush()
    return work


def center_name(session: Session, center_id: str | None) -> str:
    """A centre's Thai name, or its id when unknown."""
    center = session.get(Center, center_id) if center_id else None
    return center.name_th if center else (center_id or "-")


def _group_targets(session: Session, settings: Settings, case: Case) -> list[str]:
    return c.staff_targets(settings, session.get(Center, case.center_id) if case.center_id else None)


def tell_group(session: Session, settings: Settings, case: Case, body: str) -> None:
    """Tell the case's centre (its LINE groups) what happened, without personal data."""
    for target in _group_targets(session, settings, case):
        queue_push(session, target, [m.text(body)], "staff_update", case.id)


def accept(session: Session, settings: Settings, case: Case, staff: Staff,
           now: datetime, push_details: bool = True) -> None:
    """The staff member takes the case: history, the citizen told, details sent privately."""
    if not c.acknowledge(session, case, staff.actor, now):
        raise ActionError("already_acked", case_no=case.case_no)
    case.ack_due_at = None
    work_of(session, case).accepted_by = staff.id
    tell_group(session, settings, case, st("acked_group", case_no=case.case_no,
                                           who=staff.display_name))
    if not push_details:
        return  # accepted on the dashboard, where the details are on screen
    if staff.line_user_id:
        details = c.staff_details(case)
        details["quickReply"] = {"items": [m.postback(st("btn_write"), a="s", do="write",
                                                      case=case.case_no)]}
        queue_push(session, staff.line_user_id, [details], "staff_details", case.id)
        audit(session, staff, "details_sent_line", case)
    else:
        details_fallback(session, settings, case, now)


def details_fallback(session: Session, settings: Settings, case: Case, now: datetime) -> None:
    """The private details could not reach the staff member: point the group to the dashboard."""
    work = work_of(session, case)
    if work.details_fallback_at is None:
        work.details_fallback_at = now
        tell_group(session, settings, case, st("details_waiting", case_no=case.case_no))
        case.record("details_fallback")


def start_work(session: Session, settings: Settings, case: Case, staff: Staff,
               now: datetime, citizen_note: str = "") -> None:
    """Mark the case in progress (accepting it first if nobody has)."""
    if case.status == "new":
        accept(session, settings, case, staff, now)
    if case.status not in ("acknowledged", "referred"):
        raise ActionError("refuse_state", case_no=case.case_no,
                          status=m.t(f"status_{case.status}"))
    c.change_status(session, case, "in_progress", staff.actor, citizen_note=citizen_note, now=now)
    tell_group(session, settings, case, st("working_group", case_no=case.case_no,
                                           who=staff.display_name))


def forward_targets(session: Session, case: Case) -> list[tuple[str, str]]:
    """Where a case may be referred from LINE: nearby centres, the province, departments, 1300."""
    found: list[tuple[str, str]] = []
    if case.district_code:
        for center in session.scalars(select(Center).where(
                Center.district_code == case.district_code, Center.type == "tambon_center",
                Center.active, Center.id != case.center_id).order_by(Center.id).limit(4)):
            found.append((center.id, center.name_th))
    if case.province_code and case.center_id != f"PSO-{case.province_code}":
        found.append((f"PSO-{case.province_code}", center_name(session, f"PSO-{case.province_code}")))
    for code in DEPARTMENTS:
        if case.center_id != f"DEPT-{code}":
            found.append((f"DEPT-{code}", code))
    found.append(("HOTLINE", "1300"))
    return [(cid, label) for cid, label in found if session.get(Center, cid) is not None][:12]


def refer(session: Session, settings: Settings, case: Case, staff: Staff, to: str,
          reason: str, now: datetime, citizen_note: str = "") -> None:
    """Send the case to another centre or department, with a reason; the new centre is notified."""
    target = session.get(Center, to)
    if target is None or not target.active or to == case.center_id:
        raise ActionError("centre_not_found", centre=to)
    if case.status == "closed":
        raise ActionError("refuse_state", case_no=case.case_no, status=m.t("status_closed"))
    reason_text = st(f"reason_{reason}") if reason in REASONS else (reason or "-")[:200]
    source = center_name(session, case.center_id)
    tell_group(session, settings, case, st("forwarded_group", case_no=case.case_no,
                                           to=target.name_th, reason=reason_text,
                                           who=staff.display_name))
    case.record("referred", actor=staff.actor, before=case.center_id, to=to, reason=reason_text)
    case.center_id, case.center = to, target
    if to.startswith("DEPT-"):
        case.department = to[len("DEPT-"):]
    case.escalation_level = 0
    case.ack_due_at = c.ack_deadline(case.urgency, now)
    c.change_status(session, case, "referred", staff.actor, citizen_note=citizen_note, now=now)
    body = st("forwarded_new", case_no=case.case_no, source=source, reason=reason_text,
              topic=m.topic_label(case.topic), urgency=m.t(f"urgency_{case.urgency}"),
              place=c.place_label(case))
    for t in c.staff_targets(settings, target):
        queue_push(session, t, [m.text(body, c.staff_buttons(case))], "staff_notify", case.id)


def close(session: Session, settings: Settings, case: Case, staff: Staff, outcome: str,
          now: datetime, citizen_note: str = "") -> None:
    """Close the case with an outcome; the citizen is told and asked for a rating."""
    if outcome not in OUTCOMES:
        raise ActionError("refuse_state", case_no=case.case_no, status=outcome)
    if case.status == "closed":
        raise ActionError("refuse_state", case_no=case.case_no, status=m.t("status_closed"))
    work = work_of(session, case)
    work.outcome, work.rating, work.rated_at = outcome, None, None
    case.ack_due_at = None
    c.change_status(session, case, "closed", staff.actor, citizen_note=citizen_note, now=now,
                    outcome=outcome, push=False)
    lang = case.language
    note = f"\n{citizen_note}" if citizen_note else ""
    quick = [m.postback(f"{'⭐' * n} {n}", a="rate", case=case.case_no, n=str(n))
             for n in range(5, 0, -1)]
    quick.append(m.postback(st("btn_reopen", lang), a="reopen", case=case.case_no))
    body = st("citizen_closed", lang, case_no=case.case_no,
              outcome=st(f"staff_outcome_{outcome}", lang), note=note)
    c.tell_citizen(session, case, m.text(body, quick), "status_update")
    tell_group(session, settings, case, st("closed_group", case_no=case.case_no,
                                           outcome=st(f"staff_outcome_{outcome}"),
                                           who=staff.display_name))


# Set in a session's info when a staff message opens a citizen's reply window: the worker's
# batch read the open windows at its start (staff_actions.prefetch_relay_cases).
REPLY_WINDOW_OPENED = "reply_window_opened"


def message_citizen(session: Session, case: Case, staff: Staff, text: str, now: datetime) -> None:
    """Relay a staff message to the citizen under the service's name; replies come back."""
    text = (text or "").strip()[:2000]
    if not text:
        raise ActionError("refuse_state", case_no=case.case_no, status="-")
    if not c._citizen_can_receive(session, case.reporter_line_user_id):
        raise ActionError("write_blocked", case_no=case.case_no)
    lang = case.language
    body = st("relay_to_citizen", lang, case_no=case.case_no, text=text)
    queue_push(session, case.reporter_line_user_id, [m.text(body)], "staff_message", case.id)
    work = work_of(session, case)
    work.citizen_reply_until = now + CITIZEN_REPLY_WINDOW
    session.info[REPLY_WINDOW_OPENED] = True  # a batch's relay lookups read afresh from now on
    if work.accepted_by is None:
        work.accepted_by = staff.id
    case.record("staff_message", actor=staff.actor, text=text)
    audit(session, staff, "message_citizen", case)


def citizen_reply(session: Session, case: Case, text: str, now: datetime) -> None:
    """A citizen's reply on the relay: into the case history and to the staff member on it."""
    case.record("citizen_message", actor=f"line:{case.reporter_line_user_id}", text=text[:2000])
    work = work_of(session, case)
    staff = session.get(Staff, work.accepted_by) if work.accepted_by else None
    if staff is not None and staff.line_user_id:
        body = st("citizen_said", case_no=case.case_no, text=text[:2000])
        queue_push(session, staff.line_user_id,
                   [m.text(body, [m.postback(st("btn_write"), a="s", do="write",
                                             case=case.case_no)])], "staff_relay", case.id)


def rate(session: Session, case: Case, n: int, now: datetime) -> str:
    """The citizen's 1–5 rating of a closed case; returns the answer to show."""
    work = work_of(session, case)
    lang = case.language
    if work.rating is not None:
        return st("rate_again", lang, case_no=case.case_no)
    work.rating, work.rated_at = n, now
    case.record("rated", actor=f"line:{case.reporter_line_user_id}", rating=n)
    return st("rated", lang, n=n)


def reopen(session: Session, settings: Settings, case: Case, now: datetime) -> str:
    """Reopen a case closed less than 14 days ago; the centre is notified to accept it again."""
    lang = case.language
    if case.status != "closed":
        return st("reopen_not_closed", lang, case_no=case.case_no)
    if case.closed_at is None or now - case.closed_at > REOPEN_WINDOW:
        return st("reopen_too_late", lang, case_no=case.case_no)
    work = work_of(session, case)
    work.reopened_count += 1
    work.outcome = None
    case.status, case.closed_at, case.acknowledged_at = "new", None, None
    case.escalation_level = 0
    case.ack_due_at = c.ack_deadline(case.urgency, now)
    case.record("reopened", actor=f"line:{case.reporter_line_user_id}")
    body = st("staff_reopened", case_no=case.case_no, topic=m.topic_label(case.topic),
              place=c.place_label(case))
    for t in _group_targets(session, settings, case):
        queue_push(session, t, [m.text(body, c.staff_buttons(case))], "staff_notify", case.id)
    return st("reopened", lang, case_no=case.case_no)
