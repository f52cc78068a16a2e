"""The LINE intake service of พม.: the Flask app factory and `app` for gunicorn."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy import text

import settings as app_settings
from runtime import Runtime
from settings import Settings


def _settings_from(config: Settings | Mapping[str, Any] | None) -> Settings:
    if isinstance(config, Settings):
        return config
    base = app_settings.from_env()
    overrides = dict(config or {})
    if "database_url" in overrides:
        overrides["database_url"] = app_settings.normalize_database_url(overrides["database_url"])
    return base.with_overrides(**overrides)


# Bodies larger than this are refused with 413 (LINE's webhook bodies are a few kB; 2 MB is
# LINE's own request limit for the Messaging API).
MAX_BODY_BYTES = 2 * 1024 * 1024
# An oversized body is read and thrown away up to this much, so the sender gets its 413
# instead of a reset connection; beyond it the connection is simply closed.
MAX_DRAIN_BYTES = 64 * 1024 * 1024


def _refuse_oversized() -> Any:
    length = request.content_length
    if length is None or length <= MAX_BODY_BYTES:
        return None
    stream = request.environ["wsgi.input"]
    left = min(length, MAX_DRAIN_BYTES)
    while left > 0:
        chunk = stream.read(min(left, 65536))
        if not chunk:
            break
        left -= len(chunk)
    return jsonify({"error": "request body too large", "limit_bytes": MAX_BODY_BYTES}), 413


def _start_embedded_worker(app: Flask, runtime: Runtime) -> None:
    from worker import Worker

    worker = Worker(runtime)
    thread = threading.Thread(target=worker.run_forever, name="embedded-worker", daemon=True)
    thread.start()
    app.extensions["worker"] = worker
    app.extensions["wake_worker"] = worker.wake


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the app; settings come from the environment unless given (tests pass them in)."""
    settings = _settings_from(config).check()
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(_refuse_oversized)
    runtime = Runtime.build(settings)
    app.extensions["runtime"] = runtime

    from handlers.api import bp as api_bp
    from handlers.webhook import bp as webhook_bp

    app.register_blueprint(webhook_bp)
    app.register_blueprint(api_bp)
    _register_health(app, runtime)

    from commands import register_commands

    register_commands(app)
    if settings.embedded_worker:
        _start_embedded_worker(app, runtime)
    return app


def _register_health(app: Flask, runtime: Runtime) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        """Liveness and database reachability, for the platform's health checks."""
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return jsonify({"status": "ok"})

    @app.get("/")
    def index() -> Any:
        """A plain answer for people who open the service's address."""
        return jsonify({"service": "พม. LINE intake", "webhook": "/callback", "health": "/healthz"})


class _LazyApp:
    """`app` for gunicorn, built on first use so importing bot.py reads no secrets."""

    def __init__(self) -> None:
        self._app: Flask | None = None
        self._lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        if self._app is None:
            with self._lock:  # gunicorn threads: build exactly one app per process
                if self._app is None:
                    self._app = create_app()
        return self._app(environ, start_response)


app = _LazyApp()
