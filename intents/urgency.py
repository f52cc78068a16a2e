"""Urgency rules from data/urgency.yaml: emergency, high, and when to ask once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from intents.lexicon import Cue
from intents.resources import load_yaml


@dataclass(frozen=True)
class UrgencyRules:
    """The rule tables of urgency.yaml."""

    emergency: tuple[tuple[str, ...], ...]
    uncertain: tuple[tuple[str, ...], ...]
    high: tuple[tuple[str, ...], ...]
    veto: tuple[str, ...]
    never_vetoed: frozenset[str]
    emergency_probability: float
    uncertain_probability: float


@dataclass(frozen=True)
class UrgencyCues:
    """What the rules say about one message, before the learned model is consulted."""

    emergency: bool  # an emergency rule fired and nothing vetoed it
    vetoed: bool  # an emergency rule fired but the message says the person is safe now
    uncertain: bool  # danger cues present that are not enough on their own
    high: bool  # a "within days" rule fired


def _rules(value: object) -> tuple[tuple[str, ...], ...]:
    """Read a YAML list of rules (lists of group names)."""
    if not isinstance(value, list):
        return ()
    return tuple(tuple(str(g) for g in rule) for rule in value if isinstance(rule, list) and rule)


@lru_cache(maxsize=1)
def rules() -> UrgencyRules:
    """Load urgency.yaml once."""
    data = load_yaml("urgency.yaml")
    return UrgencyRules(
        emergency=_rules(data.get("emergency")),
        uncertain=_rules(data.get("uncertain")),
        high=_rules(data.get("high")),
        veto=tuple(str(g) for g in data.get("veto") or ()),
        never_vetoed=frozenset(str(g) for g in data.get("never_vetoed") or ()),
        emergency_probability=float(data.get("emergency_probability", 0.8)),
        uncertain_probability=float(data.get("uncertain_probability", 0.35)),
    )


def _present(cues: dict[str, Cue], name: str) -> bool:
    """Tell whether a rule term holds: an active group, or any occurrence for "~any"."""
    if name.endswith("~any"):
        return name[:-4] in cues
    cue = cues.get(name)
    return cue is not None and cue.active


def fired(rule_list: tuple[tuple[str, ...], ...], cues: dict[str, Cue]) -> list[tuple[str, ...]]:
    """Return the rules whose every term holds."""
    return [rule for rule in rule_list if all(_present(cues, name) for name in rule)]


def assess(cues: dict[str, Cue]) -> UrgencyCues:
    """Apply the emergency, veto, uncertain and high rules to a message's cues."""
    table = rules()
    hits = fired(table.emergency, cues)
    safe = any(_present(cues, name) for name in table.veto)
    unvetoable = any(set(rule) & table.never_vetoed for rule in hits)
    emergency = bool(hits) and (unvetoable or not safe)
    return UrgencyCues(
        emergency=emergency,
        vetoed=bool(hits) and not emergency,
        uncertain=bool(fired(table.uncertain, cues)),
        high=bool(fired(table.high, cues)),
    )
