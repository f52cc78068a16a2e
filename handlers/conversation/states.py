"""The conversation's states and the inputs (events) the table is keyed by."""

from __future__ import annotations

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
# The emergency sub-machine: the case exists and the hotline is alerted; only what reaches
# the person is asked.
EMERGENCY_PLACE = "emergency_place"
EMERGENCY_PHONE = "emergency_phone"

# Events: what a citizen's input is, once read (reader.py). "postback:<action>" for buttons.
TEXT = "text"
LOCATION = "location"
MEDIA = "media"  # photo, video, voice note, file
STICKER = "sticker"  # or any message type we do not read
STALE = "stale"  # a button this state does not offer (an old message's)
CANCEL = "cancel"
DANGER = "danger"  # a text in the middle of questions that describes danger now
CORRECTION = "correction"  # "พิมพ์ผิด…", a new place while another field is asked
UNKNOWN = "unknown"  # "ไม่ทราบ", "ไม่สะดวกบอก", "skip"
FOLLOW = "follow"  # "ติดตามเรื่อง" in the middle of questions
TIMEOUT = "timeout"  # sent by the worker (on_timeout), never by the citizen

# Legacy rows (before the emergency states existed) kept the ordinary state and a case id.
LEGACY_EMERGENCY = {ASK_PLACE: EMERGENCY_PLACE, CHOOSE_PLACE: EMERGENCY_PLACE,
                    ASK_PHONE: EMERGENCY_PHONE}
