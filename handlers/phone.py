"""Phone numbers: find one in free text and normalise it (pure functions, `phonenumbers`).

Thai numbers are kept as Thais write them without separators (0812345678, 021234567);
numbers of other countries as E.164 (+447700900123)."""

from __future__ import annotations

import re

import phonenumbers

from taxonomy import arabic_digits

# Digits separated by spaces, dashes, dots or brackets, optionally after a + sign.
_CANDIDATE = re.compile(r"\+?\(?\d[\d\s\-.()]{6,18}\d")
_MOBILE = re.compile(r"^0[689]\d{8}$")
_LANDLINE = re.compile(r"^0[2-7]\d{7}$")


def _thai(digits: str) -> str | None:
    if digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    return digits if _MOBILE.match(digits) or _LANDLINE.match(digits) else None


def normalize_phone(raw: str) -> str | None:
    """Return a valid number (Thai as 0XXXXXXXX(X), other countries as E.164), or None."""
    text = arabic_digits(raw).strip()
    digits = re.sub(r"\D", "", text)
    if not 8 <= len(digits) <= 15:
        return None
    if not text.startswith("+") or digits.startswith("66"):
        return _thai(digits)
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    # "Possible" (a plausible length for the country), not "valid": the library's ranges lag
    # behind new allocations, and a refused number is a person we cannot call back.
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_phone(text: str) -> str | None:
    """Return the first valid phone number written anywhere in the text, or None."""
    for match in _CANDIDATE.finditer(arabic_digits(text)):
        phone = normalize_phone(match.group(0))
        if phone:
            return phone
    return None


def without_phones(text: str) -> str:
    """The text with every valid phone number (and a "เบอร์"/"โทร" before it) taken out."""
    digits = arabic_digits(text)
    out, last = [], 0
    for match in _CANDIDATE.finditer(digits):
        if normalize_phone(match.group(0)):
            out.append(text[last:match.start()])
            last = match.end()
    out.append(text[last:])
    joined = "".join(out)
    return re.sub(r"(?:เบอร์(?:โทร)?|โทร|tel\.?|phone)\s*(?=$|\s)", " ", joined, flags=re.IGNORECASE).strip()


def format_phone(phone: str) -> str:
    """Return the number grouped the way it is written (081-234-5678, 02-123-4567, +44 7700 900123)."""
    if phone.startswith("+"):
        try:
            number = phonenumbers.parse(phone, None)
        except phonenumbers.NumberParseException:
            return phone
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if len(phone) == 10:
        return f"{phone[:3]}-{phone[3:6]}-{phone[6:]}"
    if phone.startswith("02"):
        return f"{phone[:2]}-{phone[2:5]}-{phone[5:]}"
    return f"{phone[:3]}-{phone[3:6]}-{phone[6:]}"
