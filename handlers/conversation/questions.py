"""The questions: what to ask next, one at a time, and how each one is put."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import taxonomy
from handlers import cases as c
from handlers import messages as m
from handlers.conversation.states import (
    ASK_AGE,
    ASK_CONSENT,
    ASK_INFO,
    ASK_PHONE,
    ASK_PLACE,
    ASK_PROBLEM,
    ASK_SUBJECT,
    CHECK_DANGER,
    CHOOSE_EDIT,
    CHOOSE_PLACE,
    CHOOSE_TOPIC,
    CONFIRM,
    EMERGENCY_PHONE,
    EMERGENCY_PLACE,
    IDLE,
    OFFER_CASE,
)
from handlers.phone import format_phone
from handlers.turn import Turn
from models import Case
from referral import Place

EMERGENCY_STATES = (EMERGENCY_PLACE, EMERGENCY_PHONE)


def in_emergency(turn: Turn) -> bool:
    """True while the emergency sub-machine runs (the state says so, not the case id)."""
    return turn.conv.state in EMERGENCY_STATES


def emergency_case(turn: Turn) -> Case:
    """The emergency case this conversation opened."""
    return turn.session.get(Case, turn.conv.case_id)


def _with_cancel(turn: Turn, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return items + [m.cancel_button(turn.lang)]


def ask_subject(turn: Turn) -> str:
    """Ask who needs help."""
    lang = turn.lang
    turn.say(m.text(m.t("ask_subject", lang), _with_cancel(turn, [
        m.postback(m.t("subject_self", lang), a="subject", v="self"),
        m.postback(m.t("subject_other", lang), a="subject", v="other"),
        m.postback(m.t("subject_unknown", lang), a="subject", v="unknown")])))
    return ASK_SUBJECT


def ask_age(turn: Turn) -> str:
    """Ask the age group of the person who needs help ("don't know" is an answer)."""
    lang = turn.lang
    groups = ("child", "adult", "elderly", "unknown")
    turn.say(m.text(m.t("ask_age", lang), _with_cancel(turn, [
        m.postback(m.t(f"age_{g}", lang), a="age", v=g) for g in groups])))
    return ASK_AGE


def _place_buttons(turn: Turn) -> list[dict[str, Any]]:
    lang = turn.lang
    return _with_cancel(turn, [m.location_button(lang),
                               m.postback(m.t("place_unknown", lang), a="place_unknown")])


def ask_place(turn: Turn, state: str = ASK_PLACE) -> str:
    """Ask where: a location pin or a typed place; the answer is awaited in `state`."""
    turn.say(m.text(m.t("ask_place", turn.lang), _place_buttons(turn)))
    return state


def ask_emergency_place(turn: Turn) -> str:
    """In an emergency: where is the person now (the same question, in the emergency state)."""
    return ask_place(turn, EMERGENCY_PLACE)


def choose_place(turn: Turn) -> str:
    """Show the places that fit what was typed, to choose one (or a pin, or none)."""
    lang = turn.lang
    options = turn.data.get("place_options") or []
    if not options:
        return ask_place(turn)
    key = "label_en" if lang == "en" else "label_th"
    labels = [_short_place(o[key] or o["label_th"]) for o in options]
    if len(set(labels)) < len(labels):
        # "Bang Kapi, Bangkok" twice (the เขต and the แขวง): the numbers of the list tell them apart.
        labels = [f"{i + 1}. {label}" for i, label in enumerate(labels)]
    items = [m.postback(label, a="place", i=str(i)) for i, label in enumerate(labels)]
    items += [m.postback(m.t("place_none_of_these", lang), a="place_none"), m.location_button(lang),
              m.postback(m.t("place_unknown", lang), a="place_unknown")]
    turn.say(m.text(m.t("choose_place", lang) + "\n" + "\n".join(
        f"{i + 1}. {o[key] or o['label_th']}" for i, o in enumerate(options)), items))
    return CHOOSE_PLACE


def _short_place(label: str) -> str:
    # Quick-reply labels hold 20 characters: keep subdistrict and province, drop the rest.
    if ", " in label:  # English: "Bang Kapi, Huai Khwang, Bangkok"
        parts = label.split(", ")
        return f"{parts[0]}, {parts[-1]}" if len(parts) > 2 else label
    parts = label.split()
    return f"{parts[0]} {parts[-1]}" if len(parts) > 2 else label


def _phone_buttons(turn: Turn) -> list[dict[str, Any]]:
    return _with_cancel(turn, [m.postback(m.t("phone_decline", turn.lang), a="phone_decline")])


def ask_phone(turn: Turn, state: str = ASK_PHONE) -> str:
    """Ask for a number to call back, which the citizen may decline; awaited in `state`."""
    turn.say(m.text(m.t("ask_phone", turn.lang), _phone_buttons(turn)))
    return state


def ask_emergency_phone(turn: Turn) -> str:
    """In an emergency: a number the team can call (the same question, in the emergency state)."""
    return ask_phone(turn, EMERGENCY_PHONE)


def ask_consent(turn: Turn) -> str:
    """Ask consent to share the request with the agencies that will help."""
    lang = turn.lang
    version = turn.settings.privacy_notice_version
    turn.say(m.text(m.t("ask_consent", lang, version=version), _with_cancel(turn, [
        m.postback(m.t("consent_yes", lang), a="consent", v="yes"),
        m.postback(m.t("consent_no", lang), a="consent", v="no")])))
    return ASK_CONSENT


def ask_danger(turn: Turn) -> str:
    """Unsure whether it is an emergency: show the numbers first, then ask once."""
    lang = turn.lang
    turn.say(*m.emergency_messages(lang, turn.data.get("topic", "none"), sure=False))
    turn.say(m.text(m.t("danger_check", lang), [
        m.postback(m.t("danger_yes", lang), a="danger", v="yes"),
        m.postback(m.t("danger_no", lang), a="danger", v="no")]))
    return CHECK_DANGER


FALLBACK_TOPICS = ("hardship", "elderly_care", "child_protection", "disability")


def ask_topic(turn: Turn) -> str:
    """Low confidence on the topic: let the citizen choose among the likely ones."""
    lang, d = turn.lang, turn.data
    options = [t for t in [d.get("topic"), *d.get("alternatives", [])] if t and t != taxonomy.NONE]
    options = list(dict.fromkeys(options))[:4] or list(FALLBACK_TOPICS)
    items = [m.postback(m.topic_label(t, lang), a="topic", v=t) for t in options]
    items += [m.postback(m.t("topic_other", lang), a="topic", v="none"), m.cancel_button(lang)]
    turn.say(m.text(m.t("choose_topic", lang), items))
    return CHOOSE_TOPIC


def ask_problem(turn: Turn) -> str:
    """After 'get help': ask what is happening."""
    turn.say(m.text(m.t("ask_problem", turn.lang), [m.cancel_button(turn.lang)]))
    return ASK_PROBLEM


def ask_info(turn: Turn) -> str:
    """After 'ask a question': ask the question."""
    turn.say(m.text(m.t("ask_info", turn.lang), _with_cancel(turn, m.service_buttons(turn.lang))))
    return ASK_INFO


def offer_case(turn: Turn) -> str:
    """After an answer: offer to open a case."""
    lang = turn.lang
    turn.say(m.text(m.t("inquiry_offer", lang), [
        m.postback(m.t("open_case", lang), a="open_case"),
        m.postback(m.t("no_thanks", lang), a="no_thanks")]))
    return OFFER_CASE


EDITABLE = ("topic", "subject", "place", "phone")


def choose_edit(turn: Turn) -> str:
    """Ask which answer to correct."""
    lang = turn.lang
    turn.say(m.text(m.t("choose_edit", lang), [
        m.postback(m.t(f"edit_{f}", lang), a="edit_field", v=f) for f in EDITABLE] + [m.cancel_button(lang)]))
    return CHOOSE_EDIT


def place_label(turn: Turn) -> str:
    """The settled place in words, or 'unknown'."""
    place = turn.data.get("place") or {}
    key = "label_en" if turn.lang == "en" else "label_th"
    return place.get(key) or place.get("label_th") or m.t("unknown", turn.lang)


def _phone_text(turn: Turn) -> str:
    phone = turn.data.get("phone")
    return format_phone(phone) if phone else m.t("not_given", turn.lang)


def show_summary(turn: Turn) -> str:
    """Show what will be sent, with confirm / change / cancel."""
    lang, d = turn.lang, turn.data
    kind = d.get("kind", "problem")
    topic = m.t("complaint_label", lang) if d.get("topic_guessed") else \
        m.case_label(kind, d.get("topic", "none"), lang)
    # A complaint is not asked who needs help: no "who: unknown" line unless it was told.
    key = "summary_complaint" if kind == "complaint" and not (d.get("subject") or d.get("age_group")) \
        else "summary"
    body = m.t(key, lang, topic=topic, subject=c.subject_label(d.get("subject"), d.get("age_group"), lang),
               place=place_label(turn), phone=_phone_text(turn))
    turn.say(m.text(body, [m.postback(m.t("confirm", lang), a="confirm"),
                           m.postback(m.t("edit", lang), a="edit"), m.cancel_button(lang)]))
    return CONFIRM


def _needs_age(d: dict[str, Any]) -> bool:
    return "age_group" not in d and d.get("topic") not in taxonomy.always_emergency()


def advance(turn: Turn) -> str:
    """Ask the next missing detail (one question at a time), or show the summary."""
    d = turn.data
    steps: list[tuple[bool, Callable[[Turn], str]]] = [
        (d.get("kind") == "problem" and "subject" not in d, ask_subject),
        (d.get("kind") == "problem" and _needs_age(d), ask_age),
        ("place" not in d, ask_place),
        ("phone" not in d, ask_phone),
        ("consent" not in d, ask_consent),
    ]
    for missing, question in steps:
        if missing:
            return question(turn)
    return show_summary(turn)


def _place_known(place: dict[str, Any] | None) -> bool:
    """A place the team can go to: a Thai area, or a pin's coordinates (abroad, at sea)."""
    return bool(place) and bool(place.get("province_code") or place.get("latitude") is not None)


