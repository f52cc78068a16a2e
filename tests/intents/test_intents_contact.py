"""Danger in follow-ups, inquiries and complaints; lost older persons; staff complaints;
migrant workers' languages. None of these sentences is a training line (test_intents_data)."""

from __future__ import annotations

import pytest

from intents import classify

FOLLOW_UPS_WITH_DANGER = [
    "สวัสดีค่ะ เรื่องที่แจ้งไปวันอังคาร ตอนนี้แม่โดนพ่อเลี้ยงเอาเข็มขัดฟาดอยู่ในครัว",
    "ตามเรื่องที่แจ้งไว้เมื่อวานซืนครับ วันนี้เข้าไปดูตาอีกทีเจอนอนอยู่กับพื้น ลุกไม่ขึ้นแล้ว",
    "เรื่องที่แจ้งไว้เมื่อวาน วันนี้พ่อเขาตีน้องอีกแล้ว",
    "about the case I reported yesterday: today I found her on the floor and she cannot get up",
    "Following up on my report from last night - he came back an hour ago and is hitting her again",
]

FOLLOW_UPS_WITHOUT_DANGER = [
    "ตามเรื่องเดิมนะคะ เมื่อวานแจ้งเรื่องน้องโดนตี วันนี้น้องไปโรงเรียนได้แล้ว ครูดูแลอยู่ ขอบคุณค่ะ",
    "ติดตามเรื่องที่แจ้งไปเมื่อสองอาทิตย์ก่อนค่ะ ยังไม่มีใครโทรกลับมาเลย",
    "following up: the grandma I reported last Tuesday has moved in with her daughter, is the case closed?",
]


@pytest.mark.parametrize("text", FOLLOW_UPS_WITH_DANGER)
def test_a_follow_up_with_new_danger_is_an_emergency_and_stays_a_follow_up(text: str) -> None:
    result = classify(text)
    assert (result.kind, result.urgency) == ("follow_up", "emergency")


# Calm messages and the kind they are: a follow-up about past danger; a story that asks
# about a named benefit is an inquiry.
CALM = [(t, "follow_up") for t in FOLLOW_UPS_WITHOUT_DANGER] + [
    ("เบี้ยผู้สูงอายุแม่ยังไม่เข้าเลยค่ะ แม่อายุ 70 ค่ารักษาก็แพง ยื่นเรื่องที่ไหนได้บ้างคะ", "inquiry"),
    ("แม่อายุ 65 ติดเตียง อยากขอเบี้ยคนพิการให้แม่ด้วย ต้องใช้เอกสารอะไรบ้างคะ", "inquiry"),
]


@pytest.mark.parametrize("text,kind", CALM)
def test_calm_follow_ups_and_benefit_questions_keep_their_kind_and_are_no_emergency(
        text: str, kind: str) -> None:
    result = classify(text)
    assert (result.kind, result.urgency) == (kind, "normal")


def test_a_complaint_describing_danger_now_is_an_emergency_complaint() -> None:
    result = classify("เจ้าหน้าที่ไม่มาตามนัด แจ้งไปแล้วว่าพ่อติดเตียงอยู่คนเดียว ตอนนี้พ่อหายใจหอบ ไม่มีใครอยู่ด้วย")
    assert (result.kind, result.urgency) == ("complaint", "emergency")


@pytest.mark.parametrize(
    "text",
    [
        "มีคุณยายใส่ชุดนอนเดินอยู่ริมถนนสายเอเชียตอนตีสาม ไม่รู้ว่าบ้านอยู่ไหน",
        "พ่อเป็นอัลไซเมอร์ เดินหายออกไปตั้งแต่หกโมงเย็น ตอนนี้สี่ทุ่มแล้วยังไม่กลับ",
        "a confused old man is wandering on the highway tonight and can't say where he lives",
    ],
)
def test_a_lost_older_person_at_night_or_on_a_road_is_an_emergency(text: str) -> None:
    result = classify(text)
    assert (result.kind, result.topic, result.urgency) == ("problem", "elderly_care", "emergency")


def test_a_question_about_dementia_care_is_not_an_emergency() -> None:
    result = classify("ถามหน่อยค่ะ ยายเป็นอัลไซเมอร์ ชอบเดินออกนอกบ้าน มีศูนย์ดูแลกลางวันไหม")
    assert (result.kind, result.urgency) == ("inquiry", "normal")


