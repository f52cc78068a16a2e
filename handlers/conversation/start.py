"""First messages: understand a request and start the path its kind needs."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

import taxonomy
from handlers import cases as c
from handlers import loose_attachments, replies
from handlers import messages as m
from handlers.conversation.questions import (
    advance,
    advance_emergency,
    ask_danger,
    ask_info,
    ask_problem,
    ask_topic,
    offer_case,
    place_dict,
    place_label,
    place_obj,
)
from handlers.conversation.states import ASK_INFO, ASK_PROBLEM, IDLE
from handlers.discreet import safety_tip
from handlers.phone import find_phone, format_phone
from handlers.turn import Input, Turn
from intents import classify
from models import Attachment, Case, Contact, Urgency
from referral import extract_place, locate_pin, locate_text

CASE_NO = re.compile(r"OSS-\d{4}-\d{6}", re.IGNORECASE)
# Below this topic confidence the citizen chooses among the likely topics. Out of fold over
# the 5,442 training lines, problems read at 0.45-0.60 had the right topic 56 % of the time
# (0.60-0.70: 66 %, 0.95 and above: 99 %); about 8 % of problems are asked.
TOPIC_CONFIDENCE_TO_ASK = 0.6
THANKS = re.compile(r"ขอบคุณ|ขอบใจ|thank|thx|ขอบคุน", re.IGNORECASE)
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


def understand(text: str) -> Any:
    """Classify a citizen's text; a case number says nothing about danger, so it is left out,
    and neither do the greetings and fillers that open it."""
    return classify(replies.without_opening(CASE_NO.sub(" ", text)))


def record_contact(turn: Turn, cls: Any, case_id: int | None = None, keep_text: str = "") -> None:
    """Count the contact as the hotline's daily report does (kind, topic, urgency)."""
    turn.session.add(Contact(line_user_id=turn.user_id, kind=cls.kind, topic=cls.topic,
                             urgency=cls.urgency, confidence=cls.confidence,
                             language=cls.language, case_id=case_id, text=keep_text or None))


def set_language(turn: Turn, language: str, text: str = "") -> None:
    """Answer in English to English, in Thai otherwise. A Thai writer's "ok" or "thanks" keeps
    the chat in Thai (they were answered "Hello 😊 How can we help?")."""
    if language == "en" and len(text.split()) <= 2 and len(text) <= 12:
        latest = c.cases_of(turn.session, turn.user_id, limit=1)
        if latest and latest[0].language == "th":
            turn.conv.language = "th"
            return
    turn.conv.language = "en" if language == "en" else "th"


def protective(topic: str, age_group: str | None, text: str) -> str:
    """The more protective topic for the person's age group (taxonomy rules, cues from the text)."""
    if not age_group:
        return topic
    from intents.classifier import analyse

    cues = [name for name, cue in analyse(text).cues.items() if cue.active]
    return taxonomy.protective_topic(topic, [age_group], cues)


def remember_early_answers(turn: Turn, text: str, cls: Any) -> None:
    """Keep what the first message already told us, so we do not ask it again."""
    phone = find_phone(text)
    if phone:
        turn.remember(phone=phone)
    place = extract_place(replies.without_gone_to_places(text))
    if place.best is not None and not place.ambiguous:
        turn.remember(place=place_dict(place.best, text))
    subject = replies.subject_of_story(text) or cls.subject
    if subject:
        subject = helped_by_request(subject, text)
        turn.remember(subject=subject)
    age = taxonomy.topic(cls.topic).age_group or cls.age_group
    if age == "child" and subject == "self" and replies.tells_own_hardship(text):
        # "ตกงานมาสามเดือน ค่าเทอมลูกยังไม่มีจ่าย": the children are named, the writer needs
        # help; only an age the writer gives ("หนูอายุ 16 ตกงาน") makes them a child.
        age = _written_age_group(text)
    if age:
        turn.remember(age_group=age)


def helped_by_request(subject: str, text: str) -> str:
    """Who needs help: a parent asking for the newborn grant ("หนูขอเงินอุดหนุนเด็กแรกเกิด",
    "ตัวฉันเอง") asks for their child, so the child (someone else), never "self · child"."""
    if subject == "self" and m.service_for(text) == "child_support_grant":
        return "other"
    return subject


def _written_age_group(text: str) -> str | None:
    from intents.classifier import analyse
    from intents.features import age_bucket

    ages = analyse(text).ages
    return age_bucket(ages[0]) if ages else None


def received_first_message(turn: Turn, given: Input) -> str:
    """Understand a new request and start the path its kind needs. Words sent just before in
    pieces ("แม่" · "ติดเตียง" · "ไม่มีคนดูแล") are read with it."""
    cls = understand(given.text)
    held = _held_fragments(turn)
    if held and (cls.kind in ("problem", "complaint") or cls.emergency_uncertain
                 or cls.urgency == Urgency.EMERGENCY):
        whole = " ".join([*held, given.text.strip()])
        turn.remember(fragments=None)
        combined = understand(whole)
        if combined.urgency == Urgency.EMERGENCY or cls.urgency != Urgency.EMERGENCY:
            return route_first_message(turn, Input("text", text=whole), combined)
    return route_first_message(turn, given, cls)


