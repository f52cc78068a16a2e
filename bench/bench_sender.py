"""Benchmark: the CPU one LINE call costs the sender, by way of sending it.

The fake LINE platform runs in a child process, so this process's CPU time is the sender's
alone. Each way pushes the same message (a Thai text with four quick replies, as the
conversation sends) N times over one kept-alive connection:
- `sdk models`: the SDK's typed call (`Message.from_dict`, `PushMessageRequest`,
  `MessagingApi.push_message_with_http_info`), as the sender did before;
- `LineSender.send`: the sender as it is, an outbox row through the SDK's `ApiClient.call_api`.

Printed: CPU and wall milliseconds per call. Figures only; nothing is asserted.
Usage: .venv/bin/python bench/bench_sender.py [--calls 500]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN, SECRET = "bench-token", "bench-secret"
PLATFORM = """
import logging, sys, time
sys.path.insert(0, {root!r})
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from simulator.platform import FakeLinePlatform
platform = FakeLinePlatform({token!r}, {secret!r}).start()
print(platform.url, flush=True)
time.sleep(3600)
"""


def message() -> dict:
    """A question as the conversation asks it: Thai text and four quick-reply buttons."""
    button = {"type": "action", "action": {"type": "postback", "label": "ไม่ทราบ",
                                           "data": "a=unknown", "displayText": "ไม่ทราบ"}}
    return {"type": "text", "text": "ขอทราบเบอร์โทรที่ติดต่อกลับได้ค่ะ " * 4,
            "quickReply": {"items": [button] * 4}}


def timed(label: str, calls: int, send) -> None:
    send()  # the first call opens the connection
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        send()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"  {label:<16} CPU {1000 * cpu / calls:.3f} ms, wall {1000 * wall / calls:.3f} ms per call")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--calls", type=int, default=500)
    opts = p.parse_args(argv)
    child = subprocess.Popen([sys.executable, "-c", PLATFORM.format(root=str(ROOT), token=TOKEN, secret=SECRET)],
                             stdout=subprocess.PIPE, text=True)
    try:
        url = child.stdout.readline().strip()
        from linebot.v3.messaging import ApiClient, Configuration, Message, MessagingApi, PushMessageRequest

        import settings as app_settings
        from handlers.sender import LineSender
        from models import OutboundMessage, utcnow

        user = "U" + "0" * 32
        body = [message()]
        api = MessagingApi(ApiClient(Configuration(access_token=TOKEN, host=url)))
        sender = LineSender(app_settings.from_env({"LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_CHANNEL_SECRET": SECRET,
                                                   "LINE_API_BASE_URL": url, "DATABASE_URL": "sqlite://"}))
        print(f"sender bench: {opts.calls} pushes of one message with four quick replies, fake LINE in a child process")

        def typed() -> None:
            request = PushMessageRequest(to=user, messages=[Message.from_dict(m) for m in body])
            api.push_message_with_http_info(request, x_line_retry_key=str(uuid.uuid4()), _request_timeout=5)

        def ours() -> None:
            row = OutboundMessage(to=user, messages=body, retry_key=str(uuid.uuid4()), attempts=0)
            outcome = sender.send(row, utcnow() + timedelta(seconds=1))
            if outcome.status != "sent":
                raise SystemExit(f"not sent: {outcome}")

        timed("sdk models", opts.calls, typed)
        timed("LineSender.send", opts.calls, ours)
    finally:
        child.kill()
        child.wait()


if __name__ == "__main__":
    main()
