"""Language detection, including Burmese, Lao and Khmer scripts and romanised Thai."""

from __future__ import annotations

import pytest

from intents import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("สวัสดีค่ะ อยากสอบถามเรื่องเบี้ยคนพิการ", "th"),
        ("my neighbour's son is being beaten right now", "en"),
        ("ကျွန်တော့်ကို ကူညီပါ", "my"),
        ("ຊ່ວຍແດ່ ຂ້ອຍຖືກຂັງ", "lo"),
        ("សូមជួយខ្ញុំផង", "km"),
        ("lost my job ตั้งแต่โควิด rent ค้าง 3 months แล้วค่ะ", "th"),
        ("chuay duay khrap phua tee chan", "th"),
        ("yak tai laew ka", "th"),
        # No letters at all: the service's language, never "other" (the bot would answer
        # "we answer in Thai and English only" to a sticker or "?").
        ("👍", "th"),
        ("", "th"),
        ("12345", "th"),
        ("你好", "other"),  # letters of a script the service does not read
        ("help ช่วยด้วย", "th"),
    ],
)
def test_detects_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_burmese_mixed_with_a_thai_word_is_burmese() -> None:
    assert detect_language("ကျွန်တော့်ကို ကူညီပါ 1300 ช่วย") == "my"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ເຖົ້າແກ່ບໍ່ຈ່າຍເງິນເດືອນ", "lo"),  # Lao block U+0E80-U+0EFF, not Thai
        ("ນາຍຈ້າງຍຶດໜັງສືຜ່ານແດນ ช่วยด้วย", "lo"),
        ("သူဌေးက လစာမပေးဘူး", "my"),
        ("ថៅកែមិនបើកប្រាក់ខែ", "km"),
        ("หนูเป็นคนพม่า นายจ้างไม่ให้ออกจากบ้าน", "th"),  # Thai written by a migrant worker
    ],
)
def test_migrant_scripts_are_told_apart_from_thai(text: str, language: str) -> None:
    assert detect_language(text) == language
