"""Acceptance run: N = 1,500 1-D abs depth 3 under a 1 GiB budget, certified."""

import resource
import time

import numpy as np

import clifflasso as cl

rng = np.random.default_rng(0)
N = 1500
x = np.sort(rng.uniform(-3, 3, N))
y = np.sin(2 * x) + 0.1 * rng.normal(size=N)
arch = cl.Architecture("abs", 3)
beta = 0.02 * np.sqrt(N)
t = time.time()
s = cl.fit(x, y, arch, beta, progress=False, memory_limit=2**30)
t1 = time.time() - t
print(
    N,
    "P =",
    s.info["n_full"],
    "objective",
    s.objective,
    f"fit {t1:.1f}s",
    "passes",
    len(s.info["passes"]),
    "gap",
    s.info["gap"],
    "units",
    s.support.size,
    flush=True,
)
t = time.time()
c = cl.certify(s, memory_limit=2**28)
print(c, f"certify {time.time() - t:.1f}s")
print("max RSS MiB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
