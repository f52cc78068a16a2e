"""One taxonomy: taxonomy/taxonomy.yaml matches the shared spec, and no copy of it exists elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import taxonomy
from intents.classifier import department as classifier_department
from referral.routing import department_for_topic

ROOT = Path(__file__).resolve().parent.parent
# The spec's table (taxonomy.md §2), written once here to check the file against it.
SPEC = {"child_protection": ("DCY", "children_youth"), "child_support": ("DCY", "children_youth"),
        "elderly_care": ("DOP", "elderly"), "elderly_benefits": ("DOP", "elderly"),
        "disability": ("DEP", "disabled"), "domestic_violence": ("DWF", "women_family"),
        "women_family": ("DWF", "women_family"), "homeless": ("DSDW", "homeless"),
        "hardship": ("DSDW", "vulnerable_household"), "trafficking": ("ATP", "trafficking_victim"),
        "suicide_risk": ("HOTLINE", "mental_crisis"), "none": (None, None)}
ALLOWED = {ROOT / "taxonomy" / "taxonomy.yaml", ROOT / "taxonomy" / "thai.py", Path(__file__).resolve()}
TOPIC = "|".join(SPEC)
DEPT = "DCY|DOP|DEP|DWF|DSDW|ATP|HOTLINE"
COPIES = {
    "topic → department": re.compile(rf"\b({TOPIC})\b[\"']?\s*[:=,]\s*[\"']?({DEPT})\b"),
    "topic → target group": re.compile(r"\b(children_youth|vulnerable_household|trafficking_victim|mental_crisis)\b"),
    # The pair on its own, as a tuple, list or set (a longer set of at-risk topics is another fact).
    "always-emergency topics": re.compile(
        r"[(\[{]\s*[\"']?(suicide_risk[\"']?,\s*[\"']?trafficking|trafficking[\"']?,\s*[\"']?suicide_risk)[\"']?\s*[)\]}]"),
    "a list of topics": re.compile(rf"([\"']?({TOPIC})[\"']?,\s*){{4,}}"),
    "a protective rule": re.compile(r"\(\s*[\"']domestic_violence[\"'],\s*[\"'](child|elderly)[\"']\s*\)"),
    "Thai-digit conversion": re.compile("๐๑๒๓๔๕๖๗๘๙"),
}


def _sources() -> list[Path]:
    skip = {".venv", ".git", "node_modules", "__pycache__"}
    found = []
    for path in ROOT.rglob("*"):
        if path.suffix in (".py", ".yaml", ".yml") and not skip & set(path.parts) and path not in ALLOWED:
            found.append(path)
    return found


@pytest.mark.parametrize("what", sorted(COPIES))
def test_no_copy_of_the_taxonomy_outside_its_file(what: str) -> None:
    pattern = COPIES[what]
    copies = [str(p.relative_to(ROOT)) for p in _sources()
              if pattern.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert not copies, f"{what} copied in {copies}: read it from taxonomy/ instead"


def test_the_guard_finds_a_copy() -> None:
    assert COPIES["topic → department"].search('child_protection: DCY')
    assert COPIES["always-emergency topics"].search('ALWAYS = ("suicide_risk", "trafficking")')
    assert COPIES["always-emergency topics"].search("always: [trafficking, suicide_risk]")
    assert not COPIES["always-emergency topics"].search('{"domestic_violence", "suicide_risk", "trafficking", "x"}')
    assert COPIES["a list of topics"].search('("hardship", "elderly_care", "child_protection", "disability", "homeless")')
    assert COPIES["Thai-digit conversion"].search('str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")')


@pytest.mark.parametrize("name", sorted(SPEC))
def test_topics_follow_the_spec(name: str) -> None:
    entry = taxonomy.topic(name)
    assert (entry.department, entry.target_group) == SPEC[name]
    assert len(entry.label_th) <= 20 and len(entry.label_en) <= 20
    assert classifier_department(name) == department_for_topic(name) == entry.department


def test_the_protective_rules_of_the_spec() -> None:
    assert taxonomy.always_emergency() == {"suicide_risk", "trafficking"}
    assert taxonomy.protective_topic("domestic_violence", ["child"]) == "child_protection"
    assert taxonomy.protective_topic("domestic_violence", ["elderly"]) == "elderly_care"
    assert taxonomy.protective_topic("women_family", ["elderly"]) == "elderly_care"
    assert taxonomy.protective_topic("hardship", ["elderly"]) == "hardship"
    assert taxonomy.protective_topic("hardship", ["elderly"], ["helpless"]) == "elderly_care"
    # A child with nowhere to sleep is child protection; with a parent, a homeless family,
    # unless the child is in danger or hurt.
    assert taxonomy.protective_topic("homeless", ["child"]) == "child_protection"
    assert taxonomy.protective_topic("homeless", ["child"], ["parent_with_child"]) == "homeless"
    assert taxonomy.protective_topic("homeless", ["child"], ["parent_with_child", "child_danger"]) \
        == "child_protection"


def test_thai_digits_become_arabic_digits() -> None:
    assert taxonomy.arabic_digits("๐๘๑-๒๓๔-๕๖๗๘ อายุ ๗๕") == "081-234-5678 อายุ 75"
