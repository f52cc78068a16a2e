"""Linear classifiers (naive Bayes, logistic regression) over sparse features, in plain Python."""

from __future__ import annotations

import json
import math
import random
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from operator import itemgetter

import ahocorasick

from intents.features import gram_text

# A message as the model sees it: its character n-grams and its cue tokens.
Sample = tuple[frozenset[str], tuple[str, ...]]
# How much n-gram evidence counts against the cue tokens: one weight, or one per model.
GramWeight = float | tuple[float, ...]
# Cue tokens start with "@" (a cue group) or "#" (a shape such as "#short").
TOKEN_MARKS = ("@", "#")


@dataclass(frozen=True)
class LinearModel:
    """Per-feature weight rows (one float per label, ready to sum) and per-label biases."""

    labels: tuple[str, ...]
    priors: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    temperature: float
    # Naive Bayes grows overconfident with every feature, so its temperature grows with
    # the evidence; logistic regression's probabilities are used as they are.
    evidence_scaled: bool = True

    def scores(self, sample: Sample) -> tuple[list[float], int]:
        """Return the log score of each label and how many known features were used."""
        grams, tokens = sample
        weights = self.weights
        # filter and map run in C: this keeps a prediction near 50 microseconds.
        rows = list(map(weights.__getitem__, filter(weights.__contains__, grams)))
        rows.extend(weights[t] for t in tokens if t in weights)
        if not rows:
            return list(self.priors), 0
        return [p + sum(col) for p, col in zip(self.priors, zip(*rows, strict=True), strict=True)], len(rows)

    def predict(self, sample: Sample) -> list[tuple[str, float]]:
        """Return (label, probability) pairs, most probable first."""
        scores, used = self.scores(sample)
        probs = softmax(scores, self.effective_temperature(used))
        return sorted(zip(self.labels, probs, strict=True), key=lambda pair: -pair[1])

    def effective_temperature(self, used: float) -> float:
        """Return the softmax temperature for a message with `used` known features."""
        return self.temperature * math.sqrt(used + 1) if self.evidence_scaled else self.temperature


def softmax(scores: Sequence[float], temperature: float) -> list[float]:
    """Return softmax(scores / temperature)."""
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def fit(samples: Iterable[tuple[Sample, str]], method: str = "naive_bayes",
        **settings: float) -> LinearModel:
    """Train the model named by method ("naive_bayes" or "logistic") with its settings."""
    if method == "logistic":
        return fit_logistic(samples, **settings)  # type: ignore[arg-type]
    return fit_naive_bayes(samples, **settings)  # type: ignore[arg-type]


def fit_naive_bayes(samples: Iterable[tuple[Sample, str]], *, alpha: float = 0.3,
                    min_count: int = 2, uniform_prior: float = 0.5, temperature: float = 1.0,
                    token_weight: int = 4, labels: Sequence[str] | None = None) -> LinearModel:
    """Train naive Bayes; rare features are dropped, priors are pulled towards uniform."""
    counts: dict[str, dict[str, int]] = {}
    docs: dict[str, int] = {}
    totals: dict[str, int] = {}
    for (grams, tokens), label in samples:
        docs[label] = docs.get(label, 0) + 1
        per_label = counts.setdefault(label, {})
        for gram in grams:
            per_label[gram] = per_label.get(gram, 0) + 1
        for token in tokens:
            per_label[token] = per_label.get(token, 0) + token_weight
        totals[label] = totals.get(label, 0) + len(grams) + token_weight * len(tokens)
    names = tuple(labels) if labels else tuple(sorted(docs))
    vocab = _vocabulary(counts, min_count)
    weights = _weights(names, counts, totals, vocab, alpha)
    # A token stands for token_weight occurrences; its row is stored already multiplied.
    token_names = {t for per_label in counts.values() for t in per_label if t[:1] in TOKEN_MARKS}
    for token in token_names & weights.keys():
        weights[token] = tuple(token_weight * w for w in weights[token])
    return LinearModel(
        labels=names,
        priors=_priors(names, docs, uniform_prior),
        weights=weights,
        temperature=temperature,
    )


