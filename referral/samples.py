"""A generated table of typed places with known answers, for tests and the benchmark."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from referral.gazetteer import BANGKOK, Area, area, display_name_th, subdistrict_codes
from referral.places import Place

_TONES = re.compile(r"[\u0e48-\u0e4b]")
_CONSONANTS = "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮ"


@dataclass(frozen=True, slots=True)
class Sample:
    """A typed place, the kind of input it is, and the code it must resolve to."""

    form: str
    text: str
    expected: str  # 6-, 4- or 2-digit code


def _names(code: str) -> tuple[str, str, str]:
    """Return the Thai subdistrict, district and province names of a subdistrict."""
    s, d, p = area(code), area(code[:4]), area(code[:2])
    assert s and d and p
    return s.name_th, display_name_th(d), p.name_th


def _slip(name: str, rng: random.Random) -> str:
    """Return the name with one typing slip: a letter dropped, doubled, swapped or replaced."""
    i = rng.randrange(len(name))
    op = rng.choice("drsx")
    if op == "d" and len(name) > 4:
        return name[:i] + name[i + 1:]
    if op == "r" and name[i] in _CONSONANTS:
        return name[:i] + rng.choice(_CONSONANTS) + name[i + 1:]
    if op == "s" and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name[:i] + name[i] + name[i:]


def _typed(code: str, rng: random.Random) -> Iterator[Sample]:
    """Yield the typed forms of one subdistrict."""
    sub, dist, prov = _names(code)
    s = area(code)
    assert s is not None
    bkk = code.startswith(BANGKOK)
    t, a, j = ("แขวง", "เขต", "") if bkk else ("ต.", "อ.", "จ.")
    prov_typed = rng.choice(["กทม", "กรุงเทพฯ", "กรุงเทพมหานคร"]) if bkk else prov
    yield Sample("markers", f"{t}{sub} {a}{dist} {j}{prov_typed}", code)
    long_t, long_a, long_j = ("แขวง", "เขต", "") if bkk else ("ตำบล", "อำเภอ", "จังหวัด")
    yield Sample("full_words", f"{long_t}{sub} {long_a}{dist} {long_j}{prov_typed}", code)
    yield Sample("no_spaces", f"{t}{sub}{a}{dist}{j}{prov_typed}", code)
    if code[2:4] == "01" and not bkk:
        yield Sample("mueang", f"{t}{sub} อ.เมือง {j}{prov}", code)
    slipped = _slip(sub, rng) if len(sub) >= 4 else sub  # a slip in a 3-letter name is another name
    if len(sub) > 7:
        slipped = _slip(slipped, rng)
    if slipped != sub:
        yield Sample("typo", f"{t}{slipped} {a}{dist} {j}{prov_typed}", code)
    toneless = _TONES.sub("", f"{t}{sub} {a}{dist} {j}{prov_typed}")
    if toneless != f"{t}{sub} {a}{dist} {j}{prov_typed}":
        yield Sample("no_tones", toneless, code)
    house = f"{rng.randint(1, 300)}/{rng.randint(1, 9)} หมู่ {rng.randint(1, 15)}"
    yield Sample("noise", f"บ้านเลขที่ {house} ซอย{rng.randint(1, 20)} {t}{sub} {a}{dist} "
                          f"{j}{prov_typed} {s.postal_codes[0]}", code)
    yield Sample("postal", f"{sub} {s.postal_codes[0]}", code)
    if _english_is_unique(code):
        d, p = _area(code[:4]), _area(code[:2])
        yield Sample("english", f"{s.name_en}, {d.name_en}, {p.name_en}", code)
    yield Sample("unmarked", f"{sub} {dist} {prov_typed}", code)
    yield from _harder(code, rng)


def _harder(code: str, rng: random.Random) -> Iterator[Sample]:
    """Yield forms closer to real chat: a part left out, slips elsewhere, LINE-style addresses."""
    sub, dist, prov = _names(code)
    s, d, p = area(code), area(code[:4]), area(code[:2])
    assert s and d and p
    bkk = code.startswith(BANGKOK)
    t, a, j = ("แขวง", "เขต", "") if bkk else ("ต.", "อ.", "จ.")
    if _unique_in(code, 2):
        yield Sample("no_district", f"{t}{sub} {j}{prov if not bkk else 'กทม'}", code)
    if _unique_in(code, 4) and not bkk:
        yield Sample("no_province", f"{t}{sub} {a}{dist}", code)
    if len(dist) >= 5:
        yield Sample("typo_district", f"{t}{sub} {a}{_slip(dist, rng)} {j}{prov}", code)
    if len(prov) >= 5 and not bkk:
        yield Sample("typo_province", f"{t}{sub} {a}{dist} {j}{_slip(prov, rng)}", code)
    filler = rng.choice(["อยู่", "บ้านอยู่", "ตอนนี้อยู่ที่", "แถว"])
    end = rng.choice(["ค่ะ", "ครับ", "นะคะ", ""])
    yield Sample("chatty", f"{filler} {t}{sub} {a}{dist} {j}{prov}{end}", code)
    yield Sample("line_address", f"{rng.randint(1, 200)} หมู่ {rng.randint(1, 12)} "
                                 f"{'แขวง' if bkk else 'ตำบล'}{sub} {'เขต' if bkk else 'อำเภอ'}{dist} "
                                 f"{'' if bkk else 'จังหวัด'}{prov} {s.postal_codes[0]} ประเทศไทย", code)
    if _english_is_unique(code):
        words = ("Khwaeng", "Khet") if bkk else ("Tambon", "Amphoe")
        yield Sample("english_marked", f"{words[0]} {s.name_en}, {words[1]} {d.name_en}, {p.name_en} "
                                       f"{s.postal_codes[0]}", code)
        yield Sample("english_suffix", f"{s.name_en} Subdistrict, {d.name_en} District, "
                                       f"{p.name_en} Province", code)


def _area(code: str) -> Area:
    """Return a current area that is known to exist."""
    found = area(code)
    assert found is not None
    return found


@cache
def _name_counts() -> Counter[tuple[str, str]]:
    """Count subdistrict names (Thai, English) per province, district and postal code."""
    counts: Counter[tuple[str, str]] = Counter()
    for c in subdistrict_codes():
        s = _area(c)
        for scope in (c[:2], c[:4], *s.postal_codes):
            counts.update({(scope, s.name_th), (scope, s.name_en)})
    return counts


def _unique_in(code: str, size: int) -> bool:
    """Tell whether the subdistrict's name is unique within its province (2) or district (4)."""
    return _name_counts()[(code[:size], _area(code).name_th)] == 1


