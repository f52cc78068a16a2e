"""Staff and follow-through events from LINE: link codes, case buttons, the relay, ratings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from handlers import messages as m
from handlers import staff_core as sc
from handlers.staff_core import ActionError, st
from models import Case, CaseWork, Center, Conversation, LineGroup, OutboundMessage, Staff
from settings import Settings

if TYPE_CHECKING:
    from handlers.events import Ctx
    from runtime import Runtime

STAFF_ACTIONS = ("ack", "s")
CITIZEN_ACTIONS = ("rate", "reopen")
GROUP_GRACE = timedelta(minutes=30)


def is_staff_chat(session: Any, settings: Settings, chat_id: str) -> bool:
    """True for the hotline, the fallback and every centre's linked LINE targets."""
    configured = f"{settings.hotline_line_to} {settings.staff_fallback_line_to}"
    if chat_id in configured.replace(";", " ").split():
        return True
    return session.scalar(select(Center.id).where(Center.line_to.contains(chat_id)).limit(1)) \
        is not None


# ---------------------------------------------------------------- postbacks

def on_postback(ctx: Ctx, params: dict[str, str]) -> bool:
    """Handle staff buttons and the citizen's rating/reopen buttons; False if not ours."""
    action = params.get("a", "")
    if action in STAFF_ACTIONS:
        _staff_button(ctx, params)
        return True
    if action in CITIZEN_ACTIONS and not ctx.in_group:
        _citizen_button(ctx, action, params)
        return True
    return False


def _refuse(ctx: Ctx, key: str, **values: Any) -> None:
    ctx.reply([m.text(st(key, **values))])


def _staff_button(ctx: Ctx, params: dict[str, str]) -> None:
    case_no = params.get("case", "")[:20]
    staff = sc.staff_by_line(ctx.session, ctx.user_id)
    if staff is None:
        _refuse(ctx, "refuse_unlinked", case_no=case_no)
        return
    case = sc.find_case(ctx.session, staff, case_no)
    if case is None:
        exists = ctx.session.scalar(select(Case.id).where(Case.case_no == case_no))
        _refuse(ctx, "refuse_scope" if exists else "not_found", case_no=case_no)
        return
    try:
        _do(ctx, staff, case, "ack" if params.get("a") == "ack" else params.get("do", ""), params)
    except ActionError as err:
        _refuse(ctx, err.key, **err.values)


def _do(ctx: Ctx, staff: Staff, case: Case, do: str, params: dict[str, str]) -> None:
    s, settings, now = ctx.session, ctx.settings, ctx.now
    if do == "ack":
        sc.accept(s, settings, case, staff, now)
    elif do == "work":
        sc.start_work(s, settings, case, staff, now)
    elif do == "fwd":
        _forward(ctx, staff, case, params)
    elif do == "close":
        _close(ctx, staff, case, params)
    elif do == "write":
        staff.writing_case_id, staff.writing_until = case.id, now + sc.WRITE_WINDOW
        ctx.reply([m.text(st("write_prompt", case_no=case.case_no),
                          [m.postback(st("btn_cancel"), a="s", do="nowrite", case=case.case_no)])])
    elif do == "nowrite":
        staff.writing_case_id, staff.writing_until = None, None


def _forward(ctx: Ctx, staff: Staff, case: Case, params: dict[str, str]) -> None:
    to, reason = params.get("to"), params.get("r")
    if not to:
        options = [m.postback(label, a="s", do="fwd", case=case.case_no, to=cid)
                   for cid, label in sc.forward_targets(ctx.session, case)]
        ctx.reply([m.text(st("forward_pick", case_no=case.case_no), options)])
        return
    if not reason:
        options = [m.postback(st(f"reason_{r}"), a="s", do="fwd", case=case.case_no, to=to, r=r)
                   for r in sc.REASONS]
        ctx.reply([m.text(st("forward_reason", case_no=case.case_no,
                             to=sc.center_name(ctx.session, to)), options)])
        return
    sc.refer(ctx.session, ctx.settings, case, staff, to, reason, ctx.now)