def fit_logistic(samples: Iterable[tuple[Sample, str]], *, gram_weight: float = 0.3,
                 token_weight: float = 0.7, epochs: int = 10, learning_rate: float = 0.3,
                 min_count: int = 2, temperature: float = 1.0, seed: int = 1) -> LinearModel:
    """Train multinomial logistic regression by SGD (deterministic for a given seed).

    n-grams enter with value gram_weight and cue tokens with token_weight; few epochs with a
    decaying step keep the weights small, which is the only regularisation.
    """
    raw = list(samples)
    names = tuple(sorted({label for _, label in raw}))
    keep = _frequent(raw, min_count)
    index = {name: i for i, name in enumerate(names)}
    # Features in sorted order: float sums then do not depend on set order (hash seed),
    # so the same data always gives the same model file.
    data = [(((tuple(sorted(keep & grams)), gram_weight),
              (tuple(sorted(keep.intersection(tokens))), token_weight)), index[label])
            for (grams, tokens), label in raw]
    rows: dict[str, list[float]] = {}
    bias = [0.0] * len(names)
    order = random.Random(seed)
    for epoch in range(epochs):
        order.shuffle(data)
        step = learning_rate / (1 + epoch)
        for parts, gold in data:
            grad = _gradient(rows, bias, parts, gold)
            _update(rows, bias, parts, grad, step, len(names))
    weights = {f: tuple(w * (token_weight if f[:1] in TOKEN_MARKS else gram_weight) for w in row)
               for f, row in sorted(rows.items())}
    return LinearModel(labels=names, priors=tuple(bias), weights=weights, temperature=temperature,
                       evidence_scaled=False)


def _frequent(data: list[tuple[Sample, str]], min_count: int) -> frozenset[str]:
    """Return the features seen in at least min_count training messages."""
    seen: dict[str, int] = {}
    for (grams, tokens), _ in data:
        for feat in grams | set(tokens):
            seen[feat] = seen.get(feat, 0) + 1
    return frozenset(f for f, c in seen.items() if c >= min_count)


def _gradient(rows: dict[str, list[float]], bias: list[float],
              parts: tuple[tuple[tuple[str, ...], float], ...], gold: int) -> list[float]:
    """Return softmax(scores) minus the one-hot gold label."""
    scores = list(bias)
    for feats, value in parts:
        known = [rows[f] for f in feats if f in rows]
        if known:
            for label, column in enumerate(zip(*known, strict=True)):
                scores[label] += value * sum(column)
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    grad = [e / total for e in exps]
    grad[gold] -= 1.0
    return grad


def _update(rows: dict[str, list[float]], bias: list[float],
            parts: tuple[tuple[tuple[str, ...], float], ...], grad: list[float],
            step: float, size: int) -> None:
    """Apply one SGD step, touching only labels with a non-negligible gradient."""
    active = [(label, g) for label, g in enumerate(grad) if abs(g) > 1e-3]
    for label, g in active:
        bias[label] -= step * g
    for feats, value in parts:
        for feat in feats:
            row = rows.get(feat)
            if row is None:
                row = rows[feat] = [0.0] * size
            for label, g in active:
                row[label] -= step * value * g


def _vocabulary(counts: dict[str, dict[str, int]], min_count: int) -> list[str]:
    """Return the features seen at least min_count times over all labels."""
    seen: dict[str, int] = {}
    for per_label in counts.values():
        for feat, count in per_label.items():
            seen[feat] = seen.get(feat, 0) + count
    return sorted(f for f, c in seen.items() if c >= min_count)


def _priors(names: Sequence[str], docs: dict[str, int], uniform: float) -> tuple[float, ...]:
    """Blend the label frequencies with a uniform prior and take logs."""
    total = sum(docs.values()) or 1
    share = 1.0 / len(names)
    return tuple(math.log((1 - uniform) * docs.get(n, 0) / total + uniform * share + 1e-9)
                 for n in names)


