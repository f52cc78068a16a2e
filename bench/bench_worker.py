"""Benchmark: the worker alone, draining a backlog of stored events.

bench_surge.py measures the whole service under a surge, where the web, the load generator
and the worker share two cores and the figures move with whatever else runs. This one
isolates the worker: N text events from U users (the surge's scripts) are stored as the
webhook stores them, on a fresh database migrated and seeded by `flask --app bot init-db`,
then `python worker.py` (the Procfile's command) is started against the fake LINE platform
and timed until every event is handled and every citizen's message is sent.

Printed: events/s, the worker's CPU milliseconds per event (from /proc, user + system), the
SQL statements per event (counted in a second, in-process pass over the same backlog with
the same code), and the LINE calls made. Figures only; nothing is asserted.

Usage: .venv/bin/python bench/bench_worker.py [--events 1500] [--users 200]
       [--database sqlite|postgresql] [--workers 1] [--statements]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_surge import (  # noqa: E402
    HOTLINE,
    PG_ADMIN_URL,
    SECRET,
    STAFF,
    TOKEN,
    PostgresDatabase,
    SqliteDatabase,
    background_kinds,
    bench_stage,
    plan,
    postgres_answers,
    released,
    worker_command,
)
from simulator import events  # noqa: E402
from simulator.platform import FakeLinePlatform  # noqa: E402


def store_backlog(url: str, platform: FakeLinePlatform, order: list[tuple[str, str]]) -> None:
    """Store the events exactly as the webhook does (validation, rows, insert-ignore)."""
    import settings as app_settings
    from handlers.webhook import _store, valid_events
    from runtime import Runtime

    env = dict(os.environ, DATABASE_URL=url, LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN)
    runtime = Runtime.build(app_settings.from_env(env))
    batch = []
    for i, (user, text) in enumerate(order):
        event = events.text(user, text, platform.issue_reply_token(user, ttl_seconds=600))
        event["timestamp"] = event["timestamp"] + i  # LINE's order, one millisecond apart
        batch.append(event)
    for start in range(0, len(batch), 100):
        _store(runtime, valid_events(batch[start:start + 100]))
    runtime.dispose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drained(db, expected: int) -> bool:
    """Every event finished and every citizen's message sent."""
    finished, _failed, unfinished, _last = db.events_after(0)
    return finished >= expected and unfinished == 0 and db.unsent_to_users() == 0


def count_statements(url: str, platform: FakeLinePlatform, order: list[tuple[str, str]]) -> Counter:
    """SQL statements by their first word, for one in-process drain of the same backlog."""
    from sqlalchemy import event as sa_event

    import settings as app_settings
    from runtime import Runtime
    from worker import Worker

    env = dict(os.environ, DATABASE_URL=url, LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
               LINE_API_BASE_URL=platform.url, HOTLINE_LINE_TO=HOTLINE, STAFF_FALLBACK_LINE_TO=STAFF,
               ENVIRONMENT="development")
    runtime = Runtime.build(app_settings.from_env(env))
    counts: Counter = Counter()
    sa_event.listen(runtime.engine, "before_cursor_execute",
                    lambda _c, _cur, statement, *_: counts.update([statement.split(None, 1)[0].upper()]))
    store_backlog(url, platform, order)
    counts.clear()
    worker = Worker(runtime)
    try:
        worker.run_until_idle(max_rounds=10_000)
    finally:
        worker.close()
        runtime.dispose()
    return counts


