"""Summarise a py-spy raw profile of the worker (from `bench_surge.py --py-spy FILE`).

Prints the top cumulative functions and where the wall-clock time goes: our code,
SQLAlchemy, the database driver (SQLite's BEGIN IMMEDIATE wait and COMMIT apart), HTTP to
LINE, the idle poll. Usage: .venv/bin/python bench/profile_summary.py FILE [TOP]
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterator

LOOP_FRAMES = {"<module> (worker.py)", "main (worker.py)", "Worker.run_forever (worker.py)"}
OUR_FILES = ("(intents/", "(referral/", "(handlers/", "(worker.py", "(models/", "(runtime.py")
PHASES = ("Worker._handle_one", "Worker._claim", "Worker._deliver", "Worker._lock_chat",
          "Worker._unlock_chat", "Worker._drain_chat", "Worker._chats_with_work")


def frame_name(frame: str) -> str:
    """'func (file:line)' without the line number."""
    m = re.match(r"(.*) \((.*?):\d+\)$", frame)
    return f"{m.group(1)} ({m.group(2)})" if m else frame


def stacks(path: str) -> Iterator[tuple[list[str], int]]:
    """(frames outermost first, samples) for each line of a py-spy raw file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack:
                yield [frame_name(x) for x in stack.split(";")], int(count)


def category(stack: list[str]) -> str:
    """Where one sample's time goes, judged by its innermost frames."""
    whole, leaf = ";".join(stack), stack[-1]
    if "Worker.run_once" not in whole:
        return "idle: poll wait between rounds"
    if "_sqlite_begin_immediate" in whole:
        return "SQLite: BEGIN IMMEDIATE (waiting for the write lock)"
    if "do_commit" in whole:
        return "DB: COMMIT in the driver (SQLite WAL write + fsync / PostgreSQL commit)"
    if re.search(r"do_execute|do_executemany", leaf):
        return "DB: statements inside the driver"
    if any(x in whole for x in ("LineSender.", "show_loading", "fetch_content")):
        return "HTTP to LINE: SDK, pydantic, urllib3, waiting for the answer"
    if "sqlalchemy/" in leaf:
        return "SQLAlchemy in Python (ORM, Core, compile, identity map)"
    if any(x in leaf for x in OUR_FILES):
        return "our code (own lines)"
    return "other libraries and stdlib called from our code"


def main(path: str, top: int = 15) -> None:
    """Print the summary of one profile."""
    total, cumulative, own, kinds, phases = 0, Counter(), Counter(), Counter(), Counter()
    for stack, n in stacks(path):
        total += n
        for name in set(stack):
            cumulative[name] += n
        own[stack[-1]] += n
        kinds[category(stack)] += n
        whole = ";".join(stack)
        phases[next((p for p in PHASES if f"{p} (" in whole), "rest of the loop")] += n
    if not total:
        raise SystemExit("no samples")
    print(f"{total} samples (wall clock)\n\nTop {top} cumulative (loop frames left out):")
    for name, n in [x for x in cumulative.most_common() if x[0] not in LOOP_FRAMES][:top]:
        print(f"{100 * n / total:6.1f} %  (self {100 * own[name] / total:4.1f} %)  {name}")
    for title, counts in (("Where the time goes", kinds), ("By worker step", phases)):
        print(f"\n{title}:")
        for name, n in counts.most_common():
            print(f"{100 * n / total:6.1f} %  {name}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15)
