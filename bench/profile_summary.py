"""Summarise a py-spy raw profile of the worker (from `bench_surge.py --py-spy FILE`).

Prints the top cumulative functions and where the wall-clock time goes: our code,
SQLAlchemy, the database driver (SQLite's BEGIN IMMEDIATE wait and COMMIT apart), HTTP to
LINE, the idle poll. Usage: .venv/bin/python bench/profile_summary.py FILE [TOP] [--all-threads]
(the main thread only unless --all-threads)
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterator

LOOP_FRAMES = {"<module> (worker.py)", "main (worker.py)", "Worker.run_forever (worker.py)",
               "Worker._loop (worker.py)", "Worker._run (worker.py)"}
OUR_FILES = ("(intents/", "(referral/", "(handlers/", "(worker.py", "(models/", "(runtime.py")
PHASES = ("take_inbox", "EventQueue._chats_with_work", "EventQueue._lock_chats", "EventQueue._prefetch",
          "EventQueue._handle_in", "EventQueue._batch", "EventQueue._unlock_chats", "OutboxSender._claim_due",
          "OutboxSender._record_all", "LineSender.send", "Worker.fetch_attachments", "Worker.escalate",
          "Worker.expire_conversations", "warm")


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
    if "_find_and_load" in whole or "warm (worker.py)" in whole:
        return "start: imports, loading the classifier and place tables"
    if "Worker._run " not in whole and "_WorkItem.run" not in whole:
        return "idle: poll wait between rounds"
    if "_begin_eagerly" in whole:
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


def main(path: str, top: int = 15, main_only: bool = True) -> None:
    """Print the summary of one profile (the main thread's samples, where the worker handles
    events; the sender's threads with main_only False)."""
    total, cumulative, own, kinds, phases = 0, Counter(), Counter(), Counter(), Counter()
    for stack, n in stacks(path):
        if main_only and not stack[0].endswith("MainThread"):
            continue
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
    args = [a for a in sys.argv[1:] if a != "--all-threads"]
    main(args[0], int(args[1]) if len(args) > 1 else 15, "--all-threads" not in sys.argv)
