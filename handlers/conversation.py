"""The intake conversation, declared as one table: state → input → handler → next state.

The diagram beside this file (conversation.md) shows the same flow; keep them in step.
`cancel` and the idle timeout work from every state (see `handle`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from handlers import cases as c
from handlers import messages as m
from handlers import replies
from handlers.phone import find_phone, format_phone, normalize_phone
from handlers.turn import Input, Turn
from intents import classify
from models import Case, Contact, utcnow
from privacy import record_consent
from referral import Place, extract_place, locate_pin, locate_text

IDLE = "idle"
ASK_PROBLEM = "ask_problem"
ASK_INFO = "ask_info"
CHECK_DANGER = "check_danger"
CHOOSE_TOPIC = "choose_topic"
ASK_SUBJECT = "ask_subject"
ASK_AGE = "ask_age"
ASK_PLACE = "ask_place"
CHOOSE_PLACE = "choose_place"
ASK_PHONE = "ask_phone"
ASK_CONSENT = "ask_consent"
CONFIRM = "confirm"
CHOOSE_EDIT = "choose_edit"
OFFER_CASE = "offer_case"

Handler = Callable[[Turn, Input], str]

CASE_NO = re.compile(r"OSS-\d{4}-\d{6}", re.IGNORECASE)
ALWAYS_EMERGENCY = ("suicide_risk", "trafficking")  # taxonomy §3
# Below this topic confidence the citizen chooses among the likely topics. Out of fold over
# the 5,442 training lines, problems read at 0.45-0.60 had the right topic 56 % of the time
# (0.60-0.70: 66 %, 0.95 and above: 99 %); about 8 % of problems are asked.
TOPIC_CONFIDENCE_TO_ASK = 0.6
AGE_FROM_TOPIC = {"child_protection": "child", "child_support": "child",
                  "elderly_care": "elderly", "elderly_benefits": "elderly"}
NO_AGE_QUESTION = ("suicide_risk", "trafficking")
# The more protective topic wins once we learn the person's age (taxonomy §2).
PROTECTIVE_BY_AGE = {("domestic_violence", "child"): "child_protection",
                     ("domestic_violence", "elderly"): "elderly_care",
                     ("hardship", "elderly"): "elderly_care"}


# ---------------------------------------------------------------- questions (what to ask next)

def _with_cancel(turn: Turn, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return items + [m.cancel_button(turn.lang)]


def ask_subject(turn: Turn) -> str:
    """Ask who needs help."""
    lang = turn.lang
    turn.say(m.text(m.t("ask_subject", lang), _with_cancel(turn, [
        m.postback(m.t("subject_self", lang), a="subject", v="self"),
        m.postback(m.t("subject_other", lang), a="subject", v="other")])))
    return ASK_SUBJECT


def ask_age(turn: Turn) -> str:
    """Ask the age group of the person who needs help."""
    lang = turn.lang
    turn.say(m.text(m.t("ask_age", lang), _with_cancel(turn, [
        m.postback(m.t(f"age_{g}", lang), a="age", v=g) for g in ("child", "adult", "elderly")])))
    return ASK_AGE


def ask_place(turn: Turn) -> str:
    """Ask where: a location pin or a typed place."""
    lang = turn.lang
    turn.say(m.text(m.t("ask_place", lang), _with_cancel(turn, [
        m.location_button(lang), m.postback(m.t("place_unknown", lang), a="place_unknown")])))
    return ASK_PLACE


def ask_phone(turn: Turn) -> str:
    """Ask for a number to call back, which the citizen may decline."""
    lang = turn.lang
    turn.say(m.text(m.t("ask_phone", lang), _with_cancel(turn, [
        m.postback(m.t("phone_decline", lang), a="phone_decline")])))
    return ASK_PHONE


def ask_consent(turn: Turn) -> str:
    """Ask consent to share the request with the agencies that will help."""
    lang = turn.lang
    version = turn.settings.privacy_notice_version
    turn.say(m.text(m.t("ask_consent", lang, version=version), _with_cancel(turn, [
        m.postback(m.t("consent_yes", lang), a="consent", v="yes"),
        m.postback(m.t("consent_no", lang), a="consent", v="no")])))
    return ASK_CONSENT


def _phone_text(turn: Turn) -> str:
    phone = turn.data.get("phone")
    return format_phone(phone) if phone else m.t("not_given", turn.lang)


def show_summary(turn: Turn) -> str:
    """Show what will be sent, with confirm / change / cancel."""
    lang, d = turn.lang, turn.data
    body = m.t("summary", lang, topic=m.topic_label(d.get("topic", "none"), lang),
               subject=c.subject_label(d.get("subject"), d.get("age_group"), lang),
               place=_place_label(turn), phone=_phone_text(turn))
    turn.say(m.text(body, [m.postback(m.t("confirm", lang), a="confirm"),
                           m.postback(m.t("edit", lang), a="edit"), m.cancel_button(lang)]))
    return CONFIRM


def _place_label(turn: Turn) -> str:
    place = turn.data.get("place") or {}
    key = "label_en" if turn.lang == "en" else "label_th"
    return place.get(key) or place.get("label_th") or m.t("unknown", turn.lang)


def _needs_age(d: dict[str, Any]) -> bool:
    return not d.get("age_group") and d.get("topic") not in NO_AGE_QUESTION


def advance(turn: Turn) -> str:
    """Ask the next missing detail (one question at a time), or finish."""
    d = turn.data
    if turn.conv.case_id:
        return _advance_emergency(turn)
    if d.get("editing"):
        turn.remember(editing=None)
        return show_summary(turn)
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


def _advance_emergency(turn: Turn) -> str:
    """In an emergency ask only what reaches the person: where, and a number."""
    if "place" not in turn.data:
        return ask_place(turn)
    if "phone" not in turn.data:
        return ask_phone(turn)
    case = turn.session.get(Case, turn.conv.case_id)
    case.details_complete = True
    turn.say(m.text(m.t("emergency_done", turn.lang, case_no=case.case_no), m.main_menu(turn.lang)))
    turn.forget()
    return IDLE


# ---------------------------------------------------------------- first message

def _record_contact(turn: Turn, cls: Any, case_id: int | None = None, keep_text: str = "") -> None:
    turn.session.add(Contact(line_user_id=turn.user_id, kind=cls.kind, topic=cls.topic,
                             urgency=cls.urgency, confidence=cls.confidence,
                             language=cls.language, case_id=case_id, text=keep_text or None))


def _set_language(turn: Turn, language: str) -> None:
    turn.conv.language = "en" if language == "en" else "th"


def understand(text: str) -> Any:
    """Classify a citizen's text; a case number says nothing about danger, so it is left out."""
    return classify(CASE_NO.sub(" ", text))