def _weights(names: Sequence[str], counts: dict[str, dict[str, int]], totals: dict[str, int],
             vocab: list[str], alpha: float) -> dict[str, tuple[float, ...]]:
    """Return smoothed log P(feature | label) rows for every feature in vocab."""
    size = len(vocab)
    denominators = [math.log(totals.get(n, 0) + alpha * size) for n in names]
    per_label = [counts.get(n, {}) for n in names]
    return {
        feat: tuple(math.log(pl.get(feat, 0) + alpha) - d for pl, d in zip(per_label, denominators, strict=True))
        for feat in vocab
    }


# Joint scoring packs every label's weight of a feature into one Python integer, one
# fixed-point lane per label, so summing a message's features is one C-level sum() of
# integers instead of a Python loop per label (no NumPy needed; >2,000 messages/s).
_SCALE = 1000.0
# 32-bit lanes: a feature adds at most ~2e5 to a lane and a message has at most a few
# thousand features, so sums stay far below 2**32 and never spill into the next lane.
_LANE = 32
_LANE_BYTES = _LANE // 8


def _pack(values: Sequence[float]) -> int:
    """Pack non-positive log weights into one integer, lane i holding -value * _SCALE."""
    packed = 0
    for lane, value in enumerate(values):
        packed |= max(0, round(-value * _SCALE)) << (lane * _LANE)
    return packed


def _unpack(packed: int, lanes: int) -> list[float]:
    """Undo _pack for a sum of packed rows (one C-level struct call, not a shift per lane)."""
    return [-v / _SCALE for v in _lanes_format(lanes).unpack(packed.to_bytes(lanes * _LANE_BYTES, "little"))]


@cache
def _lanes_format(lanes: int) -> struct.Struct:
    """Return the struct layout of `lanes` little-endian unsigned 32-bit lanes."""
    return struct.Struct(f"<{lanes}I")


@dataclass(frozen=True)
class Joint:
    """Several linear models scored in one pass over a shared, packed weight table."""

    models: tuple[LinearModel, ...]
    weights: dict[str, int]
    token_weight: int = 1

    def predict(self, sample: Sample, gram_weight: GramWeight = 1.0) -> list[list[tuple[str, float]]]:
        """Return each model's (label, probability) pairs, most probable first.

        gram_weight scales the n-gram evidence against the cue tokens (below 1 for text the
        n-grams know little about, such as English): one number, or one per model.
        """
        grams, tokens = sample
        # One C-level dict lookup per n-gram; unknown ones give None and are dropped (a row
        # that is exactly 0 would add nothing anyway).
        known = list(filter(None, map(self.weights.get, grams)))
        return self._rank(sum(known), len(known), tokens, gram_weight)

    def predict_text(self, text: str, tokens: Sequence[str],
                     gram_weight: GramWeight = 1.0) -> list[list[tuple[str, float]]]:
        """Same as predict for normalised text, without building its n-gram set.

        The automaton reports only the n-grams the model knows, in one C-level pass over the
        text; a set of their row numbers makes each count once, as in training.
        """
        rows, automaton = self._gram_index
        if automaton.kind != ahocorasick.AHOCORASICK:
            return self._rank(0, 0, tokens, gram_weight)
        found = set(map(_second, automaton.iter(gram_text(text))))
        return self._rank(sum(map(rows.__getitem__, found)), len(found), tokens, gram_weight)

    @cached_property
    def _gram_index(self) -> tuple[list[int], ahocorasick.Automaton]:
        """The packed rows of the n-gram features and an automaton from n-gram to row number."""
        rows: list[int] = []
        automaton = ahocorasick.Automaton()
        for name, packed in self.weights.items():
            if name[:1] not in TOKEN_MARKS and packed:
                automaton.add_word(name, len(rows))
                rows.append(packed)
        if rows:
            automaton.make_automaton()
        return rows, automaton

    def _rank(self, gram_sum: int, used_grams: int, tokens: Sequence[str],
              gram_weight: GramWeight) -> list[list[tuple[str, float]]]:
        """Turn summed packed rows into each model's ranked probabilities."""
        weights = self.weights
        boost = [weights[t] for t in tokens if t in weights]
        per_model = gram_weight if isinstance(gram_weight, tuple) else (gram_weight,) * len(self.models)
        lanes = sum(len(nb.labels) for nb in self.models)
        if all(w == 1.0 for w in per_model):
            totals = _unpack(gram_sum + sum(boost), lanes)
        else:
            lane_weights = [w for nb, w in zip(self.models, per_model, strict=True) for _ in nb.labels]
            totals = [w * g + t for w, g, t in
                      zip(lane_weights, _unpack(gram_sum, lanes), _unpack(sum(boost), lanes), strict=True)]
        results: list[list[tuple[str, float]]] = []
        start = 0
        for nb, weight in zip(self.models, per_model, strict=True):
            end = start + len(nb.labels)
            scores = [p + s for p, s in zip(nb.priors, totals[start:end], strict=True)]
            # The temperature grows with the evidence, as naive Bayes is overconfident.
            used = weight * used_grams + self.token_weight * len(boost)
            probs = softmax(scores, nb.effective_temperature(used))
            results.append(sorted(zip(nb.labels, probs, strict=True), key=lambda pair: -pair[1]))
            start = end
        return results


