"""Normalisation: Unicode, Thai digits, repeated characters, spellings, abbreviations."""

from __future__ import annotations

import pytest

from intents import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("อายุ ๘๕ ปี", "อายุ 85 ปี"),
        ("เลขที่เรื่อง ๐๐๐๗๘๒", "เลขที่เรื่อง 000782"),
        ("ช่วย\u200bด้วย", "ช่วยด้วย"),
        ("\ufeffสวัสดี\u200d", "สวัสดี"),
        ("ช่วยด้วยยยยย", "ช่วยด้วย"),
        ("ค่ะะะะ", "ค่ะ"),
        ("หวัดดีครับบบบ", "หวัดดีครับ"),
        ("helpppp me", "helpp me"),
        ("555555555", "555"),
        ("โอน 1000000 บาท", "โอน 1000000 บาท"),
        ("  หลาย   ช่อง\tว่าง\n", "หลาย ช่อง ว่าง"),
        ("HELLO", "hello"),
        ("แม่\x00ป่วย\x07", "แม่ ป่วย"),
        ("เเม่", "แม่"),
        ("ได้มั๊ย", "ได้ไหม"),
        ("ทำได้มั้ยคะ", "ทำได้ไหมคะ"),
    ],
)
def test_unicode_digits_repeats_and_spacing(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_decomposed_sara_am_is_composed() -> None:
    # nikhahit + sara aa, as some keyboards type sara am
    assert normalize("ท\u0e4d\u0e32งาน") == "ทำงาน"


@pytest.mark.parametrize(
    ("raw", "contains"),
    [
        ("ผญบ.หมู่7ครับ", "ผู้ใหญ่บ้าน"),
        ("ไปรพ.สต.ใกล้บ้าน", "โรงพยาบาลส่งเสริมสุขภาพตำบล"),
        ("นอนรพ.สามวัน", "โรงพยาบาล"),
        ("แจ้งอบต.แล้ว", "องค์การบริหารส่วนตำบล"),
        ("ขอให้ พม.ช่วย", "กระทรวงพัฒนาสังคม"),
        ("อพม.ในหมู่บ้าน", "อาสาสมัครพัฒนาสังคม"),
        ("แม่อยู่เฮือนผู้เดียว", "บ้าน"),
        ("บ่ได้กิ๋นข้าว", "ไม่ได้กินข้าว"),
        ("pls help", "please help"),
    ],
)
def test_abbreviations_and_dialect_are_expanded(raw: str, contains: str) -> None:
    assert contains in normalize(raw)


def test_rapid_pm_expansion_does_not_eat_rpstt() -> None:
    text = normalize("รพ.สต.")
    assert "ส่งเสริมสุขภาพตำบล" in text


@pytest.mark.parametrize("word", ["you", "him", "yours", "summer"])
def test_english_shorthand_only_replaces_whole_words(word: str) -> None:
    assert normalize(word) == word


@pytest.mark.parametrize("raw", ["", " ", "\u200b", "\x00\x01", "👍", "a" * 10_000])
def test_never_raises(raw: str) -> None:
    assert isinstance(normalize(raw), str)