def _close(ctx: Ctx, staff: Staff, case: Case, params: dict[str, str]) -> None:
    outcome = params.get("o")
    if not outcome:
        options = [m.postback(st(f"staff_outcome_{o}"), a="s", do="close", case=case.case_no, o=o)
                   for o in sc.OUTCOMES]
        ctx.reply([m.text(st("close_pick", case_no=case.case_no), options)])
        return
    sc.close(ctx.session, ctx.settings, case, staff, outcome, ctx.now)


def _citizen_button(ctx: Ctx, action: str, params: dict[str, str]) -> None:
    case = ctx.session.scalar(select(Case).where(Case.case_no == params.get("case", "")[:20],
                                                 Case.reporter_line_user_id == ctx.user_id))
    if case is None:
        ctx.reply([m.text(m.t("follow_up_none"), m.main_menu("th"))])
        return
    if action == "rate":
        try:
            n = int(params.get("n", ""))
        except ValueError:
            n = 0
        if not 1 <= n <= 5 or case.status != "closed":
            return
        ctx.reply([m.text(sc.rate(ctx.session, case, n, ctx.now), m.main_menu(case.language))])
        return
    ctx.reply([m.text(sc.reopen(ctx.session, ctx.settings, case, ctx.now))])


# ---------------------------------------------------------------- messages

def on_message(ctx: Ctx) -> bool:
    """Link codes and staff writing to a citizen; False if not ours."""
    message = ctx.event.get("message") or {}
    if message.get("type") != "text":
        return False
    text = message.get("text") or ""
    answer = sc.redeem_code(ctx.session, text, user_id=ctx.user_id,
                            group_id=ctx.chat_id if ctx.in_group else None, now=ctx.now)
    if answer is not None:
        ctx.reply([m.text(answer)])
        return True
    if ctx.in_group:
        _leave_if_unlinked(ctx)
        return False
    return _staff_writes(ctx, text)


def on_citizen_text(ctx: Ctx, text: str) -> bool:
    """A citizen's text while a staff member's message awaits an answer; False if not ours.

    Called after privacy answers and the rate limit, so neither is bypassed by the relay."""
    return _citizen_answers(ctx, text)


def _staff_writes(ctx: Ctx, text: str) -> bool:
    staff = sc.staff_by_line(ctx.session, ctx.user_id)
    if staff is None or not staff.writing_case_id or not staff.writing_until \
            or staff.writing_until < ctx.now:
        return False
    case = ctx.session.get(Case, staff.writing_case_id)
    staff.writing_case_id, staff.writing_until = None, None
    if case is None or sc.find_case(ctx.session, staff, case.case_no) is None:
        return False
    try:
        sc.message_citizen(ctx.session, case, staff, text, ctx.now)
        ctx.reply([m.text(st("write_sent", case_no=case.case_no))])
    except ActionError as err:
        _refuse(ctx, err.key, **err.values)
    return True


# Asked for most citizen messages: built once (its SQL and cache key are reused).
_RELAY_CASE = (select(Case).join(CaseWork, CaseWork.case_id == Case.id)
               .where(Case.reporter_line_user_id == bindparam("user_id", type_=Case.reporter_line_user_id.type),
                      CaseWork.citizen_reply_until > bindparam("now", type_=CaseWork.citizen_reply_until.type))
               .order_by(CaseWork.citizen_reply_until.desc()).limit(1))


# The worker reads its batch's citizens' open reply windows together (one statement, not
# one per message); kept in the session's info for the batch's transaction only.
_RELAY_WINDOWS = "relay_windows"


def prefetch_relay_cases(session: Any, user_ids: list[str], now: datetime) -> None:
    """Read which of these citizens a staff message awaits an answer from, and its case."""
    if not user_ids:
        return
    known: dict[str, Case | None] = dict.fromkeys(user_ids)
    for case, _work in session.execute(
            select(Case, CaseWork).join(CaseWork, CaseWork.case_id == Case.id)
            .where(Case.reporter_line_user_id.in_(user_ids), CaseWork.citizen_reply_until > now)
            .order_by(CaseWork.citizen_reply_until.desc())):
        known[case.reporter_line_user_id] = known[case.reporter_line_user_id] or case
    session.info[_RELAY_WINDOWS] = known


