"""LINE webhook events → the conversation, staff actions and bookkeeping (run by the worker)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import privacy
from handlers import cases as c
from handlers import conversation as flow
from handlers import loose_attachments, ratelimit
from handlers import messages as m
from handlers import staff_actions as staff
from handlers.outbox import queue_push, queue_reply
from handlers.richmenu import answer_privacy
from handlers.turn import Input, Turn
from models import Attachment, Case, Center, Conversation, LineGroup, LineUser, OutboundMessage
from models.base import get_without_flush
from settings import Settings

MEDIA_TYPES = ("image", "video", "audio", "file")


@dataclass
class EventOutcome:
    """What handling one event asks the worker to do after the transaction commits."""

    leave_group: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Ctx:
    """One event being handled."""

    session: Session
    settings: Settings
    event: dict[str, Any]
    now: datetime
    outcome: EventOutcome = field(default_factory=EventOutcome)

    @property
    def source(self) -> dict[str, Any]:
        """The event's source object."""
        return self.event.get("source") or {}

    @property
    def chat_id(self) -> str:
        """The user, group or room the event came from."""
        s = self.source
        return s.get("groupId") or s.get("roomId") or s.get("userId") or ""

    @property
    def user_id(self) -> str | None:
        """The LINE user behind the event, when LINE says."""
        return self.source.get("userId")

    @property
    def in_group(self) -> bool:
        """True for events from groups and rooms."""
        return self.source.get("type") in ("group", "room")

    @property
    def received_at(self) -> datetime:
        """When LINE sent the event (the reply token's minute starts here)."""
        ms = self.event.get("timestamp") or 0
        # Never later than now: a clock ahead of ours must not stretch the token's minute.
        return min(datetime.fromtimestamp(ms / 1000, tz=UTC), self.now) if ms else self.now

    def reply(self, messages: list[dict[str, Any]], case_id: int | None = None) -> None:
        """Queue an answer to this event's chat (reply token first, push after)."""
        if messages:
            queue_reply(self.session, self.chat_id, self.event.get("replyToken"),
                        self.received_at, messages, case_id)


def conversation_for(session: Session, chat_id: str) -> Conversation:
    """Return the chat's conversation row, creating it on first contact."""
    conv = session.get(Conversation, chat_id)
    if conv is None:
        conv = Conversation(chat_id=chat_id, state=flow.IDLE, data={})
        session.add(conv)
        session.flush()
    return conv


LAST_SEEN_PRECISION = timedelta(minutes=1)
_NEW_USERS = "line_users_absent"


def prefetch_line_users(session: Session, user_ids: list[str]) -> None:
    """Read these citizens' rows in one statement (the session holds them) and note the ones
    that have none yet: their first message adds the row without looking for it again (in a
    surge that lookup, and the flush before it, came once for every new person)."""
    found = {u.user_id for u in session.scalars(select(LineUser).where(LineUser.user_id.in_(user_ids)))}
    session.info.setdefault(_NEW_USERS, set()).update(u for u in user_ids if u not in found)


def _touch_user(ctx: Ctx, following: bool | None = None) -> LineUser | None:
    if not ctx.user_id or ctx.in_group:
        return None
    absent = ctx.session.info.get(_NEW_USERS, set())
    user = None if ctx.user_id in absent else get_without_flush(ctx.session, LineUser, ctx.user_id)
    if user is None:
        absent.discard(ctx.user_id)  # from now on the session has it
        user = LineUser(user_id=ctx.user_id, first_seen_at=ctx.now, following=True)
        ctx.session.add(user)
    if user.last_seen_at is None or ctx.now - user.last_seen_at > LAST_SEEN_PRECISION:
        user.last_seen_at = ctx.now  # to the minute: not an UPDATE for every message
    if following is not None:
        user.following = following
        user.unfollowed_at = None if following else ctx.now
    return user


def run_turn(ctx: Ctx, given: Input) -> None:
    """Hand one citizen input to the conversation and queue its answer."""
    conv = conversation_for(ctx.session, ctx.chat_id)
    turn = Turn(ctx.session, ctx.settings, conv, ctx.chat_id, ctx.now, sent_at=ctx.received_at)
    flow.handle(turn, given)
    ctx.reply(turn.replies, conv.case_id)