FRAGMENT_MINUTES = 10  # a word sent this shortly before a request is part of it
_FRAGMENT_CHARS = 40


def hold_fragment(turn: Turn, text: str) -> None:
    """Keep a few words answered as small talk, in case a request follows in pieces."""
    text = text.strip()
    if not text or len(text) > _FRAGMENT_CHARS:
        return
    held = _held_fragments(turn)
    turn.remember(fragments={"at": turn.now.isoformat(), "words": [*held, text][-5:]})


def _held_fragments(turn: Turn) -> list[str]:
    held = turn.data.get("fragments") or {}
    try:
        at = datetime.fromisoformat(held["at"])
    except (KeyError, TypeError, ValueError):
        return []
    return list(held.get("words") or []) if turn.now - _aware(at) <= timedelta(minutes=FRAGMENT_MINUTES) else []


def route_first_message(turn: Turn, given: Input, cls: Any) -> str:
    """Start the path a classified request needs: danger first, then its kind."""
    set_language(turn, cls.language, given.text)
    if cls.language in MIGRANT_LANGUAGES:
        return start_migrant(turn, given, cls)
    if cls.kind == "problem" and cls.urgency != Urgency.EMERGENCY and replies.is_service_complaint(given.text):
        cls = replace(cls, kind="complaint")  # about the service: never to the centre complained about
    late = late_emergency_details(turn, given.text)
    if late is not None:
        record_contact(turn, cls)
        return late
    back = _abuser_back(turn, given.text)
    if back is not None:
        # "มันมาแล้ว" after a case about someone who hurts them: danger now, on that case.
        record_contact(turn, cls)
        return raise_earlier_case(turn, back, given.text, cls)
    if _corrects_a_phone(given.text):
        corrected = corrected_phone(turn, given.text)
        if corrected is not None:
            record_contact(turn, cls)
            return corrected
    if _only_a_phone(given.text) and cls.urgency != Urgency.EMERGENCY and not cls.emergency_uncertain:
        record_contact(turn, cls)
        return phone_first(turn, given.text)
    if not danger_now(cls, given.text):
        more = details_after_emergency(turn, given.text, cls)
        if more is not None:
            record_contact(turn, cls)
            return more
    if cls.language not in ("th", "en"):
        turn.say(m.text(m.t("other_language", "th") + "\n\n" + m.t("other_language", "en")))
    record_contact(turn, cls, keep_text=given.text if cls.kind == "suggestion" else "")
    if cls.urgency == Urgency.EMERGENCY and _only_a_place(given.text):
        # "อยู่ อ.หาดใหญ่ จ.สงขลาค่ะ" as a first message (back after the chat expired): no
        # danger is written, so no alert; the numbers and the danger question come first.
        cls = replace(cls, urgency=Urgency.NORMAL.value, emergency_uncertain=True)
    if danger_now(cls, given.text):
        earlier = earlier_case(turn, given.text, cls)
        if earlier is not None:
            return raise_earlier_case(turn, earlier, given.text, cls)
        return start_emergency(turn, given.text, cls.topic, cls)
    if cls.emergency_uncertain and not _chasing_an_open_case(turn, given.text, cls):
        # Danger cues in a message read as a prank, a question or chit-chat: ask once anyway.
        return start_problem(turn, given, cls)
    return KIND_PATHS.get(cls.kind, answer_chitchat)(turn, given, cls)


def assess_text(text: str) -> Any:
    """The danger rules' reading of a text."""
    from intents.classifier import analyse
    from intents.urgency import assess

    return assess(analyse(text).cues)


LATE_DETAILS_HOURS = 24  # a place or phone sent this long after an emergency joins its case


def late_emergency_details(turn: Turn, text: str) -> str | None:
    """A place or a phone sent on its own after the emergency questions stopped: it goes to
    the open emergency case still missing it, and to the hotline."""
    phone = find_phone(text)
    place_only = _only_a_place(text)
    if not (place_only or (phone and len(text.strip()) <= 40)):
        return None
    since = turn.now - timedelta(hours=LATE_DETAILS_HOURS)
    cases = [k for k in c.cases_of(turn.session, turn.user_id, limit=5)
             if k.is_open and k.urgency == Urgency.EMERGENCY and k.created_at
             and _aware(k.created_at) >= since]
    case = next((k for k in cases if (place_only and not k.province_code) or (phone and not k.phone)), None)
    if case is None:
        return None
    if phone and not case.phone:
        case.phone = phone
        c.add_details(turn.session, turn.settings, case, f"เบอร์ติดต่อ: {format_phone(phone)}",
                      public=m.t("staff_phone_received"))
    if place_only and not case.province_code:
        found = extract_place(text)
        place = found.best if found.best is not None and not found.ambiguous else locate_text(text).best
        if place is not None:
            settled = place_dict(place, text)
            c.apply_place(case, settled)
            c.add_details(turn.session, turn.settings, case,
                          f"สถานที่: {c.place_words(settled) or '-'}" + m.map_line(
                              settled.get("latitude"), settled.get("longitude"), approximate=True),
                          place=place_obj(settled), public=f"สถานที่: {settled.get('label_th') or '-'}")
    turn.say(m.text(m.t("late_details_sent", turn.lang, case_no=case.case_no)))
    return IDLE


