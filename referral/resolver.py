"""Resolve a typed place to current subdistrict, district and province codes."""

from __future__ import annotations

import bisect
import hashlib
import math
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz, process

from referral.centroids import area_centroid
from referral.gazetteer import (
    LEVEL_OF_LENGTH,
    NameIndex,
    key,
    name_index,
    place_words,
    postal_index,
    skeleton,
)
from referral.places import NOTHING, LocateResult, Place, make_place
from referral.textparse import Segment, parse

LEVELS = ("province", "district", "subdistrict")
# Evidence weights. A marked exact name is certain; a bare name is a little less so;
# a province name alone is by far the most likely meaning of a bare word.
MARKED = 1.0
UNMARKED = {"province": 0.92, "district": 0.88, "subdistrict": 0.88}
SUBSTRING_PENALTY = 0.06
# A name found inside a longer run of Thai has at least this many characters: "วัด", "โรง",
# "เลย" inside a word are ordinary words; typed alone or with ต./อ./จ. they are still read.
MIN_INNER_NAME = 4
TONELESS_FACTOR = 0.95
CAPITAL_WORD = 0.6
POSTAL_EXACT = 0.7
POSTAL_DISTRICT = 0.5
POSTAL_PROVINCE = 0.3
FUZZY_TIE = 5.0
TIE_MARGIN = 0.02
MAX_CANDIDATES = 10
# Short province names that are never ordinary words, accepted inside free text.
STRICT_SHORT_NAMES = frozenset({"กทม", "bkk"})
# Bounds on work per text: a place has a few parts; a pasted paragraph must stay cheap.
MAX_SEGMENTS = 8
MAX_FUZZY_KEY = 40
_ASCII_WORD = re.compile(r"[a-z][a-z.'\-]*")


@dataclass
class Mention:
    """One piece of evidence: the areas it may mean, each with a score."""

    scores: dict[str, float] = field(default_factory=dict)
    postal: frozenset[str] | None = None

    def add(self, code: str, score: float) -> None:
        """Keep the best score per code."""
        if score > self.scores.get(code, 0.0):
            self.scores[code] = score


def _postal_support(postal: frozenset[str], anchor: str) -> float:
    """Return the support of a postal code: its subdistricts, their district, their province."""
    if anchor in postal:
        return POSTAL_EXACT
    if any(c[:4] == anchor[:4] for c in postal) and len(anchor) >= 4:
        return POSTAL_DISTRICT
    # A citizen may give the postal code of the town next door, in the same province.
    return POSTAL_PROVINCE if any(c[:2] == anchor[:2] for c in postal) else 0.0


# ----------------------------------------------------------------- matching


def _lookup(idx: NameIndex, levels: tuple[str, ...], k: str) -> list[tuple[str, float]]:
    """Return (code, factor) for exact then tone-less matches of a key."""
    found = [(c, 1.0) for lv in levels for c in idx.exact[lv].get(k, ())]
    if found:
        return found
    sk = skeleton(k)
    return [(c, TONELESS_FACTOR) for lv in levels for c in idx.toneless[lv].get(sk, ())]


def _capital_mention(idx: NameIndex, k: str, weight: float) -> Mention | None:
    """Return a mention of 'เมือง' (any capital district), or None."""
    if k not in idx.capital_words:
        return None
    m = Mention()
    for code in idx.capitals:
        m.add(code, weight)
    return m


def _match_marked(idx: NameIndex, seg: Segment, scope: set[str], strict: bool) -> Mention | None:
    """Match the name after a level word: exact, then a longer text's prefix, then fuzzy."""
    k = key(seg.text)
    if len(k) < 2 or seg.level is None:
        return None
    cap = _capital_mention(idx, k, CAPITAL_WORD) if seg.level == "district" else None
    if cap:
        return cap
    m = Mention()
    for code, f in _lookup(idx, (seg.level,), k):
        m.add(code, MARKED * f)
    cutoff = 90 if strict else 75
    # A slip can turn a name into another one elsewhere (ภาชี -> ทาชี ~ ท่าชี): look inside
    # the named province or district too.
    if scope and seg.level != "province" and not any(c[:len(p)] == p for c in m.scores for p in scope):
        _match_fuzzy(seg.level, k, scope, m, cutoff=cutoff, weight=0.9)
    if not m.scores:
        _match_prefix(idx, seg.level, k, m)
    if not m.scores:
        _match_fuzzy(seg.level, k, set(), m, cutoff=cutoff, weight=0.9)
    return m if m.scores else None