def received_first_message(turn: Turn, given: Input) -> str:
    """Understand a new request and start the path its kind needs."""
    return route_first_message(turn, given, understand(given.text))


def route_first_message(turn: Turn, given: Input, cls: Any) -> str:
    """Start the path a classified request needs: danger first, then its kind."""
    _set_language(turn, cls.language)
    if cls.language not in ("th", "en"):
        turn.say(m.text(m.t("other_language", "th") + "\n\n" + m.t("other_language", "en")))
    _record_contact(turn, cls, keep_text=given.text if cls.kind == "suggestion" else "")
    if cls.urgency == "emergency" or cls.topic in ALWAYS_EMERGENCY:
        return start_emergency(turn, given.text, cls.topic, cls)
    if cls.emergency_uncertain:
        # Danger cues in a message read as a prank, a question or chit-chat: ask once anyway.
        return start_problem(turn, given, cls)
    return KIND_PATHS.get(cls.kind, answer_chitchat)(turn, given, cls)


def _remember_early_answers(turn: Turn, text: str, cls: Any) -> None:
    """Keep what the first message already told us, so we do not ask it again."""
    phone = find_phone(text)
    if phone:
        turn.remember(phone=phone)
    place = extract_place(text)
    if place.best is not None and not place.ambiguous:
        turn.remember(place=_place_dict(place.best, text))
    if cls.subject:
        turn.remember(subject=cls.subject)
    age = AGE_FROM_TOPIC.get(cls.topic) or cls.age_group
    if age:
        turn.remember(age_group=age)


def start_problem(turn: Turn, given: Input, cls: Any) -> str:
    """A new problem: ask about danger if unsure, the topic if unclear, then the details."""
    turn.remember(kind="problem", topic=cls.topic, urgency=cls.urgency, description=given.text,
                  alternatives=[a for a, _ in cls.alternatives])
    _remember_early_answers(turn, given.text, cls)
    if cls.topic in ALWAYS_EMERGENCY:
        return start_emergency(turn, given.text, cls.topic, None)
    if cls.emergency_uncertain:
        return ask_danger(turn)
    if cls.topic == "none" or cls.confidence < TOPIC_CONFIDENCE_TO_ASK:
        return ask_topic(turn)
    return advance(turn)


def ask_danger(turn: Turn) -> str:
    """Unsure whether it is an emergency: show the numbers first, then ask once."""
    lang = turn.lang
    topic = turn.data.get("topic", "none")
    turn.say(*m.emergency_messages(lang, topic))
    turn.say(m.text(m.t("danger_check", lang), [
        m.postback(m.t("danger_yes", lang), a="danger", v="yes"),
        m.postback(m.t("danger_no", lang), a="danger", v="no")]))
    return CHECK_DANGER


def answered_danger(turn: Turn, given: Input) -> str:
    """Danger now → emergency path; safe → the ordinary questions."""
    if given.params.get("v") == "yes":
        d = turn.data
        return start_emergency(turn, d.get("description", ""), d.get("topic", "none"), None)
    turn.remember(urgency="normal", danger_checked=True)
    turn.say(m.text(m.t("danger_downgraded", turn.lang)))
    if turn.data.get("topic", "none") == "none":
        return ask_topic(turn)
    return advance(turn)


