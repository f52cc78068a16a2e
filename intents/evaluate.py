"""Evaluation: k-fold cross-validation where the classifier learned from the file."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import taxonomy
from intents.classifier import Classification, Models, classify_with, default_models, train
from intents.resources import DATA_DIR, TRAINING_FILES, read_jsonl, training_rows

KINDS = taxonomy.kinds()
TOPICS = taxonomy.topic_names()


@dataclass
class Result:
    """Gold labels and prediction for one evaluated line."""

    row: dict[str, Any]
    pred: Classification


@dataclass
class Report:
    """Everything the evaluate command prints."""

    path: str
    method: str
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0


def _labelled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the rows that carry kind, topic and urgency labels."""
    return [r for r in rows if all(isinstance(r.get(k), str) for k in ("kind", "topic", "urgency"))]


def evaluate_file(path: Path | str, folds: int = 5, seed: int = 7) -> Report:
    """Score a labelled file; cross-validate when the shipped model learned from its lines."""
    rows = _labelled(read_jsonl(path))
    texts = frozenset(r["text"] for r in rows)
    learned = {r["text"] for r in training_rows()} & texts
    if not learned:
        return _score(rows, [default_models()] * len(rows), str(path), "model never saw these lines")
    if _is_training_source(path, len(learned), len(texts)):
        return _cross_validate(rows, texts, folds, seed, str(path))
    # A test file sharing a few lines with the training files: those lines are left out of
    # training (never learned from the file itself, never scored on a learned line).
    models = train(training_rows(exclude_texts=texts))
    method = f"trained without the {len(learned)} lines this file shares with the training files"
    return _score(rows, [models] * len(rows), str(path), method)


def evaluate_training(folds: int = 5, seed: int = 7,
                      rows: list[dict[str, Any]] | None = None) -> Report:
    """Score every training line (or the given rows) out of fold: k models, each trained
    without one fold and on nothing else.

    These are the figures the urgency thresholds and model settings were chosen on."""
    rows = _labelled(training_rows() if rows is None else rows)
    return _cross_validate(rows, frozenset(r["text"] for r in rows), folds, seed,
                           "all training files", base=[])


def _is_training_source(path: Path | str, shared: int, total: int) -> bool:
    """Tell whether the file is one the classifier learns from (so figures must be k-fold)."""
    resolved = Path(path).resolve()
    if any(resolved == (DATA_DIR / name).resolve() for name in TRAINING_FILES):
        return True
    # A copy of a training file kept elsewhere (e.g. the shared development set).
    return shared * 2 > total


def _cross_validate(rows: list[dict[str, Any]], texts: frozenset[str], folds: int, seed: int,
                    path: str, base: list[dict[str, Any]] | None = None) -> Report:
    """Train k models, each without one fold of the file, and score every line once."""
    base = training_rows(exclude_texts=texts) if base is None else base
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    fold_of = {index: position % folds for position, index in enumerate(order)}
    models: list[Models] = []
    for fold in range(folds):
        kept = [r for i, r in enumerate(rows) if fold_of[i] != fold]
        models.append(train(base + kept))
    per_row = [models[fold_of[i]] for i in range(len(rows))]
    method = f"{folds}-fold cross-validation (the shipped model learns from this file)"
    return _score(rows, per_row, path, method)


def _score(rows: list[dict[str, Any]], models: Sequence[Models], path: str, method: str) -> Report:
    """Classify every row with its model and time the classification alone."""
    report = Report(path=path, method=method)
    start = time.perf_counter()
    preds = [classify_with(m, r["text"]) for m, r in zip(models, rows, strict=True)]
    report.seconds = time.perf_counter() - start
    report.results = [Result(r, p) for r, p in zip(rows, preds, strict=True)]
    return report