def _match_prefix(idx: NameIndex, level: str, k: str, m: Mention) -> None:
    """Match the longest name the text starts with ('หนองบัวไม่มีใครดูแล')."""
    exact = idx.exact[level]
    for n in idx.lengths:
        # A name one letter shorter than the text is more likely a slip than a run-on.
        if n < 4 or n > len(k) - 2:
            continue
        for code in exact.get(k[:n], ()):
            m.add(code, MARKED * 0.95)
        if m.scores:
            return
    if k.startswith("เมือง") and len(k) > 5:  # "อ.เมืองอุดร": capital of a short-named province
        for code, f in _lookup(idx, ("province",), k[5:]):
            m.add(code + "01", MARKED * f * 0.9)


def _match_fuzzy(level: str, k: str, scope: set[str], m: Mention, cutoff: float,
                 weight: float) -> None:
    """Add names within a typing slip or two of the key, inside the scope when one is known."""
    if not 3 <= len(k) <= MAX_FUZZY_KEY:
        return
    keys, codes = _fuzzy_choices(level, frozenset(scope), len(k), cutoff / 100.0)
    hits = process.extract(k, keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=12) if keys else []
    # "แม่อายุ" is แม่อาย plus a vowel mark: a word of its own, not a slip for the name.
    hits = [h for h in hits if not (k.startswith(h[0]) and _splits_a_syllable(k, 0, len(h[0])))]
    if not hits:
        return
    # Names a few points apart are equally likely slips: give them one score, so they tie.
    best = hits[0][1]
    for _, score, i in hits:
        if score >= best - FUZZY_TIE:
            for code in codes[i]:
                m.add(code, weight * best / 100.0)


def _fuzzy_choices(level: str, scope: frozenset[str], n: int,
                   c: float) -> tuple[list[str], list[tuple[str, ...]]]:
    """Return the keys of a level that can reach similarity c with an n-letter key, and codes."""
    if scope:
        grouped: dict[str, list[str]] = {}
        for prefix in scope:
            for k, code in _keys_under(level).get(prefix, ()):
                grouped.setdefault(k, []).append(code)
        return list(grouped), [tuple(v) for v in grouped.values()]
    # Similarity is at most 2·min(a, b)/(a + b): only names of nearby lengths can qualify.
    keys, codes, lengths = _level_choices(level)
    lo = bisect.bisect_left(lengths, math.ceil(n * c / (2 - c)))
    hi = bisect.bisect_right(lengths, math.floor(n * (2 - c) / c))
    return keys[lo:hi], codes[lo:hi]


@cache
def _level_choices(level: str) -> tuple[list[str], list[tuple[str, ...]], list[int]]:
    """Return every key of a level, its codes and its length, sorted by length."""
    items = sorted(name_index().exact[level].items(), key=lambda kv: (len(kv[0]), kv[0]))
    return [k for k, _ in items], [v for _, v in items], [len(k) for k, _ in items]