def _only_a_phone(text: str) -> bool:
    """A message that is a phone number and hardly anything else ("0812345678", "เบอร์ 081-…ค่ะ")."""
    phone = find_phone(text)
    if not phone:
        return False
    rest = re.sub(r"[\d\s+\-().๐-๙]", "", text)
    return len(rest) <= 12


def _abuser_back(turn: Turn, text: str) -> Case | None:
    """The recent open case whose story makes these few words danger ("มันกลับมาแล้ว")."""
    from handlers.conversation.reader import danger_in_context

    case = next((k for k in c.cases_of(turn.session, turn.user_id, limit=5)
                 if k.is_open and _recent(turn, k, RECENT_CASE_HOURS)), None)
    return case if case is not None and danger_in_context(case.topic, text) else None


def _corrects_a_phone(text: str) -> bool:
    """"เบอร์ผิดค่ะ ที่ถูกคือ 0898887777", "แก้เบอร์เป็น 08…": a correction word and a number."""
    return find_phone(text) is not None and (replies.is_correction(text) or "เบอร์ผิด" in text
                                             or "wrong number" in text.lower())


def corrected_phone(turn: Turn, text: str) -> str | None:
    """A corrected number for the latest open case (the hotline is told in an emergency)."""
    phone = find_phone(text) or ""
    case = next((k for k in c.cases_of(turn.session, turn.user_id, limit=5)
                 if k.is_open and _recent(turn, k, 24 * 7)), None)
    if case is None:
        return None
    case.phone = phone
    case.record("phone_corrected", actor=f"line:{turn.user_id}")
    c.add_details(turn.session, turn.settings, case, f"เบอร์ติดต่อใหม่ (แก้ไข): {format_phone(phone)}",
                  public=m.t("staff_phone_received"))
    turn.say(m.text(m.t("phone_corrected", turn.lang, case_no=case.case_no, phone=format_phone(phone)),
                    m.main_menu(turn.lang)))
    return IDLE


_DETAIL_KINDS = ("problem", "follow_up", "complaint")


def details_after_emergency(turn: Turn, text: str, cls: Any) -> str | None:
    """More words soon after an emergency case ("หนูหลบอยู่ในห้องน้ำชั้นสอง บ้านสีฟ้า ซอย 5")
    join that case and go to the hotline at once; they never open a second, empty case."""
    if cls.kind not in _DETAIL_KINDS and not cls.emergency_uncertain:
        return None
    if cls.kind == "follow_up" and not _adds_facts(text):
        return None  # "เรื่องถึงไหนแล้ว": the status, and the hotline hears they still wait
    case = next((k for k in c.cases_of(turn.session, turn.user_id, limit=5)
                 if k.is_open and k.urgency == Urgency.EMERGENCY and _recent(turn, k, RECENT_CASE_HOURS)),
                None)
    if case is None:
        return None
    case.description = (case.description + "\n" + text.strip()).strip()
    c.add_details(turn.session, turn.settings, case, f"ข้อความเพิ่ม: {text.strip()[:1000]}",
                  public=m.t("staff_more_words"))
    link_attachments(turn, case)
    turn.say(m.text(m.t("late_details_sent", turn.lang, case_no=case.case_no),
                    m.emergency_call_buttons(turn.lang, case.topic) + m.main_menu(turn.lang)[:3]))
    return IDLE


def phone_first(turn: Turn, text: str) -> str:
    """A phone number alone: it joins an open case still missing one, or is kept for the request
    the person is about to describe (never "we answer in Thai and English")."""
    phone = find_phone(text) or ""
    case = next((k for k in c.cases_of(turn.session, turn.user_id, limit=5)
                 if k.is_open and not k.phone), None)
    if case is not None:
        case.phone = phone
        c.add_details(turn.session, turn.settings, case, f"เบอร์ติดต่อ: {format_phone(phone)}",
                      public=m.t("staff_phone_received"))
        turn.say(m.text(m.t("phone_added_to_case", turn.lang, case_no=case.case_no), m.main_menu(turn.lang)))
        return IDLE
    turn.remember(phone=phone)
    turn.say(m.text(m.t("phone_first", turn.lang, phone=format_phone(phone)), [m.cancel_button(turn.lang)]))
    return ASK_PROBLEM


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _chasing_an_open_case(turn: Turn, text: str, cls: Any) -> bool:
    """'ทำไมยังไม่มีใครโทรมา' from someone with an open case and no word of danger: the status
    of that case, not the danger question (an answer to which would open a second case)."""
    if cls.kind != "follow_up":
        return False
    signals = assess_text(text)
    if signals.emergency or signals.uncertain:
        return False
    return any(k.is_open for k in c.cases_of(turn.session, turn.user_id, limit=5))


