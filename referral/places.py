"""The results of the place resolver: Place and LocateResult."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from referral.gazetteer import BANGKOK, area, display_name_th


@dataclass(frozen=True)
class Place:
    """An area of Thailand the citizen is in, at subdistrict, district or province level."""

    level: str
    subdistrict_code: str | None
    district_code: str | None
    province_code: str | None
    confidence: float
    label_th: str
    label_en: str
    latitude: float | None = None
    longitude: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the place as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class LocateResult:
    """The answer to 'where is the person?': a best place, candidates, and flags."""

    best: Place | None = None
    candidates: tuple[Place, ...] = ()
    ambiguous: bool = False
    outside_thailand: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict."""
        return {
            "best": self.best.to_dict() if self.best else None,
            "candidates": [c.to_dict() for c in self.candidates],
            "ambiguous": self.ambiguous,
            "outside_thailand": self.outside_thailand,
        }


NOTHING = LocateResult()


@cache
def _labels(code: str) -> tuple[str, str]:
    """Return the Thai and English labels of an area, from the subdistrict up."""
    parts_th: list[str] = []
    parts_en: list[str] = []
    bangkok = code.startswith(BANGKOK)
    marks = ("แขวง", "เขต", "") if bangkok else ("ต.", "อ.", "จ.")
    for size, mark in zip((6, 4, 2), marks, strict=True):
        a = area(code[:size]) if len(code) >= size else None
        if a is not None:
            parts_th.append(mark + display_name_th(a))
            parts_en.append(a.name_en)
    return " ".join(parts_th), ", ".join(parts_en)


def make_place(code: str, confidence: float, lat: float | None = None,
               lon: float | None = None) -> Place:
    """Return the Place of a current area code (2, 4 or 6 digits)."""
    label_th, label_en = _labels(code)
    return Place(
        level={2: "province", 4: "district", 6: "subdistrict"}[len(code)],
        subdistrict_code=code if len(code) == 6 else None,
        district_code=code[:4] if len(code) >= 4 else None,
        province_code=code[:2],
        confidence=round(max(0.0, min(1.0, confidence)), 3),
        label_th=label_th,
        label_en=label_en,
        latitude=lat,
        longitude=lon,
    )
