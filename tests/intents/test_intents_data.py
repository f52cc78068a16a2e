"""The data files: readable, consistent with the taxonomy, and training kept apart from tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import taxonomy
from intents.classifier import department
from intents.lexicon import lexicon
from intents.resources import DATA_DIR, HELDOUT_FILE, TRAINING_FILES, load_yaml, read_jsonl
from intents.urgency import rules

HERE = Path(__file__).resolve().parent


def _training_texts() -> set[str]:
    return {row["text"] for name in TRAINING_FILES for row in read_jsonl(DATA_DIR / name)}


def _test_sentences() -> set[str]:
    """Every string literal of the classification tests."""
    found: set[str] = set()
    for name in ("test_intents_classify.py", "test_intents_contact.py"):
        tree = ast.parse((HERE / name).read_text(encoding="utf-8"))
        found |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                  and isinstance(n.value, str) and len(n.value) > 15}
    return found


@pytest.mark.parametrize("topic", taxonomy.topic_names(include_none=False))
def test_departments_match_the_taxonomy(topic: str) -> None:
    assert department(topic) == taxonomy.department(topic)


def test_topic_none_has_no_department() -> None:
    assert department("none") is None


def test_heldout_lines_are_never_training_lines() -> None:
    heldout = {row["text"] for row in read_jsonl(DATA_DIR / HELDOUT_FILE)}
    assert heldout and not heldout & _training_texts()


def test_hard_case_sentences_are_not_training_lines() -> None:
    assert not _test_sentences() & _training_texts()


@pytest.mark.parametrize("name", ["urgency.yaml", "cues.yaml", "normalize.yaml"])
def test_yaml_files_load(name: str) -> None:
    assert load_yaml(name)


def test_urgency_rules_name_only_known_cue_groups() -> None:
    known = set(lexicon().groups)
    table = rules()
    for rule in table.emergency + table.uncertain + table.high:
        for name in rule.terms:
            assert name.removesuffix("~any") in known, name
    assert set(table.veto) <= known


def test_every_cue_group_has_phrases() -> None:
    assert all(group.phrases for group in lexicon().groups.values())


KINDS = set(taxonomy.kinds())
TOPICS = set(taxonomy.topic_names())


@pytest.mark.parametrize("name", [*TRAINING_FILES, HELDOUT_FILE])
def test_every_labelled_line_follows_the_taxonomy(name: str) -> None:
    # An inquiry about a risk ("is this job offer a scam?") may carry suicide_risk or
    # trafficking without being an emergency; a problem with either topic always is one.
    rows = read_jsonl(DATA_DIR / name)
    assert rows
    wrong = []
    for row in rows:
        kind, topic, urgency = row.get("kind"), row.get("topic"), row.get("urgency")
        if (kind not in KINDS or topic not in TOPICS or urgency not in {"emergency", "normal"}
                or (kind in {"problem", "complaint"} and topic == "none")
                or (kind in {"follow_up", "suggestion", "prank", "chitchat"} and topic != "none")
                or (kind == "problem" and topic in taxonomy.always_emergency()
                    and urgency != "emergency")):
            wrong.append((kind, topic, urgency))
    assert wrong == []
