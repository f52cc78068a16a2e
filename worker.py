"""The background worker: a small loop over its jobs (see `jobs/`): stored events, the
outbox, attachments, escalation, conversation timeouts and hourly maintenance.

Run it with `python worker.py` (Procfile `worker:`); `make run` starts one beside the web.
Several workers may run against the same database: every job claims its rows first.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from handlers.sender import LineSender
from handlers.staff_actions import run_details_fallback
from jobs.attachments import AttachmentFetcher
from jobs.escalation import run_escalation
from jobs.events import EventQueue
from jobs.maintenance import purge_sent_messages
from jobs.outbox import OutboxSender
from jobs.timeouts import run_timeouts
from models import utcnow
from privacy import run_retention
from runtime import Runtime

log = logging.getLogger("worker")

MAINTENANCE_EVERY_SECONDS = 3600
# Escalation, timeouts, attachments and the details fallback run at most this often in a
# running worker: their deadlines are minutes, and in a surge every round is for events.
SIDE_JOBS_EVERY_SECONDS = 1.0


class Worker:
    """One worker process (or thread); several may run against the same database."""

    def __init__(self, runtime: Runtime, sender: LineSender | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.sender = sender or LineSender(runtime.settings)
        self.name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._outbox_wake = threading.Event()
        self._last_maintenance = -float(MAINTENANCE_EVERY_SECONDS)
        self._last_side_jobs = -SIDE_JOBS_EVERY_SECONDS
        self.events = EventQueue(runtime, self.sender, self.name, self._stop)
        self.outbox = OutboxSender(runtime, self.sender, self._stop)
        self.attachments = AttachmentFetcher(runtime, self.sender)

    def jobs(self) -> list[tuple[str, Callable[[], int]]]:
        """Every job of one round, in order: events first so their replies go out this round."""
        return [("events", self.process_events), ("outbox", self.send_outbox),
                ("attachments", self.fetch_attachments), ("escalation", self.escalate),
                ("timeouts", self.expire_conversations), ("maintenance", self._maintenance_hourly),
                ("details_fallback", lambda: run_details_fallback(self.runtime, self.settings, utcnow()))]

    def run_once(self) -> int:
        """Do one round of every job; returns how many items were handled."""
        return self._run(self.jobs())

    def _run(self, jobs: list[tuple[str, Callable[[], int]]]) -> int:
        done = 0
        for name, job in jobs:
            try:  # one failing job must not stop the others (alerts, escalation)
                done += job()
            except Exception:
                log.exception("worker job %s failed", name)
        if done:
            self._outbox_wake.set()  # whatever was handled may have queued messages
        return done

    def run_until_idle(self, max_rounds: int = 50) -> int:
        """Repeat rounds until nothing is left to do now (tests and one-shot runs)."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if done == 0:
                break
        return total

    def run_forever(self, jobs: str = "all") -> None:
        """Work until stopped; SIGTERM lets the current item finish, then exits.

        `jobs`: "all" runs the outbox in a thread of its own, so replies leave while later
        events are handled; "events" leaves the outbox to another process and "outbox" runs
        only the outbox (the Procfile's `worker` and `sender`: each gets a core and a GIL
        of its own, which in a surge more than doubles what one process sends)."""
        log.info("worker %s started (%s)", self.name, jobs)
        if jobs == "outbox":
            self._loop(self._outbox_jobs, self._outbox_wake)
        else:
            outbox = None
            if jobs == "all":
                outbox = threading.Thread(target=self._loop, args=(self._outbox_jobs, self._outbox_wake),
                                          name="outbox", daemon=True)
                outbox.start()
            self._loop(self._event_jobs, self._wake)
            if outbox is not None:
                outbox.join(timeout=2 * self.settings.line_timeout_seconds + 5)
        self.close()
        log.info("worker %s stopped", self.name)

    def _loop(self, jobs: Callable[[], list[tuple[str, Callable[[], int]]]], wake: threading.Event) -> None:
        while not self._stop.is_set():
            busy = self._run(jobs())
            if not busy:
                wake.wait(self.settings.worker_poll_seconds)
                wake.clear()

    def _event_jobs(self) -> list[tuple[str, Callable[[], int]]]:
        now = time.monotonic()
        if now - self._last_side_jobs >= SIDE_JOBS_EVERY_SECONDS:
            self._last_side_jobs = now
            return [job for job in self.jobs() if job[0] != "outbox"]
        return [("events", self.process_events)]

    def _outbox_jobs(self) -> list[tuple[str, Callable[[], int]]]:
        return [("outbox", self.send_outbox)]

    def wake(self) -> None:
        """Start the next round now (the web process calls this after storing events)."""
        self._wake.set()

    def stop(self, *_: Any) -> None:
        """Finish the current item and leave the loop."""
        self._stop.set()
        self._wake.set()
        self._outbox_wake.set()

    def close(self) -> None:
        """Release the sending threads and LINE connections."""
        self.outbox.close()
        self.events.close()
        self.sender.close()

    # The jobs, by name (tests run them one at a time).

    def process_events(self) -> int:
        """Handle pending events chat by chat, in the order LINE sent them."""
        return self.events.run()

    def send_outbox(self) -> int:
        """Send due messages: alerts first, each citizen's in order."""
        return self.outbox.run()

    def fetch_attachments(self) -> int:
        """Download new attachments from LINE before LINE deletes them."""
        return self.attachments.run()

    def escalate(self) -> int:
        """Move cases nobody acknowledged in time up their chain."""
        return run_escalation(self.runtime)

    def expire_conversations(self) -> int:
        """Unanswered danger questions become emergencies; idle conversations expire politely."""
        return run_timeouts(self.runtime)

    def purge_sent_messages(self) -> int:
        """Blank delivered message bodies past retention (PDPA)."""
        return purge_sent_messages(self.runtime)

    def _maintenance_hourly(self) -> int:
        now = time.monotonic()
        if now - self._last_maintenance < MAINTENANCE_EVERY_SECONDS:
            return 0
        self._last_maintenance = now
        self.purge_sent_messages()
        run_retention(self.runtime, self.settings, utcnow())  # PDPA: closed cases, contacts
        return 0


JOBS = ("all", "events", "outbox")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the worker process: `python worker.py [--jobs all|events|outbox]`."""
    import argparse

    import settings as app_settings

    parser = argparse.ArgumentParser(description="The intake service's background worker.")
    parser.add_argument("--jobs", choices=JOBS, default="all",
                        help="all (default); events and everything but the outbox; the outbox only")
    jobs = parser.parse_args(argv).jobs
    settings = app_settings.from_env().check()
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if settings.worker_nice:
        # The web gets a core first on a machine they share (README: WORKER_NICE).
        os.nice(settings.worker_nice)
    runtime = Runtime.build(settings)
    worker = Worker(runtime)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    if jobs != "outbox":
        warm()
    worker.run_forever(jobs)


def warm() -> None:
    """Load the classifier and the place tables before the first event, so the first
    citizens of a surge do not wait for them (about a second, in the worker's cProfile)."""
    from intents import classify
    from referral.resolver import warm as warm_places
    from referral.routing import ack_deadline

    classify("ตกงานมาสามเดือน ค่าเทอมลูกยังไม่มีจ่ายเลย")
    warm_places()
    ack_deadline("normal", utcnow())  # this year's public holidays (the holidays package)


if __name__ == "__main__":
    main()
