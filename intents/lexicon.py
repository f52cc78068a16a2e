"""Cue-phrase matching (data/cues.yaml) with negation and past-time scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from intents.normalize import normalize
from intents.resources import load_yaml

# Characters that end a clause: negation and past markers do not reach across them.
_CLAUSE_BREAKS = frozenset(" ,.!?;:()[]\n")
_PUNCTUATION = _CLAUSE_BREAKS - {" "}
_NEGATION_WINDOW = 8
_FUZZY_MIN_LEN = 8
_FUZZY_CUTOFF = 88.0
_FUZZY_MAX_TEXT = 600


@dataclass(frozen=True)
class Group:
    """One named list of cue phrases from cues.yaml."""

    name: str
    phrases: tuple[str, ...]
    excludes: tuple[str, ...]
    fuzzy: tuple[str, ...]
    scoped: bool
    fuzzy_keys: tuple[frozenset[str], ...] = ()  # three-character runs of each fuzzy phrase


@dataclass(frozen=True)
class Cue:
    """The state of one cue group in a message: found, and whether switched off."""

    active: bool  # at least one occurrence neither negated nor in the past
    negated: bool  # some occurrence negated ("ไม่ได้โดนทำร้าย")
    past: bool  # some occurrence in a past-time clause ("เมื่อปีที่แล้ว")
    first: int = 0  # position of the first occurrence in the normalised text
    starts: tuple[int, ...] = ()  # where the active occurrences start


Entries = tuple[tuple[str, tuple[str, ...]], ...]
_KEY = 3  # phrases are indexed by their first three characters


@dataclass(frozen=True)
class Lexicon:
    """All cue groups plus a first-characters index for fast scanning."""

    groups: dict[str, Group]
    index: dict[str, Entries]
    short: Entries  # phrases shorter than the index key, tried on every message


def _as_phrases(values: object) -> tuple[str, ...]:
    """Normalise a YAML list of phrases the same way messages are normalised."""
    if not isinstance(values, list):
        return ()
    phrases = (normalize(str(v)) for v in values)
    return tuple(dict.fromkeys(p for p in phrases if p))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load cues.yaml once and build the phrase index."""
    raw = load_yaml("cues.yaml").get("groups") or {}
    groups: dict[str, Group] = {}
    for name, spec in raw.items():
        spec = spec or {}
        fuzzy = tuple(p for p in _as_phrases(spec.get("fuzzy")) if len(p) >= _FUZZY_MIN_LEN)
        groups[name] = Group(
            name=name,
            phrases=_as_phrases(spec.get("phrases")),
            excludes=_as_phrases(spec.get("exclude")),
            fuzzy=fuzzy,
            scoped=bool(spec.get("scoped")),
            fuzzy_keys=tuple(frozenset(keys_of(p)) for p in fuzzy),
        )
    index, short = _build_index(groups)
    return Lexicon(groups=groups, index=index, short=short)


def _build_index(groups: dict[str, Group]) -> tuple[dict[str, Entries], Entries]:
    """Index phrases by their first characters so a scan tries only plausible ones."""
    owners: dict[str, list[str]] = {}
    for group in groups.values():
        for phrase in group.phrases:
            owners.setdefault(phrase, []).append(group.name)
    index: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    short: list[tuple[str, tuple[str, ...]]] = []
    for phrase, names in owners.items():
        if len(phrase) < _KEY:
            short.append((phrase, tuple(names)))
        else:
            index.setdefault(phrase[:_KEY], []).append((phrase, tuple(names)))
    return {key: tuple(entries) for key, entries in index.items()}, tuple(short)


def keys_of(text: str) -> set[str]:
    """Return every run of three characters in text (the index keys to try)."""
    return {text[i : i + _KEY] for i in range(len(text) - _KEY + 1)}


def _is_word_char(ch: str) -> bool:
    """Tell whether ch is a Latin letter (Latin phrases must match whole words)."""
    return "a" <= ch <= "z"


def _bounded(text: str, phrase: str, start: int) -> bool:
    """Check word boundaries for phrases that begin or end with a Latin letter."""
    end = start + len(phrase)
    if _is_word_char(phrase[0]) and start > 0 and _is_word_char(text[start - 1]):
        return False
    return not (_is_word_char(phrase[-1]) and end < len(text) and _is_word_char(text[end]))


def find_spans(text: str, phrase: str) -> list[tuple[int, int]]:
    """Return every (start, end) where phrase occurs in text as a whole word or Thai run."""
    spans: list[tuple[int, int]] = []
    start = text.find(phrase)
    while start != -1:
        if _bounded(text, phrase, start):
            spans.append((start, start + len(phrase)))
        start = text.find(phrase, start + 1)
    return spans