def _relay_case(ctx: Ctx) -> Case | None:
    known = ctx.session.info.get(_RELAY_WINDOWS, {})
    if ctx.user_id in known and not ctx.session.info.get(sc.REPLY_WINDOW_OPENED):
        # Read at the batch's start; no staff message of this batch opened a window since.
        # A window this batch closed (a message passed through) is closed here too.
        case = known[ctx.user_id]
        if case is None or case.reporter_line_user_id != ctx.user_id:
            return None
        until = sc.work_of(ctx.session, case).citizen_reply_until
        return case if until is not None and until > ctx.now else None
    if ctx.user_id is None:  # compared as IS NULL, which a bound parameter cannot say
        return ctx.session.scalar(
            select(Case).join(CaseWork, CaseWork.case_id == Case.id)
            .where(Case.reporter_line_user_id.is_(None), CaseWork.citizen_reply_until > ctx.now)
            .order_by(CaseWork.citizen_reply_until.desc()).limit(1))
    if ctx.session.info.get(sc.REPLY_WINDOW_OPENED):
        # A staff message earlier in this batch opened a window that is not flushed yet:
        # the query must see it (a citizen answering at once was not relayed).
        return ctx.session.scalar(_RELAY_CASE, {"user_id": ctx.user_id, "now": ctx.now})
    # Asked before this message changed any case or its work (staff actions, privacy and
    # the rate limit return first), so the session's pending changes (the citizen's
    # last-seen time, a new citizen) cannot change the answer: they are not flushed for it.
    with ctx.session.no_autoflush:
        return ctx.session.scalar(_RELAY_CASE, {"user_id": ctx.user_id, "now": ctx.now})


def _passes_through(text: str) -> bool:
    from intents import classify

    words = text.strip()
    menu = {m.t(k, lang) for k in ("menu_help", "menu_follow", "menu_info")
            for lang in ("th", "en")} | {st("btn_new_request", "th"), st("btn_new_request", "en")}
    # A new emergency must never be swallowed by a chat with staff.
    return words in menu or classify(words).urgency == "emergency"


def _citizen_answers(ctx: Ctx, text: str) -> bool:
    conv = ctx.session.get(Conversation, ctx.chat_id)
    if conv is not None and conv.state != "idle":
        return False
    case = _relay_case(ctx)
    if case is None:
        return False
    if _passes_through(text):
        sc.work_of(ctx.session, case).citizen_reply_until = None
        return False
    sc.citizen_reply(ctx.session, case, text, ctx.now)
    lang = case.language
    ctx.reply([m.text(st("relay_received", lang, case_no=case.case_no),
                      [m.say(st("btn_new_request", lang))])], case.id)
    return True


# ---------------------------------------------------------------- groups

def on_join(ctx: Ctx) -> bool:
    """An unknown group gets 30 minutes to send a link code; known staff groups: False (hello)."""
    if is_staff_chat(ctx.session, ctx.settings, ctx.chat_id):
        return False
    group = ctx.session.get(LineGroup, ctx.chat_id) or LineGroup(group_id=ctx.chat_id)
    group.is_staff, group.joined_at, group.left_at = False, ctx.now, None
    ctx.session.add(group)
    ctx.reply([m.text(st("group_join_unlinked", group_id=ctx.chat_id))])
    return True


def _leave_if_unlinked(ctx: Ctx) -> None:
    if is_staff_chat(ctx.session, ctx.settings, ctx.chat_id):
        return
    group = ctx.session.get(LineGroup, ctx.chat_id)
    joined = group.joined_at if group else None
    if joined is None or ctx.now - joined > GROUP_GRACE:
        ctx.reply([m.text(st("group_leaving"))])
        ctx.outcome.leave_group = ctx.chat_id


# ---------------------------------------------------------------- worker job

def run_details_fallback(runtime: Runtime, settings: Settings, now: datetime) -> int:
    """Private details that LINE refused for good: tell the group they wait in the dashboard."""
    with runtime.transaction() as s:
        refused = select(OutboundMessage.case_id).where(
            OutboundMessage.purpose == "staff_details", OutboundMessage.status == "failed")
        failed = s.scalars(
            select(Case).outerjoin(CaseWork, CaseWork.case_id == Case.id)
            .where(Case.id.in_(refused), CaseWork.details_fallback_at.is_(None))
            .limit(50)).unique().all()
        for case in failed:
            sc.details_fallback(s, settings, case, now)
        return len(failed)