def advance_emergency(turn: Turn) -> str:
    """In an emergency ask only what reaches the person; then say honestly what is missing."""
    d = turn.data
    if "place" not in d:
        return ask_emergency_place(turn)
    if "phone" not in d:
        return ask_emergency_phone(turn)
    case = emergency_case(turn)
    case.details_complete = True
    missing = [m.t(f"field_{f}", turn.lang) for f in ("place", "phone")
               if not (d.get(f) if f == "phone" else _place_known(d.get(f)))]
    if missing:
        if d.get("phone"):
            # The team can call: say so, and that only the place is missing.
            text = m.t("emergency_missing_place", turn.lang, case_no=case.case_no)
        else:
            text = m.t("emergency_missing", turn.lang, case_no=case.case_no,
                       missing=m.t("missing_and", turn.lang).join(missing))
        turn.say(m.text(text, m.emergency_call_buttons(turn.lang, case.topic) + m.main_menu(turn.lang)[:3]))
    else:
        turn.say(m.text(m.t("emergency_done", turn.lang, case_no=case.case_no), m.main_menu(turn.lang)))
    turn.forget()
    return IDLE


def next_question(turn: Turn) -> str:
    """The next question of whichever path the conversation is on."""
    return advance_emergency(turn) if in_emergency(turn) else advance(turn)