# ---------------------------------------------------------------- per event type

def on_follow(ctx: Ctx) -> None:
    """Greet: what the service does, the privacy notice, and the menu."""
    _touch_user(ctx, following=True)
    lang = "th"
    ctx.reply([m.text(m.t("greeting", lang)),
               m.text(m.t("privacy_notice", lang, version=ctx.settings.privacy_notice_version),
                      m.main_menu(lang))])


def on_unfollow(ctx: Ctx) -> None:
    """The citizen blocked the bot: no more pushes, and the unsent conversation is dropped."""
    _touch_user(ctx, following=False)
    ctx.session.execute(update(OutboundMessage).where(
        OutboundMessage.to == ctx.chat_id, OutboundMessage.status == "pending")
        .values(status="skipped", last_error="user unfollowed"))
    conv = ctx.session.get(Conversation, ctx.chat_id)
    if conv is not None:
        conv.state, conv.data, conv.case_id = flow.IDLE, {}, None


def on_message(ctx: Ctx) -> None:
    """Route a message by its type."""
    if staff.on_message(ctx):
        return  # link codes, staff writing to a citizen
    if ctx.in_group:
        return  # staff groups talk among themselves; the bot acts on its buttons only
    _touch_user(ctx)
    message = ctx.event.get("message") or {}
    kind = message.get("type")
    if kind == "text" and privacy.handle_request(ctx, message.get("text", "")):
        return
    if kind == "text" and _held_back(ctx, message.get("text", "")):
        return
    if kind == "text" and staff.on_citizen_text(ctx, message.get("text", "")):
        return  # a citizen answering the staff member on their case
    if kind == "text":
        run_turn(ctx, Input("text", text=message.get("text", "")))
    elif kind == "location":
        run_turn(ctx, Input("location", location={
            "latitude": message.get("latitude"), "longitude": message.get("longitude"),
            "address": message.get("address"), "title": message.get("title")}))
    elif kind in MEDIA_TYPES:
        on_media(ctx, message)
    else:
        on_sticker(ctx)


def _held_back(ctx: Ctx, text: str) -> bool:
    """A flood past the rate limit gets one kind note a minute instead of a turn each."""
    limit = ctx.settings.rate_limit_per_minute
    if not ratelimit.held_back(ctx.session, ctx.chat_id, text, ctx.now, limit):
        return False
    if not ratelimit.told_recently(ctx.session, ctx.chat_id, ctx.now):
        lang = conversation_for(ctx.session, ctx.chat_id).language or "th"
        queue_push(ctx.session, ctx.chat_id, [m.text(m.t("rate_limited", lang))],
                   ratelimit.PURPOSE)
    return True


def on_sticker(ctx: Ctx) -> None:
    """A sticker (or a message type we do not read): the conversation's table decides."""
    run_turn(ctx, Input("sticker"))


def _open_case_for(ctx: Ctx, conv: Conversation) -> Case | None:
    if conv.case_id:
        return ctx.session.get(Case, conv.case_id)
    if conv.state != flow.IDLE:
        return None  # a case is being prepared; the attachment joins it when it is created
    latest = c.cases_of(ctx.session, ctx.chat_id, limit=1)
    return latest[0] if latest and latest[0].is_open else None


def on_media(ctx: Ctx, message: dict[str, Any]) -> None:
    """Keep a photo, voice note, video or file with the open case (or the next one made)."""
    conv = conversation_for(ctx.session, ctx.chat_id)
    case = _open_case_for(ctx, conv)
    exists = ctx.session.scalar(select(Attachment).where(
        Attachment.line_message_id == str(message.get("id"))))
    if exists is None:
        ctx.session.add(Attachment(
            case_id=case.id if case else None, line_user_id=ctx.chat_id,
            line_message_id=str(message.get("id")), media_type=message.get("type"),
            file_name=message.get("fileName"), created_at=ctx.now))
        if case is None:
            loose_attachments.added(ctx.session, ctx.chat_id)
    if case is not None:
        case.record("attachment_added", actor=f"line:{ctx.chat_id}", media_type=message.get("type"))
    run_turn(ctx, Input("media"))


