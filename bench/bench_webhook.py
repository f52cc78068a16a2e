"""Benchmark: webhook acknowledgement latency and end-to-end handling rate, on SQLite.

Prints figures only. Traffic goes to 127.0.0.1 only, bounded in count.
Usage: .venv/bin/python bench/bench_webhook.py [N_MESSAGES]
"""

from __future__ import annotations

import logging
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from bot import create_app  # noqa: E402
from commands import migrate, seed_centers  # noqa: E402
from settings import Settings  # noqa: E402
from simulator.events import WebhookSender, random_user_id  # noqa: E402
from simulator.platform import FakeLinePlatform  # noqa: E402
from worker import Worker  # noqa: E402

SECRET, TOKEN = "bench-secret", "bench-token"
MESSAGES = [
    "ตาข้างบ้านเป็นอัมพาต ลูกหลานไม่มาดูแลเลย",
    "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง",
    "สวัสดีค่ะ",
    "เบี้ยผู้สูงอายุต้องใช้เอกสารอะไรบ้าง",
    "ช่วยด้วย สามีกำลังทุบตีหนู ตอนนี้ล็อกห้องอยู่",
]


def main(n: int) -> None:
    """Post n signed messages from n/5 users, then let one worker handle everything."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    tmp = Path(tempfile.mkdtemp())
    line = FakeLinePlatform(TOKEN, SECRET).start()
    settings = Settings(line_channel_secret=SECRET, line_channel_access_token=TOKEN,
                        line_api_base_url=line.url, database_url=f"sqlite:///{tmp / 'b.sqlite3'}",
                        hotline_line_to="C" + "a" * 32, staff_fallback_line_to="C" + "b" * 32,
                        admin_api_token="x", environment="test", log_level="WARNING")
    app = create_app(settings)
    runtime = app.extensions["runtime"]
    migrate(runtime)
    seed_centers(runtime)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    sender = WebhookSender(f"http://127.0.0.1:{http.server_port}/callback", SECRET, line)
    users = [random_user_id() for _ in range(max(1, n // 5))]
    latencies = []
    for i in range(n):
        start = time.perf_counter()
        status = sender.send_text(users[i % len(users)], MESSAGES[i % len(MESSAGES)])
        latencies.append(time.perf_counter() - start)
        if status != 200:
            raise SystemExit(f"webhook answered {status}")
    worker = Worker(runtime)
    start = time.perf_counter()
    worker.run_until_idle(max_rounds=10_000)
    elapsed = time.perf_counter() - start
    latencies.sort()
    print(f"webhook: {n} signed POSTs, ack latency p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {latencies[int(0.95 * n) - 1] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print(f"worker: handled {n} events and sent {len(line.delivered)} LINE requests in "
          f"{elapsed:.2f} s ({n / elapsed:.0f} events/s, one worker, SQLite)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (web + worker + fake LINE in one process): {peak:.0f} MB")
    http.shutdown()
    line.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