def _only_a_place(text: str) -> bool:
    """True when a message holds a place and nothing else (no words of danger at all)."""
    from handlers.conversation.reader import danger_text

    rest = danger_text(text)
    return len(rest) < 8 and not assess_text(text).emergency and (
        extract_place(text).best is not None or locate_text(text).best is not None)


def danger_now(cls: Any, text: str) -> bool:
    """An emergency: the classifier says so, or a follow-up / question / chat whose danger rules
    fire with nothing vetoing them (the kind model reads the asking, not the danger)."""
    if cls.urgency == Urgency.EMERGENCY or cls.topic in taxonomy.always_emergency():
        return True
    if cls.emergency_uncertain and cls.kind != "problem":
        from intents.classifier import analyse
        from intents.urgency import assess

        return assess(analyse(CASE_NO.sub(" ", text)).cues).emergency
    return False


def earlier_case(turn: Turn, text: str, cls: Any = None) -> Case | None:
    """The open case a message about an earlier report means (by number, else the latest)."""
    found = CASE_NO.search(text)
    mine = [k for k in c.cases_of(turn.session, turn.user_id, limit=20) if k.is_open]
    if found:
        mine = [k for k in mine if k.case_no == found.group(0).upper()]
    elif not replies.refers_to_earlier_report(text):
        # "เขาพังประตูเข้ามาแล้ว" soon after a case: the same story, not a new empty case
        # (the hotline then gets the place and phone the case already holds).
        # A few words ("เขาพังประตูเข้ามาแล้ว") cannot tell of another matter; a story can.
        short = len(text.strip()) <= _FEW_WORDS
        mine = [k for k in mine if _recent(turn, k, RECENT_CASE_HOURS) and (short or _same_matter(k, cls))]
    return mine[0] if mine else None


_SURE_OF_NEW_TOPIC = 0.5
_FEW_WORDS = 30


def _same_matter(case: Case, cls: Any) -> bool:
    """Whether new danger reads as part of an open case's story: the same department (a
    husband's drinking, then "he broke the door in"), or words too short to say what they are
    about. A job loss and then a husband with a knife are two cases."""
    if cls is None or cls.topic == taxonomy.NONE or cls.confidence < _SURE_OF_NEW_TOPIC:
        return True
    return taxonomy.department(cls.topic) == taxonomy.department(case.topic)


RECENT_CASE_HOURS = 24  # danger or details sent this soon after a case belong to it


def _recent(turn: Turn, case: Case, hours: int) -> bool:
    return bool(case.created_at) and _aware(case.created_at) >= turn.now - timedelta(hours=hours)


def _case_place(case: Case) -> dict[str, Any] | None:
    if not case.province_code:
        return None
    return {"subdistrict_code": case.subdistrict_code, "district_code": case.district_code,
            "province_code": case.province_code,
            "level": "subdistrict" if case.subdistrict_code else "district" if case.district_code else "province",
            "label_th": case.place_text or "", "label_en": "", "latitude": case.latitude,
            "longitude": case.longitude, "text": ""}


_PROTECTIVE_TOPICS = ("child_protection", "elderly_care", "domestic_violence")


def raise_earlier_case(turn: Turn, case: Case, text: str, cls: Any) -> str:
    """New danger in an open case: numbers first, the case raised to emergency, the hotline alerted."""
    from referral.routing import ack_deadline

    lang = turn.lang
    turn.say(*m.emergency_messages(lang, case.topic))
    before = case.urgency
    if cls is not None and cls.topic in _PROTECTIVE_TOPICS and cls.topic != case.topic and \
            taxonomy.department(cls.topic) == taxonomy.department(case.topic):
        # Counselling about a husband's drinking, then "he is hitting me": domestic violence.
        case.record("topic_changed", before=case.topic, after=cls.topic, reason="new_danger")
        case.topic = cls.topic
    case.description = (case.description + "\n" + text).strip()
    case.urgency, case.ack_due_at, case.updated_at = Urgency.EMERGENCY, ack_deadline(Urgency.EMERGENCY, turn.now), turn.now
    case.record("urgency_raised", actor=f"line:{turn.user_id}", reason="new_danger", before=before)
    c.notify_new_case(turn.session, turn.settings, case)
    link_attachments(turn, case)
    turn.conv.case_id = case.id
    turn.remember(description=case.description, kind="problem", topic=case.topic)
    place = _case_place(case)
    if place is not None:
        turn.remember(place=place)
    if case.phone:
        turn.remember(phone=case.phone)
    remember_early_answers(turn, text, cls)
    turn.say(m.text(m.t("emergency_alerted", lang, case_no=case.case_no)))
    return advance_emergency(turn)