def typed_danger(turn: Turn, given: Input) -> str:
    """A typed answer to the danger question: anything but a clear 'no' is treated as danger."""
    safe = replies.is_safe_answer(given.text)
    return answered_danger(turn, Input("postback", action="danger", params={"v": "no" if safe else "yes"}))


def ask_topic(turn: Turn) -> str:
    """Low confidence on the topic: let the citizen choose among the likely ones."""
    lang = turn.lang
    d = turn.data
    options = [t for t in [d.get("topic"), *d.get("alternatives", [])] if t and t != "none"]
    options = list(dict.fromkeys(options))[:4] or ["hardship", "elderly_care", "child_protection", "disability"]
    items = [m.postback(m.topic_label(t, lang), a="topic", v=t) for t in options]
    items += [m.postback(m.t("topic_other", lang), a="topic", v="none"), m.cancel_button(lang)]
    turn.say(m.text(m.t("choose_topic", lang), items))
    return CHOOSE_TOPIC


def chose_topic(turn: Turn, given: Input) -> str:
    """Take the citizen's choice of topic and carry on."""
    topic = given.params.get("v", "none")
    if topic not in TOPICS:
        topic = "none"
    if topic == "none":
        topic = "hardship"  # "something else": the welfare department screens it
    turn.remember(topic=topic)
    age = AGE_FROM_TOPIC.get(topic)
    if age:
        turn.remember(age_group=age)
    if topic in ("suicide_risk", "trafficking"):
        d = turn.data
        return start_emergency(turn, d.get("description", ""), topic, None)
    return advance(turn)


def start_emergency(turn: Turn, text: str, topic: str, cls: Any) -> str:
    """Numbers first, the hotline alerted at once, the case created now and completed later."""
    lang = turn.lang
    turn.say(*m.emergency_messages(lang, topic))
    if cls is not None:
        turn.remember(description=text)
        _remember_early_answers(turn, text, cls)
    d = turn.data
    intake = c.Intake(kind="problem", topic=topic if topic != "none" else "hardship",
                      urgency="emergency", description=d.get("description", text),
                      reporter=turn.user_id, language=lang, subject=d.get("subject"),
                      age_group=d.get("age_group"), place=d.get("place") or {},
                      phone=d.get("phone"))
    case = c.create_case(turn.session, turn.settings, intake, _place_obj(d.get("place")), turn.now)
    turn.conv.case_id = case.id
    from handlers.discreet import safety_tip

    turn.say(m.text(m.t("emergency_alerted", lang, case_no=case.case_no)), *safety_tip(intake.topic, lang))
    return advance(turn)


def start_inquiry(turn: Turn, given: Input, cls: Any) -> str:
    """Answer a general question, then offer to open a case."""
    lang = turn.lang
    turn.remember(kind="inquiry", topic=cls.topic, description=given.text, urgency="normal")
    turn.say(m.text(m.inquiry_answer(cls.topic, lang)))
    if cls.topic == "none":
        turn.say(m.text(m.t("thanks_reply", lang), m.main_menu(lang)))
        turn.forget()
        return IDLE
    turn.say(m.text(m.t("inquiry_offer", lang), [
        m.postback(m.t("open_case", lang), a="open_case"),
        m.postback(m.t("no_thanks", lang), a="no_thanks")]))
    return OFFER_CASE


def accepted_offer(turn: Turn, given: Input) -> str:
    """The citizen wants help after an answer: continue as a new problem."""
    turn.remember(kind="problem")
    if turn.data.get("topic") in ALWAYS_EMERGENCY:
        return start_emergency(turn, turn.data.get("description", ""), turn.data["topic"], None)
    if AGE_FROM_TOPIC.get(turn.data.get("topic", "")):
        turn.remember(age_group=AGE_FROM_TOPIC[turn.data["topic"]])
    return advance(turn)


def declined_offer(turn: Turn, given: Input) -> str:
    """No case wanted: close kindly."""
    turn.say(m.text(m.t("thanks_reply", turn.lang), m.main_menu(turn.lang)))
    turn.forget()
    return IDLE


def start_complaint(turn: Turn, given: Input, cls: Any) -> str:
    """A complaint becomes a case for the provincial office: ask the place, phone and consent."""
    turn.say(m.text(m.t("complaint_intro", turn.lang)))
    turn.remember(kind="complaint", topic=cls.topic if cls.topic != "none" else "hardship",
                  urgency="normal", description=given.text)
    _remember_early_answers(turn, given.text, cls)
    return advance(turn)


def answer_follow_up(turn: Turn, given: Input, cls: Any = None) -> str:
    """Tell the citizen where their case stands (by number, or their latest)."""
    lang = turn.lang
    found = CASE_NO.search(given.text or "")
    mine = c.cases_of(turn.session, turn.user_id, limit=20)
    if found:
        wanted = found.group(0).upper()
        chosen = [k for k in mine if k.case_no == wanted]
        if not chosen:
            turn.say(m.text(m.t("follow_up_not_found", lang, case_no=wanted), m.main_menu(lang)))
            return IDLE
    else:
        chosen = [k for k in mine if k.is_open][:3] or mine[:1]
    if not chosen:
        turn.say(m.text(m.t("follow_up_none", lang), m.main_menu(lang)))
        return IDLE
    turn.say(*[m.text(_status_text(k, lang)) for k in chosen[:3]])
    turn.say(m.text(m.t("anything_else", lang), m.main_menu(lang)))
    return IDLE


