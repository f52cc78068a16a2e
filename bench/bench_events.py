"""Benchmark: the event job's CPU per event, in process, after the worker's start.

bench_worker.py times the Procfile's processes, start-up and sender included, and its rate
moves with whatever else the two cores run. This one drains the same stored backlog with
the event job alone (`Worker.process_events`, no sender) in this process, after
`worker.warm()`, and counts this process's CPU time: the figure to compare when changing
what handling an event costs. Each repetition uses a fresh database; the lowest is printed
too (the machine's noise only ever adds). Figures only; nothing is asserted.

Usage: .venv/bin/python bench/bench_events.py [--events 1500] [--users 200] [--repeat 3]
       [--profile FILE]   (cProfile of the last repetition's drain)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_surge import SqliteDatabase, bench_stage, plan, released  # noqa: E402
from bench.bench_worker import store_backlog  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=1500)
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--profile", metavar="FILE")
    opts = p.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    import settings as app_settings
    import worker as worker_module
    from runtime import Runtime

    worker_module.warm()
    tmp = Path(tempfile.mkdtemp(prefix="bench-events-"))
    figures = []
    with bench_stage(tmp) as (_stack, _procs, platform):
        for rep in range(opts.repeat):
            db = SqliteDatabase(Path(tempfile.mkdtemp(dir=tmp)))
            env = released(platform, db.url)
            platform.clear()
            runtime = Runtime.build(app_settings.from_env(dict(os.environ, **env)))
            store_backlog(db.url, platform, plan(opts.events, opts.users))
            worker = worker_module.Worker(runtime)
            profiler = None
            if opts.profile and rep == opts.repeat - 1:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            cpu, handled = time.process_time(), 0
            while done := worker.process_events():
                handled += done
            cpu = time.process_time() - cpu
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(os.path.abspath(opts.profile))
            worker.close()
            runtime.dispose()
            db.close()
            figures.append(1000 * cpu / max(handled, 1))
            print(f"  repetition {rep + 1}: {handled} events, {figures[-1]:.2f} ms of CPU per event", flush=True)
    print(f"event job, in process: {opts.events} stored events from {opts.users} users, SQLite; "
          f"lowest {min(figures):.2f} ms of CPU per event ({1000 / min(figures):.0f} events per CPU-second); "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
