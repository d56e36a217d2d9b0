"""Streamed fits far beyond dense memory: ``make bench-large``.

Each case runs in its own process (its peak RSS is its own) under a 1 GiB ``memory_limit``:

* relu depth 4 at N = 1,000 (the reduced family: every deeper 1-D ReLU chain has the
  correlation supremum of a capped ramp, so the streamed fit and certificate go through it);
* abs depth 4 at N = 1,000 (3 x 10^10 vertices indexed by point tuples; coarse passes, a pool
  of near-violators and structured full passes that skip the vertices no supremum needs);
* abs depth 3 at N = 1,000 ... 10,000 (1.5 x 10^8 columns at 10,000; dense it would be about
  12 TB), with the growth exponent of the fit time in N;
* one certified screening pass at N = 10,000 on a local Dask cluster of 2 workers against the
  single-process pass (same candidates and bound), with the time per pass.

Options: ``--quick`` (smaller N, for a smoke run), ``--skip-dask``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

MEMORY = 2**30
#: exact entries the certificates may evaluate: at N = 10,000 abs depth 3 about 600 columns tie
#: with beta within the float bound (6e6 entries, ~2 min, under the memory budget)
EXACT_BUDGET = 20_000_000


def _data(n: int):
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-3, 3, n))
    return x, np.sin(2 * x) + 0.1 * rng.normal(size=n)


def case_fit(activation: str, depth: int, n: int) -> dict:
    """One streamed fit and its certificate (run in a child process)."""
    import resource
    import warnings

    import clifflasso as cl

    x, y = _data(n)
    arch = cl.Architecture(activation, depth)
    beta = 0.02 * np.sqrt(n)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        solution = cl.fit(x, y, arch, beta, progress=False, memory_limit=MEMORY)
    fitted = time.perf_counter() - start
    start = time.perf_counter()
    certificate = cl.certify(solution, memory_limit=MEMORY, exact_budget=EXACT_BUDGET)
    certified = time.perf_counter() - start
    return {
        "case": f"{activation} depth {depth}",
        "N": n,
        "columns": int(solution.info["n_full"]),
        "passes": len(solution.info["passes"]),
        "full_passes": sum(p["complete"] for p in solution.info["passes"]),
        "fit_s": fitted,
        "certify_s": certified,
        "relative_gap": solution.info["gap"] / solution.objective,
        "units": int(solution.support.size),
        "verdict": certificate.verdict,
        "kind": certificate.kind,
        "epsilon": certificate.epsilon,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "warnings": [str(w.message)[:120] for w in caught],
    }


def case_dask(n: int) -> dict:
    """One certified screening pass, single process and on a 2-worker local Dask cluster."""
    from dask.distributed import Client, LocalCluster

    import clifflasso as cl
    from clifflasso._data import as_data
    from clifflasso.dictionary import family_for
    from clifflasso.lasso.screening import screen

    x, _ = _data(n)
    family = family_for(cl.Architecture("abs", 3), as_data(x))
    residual = np.random.default_rng(1).normal(size=n)
    residual -= residual.mean()
    table = family.streaming_table()
    # a threshold at 90% of the largest correlation: a few candidates per row near the top
    beta = 0.9 * screen(family, table, residual, np.inf, block_size=2**16).upper()
    start = time.perf_counter()
    single = screen(family, table, residual, beta, block_size=2**16)
    single_s = time.perf_counter() - start
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        with Client(cluster) as client:
            screen(family, table, residual, beta, block_size=2**16, client=client)  # warm
            start = time.perf_counter()
            spread = screen(family, table, residual, beta, block_size=2**16, client=client)
            dask_s = time.perf_counter() - start
    same = np.array_equal(np.sort(single.candidates), np.sort(spread.candidates))
    return {
        "case": "dask pass, abs depth 3",
        "N": n,
        "columns": family.size(),
        "single_s": single_s,
        "dask_2_workers_s": dask_s,
        "same_candidates": bool(same),
        "same_bound": single.rest_upper == spread.rest_upper,
        "candidates": int(single.candidates.size),
    }


CASES = {"fit": case_fit, "dask": case_dask}


def run(kind: str, *args) -> dict:
    command = [sys.executable, __file__, "--case", kind, *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"case": f"{kind} {args}", "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(result: dict) -> None:
    shown = (f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items())
    print("  ".join(shown), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs="+")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    options = parser.parse_args()
    if options.case:
        kind, *args = options.case
        parsed = [a if a.isalpha() else int(a) for a in args]
        print(json.dumps(CASES[kind](*parsed)))
        return
    big = 1000 if options.quick else 10_000
    deep = 200 if options.quick else 1000
    timings = []
    for n in sorted({big // 8, big // 4, big // 2}):
        result = run("fit", "abs", 3, n)
        show(result)
        timings.append((n, result.get("fit_s")))
    result = run("fit", "abs", 3, big)
    show(result)
    timings.append((big, result.get("fit_s")))
    measured = [(n, t) for n, t in timings if t]
    if len(measured) >= 2:
        logs = np.log([[n, t] for n, t in measured])
        exponent = np.polyfit(logs[:, 0], logs[:, 1], 1)[0]
        print(f"growth: fit time ~ N^{exponent:.2f} (abs depth 3, N = "
              f"{', '.join(str(n) for n, _ in measured)})", flush=True)  # fmt: skip
    show(run("fit", "relu", 4, deep))
    show(run("fit", "abs", 4, deep))
    if not options.skip_dask:
        show(run("dask", big))


if __name__ == "__main__":
    main()