def _status_text(case: Case, lang: str) -> str:
    center = case.center.name_th if case.center else m.t("unknown", lang)
    updated = c.thai_date(case.updated_at) if lang == "th" else \
        case.updated_at.astimezone(c.BANGKOK).strftime("%d/%m/%Y %H:%M")
    return m.t("follow_up_status", lang, case_no=case.case_no, topic=m.topic_label(case.topic, lang),
               status=m.t(f"status_{case.status}", lang), center=center, updated=updated)


def answer_suggestion(turn: Turn, given: Input, cls: Any) -> str:
    """Thank the citizen; the suggestion is recorded with its text."""
    turn.say(m.text(m.t("suggestion_thanks", turn.lang), m.main_menu(turn.lang)))
    return IDLE


def answer_prank(turn: Turn, given: Input, cls: Any) -> str:
    """A short, polite pointer to what this channel is for."""
    turn.say(m.text(m.t("prank_reply", turn.lang), m.main_menu(turn.lang)))
    return IDLE


THANKS = re.compile(r"ขอบคุณ|ขอบใจ|thank|thx|ขอบคุน", re.IGNORECASE)


def answer_chitchat(turn: Turn, given: Input, cls: Any = None) -> str:
    """Greet back, and show what the service can do."""
    key = "thanks_reply" if THANKS.search(given.text or "") else "chitchat_reply"
    turn.say(m.text(m.t(key, turn.lang), m.main_menu(turn.lang)))
    return IDLE


KIND_PATHS: dict[str, Callable[[Turn, Input, Any], str]] = {
    "problem": start_problem, "inquiry": start_inquiry, "complaint": start_complaint,
    "follow_up": answer_follow_up, "suggestion": answer_suggestion, "prank": answer_prank,
    "chitchat": answer_chitchat,
}
TOPICS = ("child_protection", "child_support", "elderly_care", "elderly_benefits", "disability",
          "domestic_violence", "women_family", "homeless", "hardship", "trafficking",
          "suicide_risk", "none")


# ---------------------------------------------------------------- answers to questions

def chose_subject(turn: Turn, given: Input) -> str:
    """Record who needs help."""
    turn.remember(subject="self" if given.params.get("v") == "self" else "other")
    return advance(turn)


def typed_subject(turn: Turn, given: Input) -> str:
    """Understand a typed answer to 'who needs help?', or keep it as detail and ask again."""
    subject = replies.subject_from(given.text)
    if subject is None:
        return not_understood(turn, given, ask_subject)
    return chose_subject(turn, Input("postback", params={"v": subject}))


AGE_NUMBER = re.compile(r"(\d{1,3})\s*(?:ปี|ขวบ|years?|yrs?)?")


def chose_age(turn: Turn, given: Input) -> str:
    """Record the age group; the more protective topic wins for children and older persons."""
    group = given.params.get("v")
    if group not in ("child", "adult", "elderly"):
        return ask_age(turn)
    turn.remember(age_group=group)
    stronger = PROTECTIVE_BY_AGE.get((turn.data.get("topic"), group))
    if stronger:
        turn.remember(topic=stronger)
    return advance(turn)


def typed_age(turn: Turn, given: Input) -> str:
    """Understand '75', '5 ขวบ', 'เด็ก', 'ผู้สูงอายุ' as an age group."""
    text = given.text.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")).lower()
    number = AGE_NUMBER.search(text)
    group = None
    if number and int(number.group(1)) <= 120:
        age = int(number.group(1))
        group = "child" if age < 18 else "elderly" if age >= 60 else "adult"
    elif any(w in text for w in ("เด็ก", "child", "kid", "ลูก")):
        group = "child"
    elif any(w in text for w in ("สูงอายุ", "คนแก่", "ยาย", "ตา", "elder", "old")):
        group = "elderly"
    elif any(w in text for w in ("ผู้ใหญ่", "adult")):
        group = "adult"
    if group is None:
        return not_understood(turn, given, ask_age)
    return chose_age(turn, Input("postback", params={"v": group}))


def _place_dict(place: Place, text: str = "") -> dict[str, Any]:
    return {"subdistrict_code": place.subdistrict_code, "district_code": place.district_code,
            "province_code": place.province_code, "level": place.level,
            "label_th": place.label_th, "label_en": place.label_en,
            "latitude": place.latitude, "longitude": place.longitude, "text": text[:200]}


def _place_obj(d: dict[str, Any] | None) -> Place | None:
    if not d or not (d.get("province_code") or d.get("subdistrict_code")):
        return None
    return Place(level=d.get("level") or "subdistrict", subdistrict_code=d.get("subdistrict_code"),
                 district_code=d.get("district_code"), province_code=d.get("province_code"),
                 confidence=1.0, label_th=d.get("label_th") or "", label_en=d.get("label_en") or "",
                 latitude=d.get("latitude"), longitude=d.get("longitude"))


