"""Command line: `python -m referral locate` (JSON lines in, JSON lines out) and `evaluate`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from referral.pins import locate_pin
from referral.places import LocateResult
from referral.resolver import locate_text
from referral.routing import center_id_for_place


def locate_line(line: str) -> dict[str, Any]:
    """Resolve one JSON line ({"text"} or {"latitude", "longitude", "address"?})."""
    try:
        query = json.loads(line)
    except json.JSONDecodeError as e:
        return {"error": f"not JSON: {e.msg}"}
    if not isinstance(query, dict):
        return {"error": "expected a JSON object"}
    if "latitude" in query and "longitude" in query:
        result = locate_pin(query["latitude"], query["longitude"], query.get("address"))
    elif isinstance(query.get("text"), str):
        result = locate_text(query["text"])
    else:
        return {"error": 'expected {"text": ...} or {"latitude": ..., "longitude": ...}'}
    return answer(result)


def answer(result: LocateResult) -> dict[str, Any]:
    """Return the output line of a result: the four codes first, then details."""
    p = result.best
    return {
        "subdistrict_code": p.subdistrict_code if p else None,
        "district_code": p.district_code if p else None,
        "province_code": p.province_code if p else None,
        "center_id": center_id_for_place(p),
        "level": p.level if p else None,
        "confidence": p.confidence if p else 0.0,
        "label_th": p.label_th if p else None,
        "ambiguous": result.ambiguous,
        "outside_thailand": result.outside_thailand,
        "candidates": [
            {"code": c.subdistrict_code or c.district_code or c.province_code, "label_th": c.label_th}
            for c in result.candidates
        ] if result.ambiguous else [],
    }


def locate(lines: Iterable[str], out: TextIO) -> int:
    """Answer every non-blank input line with one output line; return the count."""
    n = 0
    for line in lines:
        if line.strip():
            out.write(json.dumps(locate_line(line), ensure_ascii=False) + "\n")
            n += 1
    return n


def evaluate(n_places: int, out: TextIO) -> None:
    """Print the accuracy of locate_text on the generated table, by form of input."""
    from referral.samples import is_exact, samples

    totals: dict[str, list[int]] = {}
    for s in samples(n_places):
        ok = is_exact(s.expected, locate_text(s.text).best)
        t = totals.setdefault(s.form, [0, 0])
        t[0] += ok
        t[1] += 1
    for form, (ok, n) in sorted(totals.items()):
        out.write(f"{form:16} {ok:5}/{n:<5} {ok / n:.3f}\n")
    ok_all, n_all = (sum(v[i] for v in totals.values()) for i in (0, 1))
    out.write(f"{'all':16} {ok_all:5}/{n_all:<5} {ok_all / n_all:.4f}\n")


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m referral")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("locate", help="read JSON lines on stdin, write JSON lines on stdout")
    ev = sub.add_parser("evaluate", help="accuracy on a generated table of typed places")
    ev.add_argument("--places", type=int, default=400)
    args = parser.parse_args(argv)
    if args.command == "locate":
        locate(sys.stdin, sys.stdout)
    else:
        evaluate(args.places, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
