"""Speed and memory benchmarks: every ratio measured in one run.

    make bench            # or: .venv/bin/python benchmarks/run.py [--quick]

1. Kernels: building a dictionary (enumeration, lowered parameter formulas, generated kernel)
   and the generated kernel alone, against writing an array of the same shape with
   ``np.full`` (targets: build at most 3x for 1-D chains, 4x for the 3-D wedge family); 1b: the
   symbolic generalized cross product against galgebra's wedge (target: 10x at d = 6).
2. Paths: a 20-point beta grid by one homotopy sweep (the default of ``lasso_path``) and by
   warm-started working-set coordinate descent, against 20 sequential cvxpy/Clarabel solves,
   at equal objectives (1e-5 relative; target: at least 10x faster).
3. Lowering: the batched wedge-feature kernel against a per-column evaluation through
   galgebra (generalized cross product per column) and a per-column Python loop.
4. Memory: peak traced allocation of dictionary builds and of the streamed working-set fit.
5. Growth: streamed fit time of 1-D abs depth 3 as N grows, and the fitted exponent.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

import clifflasso as cl
from clifflasso.dictionary import family_for


def best_of(function, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def kernels(quick: bool) -> None:
    print("\n== 1. dictionary build and generated kernel vs np.full (same N x P float64 array)")
    print("   targets: build <= 3x np.full for 1-D chains, <= 4x for the 3-D wedge family")
    rng = np.random.default_rng(0)
    cases = [
        ("relu L=3, 1-D", cl.Architecture("relu", 3), rng.normal(size=(200, 1))),
        ("abs L=3, 1-D", cl.Architecture("abs", 3), rng.normal(size=(150, 1))),
        ("relu L=4, 1-D", cl.Architecture("relu", 4), rng.normal(size=(30, 1))),
        ("abs L=4, 1-D", cl.Architecture("abs", 4), rng.normal(size=(20, 1))),
        ("relu wedge, d=3", cl.Architecture("relu", 2), rng.normal(size=(100, 3))),
        ("abs l1, d=3", cl.Architecture("abs", 2, norm=1), rng.normal(size=(100, 3))),
    ]
    if quick:
        cases = cases[:2] + cases[4:5]
    print(
        f"{'family':<18} {'N':>5} {'P':>9} {'build s':>9} {'kernel s':>9} {'np.full s':>9} "
        f"{'build x':>8} {'kernel x':>8}"
    )
    for name, arch, X in cases:
        D = cl.dictionary(X, arch, dedupe=False)  # compiles the generated kernel once
        shape = D.shape
        build = best_of(lambda arch=arch, X=X: cl.dictionary(X, arch, dedupe=False), 3)
        kernel = best_of(lambda D=D, X=X: D.family.evaluate(D.table, X))
        fill = best_of(lambda shape=shape: np.full(shape, 1.0))
        print(
            f"{name:<18} {shape[0]:>5} {shape[1]:>9} {build:>9.4f} {kernel:>9.4f} {fill:>9.4f} "
            f"{build / fill:>8.2f} {kernel / fill:>8.2f}"
        )


def symbolic_cross(quick: bool) -> None:
    print("\n== 1b. symbolic generalized cross product of d - 1 vectors vs galgebra's wedge")
    print("   target: cofactor formula at least 10x faster than galgebra's wedge + dual at d = 6")
    import sympy as sp

    from clifflasso.symbolic.geometric import euclidean_algebra, generalized_cross

    for d in (4, 5) if quick else (4, 5, 6):
        vectors = [list(sp.symbols(f"v{k}_0:{d}", real=True)) for k in range(d - 1)]
        cofactor = best_of(lambda vectors=vectors: generalized_cross(vectors), 1)
        algebra = euclidean_algebra(d)
        wedge = best_of(lambda vectors=vectors, algebra=algebra: algebra.wedge(vectors), 1)
        print(
            f"d={d}: cofactor {cofactor:.3f} s, galgebra wedge {wedge:.3f} s, "
            f"ratio x{wedge / cofactor:.1f}"
        )


def _data(X):
    from clifflasso._data import as_data

    return as_data(X)


def paths(quick: bool) -> None:
    print("\n== 2. 20-point beta grid: homotopy / coordinate-descent paths vs sequential Clarabel")
    rng = np.random.default_rng(1)
    cases = [("relu", 2, 60), ("relu", 3, 40), ("abs", 3, 40)]
    if not quick:
        cases += [("relu", 3, 80), ("abs", 3, 80), ("relu", 4, 16)]
    print(
        f"{'case':<18} {'P':>6} {'homotopy s':>10} {'cd s':>7} {'clarabel s':>10} "
        f"{'x homotopy':>10} {'x cd':>6} {'max rel obj diff':>17}"
    )
    for activation, depth, n in cases:
        x = np.sort(rng.uniform(-3, 3, n))
        y = np.sin(2 * x) + 0.1 * rng.normal(size=n)
        D = cl.dictionary(x, cl.Architecture(activation, depth), dedupe=True)
        top = cl.beta_max(D.matrix, y)
        betas = top * np.geomspace(0.5, 1e-3, 20)
        timings, results = {}, {}
        for solver in ("homotopy", "cd", "clarabel"):
            start = time.perf_counter()
            results[solver] = cl.lasso_path(D, y, betas, solver=solver)
            timings[solver] = time.perf_counter() - start
        slow = results["clarabel"]
        diff = max(
            abs(results[solver].objective(b) - slow.objective(b)) / max(1e-12, slow.objective(b))
            for b in betas
            for solver in ("homotopy", "cd")
        )
        print(
            f"{activation} L={depth}, N={n:<6} {len(D):>6} {timings['homotopy']:>10.3f} "
            f"{timings['cd']:>7.3f} {timings['clarabel']:>10.3f} "
            f"{timings['clarabel'] / timings['homotopy']:>10.1f} "
            f"{timings['clarabel'] / timings['cd']:>6.1f} {diff:>17.2e}"
        )


def lowering(quick: bool) -> None:
    print("\n== 3. batched wedge kernel vs per-column galgebra / Python evaluation (d = 3)")
    from clifflasso.symbolic.geometric import generalized_cross

    rng = np.random.default_rng(2)
    X = rng.integers(-9, 10, size=(12 if quick else 20, 3)).astype(float)
    arch = cl.Architecture("relu", 2)
    batched = best_of(lambda: cl.dictionary(X, arch))
    D = cl.dictionary(X, arch)
    columns = min(20, len(D))
    Xt = np.hstack([X, np.ones((X.shape[0], 1))])
    subsets = D.table.indices[:columns]

    def galgebra_columns():
        for subset in subsets:
            normal = generalized_cross([Xt[int(i)].tolist() for i in subset], method="galgebra")
            w = np.array([float(v) for v in normal])
            np.maximum(Xt @ w / np.linalg.norm(w[:3]), 0)

    def python_columns():
        for subset in subsets:
            rows = [Xt[int(i)] for i in subset]
            w = np.array(
                [(-1) ** k * np.linalg.det(np.delete(np.array(rows), k, axis=1)) for k in range(4)]
            )
            [max(0.0, float(row @ w) / float(np.linalg.norm(w[:3]))) for row in Xt]

    per_galgebra = best_of(galgebra_columns, 1) / columns * len(D)
    per_python = best_of(python_columns, 1) / columns * len(D)
    print(
        f"N={X.shape[0]}, P={len(D)}: batched {batched:.4f} s; per-column galgebra "
        f"{per_galgebra:.2f} s (x{per_galgebra / batched:.0f}); per-column Python "
        f"{per_python:.3f} s (x{per_python / batched:.0f})"
    )


def memory(quick: bool) -> None:
    print("\n== 4. peak traced memory")
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(-3, 3, 150))
    tracemalloc.start()
    D = cl.dictionary(x, cl.Architecture("abs", 3))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"abs L=3 dictionary N=150, P={len(D)}: matrix {D.matrix.nbytes / 2**20:.1f} MiB, "
        f"peak {peak / 2**20:.1f} MiB"
    )
    n = 300 if quick else 600
    x = np.sort(rng.uniform(-3, 3, n))
    y = np.sin(2 * x) + 0.1 * rng.normal(size=n)
    dense_bytes = n * len(family_for(cl.Architecture("abs", 3), _data(x)).enumerate()) * 8
    tracemalloc.start()
    cl.fit(x, y, cl.Architecture("abs", 3), 0.02 * np.sqrt(n), memory_limit=2**28, progress=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"streamed fit abs L=3 N={n}: dense dictionary would be {dense_bytes / 2**20:.0f} MiB,"
        f" peak {peak / 2**20:.1f} MiB (memory_limit 256 MiB)"
    )


def growth(quick: bool) -> None:
    print("\n== 5. streamed fit time vs N (1-D abs depth 3, beta = 0.02 sqrt(N))")
    rng = np.random.default_rng(4)
    sizes = [50, 100, 200] if quick else [100, 200, 400, 800]
    times = []
    for n in sizes:
        x = np.sort(rng.uniform(-3, 3, n))
        y = np.sin(2 * x) + 0.1 * rng.normal(size=n)
        start = time.perf_counter()
        solution = cl.fit(x, y, cl.Architecture("abs", 3), 0.02 * np.sqrt(n), progress=False)
        times.append(time.perf_counter() - start)
        print(
            f"N={n:<5} P={solution.info['n_full']:>9}  {times[-1]:7.2f} s  passes "
            f"{len(solution.info['passes'])}, gap {solution.info['gap']:.1e}"
        )
    slope = np.polyfit(np.log(sizes), np.log(times), 1)[0]
    print(f"time ~ N^{slope:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args()
    for section in (kernels, symbolic_cross, paths, lowering, memory, growth):
        section(args.quick)


if __name__ == "__main__":
    main()
