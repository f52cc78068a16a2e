"""Benchmark of referral/: start-up, typed lookups/s, pins/s, accuracy, peak memory (prints only)."""

from __future__ import annotations

import math
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from referral import locate_pin, locate_text  # noqa: E402
from referral.centroids import centroids  # noqa: E402
from referral.pins import KM_PER_DEG_LAT, KM_PER_DEG_LON, nearest, pin_index  # noqa: E402
from referral.resolver import clear_cache  # noqa: E402
from referral.samples import is_exact, samples  # noqa: E402

STARTUP = (
    "import time; t = time.perf_counter(); import referral; "
    "referral.locate_text('ต.แม่เหียะ อ.เมือง จ.เชียงใหม่'); referral.locate_pin(18.79, 98.98); "
    "print(time.perf_counter() - t)"
)


def startup_seconds() -> float:
    """Return the cold start-up time (import, name index, centroids, grid) in a fresh process."""
    out = subprocess.run([sys.executable, "-c", STARTUP], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def rate(fn, items: list, repeat: int = 3) -> float:
    """Return the best calls per second of fn over items."""
    best = 0.0
    for _ in range(repeat):
        # The resolver keeps recent texts' results (the worker sees the same words often):
        # each pass resolves them afresh, so the figure is the cost of a new text.
        clear_cache()
        t = time.perf_counter()
        for item in items:
            fn(*item)
        best = max(best, len(items) / (time.perf_counter() - t))
    return best


def brute_nearest(lat: float, lon: float) -> str:
    """Return the nearest indexed centroid by a full scan (the reference)."""
    kx = KM_PER_DEG_LON * math.cos(math.radians(lat))
    indexed = pin_index().indexed
    return min((((c.latitude - lat) * KM_PER_DEG_LAT) ** 2 + ((c.longitude - lon) * kx) ** 2, code)
               for code, c in centroids().items() if code in indexed)[1]


def pin_hit(lat: float, lon: float, truth: str) -> bool:
    """Tell whether a pin resolves to the truth (or lists it among coinciding centroids)."""
    r = locate_pin(lat, lon)
    if r.best is not None and r.best.subdistrict_code == truth:
        return True
    return r.ambiguous and any(c.subdistrict_code == truth for c in r.candidates)


def pin_points(rng: random.Random, n: int) -> tuple[list, list]:
    """Return pins jittered around centroids and pins between neighbouring centroids."""
    codes = sorted(pin_index().indexed)
    jitter, between = [], []
    for code in rng.sample(codes, n):
        c = centroids()[code]
        jitter.append((c.latitude + rng.uniform(-0.002, 0.002), c.longitude + rng.uniform(-0.002, 0.002), code))
        other = nearest(c.latitude, c.longitude, 4)[-1][1]
        o = centroids()[other]
        t = rng.uniform(0.1, 0.9)
        lat, lon = c.latitude + t * (o.latitude - c.latitude), c.longitude + t * (o.longitude - c.longitude)
        between.append((lat, lon, brute_nearest(lat, lon)))
    return jitter, between


def main() -> None:
    """Print the figures."""
    print(f"start-up (fresh process, import + indexes + first lookups): {startup_seconds():.2f} s")
    table = samples(600, seed=1)
    texts = [(s.text,) for s in table]
    total = Counter(s.form for s in table)
    print(f"typed places: {len(table)} generated from geothai ({len(total)} forms, 600 subdistricts)")
    print(f"  locate_text: {rate(locate_text, texts):,.0f} lookups/s (one core)")
    ok = Counter(s.form for s in table if is_exact(s.expected, locate_text(s.text).best))
    for form in sorted(total):
        print(f"    {form:16} {ok[form]:5}/{total[form]:<5} {ok[form] / total[form]:.3f}")
    print(f"  exact subdistrict/district/province: {sum(ok.values()) / len(table):.4f}")
    rng = random.Random(2)
    pins = [(rng.uniform(5.7, 20.4), rng.uniform(97.4, 105.6)) for _ in range(20_000)]
    near_pins = [(c.latitude + rng.uniform(-0.05, 0.05), c.longitude + rng.uniform(-0.05, 0.05))
                 for c in rng.choices(list(centroids().values()), k=20_000)]
    print(f"  locate_pin (pins near centroids): {rate(locate_pin, near_pins):,.0f} pins/s (one core)")
    print(f"  locate_pin (uniform over Thailand's box): {rate(locate_pin, pins):,.0f} pins/s")
    with_address = [(lat, lon, "ถนนเชียงใหม่-หางดง ต.แม่เหียะ อ.เมืองเชียงใหม่ จ.เชียงใหม่ 50100")
                    for lat, lon in near_pins[:3000]]
    print(f"  locate_pin with LINE address text: {rate(locate_pin, with_address, 1):,.0f} pins/s")
    jitter, between = pin_points(rng, 2000)
    for name, points in (("centroid ± 200 m", jitter), ("between neighbouring centroids", between)):
        hits = sum(pin_hit(lat, lon, truth) for lat, lon, truth in points)
        print(f"  pins {name}: {hits}/{len(points)} = {hits / len(points):.4f}")
    print(f"  grid: {len(pin_index().indexed)} subdistricts with a 2018 point, "
          f"{sum(1 for c in centroids().values() if c.source == 'district_mean')} with a district mean")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