@pytest.mark.parametrize(
    "text",
    [
        "เจ้าหน้าที่ศูนย์พูดจาไม่สุภาพ ตะคอกใส่ แล้วก็ไม่ยอมรับเรื่องครับ",
        "พนักงานที่ศูนย์ไม่ยอมรับเรื่อง แล้วยังพูดจาถากถาง ขอร้องเรียนครับ",
        "the officer at the centre was rude and would not take my report",
    ],
)
def test_a_complaint_about_a_centre_or_its_staff_is_a_complaint(text: str) -> None:
    result = classify(text)
    assert result.kind == "complaint"
    assert result.topic != "none" and result.urgency == "normal"


@pytest.mark.parametrize("text", ["ต้องใช้รูปถ่ายด้วยไหมครับ", "ต้องถ่ายสำเนาบัตรกี่ชุดคะ",
                                  "ยื่นที่อำเภอหรือที่ศูนย์คะ"])
def test_a_short_question_about_documents_is_an_inquiry(text: str) -> None:
    assert classify(text).kind == "inquiry"


MIGRANT_DANGER = [
    # (text, language, topic)
    ("ကျွန်တော့်ကို အလုပ်ရှင်က စက်ရုံထဲမှာ သော့ခတ်ထားတယ်", "my", "trafficking"),
    ("သူဌေးက လစာမပေးဘူး ကူညီပါ", "my", "trafficking"),
    ("ယောက်ျားက ကျွန်မကို ရိုက်နှက်နေတယ် ကယ်ပါ", "my", "domestic_violence"),
    ("ເຖົ້າແກ່ບໍ່ຈ່າຍເງິນເດືອນ ບໍ່ໃຫ້ອອກໄປໃສ", "lo", "trafficking"),
    ("ນາຍຈ້າງຍຶດໜັງສືຜ່ານແດນຂອງຂ້ອຍ", "lo", "trafficking"),
    ("ថៅកែដកហូតលិខិតឆ្លងដែនខ្ញុំ", "km", "trafficking"),
    ("គេវាយខ្ញុំនៅកន្លែងធ្វើការ ជួយផង", "km", "trafficking"),
    # Wanting to die is suicide risk in any script; a fall or a faint with nothing about
    # work is help now, filed as general welfare until an interpreter has called.
    ("ကျွန်မ သေချင်တယ် ဘယ်သူမှ မရှိဘူး", "my", "suicide_risk"),
    ("ຂ້ອຍບໍ່ຢາກມີຊີວິດຢູ່ແລ້ວ", "lo", "suicide_risk"),
    ("ខ្ញុំចង់ស្លាប់ណាស់", "km", "suicide_risk"),
    ("ແມ່ຂ້ອຍລົ້ມລົງໃນຫ້ອງນ້ຳ ລຸກບໍ່ໄດ້", "lo", "hardship"),
    ("ម្ដាយខ្ញុំដួល ក្រោកមិនរួច", "km", "hardship"),
    ("အဖွား လဲကျပြီး ထလို့မရဘူး", "my", "hardship"),
]


@pytest.mark.parametrize(("text", "language", "topic"), MIGRANT_DANGER)
def test_danger_in_a_migrant_language_is_an_emergency(text: str, language: str, topic: str) -> None:
    result = classify(text)
    assert result.language == language
    assert (result.kind, result.topic, result.urgency) == ("problem", topic, "emergency")


@pytest.mark.parametrize(("text", "language"), [
    ("မင်္ဂလာပါ ဘယ်မှာ လျှောက်ရမလဲ", "my"),
    ("ຂ້ອຍຢາກຖາມເລື່ອງເງິນຊ່ວຍເຫຼືອເດັກນ້ອຍ", "lo"),
    ("ខ្ញុំចង់សួរអំពីប័ណ្ណជនពិការ", "km"),
])
def test_other_messages_in_a_migrant_language_are_inquiries_asked_about_danger(
        text: str, language: str) -> None:
    result = classify(text)
    assert (result.language, result.kind, result.topic, result.urgency) == (
        language, "inquiry", "none", "normal")
    assert result.emergency_uncertain


def test_a_photo_word_in_burmese_is_not_a_beating() -> None:
    # ရိုက် is "to hit" but also "to take" a photo (ဓာတ်ပုံရိုက်); only danger forms count.
    result = classify("ဓာတ်ပုံရိုက်ပြီး ပို့ရမလား")
    assert result.urgency == "normal"


def test_thai_written_by_a_migrant_worker_is_a_trafficking_emergency() -> None:
    result = classify("ผมคนพม่า นายจ้างเอาพาสปอตผมไป ไม่จ่ายตังค์มาสี่เดือนแล้ว ออกไปไหนไม่ได้เลย")
    assert (result.language, result.kind, result.topic, result.urgency) == (
        "th", "problem", "trafficking", "emergency")


