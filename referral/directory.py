"""The centre directory: seed rows, and the CSV that provinces import and export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from referral.centroids import area_centroid
from referral.gazetteer import BANGKOK, area, areas, subdistrict_codes

COLUMNS = ("id", "type", "name_th", "name_en", "subdistrict_code", "district_code",
           "province_code", "latitude", "longitude", "phone", "line_to", "active")
REQUIRED = ("id", "type", "name_th", "active")
DEPARTMENTS = {
    "DCY": ("กรมกิจการเด็กและเยาวชน", "Department of Children and Youth"),
    "DOP": ("กรมกิจการผู้สูงอายุ", "Department of Older Persons"),
    "DEP": ("กรมส่งเสริมและพัฒนาคุณภาพชีวิตคนพิการ",
            "Department of Empowerment of Persons with Disabilities"),
    "DWF": ("กรมกิจการสตรีและสถาบันครอบครัว", "Department of Women's Affairs and Family Development"),
    "DSDW": ("กรมพัฒนาสังคมและสวัสดิการ", "Department of Social Development and Welfare"),
    "ATP": ("กองต่อต้านการค้ามนุษย์", "Anti-Trafficking in Persons Division"),
}
TYPES = {"TC": "tambon_center", "PSO": "provincial_office", "DEPT": "department",
         "HOTLINE": "hotline"}
_ID = re.compile(r"^(?:TC-(\d{6})|PSO-(\d{2})|DEPT-([A-Z]+)|HOTLINE)$")
# LINE user, group and room IDs: a letter and 32 hexadecimal digits.
_LINE_ID = re.compile(r"^[UCR][0-9a-f]{32}$")
_PHONE = re.compile(r"^[0-9+\-\s,#()]*$")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
LAT_RANGE = (5.0, 21.0)
LON_RANGE = (97.0, 106.0)


def _row(**values: Any) -> dict[str, Any]:
    """Return a directory row with every column, empty where not given."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(phone="", line_to="", active=True, name_en="")
    row.update(values)
    return row


def _point(code: str) -> tuple[float | None, float | None]:
    """Return a rounded centroid of an area, or (None, None)."""
    point = area_centroid(code)
    return (round(point[0], 6), round(point[1], 6)) if point else (None, None)


def _tambon_row(code: str) -> dict[str, Any]:
    """Return the seed row of a tambon centre."""
    s = area(code)
    assert s is not None
    word = "แขวง" if code.startswith(BANGKOK) else "ตำบล"
    lat, lon = _point(code)
    return _row(id=f"TC-{code}", type=TYPES["TC"], name_th=f"ศูนย์ช่วยเหลือสังคม{word}{s.name_th}",
                name_en=f"Social Assistance Centre, {s.name_en}", subdistrict_code=code,
                district_code=code[:4], province_code=code[:2], latitude=lat, longitude=lon)


def _province_row(code: str) -> dict[str, Any]:
    """Return the seed row of a provincial office; its point is the capital's first subdistrict."""
    p = area(code)
    assert p is not None
    lat, lon = _point(f"{code}0101") if area(f"{code}0101") else _point(code)
    return _row(id=f"PSO-{code}", type=TYPES["PSO"],
                name_th=f"สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัด{p.name_th}",
                name_en=f"Provincial Office of Social Development and Human Security, {p.name_en}",
                province_code=code, latitude=lat, longitude=lon)


def seed_rows() -> Iterator[dict[str, Any]]:
    """Yield the shipped directory: tambon centres, provincial offices, central intakes, 1300."""
    for code in subdistrict_codes():
        yield _tambon_row(code)
    for code in sorted(c for c, a in areas().items() if a.level == "province"):
        yield _province_row(code)
    for dept, (th, en) in DEPARTMENTS.items():
        yield _row(id=f"DEPT-{dept}", type=TYPES["DEPT"], name_th=f"{th} (ช่องทางรับเรื่องส่วนกลาง)",
                   name_en=f"{en}, central intake")
    yield _row(id="HOTLINE", type=TYPES["HOTLINE"], name_th="ศูนย์ช่วยเหลือสังคม สายด่วน 1300",
               name_en="Social Assistance Center, hotline 1300", phone="1300")


# ----------------------------------------------------------------- export


