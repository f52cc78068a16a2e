"""Resolve a LINE location pin to the subdistrict whose centroid is nearest."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from referral.centroids import centroids
from referral.gazetteer import key, place_words
from referral.places import LocateResult, make_place
from referral.resolver import locate_text

CELL = 0.05  # degrees, about 5.5 km: a handful of centroids per cell
KM_PER_DEG_LAT = 110.57
KM_PER_DEG_LON = 111.32
OUTSIDE_KM = 50.0  # farther than this from every centroid is not in Thailand
TIE_KM = 0.05  # centroids closer than this to each other cannot be told apart
NEIGHBOURS = 8
# A rough box around Thailand: anything outside it is rejected without a search.
BOX = (5.5, 20.6, 97.3, 105.7)
_MIN_COS = math.cos(math.radians(BOX[1]))
_MAX_RING = int(OUTSIDE_KM / (KM_PER_DEG_LON * _MIN_COS * CELL)) + 1


COARSE = 0.5  # degrees, about 55 km: wider than OUTSIDE_KM


@dataclass(frozen=True, slots=True)
class PinIndex:
    """Centroids bucketed in a regular grid of CELL degrees."""

    cells: dict[tuple[int, int], tuple[tuple[float, float, str], ...]]
    indexed: frozenset[str]
    # Coarse cells with a centroid in them or next to them: a pin elsewhere (the sea,
    # a neighbouring country) is outside without a search.
    near_land: frozenset[tuple[int, int]]


@cache
def pin_index() -> PinIndex:
    """Build the grid from centroids taken from the 2018 file (not from district means)."""
    cells: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    indexed = set()
    for code, c in centroids().items():
        # A district mean sits in the district's middle and would steal pins from the real
        # subdistrict there; those codes are reached through LINE's address text instead.
        if c.source == "district_mean":
            continue
        cell = (math.floor(c.latitude / CELL), math.floor(c.longitude / CELL))
        cells.setdefault(cell, []).append((c.latitude, c.longitude, code))
        indexed.add(code)
    coarse = {(math.floor(c.latitude / COARSE), math.floor(c.longitude / COARSE))
              for code, c in centroids().items() if code in indexed}
    near_land = {(y + dy, x + dx) for y, x in coarse for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
    return PinIndex({k: tuple(v) for k, v in cells.items()}, frozenset(indexed), frozenset(near_land))


def nearest(lat: float, lon: float, k: int = 1) -> list[tuple[float, str]]:
    """Return up to k (distance in km, code) nearest centroids within OUTSIDE_KM."""
    index = pin_index()
    if (math.floor(lat / COARSE), math.floor(lon / COARSE)) not in index.near_land:
        return []
    cells = index.cells
    cy, cx = math.floor(lat / CELL), math.floor(lon / CELL)
    kx = KM_PER_DEG_LON * math.cos(math.radians(lat))
    found: list[tuple[float, str]] = []
    for ring, offsets in enumerate(_RINGS):
        for oy, ox in offsets:
            bucket = cells.get((cy + oy, cx + ox))
            if bucket:
                found.extend((((plat - lat) * KM_PER_DEG_LAT) ** 2 + ((plon - lon) * kx) ** 2, code)
                             for plat, plon, code in bucket)
        # Every point not yet seen is at least `ring` whole cells away.
        if len(found) >= k:
            found.sort()
            reach = ring * CELL * kx
            if found[k - 1][0] <= reach * reach:
                break
    found.sort()
    limit = OUTSIDE_KM ** 2
    return [(math.sqrt(d), c) for d, c in found[:k] if d <= limit]


def _ring(r: int) -> tuple[tuple[int, int], ...]:
    """Return the cell offsets on the square ring r around a cell."""
    if r == 0:
        return ((0, 0),)
    edges = [(y, x) for y in (-r, r) for x in range(-r, r + 1)]
    sides = [(y, x) for y in range(-r + 1, r) for x in (-r, r)]
    return tuple(edges + sides)


_RINGS = tuple(_ring(r) for r in range(_MAX_RING + 1))


def _number(value: object) -> float | None:
    """Return a finite float from a number or a numeric string, or None."""
    if isinstance(value, bool):
        return None
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


@cache
def _foreign_keys() -> tuple[str, ...]:
    """Return the keys of other countries' names."""
    return tuple(key(c) for c in place_words()["foreign_countries"])


