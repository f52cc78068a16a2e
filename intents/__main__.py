"""Command line: `python -m intents classify` and `python -m intents evaluate [FILE]`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from intents import artefact
from intents.classifier import classify, train
from intents.evaluate import evaluate_file, evaluate_training, render, summary
from intents.resources import DATA_DIR, HELDOUT_FILE, training_rows


def _parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(prog="python -m intents", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("classify", help="JSON lines {'text': ...} on stdin -> JSON lines on stdout")
    sub.add_parser("train", help="rebuild intents/data/model.bin.gz from the training files")
    ev = sub.add_parser("evaluate", help="score a labelled JSON-lines file")
    ev.add_argument("file", nargs="?", default=str(DATA_DIR / HELDOUT_FILE))
    ev.add_argument("--json", action="store_true", help="print the summary figures as JSON")
    ev.add_argument("--folds", type=int, default=5, help="folds when cross-validating")
    ev.add_argument("--all-training", action="store_true",
                    help="cross-validate over every training line instead of scoring FILE")
    return parser


def classify_stream(source: TextIO, sink: TextIO) -> int:
    """Classify each JSON line of source; write one JSON line per input line."""
    for line in source:
        if not line.strip():
            continue
        text = _text_of(line)
        if text is None:
            sink.write(json.dumps({"error": "expected a JSON object with a text"}) + "\n")
            continue
        sink.write(json.dumps(classify(text).to_dict(), ensure_ascii=False) + "\n")
        sink.flush()
    return 0


def _text_of(line: str) -> str | None:
    """Return the text of a {"text": ...} line, or None when the line is not one."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict) and isinstance(data.get("text"), str):
        return data["text"]
    return None


def build_model() -> int:
    """Train on the training files and write the shipped model file."""
    rows = training_rows()
    models = train(rows)
    size = artefact.save(models.joint)
    print(f"trained on {len(rows)} lines, {len(models.joint.weights)} features; "
          f"wrote {artefact.MODEL_FILE.name} ({size / 1e6:.1f} MB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = _parser().parse_args(argv)
    if args.command == "classify":
        return classify_stream(sys.stdin, sys.stdout)
    if args.command == "train":
        return build_model()
    folds = max(2, args.folds)
    report = evaluate_training(folds) if args.all_training else evaluate_file(args.file, folds=folds)
    if not report.results:
        print(f"no labelled lines in {args.file}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary(report), ensure_ascii=False, indent=2))
    else:
        print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