@cache
def _keys_under(level: str) -> dict[str, list[tuple[str, str]]]:
    """Return (key, code) pairs of a level grouped by province and district code."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for k, codes in name_index().exact[level].items():
        for code in codes:
            for n in (2, 4):
                if len(code) > n:
                    grouped.setdefault(code[:n], []).append((k, code))
    return grouped


def _unmarked_mentions(idx: NameIndex, seg: Segment, strict: bool) -> list[Mention]:
    """Return mentions found in text without a level word."""
    found: list[Mention] = []
    for run in re.findall(r"[a-z][a-z .'\-]*|[^\sa-z]+", seg.text)[:MAX_SEGMENTS]:
        run = run.strip()
        if not run:
            continue
        if run[0].isascii():
            found.extend(_ascii_mentions(idx, run, strict))
        else:
            found.extend(_thai_mentions(idx, run, strict))
    return found


def _whole(idx: NameIndex, k: str, strict: bool) -> Mention | None:
    """Return the mention of a whole word that is a name, or None."""
    if strict and len(k) < 5 and k not in STRICT_SHORT_NAMES:
        return None  # "เลย", "ตาก", "Nan": ordinary words before they are provinces
    if len(k) < 3:
        return None  # "ตา", "ยา": a word, not a place
    levels = ("province",) if strict else LEVELS
    m = (None if strict else _capital_mention(idx, k, CAPITAL_WORD * 0.85)) or Mention()
    for code, f in _lookup(idx, levels, k):
        m.add(code, UNMARKED[LEVEL_OF_LENGTH[len(code)]] * f)
    return m if m.scores else None


def _ascii_mentions(idx: NameIndex, run: str, strict: bool) -> list[Mention]:
    """Return mentions in English words: longest word sequences that are names."""
    words = [key(w) for w in _ASCII_WORD.findall(run)]
    words = [w for w in words if w]
    found: list[Mention] = []
    i = 0
    while i < len(words):
        for n in range(min(6, len(words) - i), 0, -1):
            m = _whole(idx, "".join(words[i:i + n]), strict)
            if m:
                found.append(m)
                i += n
                break
        else:
            i += 1
    if not found and not strict and words:
        m = Mention()
        for level in LEVELS:
            _match_fuzzy(level, "".join(words), set(), m, cutoff=85, weight=0.8)
        if m.scores:
            found.append(m)
    return found


@cache
def _not_places() -> re.Pattern[str]:
    """Everyday words holding a short place name (places.yaml not_places), longest first."""
    words = sorted({key(w) for w in place_words().get("not_places", ())}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else re.compile(r"(?!)")


_PARTICLE_END = re.compile(r"(ค่ะ|คะ|ครับ|คับ|จ้า|จ้ะ|นะ|เด้อ|เจ้า)+$")


def _thai_mentions(idx: NameIndex, run: str, strict: bool) -> list[Mention]:
    """Return mentions in Thai text without spaces: the whole word, else names inside it."""
    k = key(run)
    # "ลาดพร้าวค่ะ": the name before a polite particle ("แม่ค่ะ" is mother, not ต.แม่คะ).
    bare = key(_PARTICLE_END.sub("", run)) or k
    whole = _whole(idx, bare, strict)
    if whole:
        return [whole]
    if strict:
        return _strict_province_scan(idx, k)
    # Everyday words first out ("โรงพยาบาล", "ได้เลย"), then names inside what is left.
    k = _not_places().sub("|", bare)
    found = [m for part in k.split("|") if part for m in (_substring_scan(idx, part) or [])]
    k = k.replace("|", "")
    if not found and len(k) >= 3:
        m = Mention()
        for level in LEVELS:
            _match_fuzzy(level, k, set(), m, cutoff=85, weight=0.8)
        if m.scores:
            found.append(m)
    return found


# Thai marks that belong to the consonant before them (vowels above and below, tone marks) and
# vowels written before their consonant: a name cannot end before the first or start after the
# second ("แม่อายุ" is "mother is aged", not อ.แม่อาย + "ุ").
_FOLLOWING_MARK = re.compile("[\u0e31\u0e34-\u0e3a\u0e45\u0e47-\u0e4e]")
_LEADING_VOWEL = re.compile("[\u0e40-\u0e44]")


def _splits_a_syllable(k: str, start: int, end: int) -> bool:
    """Whether k[start:end] cuts through a Thai syllable at either end."""
    return bool((end < len(k) and _FOLLOWING_MARK.match(k[end]))
                or (start > 0 and _LEADING_VOWEL.match(k[start - 1])))


def _substring_scan(idx: NameIndex, k: str) -> list[Mention]:
    """Return the longest non-overlapping names inside a run ('อยู่ลาดกระบังค่ะ')."""
    hits: list[tuple[int, int, list[tuple[str, float]]]] = []
    for i in range(len(k)):
        for n in idx.lengths:
            if n < MIN_INNER_NAME or i + n > len(k) or _splits_a_syllable(k, i, i + n):
                continue
            codes = [(c, 1.0) for lv in LEVELS for c in idx.exact[lv].get(k[i:i + n], ())]
            if codes:
                hits.append((i, n, codes))
                break
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []
    for i, n, codes in sorted(hits, key=lambda h: (-h[1], h[0])):
        if any(i < e and s < i + n for s, e in taken):
            continue
        taken.append((i, i + n))
        m = Mention()
        for code, f in codes:
            m.add(code, (UNMARKED[LEVEL_OF_LENGTH[len(code)]] - SUBSTRING_PENALTY) * f)
        found.append(m)
    return found


def _strict_province_scan(idx: NameIndex, k: str) -> list[Mention]:
    """Return full province names of five letters or more found inside free text."""
    found = []
    for name, codes in idx.exact["province"].items():
        if len(name) >= 5 and not name.isascii() and name in k:
            m = Mention()
            for code in codes:
                m.add(code, UNMARKED["province"] - SUBSTRING_PENALTY)
            found.append(m)
    return found


# ----------------------------------------------------------------- combining


def _mentions(text: str, strict: bool) -> list[Mention]:
    """Return the evidence in a text: postal codes, marked names, then unmarked names."""
    idx = name_index()
    parsed = parse(text)
    found: list[Mention] = []
    for postal in parsed.postal_codes:
        found.append(Mention(postal=postal_index()[postal]))
    marked = [s for s in parsed.segments if s.marked][:MAX_SEGMENTS]
    unmarked = [s for s in parsed.segments if not s.marked][:MAX_SEGMENTS]
    for seg in unmarked:
        found.extend(_unmarked_mentions(idx, seg, strict))
    scope = _scope(found, marked, idx)
    for seg in marked:
        m = _match_marked(idx, seg, scope if seg.level != "province" else set(), strict)
        if m:
            found.append(m)
    return found


def _scope(found: list[Mention], marked: list[Segment], idx: NameIndex) -> set[str]:
    """Return the provinces or districts named exactly, to narrow fuzzy matching."""
    scope: set[str] = set()
    for seg in marked:
        if seg.level in ("province", "district"):
            k = key(seg.text)
            scope.update(c for c, f in _lookup(idx, (seg.level,), k) if f == 1.0)
    for m in found:
        if m.postal is not None:
            scope.update(c[:4] for c in m.postal)
        elif len(m.scores) == 1:
            scope.update(c for c in m.scores if len(c) < 6)
    return scope


def _anchor_totals(mentions: list[Mention]) -> dict[str, float]:
    """Score every area any mention could mean by the support of all mentions."""
    anchors: set[str] = set()
    for m in mentions:
        anchors.update(m.scores)
        if m.postal is not None:
            anchors.add(_common_area(sorted(m.postal)) or "")
    anchors.discard("")
    return {a: _total(a, mentions) for a in anchors}


def _total(anchor: str, mentions: list[Mention]) -> float:
    """Return the support for an anchor; each level of it is explained by one mention at most."""
    chain = [anchor[:n] for n in (2, 4, 6) if n <= len(anchor)]
    total = 0.0
    offers: list[tuple[float, int, str]] = []
    for i, m in enumerate(mentions):
        if m.postal is not None:
            total += _postal_support(m.postal, anchor)
            continue
        offers.extend((m.scores[c], i, c) for c in chain if c in m.scores)
    # "บางปะหัน บางปะหัน": the same name twice means the subdistrict and its district.
    used: set[object] = set()
    for score, i, c in sorted(offers, reverse=True):
        if i not in used and c not in used:
            used.update((i, c))
            total += score
    return total


def _common_area(codes: list[str]) -> str | None:
    """Return the most specific area containing all codes, or None."""
    for n in (6, 4, 2):
        if codes and all(c[:n] == codes[0][:n] for c in codes):
            return codes[0][:n]
    return None


def _top(totals: dict[str, float]) -> list[str]:
    """Return the tied best areas, coarsest kept when one contains another."""
    best = max(totals.values())
    tied = [a for a, t in totals.items() if t >= best - TIE_MARGIN]
    tied = [a for a in tied if not any(o != a and a.startswith(o) for o in tied)]
    return sorted(tied, key=lambda a: (-totals[a], len(a), a))


def _place(code: str, confidence: float) -> Place:
    """Return the Place of a code with its centroid."""
    point = area_centroid(code)
    return make_place(code, confidence, *(point or (None, None)))


def _resolve(text: object, strict: bool) -> LocateResult:
    """Resolve text to a LocateResult; never raises on odd input."""
    if not isinstance(text, str) or not text.strip():
        return NOTHING
    return _resolve_text(text[:500], strict)


# The same words are resolved more than once: a first message is read for a place by the
# understanding and again by the question that follows, a correction is tried as a place
# and then answered as one, and in a surge many people write the same few words ("น้ำท่วม
# บ้าน", a district's name). The result depends only on the text and the gazetteer (loaded
# once, never changed in a running process) and is immutable (frozen dataclasses, tuples),
# so the last few thousand are kept.
RESOLVE_CACHE = 4096


class _ResultCache:
    """The last RESOLVE_CACHE results, keyed by a keyed hash of the text, not the text: a
    typed address ("12/3 หมู่ 4 …") is personal data, and "delete my data" cannot reach
    the memory of every running process. The key is random per process, so a digest
    cannot be matched against guessed texts; the results hold only administrative areas."""

    def __init__(self, size: int) -> None:
        self.size, self._key = size, os.urandom(16)
        self._results: OrderedDict[tuple[bytes, bool], LocateResult] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), key=self._key, digest_size=16).digest()

    def get(self, text: str, strict: bool, compute) -> LocateResult:
        k = (self._digest(text), strict)
        with self._lock:
            found = self._results.get(k)
            if found is not None:
                self._results.move_to_end(k)
                return found
        result = compute(text, strict)
        with self._lock:
            self._results[k] = result
            if len(self._results) > self.size:
                self._results.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._results.clear()


_results = _ResultCache(RESOLVE_CACHE)


def clear_cache() -> None:
    """Forget every kept result (benchmarks measure a new text's cost)."""
    _results.clear()


def _resolve_text(text: str, strict: bool) -> LocateResult:
    return _results.get(text, strict, _resolve_uncached)


def warm() -> None:
    """Build the name index, the fuzzy tables and the centroids now, not in the first
    citizen's turn (about half a second, measured in the worker's cProfile)."""
    for text in ("ต.แม่เหียะ อ.เมือง จ.เชียงใหม่", "แขวงคลองจั่น เขตบางกะปิ กรุงเทพ", "หาดใหญ่"):
        _resolve_uncached(text, False)
        _resolve_uncached(text, True)


def _resolve_uncached(text: str, strict: bool) -> LocateResult:
    landmark = _landmark(text)
    if landmark is not None and not any(seg.marked for seg in parse(text).segments):
        # "อนุสาวรีย์ชัยฯ" is the Victory Monument, not แขวงอนุสาวรีย์ (Bang Khen); an address
        # written with ต./อ./แขวง/เขต says more than the landmark and is read as usual.
        return LocateResult(best=landmark, candidates=(landmark,))
    found = _resolve_names(text, strict)
    if (found.best is None or found.ambiguous) and landmark is not None:
        return LocateResult(best=landmark, candidates=(landmark,))
    return found


LANDMARK_CONFIDENCE = 0.85


@cache
def _landmarks() -> tuple[tuple[str, str], ...]:
    """Landmark keys (places.yaml landmarks) and their codes, longest first."""
    table = place_words().get("landmarks") or {}
    return tuple(sorted(((key(str(n)), str(c)) for n, c in table.items()), key=lambda x: -len(x[0])))


def _landmark(text: str) -> Place | None:
    """The place a landmark named in the text stands for ("พัทยา", "หมอชิต"), or None."""
    k = key(text).replace(" ", "")
    for name, code in _landmarks():
        if name and name in k:
            return _place(code, LANDMARK_CONFIDENCE)
    return None


def _resolve_names(text: str, strict: bool) -> LocateResult:
    mentions = _mentions(text, strict)
    if strict and all(len(m.scores) > 1 and all(len(c) == 4 and c.endswith("01") for c in m.scores)
                      for m in mentions):
        return NOTHING  # "นอกเขตเมือง": a bare 'เมือง' in free text is not a place
    if not mentions:
        return NOTHING
    totals = _anchor_totals(mentions)
    if not totals:
        return NOTHING
    top = _top(totals)
    scale = _confidence_scale(mentions)
    if len(top) == 1:
        place = _place(top[0], totals[top[0]] * scale)
        return LocateResult(best=place, candidates=(place,))
    candidates = tuple(_place(a, totals[a] * scale / len(top)) for a in top[:MAX_CANDIDATES])
    common = _common_area(top)
    best = _place(common, totals[top[0]] * scale * 0.5) if common else None
    return LocateResult(best=best, candidates=candidates, ambiguous=True)


def _confidence_scale(mentions: list[Mention]) -> float:
    """Return the factor turning a total into a confidence: agreement and strength of evidence."""
    best = sum(POSTAL_EXACT if m.postal is not None else max(m.scores.values()) for m in mentions)
    # Half for how well the answer explains all mentions, half for how strong they are.
    return 0.5 / best + 0.5 / len(mentions)


def locate_text(text: str) -> LocateResult:
    """Resolve the citizen's answer to 'where?' (the whole text is meant to be a place)."""
    try:
        return _resolve(text, strict=False)
    except Exception:  # a place is a convenience: a parser bug must not break the conversation
        return NOTHING


def extract_place(text: str) -> LocateResult:
    """Find a place stated explicitly inside a free-text message; best=None unless clear."""
    try:
        result = _resolve(text, strict=True)
    except Exception:  # see locate_text
        return NOTHING
    if result.best is None or result.best.confidence < 0.45:
        return LocateResult(candidates=result.candidates, ambiguous=result.ambiguous)
    return result