_second = itemgetter(1)


def join(models: Sequence[LinearModel]) -> Joint:
    """Merge models into one packed table; a feature unknown to a model adds 0 to its labels."""
    vocab = set().union(*(nb.weights for nb in models))
    # Lanes hold non-negative numbers, so each model's rows are shifted down by its largest
    # weight; the same shift on every label of a model changes no probability.
    shifts = [max([0.0] + [w for row in nb.weights.values() for w in row]) for nb in models]
    fills = [(0.0,) * len(nb.labels) for nb in models]
    weights = {}
    for feat in vocab:
        row: tuple[float, ...] = ()
        for nb, shift, fill in zip(models, shifts, fills, strict=True):
            row += tuple(w - shift for w in nb.weights.get(feat, fill))
        weights[feat] = _pack(row)
    return Joint(models=tuple(models), weights=weights)


def dump(joint: Joint) -> bytes:
    """Serialise a joint model: a JSON header, feature names, then fixed-width lane bytes."""
    names = sorted(joint.weights)
    width = _LANE_BYTES * sum(len(nb.labels) for nb in joint.models)
    header = {
        "lane_bits": _LANE,
        "scale": _SCALE,
        "models": [{"labels": nb.labels, "priors": nb.priors, "temperature": nb.temperature,
                    "evidence_scaled": nb.evidence_scaled} for nb in joint.models],
        "names": names,
    }
    blob = b"".join(joint.weights[n].to_bytes(width, "little") for n in names)
    return json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + blob


def load(data: bytes) -> Joint:
    """Read a joint model written by dump."""
    head, _, blob = data.partition(b"\n")
    header = json.loads(head)
    if header["lane_bits"] != _LANE or header["scale"] != _SCALE:
        raise ValueError("model file written with another lane layout")
    models = tuple(LinearModel(labels=tuple(m["labels"]), priors=tuple(m["priors"]), weights={},
                               temperature=float(m["temperature"]),
                               evidence_scaled=bool(m["evidence_scaled"]))
                   for m in header["models"])
    width = _LANE_BYTES * sum(len(nb.labels) for nb in models)
    names = header["names"]
    if len(blob) != width * len(names):
        raise ValueError("model file is truncated")
    from_bytes = int.from_bytes
    weights = {name: from_bytes(blob[i * width : (i + 1) * width], "little")
               for i, name in enumerate(names)}
    return Joint(models=models, weights=weights)
