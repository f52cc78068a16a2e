"""Reading short typed answers (yes / no / cancel / who) from the word lists in words.yaml."""

from __future__ import annotations

import re
from functools import cache

from handlers.messages import HERE, _load

_PUNCT = re.compile(r"[\s.,!?~…ๆ\"'()]+")


@cache
def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(_load("words.yaml")[name], re.IGNORECASE)


def clean(text: str) -> str:
    """Lower-case, drop polite particles and punctuation: 'ยกเลิกค่ะ!' → 'ยกเลิก'."""
    text = _pattern("particles").sub("", text.strip().lower())
    return _PUNCT.sub(" ", text).strip()


def without_opening(text: str) -> str:
    """The text without the greetings and fillers that open it ("สวัสดีค่ะ คือว่า …"); the text
    itself when nothing else is left (a greeting alone stays a greeting)."""
    rest = _pattern("opening_filler").sub("", text.strip(), count=1).strip()
    return rest or text


def without_gone_to_places(text: str) -> str:
    """The story without the places someone went away to ("ลูกไปทำงานกรุงเทพ")."""
    return _pattern("gone_to_place").sub(" ", text)


def names_abroad(text: str) -> bool:
    """True when a typed place names a country or place outside Thailand."""
    return bool(_pattern("abroad_words").search(text.lower()))


def is_cancel(text: str) -> bool:
    """True for 'ยกเลิก', 'ยกเลิกค่ะ', 'cancel', ..."""
    return bool(_pattern("cancel").search(clean(text)))


def is_unknown(text: str) -> bool:
    """True for 'ไม่ทราบ', 'ไม่สะดวกบอก', 'ข้าม', "don't know", 'skip', ..."""
    return bool(_pattern("unknown").search(clean(text)))


def declines_phone(text: str) -> bool:
    """True for 'ไม่กล้าให้เบอร์', 'ห้ามโทรนะคะ', "I don't want to give my number", ..."""
    return bool(_pattern("declines_phone").search(clean(text)))


def asks_not_to_be_called(text: str) -> bool:
    """True when the citizen asks to be reached only in the chat ('ห้ามโทร', 'ทางไลน์')."""
    return bool(_pattern("no_call").search(clean(text)))


def is_correction(text: str) -> bool:
    """True for 'พิมพ์ผิด', 'ไม่ใช่ค่ะ', 'เปลี่ยนเป็น…', 'sorry, I meant', ..."""
    return bool(_pattern("correction").search(clean(text)))


def is_service_complaint(text: str) -> bool:
    """True when the text complains about a centre, an office or its staff."""
    return bool(_pattern("service_complaint").search(clean(text)))


def refers_to_earlier_report(text: str) -> bool:
    """True when the text is about a request reported before."""
    return bool(_pattern("earlier_report").search(clean(text)))


def migrant_danger(text: str) -> bool:
    """True when Burmese, Lao or Khmer text asks for help or tells of being beaten, locked in,
    having a passport taken or not being paid."""
    return bool(_pattern("migrant_danger").search(text))


def subject_of_story(text: str) -> str | None:
    """'other' when a witness writes, 'self' when the victim writes of what is done to them."""
    lowered = text.lower()
    if _pattern("subject_bystander").search(lowered):
        return "other"
    if _pattern("subject_victim").search(lowered) or harmed_by_partner(lowered):
        return "self"
    if tells_own_hardship(text):
        return "self"  # "ตกงานมาสามเดือน ค่าเทอมลูกยังไม่มีจ่าย": the writer, with children named
    return None


def harmed_by_partner(text: str) -> bool:
    """True when a message opens with a partner harming the writer ("สามีตีค่ะ", "โดนแฟนทำร้าย"),
    no third person harmed ("สามีตีลูก" is the child)."""
    return bool(_pattern("subject_partner_harm").search(without_opening(text).lower()))


def tells_own_hardship(text: str) -> bool:
    """True when a message opens with the writer's own hardship (job loss, debt, no income), no one
    else named before it ("ลูกสาวตกงาน" is the daughter's)."""
    return bool(_pattern("subject_own_hardship").search(text.strip().lower()))