def raw_hits(text: str, keys: Iterable[str] | None = None) -> dict[str, list[tuple[int, int]]]:
    """Find all occurrences of all cue phrases, by group (before exclusions).

    keys may be any superset of the text's three-character runs (e.g. its n-gram features).
    """
    lex = lexicon()
    index = lex.index
    hits: dict[str, list[tuple[int, int]]] = {}
    entries = [lex.short] + [index[k] for k in filter(index.__contains__, keys or keys_of(text))]
    for group_entries in entries:
        for phrase, names in group_entries:
            if phrase not in text:
                continue
            spans = find_spans(text, phrase)
            for name in names:
                hits.setdefault(name, []).extend(spans)
    return hits


def _excluded(text: str, group: Group, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop occurrences that sit inside one of the group's exclusion phrases."""
    if not group.excludes:
        return spans
    blocked = [s for ex in group.excludes if ex in text for s in find_spans(text, ex)]
    if not blocked:
        return spans
    return [(a, b) for a, b in spans if not any(x <= a and b <= y for x, y in blocked)]


def _fuzzy_spans(text: str, group: Group, keys: set[str] | frozenset[str]) -> list[tuple[int, int]]:
    """Find long phrases of a group typed with a typo (rapidfuzz partial alignment)."""
    if not group.fuzzy or len(text) > _FUZZY_MAX_TEXT:
        return []
    for phrase, runs in zip(group.fuzzy, group.fuzzy_keys, strict=True):
        # One typo spoils at most three runs of three characters: a phrase with fewer than
        # half of its runs in the text cannot be within the cut-off, so skip the aligner.
        if len(text) < len(phrase) - 1 or len(runs & keys) * 2 < len(runs):
            continue
        found = fuzz.partial_ratio_alignment(phrase, text, score_cutoff=_FUZZY_CUTOFF)
        if found is not None:
            return [(found.dest_start, found.dest_end)]
    return []


def _bounds(text: str, position: int, breaks: frozenset[str] | set[str]) -> tuple[int, int]:
    """Return the start and end of the run around position that contains no break."""
    start = position
    while start > 0 and text[start - 1] not in breaks:
        start -= 1
    end = position
    while end < len(text) and text[end] not in breaks:
        end += 1
    return start, end


def clause_bounds(text: str, position: int) -> tuple[int, int]:
    """Return the start and end of the clause around position."""
    return _bounds(text, position, _CLAUSE_BREAKS)


def _negated(text: str, span: tuple[int, int], negations: list[tuple[int, int]]) -> bool:
    """Tell whether a negation ends just before span, with no punctuation between."""
    for _neg_start, neg_end in negations:
        gap = text[neg_end : span[0]]
        # Spaces may separate an English negation from its verb ("no hitting").
        if neg_end <= span[0] and len(gap) <= _NEGATION_WINDOW and not _PUNCTUATION & set(gap):
            return True
    return False


def latin_clause_bounds(text: str, position: int) -> tuple[int, int]:
    """Return the clause around position in Latin-script text: spaces separate words there,
    so only punctuation ends a clause ("years ago my father hit me, now I am safe")."""
    return _bounds(text, position, _PUNCTUATION)


def _in_past(span: tuple[int, int], past: list[tuple[int, int]], now: list[tuple[int, int]],
             text: str) -> bool:
    """Tell whether span shares its clause with a past marker and no present marker."""
    if _is_word_char(text[span[0]]):
        lo, hi = latin_clause_bounds(text, span[0])
    else:
        lo, hi = clause_bounds(text, span[0])
    if any(lo <= n[0] < hi for n in now):
        return False
    return any(lo <= p[0] < hi for p in past)


def scan(text: str, keys: Iterable[str] | None = None) -> dict[str, Cue]:
    """Return the cue groups found in normalised text with their negation and past state."""
    lex = lexicon()
    runs = keys if isinstance(keys, (set, frozenset)) else set(keys or ()) or keys_of(text)
    hits = raw_hits(text, runs)
    for group in lex.groups.values():
        if group.fuzzy and group.name not in hits:
            spans = _fuzzy_spans(text, group, runs)
            if spans:
                hits[group.name] = spans
    marks = {name: _excluded(text, lex.groups[name], hits.get(name, []))
             for name in ("negation", "past", "now") if name in lex.groups}
    found: dict[str, Cue] = {}
    for name, spans in hits.items():
        spans = _excluded(text, lex.groups[name], spans)
        if spans:
            found[name] = _cue_state(text, lex.groups[name], spans, marks)
    return found


def _cue_state(text: str, group: Group, spans: list[tuple[int, int]],
               marks: dict[str, list[tuple[int, int]]]) -> Cue:
    """Classify the occurrences of one group as active, negated or past."""
    first = min(start for start, _ in spans)
    if not group.scoped:
        starts = tuple(sorted(start for start, _ in spans))
        return Cue(active=True, negated=False, past=False, first=first, starts=starts)
    negs = [_negated(text, s, marks.get("negation", [])) for s in spans]
    pasts = [_in_past(s, marks.get("past", []), marks.get("now", []), text) for s in spans]
    states = list(zip(spans, negs, pasts, strict=True))
    starts = tuple(sorted(span[0] for span, n, p in states if not n and not p))
    return Cue(active=bool(starts), negated=any(negs), past=any(pasts), first=first,
               starts=starts)