def _names_foreign_country(address: str) -> bool:
    """Tell whether LINE's address text names another country (and not Thailand)."""
    k = key(address) if address else ""
    # "สถานทูตเมียนมา ... กรุงเทพมหานคร ประเทศไทย" is in Thailand.
    if not k or "ประเทศไทย" in k or "thailand" in k:
        return False
    return any(c in k for c in _foreign_keys())


OUTSIDE = LocateResult(outside_thailand=True)


def locate_pin(latitude: float, longitude: float, address: str | None = None) -> LocateResult:
    """Resolve a LINE location pin (and its address text) to a subdistrict; never raises."""
    try:
        return _locate_pin(latitude, longitude, address)
    except Exception:  # a bad pin must not break the conversation; it asks again
        return LocateResult()


def _locate_pin(latitude: object, longitude: object, address: object) -> LocateResult:
    """Do the work of locate_pin."""
    lat, lon = _number(latitude), _number(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return LocateResult()
    text = address if isinstance(address, str) else ""
    if not (BOX[0] <= lat <= BOX[1] and BOX[2] <= lon <= BOX[3]) or _names_foreign_country(text):
        return OUTSIDE
    near = nearest(lat, lon, NEIGHBOURS if text else 3)
    if not near:
        return OUTSIDE
    if text:
        checked = _cross_check(near, text, lat, lon)
        if checked is not None:
            return checked
    return _from_nearest(near, lat, lon)


def _from_nearest(near: list[tuple[float, str]], lat: float, lon: float) -> LocateResult:
    """Return the nearest centroid's subdistrict; ambiguous when centroids coincide."""
    d1, code = near[0]
    tied = [c for d, c in near if d - d1 < TIE_KM]
    border = len(near) > 1 and near[1][0] < d1 * 1.15 + 0.5
    confidence = 0.75 if border else 0.9
    if len(tied) == 1:
        place = make_place(code, confidence, lat, lon)
        return LocateResult(best=place, candidates=(place,))
    # Areas split after 2018 share their parent's point: ask which one.
    common = _common(tied)
    candidates = tuple(make_place(c, 0.5, lat, lon) for c in tied)
    best = make_place(common, 0.8, lat, lon) if common else None
    return LocateResult(best=best, candidates=candidates, ambiguous=True)


def _common(codes: list[str]) -> str | None:
    """Return the most specific area containing all codes."""
    for n in (4, 2):
        if all(c[:n] == codes[0][:n] for c in codes):
            return codes[0][:n]
    return None


def _named_code(address: str) -> str | None:
    """Return the most specific area LINE's address text names clearly, or None."""
    found = locate_text(address)
    p = found.best
    if p is None:
        return None
    return p.subdistrict_code or p.district_code or p.province_code


def _cross_check(near: list[tuple[float, str]], address: str, lat: float,
                 lon: float) -> LocateResult | None:
    """Prefer a near candidate that LINE's address agrees with; None to keep the nearest."""
    named = _named_code(address)
    if named is None:
        return None
    d1 = near[0][0]
    close = [c for d, c in near if d <= max(2 * d1, d1 + 5.0)]
    for rank, code in enumerate(close):
        if code.startswith(named) or named.startswith(code):
            place = make_place(code, 0.97 if rank == 0 else 0.8, lat, lon)
            return LocateResult(best=place, candidates=(place,))
    if _has_no_point(named, near[0][1]):
        # The centroids cannot tell here (Bueng Kan, Mae Hia): LINE's own geocoding can.
        place = make_place(named, 0.7, lat, lon)
        return LocateResult(best=place, candidates=(place,))
    return None


def _has_no_point(named: str, nearest_code: str) -> bool:
    """Tell whether the named area cannot win by distance (its centroid is unknown or estimated)."""
    indexed = pin_index().indexed
    if len(named) == 6 and named in indexed:
        return False
    if len(named) == 6 and named[:4] == nearest_code[:4]:
        return True
    return named[:4] not in _indexed_districts()


@cache
def _indexed_districts() -> frozenset[str]:
    """Return the district and province codes that have at least one point in the grid."""
    return frozenset(p for c in pin_index().indexed for p in (c[:4], c[:2]))