def _cell(value: Any) -> str:
    """Return the CSV text of a value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".6f").rstrip("0").rstrip(".")
    return str(value)


def export_centers_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Return the rows as CSV text with the fixed column order and a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in COLUMNS])
    return out.getvalue()


# ----------------------------------------------------------------- import


def parse_centers_csv(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse and validate a directory CSV; return (rows, errors as 'line N: ...')."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    errors = _header_errors(reader.fieldnames)
    if errors:
        return [], errors
    rows: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # a blank line, as spreadsheets often leave at the end
        row, row_errors = _parse_row(raw)
        if row and row["id"] in first_line:
            row_errors.append(f"duplicate id {row['id']} (first on line {first_line[row['id']]})")
        errors.extend(f"line {line}: {e}" for e in row_errors)
        if row and not row_errors:
            first_line[row["id"]] = line
            rows.append(row)
        elif row:
            first_line.setdefault(row["id"], line)
    return rows, errors


def _header_errors(fields: list[str] | None) -> list[str]:
    """Return errors about the header line."""
    if not fields:
        return ["line 1: the file is empty or has no header"]
    names = [f.strip() for f in fields]
    errors = [f"line 1: unknown column {n!r}" for n in names if n not in COLUMNS]
    errors += [f"line 1: missing column {c!r}" for c in REQUIRED if c not in names]
    return errors


def _parse_row(raw: dict[str | None, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """Return a typed row and its errors."""
    if raw.get(None):
        return None, ["more values than columns"]
    v = {(k or "").strip(): (raw.get(k) or "").strip() for k in raw if k is not None}
    errors: list[str] = []
    row = _row(id=v.get("id", ""), type=v.get("type", ""), name_th=v.get("name_th", ""),
               name_en=v.get("name_en", ""), phone=v.get("phone", ""))
    if not row["id"]:
        return None, ["id is empty"]
    if not row["name_th"]:
        errors.append("name_th is empty")
    errors += _check_id_and_codes(row, v)
    errors += _check_point(row, v)
    errors += _check_contacts(row, v)
    active = v.get("active", "").lower()
    if active not in _TRUE | _FALSE:
        errors.append(f"active {v.get('active', '')!r} is not true or false")
    row["active"] = active in _TRUE
    return row, errors


def _check_id_and_codes(row: dict[str, Any], v: dict[str, str]) -> list[str]:
    """Check the id format, the type and the area codes; fill codes implied by others."""
    m = _ID.match(row["id"])
    if not m:
        return [f"id {row['id']!r} is not TC-<subdistrict>, PSO-<province>, DEPT-<code> or HOTLINE"]
    prefix = row["id"].split("-")[0]
    errors = []
    if row["type"] != TYPES[prefix]:
        errors.append(f"type {row['type']!r} should be {TYPES[prefix]!r} for id {row['id']}")
    if m.group(3) and m.group(3) not in DEPARTMENTS:
        errors.append(f"department {m.group(3)} is not one of {', '.join(DEPARTMENTS)}")
    sub, dist, prov = (v.get(c, "") for c in ("subdistrict_code", "district_code", "province_code"))
    errors += _check_codes(sub, dist, prov)
    if m.group(1) and sub != m.group(1):
        errors.append(f"subdistrict_code {sub!r} does not match id {row['id']}")
    if m.group(2) and (prov or sub[:2]) != m.group(2):
        errors.append(f"province_code {prov!r} does not match id {row['id']}")
    row.update(subdistrict_code=sub or None, district_code=dist or (sub[:4] or None),
               province_code=prov or (sub[:2] or dist[:2] or None))
    return errors


def _check_codes(sub: str, dist: str, prov: str) -> list[str]:
    """Check that area codes are current and nested."""
    errors = []
    for name, code, level in (("subdistrict_code", sub, "subdistrict"),
                              ("district_code", dist, "district"),
                              ("province_code", prov, "province")):
        a = area(code) if code else None
        if code and (a is None or a.level != level):
            errors.append(f"{name} {code} is not a current {level}")
    if sub and dist and not sub.startswith(dist):
        errors.append(f"district_code {dist} does not contain subdistrict {sub}")
    if (sub or dist) and prov and not (sub or dist).startswith(prov):
        errors.append(f"province_code {prov} does not contain {sub or dist}")
    return errors


def _check_point(row: dict[str, Any], v: dict[str, str]) -> list[str]:
    """Check latitude and longitude: both or neither, inside Thailand's box."""
    lat_s, lon_s = v.get("latitude", ""), v.get("longitude", "")
    if not lat_s and not lon_s:
        return []
    errors = []
    for name, text, (low, high) in (("latitude", lat_s, LAT_RANGE), ("longitude", lon_s, LON_RANGE)):
        try:
            value = float(text)
        except ValueError:
            errors.append(f"{name} {text!r} is not a number")
            continue
        if not low <= value <= high:
            errors.append(f"{name} {text} is outside Thailand ({low}..{high})")
        row[name] = value
    return errors


def _check_contacts(row: dict[str, Any], v: dict[str, str]) -> list[str]:
    """Check the phone and the LINE targets; keep LINE targets separated by single spaces."""
    errors = []
    if not _PHONE.match(row["phone"]) or len(row["phone"]) > 100:
        errors.append(f"phone {row['phone']!r} has characters other than digits, spaces, + - , # ( )")
    targets = [t for t in re.split(r"[\s;]+", v.get("line_to", "")) if t]
    bad = [t for t in targets if not _LINE_ID.match(t)]
    if bad:
        errors.append(f"line_to {', '.join(bad)} is not a LINE user, group or room ID "
                      "('U', 'C' or 'R' and 32 hexadecimal digits)")
    row["line_to"] = " ".join(targets)
    return errors
