"""Danger the thirteenth held-out set showed missing (session 12), in sentences written for
these tests, each with a calm counterpart that must stay calm: a person gone missing, a fever
or confusion in an older person, someone alone who cannot walk and has run out of water, an
older person dumped somewhere, a knife being sharpened, a victim who must go home to the
abuser tonight, an abusive partner back in the house."""

from __future__ import annotations

import pytest

from intents import classify

DANGER = [
    "ยายหายตัวไปตั้งแต่เมื่อวาน แกเป็นอัลไซเมอร์ หาทั่วหมู่บ้านแล้ว",
    "คุณตาข้างบ้านไข้ขึ้นสูงมาสองวัน อยู่บ้านคนเดียว",
    "แม่ล้มในห้องน้ำเมื่อชั่วโมงก่อน ตอนนี้เริ่มพูดไม่รู้เรื่อง",
    "มีคนเอาคุณตามาปล่อยไว้หน้าวัดตั้งแต่เช้า แกเดินไม่ได้",
    "แฟนเก่าที่เคยทำร้ายหนูมาหน้าห้อง กำลังลับมีดอยู่ หนูล็อกประตูไว้",
    "เคส OSS-2569-000123 ค่ะ ตอนนี้ยายเริ่มพูดไม่รู้เรื่องแล้ว ตัวร้อนมาก",
    "ตามเรื่องที่แจ้งไว้ค่ะ ผัวเก่ากลับมาอีกแล้ว ยืนลับมีดอยู่หน้าบ้าน",
    # A partner "back home" is the abuser back, not someone safe home.
    "แจ้งไว้เมื่อวานค่ะ สามีกลับมาบ้านแล้ว ถือมีดด่าลูกอยู่",
    # A question that tells of today's danger is still an emergency (its kind stays inquiry).
    "สอบถามค่ะ ถ้าจะพาพ่อไปบ้านพักคนชราต้องทำยังไง ตอนนี้พ่ออยู่ตัวคนเดียว เดินไม่ได้ น้ำดื่มก็หมดแล้ว",
]
CALM = [
    "หมาที่บ้านหายไปสองวันแล้ว",
    "น้ำดื่มในหมู่บ้านไม่สะอาด อยากให้ช่วยตรวจ",
    "ลูกพูดไม่รู้เรื่อง ดื้อมาก ไม่ยอมไปโรงเรียน ทำยังไงดี",
    "พ่อมีดลับเก่ง ขายมีดที่ตลาด อยากขอทุนประกอบอาชีพ",
    "เคสเมื่อวานค่ะ ตอนนี้ยายพูดรู้เรื่องแล้ว ขอบคุณมากค่ะ",
    "ตามเรื่องค่ะ ตาที่หายตัวไปเจอแล้วนะคะ อยู่กับญาติแล้ว",
    "สามีที่หายไปสามวันกลับมาบ้านแล้วค่ะ ขอบคุณที่ช่วยตามหา",
    "ผัวกลับมาบ้านแล้วค่ะ ขอยกเลิกเรื่องที่แจ้งหาย",
]


@pytest.mark.parametrize("text", DANGER)
def test_danger_told_in_these_words_is_an_emergency(text: str) -> None:
    assert classify(text).urgency == "emergency"


@pytest.mark.parametrize("text", CALM)
def test_the_same_words_in_calm_messages_are_no_emergency(text: str) -> None:
    assert classify(text).urgency != "emergency"


def test_someone_dumped_who_cannot_walk_is_at_least_asked_about_in_a_follow_up() -> None:
    result = classify("เรื่องที่แจ้งเมื่อวาน ยายที่ถูกทอดทิ้งไว้ที่ศาลาวัด ตอนนี้ยังไม่มีใครมารับเลย แกเดินเองไม่ได้")
    assert result.urgency == "emergency" or result.emergency_uncertain
