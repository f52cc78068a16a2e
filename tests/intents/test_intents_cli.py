"""The command line contract: classify and evaluate, run as the service would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "intents", *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_classify_reads_and_writes_json_lines() -> None:
    lines = [{"text": "อยากตาย"}, {"text": "สวัสดีค่ะ"}, {"text": "ขอเบี้ยคนแก่"}]
    done = _run(["classify"], "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 3
    assert list(out[0])[:5] == ["kind", "topic", "urgency", "department", "confidence"]
    assert (out[0]["topic"], out[0]["urgency"]) == ("suicide_risk", "emergency")
    assert out[1]["kind"] == "chitchat" and out[1]["department"] is None


def test_classify_answers_a_bad_line_without_stopping() -> None:
    done = _run(["classify"], 'not json\n{"text": "สวัสดี"}\n')
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert "error" in out[0] and out[1]["kind"] == "chitchat"


def _tiny_file(tmp_path: Path) -> Path:
    rows = [
        {"text": "ตอนนี้ผัวถือมีดจะฆ่าหนู ช่วยด้วย", "kind": "problem",
         "topic": "domestic_violence", "urgency": "emergency"},
        {"text": "อยากทราบว่าเบี้ยคนพิการได้เดือนละเท่าไหร่", "kind": "inquiry",
         "topic": "disability", "urgency": "normal"},
        {"text": "หวัดดีจ้าแอดมินคนเก่งทุกคน", "kind": "chitchat", "topic": "none", "urgency": "normal"},
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def test_evaluate_prints_tables_and_missed_emergencies(tmp_path: Path) -> None:
    done = _run(["evaluate", str(_tiny_file(tmp_path))])
    assert done.returncode == 0, done.stderr
    for heading in ("precision", "kind gold / predicted", "topic gold / predicted",
                    "missed emergencies", "emergency_recall", "messages_per_second"):
        assert heading in done.stdout


def test_evaluate_json_summary(tmp_path: Path) -> None:
    done = _run(["evaluate", "--json", str(_tiny_file(tmp_path))])
    figures = json.loads(done.stdout)
    assert figures["messages"] == 3
    assert figures["method"] == "model never saw these lines"
    assert 0.0 <= figures["kind_accuracy"] <= 1.0


def test_out_of_fold_scoring_scores_every_training_line_once() -> None:
    from intents.evaluate import evaluate_training
    from intents.resources import training_rows

    rows = training_rows()[::90]
    report = evaluate_training(folds=2, rows=rows)
    assert report.method.startswith("2-fold")
    assert sorted(r.row["text"] for r in report.results) == sorted(r["text"] for r in rows)
