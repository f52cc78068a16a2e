"""Subdistrict centroids: the 2018 open-data file mapped onto today's DOPA codes."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from geothai.abolished import abolished_areas

from referral.gazetteer import areas, key, skeleton

CSV_NAME = "tambon_centroids_2018.csv"
# The 2018 file writes some names with a prefix, a municipality or a footnote star.
_NAME_NOISE = re.compile(r"^(?:แขวง|ตำบล|ต\.|เทศบาลเมือง|เทศบาลนคร|เทศบาล)|\*|\(.*\)|\s+")


@dataclass(frozen=True, slots=True)
class Centroid:
    """A point for a current subdistrict, and where it came from."""

    latitude: float
    longitude: float
    source: str  # "csv" | "recoded" | "successor" | "district_mean"


@dataclass(frozen=True, slots=True)
class _Row:
    code: str
    name: str
    lat: float
    lon: float


def _clean(name: str) -> str:
    """Return a 2018 name in comparison form."""
    return skeleton(key(_NAME_NOISE.sub("", name)))


def _read_rows() -> list[_Row]:
    """Read the shipped CSV rows that have coordinates."""
    text = files("referral").joinpath(f"data/{CSV_NAME}").read_text(encoding="utf-8")
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        if r["latitude"].strip() and r["longitude"].strip():
            rows.append(_Row(r["subdistrict_code"].strip(), _clean(r["subdistrict_th"]),
                             float(r["latitude"]), float(r["longitude"])))
    return rows


class _Mapper:
    """Assigns 2018 rows to current codes, strongest evidence first."""

    def __init__(self, rows: list[_Row]) -> None:
        self.rows = {r.code: r for r in rows}
        self.groups: dict[str, list[_Row]] = {}
        for r in rows:
            for size in (2, 4):
                self.groups.setdefault(r.code[:size], []).append(r)
        self.used: set[str] = set()
        self.found: dict[str, Centroid] = {}
        self.current = {c: _clean(a.name_th) for c, a in areas().items() if a.level == "subdistrict"}

    def take(self, code: str, row: _Row, source: str) -> None:
        """Give a row's point to a current code."""
        self.found[code] = Centroid(row.lat, row.lon, source)
        self.used.add(row.code)

    def free_rows(self, prefix: str) -> list[_Row]:
        """Return unused rows whose 2018 code starts with prefix."""
        return [r for r in self.groups.get(prefix, ()) if r.code not in self.used]

    def by_code_and_name(self) -> None:
        """Same code, same name: the common case."""
        for code, name in self.current.items():
            row = self.rows.get(code)
            if row and row.name == name:
                self.take(code, row, "csv")

    def by_name_in_area(self, size: int, source: str) -> None:
        """Same name within the same district (size 4) or province (size 2): a re-coding."""
        for code, name in self.current.items():
            if code in self.found:
                continue
            same = [r for r in self.free_rows(code[:size]) if r.name == name]
            if len(same) == 1:
                self.take(code, same[0], source)

    def by_code(self) -> None:
        """Same code, a spelling fix or a rename: the code still names the same area."""
        for code in self.current:
            row = self.rows.get(code)
            if code not in self.found and row and row.code not in self.used:
                self.take(code, row, "csv")

    def by_successor(self) -> None:
        """An abolished 2018 code whose area passed to current codes."""
        for gone in abolished_areas():
            row = self.rows.get(gone.code)
            if gone.level != "subdistrict" or row is None:
                continue
            for code in gone.successors:
                if code in self.current and code not in self.found:
                    self.found[code] = Centroid(row.lat, row.lon, "successor")

    def by_district_mean(self) -> None:
        """The mean of the district's other points, for codes still without one."""
        by_district: dict[str, list[Centroid]] = {}
        for k, c in self.found.items():
            by_district.setdefault(k[:4], []).append(c)
        for code in self.current:
            near = by_district.get(code[:4])
            if code not in self.found and near:
                lat = sum(c.latitude for c in near) / len(near)
                lon = sum(c.longitude for c in near) / len(near)
                self.found[code] = Centroid(round(lat, 5), round(lon, 5), "district_mean")


@cache
def centroids() -> dict[str, Centroid]:
    """Return a centroid for every current subdistrict code that can have one."""
    m = _Mapper(_read_rows())
    m.by_code_and_name()
    m.by_name_in_area(4, "recoded")
    m.by_code()
    m.by_name_in_area(2, "recoded")
    m.by_successor()
    m.by_district_mean()
    return dict(sorted(m.found.items()))


def area_centroid(code: str) -> tuple[float, float] | None:
    """Return the mean centroid of a subdistrict, district or province code."""
    if len(code) == 6:
        c = centroids().get(code)
        return (c.latitude, c.longitude) if c else None
    return _area_means().get(code)


@cache
def _area_means() -> dict[str, tuple[float, float]]:
    """Return the mean point of every district and province that has centroids."""
    sums: dict[str, list[float]] = {}
    for code, c in centroids().items():
        for prefix in (code[:4], code[:2]):
            s = sums.setdefault(prefix, [0.0, 0.0, 0])
            s[0] += c.latitude
            s[1] += c.longitude
            s[2] += 1
    return {k: (round(a / n, 5), round(b / n, 5)) for k, (a, b, n) in sums.items()}