def _place_known(turn: Turn, place: dict[str, Any]) -> str:
    """A place is settled: keep it, tell the staff if a case is open, ask what is next."""
    turn.remember(place=place)
    turn.say(m.text(m.t("place_got", turn.lang, place=_place_label(turn))))
    if turn.conv.case_id:
        case = turn.session.get(Case, turn.conv.case_id)
        c.apply_place(case, place)
        c.add_details(turn.session, turn.settings, case,
                      f"สถานที่: {place.get('label_th') or '-'}", place=_place_obj(place))
    return advance(turn)


def received_location(turn: Turn, given: Input) -> str:
    """A LINE location pin: the subdistrict whose centroid is nearest."""
    loc = given.location
    result = locate_pin(loc["latitude"], loc["longitude"], address=loc.get("address"))
    if result.outside_thailand or result.best is None:
        turn.say(m.text(m.t("place_outside", turn.lang)))
        return ask_place(turn)
    place = _place_dict(result.best, loc.get("address") or "")
    place.update(latitude=loc["latitude"], longitude=loc["longitude"])
    return _place_known(turn, place)


def _emergency_place(text: str) -> Any:
    """In an emergency take a typed place only when it is unmistakable (no silent re-routing)."""
    explicit = extract_place(text)
    if explicit.best is not None and not explicit.ambiguous:
        return explicit.best
    found = locate_text(text)
    short = len(text.strip()) <= 40
    if short and found.best is not None and not found.ambiguous and found.best.confidence >= 0.9:
        return found.best
    return None


def typed_place(turn: Turn, given: Input) -> str:
    """A typed place: settle it, ask to choose when several fit, or ask again."""
    if turn.conv.case_id:
        place = _emergency_place(given.text)
        if place is None:
            return not_understood(turn, given, ask_place)
        return _place_known(turn, _place_dict(place, given.text))
    result = locate_text(given.text)
    if result.ambiguous and result.candidates:
        return ask_choose_place(turn, list(result.candidates), given.text)
    if result.best is None:
        turn.say(m.text(m.t("place_not_found", turn.lang)))
        return ask_place(turn)
    return _place_known(turn, _place_dict(result.best, given.text))


def ask_choose_place(turn: Turn, candidates: list[Place], text: str) -> str:
    """Several places share the name: the citizen chooses (never a silent guess)."""
    lang = turn.lang
    options = [_place_dict(p, text) for p in candidates[:10]]
    turn.remember(place_options=options)
    key = "label_en" if lang == "en" else "label_th"
    items = [m.postback(_short_place(o[key] or o["label_th"]), a="place", i=str(i))
             for i, o in enumerate(options)]
    items += [m.postback(m.t("place_none_of_these", lang), a="place_none"), m.location_button(lang)]
    turn.say(m.text(m.t("choose_place", lang) + "\n" + "\n".join(
        f"{i + 1}. {o[key] or o['label_th']}" for i, o in enumerate(options)), items))
    return CHOOSE_PLACE


def _short_place(label: str) -> str:
    # Quick-reply labels hold 20 characters: keep subdistrict and province, drop the rest.
    parts = label.split()
    return f"{parts[0]} {parts[-1]}" if len(parts) > 2 else label


def chose_place(turn: Turn, given: Input) -> str:
    """Take the chosen candidate."""
    options = turn.data.get("place_options") or []
    try:
        place = options[int(given.params.get("i", "-1"))]
    except (ValueError, IndexError):
        return ask_place(turn)
    turn.remember(place_options=None)
    return _place_known(turn, place)


def rejected_places(turn: Turn, given: Input) -> str:
    """None of the candidates: ask for more detail (district, province) or a pin."""
    turn.remember(place_options=None)
    turn.say(m.text(m.t("place_not_found", turn.lang)))
    return ask_place(turn)


def skipped_place(turn: Turn, given: Input) -> str:
    """No place given: the case goes to the department's central intake."""
    turn.remember(place={})
    return advance(turn)


def typed_phone(turn: Turn, given: Input) -> str:
    """Validate a Thai phone number; ask again on a slip."""
    phone = normalize_phone(given.text) or find_phone(given.text)
    if phone is None:
        if any(w in given.text for w in ("ไม่สะดวก", "ไม่มี", "ไม่ให้", "no ")):
            return declined_phone(turn, given)
        turn.say(m.text(m.t("phone_invalid", turn.lang), [
            m.postback(m.t("phone_decline", turn.lang), a="phone_decline"), m.cancel_button(turn.lang)]))
        return ASK_PHONE
    turn.remember(phone=phone)
    if turn.conv.case_id:
        case = turn.session.get(Case, turn.conv.case_id)
        case.phone = phone
        c.add_details(turn.session, turn.settings, case, f"เบอร์ติดต่อ: {format_phone(phone)}",
                      public=m.t("staff_phone_received"))
    return advance(turn)