def _profile_to(opts: argparse.Namespace, kind: str) -> str | None:
    """Where the first process of a kind writes its cProfile, if asked."""
    chosen = opts.profile if kind == "worker" else opts.profile_sender
    return os.path.abspath(chosen) if chosen else None


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=1500)
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--statements", action="store_true", help="also count SQL statements per event")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--profile", metavar="FILE", help="run the (first) worker under cProfile")
    p.add_argument("--profile-sender", metavar="FILE", help="run the (first) sender under cProfile")
    p.add_argument("--py-spy", metavar="FILE", help="sample the first worker's CPU with py-spy (raw, per thread)")
    p.add_argument("--py-spy-kind", choices=("worker", "sender"), default="worker",
                   help="which process --py-spy samples")
    p.add_argument("--py-spy-gil", action="store_true", help="sample only threads holding the GIL (CPU)")
    opts = p.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake platform's access log
    if opts.database == "postgresql" and not postgres_answers(PG_ADMIN_URL):
        raise SystemExit(f"PostgreSQL does not answer at {PG_ADMIN_URL}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    with bench_stage(tmp) as (stack, procs, platform):

        def fresh(tag: str):
            db = (SqliteDatabase(Path(tempfile.mkdtemp(dir=tmp))) if opts.database == "sqlite"
                  else PostgresDatabase(PG_ADMIN_URL, f"bench_worker_{os.getpid()}_{tag}"))
            stack.callback(db.close)
            return db, released(platform, db.url)

        order = plan(opts.events, opts.users)
        db, env = fresh("run")
        platform.clear()  # before the backlog: clearing forgets the reply tokens too
        store_backlog(db.url, platform, order)
        started = time.perf_counter()
        children = [procs.start(f"{kind}{i}", worker_command(
            _profile_to(opts, kind) if i == 0 else None, kind),
            env, ROOT) for i in range(opts.workers) for kind in background_kinds()]
        cpu: dict[int, float] = {}
        spy = None
        if opts.py_spy:
            exe = shutil.which("py-spy") or SystemExit("--py-spy needs py-spy on PATH")
            spy = procs.start("py-spy", [exe, "record", "--pid", str(children[background_kinds().index(opts.py_spy_kind)].pid), "--threads",
                                         "--rate", "250", *(["--gil"] if opts.py_spy_gil else []), "--format", "raw", "-o",
                                         os.path.abspath(opts.py_spy)], dict(os.environ), ROOT)
        while time.perf_counter() - started < opts.timeout and not drained(db, len(order)):
            for c in children:
                cpu[c.pid] = cpu_seconds(c.pid)
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        for c in children:
            cpu[c.pid] = cpu_seconds(c.pid)
        finished, failed, unfinished, _ = db.events_after(0)
        purposes = db.query("SELECT purpose, count(*), sum(CASE WHEN reply_token IS NULL THEN 0 ELSE 1 END) "
                            "FROM outbound_messages GROUP BY purpose ORDER BY count(*) DESC")
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
            spy.wait(30)
        for c in children:
            procs.stop(c)
        calls = Counter(r["path"].rsplit("/", 1)[-1] for r in platform.requests
                        if r["path"].startswith("/v2/bot/"))
        # The worker's start (imports, the classifier's load) is in both the time and the CPU;
        # measured apart it is about one second, so the rate is given with and without it.
        print(f"worker bench: {opts.events} stored text events from {opts.users} users, "
              f"{opts.database}, {opts.workers} worker process(es); load average "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(f"  drained {finished} events ({failed} failed, {unfinished} left) in {elapsed:.1f} s: "
              f"{finished / elapsed:.0f} events/s including the worker's start")
        total_cpu = sum(cpu.values())
        kinds = [kind for _ in range(opts.workers) for kind in background_kinds()]
        per_kind = Counter()
        for kind, c in zip(kinds, children, strict=True):
            per_kind[kind] += cpu.get(c.pid, 0.0)
        print(f"  worker CPU {total_cpu:.1f} s = {1000 * total_cpu / max(finished, 1):.2f} ms per event "
              f"(start included; " + ", ".join(f"{k} {1000 * v / max(finished, 1):.2f}" for k, v in per_kind.items())
              + ")")
        print("  outbox rows by purpose (with a reply token): "
              + ", ".join(f"{p} {n} ({r})" for p, n, r in purposes))
        print(f"  LINE calls: {', '.join(f'{n} {k}' for k, n in calls.most_common())}")
        if opts.statements:
            db2, _ = fresh("count")
            platform.clear()
            counts = count_statements(db2.url, platform, order)
            total = sum(counts.values())
            print(f"  SQL statements (in-process pass): {total} = {total / len(order):.1f} per event; "
                  + ", ".join(f"{k} {v / len(order):.2f}" for k, v in counts.most_common()))


if __name__ == "__main__":
    main()
