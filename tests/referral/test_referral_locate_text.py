"""Typed places: every form citizens use resolves to the right area, or asks."""

import pytest

from referral import LocateResult, Place, extract_place, locate_text


def code_of(p: Place | None) -> str | None:
    """Return the most specific code of a place."""
    return p and (p.subdistrict_code or p.district_code or p.province_code)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # abbreviations and full words
        ("ต.แม่เหียะ อ.เมือง จ.เชียงใหม่", "500109"),
        ("ตำบลแม่เหียะ อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่", "500109"),
        ("ต. แม่เหียะ  อ. เมืองเชียงใหม่  จ. เชียงใหม่", "500109"),
        ("ต แม่เหียะ อ เมือง จ เชียงใหม่", "500109"),
        # no spaces
        ("ต.บางพลีใหญ่อ.บางพลีจ.สมุทรปราการ", "110301"),
        ("ตำบลบางพลีใหญ่อำเภอบางพลีจังหวัดสมุทรปราการ", "110301"),
        # English
        ("Bang Phli Yai, Bang Phli, Samut Prakan", "110301"),
        ("Tambon Mae Hia, Amphoe Mueang Chiang Mai, Chiang Mai 50100", "500109"),
        ("Mae Hia, Mueang Chiang Mai District, Chiang Mai 50100, Thailand", "500109"),
        ("Bang Phli Yai Bang Phli Samut Prakan", "110301"),
        # เมือง for the capital district, including a capital not named เมือง
        ("ต.หนองบัว อ.เมือง จ.อุดรธานี", "410104"),
        ("ต.ประตูชัย อ.เมือง จ.พระนครศรีอยุธยา", "140101"),
        ("ต.ในเมือง อ.เมือง จ.ขอนแก่น", "400101"),
        # typing slips and missing tone marks
        ("ต.แมเหยะ อ.เมือง จ.เชียงใหม่", "500109"),
        ("ต.แม่เหีย อ.เมือง จ.เชียงใหม่", "500109"),
        ("ต.บางพลีใหญ อ.บางพลี จ.สมุทรปราการ", "110301"),
        ("ต.บางพีลใหญ่ อ.บางพลี จ.สมุทรปราการ", "110301"),
        ("ต.บางพลีใหญ๋ อ.บางพลี จ.สมุทรปราการ", "110301"),
        # house number, หมู่, ซอย, ถนน and postal-code noise
        ("บ้านเลขที่ 45 หมู่ 7 ตำบลแม่เหียะ อำเภอเมือง เชียงใหม่ 50100", "500109"),
        ("99/12 ม.3 ซอย 5 ถนนเชียงใหม่-หางดง ต.แม่เหียะ อ.เมือง จ.เชียงใหม่", "500109"),
        ("๔๕ หมู่ ๗ ต.แม่เหียะ อ.เมือง จ.เชียงใหม่ ๕๐๑๐๐", "500109"),
        ("ต.หัวถนน อ.พนัสนิคม จ.ชลบุรี", "200610"),
        ("ต.ถนน อ.มายอ จ.ปัตตานี", "940502"),
        ("ซอยลาดกระบัง54แขวงลาดกระบัง เขตลาดกระบัง กรุงเทพฯ", "101101"),
        ("99 ถ.สุขุมวิทแขวงบางนาเหนือ เขตบางนา กทม 10260", "104702"),
        ("โทร 0812345678 ต.แม่เหียะ อ.เมือง จ.เชียงใหม่", "500109"),
        # a postal code with a subdistrict name
        ("แม่เหียะ 50100", "500109"),
        ("หนองบัว 41000", "410104"),
        # Bangkok: แขวง, เขต, กทม, กรุงเทพฯ, Bangkok, BKK
        ("แขวงลาดกระบัง เขตลาดกระบัง กรุงเทพฯ", "101101"),
        ("แขวงคลองตันเหนือ เขตวัฒนา กทม.", "103902"),
        ("Khlong Tan Nuea, Watthana, Bangkok", "103902"),
        ("Khlong Tan Nuea, Watthana, BKK", "103902"),
        ("แขวงถนนพญาไท เขตราชเทวี กรุงเทพมหานคร", "103702"),
        # district only, province only: valid coarser answers
        ("อยู่ลาดกระบังค่ะ กทม", "1011"),
        ("เขตลาดกระบัง", "1011"),
        ("อ.บางพลี", "1103"),
        ("อ.บางพลี จ.สมุทรปราการ", "1103"),
        ("อำเภอฝาง", "5009"),
        ("Fang, Chiang Mai", "5009"),
        ("จ.เชียงใหม่", "50"),
        ("เชียงใหม่", "50"),
        ("จังหวัดอุบลราชธานี", "34"),
        ("อุบล", "34"),
        ("โคราช", "30"),
        ("กรุงเทพฯ", "10"),
        ("Bangkok", "10"),
        ("Chiang Mai", "50"),
        # the same name for a subdistrict and its district
        ("บางปะหัน บางปะหัน พระนครศรีอยุธยา", "140701"),
        ("หาดใหญ่ สงขลา", "9011"),
    ],
)
def test_typed_place_resolves_to_the_area(text: str, expected: str) -> None:
    r = locate_text(text)
    assert not r.ambiguous, [c.label_th for c in r.candidates]
    assert code_of(r.best) == expected
    assert r.best is not None
    assert r.best.level == {6: "subdistrict", 4: "district", 2: "province"}[len(expected)]


