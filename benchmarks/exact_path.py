"""Benchmark: exact Lasso paths (rational homotopy) for 1-D data, N = 4..8, depth 3.

Run ``python benchmarks/exact_path.py [--repeats R] [--seed S]``. For each activation (ReLU,
abs), depth 3 and N it prints the dictionary size, the columns left after exact deduplication,
the number of breakpoints, the time to build the exact dictionary and to run the homotopy, and
the largest gap between the exact objective and cvxpy/Clarabel at three betas.
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np

import clifflasso as cl
from clifflasso.exact.path import ExactPath


def rational_data(rng: np.random.Generator, n: int) -> tuple[list[Fraction], list[Fraction]]:
    """Distinct rationals with denominators up to 6 in [-4, 4], labels with denominators up to 4."""
    x: set[Fraction] = set()
    while len(x) < n:
        x.add(Fraction(int(rng.integers(-24, 25)), int(rng.integers(1, 7))))
    y = [Fraction(int(rng.integers(-12, 13)), int(rng.integers(1, 5))) for _ in range(n)]
    return sorted(x), y


def run(n: int, activation: str, depth: int, seed: int) -> dict:
    x, y = rational_data(np.random.default_rng(seed), n)
    D = cl.dictionary(x, cl.Architecture(activation, depth))
    start = time.perf_counter()
    path = ExactPath(D, y)
    elapsed = time.perf_counter() - start
    gap = 0.0
    for fraction in (Fraction(1, 2), Fraction(1, 10), Fraction(1, 100)):
        beta = path.beta_max * fraction
        numeric = cl.solve(D, [float(v) for v in y], float(beta))
        gap = max(gap, abs(float(path.objective(beta)) - numeric.objective))
    return {
        "columns": len(D),
        "kept": len(path.kept_columns),
        "breakpoints": len(path.breakpoints),
        "seconds": elapsed,
        "gap": gap,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="data sets per (activation, N)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{'activation':<10} {'N':>2} {'columns':>8} {'kept':>5} {'breakpoints':>11} "
        f"{'seconds (max)':>13} {'|exact - Clarabel|':>19}"
    )
    for activation in ("relu", "abs"):
        for n in range(4, 9):
            results = [run(n, activation, 3, args.seed + r) for r in range(args.repeats)]
            print(
                f"{activation:<10} {n:>2} {results[0]['columns']:>8} "
                f"{max(r['kept'] for r in results):>5} "
                f"{'/'.join(str(r['breakpoints']) for r in results):>11} "
                f"{max(r['seconds'] for r in results):>13.3f} "
                f"{max(r['gap'] for r in results):>19.2e}"
            )


if __name__ == "__main__":
    main()