MIGRANT_LANGUAGES = ("my", "lo", "km")  # Burmese, Lao, Khmer


def _interpreter_note(language: str) -> str:
    return m.t("staff_interpreter", language=m.t(f"language_{language}"))


def migrant_lines(language: str, key: str, sep: str = "\n", **values: Any) -> str:
    """A text of texts.yaml in the writer's script (Burmese, Lao, Khmer), then Thai and English."""
    return sep.join(m.t(key, lang, **values) for lang in (language, "th", "en"))


def start_migrant(turn: Turn, given: Input, cls: Any) -> str:
    """Burmese, Lao or Khmer: danger → an emergency for the hotline and ATP; else a callback."""
    record_contact(turn, cls)
    text, language = given.text, cls.language
    danger = replies.migrant_danger(text) or danger_now(cls, text)
    open_emergency = next((k for k in c.cases_of(turn.session, turn.user_id, limit=5) if k.is_open
                           and k.urgency == Urgency.EMERGENCY and _recent(turn, k, RECENT_CASE_HOURS)), None)
    if open_emergency is not None:
        return _migrant_again(turn, open_emergency, text, language, danger)
    if danger:
        note = m.text(migrant_lines(language, "migrant_help_coming"))
        # The classifier's own reading when it has one (wanting to die, a husband's beating,
        # a fall); otherwise the worker held or exploited is a case for ATP.
        read = cls.urgency == Urgency.EMERGENCY and cls.topic != taxonomy.NONE
        topic = cls.topic if read else "trafficking"
        return start_emergency(turn, f"{text}\n({_interpreter_note(language)})", topic, cls, note=note)
    earlier = [k for k in c.cases_of(turn.session, turn.user_id, limit=5)
               if k.is_open and k.language == language]
    if earlier:
        case = earlier[0]
        case.description = (case.description + "\n" + text).strip()
        c.add_details(turn.session, turn.settings, case, f"ข้อความเพิ่ม: {text[:1000]}",
                      public=m.t("staff_more_words"))
    else:
        intake = c.Intake(kind="problem", topic=taxonomy.NONE, urgency=Urgency.HIGH,
                          description=f"{text}\n({_interpreter_note(language)})",
                          reporter=turn.user_id, language=language)
        case = c.create_case(turn.session, turn.settings, intake, None, turn.now)
        link_attachments(turn, case)
    turn.say(m.text(migrant_lines(language, "migrant_callback", "\n\n", case_no=case.case_no),
                    m.main_menu("th")[3:]))
    turn.forget()
    return IDLE


def _migrant_again(turn: Turn, case: Case, text: str, language: str, danger: bool) -> str:
    """Words from a migrant writer whose emergency case is open: they join it (the hotline reads
    them at once), never a second case, and the answer is in the writer's script too."""
    case.description = (case.description + "\n" + text).strip()
    label = "⚠️ อันตรายตอนนี้" if danger else "ข้อความเพิ่ม"
    c.add_details(turn.session, turn.settings, case, f"{label}: {text[:1000]}", public=m.t("staff_more_words"))
    link_attachments(turn, case)
    if danger:
        turn.say(*m.emergency_messages("th", case.topic))
        body = migrant_lines(language, "migrant_help_coming") + "\n" + case.case_no
        turn.say(m.text(body, [m.location_button("th")] if not case.province_code else m.main_menu("th")[3:]))
    else:
        turn.say(m.text(migrant_lines(language, "migrant_callback", "\n\n", case_no=case.case_no),
                        m.main_menu("th")[3:]))
    turn.forget()
    return IDLE


def start_problem(turn: Turn, given: Input, cls: Any) -> str:
    """A new problem: ask about danger if unsure, the topic if unclear, then the details."""
    turn.remember(kind="problem", topic=cls.topic, urgency=cls.urgency, description=given.text,
                  alternatives=[a for a, _ in cls.alternatives])
    remember_early_answers(turn, given.text, cls)
    if cls.topic in taxonomy.always_emergency():
        return start_emergency(turn, given.text, cls.topic, None)
    if cls.emergency_uncertain:
        return ask_danger(turn)
    if cls.topic == taxonomy.NONE or cls.confidence < TOPIC_CONFIDENCE_TO_ASK:
        return ask_topic(turn)
    return advance(turn)


def link_attachments(turn: Turn, case: Case) -> int:
    """Photos, voice notes and files sent before or during the conversation join its case,
    and the staff are told they exist (the API lists them)."""
    if not loose_attachments.may_have(turn.session, turn.user_id):
        return 0
    linked = turn.session.execute(update(Attachment).where(
        Attachment.line_user_id == turn.user_id, Attachment.case_id.is_(None))
        .values(case_id=case.id).execution_options(synchronize_session=False)).rowcount or 0
    if linked:
        case.record("attachments_linked", count=linked)
        what = m.t("staff_attachments", count=linked)
        c.add_details(turn.session, turn.settings, case, what, public=what)
    return linked


