"""Thailand's current administrative areas (geothai) indexed for name lookup."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import geothai

from taxonomy import yamlfile
from taxonomy.thai import DIGIT_TABLE

LEVEL_OF_LENGTH = {2: "province", 4: "district", 6: "subdistrict"}
BANGKOK = "10"

# Dots, spaces and the like differ between how names are written and typed.
_KEY_DROP = re.compile(r"[\s.\-'’‘`,()ฯ\u200b\u200c\u200d\ufeff]")
# Tone marks, mai taikhu and thanthakhat: citizens often leave them out.
_TONES = re.compile(r"[\u0e47-\u0e4c]")
# A tone mark typed before an upper vowel renders the same but compares differently.
_TONE_BEFORE_VOWEL = re.compile(r"([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e37\u0e47])")


@dataclass(frozen=True, slots=True)
class Area:
    """A current province, district or subdistrict."""

    code: str
    level: str
    name_th: str
    name_en: str
    postal_codes: tuple[str, ...] = ()


def canonical(text: str) -> str:
    """Return text in NFC with ASCII digits, one form of sara am and tone marks in order."""
    text = unicodedata.normalize("NFC", text).translate(DIGIT_TABLE)
    text = text.replace("\u0e4d\u0e32", "\u0e33")
    return _TONE_BEFORE_VOWEL.sub(r"\2\1", text).lower()


def key(text: str) -> str:
    """Return the comparison key of a name: canonical, without spaces or punctuation."""
    return _KEY_DROP.sub("", canonical(text))


def skeleton(text_key: str) -> str:
    """Return a key without tone marks, for citizens who leave them out."""
    return _TONES.sub("", text_key)


def display_name_th(area: Area) -> str:
    """Return the Thai name without the 'เขต' prefix geothai gives Bangkok districts."""
    if area.level == "district" and area.code.startswith(BANGKOK) and area.name_th.startswith("เขต"):
        return area.name_th[3:]
    return area.name_th


@cache
def areas() -> dict[str, Area]:
    """Return every current area by DOPA code."""
    found: dict[str, Area] = {}
    for p in geothai.provinces():
        found[p.code] = Area(p.code, "province", p.name_th, p.name_en)
        for d in geothai.districts(p.code):
            found[d.code] = Area(d.code, "district", d.name_th, d.name_en)
            for s in geothai.subdistricts(d.code):
                found[s.code] = Area(s.code, "subdistrict", s.name_th, s.name_en, s.postal_codes)
    return found


def area(code: str | None) -> Area | None:
    """Return the current area with this code, or None."""
    return areas().get(code) if code else None


@cache
def subdistrict_codes() -> tuple[str, ...]:
    """Return all current subdistrict codes, sorted."""
    return tuple(sorted(c for c, a in areas().items() if a.level == "subdistrict"))


@cache
def postal_index() -> dict[str, frozenset[str]]:
    """Return subdistrict codes by postal code."""
    found: dict[str, set[str]] = {}
    for a in areas().values():
        for postal in a.postal_codes:
            found.setdefault(postal, set()).add(a.code)
    return {k: frozenset(v) for k, v in found.items()}


@cache
def place_words() -> dict:
    """Return the editable word lists of referral/data/places.yaml."""
    text = files("referral").joinpath("data/places.yaml").read_text(encoding="utf-8")
    return yamlfile.safe_load(text)


def _name_keys(a: Area) -> set[str]:
    """Return the Thai and English keys an area is known by."""
    names = {display_name_th(a), a.name_en}
    for name in list(names):
        if "(" in name:  # "ปอภาร (ปอพาน)": both forms are in use
            outer, inner = name.split("(", 1)
            names |= {outer, inner.rstrip(")")}
    if a.level == "district" and a.name_en.lower().startswith("mueang "):
        names.add("muang " + a.name_en[7:])
    return {k for k in map(key, names) if k}


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Exact and tone-less keys of every area, per level."""

    exact: dict[str, dict[str, tuple[str, ...]]]
    toneless: dict[str, dict[str, tuple[str, ...]]]
    capitals: tuple[str, ...]
    capital_words: frozenset[str]
    lengths: tuple[int, ...]


def _add(index: dict[str, dict[str, list[str]]], level: str, k: str, code: str) -> None:
    """Add a code under a key, once."""
    codes = index[level].setdefault(k, [])
    if code not in codes:
        codes.append(code)


def _freeze(index: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Return the index with sorted tuples."""
    return {lv: {k: tuple(sorted(v)) for k, v in d.items()} for lv, d in index.items()}


@cache
def name_index() -> NameIndex:
    """Build the name index (cached; about 50 ms)."""
    exact: dict[str, dict[str, list[str]]] = {lv: {} for lv in LEVEL_OF_LENGTH.values()}
    for a in areas().values():
        for k in _name_keys(a):
            _add(exact, a.level, k, a.code)
    for code, aliases in place_words()["province_aliases"].items():
        for alias in aliases:
            _add(exact, "province", key(str(alias)), str(code))
    toneless: dict[str, dict[str, list[str]]] = {lv: {} for lv in exact}
    for level, by_key in exact.items():
        for k, codes in by_key.items():
            for code in codes:
                _add(toneless, level, skeleton(k), code)
    capitals = tuple(c for c, a in areas().items()
                     if a.level == "district" and c.endswith("01") and not c.startswith(BANGKOK))
    words = frozenset(key(w) for w in place_words()["capital_district_words"])
    lengths = tuple(sorted({len(k) for d in exact.values() for k in d}, reverse=True))
    return NameIndex(_freeze(exact), _freeze(toneless), capitals, words, lengths)
