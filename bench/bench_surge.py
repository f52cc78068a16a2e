"""Benchmark: a surge of signed text events against our service and against a plain echo bot.

Starts the fake LINE platform (real HTTP on 127.0.0.1), our service as the Procfile runs it
(gunicorn `bot:app` plus separate `python worker.py` processes, on a fresh SQLite file or a
fresh PostgreSQL database, migrated and seeded by `flask --app bot init-db`) and the echo
bot of bench/echo_bot.py (the SDK's documented shape, reply inside the request, same
gunicorn options), then sends the same load to each in turn: N signed text events from U
users over C keep-alive connections, each user's messages in order. Prints figures and
ratios, never asserts them. Everything listens on 127.0.0.1 and is stopped at the end.

ack: one POST's round trip as the sender sees it. first reply: per user, from the POST of
their first message to the fake platform receiving the first reply or push to them. end to
end: events finished / (last event's processed_at - first POST). The CPU line says how much
of the machine other processes took meanwhile (it is shared: compare runs with that in mind).

Usage: .venv/bin/python bench/bench_surge.py [--events 1500] [--users 200] [--connections 16]
       [--workers 1] [--database sqlite|postgresql] [--pg-scaling auto|on|off]
       [--profile-worker FILE.prof] [--py-spy FILE.txt]
"""

from __future__ import annotations

import argparse
import http.client
import logging
import math
import os
import resource
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.surge_texts import SCRIPTS  # noqa: E402
from simulator import events  # noqa: E402
from simulator.ids import random_user_id  # noqa: E402
from simulator.platform import FakeLinePlatform  # noqa: E402

SECRET, TOKEN = "bench-surge-secret", "bench-surge-token"
HOTLINE, STAFF = "C" + "1300" * 8, "C" + "5afe" * 8
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BIN = Path(sys.executable).parent
LOCAL_HOSTS = ("127.0.0.1", "localhost")


# ---------------------------------------------------------------- processes


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile() -> dict[str, list[str]]:
    """The Procfile's process types, each as an argument list."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {k.strip(): shlex.split(v) for k, _, v in (ln.partition(":") for ln in lines) if v.strip()}


def gunicorn_command(app_spec: str, port: int) -> list[str]:
    """The Procfile's web command for app_spec, bound to 127.0.0.1:port (same workers/threads)."""
    args = procfile()["web"]
    if args[0] != "gunicorn":
        raise SystemExit(f"the Procfile's web process is not gunicorn: {args[0]}")
    out = [str(BIN / "gunicorn"), app_spec]
    rest = iter(args[2:])
    for arg in rest:
        if arg in ("--bind", "-b"):
            next(rest, None)
            continue
        out.append(arg)
    return out + ["--bind", f"127.0.0.1:{port}"]


def worker_command(profile_to: str | None, kind: str = "worker") -> list[str]:
    """The Procfile's worker (or sender) command with this venv's python (optionally under
    cProfile)."""
    args = procfile()[kind]
    if args[0] != "python":
        raise SystemExit(f"the Procfile's {kind} process is not python: {args[0]}")
    profile = ["-m", "cProfile", "-o", profile_to] if profile_to else []
    return [sys.executable, *profile, *args[1:]]


def background_kinds() -> list[str]:
    """The Procfile's background process types, in order: `worker`, then `sender` if any."""
    return [k for k in ("worker", "sender") if k in procfile()]


class Processes:
    """Child processes started by the benchmark, each in its own session, stopped by pid."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
        """Start one child with its output in log_dir/name.log."""
        with open(self.log_dir / f"{name}.log", "ab") as log:
            child = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.children.append((name, child))
        return child

    def stop(self, child: subprocess.Popen, timeout: float = 15) -> None:
        """SIGTERM (graceful: gunicorn and the worker finish their work), then SIGKILL its group."""
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:  # the session holds gunicorn's own workers too
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        child.wait(5)

    def stop_all(self) -> None:
        """Stop every child, newest first."""
        while self.children:
            self.stop(self.children.pop()[1])


def run_checked(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> None:
    """Run a set-up command to completion; fail with its output when it fails."""
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")


def wait_http(port: int, path: str, seconds: float = 30) -> None:
    """Poll until the server on port answers path with any HTTP status."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on 127.0.0.1:{port} within {seconds:.0f} s")