def says_no(text: str) -> bool:
    """True when the answer carries a negation anywhere ('ยังไม่ยินยอม', 'ให้ไม่ได้')."""
    return bool(_pattern("negative").search(clean(text)))


def answers_offer(text: str) -> str | None:
    """'yes' or 'no' for a typed answer to the offer of a case ("อยากแจ้งเรื่องค่ะ", "ไม่ต้องค่ะ
    ขอบคุณ"); None for anything else (another question, a story)."""
    cleaned = clean(text)
    if len(cleaned) > 40 or _pattern("asks").search(cleaned):
        return None
    if _pattern("decline_offer").search(cleaned):
        return "no"
    if _pattern("accept_offer").search(cleaned) and not says_no(cleaned):
        return "yes"
    return None


def is_short_question(text: str) -> bool:
    """True for a short question of the citizen's own ("ต้องไปที่ไหนคะ", "ทำไมต้องให้เบอร์")."""
    cleaned = clean(text)
    return 0 < len(cleaned) <= 40 and bool(_pattern("asks").search(text.lower()))


def asks_where_to_go(text: str) -> bool:
    """True for "ต้องไปที่ไหนคะ", "ต้องไปติดต่อที่ไหน", "where do I go"."""
    return bool(re.search(r"ไป(?:ติดต่อ|ยื่น|หา)?(?:ที่)?ไหน|where (?:do|should|can) i go", text.lower()))


def says_yes(text: str) -> bool:
    """True for a clear affirmative with no negation."""
    cleaned = clean(text)
    return not says_no(cleaned) and bool(_pattern("affirmative").search(cleaned))


def preface_only(text: str) -> str | None:
    """"ask" for a message that only announces a question ("ขอสอบถามหน่อยค่ะ", "I have a
    question"), "tell" for one that only announces a request or a story ("มีเรื่องจะแจ้งค่ะ",
    "ขอปรึกษาหน่อยครับ"), else None: the question or the story itself is still to come."""
    cleaned = clean(text)
    if not cleaned or len(cleaned) > 40:
        return None
    for kind in ("ask", "tell"):
        if _pattern(f"{kind}_preface").match(cleaned) and _pattern(f"{kind}_preface_core").search(cleaned):
            return kind
    return None


def is_answer_word_only(text: str) -> bool:
    """True when a text is only yes/no words ('ไม่ใช่ค่ะ', 'ได้เลย', 'no thanks'), with nothing
    of a story in it ('ขาไม่ดี' is not)."""
    rest = _pattern("affirmative").sub(" ", _pattern("negative").sub(" ", clean(text)))
    return len(re.sub(r"\s+", "", rest)) < 4


def is_safe_answer(text: str) -> bool:
    """True only for a plain 'no / safe' to 'is anyone in danger now?' ("ไม่ค่ะ ปลอดภัยดี",
    "ไม่มีอันตรายค่ะ", "ไม่ครับ ยังโอเค"); anything that says more, or names danger, is not."""
    cleaned = _pattern("safe_phrase").sub(" ปลอดภัย ", clean(text))
    if _pattern("danger_words").search(cleaned):
        return False
    if _pattern("safe").search(cleaned.strip()):
        return True
    words = _pattern("safe_word")
    # A safe word, and nothing else but a "no", "now", "still" or thanks around it.
    return bool(words.search(cleaned)) and bool(_pattern("safe_filler").match(words.sub(" ", cleaned)))


def calm_now_then_more(text: str) -> str | None:
    """For "ตอนนี้เขาออกไปแล้ว" or "ตอนนี้ยังไม่ทำอะไรค่ะ แต่…": the words after a statement that
    nothing is happening now ("" when there are none); None when it opens with no such
    statement. The caller reads the rest for danger."""
    cleaned = clean(text)
    lead = _pattern("calm_now").match(cleaned)
    if lead is None or not lead.group(0).strip() or _pattern("danger_words").search(lead.group(0)):
        return None
    if re.fullmatch(r"(?:ไม่|no|ตอนนี้|ขณะนี้|now|right now|\s)*", lead.group(0)):
        return None  # a plain "no" or "now" is read by the other rules
    return cleaned[lead.end():].strip(" ,")