def unknown_note(turn: Turn) -> str:
    """The line staff read for the answers the citizen did not know or would not give."""
    fields = turn.data.get("unknown") or []
    if not fields:
        return ""
    return "\n" + m.t("staff_unknown_fields", fields=", ".join(m.t(f"field_{f}") for f in fields))


def start_emergency(turn: Turn, text: str, topic: str, cls: Any,
                    note: dict[str, Any] | None = None) -> str:
    """Numbers first, the hotline alerted at once, the case created now and completed later."""
    lang = turn.lang
    if topic == taxonomy.NONE:
        # A follow-up or a question carries no topic of its own: the likeliest one the
        # classifier saw (suicide risk → 1323 among the numbers), else general welfare.
        likely = [t for t, _ in getattr(cls, "alternatives", ()) if t != taxonomy.NONE]
        topic = likely[0] if likely else "hardship"
    turn.say(*m.emergency_messages(lang, topic))
    if note is not None:
        turn.say(note)
    if cls is not None:
        turn.remember(description=text)
        remember_early_answers(turn, text, cls)
    d = turn.data
    topic = protective(topic, d.get("age_group"), d.get("description", text))
    intake = c.Intake(kind="problem", topic=topic, urgency=Urgency.EMERGENCY,
                      description=d.get("description", text) + unknown_note(turn),
                      reporter=turn.user_id, language=lang, subject=d.get("subject"),
                      age_group=d.get("age_group"), place=d.get("place") or {},
                      phone=d.get("phone"))
    case = c.create_case(turn.session, turn.settings, intake, place_obj(d.get("place")), turn.now)
    link_attachments(turn, case)
    turn.conv.case_id = case.id
    turn.say(m.text(m.t("emergency_alerted", lang, case_no=case.case_no)), *safety_tip(intake.topic, lang))
    return advance_emergency(turn)


def start_inquiry(turn: Turn, given: Input, cls: Any) -> str:
    """Answer a general question (by service when it names one), then offer to open a case."""
    lang = turn.lang
    service = m.service_for(given.text)
    topic = m.service_topic(service) if service else cls.topic
    if not service and topic == taxonomy.NONE and (
            replies.preface_only(replies.without_opening(given.text)) == "ask" or m.names_benefits(given.text)):
        # "สอบถามเรื่องเบี้ยค่ะ": which benefit (once), never "outside our work".
        if turn.data.get("asked_which_service"):
            turn.say(m.text(m.t("which_service_unclear", lang), m.main_menu(lang)))
            turn.forget()
            return IDLE
        turn.remember(asked_which_service=True)
        turn.say(m.text(m.t("which_service", lang), m.service_buttons(lang) + [m.cancel_button(lang)]))
        return ASK_INFO
    turn.remember(kind="inquiry", topic=topic, service=service, description=given.text,
                  urgency=Urgency.NORMAL)
    turn.say(m.text(m.service_answer(service, lang) if service else m.inquiry_answer(topic, lang)))
    if topic == taxonomy.NONE:
        turn.say(m.text(m.t("thanks_reply", lang), m.main_menu(lang)))
        turn.forget()
        return IDLE
    return offer_case(turn)


def another_question(turn: Turn, given: Input) -> bool:
    """True when a text after an answer asks about the same service or topic (not a new request)."""
    cls = understand(given.text)
    if danger_now(cls, given.text) or cls.emergency_uncertain or cls.kind in ("problem", "complaint"):
        return False
    service = m.service_for(given.text)
    if service and service != turn.data.get("service"):
        return False  # another service: a new question, answered on its own
    return cls.kind in ("inquiry", "chitchat", "follow_up") and (
        cls.topic in (taxonomy.NONE, turn.data.get("topic")) or service is not None)


def start_complaint(turn: Turn, given: Input, cls: Any) -> str:
    """A complaint becomes a case for the provincial office: ask the place, phone and consent."""
    turn.say(m.text(m.t("complaint_intro", turn.lang)))
    turn.remember(kind="complaint", topic=cls.topic if cls.topic != taxonomy.NONE else "hardship",
                  urgency=Urgency.NORMAL, description=given.text)
    if not _names_a_topic(given.text, cls):
        turn.remember(topic_guessed=True)  # the summary says "ร้องเรียน", not a made-up topic
    remember_early_answers(turn, given.text, cls)
    return advance(turn)


