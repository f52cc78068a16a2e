"""Flex message cards (LINE's JSON as plain dicts): the case confirmation."""

from __future__ import annotations

from typing import Any

from handlers import messages as m

Msg = dict[str, Any]
HOTLINE = "1300"
GREEN = "#06C755"
GREY = "#8A8A8A"


def _row(label: str, value: str) -> Msg:
    """One 'label: value' line of the card."""
    return {"type": "box", "layout": "baseline", "spacing": "sm", "contents": [
        {"type": "text", "text": label, "size": "sm", "color": GREY, "flex": 3},
        {"type": "text", "text": value or "-", "size": "sm", "wrap": True, "flex": 6}]}


def _dial(phone: str) -> str:
    """The digits (and a leading +) of a phone for a tel: link."""
    return "".join(ch for ch in phone if ch.isdigit() or ch == "+") or HOTLINE


def case_confirmation(case_no: str, department: str, center: str, phone: str, next_steps: str,
                      lang: str = "th") -> Msg:
    """The 'case sent' card: number, department, centre and phone, what happens next, a track button."""
    phone = phone.strip() or HOTLINE
    body = [_row(m.t("flex_case_no", lang), case_no), _row(m.t("flex_department", lang), department),
            _row(m.t("flex_center", lang), center), _row(m.t("flex_phone", lang), phone),
            {"type": "separator", "margin": "md"},
            {"type": "text", "text": m.t("flex_next_title", lang), "weight": "bold", "size": "sm", "margin": "md"},
            {"type": "text", "text": next_steps, "size": "sm", "wrap": True}]
    footer = [
        {"type": "button", "style": "primary", "color": GREEN, "height": "sm",
         "action": {"type": "message", "label": m.t("menu_follow", lang), "text": m.t("menu_follow", "th")}},
        {"type": "button", "style": "link", "height": "sm",
         "action": {"type": "uri", "label": m.t("flex_call", lang, phone=phone)[:20], "uri": f"tel:{_dial(phone)}"}}]
    bubble = {"type": "bubble",
              "header": {"type": "box", "layout": "vertical", "backgroundColor": GREEN, "contents": [
                  {"type": "text", "text": m.t("flex_case_title", lang), "weight": "bold", "color": "#FFFFFF"}]},
              "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
              "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer}}
    # The alt text is the phone's notification preview: the case number only, never the topic.
    return {"type": "flex", "altText": m.t("flex_case_alt", lang, case_no=case_no), "contents": bubble}


def case_confirmation_for(case: Any, department: str, lang: str = "th") -> Msg:
    """The confirmation card for a created case, with the main menu as quick replies."""
    center = m.center_name(case.center, lang)
    phone = (case.center.phone if case.center else "") or ""
    next_steps = m.t("flex_next", lang, due=m.t(f"due_{case.urgency}", lang))
    card = case_confirmation(case.case_no, department, center, phone, next_steps, lang)
    card["quickReply"] = {"items": m.main_menu(lang)}
    return card