def on_postback(ctx: Ctx) -> None:
    """Buttons: staff actions from any chat, the citizen's answers otherwise."""
    postback = ctx.event.get("postback") or {}
    params = dict(parse_qsl(postback.get("data") or ""))
    action = params.get("a", "")
    if staff.on_postback(ctx, params):
        return  # staff case buttons, the citizen's rating and reopen
    if ctx.in_group:
        return
    _touch_user(ctx)
    if action == "privacy":  # the rich menu's privacy area, in any state
        return answer_privacy(ctx)
    run_turn(ctx, Input("postback", action=action, params=params))


def _is_staff_chat(ctx: Ctx, chat_id: str) -> bool:
    settings = ctx.settings
    configured = f"{settings.hotline_line_to} {settings.staff_fallback_line_to}".replace(";", " ").split()
    if chat_id in configured:
        return True
    found = ctx.session.scalar(select(Center.id).where(Center.line_to.contains(chat_id)).limit(1))
    return found is not None


def staff_acknowledges(ctx: Ctx, case_no: str) -> None:
    """A staff member tapped 'accept': record who, tell the citizen, send the details privately."""
    if not _is_staff_chat(ctx, ctx.chat_id):
        return  # only staff chats may accept cases
    case = ctx.session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None:
        return
    actor = f"line:{ctx.user_id or ctx.chat_id}"
    if not c.acknowledge(ctx.session, case, actor, ctx.now):
        ctx.reply([m.text(m.t("staff_already_acked", case_no=case.case_no))])
        return
    ctx.reply([m.text(m.t("staff_acked", case_no=case.case_no))])
    if not ctx.user_id:
        # LINE did not say who tapped: the details must not go to the whole group.
        ctx.reply([m.text(m.t("staff_add_friend", case_no=case.case_no))])
        return
    queue_push(ctx.session, ctx.user_id, [c.staff_details(case)], "staff_details", case.id)


def on_join(ctx: Ctx) -> None:
    """Stay in staff groups (known targets); say why and leave any other group."""
    if staff.on_join(ctx):
        return  # an unknown group may still send its link code
    group_id = ctx.chat_id
    is_staff = _is_staff_chat(ctx, group_id)
    group = ctx.session.get(LineGroup, group_id) or LineGroup(group_id=group_id)
    group.is_staff, group.joined_at, group.left_at = is_staff, ctx.now, None
    ctx.session.add(group)
    if is_staff:
        ctx.reply([m.text(m.t("group_staff_hello"))])
        return
    ctx.reply([m.text(m.t("group_not_staff", group_id=group_id))])
    ctx.outcome.leave_group = group_id


def on_leave(ctx: Ctx) -> None:
    """The bot was removed from a group."""
    group = ctx.session.get(LineGroup, ctx.chat_id)
    if group is not None:
        group.left_at = ctx.now


def on_unsend(ctx: Ctx) -> None:
    """The citizen took a message back: delete an attachment we kept of it."""
    message_id = str((ctx.event.get("unsend") or {}).get("messageId"))
    ctx.session.execute(update(Attachment).where(Attachment.line_message_id == message_id)
                        .values(content=None, status="unsent"))


HANDLERS: dict[str, Callable[[Ctx], None]] = {
    "follow": on_follow, "unfollow": on_unfollow, "message": on_message,
    "postback": on_postback, "join": on_join, "leave": on_leave, "unsend": on_unsend,
}
HANDLED_TYPES = frozenset(HANDLERS)


def handle_event(session: Session, settings: Settings, event: dict[str, Any],
                 now: datetime) -> EventOutcome:
    """Handle one stored webhook event inside the caller's transaction."""
    ctx = Ctx(session, settings, event, now)
    handler = HANDLERS.get(event.get("type", ""))
    if handler is not None:
        handler(ctx)
    return ctx.outcome

