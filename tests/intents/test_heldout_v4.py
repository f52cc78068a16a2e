"""The fourth held-out set (written from the taxonomy alone by a writer who saw neither this
code nor its data): it must stay out of training, apart from a few short greetings."""

from __future__ import annotations

from intents.resources import DATA_DIR, read_jsonl, training_rows

HELDOUT_V4 = DATA_DIR / "heldout_v4.jsonl"


def test_heldout_v4_is_not_trained_on():
    texts = {row["text"] for row in read_jsonl(HELDOUT_V4)}
    shared = texts & {row["text"] for row in training_rows()}
    assert len(texts) == 400
    assert all(len(t) <= 40 for t in shared), "a held-out story leaked into training"
