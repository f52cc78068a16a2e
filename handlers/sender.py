"""The one way out to LINE: every reply and push goes through LineSender.send()."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    ShowLoadingAnimationRequest,
)

from models import OutboundMessage, utcnow
from settings import Settings

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 600
PROBE_SECONDS = 0.5
NO_ANSWER = "no answer:"
LINE_API = "https://api.line.me"


def sdk_configuration(settings: Settings) -> Configuration:
    """The SDK's configuration. On real LINE the SDK picks each call's host itself (content
    and rich-menu images live on api-data.line.me); a stand-in gets every call."""
    token = settings.line_channel_access_token or "unset"
    base = settings.line_api_base_url.rstrip("/")
    if base == LINE_API:
        return Configuration(access_token=token)
    return Configuration(access_token=token, host=base)


def _answered_since(row: OutboundMessage) -> bool:
    """Whether LINE's last answer to this row was an answer (an HTTP error), not silence."""
    return bool(row.last_error) and not row.last_error.startswith((NO_ANSWER, "unexpected:"))


@dataclass(frozen=True)
class Outcome:
    """What happened to one attempt: sent, retry later, or failed for good."""

    status: str  # sent | retry | failed | reply_token_gone
    error: str | None = None
    retry_after: float | None = None
    request_id: str | None = None
    # No answer came back (a timeout, a connection dropped mid-call): LINE may have done
    # the work anyway. An HTTP error answer is LINE saying it did not.
    maybe_delivered: bool = False


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, at least what LINE's Retry-After asks."""
    base = min(MAX_BACKOFF_SECONDS, 2 ** min(attempts, 10))
    delay = base * (0.5 + random.random() / 2)
    return max(delay, retry_after or 0.0)


def _retry_after(headers: Any) -> float | None:
    value = (headers or {}).get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _classify_api_error(exc: ApiException) -> Outcome:
    status = exc.status or 0
    body = (exc.body or "")[:300] if isinstance(exc.body, str) else str(exc.body)[:300]
    headers = exc.headers or {}
    if status == 409 and hasattr(headers, "get") and headers.get("X-Line-Accepted-Request-Id"):
        # LINE already accepted this retry key: the push went out on an earlier attempt.
        return Outcome("sent", request_id=headers.get("X-Line-Accepted-Request-Id"))
    if status == 400 and "reply token" in body.lower():
        return Outcome("reply_token_gone", f"{status}: {body}")
    if status == 429 or status >= 500:
        return Outcome("retry", f"{status}: {body}", _retry_after(headers))
    return Outcome("failed", f"{status}: {body}")


