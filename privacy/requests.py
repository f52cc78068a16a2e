"""'ลบข้อมูลของฉัน' / 'ข้อมูลของฉัน' from LINE: show what is held, erase after confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import messages as m
from handlers import replies
from models import ERASED, Conversation, PrivacyRequest
from privacy.access import describe, held, holds_anything
from privacy.erasure import Erasure, cases_of, erase_subject, must_keep
from privacy.texts import joined, t, word

if TYPE_CHECKING:
    from handlers.events import Ctx

# A confirmation answered later than this is not taken as consent to erase.
CONFIRM_WITHIN = timedelta(minutes=15)
LONGEST_REQUEST = 80  # a longer text is a story, not a request for one's rights


@dataclass(frozen=True)
class Said:
    """What a short text asks for, and in which language."""

    kind: str | None  # erase | show | None
    lang: str = "th"


def read(text: str) -> Said:
    """Tell 'delete my data' and 'my data' (Thai or English) from anything else."""
    cleaned = replies.clean(text)
    thai = cleaned.replace(" ", "")
    for kind in ("erase", "show"):
        if word(f"{kind}_th").search(thai):
            return Said(kind, "th")
        if word(f"{kind}_en").search(cleaned):
            return Said(kind, "en")
    if len(text) > LONGEST_REQUEST:
        return Said(None)
    for kind in ("erase", "show"):
        for lang, words in (("th", thai), ("en", cleaned)):
            if word(f"{kind}_{lang}_own_words").search(words):
                # The danger check only for texts that could be a request: it analyses the
                # text, and every short message of a surge came here.
                return Said(None) if _tells_danger(text) else Said(kind, lang)
    return Said(None)


def _tells_danger(text: str) -> bool:
    """A request in one's own words is read only when nothing in it speaks of danger."""
    from intents.classifier import analyse
    from intents.urgency import assess

    signals = assess(analyse(text).cues)
    return signals.emergency or signals.uncertain


def _answers(text: str, name: str) -> bool:
    cleaned = replies.clean(text)
    return bool(word(name).search(cleaned) or word(name).search(cleaned.replace(" ", "")))


def awaiting(session: Session, user_id: str, now: datetime) -> PrivacyRequest | None:
    """Return the citizen's erasure request waiting for 'ยืนยันลบ', if it is the open question."""
    request = session.scalar(select(PrivacyRequest).where(
        PrivacyRequest.line_user_id == user_id, PrivacyRequest.channel == "line",
        PrivacyRequest.status == "awaiting_confirmation",
        PrivacyRequest.requested_at >= now - CONFIRM_WITHIN)
        .order_by(PrivacyRequest.id.desc()).limit(1))
    conv = session.get(Conversation, user_id)
    if request is not None and conv is not None and conv.updated_at > request.requested_at:
        # The conversation has moved on since: a 'yes' now answers its question, not ours.
        close_request(request, "abandoned")
        return None
    return request


def close_request(request: PrivacyRequest, status: str) -> None:
    """End a request that erased nothing; it no longer needs to know who asked."""
    request.status, request.line_user_id = status, ERASED


def handle_request(ctx: Ctx, text: str) -> bool:
    """Answer a PDPA request or its confirmation; False lets the conversation take the text."""
    if not ctx.user_id or ctx.in_group or len(text) > LONGEST_REQUEST:
        return False
    answer = "confirm" if _answers(text, "confirm") else "cancel" if _answers(text, "cancel") else None
    # Only a yes or no can answer the question: other texts cost no query.
    pending = awaiting(ctx.session, ctx.user_id, ctx.now) if answer else None
    if pending is not None and answer == "confirm":
        confirmed(ctx, pending)
        return True
    if pending is not None:
        close_request(pending, "cancelled")
        ctx.reply([m.text(t("erase_cancelled", pending.language), m.main_menu(pending.language))])
        return True
    said = read(text)
    if said.kind == "erase":
        ask_to_confirm(ctx, said.lang)
    elif said.kind == "show":
        show(ctx, said.lang)
    return said.kind is not None


def show(ctx: Ctx, lang: str) -> None:
    """List what is held (cases, kinds of data, consents) with a button to erase it."""
    found = held(ctx.session, ctx.user_id)
    found["line_account"] = False  # they are writing to us: the LINE id goes without saying
    if not holds_anything(found):
        ctx.reply([m.text(t("nothing_held", lang), m.main_menu(lang))])
        return
    ctx.reply([m.text(describe(found, lang), [m.say(t("erase_button", lang))])])


def _notes(cases: list[Any], lang: str) -> str:
    kept = [k.case_no for k in cases if must_keep(k)]
    still_open = [k.case_no for k in cases if k.is_open and not must_keep(k)]
    notes = t("note_open", lang, cases=joined(still_open, lang)) if still_open else ""
    if kept:
        notes += t("note_emergency", lang, cases=joined(kept, lang))
    return notes + (t("note_sent", lang) if cases else "")


def ask_to_confirm(ctx: Ctx, lang: str) -> None:
    """Say what will be erased and what cannot be, and ask 'ยืนยันลบ' or 'ยกเลิก'."""
    found = held(ctx.session, ctx.user_id)
    found["line_account"] = False
    if not holds_anything(found):
        # Only the account row and this chat: nothing worth confirming; clear them now.
        request = PrivacyRequest(line_user_id=ctx.user_id, channel="line", language=lang,
                                 status="confirmed", requested_at=ctx.now)
        ctx.session.add(request)
        complete(request, erase_subject(ctx.session, ctx.user_id, ctx.now, "citizen_request",
                                        actor="citizen"), ctx.now)
        ctx.reply([m.text(t("nothing_held", lang), m.main_menu(lang))])
        return
    cases = cases_of(ctx.session, ctx.user_id)
    erasable = [k.case_no for k in cases if not must_keep(k)]
    what = t("erasable_cases", lang, count=len(erasable), cases=joined(erasable, lang)) \
        if erasable else ""
    ctx.session.add(PrivacyRequest(line_user_id=ctx.user_id, channel="line", language=lang,
                                   status="awaiting_confirmation", requested_at=ctx.now))
    body = t("erase_confirm", lang, erasable=what, notes=_notes(cases, lang))
    ctx.reply([m.text(body, [m.say(t("erase_yes", lang)), m.say(t("erase_no", lang))])])


def done_text(result: Erasure, lang: str, key: str = "erase_done") -> str:
    """The citizen's answer once erased: what happened and what was kept."""
    kept = t("erase_done_kept", lang, cases=joined(result.kept, lang)) if result.kept else ""
    return t(key, lang, kept=kept)


def complete(request: PrivacyRequest, result: Erasure, now: datetime) -> None:
    """Record the outcome: done, or waiting for kept emergencies to close."""
    request.status = "waiting_case_close" if result.kept else "done"
    request.completed_at, request.detail = now, result.to_dict()


def confirmed(ctx: Ctx, request: PrivacyRequest) -> None:
    """Erase now, and tell the citizen what was erased and what was kept."""
    lang = request.language
    result = erase_subject(ctx.session, ctx.user_id, ctx.now, "citizen_request", actor="citizen")
    complete(request, result, ctx.now)
    ctx.reply([m.text(done_text(result, lang), m.main_menu(lang))])
