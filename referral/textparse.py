"""Split a typed place into postal codes and marked or unmarked name segments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from referral.gazetteer import areas, canonical, display_name_th, postal_index

# A lane's or road's name runs to a space, a comma or the next level word.
_NAME_UNTIL_MARKER = r"(?:(?!ตำบล|แขวง|อำเภอ|เขต|จังหวัด|[ตอจ]\.)[^\s,])*"
# House numbers, villages (หมู่), lanes (ซอย) and roads (ถนน) name no administrative area.
_NOISE = [
    r"(?:บ้าน)?เลขที่\s*[\d/\-]+",
    r"บ้าน\s*[\d/\-]+",
    r"หมู่(?:ที่)?\s*\.?\s*\d+",
    r"ม\.\s*\d+",
    r"หมู่บ้าน\S*",
    r"(?:ซอย|ซ\.)\s*" + _NAME_UNTIL_MARKER + r"(?:\s*\d[\d/\-]*)?",
    r"(?<!ต\.)(?<!ต\.\s)(?<!ตำบล)(?<!ตำบล\s)(?:ถนน|ถ\.)\s*" + _NAME_UNTIL_MARKER,  # ต.ถนน is a subdistrict
    r"\b(?:moo|m\.)\s*\d+\b",
    r"\bsoi\s*\d+\b|\bsoi\s+(?!sub|district|,)[a-z]+(?:\s+\d+)?",
    r"\b(?:road|rd\.?|street|st\.)\b\s*\d*",
    r"\b\d+(?:/\d+)+\b",
    r"ประเทศไทย|\bthailand\b",
    r"(?<!\d)0\d{8,9}(?!\d)",  # a phone number
]
_NOISE_RE = re.compile("|".join(f"(?:{p})" for p in _NOISE))
_POSTAL_RE = re.compile(r"(?<!\d)[1-9]\d{4}(?!\d)")

# Thai level words, longest first; a bare letter counts only between spaces.
_TH_MARKERS = [
    ("subdistrict", r"ตำบล|แขวง|ต\s*\.|(?<![^\s,])ต(?=\s)"),
    ("district", r"กิ่งอำเภอ|อำเภอ|เขต|อ\s*\.|(?<![^\s,])อ(?=\s)"),
    ("province", r"จังหวัด|จ\s*\.|(?<![^\s,])จ(?=\s)"),
]
_TH_MARKER_RE = re.compile("|".join(f"(?P<{lv}>{p})" for lv, p in _TH_MARKERS))
_EN_MARKERS = [
    ("subdistrict", r"\b(?:tambon|khwaeng|kwaeng|sub-?district)"),
    ("province", r"\b(?:changwat|province|prov\.)"),
    ("district", r"\b(?:amphoe|amphur|amper|khet|district)"),
]
_MARKER_WORDS = ("ตำบล", "เขต", "จ.", "ถนน")
# Private-use characters stand in for level or noise words inside names while the text is split.
_PLACEHOLDERS = ("\ue000", "\ue001", "\ue002", "\ue003")


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of text that may name an area; level is set when a marker said which."""

    text: str
    level: str | None
    marked: bool


@dataclass(frozen=True, slots=True)
class Parsed:
    """A typed place split into postal codes and segments."""

    postal_codes: tuple[str, ...]
    segments: tuple[Segment, ...]


@cache
def _protected() -> tuple[tuple[str, str], ...]:
    """Return names holding a level or noise word (หลักเขต, จ.ป.ร., หัวถนน) and their masked form."""
    found = set()
    for a in areas().values():
        name = canonical(display_name_th(a))
        for word in _MARKER_WORDS:
            if word in name and word != name:
                found.add((name, name.replace(word, _PLACEHOLDERS[_MARKER_WORDS.index(word)])))
    return tuple(sorted(found, key=lambda p: -len(p[0])))


def _mask(text: str) -> str:
    """Hide level words inside official names so they do not split the text."""
    for name, masked in _protected():
        if name in text:
            text = text.replace(name, masked)
    return text


def _unmask(text: str) -> str:
    """Undo _mask."""
    for word, placeholder in zip(_MARKER_WORDS, _PLACEHOLDERS, strict=True):
        text = text.replace(placeholder, word)
    return text


def postal_codes(text: str) -> tuple[str, tuple[str, ...]]:
    """Return the text without known postal codes, and the codes."""
    known = postal_index()
    found = tuple(dict.fromkeys(m for m in _POSTAL_RE.findall(text) if m in known))
    for code in found:
        text = text.replace(code, " ")
    return text, found


def parse(text: str) -> Parsed:
    """Split a typed place into postal codes and name segments."""
    text = _mask(canonical(text))
    text, postals = postal_codes(text)
    text = _NOISE_RE.sub(" ", text)
    text = re.sub(r"\d+", " ", text)
    segments: list[Segment] = []
    parts = _split_thai_markers(text)
    for level, value in parts:
        if level is None:
            segments.extend(_unmarked_segments(value))
            continue
        head, _, rest = _first_token(value)
        if head:
            segments.append(Segment(_unmask(head), level, True))
        segments.extend(_unmarked_segments(rest))
    return Parsed(postals, tuple(s for s in segments if s.text))


def _split_thai_markers(text: str) -> list[tuple[str | None, str]]:
    """Return (level or None, following text) pieces split at Thai level words."""
    pieces: list[tuple[str | None, str]] = []
    last, level = 0, None
    for m in _TH_MARKER_RE.finditer(text):
        pieces.append((level, text[last:m.start()]))
        level, last = m.lastgroup, m.end()
    pieces.append((level, text[last:]))
    return pieces


def _first_token(value: str) -> tuple[str, str, str]:
    """Return the name right after a marker and the rest of the text."""
    value = value.lstrip(" :\t")
    if value[:1].isascii():
        head, sep, rest = value.partition(",")
        return head.strip(), sep, rest
    m = re.match(r"[^\s,;/|]+", value)
    if not m:
        return "", "", value
    return m.group(0), "", value[m.end():]


def _unmarked_segments(text: str) -> list[Segment]:
    """Return comma-separated pieces; English level words mark their piece."""
    found: list[Segment] = []
    for piece in re.split(r"[,;/|\n]+", _unmask(text)):
        level = None
        for lv, pattern in _EN_MARKERS:
            piece, n = re.subn(pattern, " ", piece)
            level = level or (lv if n else None)
        piece = re.sub(r"[^\w\s\u0e00-\u0e7f.'\-]", " ", piece).strip(" .-'")
        if piece:
            found.append(Segment(piece, level, level is not None))
    return found
