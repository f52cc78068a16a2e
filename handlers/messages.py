"""Builders of LINE message objects (plain dicts, LINE's JSON) from the texts in texts.yaml."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import taxonomy
from taxonomy import yamlfile

HERE = Path(__file__).resolve().parent
QUICK_REPLY_MAX = 13
LABEL_MAX = 20
TEXT_MAX = 5000

Msg = dict[str, Any]
Item = dict[str, Any]


@cache
def _load(name: str) -> dict[str, dict[str, str]]:
    with open(HERE / name, encoding="utf-8") as f:
        return yamlfile.safe_load(f)


def t(key: str, lang: str = "th", **values: Any) -> str:
    """Return the text for key in the citizen's language (Thai when there is no English)."""
    entry = _load("texts.yaml")[key]
    template = entry.get(lang) or entry["th"]
    return template.format(**values) if values else template


def topic_label(topic: str, lang: str = "th") -> str:
    """Return the short human name of a taxonomy topic."""
    entry = taxonomy.topic(topic)
    return entry.label_en if lang == "en" else entry.label_th


def case_label(kind: str, topic: str, lang: str = "th") -> str:
    """The topic's name, marked as a complaint when the case is one."""
    label = topic_label(topic, lang)
    return f"{t('complaint_label', lang)} · {label}" if kind == "complaint" else label


def inquiry_answer(topic: str, lang: str = "th") -> str:
    """Return the information answer for a general question on a topic."""
    answers = _load("answers.yaml")
    entry = answers.get(topic) or answers["none"]
    return _discreetly(entry.get(lang) or entry["th"], lang)


def _discreetly(answer: str, lang: str) -> str:
    # The first line is what a locked phone's notification shows: a neutral heading, so that
    # "violence" or "self-harm" never appears on a screen someone else may see.
    return f"{t('inquiry_heading', lang)}\n{answer}"


def _services() -> dict[str, dict[str, Any]]:
    return _load("answers.yaml").get("services") or {}


def service_for(text: str) -> str | None:
    """The service (answers.yaml) a question names, or None."""
    # Spaces are dropped on both sides: "กองทุน ผู้สูงอายุ" names the fund as "กองทุนผู้สูงอายุ" does.
    lowered = re.sub(r"\s+", "", text.lower())
    for name, entry in _services().items():
        if any(re.sub(r"\s+", "", str(word).lower()) in lowered for word in entry.get("words") or ()):
            return name
    return None


def names_benefits(text: str) -> bool:
    """True when a question names benefits in general ("เบี้ย", "สวัสดิการ") but no service."""
    lowered = text.lower()
    words = (_load("answers.yaml").get("benefits") or {}).get("words") or ()
    return any(str(word).lower() in lowered for word in words)


def service_buttons(lang: str) -> list[Item]:
    """Buttons that each ask about one of the top services (their labels name the service)."""
    menu = (_load("answers.yaml").get("benefits") or {}).get("menu") or ()
    return [say(str(entry.get(lang) or entry["th"])) for entry in menu]


def service_answer(name: str, lang: str = "th") -> str:
    """What to bring, where to apply and a phone, for one service."""
    entry = _services()[name]
    return _discreetly(str(entry.get(lang) or entry["th"]), lang)


def service_topic(name: str) -> str:
    """The taxonomy topic a service belongs to."""
    return str(_services()[name]["topic"])


def center_name(center: Any, lang: str) -> str:
    """A centre's name in the citizen's language (Thai when it has no English name)."""
    if center is None:
        return t("unknown", lang)
    return (center.name_en or center.name_th) if lang == "en" else center.name_th


def map_line(latitude: float | None, longitude: float | None, approximate: bool = False) -> str:
    """The coordinates and a map link for the hotline's team (empty without any). A typed place
    has only its area's centre, which the team must not take for the person's door."""
    if latitude is None or longitude is None:
        return ""
    label = "พิกัดโดยประมาณ (กลางพื้นที่ ไม่ใช่จุดเกิดเหตุ)" if approximate else "พิกัด"
    return (f"\n{label}: {latitude:.6f}, {longitude:.6f}"
            f"\nแผนที่: https://maps.google.com/?q={latitude:.6f},{longitude:.6f}")


