"""Cases as the ministry works them: numbered, routed, notified, acknowledged, escalated."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

import taxonomy
from handlers import messages as m
from handlers.outbox import queue_push
from handlers.phone import format_phone
from models import Case, CaseCounter, CaseStatus, Center, LineUser, Urgency, utcnow
from models.base import get_without_flush, insert_ignore
from referral.routing import ack_deadline, department_name, route
from settings import Settings

log = logging.getLogger(__name__)
BANGKOK = timezone(timedelta(hours=7))  # Thailand keeps no daylight saving


@dataclass
class Intake:
    """What the conversation learned, ready to become a case."""

    kind: str
    topic: str
    urgency: str
    description: str
    reporter: str
    language: str = "th"
    subject: str | None = None
    age_group: str | None = None
    place: dict[str, Any] = field(default_factory=dict)
    phone: str | None = None
    consent: bool | None = None
    consent_at: datetime | None = None
    notice_version: str | None = None


def buddhist_year(now: datetime) -> int:
    """Return the Buddhist-era year of a moment in Thailand."""
    return now.astimezone(BANGKOK).year + 543


def allocate_case_no(session: Session, now: datetime) -> tuple[int, int, str]:
    """Take the next number of the year inside the caller's transaction (no gaps on rollback)."""
    year = buddhist_year(now)
    # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite): concurrent
    # workers queue here, and a rolled-back case gives its number back. The year's row is
    # created only when the UPDATE finds none (once a year), not tried before every case.
    # The counter's row is all it touches: what the batch has pending is written later, in
    # one flush, not now.
    with session.no_autoflush:
        seq = session.execute(_NEXT_SEQ, {"of_year": year}).scalar()
    if seq is None:
        insert_ignore(session, CaseCounter, {"year": year, "last_seq": 0}, ["year"])
        seq = session.execute(_NEXT_SEQ, {"of_year": year}).scalar_one()
    return year, seq, f"OSS-{year}-{seq:06d}"


_NEXT_SEQ = (update(CaseCounter).where(CaseCounter.year == bindparam("of_year", type_=CaseCounter.year.type))
             .values(last_seq=CaseCounter.last_seq + 1).returning(CaseCounter.last_seq))


def place_label(case: Case, lang: str = "th") -> str:
    """Return where the case is, in words, or 'unknown'."""
    return case.place_text or m.t("unknown", lang)


def subject_label(subject: str | None, age_group: str | None, lang: str = "th",
                  staff: bool = False) -> str:
    """Return who needs help, in words."""
    parts = []
    if subject:
        parts.append(m.t(f"subject_{subject}_staff" if staff else f"subject_{subject}", lang))
    if age_group:
        parts.append(m.t(f"age_{age_group}", lang))
    return " · ".join(parts) or m.t("unknown", lang)


def _resolve_center(session: Session, center_id: str, chain: tuple[str, ...]) -> Center | None:
    for candidate in (center_id, *chain):
        center = get_without_flush(session, Center, candidate)
        if center is not None and center.active:
            return center
    return None


def apply_place(case: Case, place: dict[str, Any]) -> None:
    """Copy a settled place (codes, coordinates, label) onto the case."""
    case.subdistrict_code = place.get("subdistrict_code")
    case.district_code = place.get("district_code")
    case.province_code = place.get("province_code")
    case.latitude = place.get("latitude")
    case.longitude = place.get("longitude")
    case.place_text = place_words(place)


# Words of an address finer than a subdistrict: a house number, a soi, a landmark.
_ADDRESS_DETAIL = re.compile(r"\d|ซอย|ซ\.|ถนน|ถ\.|หมู่|ม\.|เลขที่|หลัง|ใกล้|ตรงข้าม|ข้างๆ|หน้า|ตึก|ชั้น|"
                             r"คอนโด|หอพัก|อาคาร|โรง|วัด|ตลาด|soi|road|moo|near|opposite|building|floor",
                             re.IGNORECASE)