def declined_phone(turn: Turn, given: Input) -> str:
    """The citizen prefers not to give a number; staff will answer over LINE."""
    turn.remember(phone=None)
    return advance(turn)


def answered_consent(turn: Turn, given: Input) -> str:
    """Record consent (answer, time, notice version); without it nothing is shared."""
    agreed = given.params.get("v") == "yes"
    turn.remember(consent=agreed, consent_at=turn.now.isoformat())
    record_consent(turn, agreed)
    if not agreed:
        turn.say(m.text(m.t("consent_declined", turn.lang), m.main_menu(turn.lang)))
        turn.forget()
        return IDLE
    return advance(turn)


def typed_consent(turn: Turn, given: Input) -> str:
    """Understand a typed yes / no to the consent question."""
    if replies.says_no(given.text):
        return answered_consent(turn, Input("postback", params={"v": "no"}))
    if replies.says_yes(given.text):
        return answered_consent(turn, Input("postback", params={"v": "yes"}))
    return not_understood(turn, given, ask_consent)


def confirm_case(turn: Turn, given: Input) -> str:
    """Create the case, route it, notify the centre and give the citizen its number."""
    d, lang = turn.data, turn.lang
    from datetime import datetime

    intake = c.Intake(kind=d.get("kind", "problem"), topic=d.get("topic", "hardship"),
                      urgency=d.get("urgency", "normal"), description=d.get("description", ""),
                      reporter=turn.user_id, language=lang, subject=d.get("subject"),
                      age_group=d.get("age_group"), place=d.get("place") or {},
                      phone=d.get("phone"), consent=True,
                      consent_at=datetime.fromisoformat(d["consent_at"]),
                      notice_version=turn.settings.privacy_notice_version)
    case = c.create_case(turn.session, turn.settings, intake, _place_obj(d.get("place")), turn.now)
    _link_attachments(turn, case)
    from handlers.flex import case_confirmation_for

    turn.say(case_confirmation_for(case, c.department_label(case, lang), lang))
    turn.forget()
    return IDLE


def _link_attachments(turn: Turn, case: Case) -> None:
    from sqlalchemy import update

    from models import Attachment

    turn.session.execute(update(Attachment).where(
        Attachment.line_user_id == turn.user_id, Attachment.case_id.is_(None)).values(case_id=case.id))


def typed_confirm(turn: Turn, given: Input) -> str:
    """Understand a typed confirm / change."""
    if replies.wants_to_edit(given.text):
        return choose_edit(turn, given)
    if replies.wants_to_confirm(given.text):
        return confirm_case(turn, given)
    return not_understood(turn, given, show_summary)


def choose_edit(turn: Turn, given: Input) -> str:
    """Ask which answer to correct."""
    lang = turn.lang
    fields = ["topic", "subject", "place", "phone"]
    turn.say(m.text(m.t("choose_edit", lang), [
        m.postback(m.t(f"edit_{f}", lang), a="edit_field", v=f) for f in fields] + [m.cancel_button(lang)]))
    return CHOOSE_EDIT


def edit_field(turn: Turn, given: Input) -> str:
    """Forget one answer and ask it again, then return to the summary."""
    field = given.params.get("v")
    turn.remember(editing=True)
    if field == "topic":
        return ask_topic(turn)
    if field == "subject":
        turn.data.pop("subject", None)
        return ask_subject(turn)
    if field == "phone":
        return ask_phone(turn)
    return ask_place(turn)


def not_understood(turn: Turn, given: Input, ask_again: Callable[[Turn], str]) -> str:
    """Keep what was written as detail (nothing is lost), say so kindly and ask again."""
    if turn.conv.case_id and given.text.strip():
        return _emergency_detail(turn, given, ask_again)
    if len(given.text.strip()) >= 15:
        turn.remember(description=(turn.data.get("description", "") + "\n" + given.text).strip())
    turn.say(m.text(m.t("not_understood", turn.lang)))
    return ask_again(turn)


def _emergency_detail(turn: Turn, given: Input, ask_again: Callable[[Turn], str]) -> str:
    """During an emergency every word matters: add it to the case and send it to the hotline."""
    case = turn.session.get(Case, turn.conv.case_id)
    case.description = (case.description + "\n" + given.text.strip()).strip()
    c.add_details(turn.session, turn.settings, case, f"ข้อความเพิ่ม: {given.text.strip()[:1000]}",
                  public=m.t("staff_more_words"))
    turn.say(m.text(m.t("details_thanks", turn.lang)))
    return ask_again(turn)


# ---------------------------------------------------------------- menu and idle inputs

MENU = {"help": ("ขอความช่วยเหลือ", "get help", "help"),
        "follow": ("ติดตามเรื่อง", "track my case", "track", "ติดตาม"),
        "info": ("สอบถามข้อมูล", "ask a question")}


def menu_choice(text: str) -> str | None:
    """Return which menu button a text is (the rich menu and quick replies send these)."""
    cleaned = replies.clean(text)
    for key, words in MENU.items():
        if cleaned in words:
            return key
    return None