def _names_a_topic(text: str, cls: Any) -> bool:
    """Whether a complaint is about a matter of its own: a complaint about staff with no service
    named is filed as hardship (the welfare department screens it), with no hardship words."""
    from intents.classifier import analyse

    return cls.topic != taxonomy.NONE and (cls.topic != "hardship" or "hardship" in analyse(text).cues)


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
    case = chosen[0]
    if case.is_open and given.text and _adds_facts(given.text):
        # "เมื่อวานแจ้งไว้ ตอนนี้โดนไล่ออกจากห้องแล้ว ไม่มีที่นอนคืนนี้": new facts join the case,
        # its staff are told, and a worse situation raises its urgency.
        _add_follow_up_facts(turn, case, given.text)
    if case.is_open and case.urgency == Urgency.EMERGENCY and case.acknowledged_at is None:
        # Still waiting in an emergency: the numbers again, and the hotline hears they wait.
        c.add_details(turn.session, turn.settings, case, m.t("staff_citizen_waiting"),
                      public=m.t("staff_citizen_waiting"))
        turn.say(m.text(m.t("emergency_still_waiting", lang),
                        m.emergency_call_buttons(lang, case.topic) + m.main_menu(lang)[:3]))
        return IDLE
    turn.say(m.text(m.t("anything_else", lang), m.main_menu(lang)))
    return IDLE


_FACT_MIN_CHARS = 20  # beyond "ถึงไหนแล้วคะ": words that tell something new


def _adds_facts(text: str) -> bool:
    """Whether a follow-up tells something new (not only "where is my case")."""
    rest = CASE_NO.sub(" ", text)
    signals = assess_text(rest)
    return len(replies.clean(rest)) >= _FACT_MIN_CHARS and (signals.high or signals.uncertain
                                                            or signals.emergency or signals.vetoed)


def _add_follow_up_facts(turn: Turn, case: Case, text: str) -> None:
    from referral.routing import ack_deadline

    case.description = (case.description + "\n" + text.strip()).strip()
    if assess_text(text).high and case.urgency == Urgency.NORMAL:
        case.urgency, case.ack_due_at = Urgency.HIGH, ack_deadline(Urgency.HIGH, turn.now)
        case.record("urgency_raised", actor=f"line:{turn.user_id}", reason="follow_up_facts",
                    before=Urgency.NORMAL)
    case.updated_at = turn.now
    c.add_details(turn.session, turn.settings, case, f"ข้อความเพิ่ม: {text.strip()[:1000]}",
                  public=m.t("staff_more_words"))
    turn.say(m.text(m.t("follow_up_added", turn.lang, case_no=case.case_no)))


def _status_text(case: Case, lang: str) -> str:
    center = m.center_name(case.center, lang)
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
    hold_fragment(turn, given.text or "")
    turn.say(m.text(m.t("prank_reply", turn.lang), m.main_menu(turn.lang)))
    return IDLE


def answer_chitchat(turn: Turn, given: Input, cls: Any = None) -> str:
    """Greet back, and show what the service can do."""
    thanks = THANKS.search(given.text or "")
    if not thanks:
        hold_fragment(turn, given.text or "")
    turn.say(m.text(m.t("thanks_reply" if thanks else "chitchat_reply", turn.lang), m.main_menu(turn.lang)))
    return IDLE


KIND_PATHS: dict[str, Callable[[Turn, Input, Any], str]] = {
    "problem": start_problem, "inquiry": start_inquiry, "complaint": start_complaint,
    "follow_up": answer_follow_up, "suggestion": answer_suggestion, "prank": answer_prank,
    "chitchat": answer_chitchat,
}


RESUME_MINUTES = 30  # "เปลี่ยนใจค่ะ ขอแจ้งต่อ" this soon after a cancel picks the request up again


def resume_cancelled(turn: Turn, given: Input) -> str | None:
    """"เปลี่ยนใจค่ะ ขอแจ้งต่อ" after a cancel: the cancelled request again, at the question it
    stopped at (an emergency goes on with its own case, never a second one). None when the
    text is no such words; any other message drops what the cancel kept."""
    kept = turn.data.pop("cancelled", None)
    if kept is not None:
        turn.remember()  # the JSON column changed
    if not replies.wants_to_resume(given.text):
        return None
    try:
        at = _aware(datetime.fromisoformat(kept["at"])) if kept else None
    except (KeyError, TypeError, ValueError):
        at = None
    if at is None or turn.now - at > timedelta(minutes=RESUME_MINUTES):
        # Nothing to pick up: never read as a new request ("continue" is no danger).
        key = "resume_expired" if kept else "resume_nothing"
        turn.say(m.text(m.t(key, turn.lang), m.main_menu(turn.lang)))
        return IDLE
    turn.remember(**(kept.get("data") or {}))
    case = turn.session.get(Case, kept["case_id"]) if kept.get("case_id") else None
    turn.say(m.text(m.t("resumed", turn.lang)))
    if case is not None and case.is_open:
        turn.conv.case_id = case.id
        c.add_details(turn.session, turn.settings, case, m.t("emergency_resumed_staff"))
        case.record("citizen_resumed_questions", actor=f"line:{turn.user_id}")
        return advance_emergency(turn)
    state = kept.get("state")
    if state == "check_danger":
        return ask_danger(turn)
    if state == "choose_topic":
        return ask_topic(turn)
    if state == "offer_case":
        return offer_case(turn)
    if state in ("ask_problem", "ask_info"):
        return ask_problem(turn) if state == "ask_problem" else ask_info(turn)
    turn.data.pop("place_options", None)
    return advance(turn)  # the question it stopped at (or the summary)


