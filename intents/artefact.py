"""The shipped model file: built by `python -m intents train`, used when it matches the data."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import taxonomy
from intents import model
from intents.resources import DATA_DIR, TRAINING_FILES
from taxonomy import yamlfile

MODEL_FILE = DATA_DIR / "model.bin.gz"
# Bump when features, normalisation code or the model format change, so an old file
# is no longer taken for a fresh one.
FORMAT_VERSION = "intents-lr-nb-5"
# Data files whose content shapes the model (besides the training lines).
_SETTINGS_FILES = ("cues.yaml", "normalize.yaml", "model.yaml")


def fingerprint(data_dir: Path = DATA_DIR) -> str:
    """Return a hash of everything the model is trained from."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    for name in TRAINING_FILES + _SETTINGS_FILES:
        path = data_dir / name
        digest.update(name.encode() + b"\0")
        if path.exists():
            digest.update(_model_shaping(name, path.read_bytes()))
        digest.update(b"\0")
    # Of the taxonomy, only the topicless kinds decide which lines the topic model learns.
    digest.update(" ".join(sorted(taxonomy.topicless_kinds())).encode())
    return digest.hexdigest()


def _model_shaping(name: str, data: bytes) -> bytes:
    """The part of a data file that shapes the model: of cues.yaml, the groups that are model
    features (a `feature: false` group is read by the rules only, so adding one needs no
    retraining), with comments and layout left out."""
    if name != "cues.yaml":
        return data
    cues = yamlfile.safe_load(data.decode("utf-8")) or {}
    groups = {key: group for key, group in (cues.get("groups") or {}).items()
              if not isinstance(group, dict) or group.get("feature", True)}
    return json.dumps({**cues, "groups": groups}, sort_keys=True, ensure_ascii=False, default=str).encode()


def save(joint: model.Joint, path: Path = MODEL_FILE) -> int:
    """Write the model with the current fingerprint; return the file size in bytes."""
    payload = fingerprint().encode() + b"\n" + model.dump(joint)
    # mtime=0 keeps the file byte-identical when rebuilt from the same data.
    data = gzip.compress(payload, compresslevel=9, mtime=0)
    path.write_bytes(data)
    return len(data)


def stored_fingerprint(path: Path = MODEL_FILE) -> str | None:
    """Return the fingerprint the shipped file was built from (None without a file)."""
    if not path.exists():
        return None
    with gzip.open(path, "rb") as handle:
        return handle.readline().decode().strip()


def load_if_fresh(path: Path = MODEL_FILE) -> model.Joint | None:
    """Load the shipped model when it was built from the current data, else None."""
    if not path.exists():
        return None
    try:
        head, _, body = gzip.decompress(path.read_bytes()).partition(b"\n")
        if head.decode() != fingerprint():
            return None
        return model.load(body)
    except (OSError, ValueError, KeyError, EOFError):
        return None
