r"""Correlations :math:`A^\top\lambda` of a feature family, streamed block by block.

Columns are produced from the family's kernel a block at a time, so a dictionary larger than
memory is never materialised. For 1-D families that describe their columns as piecewise-linear
functions (:meth:`~clifflasso.families.base.FeatureFamily.piecewise_linear`), a correlation costs
:math:`O(m\log N)` with prefix sums of :math:`\lambda` and :math:`\lambda x` over the sorted
data instead of :math:`O(N)`. Blocks can be dispatched to a Dask cluster (``client=``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numba import njit, prange
from tqdm import tqdm

from clifflasso.families.base import FeatureFamily, FeatureTable


@njit(parallel=True, cache=True)
def _piecewise_kernel(kinks, values, left, right, xs, s0, s1, out):
    count, m = kinks.shape
    n = xs.shape[0]
    for j in prange(count):
        # prefix sums below the first kink; left of it the feature is v_0 + left (x - k_0)
        k = kinks[j, 0]
        position = np.searchsorted(xs, k)
        below0, below1 = s0[position], s1[position]
        total = (values[j, 0] - left[j] * k) * below0 + left[j] * below1
        for t in range(m - 1):
            k_next = kinks[j, t + 1]
            position = np.searchsorted(xs, k_next)
            next0, next1 = s0[position], s1[position]
            width = k_next - kinks[j, t]
            if width > 0:
                slope = (values[j, t + 1] - values[j, t]) / width
                offset = values[j, t] - slope * kinks[j, t]
                total += offset * (next0 - below0) + slope * (next1 - below1)
            below0, below1 = next0, next1
        k = kinks[j, m - 1]
        total += (values[j, m - 1] - right[j] * k) * (s0[n] - below0) + right[j] * (s1[n] - below1)
        out[j] = total
    return out


def piecewise_correlations(pieces, x: np.ndarray, residual: np.ndarray) -> np.ndarray:
    r""":math:`\lambda^\top F_j(x)` for piecewise-linear features (see module docstring): on
    each piece :math:`[k_t, k_{t+1})` the feature is :math:`v_t + s_t (x - k_t)`, whose
    correlation is a difference of prefix sums of :math:`\lambda` and :math:`\lambda x` taken
    at the two kinks (one binary search per kink; compiled, features in parallel)."""
    kinks, values, left, right = (np.ascontiguousarray(a, dtype=np.float64) for a in pieces)
    order = np.argsort(x, kind="stable")
    xs, lam = np.ascontiguousarray(x[order], dtype=np.float64), residual[order]
    s0 = np.concatenate([[0.0], np.cumsum(lam)])
    s1 = np.concatenate([[0.0], np.cumsum(lam * xs)])
    return _piecewise_kernel(kinks, values, left, right, xs, s0, s1, np.empty(kinks.shape[0]))


def has_prefix_path(family: FeatureFamily) -> bool:
    """Whether correlations of ``family`` can use the :math:`O(m\\log N)` prefix-sum path."""
    return (
        family.data.dim == 1 and type(family).piecewise_linear is not FeatureFamily.piecewise_linear
    )


def block_correlations(
    family: FeatureFamily, table: FeatureTable, X: np.ndarray, residual: np.ndarray
) -> np.ndarray:
    """:math:`A^\\top\\lambda` for the columns of ``table`` (fast path when available)."""
    pieces = family.piecewise_linear(table) if has_prefix_path(family) else None
    if pieces is not None:
        return piecewise_correlations(pieces, X[:, 0], residual)
    return residual @ family.evaluate(table, X)


def blocks(count: int, size: int) -> Iterator[slice]:
    """Consecutive slices of at most ``size`` of ``range(count)``."""
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


def stream_correlations(
    family: FeatureFamily,
    table: FeatureTable,
    residual: np.ndarray,
    *,
    block_size: int,
    client=None,
    progress: bool = False,
    description: str = "correlations",
) -> np.ndarray:
    """All correlations :math:`A^\\top\\lambda`, computed block by block (P floats kept)."""
    X = family.data.values
    slices = list(blocks(len(table), block_size))
    if client is not None:
        futures = [
            client.submit(
                block_correlations,
                family,
                table.take(np.arange(b.start, b.stop)),
                X,
                residual,
                pure=False,
            )
            for b in slices
        ]
        return np.concatenate(client.gather(futures)) if futures else np.zeros(0)
    out = np.empty(len(table))
    for block in tqdm(slices, desc=description, disable=not progress, leave=False):
        out[block] = block_correlations(family, table.take(block), X, residual)
    return out


def block_size_for(n_samples: int, memory_limit: int, fast: bool) -> int:
    """Columns per block so that a dense block uses at most an eighth of the budget."""
    per_column = 8 * (4 if fast else n_samples + 4)
    return int(max(256, min(200_000, memory_limit // (8 * per_column))))
