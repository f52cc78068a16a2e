"""Property-based fuzzing of the pure parsers: any text gives an answer of the right shape."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.phone import find_phone, normalize_phone
from intents import classify
from intents.evaluate import KINDS, TOPICS
from referral import extract_place, locate_pin, locate_text

# Thai, Lao, Burmese and Khmer letters, digits of every script, emoji, controls and surrogates.
ALPHABET = st.characters(codec="utf-8") | st.sampled_from(list("กขคงตำบลอำเภอจังหวัด๐๑๒๓๔๕ ๖๗๘๙-+()"))
TEXTS = st.text(alphabet=ALPHABET, max_size=400) | st.text(max_size=5000)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_classifier_gives_a_label_of_the_taxonomy_for_any_text(text):
    c = classify(text)
    assert c.kind in KINDS and c.topic in TOPICS
    assert c.urgency in ("emergency", "high", "normal")
    assert 0.0 <= c.confidence <= 1.0


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_place_parser_gives_places_or_nothing_for_any_text(text):
    for result in (locate_text(text), extract_place(text)):
        assert result.best is None or result.best.level in ("subdistrict", "district", "province")
        assert all(p.level in ("subdistrict", "district", "province") for p in result.candidates)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True),
       st.none() | st.text(max_size=300))
def test_pin_lookup_never_fails_on_odd_coordinates(lat, lon, address):
    result = locate_pin(lat, lon, address=address)
    assert result.best is None or result.best.level in ("subdistrict", "district", "province")


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_phone_parser_finds_a_number_or_nothing_for_any_text(text):
    found = find_phone(text)
    assert found is None or (found == normalize_phone(found) and found.lstrip("+").isdigit())
