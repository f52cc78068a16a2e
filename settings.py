"""One settings object, built from the environment with safe defaults and strict parsing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'instance' / 'intake.sqlite3'}"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_base_url: str = "https://api.line.me"
    database_url: str = DEFAULT_DATABASE_URL
    hotline_line_to: str = ""
    staff_fallback_line_to: str = ""
    admin_api_token: str = ""
    port: int = 8000
    environment: str = "development"
    embedded_worker: bool = False
    worker_poll_seconds: float = 0.1
    line_timeout_seconds: float = 5.0
    outbox_concurrency: int = 8
    # Worker processes lower their CPU priority by this much (os.nice), so that on a machine
    # they share with the web the webhook gets a core first. Off by default: measured with
    # bench_surge.py it did not reliably lower the surge's ack p99 (README).
    worker_nice: int = 0
    rate_limit_per_minute: int = 20
    conversation_idle_minutes: int = 30
    privacy_notice_version: str = "2026-11"
    outbox_retention_days: int = 30
    # PDPA: personal data of a case is erased this long after it is closed.
    case_retention_days: int = 365
    # PDPA: the contacts log (and old event and outbox recipients) loses its LINE ids after this.
    contact_retention_days: int = 90
    log_level: str = "INFO"
    secret_key: str = ""
    open311_api_keys: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        """True when running as the real service (strict checks apply)."""
        return self.environment == "production"

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with some settings replaced (tests pass settings in)."""
        return replace(self, **overrides)

    def check(self) -> Settings:
        """Fail with a clear message if production is missing what it needs."""
        if not self.is_production:
            return self
        missing = [name.upper() for name in _REQUIRED_IN_PRODUCTION if not getattr(self, name)]
        if missing:
            raise SettingsError(f"missing required settings for production: {', '.join(missing)}")
        if self.database_url.startswith("sqlite"):
            # Web and worker run on separate machines in production: a local file would split
            # the data, and a restart would lose it.
            raise SettingsError("DATABASE_URL must point to PostgreSQL in production, not SQLite")
        return self


_REQUIRED_IN_PRODUCTION = (
    "line_channel_secret",
    "line_channel_access_token",
    "database_url",
    "hotline_line_to",
    "staff_fallback_line_to",
    "admin_api_token",
    "secret_key",
)


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _parse_number(name: str, raw: str, kind: type) -> Any:
    try:
        return kind(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a {kind.__name__}, not {raw!r}") from None


def normalize_database_url(url: str) -> str:
    """Accept Heroku-style postgres:// URLs and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _coerce(name: str, raw: str, annotation: str) -> Any:
    if annotation == "bool":
        return _parse_bool(name, raw)
    if annotation == "int":
        return _parse_number(name, raw, int)
    if annotation == "float":
        return _parse_number(name, raw, float)
    return raw.strip()


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables named like the fields, upper-case."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for f in fields(Settings):
        key = f.name.upper()
        if f.name == "extra" or key not in env or env[key] == "":
            continue
        values[f.name] = _coerce(key, env[key], str(f.type))
    if "environment" in values and values["environment"] not in ("development", "production", "test"):
        raise SettingsError("ENVIRONMENT must be development, production or test")
    for name in ("case_retention_days", "contact_retention_days"):
        if values.get(name, 1) < 1:
            raise SettingsError(f"{name.upper()} must be at least 1 day")
    if not 0 <= values.get("worker_nice", 0) <= 19:
        raise SettingsError("WORKER_NICE must be between 0 (no change) and 19")
    settings = Settings(**values)
    return replace(settings, database_url=normalize_database_url(settings.database_url))
