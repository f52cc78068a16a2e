"""Urgency rules from data/urgency.yaml: emergency, high, and when to ask once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from intents.lexicon import Cue
from intents.resources import load_yaml


@dataclass(frozen=True)
class Rule:
    """Cue groups that must all hold, their occurrences within `within` characters."""

    terms: tuple[str, ...]
    within: int | None
    active_terms: frozenset[str]  # groups that must be switched on
    any_terms: frozenset[str]  # groups that only need to be present ("name~any")


def make_rule(terms: tuple[str, ...], within: int | None) -> Rule:
    """Build a rule, splitting its terms into switched-on and merely present groups."""
    return Rule(terms=terms, within=within,
                active_terms=frozenset(t for t in terms if not t.endswith("~any")),
                any_terms=frozenset(t[:-4] for t in terms if t.endswith("~any")))


@dataclass(frozen=True)
class UrgencyRules:
    """The rule tables of urgency.yaml."""

    emergency: tuple[Rule, ...]
    uncertain: tuple[Rule, ...]
    high: tuple[Rule, ...]
    veto: tuple[str, ...]
    never_vetoed: frozenset[str]
    joke_veto: tuple[str, ...]
    emergency_probability: float
    uncertain_probability: float
    model_veto_probability: float
    problem_probability: float
    contact_veto_probability: float
    contact_emergency_probability: float
    migrant: tuple[Rule, ...] = ()
    migrant_spouse: tuple[Rule, ...] = ()
    migrant_script: tuple[Rule, ...] = ()
    contact_unvetoed: tuple[frozenset[str], ...] = ()
    never_vetoed_together: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class UrgencyCues:
    """What the rules say about one message, before the learned model is consulted."""

    emergency: bool  # an emergency rule fired and nothing vetoed it
    vetoed: bool  # an emergency rule fired but the message says the person is safe now
    safe: bool  # the message says the person is safe now, or that it is a joke
    uncertain: bool  # danger cues present that are not enough on their own
    high: bool  # a "within days" rule fired
    firm: bool = False  # a rule on a never-vetoed group fired (self-harm, confinement)
    sure: bool = False  # a rule the model never overrules in a follow-up, inquiry or complaint


def _rules(value: object, within: int | None) -> tuple[Rule, ...]:
    """Read a YAML list of rules: lists of group names, or {all: [...], within: N}."""
    if not isinstance(value, list):
        return ()
    rules_read: list[Rule] = []
    for item in value:
        if isinstance(item, dict):
            terms, near = item.get("all") or [], item.get("within", within)
        else:
            terms, near = item, within
        if isinstance(terms, list) and terms:
            rules_read.append(make_rule(tuple(str(t) for t in terms), int(near) if near else None))
    return tuple(rules_read)


@lru_cache(maxsize=1)
def rules() -> UrgencyRules:
    """Load urgency.yaml once."""
    data = load_yaml("urgency.yaml")
    within = data.get("within")
    return UrgencyRules(
        emergency=_rules(data.get("emergency"), within),
        uncertain=_rules(data.get("uncertain"), None),
        high=_rules(data.get("high"), None),
        veto=tuple(str(g) for g in data.get("veto") or ()),
        never_vetoed=frozenset(str(g) for g in data.get("never_vetoed") or ()),
        joke_veto=tuple(str(g) for g in data.get("joke_veto") or ()),
        emergency_probability=float(data.get("emergency_probability", 0.5)),
        uncertain_probability=float(data.get("uncertain_probability", 0.35)),
        model_veto_probability=float(data.get("model_veto_probability", 0.0)),
        problem_probability=float(data.get("problem_probability", 1.01)),
        contact_veto_probability=float(data.get("contact_veto_probability", 0.1)),
        contact_emergency_probability=float(data.get("contact_emergency_probability", 0.9)),
        migrant=_rules(data.get("migrant_emergency"), None),
        migrant_spouse=_rules(data.get("migrant_domestic"), None),
        migrant_script=_rules(data.get("migrant_script_emergency"), None),
        contact_unvetoed=tuple(frozenset(str(g) for g in entry)
                               for entry in data.get("contact_never_vetoed") or ()),
        never_vetoed_together=tuple(frozenset(str(g) for g in entry)
                                    for entry in data.get("never_vetoed_together") or ()),
    )


def _present(cues: dict[str, Cue], name: str) -> bool:
    """Tell whether a rule term holds: an active group, or any occurrence for "~any"."""
    if name.endswith("~any"):
        return name[:-4] in cues
    cue = cues.get(name)
    return cue is not None and cue.active


def _close(rule: Rule, cues: dict[str, Cue]) -> bool:
    """Tell whether every term has an occurrence within rule.within of one of the first's."""
    if rule.within is None or len(rule.terms) < 2:
        return True
    positions = [cues[name].starts for name in rule.terms if not name.endswith("~any")]
    if len(positions) < 2:
        return True
    return any(all(any(abs(p - q) <= rule.within for q in others) for others in positions[1:])
               for p in positions[0])


def fired(rule_list: tuple[Rule, ...], cues: dict[str, Cue]) -> list[tuple[str, ...]]:
    """Return the terms of the rules whose every term holds, close enough together."""
    active = {name for name, cue in cues.items() if cue.active}
    return [rule.terms for rule in rule_list
            if rule.active_terms <= active and rule.any_terms <= cues.keys()
            and _close(rule, cues)]


def assess(cues: dict[str, Cue]) -> UrgencyCues:
    """Apply the emergency, veto, uncertain and high rules to a message's cues."""
    table = rules()
    hits = fired(table.emergency, cues)
    safe = any(_present(cues, name) for name in table.veto)
    joking = any(_present(cues, name) for name in table.joke_veto)
    unvetoable = any(set(rule) & table.never_vetoed
                     or any(entry <= set(rule) for entry in table.never_vetoed_together)
                     for rule in hits)
    emergency = bool(hits) and (unvetoable or not safe) and not joking
    return UrgencyCues(
        emergency=emergency,
        vetoed=bool(hits) and not emergency,
        safe=safe or joking,
        uncertain=bool(fired(table.uncertain, cues)),
        high=bool(fired(table.high, cues)),
        firm=emergency and unvetoable,
        sure=emergency and any(entry <= set(rule) for rule in hits
                               for entry in table.contact_unvetoed),
    )
