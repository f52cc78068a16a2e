"""Features of a normalised message: character n-grams, cue tokens, ages."""

from __future__ import annotations

import re

from intents.lexicon import Cue

NGRAM_SIZES = (3, 4)
_RUN = 3  # the lexicon indexes phrases by their first three characters
MAX_FEATURE_CHARS = 1200

_AGE_PATTERNS = (
    re.compile(r"(?:อายุ|วัย|age|aged)\s*(?:ประมาณ|ราว|กว่า|เกือบ|ครบ|about|around)?\s*(\d{1,3})"),
    re.compile(r"(\d{1,2})\s*-?\s*(?:ขวบ|เดือน(?=\s*แล้ว)|years? old|years?-old|yo\b|y/o|year-old)"),
    re.compile(r"\((\d{1,3})\)"),  # "grandfather (83)"
    re.compile(r"\b(?:is|he's|she's|i'm|turned|turning)\s+(\d{1,3})\b(?!\s*(?:baht|km|kg|%|minutes?|hours?|days?|weeks?|months?|people|floor))"),
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
    """Turn cue groups into tokens; negated or past cues get their own tokens."""
    tokens: list[str] = []
    for name, cue in cues.items():
        if cue.active:
            tokens.append("@" + name)
        elif cue.negated:
            tokens.append("@" + name + "~neg")
        else:
            tokens.append("@" + name + "~past")
    return tokens


def ngrams(text: str) -> frozenset[str]:
    """Return the set of character n-grams of text (binary features)."""
    return ngrams_and_runs(text)[0]


def ngrams_and_runs(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """Return the n-grams of text and, separately, its three-character runs.

    The runs are the lexicon's index keys; handing them over saves the lexicon a second
    pass of dictionary lookups over the four-character grams.
    """
    text = " " + text[:MAX_FEATURE_CHARS] + " "
    size = len(text)
    runs = frozenset([text[i : i + _RUN] for i in range(size - _RUN + 1)])
    grams = [text[i : i + n] for n in NGRAM_SIZES if n != _RUN for i in range(size - n + 1)]
    return (runs.union(grams) if _RUN in NGRAM_SIZES else frozenset(grams)), runs


def features(text: str, cues: dict[str, Cue], grams: frozenset[str] | None = None,
             found_ages: list[tuple[int, int]] | None = None) -> tuple[frozenset[str], tuple[str, ...]]:
    """Return the n-grams of text and its cue and shape tokens (the model's sample)."""
    extra = cue_tokens(cues)
    groups = {age_bucket(a) for _, a in (age_positions(text) if found_ages is None else found_ages)}
    groups.update(g for g in ("child", "elderly") if g in cues)
    extra.extend("#age:" + g for g in sorted(groups))
    if len(text) <= _SHORT_CHARS:
        extra.append("#short")
    if not any(ch.isalpha() for ch in text):
        extra.append("#noletters")
    return (ngrams(text) if grams is None else grams), tuple(extra)
