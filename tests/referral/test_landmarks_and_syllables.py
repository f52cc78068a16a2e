"""Places people name instead of an address, and words that only look like place names."""
from __future__ import annotations

import pytest

from referral.resolver import extract_place, locate_text


@pytest.mark.parametrize(("text", "code"), [
    ("พัทยา", "200402"), ("ตอนนี้อยู่พัทยาค่ะ", "200402"), ("in Pattaya", "200402"),
    ("ตอนนี้นั่งอยู่ที่สถานีขนส่งหมอชิต", "103001"), ("ใกล้ตลาดวโรรส", "500104"),
    ("อนุสาวรีย์ชัยฯ", "103701"), ("ถนนข้าวสาร", "100108"),
])
def test_a_landmark_stands_for_its_subdistrict(text, code):
    assert locate_text(text).best.subdistrict_code == code


def test_an_address_written_with_its_areas_wins_over_the_landmark():
    assert locate_text("ซอย 5 พัทยาใต้ ต.นาเกลือ อ.บางละมุง จ.ชลบุรี").best.subdistrict_code == "200408"


def test_a_landmark_inside_a_story_is_found():
    found = extract_place("Help, I am a tourist, a man locked me in a room in Pattaya")
    assert found.best is not None and found.best.province_code == "20"


@pytest.mark.parametrize("text", ["แม่อายุ 65", "แม่อายุ82ปี", "ข้าวสารหมดแล้ว", "ใกล้ตลาด"])
def test_words_that_only_look_like_a_place_are_none(text):
    assert locate_text(text).best is None


def test_the_real_names_are_still_read():
    assert locate_text("บ้านอยู่แม่อายค่ะ").best.district_code == "5010"
    assert locate_text("ต.ข้าวสาร อ.บ้านผือ").best.subdistrict_code is not None


def test_the_resolver_keeps_results_not_the_typed_words():
    """PDPA: an address typed by a citizen is not kept in the worker's memory by the cache
    (erasure cannot reach a running process); only a keyed digest and the areas are."""
    from referral import resolver

    words = "บ้านเลขที่ 99/1 หมู่ 3 ต.แม่เหียะ อ.เมือง จ.เชียงใหม่"
    first = locate_text(words)
    assert locate_text(words) is first  # kept: the second read is the same result
    kept = list(resolver._results._results)
    assert kept and all(isinstance(digest, bytes) and words.encode() not in digest for digest, _ in kept)
    assert not any(words in repr(result) for result in resolver._results._results.values())
