"""Write conversation.md's diagram from the table: `python -m handlers.conversation`."""

from __future__ import annotations

from pathlib import Path

from handlers.conversation.table import diagram

MD = Path(__file__).resolve().parent / "conversation.md"
START, END = "```mermaid\n", "\n```"


def rendered(text: str) -> str:
    """The markdown with its Mermaid block replaced by the table's diagram."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}{diagram()}{END}{tail}"


def main() -> None:
    """Rewrite conversation.md in place."""
    MD.write_text(rendered(MD.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