def _coarse(code: str, rng: random.Random) -> Iterator[Sample]:
    """Yield district-only and province-only forms around one subdistrict."""
    _, dist, prov = _names(code)
    if code.startswith(BANGKOK):
        if not _khwaeng_elsewhere(code[:4]):
            yield Sample("bangkok_casual", f"อยู่{dist}{rng.choice(['ค่ะ', 'ครับ', ''])} กทม", code[:4])
        yield Sample("district_only", f"เขต{dist} กรุงเทพฯ", code[:4])
    else:
        yield Sample("district_only", f"อ.{dist} จ.{prov}", code[:4])
    yield Sample("province_only", rng.choice([f"จ.{prov}", prov, f"จังหวัด{prov}"]), code[:2])


def _english_is_unique(code: str) -> bool:
    """Tell whether no other subdistrict of the district has the same English name."""
    return _name_counts()[(code[:4], _area(code).name_en)] == 1


def _khwaeng_elsewhere(district: str) -> bool:
    """Tell whether a khwaeng of another khet bears this khet's name (บางกะปิ): truly ambiguous."""
    name = display_name_th(_area(district))
    return any(c[:4] != district and _area(c).name_th == name for c in subdistrict_codes())


def _postal_is_unique(code: str) -> bool:
    """Tell whether name + first postal code points at one subdistrict only."""
    s = _area(code)
    return _name_counts()[(s.postal_codes[0], s.name_th)] == 1


def _unique_in_district(code: str) -> bool:
    """Tell whether no other subdistrict of the district shares the name (the answer is knowable)."""
    return _unique_in(code, 4)


def samples(n_places: int = 400, seed: int = 7) -> list[Sample]:
    """Return a reproducible table of typed places for n_places random subdistricts."""
    rng = random.Random(seed)
    codes = rng.sample(subdistrict_codes(), n_places)
    table: list[Sample] = []
    for code in codes:
        if not _unique_in_district(code):
            continue
        for sample in _typed(code, rng):
            if sample.form != "postal" or _postal_is_unique(code):
                table.append(sample)
        table.extend(_coarse(code, rng))
    return table


def is_exact(expected: str, place: Place | None) -> bool:
    """Tell whether a place is exactly the expected area (6-, 4- or 2-digit code) at its level."""
    if place is None:
        return False
    level = {6: "subdistrict", 4: "district", 2: "province"}[len(expected)]
    got = {6: place.subdistrict_code, 4: place.district_code, 2: place.province_code}[len(expected)]
    return place.level == level and got == expected