def _label(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def postback(label: str, **data: str) -> Item:
    """A quick-reply button that sends a postback and shows its label as the citizen's words."""
    return {"type": "action", "action": {"type": "postback", "label": _label(label),
                                         "data": urlencode(data), "displayText": label}}


def say(label: str, text: str | None = None) -> Item:
    """A quick-reply button that sends a text message."""
    return {"type": "action", "action": {"type": "message", "label": _label(label),
                                         "text": text or label}}


def location_button(lang: str) -> Item:
    """A quick-reply button that opens LINE's location picker."""
    return {"type": "action", "action": {"type": "location", "label": _label(t("share_location", lang))}}


def call_button(label: str, number: str) -> Item:
    """A quick-reply button that opens the phone dialler."""
    return {"type": "action", "action": {"type": "uri", "label": _label(label), "uri": f"tel:{number}"}}


def text(body: str, quick: list[Item] | None = None) -> Msg:
    """A text message, with quick-reply buttons if given (LINE allows 13)."""
    message: Msg = {"type": "text", "text": body[:TEXT_MAX]}
    if quick:
        message["quickReply"] = {"items": quick[:QUICK_REPLY_MAX]}
    return message


def main_menu(lang: str) -> list[Item]:
    """The four things a citizen can always do."""
    return [
        say(t("menu_help", lang)),
        say(t("menu_follow", lang)),
        say(t("menu_info", lang)),
        call_button(t("menu_call", lang), "1300"),
    ]


def cancel_button(lang: str) -> Item:
    """The cancel button offered at every question."""
    return postback(t("cancel", lang), a="cancel")


EMERGENCY_NUMBERS = {
    "default": [("1300", "1300"), ("191", "191"), ("1669", "1669"), ("1323", "1323")],
    "suicide_risk": [("1323", "1323"), ("1300", "1300"), ("1669", "1669"), ("191", "191")],
    # Someone writing English is most often a foreigner: the tourist police speak English.
    "default_en": [("1155", "1155"), ("1300", "1300"), ("191", "191"), ("1669", "1669")],
}
NUMBER_LABELS = {  # ≤ 20 characters: LINE cuts longer labels
    "1300": {"th": "โทร 1300 ช่วยเหลือ", "en": "Call 1300 Help"},
    "191": {"th": "โทร 191 ตำรวจ", "en": "Call 191 Police"},
    "1669": {"th": "โทร 1669 การแพทย์", "en": "Call 1669 Medical"},
    "1323": {"th": "โทร 1323 สุขภาพจิต", "en": "Call 1323 Mental"},
    "1155": {"th": "1155 ตำรวจท่องเที่ยว", "en": "Call 1155 Tourist"},
}


def _numbers(lang: str, topic: str) -> list[tuple[str, str]]:
    default = EMERGENCY_NUMBERS["default_en" if lang == "en" else "default"]
    return EMERGENCY_NUMBERS.get(topic, default)


def emergency_numbers(lang: str, topic: str, sure: bool = True) -> Msg:
    """Tap-to-call buttons for the emergency numbers, 1323 first for suicide risk. When the
    service is only asking whether there is danger, the intro does not call it an emergency."""
    numbers = _numbers(lang, topic)
    if topic == "suicide_risk":
        intro = t("emergency_intro_suicide", lang)
    else:
        intro = t("emergency_intro" if sure else "emergency_intro_ask", lang)
    actions = [{"type": "uri", "label": _label(NUMBER_LABELS[n][lang if lang == "en" else "th"]),
                "uri": f"tel:{number}"} for n, number in numbers]
    # A buttons template's text is limited to 160 characters (the intros are written to fit).
    return {"type": "template", "altText": t("emergency_numbers_alt", lang)[:400],
            "template": {"type": "buttons", "text": intro[:160], "actions": actions}}


def emergency_call_buttons(lang: str, topic: str) -> list[Item]:
    """The emergency numbers as quick-reply call buttons (1323 first for suicide risk)."""
    numbers = _numbers(lang, topic)
    return [call_button(NUMBER_LABELS[n][lang if lang == "en" else "th"], number) for n, number in numbers]


def emergency_messages(lang: str, topic: str, sure: bool = True) -> list[Msg]:
    """The first reply in an emergency: the numbers as call buttons, before any question."""
    return [emergency_numbers(lang, topic, sure)]
