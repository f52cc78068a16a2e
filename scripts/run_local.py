"""`make run`: migrate, seed, then start web and worker (and the LINE simulator when no
LINE credentials are set) on this machine, until Ctrl-C."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIM_SECRET = "local-simulator-secret"
SIM_TOKEN = "local-simulator-token"
# Stand-in staff groups, so notifications show in the simulator's staff panel.
SIM_HOTLINE = "C" + "1300" * 8
SIM_STAFF = "C" + "5afe" * 8


def local_environment() -> tuple[dict[str, str], bool]:
    """The environment for the child processes; True when the simulator stands in for LINE."""
    env = dict(os.environ)
    env.setdefault("PORT", "8000")
    simulate = not (env.get("LINE_CHANNEL_SECRET") and env.get("LINE_CHANNEL_ACCESS_TOKEN"))
    if simulate:
        sim_port = env.setdefault("SIM_PORT", "8081")
        env.update(LINE_CHANNEL_SECRET=SIM_SECRET, LINE_CHANNEL_ACCESS_TOKEN=SIM_TOKEN,
                   LINE_API_BASE_URL=f"http://127.0.0.1:{sim_port}",
                   SIM_CALLBACK_URL=f"http://127.0.0.1:{env['PORT']}/callback")
        env.setdefault("HOTLINE_LINE_TO", SIM_HOTLINE)
        env.setdefault("STAFF_FALLBACK_LINE_TO", SIM_STAFF)
    env.setdefault("ADMIN_API_TOKEN", "local-admin-token")
    # One key for every web process of this run: sign-ins survive between gunicorn workers.
    env.setdefault("SECRET_KEY", secrets.token_hex(32))
    env.setdefault("OPEN311_API_KEYS", "walk_in:local-open311-key")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env, simulate


DEMO_PASSWORD = "demo-1300-admin"


def init_database(env: dict[str, str], simulate: bool) -> None:
    """Run migrations, seed the centre directory (first start only), create the demo staff."""
    flask = [sys.executable, "-m", "flask", "--app", "bot"]
    subprocess.run([*flask, "init-db"], cwd=ROOT, env=env, check=True)
    from simulator.app import STAFF_USER_ID

    demo = [*flask, "staff", "demo", "--password", DEMO_PASSWORD]
    # The simulator's staff panel plays the demo staff member, linked to its LINE user.
    subprocess.run(demo + (["--line-user", STAFF_USER_ID] if simulate else []),
                   cwd=ROOT, env=env, check=True)


def start(env: dict[str, str], simulate: bool) -> list[subprocess.Popen]:
    """Start the simulator (if needed), the web server, the worker and the sender."""
    bin_dir = Path(sys.executable).parent
    commands = []
    if simulate:
        commands.append([sys.executable, "-m", "simulator"])
    commands.append([str(bin_dir / "gunicorn"), "bot:app", "--bind", f"127.0.0.1:{env['PORT']}",
                     "--workers", "2", "--threads", "4"])
    # As the Procfile: the worker handles events, the sender delivers the outbox.
    commands.append([sys.executable, "worker.py", "--jobs", "events"])
    commands.append([sys.executable, "worker.py", "--jobs", "outbox"])
    return [subprocess.Popen(cmd, cwd=ROOT, env=env) for cmd in commands]


def wait_until_up(url: str, seconds: float = 20) -> bool:
    """Poll a URL until it answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> None:
    """Run everything until Ctrl-C, then stop the children cleanly."""
    env, simulate = local_environment()
    init_database(env, simulate)
    children = start(env, simulate)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    web = f"http://127.0.0.1:{env['PORT']}"
    if simulate and wait_until_up(f"http://127.0.0.1:{env['SIM_PORT']}/sim/api/users", 60):
        # The simulator starts empty: give it the rich menu, as `flask line rich-menu` does on LINE.
        subprocess.run([sys.executable, "-m", "flask", "--app", "bot", "line", "rich-menu"], cwd=ROOT, env=env)
    if wait_until_up(f"{web}/healthz"):
        print(f"\nService up: {web}  (webhook {web}/callback)")
        if simulate:
            print(f"LINE simulator: open http://127.0.0.1:{env['SIM_PORT']} to chat with the bot")
        print(f"Staff dashboard: {web}/staff/  sign in as admin (or demo-staff), "
              f"password {DEMO_PASSWORD}")
        if simulate:
            print("  In the simulator's staff panel you are demo-staff: tap รับเรื่อง, ส่งต่อ, ปิดเรื่อง")
        print(f"Case API: curl -H 'Authorization: Bearer {env['ADMIN_API_TOKEN']}' {web}/api/v1/cases\n")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    main()
