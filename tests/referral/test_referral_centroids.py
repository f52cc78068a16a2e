"""Centroids: the 2018 file mapped onto current codes."""

import pytest

from referral.centroids import centroids
from referral.gazetteer import subdistrict_codes


def test_every_current_subdistrict_outside_bueng_kan_has_a_point() -> None:
    missing = [c for c in subdistrict_codes() if c not in centroids()]
    assert all(c.startswith("38") for c in missing)
    assert len(missing) == 53


@pytest.mark.parametrize(
    ("code", "source"),
    [
        ("500101", "csv"),  # same code, same name
        ("500108", "recoded"),  # Suthep: the 2018 row carries code 500109
        ("141108", "recoded"),  # names swapped between two codes in 2018
        ("402902", "recoded"),  # a district re-coded as a whole (Khon Kaen)
        ("104702", "successor"),  # Bang Na split in two
        ("500109", "district_mean"),  # Mae Hia: no 2018 row of its own
    ],
)
def test_centroid_sources(code: str, source: str) -> None:
    assert centroids()[code].source == source


def test_points_are_inside_thailand() -> None:
    for c in centroids().values():
        assert 5.5 < c.latitude < 20.6 and 97.3 < c.longitude < 105.7
