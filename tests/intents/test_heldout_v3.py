"""The third held-out set (written from the taxonomy alone, never seen by whoever trained):
it must stay out of training, apart from the few greetings both happen to contain."""

from __future__ import annotations

from intents.resources import DATA_DIR, read_jsonl, training_rows

HELDOUT_V3 = DATA_DIR / "heldout_v3.jsonl"


def test_heldout_v3_is_not_trained_on():
    texts = {row["text"] for row in read_jsonl(HELDOUT_V3)}
    shared = texts & {row["text"] for row in training_rows()}
    assert len(texts) == 500
    assert all(len(t) <= 40 for t in shared), "a held-out story leaked into training"