def idle_text(turn: Turn, given: Input) -> str:
    """A message with no conversation under way: menu words, a case number, or a new request."""
    choice = menu_choice(given.text)
    if choice == "help":
        turn.say(m.text(m.t("ask_problem", turn.lang), [m.cancel_button(turn.lang)]))
        return ASK_PROBLEM
    if choice == "info":
        turn.say(m.text(m.t("ask_info", turn.lang), [m.cancel_button(turn.lang)]))
        return ASK_INFO
    if choice == "follow":
        return answer_follow_up(turn, given)
    if CASE_NO.search(given.text):
        cls = understand(given.text)
        if cls.urgency != "emergency" and not cls.emergency_uncertain:
            return answer_follow_up(turn, given)
        return route_first_message(turn, given, cls)
    return received_first_message(turn, given)


def asked_info(turn: Turn, given: Input) -> str:
    """After 'ask a question', the text is an inquiry even if it reads like a problem."""
    cls = classify(given.text)
    if cls.urgency == "emergency":
        return received_first_message(turn, given)
    _record_contact(turn, cls)
    return start_inquiry(turn, given, cls)


def asked_problem(turn: Turn, given: Input) -> str:
    """After 'get help', the text describes a problem; a chit-chat answer still gets help."""
    cls = classify(given.text)
    _set_language(turn, cls.language)
    if cls.urgency == "emergency":
        _record_contact(turn, cls)
        return start_emergency(turn, given.text, cls.topic, cls)
    if cls.kind in ("problem", "complaint", "inquiry") or len(given.text) > 12:
        _record_contact(turn, cls)
        return start_problem(turn, given, cls)
    return not_understood(turn, given, lambda t: ASK_PROBLEM)


def location_first(turn: Turn, given: Input) -> str:
    """A pin before any words: keep the place and ask what is happening."""
    loc = given.location
    result = locate_pin(loc["latitude"], loc["longitude"], address=loc.get("address"))
    if result.best is None:
        turn.say(m.text(m.t("place_outside", turn.lang)))
        return IDLE
    place = _place_dict(result.best, loc.get("address") or "")
    place.update(latitude=loc["latitude"], longitude=loc["longitude"])
    turn.remember(place=place)
    turn.say(m.text(m.t("location_first", turn.lang, place=_place_label(turn)), [m.cancel_button(turn.lang)]))
    return ASK_PROBLEM


def pin_before_danger_answer(turn: Turn, given: Input) -> str:
    """A pin while we wait to hear about danger: keep it, and ask the danger question again."""
    loc = given.location
    result = locate_pin(loc["latitude"], loc["longitude"], address=loc.get("address"))
    if result.best is not None:
        place = _place_dict(result.best, loc.get("address") or "")
        place.update(latitude=loc["latitude"], longitude=loc["longitude"])
        turn.remember(place=place)
    return ask_danger(turn)


def re_ask(state: str) -> Handler:
    """An input the state does not take: say so and ask the state's question again."""
    def handler(turn: Turn, given: Input) -> str:
        return not_understood(turn, given, QUESTIONS.get(state, lambda t: state))
    return handler


# ---------------------------------------------------------------- the table

FLOW: dict[str, dict[str, Handler]] = {
    IDLE: {"text": idle_text, "location": location_first},
    ASK_PROBLEM: {"text": asked_problem, "location": location_first},
    ASK_INFO: {"text": asked_info, "location": location_first},
    CHECK_DANGER: {"postback:danger": answered_danger, "text": typed_danger,
                   "location": pin_before_danger_answer},
    CHOOSE_TOPIC: {"postback:topic": chose_topic},
    ASK_SUBJECT: {"postback:subject": chose_subject, "text": typed_subject},
    ASK_AGE: {"postback:age": chose_age, "text": typed_age},
    ASK_PLACE: {"location": received_location, "text": typed_place,
                "postback:place_unknown": skipped_place},
    CHOOSE_PLACE: {"postback:place": chose_place, "postback:place_none": rejected_places,
                   "location": received_location, "text": typed_place},
    ASK_PHONE: {"text": typed_phone, "postback:phone_decline": declined_phone},
    ASK_CONSENT: {"postback:consent": answered_consent, "text": typed_consent},
    CONFIRM: {"postback:confirm": confirm_case, "postback:edit": choose_edit, "text": typed_confirm},
    CHOOSE_EDIT: {"postback:edit_field": edit_field},
    OFFER_CASE: {"postback:open_case": accepted_offer, "postback:no_thanks": declined_offer,
                 "text": idle_text, "location": location_first},
}
QUESTIONS: dict[str, Callable[[Turn], str]] = {
    ASK_SUBJECT: ask_subject, ASK_AGE: ask_age, ASK_PLACE: ask_place, CHOOSE_PLACE: ask_place,
    ASK_PHONE: ask_phone, ASK_CONSENT: ask_consent, CONFIRM: show_summary, CHECK_DANGER: ask_danger,
    CHOOSE_TOPIC: ask_topic, CHOOSE_EDIT: lambda t: choose_edit(t, Input("text")),
    ASK_PROBLEM: lambda t: _prompt(t, "ask_problem", ASK_PROBLEM),
    ASK_INFO: lambda t: _prompt(t, "ask_info", ASK_INFO),
    OFFER_CASE: lambda t: _offer(t),
}


