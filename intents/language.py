"""Language detection by script, with romanised Thai recognised from a word list."""

from __future__ import annotations

import re
from functools import lru_cache

from intents.resources import load_yaml

# Unicode blocks: Thai, Lao, Myanmar (+ extensions), Khmer (+ symbols).
_SCRIPTS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("th", ((0x0E00, 0x0E7F),)),
    ("lo", ((0x0E80, 0x0EFF),)),
    ("my", ((0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F))),
    ("km", ((0x1780, 0x17FF), (0x19E0, 0x19FF))),
)
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_MAX_SCAN = 2000


def _class_of(blocks: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    """Compile a character class matching any character of the given blocks."""
    return re.compile("[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in blocks) + "]")


_CLASSES = tuple((lang, _class_of(blocks)) for lang, blocks in _SCRIPTS) + (
    ("latin", re.compile("[A-Za-z]")),
)


def script_counts(text: str) -> dict[str, int]:
    """Count letters per script in the first characters of text."""
    head = text[:_MAX_SCAN]
    counts = {lang: len(pattern.findall(head)) for lang, pattern in _CLASSES}
    return {lang: n for lang, n in counts.items() if n}


@lru_cache(maxsize=1)
def _romanised() -> tuple[frozenset[str], int, float]:
    """Load the romanised Thai word list and its thresholds."""
    data = load_yaml("language.yaml")
    words = frozenset(str(w).lower() for w in data.get("romanised_thai") or ())
    return words, int(data.get("romanised_thai_min_words", 2)), float(
        data.get("romanised_thai_min_share", 0.3)
    )


def is_romanised_thai(text: str) -> bool:
    """Tell whether Latin-script text reads as Thai written in Latin letters."""
    words, min_words, min_share = _romanised()
    tokens = _LATIN_WORD.findall(text.lower())
    if not tokens:
        return False
    hits = sum(1 for token in tokens if token in words)
    return hits >= min_words and hits / len(tokens) >= min_share


_FOREIGN = _class_of(tuple(block for lang, blocks in _SCRIPTS if lang != "th" for block in blocks))


# The service's language when a message has no letters to tell by (taxonomy.md: a Thai
# government service). "other" is kept for letters of another script (Chinese, Arabic …).
DEFAULT_LANGUAGE = "th"


def detect_language(text: str) -> str:
    """Return "th", "en", "my", "lo", "km" or "other" for a message."""
    if not isinstance(text, str):
        return "other"
    if not any(ch.isalpha() for ch in text[:_MAX_SCAN]):
        # "😭😭😭", "?", "...", "555", a phone number: no letters say the writer reads another
        # language, so the bot must not answer "we answer in Thai and English only".
        return DEFAULT_LANGUAGE
    head = text[:_MAX_SCAN]
    if not _FOREIGN.search(head):
        # The common case, no Lao, Burmese or Khmer letters: two counts instead of five.
        counts = {lang: n for lang, n in (("th", len(_CLASSES[0][1].findall(head))),
                                          ("latin", len(_CLASSES[-1][1].findall(head)))) if n}
    else:
        counts = script_counts(head)
    if not counts:
        return "other"
    # Any Burmese, Lao or Khmer letters decide: the bot then answers in English and Thai.
    foreign = {k: v for k, v in counts.items() if k in ("my", "lo", "km")}
    if foreign and max(foreign.values()) >= max(3, counts.get("th", 0) // 2):
        return max(foreign, key=lambda k: foreign[k])
    if counts.get("th", 0) >= counts.get("latin", 0) * 0.25 and counts.get("th", 0) > 0:
        return "th"
    if counts.get("latin", 0):
        return "th" if is_romanised_thai(text) else "en"
    return max(counts, key=lambda k: counts[k])
