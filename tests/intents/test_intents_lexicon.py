"""Cue matching: negation and past time are scoped to their clause."""

from __future__ import annotations

import pytest

from intents.lexicon import scan
from intents.normalize import normalize
from intents.resources import load_yaml


def _state(text: str, group: str) -> str | None:
    cue = scan(normalize(text)).get(group)
    if cue is None:
        return None
    return "active" if cue.active else "negated" if cue.negated else "past"


@pytest.mark.parametrize(
    ("text", "group", "state"),
    [
        ("ไม่ได้โดนทำร้ายนะคะ", "violence", "negated"),
        ("โดนทำร้ายค่ะ", "violence", "active"),
        ("ไม่ได้คิดสั้นนะ", "self_harm", "negated"),
        ("คิดสั้นอยู่", "self_harm", "active"),
        ("เคยโดนตีเมื่อปีที่แล้ว", "violence", "past"),
        ("เมื่อปีที่แล้วโดนตี ตอนนี้ก็ยังตีอยู่", "violence", "active"),
        ("ไม่ได้ล้อเล่นนะ", "prank", "negated"),
        # negation in an earlier clause does not reach the cue
        ("ไม่ได้อยากรบกวน ผัวตีหนูอยู่", "violence", "active"),
        ("ตื่นตีห้าทุกวัน", "violence", None),
        ("i know the way", "now", None),
        ("he is hitting her right now", "violence", "active"),
    ],
)
def test_cue_state(text: str, group: str, state: str | None) -> None:
    assert _state(text, group) == state


def test_fuzzy_match_catches_a_typo_in_a_long_phrase() -> None:
    assert _state("คิดจะฆ่าตัวตยา", "self_harm") == "active"


def test_fuzzy_match_does_not_fire_on_unrelated_text() -> None:
    assert _state("อยากตามเรื่องเบี้ยค่ะ", "self_harm") is None


def test_no_cue_phrase_normalises_into_a_single_character() -> None:
    # "ฟฟฟ" once normalised to "ฟ" and "???" to "?": every "แฟน" and every question then
    # carried the prank cue, and "ช่วยด้วย แฟนกำลังตีอยู่" was kept as a prank.
    groups = (load_yaml("cues.yaml").get("groups")) or {}
    shrunk = [(name, phrase) for name, spec in groups.items() for key in ("phrases", "exclude", "fuzzy")
              for phrase in (spec or {}).get(key) or []
              if len(normalize(str(phrase))) < 2 <= len(str(phrase).strip())]
    assert shrunk == []


@pytest.mark.parametrize("text", ["ช่วยด้วย แฟนกำลังตีอยู่", "ไฟไหม้บ้าน?", "ทำไมยังไม่มีใครโทรมา???"])
def test_everyday_letters_and_question_marks_are_not_prank_cues(text: str) -> None:
    assert _state(text, "prank") is None