def _prompt(turn: Turn, key: str, state: str) -> str:
    turn.say(m.text(m.t(key, turn.lang), [m.cancel_button(turn.lang)]))
    return state


def _offer(turn: Turn) -> str:
    lang = turn.lang
    turn.say(m.text(m.t("inquiry_offer", lang), [
        m.postback(m.t("open_case", lang), a="open_case"),
        m.postback(m.t("no_thanks", lang), a="no_thanks")]))
    return OFFER_CASE


def cancel(turn: Turn, given: Input | None = None) -> str:
    """Stop from any state; an emergency case already sent stays with the hotline."""
    if turn.conv.case_id:
        case = turn.session.get(Case, turn.conv.case_id)
        case.record("citizen_stopped_questions", actor=f"line:{turn.user_id}")
        turn.say(m.text(m.t("cancelled_case_kept", turn.lang, case_no=case.case_no), m.main_menu(turn.lang)))
    else:
        turn.say(m.text(m.t("cancelled", turn.lang), m.main_menu(turn.lang)))
    turn.forget()
    return IDLE


def is_cancel(given: Input) -> bool:
    """True for the cancel button or a typed 'cancel' in any state."""
    if given.kind == "postback":
        return given.action == "cancel"
    return given.kind == "text" and replies.is_cancel(given.text)


def is_expired(turn: Turn) -> bool:
    """True when a conversation under way has been idle past the limit."""
    idle = timedelta(minutes=turn.settings.conversation_idle_minutes)
    # Measured from when the citizen wrote, not from when a (possibly busy) worker got to it.
    written = min(turn.sent_at or turn.now, turn.now)
    return turn.conv.state != IDLE and turn.conv.updated_at < written - idle


def handle(turn: Turn, given: Input) -> None:
    """Run one input through the table; cancel and expiry first, never silence."""
    conv = turn.conv
    if is_expired(turn):
        expire(turn)
    if is_cancel(given):
        conv.state = cancel(turn, given)
    elif _emergency_mid_conversation(turn, given):
        conv.state = _switch_to_emergency(turn, given)
    elif given.kind == "text" and conv.state not in (IDLE, ASK_PROBLEM, ASK_INFO) \
            and menu_choice(given.text) == "follow":
        answer_follow_up(turn, given)
        conv.state = QUESTIONS.get(conv.state, lambda t: conv.state)(turn)
    else:
        handler = FLOW.get(conv.state, {}).get(given.key) or _fallback(conv.state, given)
        conv.state = handler(turn, given)
    conv.updated_at = turn.now


QUESTION_STATES = (CHECK_DANGER, CHOOSE_TOPIC, ASK_SUBJECT, ASK_AGE, ASK_PLACE, CHOOSE_PLACE,
                   ASK_PHONE, ASK_CONSENT, CONFIRM, CHOOSE_EDIT, OFFER_CASE)


def _emergency_mid_conversation(turn: Turn, given: Input) -> bool:
    """True when, in the middle of questions, the citizen writes that someone is in danger now."""
    if given.kind != "text" or turn.conv.case_id or turn.conv.state not in QUESTION_STATES:
        return False
    if len(given.text.strip()) < 8 or normalize_phone(given.text):
        return False
    return classify(given.text).urgency == "emergency"


def _switch_to_emergency(turn: Turn, given: Input) -> str:
    """Drop the ordinary questions: numbers first, hotline alerted, keep what was said."""
    cls = classify(given.text)
    d = turn.data
    turn.remember(description=(d.get("description", "") + "\n" + given.text).strip())
    topic = cls.topic if cls.topic != "none" else d.get("topic", "none")
    _remember_early_answers(turn, given.text, cls)
    return start_emergency(turn, turn.data["description"], topic, None)


def _fallback(state: str, given: Input) -> Handler:
    if state in (IDLE, ASK_PROBLEM, ASK_INFO) and given.kind == "postback":
        return lambda turn, g: answer_chitchat(turn, Input("text"))
    if given.kind == "location" and state in (ASK_SUBJECT, ASK_AGE, ASK_PHONE, ASK_CONSENT, CONFIRM,
                                              CHOOSE_EDIT, CHOOSE_TOPIC):
        return FLOW[ASK_PLACE]["location"]
    return re_ask(state)


def expire(turn: Turn) -> None:
    """Forget an idle conversation's unsent answers, kindly telling the citizen."""
    turn.say(m.text(m.t("expired", turn.lang)))
    turn.forget()
    turn.conv.state = IDLE


def expire_now_message(lang: str) -> dict[str, Any]:
    """The push sent when the worker expires an idle conversation."""
    return m.text(m.t("expired", lang), m.main_menu(lang))


__all__ = ["FLOW", "handle", "Input", "Turn", "utcnow"]
