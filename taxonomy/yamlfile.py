"""YAML data files parsed by libyaml when PyYAML has it (the same safe loader, ~10× faster).

The worker, the sender and the web each parse the bot's YAML (texts, routing, the
gazetteer, the classifier's cues) when they start; with the pure-Python parser that was
about 0.2 s of every start, in a benchmark that counts the start."""

from __future__ import annotations

from typing import IO, Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: str | bytes | IO[Any]) -> Any:
    """yaml.safe_load, with libyaml's parser when available."""
    return yaml.load(stream, Loader=SafeLoader)  # noqa: S506 - a safe loader
