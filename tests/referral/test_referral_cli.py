"""`python -m referral locate`: JSON lines in, JSON lines out, bad lines reported."""

import io
import json
import subprocess
import sys
from pathlib import Path

from referral.__main__ import locate, main

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["subdistrict_code", "district_code", "province_code", "center_id"]


def run(lines: list[str]) -> list[dict]:
    """Return the answers of the locate command for input lines."""
    out = io.StringIO()
    locate(lines, out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_text_pin_and_bad_lines() -> None:
    answers = run([
        json.dumps({"text": "ต.แม่เหียะ อ.เมือง จ.เชียงใหม่"}),
        "not json",
        json.dumps({"latitude": 18.7963, "longitude": 98.9853, "address": "เชียงใหม่"}),
        json.dumps({"text": "อ.บางพลี"}),
        json.dumps([1, 2]),
        json.dumps({"latitude": 35.6, "longitude": 139.7}),
        json.dumps({"foo": 1}),
        "",
        json.dumps({"text": "ต.หนองบัว"}),
    ])
    assert len(answers) == 8
    assert [answers[0][k] for k in KEYS] == ["500109", "5001", "50", "TC-500109"]
    assert list(answers[0])[:4] == KEYS
    assert all("error" in answers[i] for i in (1, 4, 6))
    assert answers[2]["subdistrict_code"] == "500101"
    assert answers[3]["district_code"] == "1103"
    assert answers[5]["outside_thailand"] and answers[5]["subdistrict_code"] is None
    assert answers[7]["ambiguous"] and answers[7]["center_id"] is None and answers[7]["candidates"]


def test_district_only_routes_to_the_provincial_office() -> None:
    (answer,) = run([json.dumps({"text": "อ.บางพลี"})])
    assert [answer[k] for k in KEYS] == [None, "1103", "11", "PSO-11"]


def test_module_runs_as_a_command() -> None:
    done = subprocess.run([sys.executable, "-m", "referral", "locate"], cwd=ROOT, capture_output=True,
                          input='{"text": "เชียงใหม่"}\n', text=True, timeout=60, check=True)
    assert json.loads(done.stdout)["center_id"] == "PSO-50"


def test_evaluate_prints_accuracy(capsys) -> None:
    assert main(["evaluate", "--places", "20"]) == 0
    assert "all" in capsys.readouterr().out
