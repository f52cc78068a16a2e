"""Understanding citizens' messages: kind, topic, urgency (see docs/ARCHITECTURE.md)."""

from intents.classifier import Classification, classify
from intents.language import detect_language
from intents.normalize import normalize

__all__ = ["Classification", "classify", "detect_language", "normalize"]