def prf(gold: Sequence[str], pred: Sequence[str], label: str) -> tuple[float, float, float, int]:
    """Return precision, recall, F1 and support of one label."""
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
    predicted = sum(1 for p in pred if p == label)
    support = sum(1 for g in gold if g == label)
    precision = tp / predicted if predicted else 0.0
    recall = tp / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, support


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Share of equal pairs."""
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else 0.0


def summary(report: Report) -> dict[str, Any]:
    """Return the headline figures as a dict (the --json output)."""
    res = report.results
    gold_e = [r.row["urgency"] == "emergency" for r in res]
    pred_e = [r.pred.urgency == "emergency" for r in res]
    asked = [r.pred.urgency == "emergency" or r.pred.emergency_uncertain for r in res]
    return {
        "file": report.path,
        "method": report.method,
        "messages": len(res),
        "kind_accuracy": round(accuracy([r.row["kind"] for r in res], [r.pred.kind for r in res]), 4),
        "topic_accuracy": round(accuracy([r.row["topic"] for r in res], [r.pred.topic for r in res]), 4),
        "emergency_recall": _ratio(gold_e, pred_e, recall=True),
        "emergency_precision": _ratio(gold_e, pred_e, recall=False),
        "emergency_recall_incl_asking": _ratio(gold_e, asked, recall=True),
        "emergency_precision_incl_asking": _ratio(gold_e, asked, recall=False),
        "emergencies": sum(gold_e),
        "missed_emergencies": sum(g and not p for g, p in zip(gold_e, pred_e, strict=True)),
        "messages_per_second": round(len(res) / report.seconds, 1) if report.seconds else None,
    }


def _ratio(gold: Sequence[bool], pred: Sequence[bool], *, recall: bool) -> float | None:
    """Recall (hits / gold positives) or precision (hits / predicted positives)."""
    hits = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    base = sum(gold) if recall else sum(pred)
    return round(hits / base, 4) if base else None


def render(report: Report) -> str:
    """Return the plain-text report: tables, confusion matrices, missed emergencies."""
    res = report.results
    facts = summary(report)
    parts = [
        f"file: {report.path}\nmethod: {report.method}\nmessages: {len(res)}",
        _headline(facts),
        _table("kind", KINDS, [r.row["kind"] for r in res], [r.pred.kind for r in res]),
        _confusion("kind", KINDS, [r.row["kind"] for r in res], [r.pred.kind for r in res]),
        _table("topic", TOPICS, [r.row["topic"] for r in res], [r.pred.topic for r in res]),
        _confusion("topic", TOPICS, [r.row["topic"] for r in res], [r.pred.topic for r in res]),
        _urgency_table(res),
        _missed(res),
        _false_alarms(res),
    ]
    return "\n\n".join(parts) + "\n"


def _headline(facts: dict[str, Any]) -> str:
    """Format the headline figures."""
    lines = ["headline"]
    for key in ("kind_accuracy", "topic_accuracy", "emergency_recall", "emergency_precision",
                "emergency_recall_incl_asking", "emergency_precision_incl_asking",
                "messages_per_second"):
        lines.append(f"  {key:<34}{facts[key]}")
    return "\n".join(lines)


def _table(name: str, labels: Sequence[str], gold: Sequence[str], pred: Sequence[str]) -> str:
    """Per-label precision / recall / F1 / support table."""
    lines = [f"{name:<20}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for label in _labels_seen(labels, gold, pred):
        p, r, f, s = prf(gold, pred, label)
        lines.append(f"{label:<20}{p:>10.3f}{r:>10.3f}{f:>10.3f}{s:>10}")
    lines.append(f"{'accuracy':<20}{accuracy(gold, pred):>30.3f}{len(gold):>10}")
    return "\n".join(lines)


def _labels_seen(labels: Sequence[str], gold: Sequence[str], pred: Sequence[str]) -> list[str]:
    """Known labels in order, then any unexpected label found in the data."""
    extra = sorted((set(gold) | set(pred)) - set(labels))
    return [label for label in labels if label in set(gold) | set(pred)] + extra


def _confusion(name: str, labels: Sequence[str], gold: Sequence[str], pred: Sequence[str]) -> str:
    """Confusion matrix: rows are gold labels, columns predictions (abbreviated)."""
    used = _labels_seen(labels, gold, pred)
    pairs = Counter(zip(gold, pred, strict=True))
    head = f"{name + ' gold / predicted':<26}" + "".join(f"{u[:6]:>7}" for u in used)
    lines = [head]
    for g in used:
        lines.append(f"{g:<26}" + "".join(f"{pairs.get((g, p), 0) or '.':>7}" for p in used))
    return "\n".join(lines)


def _urgency_table(res: list[Result]) -> str:
    """Urgency: gold emergency / normal against predicted emergency / high / normal / asked."""
    rows = ["urgency gold / predicted   emergency   high  normal  (asked once)"]
    for gold in ("emergency", "normal"):
        subset = [r for r in res if (r.row["urgency"] == "emergency") == (gold == "emergency")]
        counts = Counter(r.pred.urgency for r in subset)
        asked = sum(1 for r in subset if r.pred.emergency_uncertain)
        rows.append(f"{gold:<26}{counts['emergency']:>10}{counts['high']:>7}{counts['normal']:>8}"
                    f"{asked:>13}")
    return "\n".join(rows)


def _missed(res: list[Result]) -> str:
    """List the emergencies not called emergency, with their text."""
    missed = [r for r in res if r.row["urgency"] == "emergency" and r.pred.urgency != "emergency"]
    lines = [f"missed emergencies: {len(missed)}"]
    for r in missed:
        flag = "asked once" if r.pred.emergency_uncertain else "NOT asked"
        lines.append(f"  - [{r.row['topic']} -> {r.pred.topic}, {flag}] {r.row['text']}")
    return "\n".join(lines)


def _false_alarms(res: list[Result]) -> str:
    """Count the non-emergencies called emergency (their text is listed too, for tuning)."""
    wrong = [r for r in res if r.row["urgency"] != "emergency" and r.pred.urgency == "emergency"]
    lines = [f"false emergencies: {len(wrong)}"]
    lines.extend(f"  - [{r.row['kind']}/{r.row['topic']}] {r.row['text']}" for r in wrong)
    return "\n".join(lines)
