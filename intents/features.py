"""Features of a normalised message: character n-grams, cue tokens, ages."""

from __future__ import annotations

import re

from intents.lexicon import Cue, rule_only_groups

NGRAM_SIZES = (3, 4)
MAX_FEATURE_CHARS = 1200

_AGE_PATTERNS = (
    re.compile(r"(?:อายุ|วัย|age|aged)\s*(?:ประมาณ|ราว|กว่า|เกือบ|ครบ|about|around)?\s*(\d{1,3})"),
    re.compile(r"(\d{1,2})\s*-?\s*(?:ขวบ|years? old|years?-old|yo\b|y/o|year-old)"),
    # A baby's age in months ("ลูก 3 เดือน"), not "ไม่จ่ายมา 3 เดือนแล้ว".
    re.compile(r"(?:ลูก|เด็ก|ทารก|หลาน|น้อง|baby)\D{0,10}?(\d{1,2})\s*เดือน"),
    re.compile(r"\((\d{1,3})\)"),  # "grandfather (83)"
    re.compile(r"\b(?:is|he's|she's|i'm|im|i am|turned|turning)\s+(\d{1,3})\b(?!\s*(?:baht|km|kg|%|minutes?|hours?|days?|weeks?|months?|people|floor))"),
)
_SHORT_CHARS = 12


def ages(text: str) -> list[int]:
    """Return the ages written in the text ("อายุ 78", "5 ขวบ", "8 years old")."""
    return [age for _, age in sorted(age_positions(text))]


def age_positions(text: str) -> list[tuple[int, int]]:
    """Return (position, age) for every age written in the text."""
    found: list[tuple[int, int]] = []
    for pattern in _AGE_PATTERNS:
        for match in pattern.finditer(text):
            value = int(match.group(1))
            if 0 < value < 120:
                found.append((match.start(), value))
    return found


def age_bucket(age: int) -> str:
    """Map an age in years to the taxonomy's age group."""
    if age < 18:
        return "child"
    return "elderly" if age >= 60 else "adult"


def cue_tokens(cues: dict[str, Cue]) -> list[str]:
    """Turn cue groups into tokens; negated or past cues get their own tokens. Groups marked
    `feature: false` in cues.yaml are for the rules only and give no token."""
    tokens: list[str] = []
    skip = rule_only_groups()
    for name, cue in cues.items():
        if name in skip:
            continue
        if cue.active:
            tokens.append("@" + name)
        elif cue.negated:
            tokens.append("@" + name + "~neg")
        else:
            tokens.append("@" + name + "~past")
    return tokens


def gram_text(text: str) -> str:
    """Return the padded text whose substrings of NGRAM_SIZES lengths are the n-grams.

    "@" and "#" open the names of cue and shape tokens; in the text they are only spacing,
    so no n-gram can ever be mistaken for a token.
    """
    text = text[:MAX_FEATURE_CHARS]
    if "@" in text or "#" in text:
        text = text.replace("@", " ").replace("#", " ")
    return " " + text + " "


def ngrams(text: str) -> frozenset[str]:
    """Return the set of character n-grams of text (binary features)."""
    padded = gram_text(text)
    size = len(padded)
    return frozenset([padded[i : i + n] for n in NGRAM_SIZES for i in range(size - n + 1)])


def features(text: str, cues: dict[str, Cue],
             found_ages: list[tuple[int, int]] | None = None) -> tuple[frozenset[str], tuple[str, ...]]:
    """Return the n-grams of text and its cue and shape tokens (the model's sample)."""
    return ngrams(text), tokens(text, cues, found_ages)


def tokens(text: str, cues: dict[str, Cue],
           found_ages: list[tuple[int, int]] | None = None) -> tuple[str, ...]:
    """Return the cue and shape tokens of a message ("@violence", "#age:child", "#short")."""
    extra = cue_tokens(cues)
    groups = {age_bucket(a) for _, a in (age_positions(text) if found_ages is None else found_ages)}
    groups.update(g for g in ("child", "elderly") if g in cues)
    extra.extend("#age:" + g for g in sorted(groups))
    if len(text) <= _SHORT_CHARS:
        extra.append("#short")
    if not any(ch.isalpha() for ch in text):
        extra.append("#noletters")
    return tuple(extra)
