"""Quality gate: accuracy on a generated table of typed places and of pins."""

import random
from collections import Counter

from referral import locate_pin, locate_text
from referral.centroids import centroids
from referral.pins import pin_index
from referral.samples import is_exact, samples


def test_typed_places_are_resolved_exactly_at_least_95_percent() -> None:
    table = samples(250, seed=11)
    ok = Counter(s.form for s in table if is_exact(s.expected, locate_text(s.text).best))
    total = Counter(s.form for s in table)
    assert sum(ok.values()) / len(table) >= 0.95
    for form, n in total.items():
        assert ok[form] / n >= 0.9, form


def test_pins_near_centroids_resolve_to_their_subdistrict_at_least_99_percent() -> None:
    rng = random.Random(5)
    indexed = sorted(pin_index().indexed)
    codes = rng.sample(indexed, 1500)
    hits = 0
    for code in codes:
        c = centroids()[code]
        # within about 300 m of the centroid
        r = locate_pin(c.latitude + rng.uniform(-0.002, 0.002), c.longitude + rng.uniform(-0.002, 0.002))
        hits += bool(r.best and r.best.subdistrict_code == code) or (r.ambiguous and any(
            x.subdistrict_code == code for x in r.candidates))
    assert hits / len(codes) >= 0.99
