"""The centre directory: seed, CSV import with errors by line, export, round trip."""

import pytest

from referral.directory import COLUMNS, export_centers_csv, parse_centers_csv, seed_rows

GROUP = "C" + "0123456789abcdef" * 2
USER = "U" + "f" * 32
HEADER = ",".join(COLUMNS)


def csv_with(*lines: str) -> str:
    """Return a CSV text: the header and the given data lines."""
    return "\n".join([HEADER, *lines]) + "\n"


GOOD_TC = "TC-500109,tambon_center,ศูนย์ฯ แม่เหียะ,,500109,5001,50,18.75,98.95,053-123456,,true"


def test_seed_has_one_centre_per_subdistrict_province_and_department() -> None:
    rows = list(seed_rows())
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert sum(i.startswith("TC-") for i in ids) == 7436
    assert sum(i.startswith("PSO-") for i in ids) == 77
    assert {i for i in ids if i.startswith("DEPT-")} == {
        "DEPT-DCY", "DEPT-DOP", "DEPT-DEP", "DEPT-DWF", "DEPT-DSDW", "DEPT-ATP"}
    assert "HOTLINE" in ids
    tc = next(r for r in rows if r["id"] == "TC-500109")
    assert tc["name_th"] == "ศูนย์ช่วยเหลือสังคมตำบลแม่เหียะ"
    assert (tc["phone"], tc["line_to"], tc["active"]) == ("", "", True)
    pso = next(r for r in rows if r["id"] == "PSO-50")
    assert pso["name_th"] == "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดเชียงใหม่"


def test_export_parse_export_round_trips() -> None:
    first = export_centers_csv(seed_rows())
    rows, errors = parse_centers_csv(first)
    assert errors == []
    assert export_centers_csv(rows) == first
    assert first.splitlines()[0] == HEADER


def test_a_province_loads_contacts_and_line_groups() -> None:
    rows, errors = parse_centers_csv(csv_with(
        f"TC-500109,tambon_center,ศูนย์ฯ แม่เหียะ,,500109,,,18.75,98.95,053-123456,{GROUP}; {USER},yes",
    ))
    assert errors == []
    assert rows[0]["line_to"] == f"{GROUP} {USER}"
    assert rows[0]["district_code"] == "5001" and rows[0]["province_code"] == "50"
    assert rows[0]["active"] is True and rows[0]["latitude"] == 18.75


def test_excel_bom_and_blank_lines_are_accepted() -> None:
    rows, errors = parse_centers_csv("\ufeff" + csv_with(GOOD_TC, ",,,,,,,,,,,", ""))
    assert errors == [] and len(rows) == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("TC-999999,tambon_center,x,,999999,,,,,,,true", "line 2: subdistrict_code 999999 is not a current subdistrict"),
        ("TC-500109,tambon_center,x,,500108,,,,,,,true", "line 2: subdistrict_code '500108' does not match id TC-500109"),
        ("XX-1,tambon_center,x,,,,,,,,,true", "line 2: id 'XX-1' is not"),
        ("TC-500109,provincial_office,x,,500109,,,,,,,true", "line 2: type 'provincial_office' should be 'tambon_center'"),
        ("TC-500109,tambon_center,x,,500109,,,95.0,98.9,,,true", "line 2: latitude 95.0 is outside Thailand"),
        ("TC-500109,tambon_center,x,,500109,,,abc,98.9,,,true", "line 2: latitude 'abc' is not a number"),
        ("TC-500109,tambon_center,x,,500109,,,,,,,maybe", "line 2: active 'maybe' is not true or false"),
        ("TC-500109,tambon_center,x,,500109,,,,,,Uxyz,true", "line 2: line_to Uxyz is not a LINE user, group or room ID"),
        ("TC-500109,tambon_center,x,,500109,,,,,call me,,true", "line 2: phone 'call me'"),
        ("TC-500109,tambon_center,,,500109,,,,,,,true", "line 2: name_th is empty"),
        ("TC-500109,tambon_center,x,,500109,4001,,,,,,true", "line 2: district_code 4001 does not contain subdistrict 500109"),
        ("PSO-50,provincial_office,x,,,,40,,,,,true", "line 2: province_code '40' does not match id PSO-50"),
        ("DEPT-XYZ,department,x,,,,,,,,,true", "line 2: department XYZ is not one of"),
        ("TC-500109,tambon_center,x,,500109,,,,,,,true,extra", "line 2: more values than columns"),
    ],
)
def test_validation_errors_name_the_line(line: str, message: str) -> None:
    rows, errors = parse_centers_csv(csv_with(line))
    assert rows == []
    assert any(e.startswith(message) for e in errors), errors


def test_duplicate_ids_are_reported_with_both_lines() -> None:
    _, errors = parse_centers_csv(csv_with(GOOD_TC, GOOD_TC))
    assert errors == ["line 3: duplicate id TC-500109 (first on line 2)"]


def test_errors_on_several_lines_are_all_reported() -> None:
    rows, errors = parse_centers_csv(csv_with(GOOD_TC, "TC-999999,tambon_center,x,,999999,,,,,,,true",
                                              "PSO-50,provincial_office,x,,,,50,,,,,nope"))
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4"]
    assert [r["id"] for r in rows] == ["TC-500109"]  # the caller imports nothing when errors exist


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "line 1: the file is empty or has no header"),
        ("id,type,name_th", "line 1: missing column 'active'"),
        (HEADER + ",notes", "line 1: unknown column 'notes'"),
    ],
)
def test_header_errors(header: str, message: str) -> None:
    rows, errors = parse_centers_csv(header + "\n")
    assert rows == [] and message in errors


def test_a_quoted_name_with_a_comma_and_a_newline_keeps_its_line_number() -> None:
    text = csv_with('TC-500109,tambon_center,"ศูนย์ฯ, แม่เหียะ\nชั้น 2",,500109,,,,,,,true',
                    "TC-999999,tambon_center,x,,999999,,,,,,,true")
    rows, errors = parse_centers_csv(text)
    assert rows[0]["name_th"] == "ศูนย์ฯ, แม่เหียะ\nชั้น 2"
    assert errors[0].startswith("line 4:")