# The question each state puts, to ask it again (after a sticker, a photo, a slip).
QUESTIONS: dict[str, Callable[[Turn], str]] = {
    ASK_PROBLEM: ask_problem, ASK_INFO: ask_info, CHECK_DANGER: ask_danger,
    CHOOSE_TOPIC: ask_topic, ASK_SUBJECT: ask_subject, ASK_AGE: ask_age,
    ASK_PLACE: ask_place, CHOOSE_PLACE: choose_place, ASK_PHONE: ask_phone, ASK_CONSENT: ask_consent,
    CONFIRM: show_summary, CHOOSE_EDIT: choose_edit, OFFER_CASE: offer_case,
    EMERGENCY_PLACE: ask_emergency_place, EMERGENCY_PHONE: ask_emergency_phone,
}


def place_dict(place: Place, text: str = "") -> dict[str, Any]:
    """A resolved place as the conversation stores it (JSON)."""
    return {"subdistrict_code": place.subdistrict_code, "district_code": place.district_code,
            "province_code": place.province_code, "level": place.level,
            "label_th": place.label_th, "label_en": place.label_en,
            "latitude": place.latitude, "longitude": place.longitude, "text": text[:200]}


def place_obj(d: dict[str, Any] | None) -> Place | None:
    """The stored place as a referral Place (None when nothing is known)."""
    if not d or not (d.get("province_code") or d.get("subdistrict_code")):
        return None
    return Place(level=d.get("level") or "subdistrict", subdistrict_code=d.get("subdistrict_code"),
                 district_code=d.get("district_code"), province_code=d.get("province_code"),
                 confidence=1.0, label_th=d.get("label_th") or "", label_en=d.get("label_en") or "",
                 latitude=d.get("latitude"), longitude=d.get("longitude"))