def place_words(place: dict[str, Any]) -> str:
    """The place as staff read it: the area, and the address typed or sent with it when it is
    more precise ("บ้านเลขที่ 99/1 ซอยมิตรภาพ 5 … หลังวัดกลาง") — the team needs the door."""
    label = (place.get("label_th") or "").strip()
    typed = " ".join(str(place.get("text") or "").split())
    if typed and (not label or (typed != label and _ADDRESS_DETAIL.search(typed))):
        return (f"{label} · {typed}" if label else typed)[:300]
    return label or typed


def approximate_point(case: Case) -> bool:
    """Whether a case's coordinates are only its area's centre (a typed place), not a pin."""
    from referral.centroids import area_centroid

    code = case.subdistrict_code or case.district_code or case.province_code
    centre = area_centroid(code) if code else None
    return centre is not None and case.latitude is not None and case.longitude is not None and \
        abs(centre[0] - case.latitude) < 1e-4 and abs(centre[1] - case.longitude) < 1e-4


def route_case(session: Session, case: Case, place: Any) -> None:
    """Set the department, the centre and the escalation chain from topic, urgency and place."""
    rt = route(topic=case.topic, urgency=case.urgency, kind=case.kind, place=place)
    if rt.alert_hotline and case.urgency != Urgency.EMERGENCY:
        # The policy says this topic always reaches the hotline (suicide risk, trafficking).
        case.urgency = Urgency.EMERGENCY
        case.ack_due_at = ack_deadline(Urgency.EMERGENCY, case.created_at or utcnow())
        case.record("urgency_raised", reason="routing_policy")
    case.department = rt.department
    case.escalation_chain = list(rt.escalation)
    center = _resolve_center(session, rt.center_id, tuple(rt.escalation))
    case.center_id = center.id if center else None
    case.center = center
    case.record("routed", department=rt.department, center_id=case.center_id)


def create_case(session: Session, settings: Settings, intake: Intake, place: Any,
                now: datetime | None = None) -> Case:
    """Create, number, route and notify a case, all in the caller's transaction."""
    now = now or utcnow()
    year, seq, case_no = allocate_case_no(session, now)
    case = Case(case_no=case_no, year=year, seq=seq, kind=intake.kind, topic=intake.topic,
                urgency=intake.urgency, target_group=taxonomy.topic(intake.topic).target_group,
                language=intake.language, reporter_line_user_id=intake.reporter,
                subject=intake.subject, subject_age_group=intake.age_group,
                description=intake.description, phone=intake.phone,
                consent_given=intake.consent, consent_at=intake.consent_at,
                consent_notice_version=intake.notice_version,
                legal_basis="consent" if intake.consent else "vital_interest",
                created_at=now, updated_at=now, ack_due_at=ack_deadline(intake.urgency, now))
    apply_place(case, intake.place)
    # One INSERT of the routed case: the centre lookups must not flush it half-made (an
    # INSERT, then an UPDATE for the centre).
    with session.no_autoflush:
        session.add(case)
        case.record("created", actor=f"line:{intake.reporter}", kind=intake.kind,
                    topic=intake.topic, urgency=intake.urgency)
        route_case(session, case, place)
    session.flush()
    recent = session.info.get(_RECENT_CASES)
    if recent is not None and intake.reporter in recent:
        recent[intake.reporter].insert(0, case)
    notify_new_case(session, settings, case)
    return case


def staff_targets(settings: Settings, center: Center | None) -> list[str]:
    """Return where a centre's notifications go: its LINE targets, else the fallback."""
    targets = center.line_targets() if center else []
    return targets or settings.staff_fallback_line_to.replace(";", " ").split()


def hotline_targets(session: Session, settings: Settings) -> list[str]:
    """Return the 1300 hotline's LINE targets (setting plus the directory's HOTLINE entry)."""
    targets = settings.hotline_line_to.replace(";", " ").split()
    # Read once per session (a worker's batch asked for it at every alert and detail, and a
    # directory without the entry meant a SELECT each time, after a flush).
    if "hotline_center" not in session.info:
        session.info["hotline_center"] = get_without_flush(session, Center, "HOTLINE")
    hotline = session.info["hotline_center"]
    for extra in hotline.line_targets() if hotline else []:
        if extra not in targets:
            targets.append(extra)
    return targets