def idle_text(turn: Turn, given: Input) -> str:
    """A message with no conversation under way: menu words, a case number, or a new request."""
    resumed = resume_cancelled(turn, given)
    if resumed is not None:
        return resumed
    choice = menu_choice(given.text)
    if choice == "help":
        return ask_problem(turn)
    if choice == "info":
        return ask_info(turn)
    if choice == "follow":
        return answer_follow_up(turn, given)
    if CASE_NO.search(given.text):
        cls = understand(given.text)
        if cls.urgency != Urgency.EMERGENCY and not cls.emergency_uncertain:
            return answer_follow_up(turn, given)
        return route_first_message(turn, given, cls)
    preface = replies.preface_only(replies.without_opening(given.text))
    if preface is not None:
        # "ขอสอบถามหน่อยค่ะ", "มีเรื่องจะแจ้งค่ะ": the question or the story is still to come.
        set_language(turn, classify(given.text).language, given.text)
        return ask_info(turn) if preface == "ask" else ask_problem(turn)
    return received_first_message(turn, given)


def asked_info(turn: Turn, given: Input) -> str:
    """After 'ask a question', the text is an inquiry even if it reads like a problem."""
    cls = classify(given.text)
    if cls.urgency == Urgency.EMERGENCY:
        return received_first_message(turn, given)
    record_contact(turn, cls)
    return start_inquiry(turn, given, cls)


def asked_problem(turn: Turn, given: Input) -> str | None:
    """After 'get help', the text describes a problem; None when it says nothing usable."""
    cls = classify(given.text)
    set_language(turn, cls.language)
    if cls.urgency == Urgency.EMERGENCY:
        record_contact(turn, cls)
        return start_emergency(turn, given.text, cls.topic, cls)
    if cls.kind in ("problem", "complaint", "inquiry") or len(given.text) > 12:
        record_contact(turn, cls)
        return start_problem(turn, given, cls)
    return None


def pin_place(turn: Turn, given: Input) -> dict[str, Any] | None:
    """The place of a LINE location pin (nearest subdistrict centroid).

    A pin outside Thailand or far out at sea (someone held abroad, a fishing boat, a Thai
    stranded across the border) is kept as a place with only its coordinates: the case goes
    to the department's central intake and, in an emergency, the hotline gets the map link.
    None only when the pin carries no usable coordinates.
    """
    loc = given.location
    result = locate_pin(loc["latitude"], loc["longitude"], address=loc.get("address"))
    if result.outside_thailand:
        return abroad_place(loc)
    if result.best is None:
        return None
    place = place_dict(result.best, loc.get("address") or "")
    place.update(latitude=loc["latitude"], longitude=loc["longitude"], pin=True)
    return place


def abroad_place(loc: dict[str, Any]) -> dict[str, Any] | None:
    """A pin outside Thailand: no codes, the coordinates and LINE's address text."""
    try:
        lat, lon = float(loc["latitude"]), float(loc["longitude"])
    except (TypeError, ValueError, KeyError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    address = str(loc.get("address") or "")[:200]
    return {"subdistrict_code": None, "district_code": None, "province_code": None,
            "level": "abroad", "abroad": True, "pin": True,
            "label_th": m.t("place_abroad_label", "th") + (f" ({address})" if address else ""),
            "label_en": m.t("place_abroad_label", "en") + (f" ({address})" if address else ""),
            "latitude": lat, "longitude": lon, "text": address}


def typed_abroad_place(text: str) -> dict[str, Any] | None:
    """A typed place outside Thailand: no codes and no map point, the words as typed (the
    central team or the hotline coordinates with the embassy); None for a place in Thailand."""
    if not replies.names_abroad(text):
        return None
    words = " ".join(text.split())[:200]
    return {"subdistrict_code": None, "district_code": None, "province_code": None,
            "level": "abroad", "abroad": True, "pin": False,
            "label_th": f"{m.t('place_abroad_label', 'th')}: {words}",
            "label_en": f"{m.t('place_abroad_label', 'en')}: {words}",
            "latitude": None, "longitude": None, "text": words}


def location_first(turn: Turn, given: Input) -> str:
    """A pin before any words: keep the place and ask what is happening."""
    place = pin_place(turn, given)
    if place is None:
        turn.say(m.text(m.t("place_outside", turn.lang)))
        return IDLE
    turn.remember(place=place)
    if place.get("abroad"):
        turn.say(m.text(m.t("place_abroad", turn.lang)))
    turn.say(m.text(m.t("location_first", turn.lang, place=place_label(turn)), [m.cancel_button(turn.lang)]))
    return ASK_PROBLEM