def warm_http(port: int, path: str, n: int = 16) -> None:
    """Send n concurrent GETs so every gunicorn worker has built its app before timing."""
    threads = [threading.Thread(target=wait_http, args=(port, path, 10)) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)


# ---------------------------------------------------------------- databases


class Database:
    """Read-only look at our service's tables while it runs (never takes a write lock)."""

    url: str

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one read-only statement."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection and remove the database."""

    def events_after(self, watermark: int) -> tuple[int, int, int, float | None]:
        """(finished, failed, unfinished, last processed_at as epoch s) of events past watermark."""
        rows = self.query(
            "SELECT status, count(*), max(processed_at) FROM inbound_events "
            f"WHERE id > {int(watermark)} GROUP BY status")
        finished = sum(n for st, n, _ in rows if st in ("done", "failed"))
        failed = sum(n for st, n, _ in rows if st == "failed")
        unfinished = sum(n for st, n, _ in rows if st not in ("done", "failed"))
        last = max((_epoch(t) for _, _, t in rows if t is not None), default=None)
        return finished, failed, unfinished, last

    def max_event_id(self) -> int:
        """The newest inbound event id (0 when none)."""
        return int(self.query("SELECT coalesce(max(id), 0) FROM inbound_events")[0][0])

    def first_reply_stages(self, watermark: int) -> tuple[list[float], list[float]]:
        """Per user's first event past watermark: seconds from stored to handled, and from its
        reply queued to sent (where the first reply's time goes)."""
        rows = self.query(
            "SELECT e.chat_id, e.received_at, e.processed_at, o.created_at, o.sent_at "
            "FROM inbound_events e JOIN outbound_messages o ON o.\"to\" = e.chat_id "
            f"WHERE e.id > {int(watermark)} AND e.chat_id LIKE 'U%' AND o.sent_at IS NOT NULL "
            "ORDER BY e.id, o.id")
        waited, sending, seen = [], [], set()
        for chat, received, processed, created, sent in rows:
            if chat in seen or processed is None or _epoch(created) < _epoch(received):
                continue
            seen.add(chat)
            waited.append(_epoch(processed) - _epoch(received))
            sending.append(_epoch(sent) - _epoch(created))
        return waited, sending

    def unsent_to_users(self) -> int:
        """Outbox rows to citizens (user ids) not sent yet."""
        return int(self.query("SELECT count(*) FROM outbound_messages "
                              "WHERE status IN ('pending', 'sending') AND \"to\" LIKE 'U%'")[0][0])


