"""LINE location pins: nearest centroid through the grid, outside Thailand, address cross-check."""

import math
import random

import pytest

from referral import LocateResult, locate_pin
from referral.centroids import centroids
from referral.pins import KM_PER_DEG_LAT, KM_PER_DEG_LON, nearest, pin_index


def brute_force(lat: float, lon: float) -> str:
    """Return the nearest indexed centroid by scanning them all (the reference)."""
    kx = KM_PER_DEG_LON * math.cos(math.radians(lat))
    indexed = pin_index().indexed
    return min(
        (((c.latitude - lat) * KM_PER_DEG_LAT) ** 2 + ((c.longitude - lon) * kx) ** 2, code)
        for code, c in centroids().items() if code in indexed
    )[1]


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (18.7963, 98.9853, "500101"),  # Si Phum, old city of Chiang Mai
        (13.7286, 100.7776, "101101"),  # Lat Krabang
        (7.0086, 100.4747, "901101"),  # Hat Yai
        (14.4, 100.0, None),  # rural Suphan Buri: any subdistrict, just resolved
    ],
)
def test_pin_resolves_to_the_nearest_subdistrict(lat: float, lon: float, expected: str | None) -> None:
    r = locate_pin(lat, lon)
    assert r.best is not None and r.best.level == "subdistrict"
    assert r.best.subdistrict_code == (expected or brute_force(lat, lon))
    assert (r.best.latitude, r.best.longitude) == (lat, lon)


def test_grid_agrees_with_a_full_scan() -> None:
    rng = random.Random(3)
    points = [(rng.uniform(5.7, 20.4), rng.uniform(97.4, 105.6)) for _ in range(400)]
    for lat, lon in points:
        near = nearest(lat, lon)
        if near:
            assert near[0][1] == brute_force(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon", "address"),
    [
        (35.68, 139.69, None),  # Tokyo
        (0.0, 0.0, None),
        (3.14, 101.69, None),  # Kuala Lumpur: inside the box's longitude, south of it
        (11.55, 104.92, None),  # Phnom Penh: more than 50 km from any centroid
        (17.97, 102.61, "Vientiane, Laos"),  # across the Mekong: LINE's address tells
        (16.8, 96.15, None),  # Yangon
    ],
)
def test_pin_outside_thailand_is_reported(lat: float, lon: float, address: str | None) -> None:
    r = locate_pin(lat, lon, address)
    assert r.outside_thailand
    assert r.best is None


@pytest.mark.parametrize("bad", [("x", 1), (None, None), (float("nan"), 100.0), (True, 100.0),
                                 (1e308, 1e308), ({}, [])])
def test_bad_coordinates_never_raise(bad: tuple) -> None:
    r = locate_pin(*bad)
    assert isinstance(r, LocateResult) and r.best is None


def test_an_embassy_named_after_another_country_is_still_in_thailand() -> None:
    r = locate_pin(13.7245, 100.5302, "132 ถนนสาทร สถานทูตเมียนมา แขวงสีลม เขตบางรัก กรุงเทพมหานคร 10500 ประเทศไทย")
    assert not r.outside_thailand and r.best is not None and r.best.province_code == "10"


def test_numeric_strings_are_accepted() -> None:
    assert locate_pin("18.7963", "98.9853").best is not None


def test_address_prefers_a_near_candidate_it_names() -> None:
    lat, lon = 18.7905, 98.9853  # between Si Phum (500101) and Phra Sing (500102)
    near = [c for _, c in nearest(lat, lon, 4)]
    other = near[1]
    from referral.places import make_place

    label = make_place(other, 1.0).label_th
    r = locate_pin(lat, lon, address=f"12 ถนนราชดำเนิน {label} 50200 ประเทศไทย")
    assert r.best is not None and r.best.subdistrict_code == other


def test_address_that_agrees_raises_confidence() -> None:
    plain = locate_pin(18.7963, 98.9853).best
    checked = locate_pin(18.7963, 98.9853, "ต.ศรีภูมิ อ.เมืองเชียงใหม่ จ.เชียงใหม่ 50200").best
    assert plain and checked and checked.confidence > plain.confidence


def test_address_names_a_subdistrict_without_a_2018_point() -> None:
    # Mae Hia (500109) has only a district-mean point, kept out of the grid.
    r = locate_pin(18.75, 98.95, "ถนนเชียงใหม่-หางดง ต.แม่เหียะ อ.เมืองเชียงใหม่ จ.เชียงใหม่ 50100")
    assert r.best is not None and r.best.subdistrict_code == "500109"


def test_bueng_kan_has_no_centroids_and_is_taken_from_the_address() -> None:
    r = locate_pin(18.36, 103.65, "ต.บึงกาฬ อ.เมืองบึงกาฬ จ.บึงกาฬ 38000 ประเทศไทย")
    assert r.best is not None and r.best.subdistrict_code == "380101"


def test_subdistricts_sharing_a_point_are_ambiguous() -> None:
    # Bang Na Nuea and Bang Na Tai were one khwaeng in 2018: one point for both.
    r = locate_pin(13.672, 100.616)
    assert r.ambiguous
    assert r.best is not None and r.best.level == "district" and r.best.district_code == "1047"
    assert {c.subdistrict_code for c in r.candidates} == {"104702", "104703"}