def _ack_button(case: Case) -> dict[str, Any]:
    return m.postback(m.t("staff_ack_button"), a="ack", case=case.case_no)


def staff_buttons(case: Case) -> list[dict[str, Any]]:
    """The actions on every centre notification: accept, in progress, refer, close."""
    from handlers.staff_core import st

    return [_ack_button(case),
            m.postback(st("btn_work"), a="s", do="work", case=case.case_no),
            m.postback(st("btn_forward"), a="s", do="fwd", case=case.case_no),
            m.postback(st("btn_close"), a="s", do="close", case=case.case_no)]


def _due_text(case: Case) -> str:
    return m.t(f"due_{case.urgency}").strip()


def thai_date(moment: datetime) -> str:
    """Return a moment as Thais write it: day/month/Buddhist-era year hour:minute."""
    local = moment.astimezone(BANGKOK)
    return f"{local:%d/%m}/{local.year + 543} {local:%H:%M}"


def staff_summary(case: Case) -> dict[str, Any]:
    """The notification a centre gets: what, how urgent, where — no name, phone or story."""
    body = m.t("staff_new_case", case_no=case.case_no, topic=m.case_label(case.kind, case.topic),
               urgency=m.t(f"urgency_{case.urgency}"), place=place_label(case),
               subject=subject_label(case.subject, case.subject_age_group, staff=True),
               due=_due_text(case))
    return m.text(body, staff_buttons(case))


def emergency_alert(case: Case) -> dict[str, Any]:
    """The hotline's alert: everything known, because its team calls at once."""
    body = m.t("staff_emergency", case_no=case.case_no, topic=m.topic_label(case.topic),
               place=place_label(case) + m.map_line(case.latitude, case.longitude,
                                                    approximate_point(case)),
               phone=format_phone(case.phone) if case.phone else m.t("not_given"),
               description=case.description[:1500] or "-")
    return m.text(body, staff_buttons(case))


def _push_all(session: Session, targets: list[str], message: dict[str, Any], purpose: str,
              case: Case) -> list[str]:
    for target in targets:
        queue_push(session, target, [message], purpose, case.id)
    return targets


def notify_new_case(session: Session, settings: Settings, case: Case) -> None:
    """Queue the centre's notification, and the hotline alert for an emergency."""
    if case.urgency == Urgency.EMERGENCY:
        sent = _push_all(session, hotline_targets(session, settings), emergency_alert(case),
                         "hotline_alert", case)
        if not sent:
            # No hotline target configured: the centre's path below still runs, and the
            # operators must see this in the logs and the case history.
            log.error("case %s: emergency with no hotline LINE target configured", case.case_no)
        case.record("hotline_alerted" if sent else "hotline_alert_failed", targets=len(sent))
    sent = _push_all(session, staff_targets(settings, case.center), staff_summary(case),
                     "staff_notify", case)
    case.record("centre_notified", center_id=case.center_id, targets=len(sent))


def add_details(session: Session, settings: Settings, case: Case, what: str,
                place: Any = None, public: str | None = None) -> None:
    """Attach details that arrived after an emergency case was opened, and tell the staff.

    The hotline gets `what` in full; centre groups get `public` (no phone, no story)."""
    if place is not None:
        previous = case.center_id
        route_case(session, case, place)
        if case.center_id != previous:
            _push_all(session, staff_targets(settings, case.center), staff_summary(case),
                      "staff_notify", case)
    if case.urgency == Urgency.EMERGENCY:
        full = m.text(m.t("staff_update", case_no=case.case_no, what=what))
        _push_all(session, hotline_targets(session, settings), full, "staff_update", case)
    shared = m.text(m.t("staff_update", case_no=case.case_no, what=public or what))
    _push_all(session, staff_targets(settings, case.center), shared, "staff_update", case)
    case.record("details_added")


