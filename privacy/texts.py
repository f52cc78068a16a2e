"""The PDPA texts citizens read and the words that ask for their rights (texts.yaml)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from taxonomy import yamlfile

HERE = Path(__file__).resolve().parent


@cache
def _texts() -> dict[str, Any]:
    with open(HERE / "texts.yaml", encoding="utf-8") as f:
        return yamlfile.safe_load(f)


def t(key: str, lang: str = "th", **values: Any) -> str:
    """Return the text for key in the citizen's language (Thai when there is no English)."""
    entry = _texts()[key]
    template = entry.get(lang) or entry["th"]
    return template.format(**values) if values else template


@cache
def word(name: str) -> re.Pattern[str]:
    """Return the compiled pattern of one of the `words` in texts.yaml."""
    return re.compile(_texts()["words"][name], re.IGNORECASE)


def joined(items: list[str], lang: str) -> str:
    """Join items for a sentence."""
    return t("list_separator", lang).join(items)
