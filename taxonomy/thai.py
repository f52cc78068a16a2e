"""Thai digits (๐-๙) as Arabic digits: the one conversion every package uses."""

from __future__ import annotations

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
DIGIT_TABLE: dict[int, str] = {ord(ch): str(value) for value, ch in enumerate(THAI_DIGITS)}


def arabic_digits(text: str) -> str:
    """Return the text with every Thai digit replaced by its Arabic digit."""
    return text.translate(DIGIT_TABLE)