def staff_details(case: Case) -> dict[str, Any]:
    """What the staff member who accepted a case receives privately: contact and story."""
    body = m.t("staff_details", case_no=case.case_no, topic=m.case_label(case.kind, case.topic),
               urgency=m.t(f"urgency_{case.urgency}"), place=place_label(case),
               subject=subject_label(case.subject, case.subject_age_group, staff=True),
               phone=format_phone(case.phone) if case.phone else m.t("not_given"),
               description=case.description[:3000] or "-")
    return m.text(body)


def _citizen_can_receive(session: Session, user_id: str) -> bool:
    user = session.get(LineUser, user_id)
    return user is None or user.following


def tell_citizen(session: Session, case: Case, message: dict[str, Any], purpose: str) -> None:
    """Push an update to the citizen who reported the case, unless they blocked the bot."""
    # Cases from other channels (Open311) have no LINE user to tell.
    if case.reporter_line_user_id.startswith("U") and \
            _citizen_can_receive(session, case.reporter_line_user_id):
        queue_push(session, case.reporter_line_user_id, [message], purpose, case.id)


def acknowledge(session: Session, case: Case, actor: str, now: datetime | None = None) -> bool:
    """Mark a case accepted by staff; returns False if someone accepted it already."""
    now = now or utcnow()
    # Conditional update: two staff tapping at once on two workers → exactly one wins.
    # A referred case waits for its new centre: accepting it is an acknowledgement too.
    waiting = or_(Case.status == CaseStatus.NEW,
                  (Case.status == CaseStatus.REFERRED) & Case.ack_due_at.isnot(None))
    won = session.execute(update(Case).where(Case.id == case.id, waiting)
                          .values(status=CaseStatus.ACKNOWLEDGED, acknowledged_at=now,
                                  ack_due_at=None)
                          .execution_options(synchronize_session=False))
    if won.rowcount != 1:
        return False
    case.status, case.acknowledged_at, case.ack_due_at = CaseStatus.ACKNOWLEDGED, now, None
    case.record("acknowledged", actor=actor)
    tell_citizen(session, case, m.text(m.t("citizen_acked", case.language, case_no=case.case_no)),
                 "status_update")
    return True


# Where a case may go next; a closed case is reopened only by its citizen (within 14 days).
TRANSITIONS = {"new": {"acknowledged", "in_progress", "referred", "closed"},
               "acknowledged": {"in_progress", "referred", "closed"},
               "in_progress": {"referred", "closed"},
               "referred": {"acknowledged", "in_progress", "closed"},
               "closed": set()}


def change_status(session: Session, case: Case, status: str, actor: str, note: str = "",
                  citizen_note: str = "", now: datetime | None = None, push: bool = True,
                  **detail: Any) -> None:
    """Move a case along its statuses; the citizen hears the status and citizen_note only.

    `note` is internal: it goes to the case history, never to the citizen."""
    now = now or utcnow()
    previous = case.status
    case.status = status
    if status in ("acknowledged", "in_progress") and case.acknowledged_at is None:
        case.acknowledged_at = now
    if status != "new":
        case.ack_due_at = None if status != "referred" else case.ack_due_at
    if status == "closed":
        case.closed_at = now
    extra = {k: v for k, v in {"note": note, "citizen_note": citizen_note}.items() if v}
    case.record("status_changed", actor=actor, before=previous, after=status, **extra, **detail)
    if push:
        lang = case.language
        suffix = f"\n{citizen_note}" if citizen_note else ""
        body = m.t("status_changed", lang, case_no=case.case_no,
                   status=m.t(f"status_{status}", lang), note=suffix)
        tell_citizen(session, case, m.text(body), "status_update")


def _next_target(case: Case) -> str | None:
    chain = [c for c in case.escalation_chain if c != case.center_id]
    return chain[case.escalation_level] if case.escalation_level < len(chain) else None