def _epoch(value: Any) -> float:
    """A stored timestamp (datetime or SQLite text, UTC) as epoch seconds."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class SqliteDatabase(Database):
    """A fresh SQLite file in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "surge.sqlite3"
        self.url = f"sqlite:///{self.path}"
        self._conn: sqlite3.Connection | None = None

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Read in autocommit mode: in WAL a reader never blocks the writers."""
        if self._conn is None:
            self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5,
                                         isolation_level=None, check_same_thread=False)
        return self._conn.execute(sql).fetchall()

    def close(self) -> None:
        """Close the reader (the folder is removed with the run's temporary folder)."""
        if self._conn is not None:
            self._conn.close()


class PostgresDatabase(Database):
    """A fresh database on the local PostgreSQL, dropped at the end."""

    def __init__(self, admin_url: str, name: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self.admin_url, self.name = admin_url, name
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        parts = urllib.parse.urlsplit(admin_url)
        self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
        self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=3)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """One autocommit read."""
        return self._conn.execute(sql).fetchall()

    def close(self) -> None:
        """Close the reader and drop the database (even with connections left)."""
        self._conn.close()
        with self._psycopg.connect(self.admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def postgres_answers(admin_url: str) -> bool:
    """Whether the local PostgreSQL accepts a connection now."""
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=2):
            return True
    except Exception:
        return False


# ---------------------------------------------------------------- load


@dataclass
class Post:
    """One webhook POST as the load generator saw it."""

    user: str
    started: float  # wall clock (time.time), comparable with the platform's delivery times
    latency: float
    status: int


@dataclass
class Load:
    """What one load run sent and when."""

    posts: list[Post] = field(default_factory=list)
    started: float = 0.0
    elapsed: float = 0.0

    def first_post(self) -> dict[str, float]:
        """Each user's first POST time."""
        first: dict[str, float] = {}
        for p in sorted(self.posts, key=lambda p: p.started):
            first.setdefault(p.user, p.started)
        return first


def plan(n_events: int, n_users: int) -> list[tuple[str, str]]:
    """(user, text) in sending order: each user follows one script; users take turns."""
    users = [random_user_id() for _ in range(n_users)]
    per_user = [[] for _ in users]
    for i in range(n_events):
        u = i % n_users
        script = SCRIPTS[u % len(SCRIPTS)]
        per_user[u].append(script[(i // n_users) % len(script)])
    order = []
    for step in range(max(len(t) for t in per_user)):
        order += [(users[u], texts[step]) for u, texts in enumerate(per_user) if step < len(texts)]
    return order


class Connection:
    """One keep-alive HTTP connection to the webhook, reopened when the server closes it."""

    def __init__(self, port: int, timeout: float = 10) -> None:
        self.port, self.timeout = port, timeout
        self._conn: http.client.HTTPConnection | None = None

    def post(self, raw: bytes, signature: str) -> int:
        """POST a signed body as LINE does; the HTTP status, 0 when unreachable."""
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "User-Agent": "LineBotWebhook/2.0", "X-Line-Signature": signature}
        for _attempt in range(2):  # a keep-alive connection the server just closed
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self._conn.request("POST", "/callback", body=raw, headers=headers)
                response = self._conn.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status
            except (http.client.HTTPException, OSError):
                self.close()
        return 0

    def close(self) -> None:
        """Close the socket."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def send_one(conn: Connection, platform: FakeLinePlatform, user: str, text: str) -> Post:
    """Build, sign and POST one text event with a reply token the platform honours."""
    event = events.text(user, text, platform.issue_reply_token(user))
    raw = events.body([event], platform.bot_user_id)
    signature = events.sign(SECRET, raw)
    started, t0 = time.time(), time.perf_counter()
    status = conn.post(raw, signature)
    return Post(user, started, time.perf_counter() - t0, status)


def run_load(port: int, platform: FakeLinePlatform, order: list[tuple[str, str]],
             connections: int, timeout: float) -> Load:
    """Send order over `connections` connections; a user's messages always go one at a time."""
    lanes: list[list[tuple[str, str]]] = [[] for _ in range(connections)]
    lane_of: dict[str, int] = {}
    for user, text in order:  # a user stays on one connection: their messages keep their order
        lanes[lane_of.setdefault(user, len(lane_of) % connections)].append((user, text))
    load, lock = Load(), threading.Lock()
    deadline = time.perf_counter() + timeout

    def drive(lane: list[tuple[str, str]]) -> None:
        conn = Connection(port)
        try:
            for user, text in lane:
                if time.perf_counter() > deadline:
                    break
                post = send_one(conn, platform, user, text)
                with lock:
                    load.posts.append(post)
        finally:
            conn.close()

    threads = [threading.Thread(target=drive, args=(lane,), daemon=True) for lane in lanes]
    load.started, t0 = time.time(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, deadline - time.perf_counter() + 15))
    load.elapsed = time.perf_counter() - t0
    return load


def wait_for_reply(platform: FakeLinePlatform, user: str, seconds: float) -> bool:
    """Wait until the platform delivered something to user."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if platform.messages_to(user):
            return True
        time.sleep(0.05)
    return False


# ---------------------------------------------------------------- figures


class CpuMeter:
    """How busy the machine was during a run, how much of that was this benchmark, and
    which of its processes took it (where the time goes when the cores are shared)."""

    def __init__(self, procs: Processes) -> None:
        self.procs = procs
        self.start = self._snapshot()

    def _snapshot(self) -> tuple[float, float, dict[str, float]]:
        """(machine busy CPU s, machine total CPU s, CPU s of each child's session and of
        this process — the load generator and the fake platform) since boot."""
        tick = os.sysconf("SC_CLK_TCK")
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:]]
        idle = cpu[3] + cpu[4]
        sessions = {c.pid: name for name, c in self.procs.children}
        ours: Counter[str] = Counter()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) in sessions:
                ours[sessions[int(fields[3])]] += (int(fields[11]) + int(fields[12])) / tick
        me = resource.getrusage(resource.RUSAGE_SELF)
        ours["load generator + fake LINE"] += me.ru_utime + me.ru_stime
        return (sum(cpu) - idle) / tick, sum(cpu) / tick, ours

    def report(self) -> str:
        """Busy shares of all cores since the start: whole machine, this benchmark, others;
        then the CPU seconds of each of the benchmark's processes."""
        end = self._snapshot()
        busy, total = end[0] - self.start[0], end[1] - self.start[1]
        if total <= 0:
            return ""
        used = {name: s - self.start[2].get(name, 0.0) for name, s in end[2].items()}
        ours = sum(used.values())
        # A process that exited during the run is missing from the end's snapshot: its CPU
        # is left out here rather than guessed.
        split = ", ".join(f"{name} {s:.1f}" for name, s in sorted(used.items(), key=lambda kv: -kv[1])
                          if s >= 0.05)
        return (f"CPU during the run: machine {100 * busy / total:.0f} % busy, this benchmark "
                f"{100 * ours / total:.0f} %, other processes {100 * max(0.0, busy - ours) / total:.0f} %"
                f"\n    CPU seconds: {split}")


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Result:
    """The figures of one target under one load."""

    name: str
    events: int
    ok: int
    ack_rate: float
    ack_ms: dict[int, float]
    first_ms: dict[int, float]
    users: int
    users_answered: int
    via_reply: int
    via_push: int
    e2e_rate: float | None = None
    e2e_note: str = ""
    failed_events: int = 0
    cpu_note: str = ""
    line_calls: str = ""
    stage_note: str = ""


def first_replies(platform: FakeLinePlatform, load: Load) -> tuple[dict[str, float], dict[str, str]]:
    """Per user: seconds from their first POST to the first delivery to them, and its channel."""
    first = load.first_post()
    latency: dict[str, float] = {}
    via: dict[str, str] = {}
    for d in sorted(platform.delivered, key=lambda d: d["at"]):
        user = d["to"]
        if user in first and user not in latency and d["at"] >= first[user]:
            latency[user], via[user] = d["at"] - first[user], d["via"]
    return latency, via


def result_of(name: str, platform: FakeLinePlatform, load: Load) -> Result:
    """Acknowledgement and first-reply figures of one load run."""
    acks = [p.latency * 1000 for p in load.posts]
    latency, via = first_replies(platform, load)
    firsts = [s * 1000 for s in latency.values()]
    calls = Counter(r["path"].rsplit("/", 1)[-1] for r in platform.requests if r["path"].startswith("/v2/bot/"))
    return Result(line_calls=", ".join(f"{n} {kind}" for kind, n in calls.most_common(4)),
        name=name, events=len(load.posts), ok=sum(p.status == 200 for p in load.posts),
        ack_rate=len(load.posts) / load.elapsed if load.elapsed else math.nan,
        ack_ms={p: pct(acks, p) for p in (50, 95, 99)}, first_ms={p: pct(firsts, p) for p in (50, 95)},
        users=len(load.first_post()), users_answered=len(latency),
        via_reply=sum(v == "reply" for v in via.values()), via_push=sum(v != "reply" for v in via.values()))


def drain(db: Database, watermark: int, expected: int, timeout: float) -> tuple[int, int, float | None, bool]:
    """Wait until the worker finished every event and sent every citizen's message (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        finished, failed, unfinished, last = db.events_after(watermark)
        done = finished >= expected and unfinished == 0 and db.unsent_to_users() == 0
        if done or time.monotonic() > deadline:
            return finished, failed, last, done
        time.sleep(0.25)


# ---------------------------------------------------------------- targets


@dataclass
class Options:
    """The command line."""

    events: int
    users: int
    connections: int
    workers: int
    database: str
    pg_scaling: str
    pg_url: str
    drain_timeout: float
    load_timeout: float
    profile_worker: str | None
    py_spy: str | None


def base_env(platform: FakeLinePlatform) -> dict[str, str]:
    """Environment shared by our service and the echo bot: the fake platform's credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DATABASE_URL"))}
    env.update(LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
               LINE_API_BASE_URL=platform.url, PYTHONUNBUFFERED="1", ENVIRONMENT="development")
    return env


def released(platform: FakeLinePlatform, database_url: str) -> dict[str, str]:
    """Our service's environment on a database, after the Procfile's release (migrate, seed)."""
    env = base_env(platform)
    env.update(DATABASE_URL=database_url, HOTLINE_LINE_TO=HOTLINE, STAFF_FALLBACK_LINE_TO=STAFF,
               ADMIN_API_TOKEN="bench-admin")
    release = procfile()["release"]
    run_checked([str(BIN / release[0]), *release[1:]], env, ROOT)
    return env


def bench_echo(opts: Options, platform: FakeLinePlatform, procs: Processes) -> Result:
    """The echo bot under the load."""
    port = free_port()
    child = procs.start("echo", gunicorn_command("echo_bot:app", port), base_env(platform), ROOT / "bench")
    try:
        wait_http(port, "/")
        warm_http(port, "/")
        warm_up_user = random_user_id()
        Connection(port).post(*_signed(platform, warm_up_user, "สวัสดีค่ะ"))
        platform.clear()
        meter = CpuMeter(procs)
        load = run_load(port, platform, plan(opts.events, opts.users), opts.connections, opts.load_timeout)
        result = result_of("echo bot", platform, load)
        result.cpu_note = meter.report()
        if platform.delivered:
            last = max(d["at"] for d in platform.delivered)
            result.e2e_rate = result.ok / (last - load.started)
        return result
    finally:
        procs.stop(child)
        procs.children = [(n, c) for n, c in procs.children if c is not child]


def _signed(platform: FakeLinePlatform, user: str, text: str) -> tuple[bytes, str]:
    """A signed one-event body from user."""
    raw = events.body([events.text(user, text, platform.issue_reply_token(user))], platform.bot_user_id)
    return raw, events.sign(SECRET, raw)


@contextmanager
def our_service(opts: Options, platform: FakeLinePlatform, procs: Processes, db: Database,
                workers: int, profile: str | None) -> Iterator[tuple[int, list[int]]]:
    """Our service on db (init-db, gunicorn, `workers` worker processes); yields port, worker pids."""
    env = released(platform, db.url)
    port = free_port()
    started = [procs.start("web", gunicorn_command("bot:app", port), env, ROOT)]
    for i in range(workers):  # one "worker" is each of the Procfile's background processes
        for kind in background_kinds():
            started.append(procs.start(f"{kind}{i}", worker_command(
                profile if i == 0 and kind == "worker" else None, kind), env, ROOT))
    print(f"  (our service: web pid {started[0].pid}, background pids "
          f"{' '.join(str(c.pid) for c in started[1:])})", file=sys.stderr, flush=True)
    try:
        wait_http(port, "/healthz")
        warm_http(port, "/healthz")
        yield port, [c.pid for c in started[1:]]
    finally:
        for child in reversed(started):
            procs.stop(child)
        procs.children = [(n, c) for n, c in procs.children if c not in started]


def bench_ours(opts: Options, platform: FakeLinePlatform, procs: Processes, db: Database,
               workers: int, profile: str | None = None, py_spy: str | None = None) -> Result:
    """Our service under the load, then the worker's end-to-end rate once it has drained."""
    kind = "SQLite" if isinstance(db, SqliteDatabase) else "PostgreSQL"
    name = f"ours ({kind}, {workers} worker{'s' if workers > 1 else ''})"
    with our_service(opts, platform, procs, db, workers, profile) as (port, pids):
        # A few chats first, so every worker has loaded the classifier before timing.
        warm_up_users = [random_user_id() for _ in range(4 * workers)]
        for user in warm_up_users:
            Connection(port).post(*_signed(platform, user, "สวัสดีค่ะ"))
        for user in warm_up_users:
            wait_for_reply(platform, user, 60)
        drain(db, 0, 0, 30)
        watermark = db.max_event_id()
        platform.clear()
        meter = CpuMeter(procs)
        with sampling(py_spy, pids[0], procs):
            load = run_load(port, platform, plan(opts.events, opts.users), opts.connections,
                            opts.load_timeout)
            finished, failed, last, complete = drain(db, watermark, sum(p.status == 200 for p in load.posts),
                                                     opts.drain_timeout)
        result = result_of(name, platform, load)
        result.cpu_note = meter.report()
        waited, sending = db.first_reply_stages(watermark)
        if waited:
            result.stage_note = (f"first replies: stored -> handled p50 {pct(waited, 50):.2f} s, "
                                 f"p95 {pct(waited, 95):.2f} s; queued -> sent p50 {pct(sending, 50):.2f} s, "
                                 f"p95 {pct(sending, 95):.2f} s")
    result.failed_events = failed
    if last is not None and finished:
        result.e2e_rate = finished / (last - load.started)
    if not complete:
        result.e2e_note = (f"not drained within {opts.drain_timeout:.0f} s: "
                           f"{finished} of {result.ok} events done")
    return result


@contextmanager
def sampling(out: str | None, pid: int, procs: Processes) -> Iterator[None]:
    """While the block runs, sample pid with py-spy (wall clock, idle included) into out."""
    exe = shutil.which("py-spy") if out else None
    if out and exe is None:
        raise SystemExit("--py-spy needs py-spy on PATH (pip install py-spy, outside the project)")
    if exe is None or out is None:
        yield
        return
    cmd = [exe, "record", "--pid", str(pid), "--idle", "--rate", "200", "--format", "raw", "-o", out]
    child = procs.start("py-spy", cmd, dict(os.environ), ROOT)
    try:
        yield
    finally:
        child.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            procs.stop(child)
        procs.children = [(n, c) for n, c in procs.children if c is not child]


# ---------------------------------------------------------------- printing


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def _ratio(ours: float | None, echo: float | None) -> str:
    if not ours or not echo or math.isnan(ours) or math.isnan(echo):
        return "—"
    return f"{ours / echo:.2f}×"


ROWS: list[tuple[str, Callable[[Result], float | None], str]] = [
    ("ack throughput (req/s)", lambda r: r.ack_rate, ".0f"),
    ("ack p50 (ms)", lambda r: r.ack_ms[50], ".1f"),
    ("ack p95 (ms)", lambda r: r.ack_ms[95], ".1f"),
    ("ack p99 (ms)", lambda r: r.ack_ms[99], ".1f"),
    ("first reply p50 (ms)", lambda r: r.first_ms[50], ".0f"),
    ("first reply p95 (ms)", lambda r: r.first_ms[95], ".0f"),
    ("end to end (events/s)", lambda r: r.e2e_rate, ".1f"),
]


def print_table(results: list[Result], echo: Result | None) -> None:
    """One column per run; ours/echo ratios after each of our columns."""
    ours = [r for r in results if r is not echo]
    head = f"{'':26}" + (f"{echo.name:>12}" if echo else "")
    for r in ours:
        head += f"{r.name:>31}" + (f"{'ours/echo':>11}" if echo else "")
    print(head)
    for label, get, spec in ROWS:
        line = f"{label:26}" + (f"{_fmt(get(echo), spec):>12}" if echo else "")
        for r in ours:
            line += f"{_fmt(get(r), spec):>31}" + (f"{_ratio(get(r), get(echo)):>11}" if echo else "")
        print(line)
    for r in results:
        share = 100 * r.via_reply / r.users_answered if r.users_answered else math.nan
        print(f"  {r.name}: {r.ok}/{r.events} answered 200; first replies for {r.users_answered}/{r.users} "
              f"users, {_fmt(share)} % by reply token ({r.via_reply} reply, {r.via_push} push)"
              + (f"; {r.failed_events} events failed" if r.failed_events else "")
              + (f"; {r.e2e_note}" if r.e2e_note else ""))
        if r.line_calls:
            print(f"    LINE API calls received by the fake platform: {r.line_calls}")
        if r.cpu_note:
            print(f"    {r.cpu_note}")
        if r.stage_note:
            print(f"    {r.stage_note}")


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> Options:
    """Options from the command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=1500)
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--workers", type=int, default=1, help="worker processes for the main run")
    p.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--pg-scaling", choices=("auto", "on", "off"), default="auto",
                   help="PostgreSQL with 1 and 2 workers (auto: when PostgreSQL answers)")
    p.add_argument("--pg-url", default=PG_ADMIN_URL, help="admin URL; fresh databases are made there")
    p.add_argument("--drain-timeout", type=float, default=45, help="seconds to wait for the worker")
    p.add_argument("--load-timeout", type=float, default=40, help="seconds the load may take")
    p.add_argument("--profile-worker", metavar="FILE", help="run the main run's first worker under cProfile")
    p.add_argument("--py-spy", metavar="FILE", help="sample the main run's first worker with py-spy (raw)")
    a = p.parse_args(argv)
    if urllib.parse.urlsplit(a.pg_url).hostname not in LOCAL_HOSTS:
        p.error("--pg-url must point to 127.0.0.1")
    if min(a.events, a.users, a.connections, a.workers) < 1:
        p.error("counts must be positive")
    absolute = [os.path.abspath(f) if f else None for f in (a.profile_worker, a.py_spy)]
    return Options(a.events, a.users, a.connections, a.workers, a.database, a.pg_scaling, a.pg_url,
                   a.drain_timeout, a.load_timeout, *absolute)


@contextmanager
def bench_stage(tmp: Path) -> Iterator[tuple[ExitStack, Processes, FakeLinePlatform]]:
    """What every benchmark run stands on: an exit stack that removes tmp at the end, the
    child processes (stopped at the end) and the fake LINE platform (real HTTP)."""
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, True)
        procs = Processes(tmp)
        stack.callback(procs.stop_all)
        platform = FakeLinePlatform(TOKEN, SECRET).start()
        stack.callback(platform.stop)
        yield stack, procs, platform


def open_database(kind: str, opts: Options, tmp: Path, tag: str, stack: ExitStack) -> Database:
    """A fresh database of kind, closed (and dropped) when the run ends."""
    db: Database = (SqliteDatabase(Path(tempfile.mkdtemp(dir=tmp))) if kind == "sqlite"
                    else PostgresDatabase(opts.pg_url, f"bench_surge_{os.getpid()}_{tag}"))
    stack.callback(db.close)
    return db


def main(argv: list[str] | None = None) -> None:
    """Run the echo bot and our service under the same load; print the figures."""
    opts = parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake platform's access log
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pg_ok = postgres_answers(opts.pg_url)
    if (opts.database == "postgresql" or opts.pg_scaling == "on") and not pg_ok:
        raise SystemExit(f"PostgreSQL does not answer at {opts.pg_url}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-surge-"))
    print(f"surge: {opts.events} signed text events from {opts.users} users over {opts.connections} "
          f"connections; web as the Procfile: {shlex.join(gunicorn_command('bot:app', 0)[2:])}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    with bench_stage(tmp) as (stack, procs, platform):
        echo = bench_echo(opts, platform, procs)
        main_db = open_database(opts.database, opts, tmp, "main", stack)
        ours = bench_ours(opts, platform, procs, main_db, opts.workers, opts.profile_worker, opts.py_spy)
        print_table([echo, ours], echo)
        if opts.pg_scaling == "on" or (opts.pg_scaling == "auto" and pg_ok):
            scaling = [bench_ours(opts, platform, procs, open_database("postgresql", opts, tmp, f"w{n}", stack), n)
                       for n in (1, 2)]
            print()
            print_table(scaling, None)
            print(f"PostgreSQL worker scaling: 1 worker {_fmt(scaling[0].e2e_rate)} events/s, "
                  f"2 workers {_fmt(scaling[1].e2e_rate)} events/s, "
                  f"2/1 = {_ratio(scaling[1].e2e_rate, scaling[0].e2e_rate)}")


if __name__ == "__main__":
    main()
