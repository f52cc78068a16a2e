"""The shipped model file: rebuilt from the data, fresh, and equal to training at import."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

from intents import artefact, model
from intents.classifier import Models, analyse, default_models, train
from intents.resources import training_rows

TEXTS = ["อยากตาย", "ขอเบี้ยคนพิการให้ลูกค่ะ", "สวัสดีค่ะ", "my husband hits me right now"]


def test_shipped_model_matches_the_training_data() -> None:
    # Fails when a data file changed without `python -m intents train` being run.
    assert artefact.stored_fingerprint() == artefact.fingerprint()


def _data_copy(tmp_path: Path, extra_cues: str) -> Path:
    import shutil

    from intents.resources import DATA_DIR, TRAINING_FILES

    for name in (*TRAINING_FILES, "cues.yaml", "normalize.yaml", "model.yaml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    with (tmp_path / "cues.yaml").open("a", encoding="utf-8") as handle:
        handle.write(extra_cues)
    return tmp_path


def test_a_rule_only_cue_group_leaves_the_shipped_model_fresh(tmp_path: Path) -> None:
    # A `feature: false` group gives the models no token: no retraining for it, and no
    # training at every start because the file looked stale.
    rule_only = "  loan_words:\n    feature: false\n    phrases: [ดอกโหด]\n"
    assert artefact.fingerprint(_data_copy(tmp_path, rule_only)) == artefact.fingerprint()


def test_a_feature_cue_group_makes_the_shipped_model_stale(tmp_path: Path) -> None:
    feature = "  loan_words:\n    phrases: [ดอกโหด]\n"
    assert artefact.fingerprint(_data_copy(tmp_path, feature)) != artefact.fingerprint()


def test_dump_and_load_give_the_same_predictions(tmp_path: Path) -> None:
    rows = [r for r in training_rows() if r["kind"] != "problem"][:60] + [
        r for r in training_rows() if r["kind"] == "problem"][:60]
    trained = train(rows)
    loaded = Models(joint=model.load(model.dump(trained.joint)))
    for text in TEXTS:
        sample = analyse(text).sample
        assert trained.predict(sample) == loaded.predict(sample)


def test_a_stale_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "model.bin.gz"
    path.write_bytes(gzip.compress(b"not-the-fingerprint\n{}"))
    assert artefact.load_if_fresh(path) is None


def test_a_broken_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "model.bin.gz"
    path.write_bytes(b"garbage")
    assert artefact.load_if_fresh(path) is None


_DIGEST = """
import hashlib
from intents import model
from intents.classifier import train
from intents.resources import training_rows
rows = training_rows()[::12]
print(hashlib.sha256(model.dump(train(rows).joint)).hexdigest())
"""


def test_training_is_deterministic_whatever_the_hash_seed() -> None:
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _DIGEST], cwd=root, env=env, text=True,
                              capture_output=True, timeout=120, check=True)
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_the_automaton_finds_the_same_ngrams_as_the_set_path() -> None:
    # classify() scores through an Aho-Corasick automaton over the model's n-grams; training
    # and this check build the n-gram set. Both must give the same numbers.
    models = default_models()
    texts = [*TEXTS, "@now #short", "ผัว@ตี#หนู", "x" * 3000, "😭🙏", "ก", "",
             *(row["text"] for row in training_rows()[:300])]
    for text in texts:
        info = analyse(text)
        assert models.predict(info.sample) == models.predict_text(info.text, info.tokens)
