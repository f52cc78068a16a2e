"""Thai phone numbers: find one in free text and normalise it (pure functions)."""

from __future__ import annotations

import re

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Digits separated by spaces, dashes, dots or brackets, optionally starting with +66 / 66.
_CANDIDATE = re.compile(r"(?:\+?66[\s\-.]?|0)[\d\s\-.()]{7,14}\d")
_MOBILE = re.compile(r"^0[689]\d{8}$")
_LANDLINE = re.compile(r"^0[2-7]\d{7}$")


def normalize_phone(raw: str) -> str | None:
    """Return a valid Thai number as 0XXXXXXXX(X), or None if it is not one."""
    digits = re.sub(r"\D", "", raw.translate(THAI_DIGITS))
    if digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    return None


def find_phone(text: str) -> str | None:
    """Return the first valid Thai phone number written anywhere in the text, or None."""
    for match in _CANDIDATE.finditer(text.translate(THAI_DIGITS)):
        phone = normalize_phone(match.group(0))
        if phone:
            return phone
    return None


def format_phone(phone: str) -> str:
    """Return the number grouped the way Thais write it (081-234-5678, 02-123-4567)."""
    if len(phone) == 10:
        return f"{phone[:3]}-{phone[3:6]}-{phone[6:]}"
    if phone.startswith("02"):
        return f"{phone[:2]}-{phone[2:5]}-{phone[5:]}"
    return f"{phone[:3]}-{phone[3:6]}-{phone[6:]}"


def mask_phone(phone: str) -> str:
    """Return the number with its middle hidden, for places that need only a hint."""
    return phone[:3] + "x" * (len(phone) - 5) + phone[-2:]
