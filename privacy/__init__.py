"""PDPA rights: access and erasure from LINE or an officer, consent per purpose, retention."""

from privacy.consent import record_consent
from privacy.requests import handle_request
from privacy.retention import run_retention

__all__ = ["handle_request", "record_consent", "run_retention"]
