"""A local stand-in for the LINE platform: fake Messaging API, webhook events, chat page."""

from simulator.events import WebhookSender, random_user_id, sign
from simulator.platform import FakeLinePlatform

__all__ = ["FakeLinePlatform", "WebhookSender", "random_user_id", "sign"]