@pytest.mark.parametrize(
    ("text", "some_of"),
    [
        ("ต.หนองบัว", {"410104", "160207"}),
        ("หนองบัว", {"160207"}),
        ("ต.ในเมือง", {"400101", "360101"}),
        ("สันทราย", {"5014"}),
        ("อ.เมือง", {"1101", "1201"}),
        ("ต.หนองคลาย", {"301308", "501509"}),
    ],
)
def test_ambiguous_name_lists_candidates_and_does_not_guess(text: str, some_of: set[str]) -> None:
    r = locate_text(text)
    assert r.ambiguous
    assert r.best is None or r.best.level != "subdistrict"
    codes = {code_of(c) for c in r.candidates}
    assert 2 <= len(r.candidates) <= 10
    assert codes & some_of


def test_ambiguity_inside_a_province_gives_the_province_as_best() -> None:
    r = locate_text("ต.โพธิ์ทอง จ.ร้อยเอ็ด")
    if r.ambiguous:
        assert r.best is not None and r.best.province_code == "45"
        assert all(c.province_code == "45" for c in r.candidates)


def test_candidates_come_in_a_stable_order() -> None:
    first = [c.subdistrict_code for c in locate_text("ต.หนองบัว").candidates]
    assert first == [c.subdistrict_code for c in locate_text("ต.หนองบัว").candidates]
    assert first == sorted(first)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ยายอยู่คนเดียวที่ ต.หนองบัว อ.เมือง จ.อุดรธานี ไม่มีใครดูแล", "410104"),
        ("ลูกโดนทำร้ายที่ตำบลแม่เหียะ อำเภอเมืองเชียงใหม่ ช่วยด้วย", "500109"),
        ("มีคนเร่ร่อนนอนข้างถนนแถวเขตลาดกระบังค่ะ", "1011"),
        ("ผมอยู่เชียงใหม่ครับ ไม่มีเงินซื้อข้าว", "50"),
        ("ตาป่วยติดเตียง อยู่ 50100 ต.แม่เหียะ", "500109"),
        ("แม่ไม่มีคนดูแล จ.ตาก", "63"),
        ("My grandmother lives alone in Chiang Mai", "50"),
        ("ไม่มีเงินกลับบ้าน ติดอยู่ กทม", "10"),
    ],
)
def test_extract_place_finds_explicit_places_in_a_message(text: str, expected: str) -> None:
    assert code_of(extract_place(text).best) == expected


@pytest.mark.parametrize(
    "text",
    [
        "บางครั้งไม่มีข้าวกิน",
        "ไปทุ่งนาแล้วหลงทาง",
        "หลงป่า ไม่มีใครมาช่วย",
        "ตาไม่มาดูแลเลย",
        "เอาผ้าไปตากแดด",
        "ยายป่วยมาก ลูกหลานไม่มาดูแล",
        "เมื่อ 5 ต.ค. ที่ผ่านมาโดนตี",
        "นอกเขตเมืองไม่มีรถ",
        "ไปที่ว่าการอำเภอแล้วไม่มีใครช่วย",
        "สวัสดีครับ",
        "เผยแพร่ข่าวสาร",
        "ช่วยด้วย เลย ตาก ยะลา",
        "my nan is sick and lives alone",
        "",
    ],
)
def test_extract_place_ignores_ordinary_words(text: str) -> None:
    r = extract_place(text)
    assert r.best is None
    assert not r.candidates


@pytest.mark.parametrize(
    "text",
    [None, 42, "", "   ", "???", "ค่ะ", "12345", "x" * 10_000, "ต." * 300, "\x00\ufffd", ["ต.แม่เหียะ"]],
)
def test_odd_input_never_raises(text: object) -> None:
    for fn in (locate_text, extract_place):
        r = fn(text)  # type: ignore[arg-type]
        assert isinstance(r, LocateResult)


def test_results_are_frozen_and_serialise() -> None:
    r = locate_text("ต.แม่เหียะ อ.เมือง จ.เชียงใหม่")
    assert r.best is not None
    with pytest.raises(AttributeError):
        r.best.level = "province"  # type: ignore[misc]
    d = r.to_dict()
    assert d["best"]["subdistrict_code"] == "500109"
    assert d["best"]["label_th"] == "ต.แม่เหียะ อ.เมืองเชียงใหม่ จ.เชียงใหม่"
    assert d["best"]["label_en"] == "Mae Hia, Mueang Chiang Mai, Chiang Mai"
    assert d["best"]["latitude"] is not None


def test_bangkok_labels_use_khwaeng_and_khet() -> None:
    p = locate_text("แขวงลาดกระบัง เขตลาดกระบัง กทม").best
    assert p is not None
    assert p.label_th == "แขวงลาดกระบัง เขตลาดกระบัง กรุงเทพมหานคร"