def safe_then_more(text: str) -> str | None:
    """For "ไม่ค่ะ ไม่อันตราย แค่เหนื่อยมาก" or "ไม่ได้อันตรายค่ะ แค่อยากถามเรื่องเบี้ย": the words
    after a plain statement that nobody is in danger; None when there is no such statement at
    the start (a bare "ไม่ค่ะ แต่…" says nothing about danger). The caller still checks the
    rest for danger."""
    cleaned = clean(text)
    # "ไม่ ปลอดภัยดี" is no and safe; "ไม่ปลอดภัย" (not safe) is danger (danger_words).
    lead = re.match(r"^(?:(?:ไม่|ไม่ใช่|no|nope)\s*)?" + _pattern("safe_phrase").pattern
                    + r"|^(?:(?:ไม่|ไม่ใช่|no|nope)\s+)?(?:ยัง)?(?:ปลอดภัย(?:ดี|แล้ว)?|safe|we'?re safe|i'?m safe)",
                    cleaned, re.IGNORECASE)
    if lead is None:
        # "ไม่ค่ะ แค่เหนื่อยมาก", "no, just tired": a plain no, then words the caller reads for
        # danger ("ไม่ค่ะ แต่ตาล้มลุกไม่ได้" is danger there).
        lead = re.match(r"^(?:ไม่|ไม่ใช่|ไม่มี|no|nope)\s+(?=\S)", cleaned, re.IGNORECASE)
    if lead is None or re.search(r"ไม่ปลอดภัย|not safe|unsafe", lead.group(0)):
        return None
    rest = cleaned[lead.end():].strip(" ,")
    return rest


def wants_to_confirm(text: str) -> bool:
    """True for 'ยืนยัน', 'ใช่ค่ะ', 'ok' — never for 'ไม่ถูกต้อง' or 'ไม่ใช่'."""
    cleaned = clean(text)
    return not says_no(cleaned) and bool(_pattern("confirm").search(cleaned))


def wants_to_edit(text: str) -> bool:
    """True for 'แก้', 'ไม่ถูกต้อง', 'wrong', ..."""
    cleaned = clean(text)
    return bool(_pattern("edit").search(cleaned)) or says_no(cleaned)


def wants_to_resume(text: str) -> bool:
    """True for "เปลี่ยนใจค่ะ ขอแจ้งต่อ", "I changed my mind, please continue" and nothing more."""
    cleaned = clean(text)
    pattern = _pattern("resume")
    return bool(pattern.search(cleaned)) and bool(_pattern("resume_filler").match(pattern.sub(" ", cleaned)))


def forgotten_words(text: str) -> str | None:
    """The facts after "ลืมบอกไปค่ะ …" / "I forgot to say …" ("" when none follow); None when
    the text does not open that way."""
    lead = _pattern("forgot_to_say").match(text.strip())
    if lead is None:
        return None
    rest = text.strip()[lead.end():]
    return re.sub(rf"^(?:{_pattern('particles').pattern}|[\s,.:!])+", "", rest, flags=re.IGNORECASE).strip()


def subject_from(text: str) -> str | None:
    """'self', 'other' or None from a typed answer to 'who needs help?'."""
    cleaned = clean(text)
    if _pattern("subject_self").search(cleaned) or harmed_by_partner(cleaned):
        return "self"
    if _pattern("subject_other").search(cleaned):
        return "other"
    return None


__all__ = ["HERE", "asks_not_to_be_called", "clean", "declines_phone", "is_cancel", "is_correction", "is_service_complaint", "is_unknown", "migrant_danger", "refers_to_earlier_report", "subject_of_story", "tells_own_hardship", "forgotten_words", "wants_to_resume", "is_safe_answer", "says_no", "says_yes", "subject_from",
           "wants_to_confirm", "wants_to_edit"]