@pytest.mark.parametrize("text", [
    "ကျွန်မ အလုပ်ရှင်အိမ်မှာ ရှိတယ် ช่วยด้วยค่ะ",
    "ຂ້ອຍຢູ່ສວນຢາງ ບໍ່ມີໃຜ ช่วยด้วย",
])
def test_thai_help_inside_a_migrant_script_is_an_emergency(text: str) -> None:
    result = classify(text)
    assert (result.kind, result.topic, result.urgency) == ("problem", "trafficking", "emergency")


def test_thai_help_in_a_thai_message_is_not_trafficking() -> None:
    assert classify("ช่วยด้วยค่ะ กรอกแบบฟอร์มเบี้ยผู้สูงอายุไม่เป็น").topic != "trafficking"


@pytest.mark.parametrize("text", [
    "สอบถามค่ะ ที่เคยแจ้งเรื่องลูกไม่ได้เงินอุดหนุน ต้องไปยื่นที่อำเภออีกรอบไหมคะ",
    "เคยแจ้งเรื่องพ่อติดเตียงไว้ค่ะ ตอนนี้พ่อหายใจรวยริน ปลุกไม่ตื่น อยู่กันสองคน",
])
def test_a_message_about_an_earlier_report_is_a_follow_up(text: str) -> None:
    assert classify(text).kind == "follow_up"


def test_medical_distress_in_a_follow_up_is_an_emergency() -> None:
    result = classify("เคยแจ้งเรื่องพ่อติดเตียงไว้ค่ะ ตอนนี้พ่อหายใจรวยริน ปลุกไม่ตื่น อยู่กันสองคน")
    assert result.urgency == "emergency"


SELF_HARM_FOLLOW_UPS = [
    ("ติดตามเรื่องที่เคยปรึกษาไว้ค่ะ ตอนนี้พี่สาวเขียนโน้ตลาตายแล้วล็อกห้องเงียบไปเลย", "suicide_risk"),
    ("about my report on Monday: my brother just texted goodbye and says he took all his pills",
     "suicide_risk"),
]


@pytest.mark.parametrize("text,topic", SELF_HARM_FOLLOW_UPS)
def test_self_harm_in_a_follow_up_keeps_the_kind_and_names_the_topic_it_is_about(
        text: str, topic: str) -> None:
    # The kind is what the contact is; the danger makes it an emergency, and the likely
    # topic goes along for the emergency numbers and the department (issue 10 §3).
    result = classify(text)
    assert (result.kind, result.topic, result.urgency) == ("follow_up", "none", "emergency")
    assert result.alternatives[0][0] == topic


@pytest.mark.parametrize("text", [
    "อยากถามเรื่องเบี้ยคนพิการค่ะ ตอนนี้น้าเป็นอัมพาตอยู่คนเดียว ลุกจากเตียงไม่ได้ ไม่ได้กินข้าวมาสองวัน",
    "เงินช่วยงานศพขอยังไงคะ พ่อตายแล้ว แม่อายุ 83 ติดเตียงอยู่คนเดียวตอนนี้ ไม่มีใครป้อนข้าว",
])
def test_someone_alone_who_cannot_get_up_or_eat_is_an_emergency_inside_a_benefit_question(
        text: str) -> None:
    assert classify(text).urgency == "emergency"


def test_burmese_words_match_however_they_are_spaced() -> None:
    # "Not allowed to go out. Please help." with a space inside the phrase.
    result = classify("အပြင်ထွက်ခွင့် မပေးဘူး။ ကူညီ ပေးပါ")
    assert (result.urgency, result.topic) == ("emergency", "trafficking")


@pytest.mark.parametrize("text", [
    "แม่อุ้ยบ้านใกล้ อยู่ผู้เดียว เดินบ่ได้ บ่มีกิ๋นมาสองมื้อแล้วเจ้า",   # Northern
    "พ่อใหญ่อยู่ผู้เดียว ลุกบ่ได้ บ่มีข้าวกินมาแต่มื้อวาน",              # Isan
])
def test_an_older_person_alone_who_cannot_walk_or_eat_is_an_emergency_in_dialect(text: str) -> None:
    assert classify(text).urgency == "emergency"


@pytest.mark.parametrize("text", [
    "มีเด็กขอทานพาน้องมานั่งหน้าตลาด ผู้ชายคนนึงมาเก็บเงินไปทุกชั่วโมง",
    "ลุงตาบอดถูกพามาขอทานที่สะพานลอย มีรถตู้มาส่งตอนเช้า",
    "พ่อแม่ไม่อยู่ หนูอายุ 12 อยู่กับน้องสองคน ไม่มีผู้ใหญ่ ไม่มีข้าวกิน",
])
def test_exploited_or_abandoned_children_and_disabled_people_are_emergencies(text: str) -> None:
    assert classify(text).urgency == "emergency"
