"""The intake taxonomy (topics, departments, target groups, emergency and protective rules).

Pure: no Flask, no database. intents/, referral/ and handlers/ read the facts from here only;
tests/test_taxonomy.py fails if a copy of them appears anywhere else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from taxonomy import yamlfile
from taxonomy.thai import arabic_digits

NONE = "none"


@dataclass(frozen=True)
class Topic:
    """One topic of the taxonomy and what follows from it."""

    name: str
    department: str | None
    target_group: str | None
    age_group: str | None
    label_th: str
    label_en: str


@dataclass(frozen=True)
class Rule:
    """A protective rule: topic `source` for a person of `age_group` becomes `target` (with
    cue group `when_cue` in the message; never with `unless_cue`)."""

    source: str
    age_group: str
    target: str
    when_cue: str | None = None
    unless_cue: str | None = None


@cache
def data() -> dict[str, Any]:
    """Return the parsed taxonomy.yaml."""
    text = files("taxonomy").joinpath("taxonomy.yaml").read_text(encoding="utf-8")
    return yamlfile.safe_load(text)


@cache
def topics() -> dict[str, Topic]:
    """Return every topic by name, `none` included, in the file's order."""
    return {name: Topic(name, v.get("department"), v.get("target_group"), v.get("age_group"),
                        v["th"], v["en"]) for name, v in data()["topics"].items()}


def topic_names(include_none: bool = True) -> tuple[str, ...]:
    """Return the topic identifiers in the file's order."""
    return tuple(t for t in topics() if include_none or t != NONE)


def topic(name: str) -> Topic:
    """Return a topic, or `none` for an unknown name."""
    return topics().get(name) or topics()[NONE]


def department(name: str) -> str | None:
    """Return the department code responsible for a topic (None for none or unknown)."""
    return topic(name).department


def departments() -> dict[str, dict[str, str]]:
    """Return the departments and routing targets with their names."""
    return dict(data()["departments"])


def kinds() -> tuple[str, ...]:
    """Return the kinds of contact."""
    return tuple(data()["kinds"])


def topicless_kinds() -> frozenset[str]:
    """Return the kinds that never carry a topic."""
    return frozenset(data()["topicless_kinds"])


def topic_required_kinds() -> frozenset[str]:
    """Return the kinds that always carry a topic."""
    return frozenset(data()["topic_required_kinds"])


def always_emergency() -> frozenset[str]:
    """Return the topics that are always emergencies (taxonomy §3)."""
    return frozenset(data()["always_emergency_topics"])


def protective_order() -> tuple[str, ...]:
    """Return the topics in protective order (the first wins when two fit one story)."""
    return tuple(data()["protective_order"])


def harm_by_others_topics() -> frozenset[str]:
    """Return the topics where someone may come back to hurt the person in need."""
    return frozenset(data()["harm_by_others_topics"])


def more_protective(old: str, new: str) -> str:
    """Of two topics told in one story, the one the protective order puts first (else old)."""
    ranked = [t for t in protective_order() if t in (old, new)]
    return ranked[0] if ranked else old


def protective_rules() -> tuple[Rule, ...]:
    """Return the protective rules in order."""
    return tuple(Rule(r["from"], r["age_group"], r["to"], r.get("when_cue"), r.get("unless_cue"))
                 for r in data()["protective"])


def adult_only_rules() -> tuple[dict[str, str], ...]:
    """Return the adult-only re-routing rules of child topics."""
    return tuple(data()["adult_only"])


def protective_topic(name: str, age_groups: Iterable[str], cues: Iterable[str] = ()) -> str:
    """Return the more protective topic for a person of these age groups (or the topic itself)."""
    groups, found = set(age_groups), set(cues)
    for rule in protective_rules():
        if rule.source == name and rule.age_group in groups and \
                (rule.when_cue is None or rule.when_cue in found) and rule.unless_cue not in found:
            return rule.target
    return name


__all__ = ["NONE", "Rule", "Topic", "adult_only_rules", "always_emergency", "arabic_digits",
           "classifier_rules", "data", "department", "departments", "harm_by_others_topics", "kinds",
           "more_protective", "protective_order", "protective_rules", "protective_topic",
           "topic", "topic_names", "topic_required_kinds", "topicless_kinds", "topics"]


@cache
def classifier_rules() -> dict[str, Any]:
    """Return the rules the classifier applies, in the shape intents/classifier.py reads."""
    raw = data()
    return {"departments": {t.name: t.department for t in topics().values()},
            "topic_age_group": {t.name: t.age_group for t in topics().values() if t.age_group},
            "topicless_kinds": list(raw["topicless_kinds"]),
            "topic_required_kinds": list(raw["topic_required_kinds"]),
            "always_emergency_topics": list(raw["always_emergency_topics"]),
            "protective": list(raw["protective"]), "adult_only": list(raw["adult_only"])}
