"""The hard cases of the issue, as a table (hard_cases.jsonl): 12 categories of 8 messages.

The table was written by a separate writer from the taxonomy alone (no training file, no cue
list seen), and none of its lines is a training line. Urgency is checked line by line: a
missed emergency is the worst error, and calling a past or denied event one is the next.
Kind and topic are checked per category, as a floor: the table records known misses
instead of hiding them (see intents/README.md, "Known weaknesses").
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from intents import classify
from intents.resources import DATA_DIR, TRAINING_FILES, read_jsonl

TABLE = [json.loads(line) for line in
         (Path(__file__).resolve().parent / "hard_cases.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]
CATEGORIES = ("no_spaces", "typos", "slang", "dialect", "thai_digits_emoji", "english_mixed",
              "romanised", "voice_to_text", "euphemism", "past_vs_present", "negation",
              "two_problems")
# Kind and topic both right in at least this many of a category's 8 lines, and overall.
CATEGORY_FLOOR = 5
OVERALL_FLOOR = 0.85


def _ids(rows: list[dict[str, str]]) -> list[str]:
    return [f"{row['category']}-{i}" for i, row in enumerate(rows)]


def test_the_table_covers_every_category_and_is_not_trained_on() -> None:
    assert sorted({row["category"] for row in TABLE}) == sorted(CATEGORIES)
    assert all(sum(row["category"] == c for row in TABLE) == 8 for c in CATEGORIES)
    training = {row["text"] for name in TRAINING_FILES for row in read_jsonl(DATA_DIR / name)}
    assert not {row["text"] for row in TABLE} & training


EMERGENCIES = [row for row in TABLE if row["urgency"] == "emergency"]
NOT_EMERGENCIES = [row for row in TABLE if row["urgency"] != "emergency"]


@pytest.mark.parametrize("row", EMERGENCIES, ids=_ids(EMERGENCIES))
def test_every_emergency_is_called_one(row: dict[str, str]) -> None:
    result = classify(row["text"])
    assert (result.kind, result.urgency) == ("problem", "emergency")


@pytest.mark.parametrize("row", NOT_EMERGENCIES, ids=_ids(NOT_EMERGENCIES))
def test_no_past_denied_or_everyday_message_is_called_an_emergency(row: dict[str, str]) -> None:
    assert classify(row["text"]).urgency != "emergency"


def _right(row: dict[str, str]) -> bool:
    result = classify(row["text"])
    return (result.kind, result.topic) == (row["kind"], row["topic"])


@pytest.mark.parametrize("category", CATEGORIES)
def test_kind_and_topic_per_category(category: str) -> None:
    rows = [row for row in TABLE if row["category"] == category]
    right = sum(map(_right, rows))
    assert right >= CATEGORY_FLOOR, f"{category}: {right} of {len(rows)}"


def test_kind_and_topic_overall() -> None:
    by_category: dict[str, int] = defaultdict(int)
    for row in TABLE:
        by_category[row["category"]] += _right(row)
    assert sum(by_category.values()) / len(TABLE) >= OVERALL_FLOOR, dict(by_category)
