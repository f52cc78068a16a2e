"""Cue-phrase matching (data/cues.yaml) with negation and past-time scope."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

import ahocorasick
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
    feature: bool = True  # false: read by the rules only, never a token of the learned models


@dataclass(frozen=True)
class Cue:
    """The state of one cue group in a message: found, and whether switched off."""

    active: bool  # at least one occurrence neither negated nor in the past
    negated: bool  # some occurrence negated ("ไม่ได้โดนทำร้าย")
    past: bool  # some occurrence in a past-time clause ("เมื่อปีที่แล้ว")
    first: int = 0  # position of the first occurrence in the normalised text
    starts: tuple[int, ...] = ()  # where the active occurrences start


_KEY = 3  # fuzzy phrases are pre-checked by their three-character runs


@dataclass(frozen=True)
class Lexicon:
    """All cue groups, and one Aho-Corasick automaton that finds every phrase in one pass."""

    groups: dict[str, Group]
    # Automaton value of a phrase: (phrase, names of the groups that list it).
    automaton: ahocorasick.Automaton
    # Every three-character run of the fuzzy phrases: which of them a message contains
    # is found in one pass, to pre-check the fuzzy phrases.
    fuzzy_runs: ahocorasick.Automaton


def _as_phrases(values: object) -> tuple[str, ...]:
    """Normalise a YAML list of phrases the same way messages are normalised."""
    if not isinstance(values, list):
        return ()
    phrases = (normalize(str(v)) for v in values)
    return tuple(dict.fromkeys(p for p in phrases if p))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load cues.yaml once and build the phrase automaton."""
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
            feature=bool(spec.get("feature", True)),
        )
    runs = sorted({run for group in groups.values() for keys in group.fuzzy_keys for run in keys})
    return Lexicon(groups=groups, automaton=_build_automaton(groups),
                   fuzzy_runs=_run_automaton(runs))


@lru_cache(maxsize=1)
def rule_only_groups() -> frozenset[str]:
    """Names of the cue groups marked `feature: false` (read by the rules, not the models)."""
    return frozenset(name for name, group in lexicon().groups.items() if not group.feature)


def _run_automaton(runs: list[str]) -> ahocorasick.Automaton:
    """Compile the fuzzy phrases' three-character runs (value: the run itself)."""
    automaton = ahocorasick.Automaton()
    for run in runs:
        automaton.add_word(run, run)
    if runs:
        automaton.make_automaton()
    return automaton


def _build_automaton(groups: dict[str, Group]) -> ahocorasick.Automaton:
    """Compile every phrase into one automaton (a C-level scan of the message, not a Python
    loop over candidate phrases)."""
    owners: dict[str, list[str]] = {}
    for group in groups.values():
        for phrase in group.phrases:
            names = owners.setdefault(phrase, [])
            if group.name not in names:
                names.append(group.name)
    automaton = ahocorasick.Automaton()
    for phrase, names in owners.items():
        automaton.add_word(phrase, (phrase, tuple(names)))
    if owners:
        automaton.make_automaton()
    return automaton


def _runs_in(lex: Lexicon, text: str) -> set[str]:
    """Return the fuzzy phrases' three-character runs that occur in text."""
    if lex.fuzzy_runs.kind != ahocorasick.AHOCORASICK:
        return set()
    return set(map(_second, lex.fuzzy_runs.iter(text)))


_second = itemgetter(1)


def keys_of(text: str) -> set[str]:
    """Return every run of three characters in text (to pre-check fuzzy phrases)."""
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


def raw_hits(text: str) -> dict[str, list[tuple[int, int]]]:
    """Find all occurrences of all cue phrases, by group (before exclusions)."""
    automaton = lexicon().automaton
    hits: dict[str, list[tuple[int, int]]] = {}
    if automaton.kind != ahocorasick.AHOCORASICK or not text:
        return hits
    for end, (phrase, names) in automaton.iter(text):
        start = end - len(phrase) + 1
        if _bounded(text, phrase, start):
            for name in names:
                hits.setdefault(name, []).append((start, end + 1))
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


def scan(text: str) -> dict[str, Cue]:
    """Return the cue groups found in normalised text with their negation and past state."""
    lex = lexicon()
    hits = raw_hits(text)
    runs: set[str] | None = None
    for group in lex.groups.values():
        if group.fuzzy and group.name not in hits and len(text) <= _FUZZY_MAX_TEXT:
            runs = _runs_in(lex, text) if runs is None else runs
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
