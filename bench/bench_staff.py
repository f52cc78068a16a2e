"""Benchmark: the staff dashboard's scoped case list, CSV export and case API on SQLite.

Prints figures only. Inserts N cases straight into a temporary database (spread over 50
tambon centres), then times the list and export for a centre account and a hotline account.
Usage: .venv/bin/python bench/bench_staff.py [N_CASES]
"""

from __future__ import annotations

import logging
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bot import create_app  # noqa: E402
from commands import migrate, seed_centers  # noqa: E402
from handlers import staff_core as sc  # noqa: E402
from models import Case, Center, utcnow  # noqa: E402
from settings import Settings  # noqa: E402

PASSWORD = "bench-password-1"


def _fill(runtime, n: int) -> str:
    with runtime.transaction() as s:
        centres = s.scalars(select(Center.id).where(Center.type == "tambon_center")
                            .order_by(Center.id).limit(50)).all()
        now = utcnow()
        for i in range(n):
            s.add(Case(case_no=f"OSS-2569-{i + 1:06d}", year=2569, seq=i + 1, kind="problem",
                       topic="hardship", urgency=("normal", "high", "emergency")[i % 3],
                       department="DSDW", reporter_line_user_id=f"U{i:032x}",
                       description="x" * 200, phone="0812345678", center_id=centres[i % 50],
                       province_code="50", status="new", created_at=now - timedelta(minutes=i),
                       updated_at=now, ack_due_at=now + timedelta(hours=4)))
        sc.add_staff(s, "centre1", PASSWORD, "centre", center_id=centres[0])
        sc.add_staff(s, "hotline1", PASSWORD, "hotline")
    return centres[0]


def _timed(client, path: str, rounds: int = 20) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200
    return statistics.median(times), max(times)


def main(n: int) -> None:
    """Fill n cases, then time the scoped pages for two roles."""
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.sqlite3", environment="test",
                            admin_api_token="bench", secret_key="bench")
        app = create_app(settings)
        app.config["WTF_CSRF_ENABLED"] = False  # the bench signs in without parsing forms
        runtime = app.extensions["runtime"]
        migrate(runtime)
        seed_centers(runtime)
        _fill(runtime, n)
        for username in ("centre1", "hotline1"):
            client = app.test_client()
            client.post("/staff/login", data={"username": username, "password": PASSWORD})
            for path in ("/staff/", "/staff/?overdue=1", "/staff/?q=OSS-2569-000001",
                         "/staff/export.csv"):
                median, worst = _timed(client, path, rounds=5 if "export" in path else 20)
                rows = ""
                if "export" in path:
                    rows = f" ({len(re.findall(chr(10), client.get(path).get_data(as_text=True))) - 1} rows)"
                print(f"{username:9s} {path:28s} median {median:7.1f} ms  worst {worst:7.1f} ms{rows}")
        runtime.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
