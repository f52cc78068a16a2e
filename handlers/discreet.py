"""Discreet by design: what a phone's notification preview of our messages would show, and
whether it gives away the story (the lock screen may be seen by the person causing harm)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from handlers.messages import HERE, t, text
from taxonomy import yamlfile

Msg = dict[str, Any]


@cache
def _words() -> dict[str, Any]:
    with open(HERE / "discreet.yaml", encoding="utf-8") as f:
        return yamlfile.safe_load(f)


@cache
def _english() -> re.Pattern[str]:
    words = sorted(_words()["en"], key=len, reverse=True)
    return re.compile(r"(?<![a-z])(" + "|".join(re.escape(w) for w in words) + r")(?![a-z])", re.IGNORECASE)


def sensitive_words(text: str) -> list[str]:
    """The listed words found in text (Thai anywhere, English as whole words), in list order."""
    found = [w for w in _words()["th"] if w in text]
    return found + [m.group(0).lower() for m in _english().finditer(text)]


def preview(message: Msg) -> str:
    """What a notification shows for one message: its altText, or a text's first line."""
    if message.get("type") == "text":
        return (message.get("text") or "").split("\n", 1)[0]
    return message.get("altText") or ""


def indiscreet(messages: list[Msg]) -> list[tuple[str, list[str]]]:
    """(preview, words) for every message whose preview holds a listed word; [] when all are discreet."""
    problems = []
    for message in messages:
        shown = preview(message)
        words = sensitive_words(shown)
        if words:
            problems.append((shown, words))
    return problems


def not_previews() -> frozenset[str]:
    """texts.yaml keys that are never a citizen's preview (staff-only texts, labels, template bodies)."""
    return frozenset(_words().get("not_previews") or ())


# People at risk from someone who may read their phone (taxonomy topics).
AT_RISK_TOPICS = frozenset({"domestic_violence", "child_protection", "suicide_risk", "trafficking"})


def safety_tip(topic: str, lang: str = "th") -> list[Msg]:
    """The 'leave this screen / delete the chat' tip for violence and suicide emergencies, else []."""
    return [text(t("safety_tip", lang))] if topic in AT_RISK_TOPICS else []
