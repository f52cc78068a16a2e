"""Benchmark intents: start-up time, messages per second on one core, peak RSS.

Run: .venv/bin/python bench/bench_intents.py [--messages N]
Prints figures only (the targets: >= 2,000 messages/s after start-up, < 300 MB, < 2 s start-up).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUNDS = 3
_NOISE = ("", " 😭", " 🙏🙏", " ค่ะะะ", " ครับบบ", " ๑๒๓", " !!!", " pls help", "\u200b", " 555")


def _texts() -> list[str]:
    """Return every message text shipped in intents/data (labelled or not)."""
    texts: list[str] = []
    for path in sorted((ROOT / "intents" / "data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and isinstance(row.get("text"), str):
                texts.append(row["text"])
    return texts


def varied_messages(count: int, seed: int = 2024) -> list[str]:
    """Build count varied messages: shipped texts cut, joined and sprinkled with chat noise."""
    rng = random.Random(seed)
    base = _texts() or ["สวัสดีค่ะ", "อยากตาย", "ขอเบี้ยคนแก่"]
    out: list[str] = []
    while len(out) < count:
        text = rng.choice(base)
        roll = rng.random()
        if roll < 0.2:
            text = text[: rng.randint(1, max(1, len(text)))]
        elif roll < 0.35:
            text = text + " " + rng.choice(base)
        out.append(text + rng.choice(_NOISE))
    return out


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    messages = varied_messages(args.messages)

    start = time.perf_counter()
    from intents import classify

    classify("สวัสดีค่ะ")
    startup = time.perf_counter() - start

    # Three rounds each: the machine is shared, so the median is reported with the spread,
    # and CPU time (what one core spent) next to wall time.
    rounds = [_timed(classify, messages) for _ in range(ROUNDS)]
    whole = _texts()
    whole_rounds = [_timed(classify, whole) for _ in range(ROUNDS)]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall = sorted(len(messages) / w for w, _ in rounds)
    cpu = sorted(len(messages) / c for _, c in rounds)

    print(f"start-up (import + first message): {startup:.3f} s")
    print(f"messages classified:                {len(messages)} varied (mean {_mean_len(messages):.0f} chars), "
          f"{ROUNDS} rounds")
    print(f"throughput (one core, wall clock):  {median(wall):,.0f} messages/s "
          f"(rounds {wall[0]:,.0f}-{wall[-1]:,.0f})")
    print(f"throughput (one core, CPU time):    {median(cpu):,.0f} messages/s "
          f"(rounds {cpu[0]:,.0f}-{cpu[-1]:,.0f})")
    print(f"mean latency (wall, median round):  {1e6 / median(wall):.0f} µs")
    print(f"shipped texts as written:           {len(whole)} (mean {_mean_len(whole):.0f} chars), "
          f"{median(len(whole) / w for w, _ in whole_rounds):,.0f} messages/s (wall, median)")
    print(f"peak RSS:                           {peak_kb / 1024:.1f} MB")


def _timed(classify: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    """Return the wall-clock and CPU seconds taken to classify every text once."""
    start, start_cpu = time.perf_counter(), time.process_time()
    for text in texts:
        classify(text)
    return time.perf_counter() - start, time.process_time() - start_cpu


def _mean_len(texts: list[str]) -> float:
    """Mean length in characters."""
    return sum(map(len, texts)) / max(1, len(texts))


if __name__ == "__main__":
    main()
