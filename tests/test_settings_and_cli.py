"""Settings from the environment, the command lines, and several workers at once."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from sqlalchemy import select

from models import Center, InboundEvent
from settings import SettingsError, from_env
from simulator import events as ev


@pytest.mark.parametrize("env,message", [
    ({"PORT": "eighty"}, "PORT must be a int"),
    ({"EMBEDDED_WORKER": "maybe"}, "EMBEDDED_WORKER must be true or false"),
    ({"ENVIRONMENT": "staging"}, "ENVIRONMENT must be"),
    ({"WORKER_NICE": "-5"}, "WORKER_NICE must be between"),
    ({"WORKER_NICE": "20"}, "WORKER_NICE must be between"),
])
def test_bad_settings_fail_with_a_clear_message(env, message):
    with pytest.raises(SettingsError, match=message):
        from_env(env)


def test_production_without_required_settings_fails_at_start_up():
    with pytest.raises(SettingsError) as error:
        from_env({"ENVIRONMENT": "production", "LINE_CHANNEL_SECRET": "s"}).check()
    assert "LINE_CHANNEL_ACCESS_TOKEN" in str(error.value) and "LINE_CHANNEL_SECRET" not in str(error.value)


def test_heroku_style_postgres_url_is_accepted():
    settings = from_env({"DATABASE_URL": "postgres://u:p@db:5432/intake"})
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/intake"


def test_importing_bot_reads_no_secrets(monkeypatch):
    import importlib

    monkeypatch.setenv("ENVIRONMENT", "production")
    import bot

    importlib.reload(bot)  # must not raise: the app is built on first request


def test_centers_export_then_import_round_trips(app, tmp_path, db):
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["centers", "export", "-o", str(tmp_path / "c.csv")])
    assert exported.exit_code == 0
    text = (tmp_path / "c.csv").read_text(encoding="utf-8")
    group = "C" + "e" * 32
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["id"] == "TC-500109")
    row.update(line_to=group, phone="053-123456")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerow(row)
    (tmp_path / "one.csv").write_text(out.getvalue(), encoding="utf-8")
    imported = runner.invoke(args=["centers", "import", str(tmp_path / "one.csv")])
    assert imported.exit_code == 0, imported.output
    db.expire_all()
    center = db.get(Center, "TC-500109")
    assert center.line_to == group and center.phone == "053-123456"
    again = runner.invoke(args=["centers", "export"])
    assert again.output.count("\n") == text.count("\n")


def test_centers_import_with_errors_imports_nothing(app, tmp_path, db):
    bad = ("id,type,name_th,name_en,subdistrict_code,district_code,province_code,latitude,longitude,"
           "phone,line_to,active\n"
           "TC-500109,tambon_center,ศูนย์ก,,500109,5001,50,18.7,98.9,053-000000,,true\n"
           "TC-999999,tambon_center,ศูนย์ข,,999999,9999,99,18.7,98.9,,,true\n")
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["centers", "import", str(tmp_path / "bad.csv")])
    assert result.exit_code == 1
    assert "line 3" in result.output and "nothing imported" in result.output
    db.expire_all()
    assert db.get(Center, "TC-500109").phone == ""


def test_two_workers_handle_one_chat_once_and_in_order(webhook, line, runtime, db):
    from worker import Worker

    user = ev.random_user_id()
    words = ["สวัสดีค่ะ", "ขอบคุณค่ะ", "สวัสดีค่ะ", "ขอบคุณค่ะ", "สวัสดีค่ะ", "ขอบคุณค่ะ"]
    events = [ev.text(user, w, line.issue_reply_token(user), timestamp=1_800_000_000_000 + i)
              for i, w in enumerate(words)]
    assert webhook.send(events) == 200
    workers = [Worker(runtime), Worker(runtime)]
    threads = [threading.Thread(target=w.run_until_idle) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = line.texts_to(user)
    assert len(texts) == len(words)
    expected = ["ยินดี" if w.startswith("ขอบคุณ") else "สวัสดี" for w in words]
    assert [e in t for e, t in zip(expected, texts, strict=True)] == [True] * len(words)
    db.expire_all()
    assert all(e.status == "done" for e in db.scalars(select(InboundEvent)))


def test_migrations_match_the_models(runtime):
    from alembic import command
    from alembic.config import Config

    from commands import ROOT

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = runtime.settings.database_url
    config.attributes["engine"] = runtime.engine
    command.check(config)  # raises when a model change has no migration


def test_delivered_message_bodies_are_purged_after_retention(citizen, runtime, worker, db):
    from datetime import timedelta

    from sqlalchemy import update

    from models import OutboundMessage, utcnow

    citizen.say("สวัสดีค่ะ")
    with runtime.transaction() as s:
        s.execute(update(OutboundMessage).values(created_at=utcnow() - timedelta(days=31)))
    assert worker.purge_sent_messages() >= 1  # the loop runs it hourly
    db.expire_all()
    rows = db.scalars(select(OutboundMessage)).all()
    assert rows and all(r.messages == [] and r.purged_at for r in rows)
    assert all(r.status == "sent" for r in rows)