class LineSender:
    """Talks to LINE's Messaging API with timeouts, retry classification and retry keys."""

    def __init__(self, settings: Settings) -> None:
        self._client = ApiClient(sdk_configuration(settings))
        self._api = MessagingApi(self._client)
        self._blob = MessagingApiBlob(self._client)
        self._timeout = settings.line_timeout_seconds
        # A used-up token proves delivery only while it cannot simply have expired.
        self._trust_margin = timedelta(seconds=self._timeout + 2)

    def reply_usable(self, row: OutboundMessage, now: datetime) -> bool:
        """Whether to answer with the reply token: only with time left for one retry within
        its life, so that a reply whose answer is lost can still be checked (a used token)
        rather than pushed again."""
        if not (row.reply_token and row.reply_token_expires_at):
            return False
        margin = timedelta(seconds=2 * self._timeout + 2) + self._trust_margin
        left = row.reply_token_expires_at - now
        return left > (self._trust_margin if row.delivery_unknown else margin)

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()

    def send(self, row: OutboundMessage, now: datetime | None = None) -> Outcome:
        """Send one outbox row: the reply token while it is fresh, else a push with a retry key."""
        now = now or utcnow()
        messages = row.messages
        if not (isinstance(messages, list) and messages and all(isinstance(m, dict) for m in messages)):
            return Outcome("failed", "invalid message: not a list of message objects")
        if self.reply_usable(row, now):
            outcome = self._call(self._reply, row, messages)
            if outcome.status != "reply_token_gone":
                return outcome
            if row.delivery_unknown and row.reply_token_expires_at - now > self._trust_margin:
                # The token is single use and well within its minute: the earlier attempt
                # that we never heard back from used it, so the citizen has this message.
                return Outcome("sent", "reply token used by an earlier attempt")
        elif row.delivery_unknown and row.reply_token and _answered_since(row):
            # The token ran out while we were still asking. LINE has answered since, so it was
            # up: the reply it never answered was most likely delivered late. Pushing it again
            # would show the citizen the same message twice.
            return Outcome("sent", "reply fate unknown; not pushed again")
        # No answer at all so far (LINE unreachable, or a worker died before calling it): push,
        # with a retry key. A message possibly twice beats an emergency number never shown.
        return self._call(self._push, row, messages)

    def _reply(self, row: OutboundMessage, messages: list[dict[str, Any]]) -> Any:
        return self._post("/v2/bot/message/reply", {"replyToken": row.reply_token, "messages": messages})

    def _push(self, row: OutboundMessage, messages: list[dict[str, Any]]) -> Any:
        return self._post("/v2/bot/message/push", {"to": row.to, "messages": messages},
                          {"X-Line-Retry-Key": row.retry_key} if row.retry_key else None)

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        """POST a reply or push through the SDK's own client (its auth, host, timeout and
        ApiException), without its typed request models. The outbox stores the messages as
        LINE's JSON already; turning them into models and back (pydantic validation of every
        field) made a send cost 1.6 ms of CPU instead of 0.6 (bench/bench_sender.py). LINE
        checks the body itself: a bad message is answered 400, which fails the row as a
        model error did."""
        return self._client.call_api(
            path, "POST", {}, [], {"Accept": "application/json", "Content-Type": "application/json",
                                   **(headers or {})},
            body=body, post_params=[], files={}, response_types_map={}, auth_settings=["Bearer"],
            _return_http_data_only=False, _preload_content=True, _request_timeout=self._timeout,
            _host=self._api.line_base_path, collection_formats={})

    def _call(self, fn: Any, row: OutboundMessage, messages: list[dict[str, Any]]) -> Outcome:
        try:
            response = fn(row, messages)
        except ApiException as exc:
            return _classify_api_error(exc)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return Outcome("retry", f"{NO_ANSWER} {type(exc).__name__}", maybe_delivered=True)
        except Exception as exc:  # e.g. an answer the SDK cannot parse: retry, never strand it
            return Outcome("retry", f"unexpected: {type(exc).__name__}", maybe_delivered=True)
        headers = response.headers or {}
        return Outcome("sent", request_id=headers.get("X-Line-Request-Id"))

    def show_loading(self, chat_id: str, seconds: int = 5) -> None:
        """Show the typing animation in a one-to-one chat; failures are harmless."""
        try:
            self._api.show_loading_animation(
                ShowLoadingAnimationRequest(chat_id=chat_id, loading_seconds=seconds),
                _request_timeout=self._timeout,
            )
        except (ApiException, urllib3.exceptions.HTTPError, OSError):
            log.info("loading animation not shown")

    def fetch_content(self, message_id: str) -> tuple[bytes, str | None]:
        """Download an attachment's bytes from LINE (it deletes them after a while)."""
        response = self._blob.get_message_content_with_http_info(
            message_id, _request_timeout=self._timeout
        )
        headers = response.headers or {}
        return bytes(response.data), headers.get("Content-Type")

    def leave_group(self, group_id: str) -> None:
        """Leave a group or room that is not a staff group."""
        call = self._api.leave_room if group_id.startswith("R") else self._api.leave_group
        call(group_id, _request_timeout=self._timeout)


def next_attempt(row: OutboundMessage, outcome: Outcome, now: datetime) -> datetime:
    """When to try a retryable row again: soon after a reply whose fate is unknown (only a
    retry while its token lives can tell whether LINE used it), else with backoff."""
    token_alive = row.reply_token_expires_at is not None and row.reply_token_expires_at > now
    probing = (outcome.maybe_delivered or row.delivery_unknown) and row.reply_token and token_alive
    if probing and not outcome.retry_after:
        return now + timedelta(seconds=PROBE_SECONDS)
    return now + timedelta(seconds=backoff_seconds(row.attempts, outcome.retry_after))
