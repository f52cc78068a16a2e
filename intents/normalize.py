"""Text normalisation: Unicode clean-up, Thai digits, repeated characters, spellings."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from intents.resources import load_yaml
from taxonomy.thai import DIGIT_TABLE

_ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u180e"


def _translation_table() -> dict[int, str | None]:
    """Map zero-width characters away, controls to spaces and Thai digits to 0-9."""
    table: dict[int, str | None] = {ord(ch): None for ch in _ZERO_WIDTH}
    for code in list(range(0, 32)) + list(range(127, 160)):
        table[code] = " "
    table.update(DIGIT_TABLE)
    return table


_TABLE = _translation_table()
# Any character typed twice or more in a row; _squeeze_run decides what it becomes.
_RUN = re.compile(r"(.)\1+", re.DOTALL)
_SPACES = re.compile(r"\s+")
# Burmese, Lao and Khmer put no spaces between words, and writers space them at random
# ("ထွက်ခွင့် မပေးဘူး"): a space between two letters of one of these scripts is dropped, in
# messages and in cue phrases alike, so a phrase matches however it was spaced.
_SCRIPT_SPACE = re.compile("|".join(rf"(?<=[{block}]) (?=[{block}])" for block in (
    "\u1000-\u109f", "\u0e80-\u0eff", "\u1780-\u17ff")))


# Thai written a word at a time ("ผม ทำงาน เรือ ไม่ได้ ตังค์ 5 เดือน หัวหน้า ตี ผม"), as many
# migrant workers and learners type it: Thai puts spaces between phrases, not words, so
# cue phrases ("ไม่ได้ตังค์", "ตีผม") would never match. Such a message is joined up.
_THAI_SPACE = re.compile(r"(?<=[\u0e01-\u0e4e]) (?=[\u0e01-\u0e4e])")
_THAI_WORD = re.compile(r"[\u0e01-\u0e4e]+")
_SPACED_MIN_WORDS = 6  # Thai runs needed before a message can read as spaced word by word
_SPACED_MEDIAN = 5  # ... and the median length of those runs, in characters, at most


def _word_spaced_thai(text: str) -> bool:
    """Tell whether Thai is spaced word by word (most runs a short word), not by phrase."""
    runs = sorted(len(run) for run in _THAI_WORD.findall(text) if len(run) > 1)
    return len(runs) >= _SPACED_MIN_WORDS and runs[len(runs) // 2] <= _SPACED_MEDIAN


@lru_cache(maxsize=1)
def _replacers() -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str], dict[str, str]]:
    """Compile the substring and whole-word replacement tables from normalize.yaml."""
    data = load_yaml("normalize.yaml")
    subs = {str(k): str(v) for k, v in (data.get("replace") or {}).items()}
    words = {str(k): str(v) for k, v in (data.get("replace_words") or {}).items()}
    sub_re = _alternation(sorted(subs, key=len, reverse=True), r"", r"")
    word_re = _alternation(sorted(words, key=len, reverse=True), r"(?<![\w'])", r"(?![\w'])")
    return sub_re, subs, word_re, words


def _alternation(keys: list[str], before: str, after: str) -> re.Pattern[str]:
    """Build one regex matching any key (longest first); never matches when empty."""
    if not keys:
        return re.compile(r"(?!x)x")
    return re.compile(before + "(" + "|".join(re.escape(k) for k in keys) + ")" + after)


# Any character _TABLE changes: most messages have none, and a translate with a mapping
# table is slow on Thai text, so it only runs when needed.
_NEEDS_TABLE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_TABLE)) + "]")


def clean_unicode(text: str) -> str:
    """Apply NFC, drop zero-width characters, turn controls into spaces and Thai digits into 0-9."""
    text = unicodedata.normalize("NFC", text)
    return text.translate(_TABLE) if _NEEDS_TABLE.search(text) else text


def squeeze_repeats(text: str) -> str:
    """Collapse characters repeated for emphasis ("ค่าาาา", "helpppp", "5555")."""
    return _RUN.sub(_squeeze_run, text)


def _squeeze_run(match: re.Match[str]) -> str:
    """Return what one run of a repeated character becomes."""
    run, ch = match.group(0), match.group(1)
    if "\u0e30" <= ch <= "\u0e3a" or "\u0e45" <= ch <= "\u0e4e":
        # Thai vowels, tone marks and mai yamok are never legitimately doubled; leading
        # vowels (เ แ …) are left alone because "เเ" is a typing of "แ" (normalize.yaml).
        return ch
    if ch.isdigit():
        # Laughter "55555" becomes "555"; other digit runs (amounts, case numbers) stay.
        return "555" if ch == "5" and len(run) >= 4 else run
    if len(run) < 3:
        return run
    return ch * 2 if "a" <= ch <= "z" else ch


def normalize(text: str) -> str:
    """Return the canonical form of a message used by every classifier step."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = squeeze_repeats(clean_unicode(text).lower())
    sub_re, subs, word_re, words = _replacers()
    text = sub_re.sub(lambda m: subs[m.group(1)], text)
    text = word_re.sub(lambda m: words[m.group(1)], text)
    text = _SPACES.sub(" ", text).strip()
    if _SCRIPT_SPACE.search(text):
        text = _SCRIPT_SPACE.sub("", text)
    return _THAI_SPACE.sub("", text) if _word_spaced_thai(text) else text