def escalate(session: Session, settings: Settings, case: Case, now: datetime) -> bool:
    """Move an unacknowledged case one step up its chain; False when the chain is exhausted."""
    target_id = _next_target(case)
    if target_id is None:
        return remind_hotline(session, settings, case, now)
    case.escalation_level += 1
    case.escalated_to = target_id
    case.ack_due_at = ack_deadline(case.urgency, now)
    case.record("escalated", to=target_id, level=case.escalation_level)
    body = m.t("staff_escalated", case_no=case.case_no, topic=m.topic_label(case.topic),
               urgency=m.t(f"urgency_{case.urgency}"), place=place_label(case),
               created=thai_date(case.created_at))
    message = m.text(body, staff_buttons(case))
    if target_id == "HOTLINE":
        targets = hotline_targets(session, settings)
    else:
        targets = staff_targets(settings, _resolve_center(session, target_id, ()))
    _push_all(session, targets, message, "escalation", case)
    return True


def remind_hotline(session: Session, settings: Settings, case: Case, now: datetime) -> bool:
    """The top of the chain has not acknowledged either: remind the hotline until someone does."""
    case.ack_due_at = ack_deadline(case.urgency, now)
    case.record("hotline_reminded")
    body = m.t("staff_escalated", case_no=case.case_no, topic=m.topic_label(case.topic),
               urgency=m.t(f"urgency_{case.urgency}"), place=place_label(case),
               created=thai_date(case.created_at))
    _push_all(session, hotline_targets(session, settings), m.text(body, staff_buttons(case)),
              "escalation", case)
    return True


def escalate_overdue(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Escalate every case whose acknowledgement is overdue; returns how many moved."""
    now = now or utcnow()
    # SKIP LOCKED (PostgreSQL): two workers never escalate the same case twice.
    overdue = session.scalars(
        select(Case).where(Case.status.in_((CaseStatus.NEW, CaseStatus.REFERRED)),
                           Case.ack_due_at < now)
        .order_by(Case.ack_due_at).limit(100).with_for_update(skip_locked=True, of=Case)
    ).unique().all()
    for case in overdue:
        escalate(session, settings, case, now)
    return len(overdue)


def department_label(case: Case, lang: str = "th") -> str:
    """Return the department's name for the citizen."""
    return department_name(case.department, lang) if case.department else m.t("unknown", lang)


# The worker reads its batch's citizens' newest cases together (prefetch_recent_cases): a
# first message asked for them up to three times, each after a flush of the session (a
# fifth of the worker's time in cProfile). Kept in the session's info, so only for as
# long as the batch's transaction: the chats are locked meanwhile, so only this session
# adds their cases (create_case puts a new one first).
_RECENT_CASES = "recent_cases"
RECENT_KEPT = 5


def prefetch_recent_cases(session: Session, user_ids: list[str]) -> None:
    """Read the RECENT_KEPT newest cases of each of these citizens in one statement, for
    cases_of in this session."""
    if not user_ids:
        return
    ranked = (select(Case.id, func.row_number().over(
        partition_by=Case.reporter_line_user_id, order_by=(Case.created_at.desc(), Case.id.desc())).label("n"))
        .where(Case.reporter_line_user_id.in_(user_ids)).subquery())
    recent: dict[str, list[Case]] = {user_id: [] for user_id in user_ids}
    for case in session.scalars(select(Case).join(ranked, ranked.c.id == Case.id).where(ranked.c.n <= RECENT_KEPT)
                                .order_by(Case.created_at.desc(), Case.id.desc())):
        recent[case.reporter_line_user_id].append(case)
    session.info.setdefault(_RECENT_CASES, {}).update(recent)


def cases_of(session: Session, user_id: str, limit: int = 5) -> list[Case]:
    """Return a citizen's most recent cases, newest first."""
    recent = session.info.get(_RECENT_CASES, {})
    # Fewer than RECENT_KEPT read (plus those made since) means every case of the citizen.
    if user_id in recent and (limit <= RECENT_KEPT or len(recent[user_id]) < RECENT_KEPT):
        # An erasure in this session rewrites the reporter: its cases drop out here too.
        return [k for k in recent[user_id] if k.reporter_line_user_id == user_id][:limit]
    return list(session.scalars(
        select(Case).where(Case.reporter_line_user_id == user_id)
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
    ))

