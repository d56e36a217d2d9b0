r"""Dictionaries larger than memory: streamed correlations and a working-set Lasso.

The dictionary is never materialised. Its columns are produced block by block from the
feature family's kernel to compute the correlations :math:`A^\top\lambda` (the gradient of the
Lasso at the residual :math:`\lambda`); a working set of columns is solved exactly and the
columns that violate :math:`|A_j^\top\lambda| \le \beta` are added, until the duality gap

.. math::

    \text{gap} = \tfrac12\|\lambda\|^2 + \beta\|z\|_1
    - \bigl(\lambda'^\top y_c - \tfrac12\|\lambda'\|^2\bigr),\qquad
    \lambda' = \lambda\,\min(1, \beta/\|A^\top\lambda\|_\infty),

is below the tolerance (standard Lasso duality with the intercept eliminated by centring,
:math:`\mathbf 1^\top\lambda = 0`). Because the family is complete, the final pass is also the
optimality certificate of the network (MATH.md §6).

For 1-D families that describe their columns as piecewise-linear functions
(:meth:`~clifflasso.families.base.FeatureFamily.piecewise_linear`), a correlation costs
:math:`O(m\log N)` with prefix sums of :math:`\lambda` and :math:`\lambda x` over the sorted data.
Blocks can be dispatched to a Dask cluster (``client=``); the answer is the same.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
from numba import njit, prange
from tqdm.auto import tqdm

from clifflasso._data import as_beta, as_data, as_labels
from clifflasso.architecture import Architecture
from clifflasso.dictionary import Dictionary, family_for
from clifflasso.families.base import FeatureFamily, FeatureTable
from clifflasso.lasso.solution import LassoSolution
from clifflasso.lasso.working_set import TARGET_GAP, working_set_lasso

DEFAULT_FIT_MEMORY = 2**30


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


def _blocks(count: int, size: int) -> Iterator[slice]:
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
    blocks = list(_blocks(len(table), block_size))
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
            for b in blocks
        ]
        return np.concatenate(client.gather(futures)) if futures else np.zeros(0)
    out = np.empty(len(table))
    for block in tqdm(blocks, desc=description, disable=not progress, leave=False):
        out[block] = block_correlations(family, table.take(block), X, residual)
    return out


def block_size_for(n_samples: int, memory_limit: int, fast: bool) -> int:
    """Columns per block so that a dense block uses at most an eighth of the budget."""
    per_column = 8 * (4 if fast else n_samples + 4)
    return int(max(256, min(200_000, memory_limit // (8 * per_column))))


def _table_bytes(table: FeatureTable) -> int:
    return int(
        table.kinds.nbytes
        + table.indices.nbytes
        + sum(getattr(a, "nbytes", 0) for a in table.params.values())
    )


def fit(
    X: object,
    y: object,
    arch: Architecture,
    beta: float,
    *,
    memory_limit: int = DEFAULT_FIT_MEMORY,
    tol: float = TARGET_GAP,
    max_passes: int = 200,
    client=None,
    progress: bool = True,
):
    r"""Solve the Lasso of ``arch`` on ``(X, y)`` without materialising the dictionary.

    Working-set method: solve on a few columns, stream all columns to find those with
    :math:`|A_j^\top\lambda| > \beta`, add the worst, repeat; stop when the relative duality gap
    is below ``tol`` (then the answer is optimal over the *complete* family: a certificate).
    Memory stays within ``memory_limit`` bytes (parameters of every column, one block of
    values, the working set). ``client`` is an optional ``dask.distributed.Client`` for the
    streamed passes. Returns a :class:`~clifflasso.numeric.lasso.LassoSolution` over the
    working-set dictionary, with ``info`` holding the passes, gap and final sup; warns
    (``RuntimeWarning``) when ``max_passes`` run out before the gap reaches ``tol``.
    """
    data = as_data(X)
    labels = as_labels(y, data.n_samples)
    beta = as_beta(beta)
    if beta == 0:
        raise ValueError("fit needs beta > 0 (use solve(..., beta=0) for the min-l1 interpolant)")
    family = family_for(arch, data)
    n = data.n_samples
    estimated = family.size() * (8 * (4 + 2 * arch.depth) + 16)
    if estimated > memory_limit // 2:
        raise ValueError(
            f"the parameters of the {family.name} family ({family.size():,} columns) alone need "
            f"about {estimated / 2**30:.2f} GiB, above half of memory_limit="
            f"{memory_limit / 2**30:.2f} GiB; raise memory_limit or use fewer samples"
        )
    table = family.enumerate()
    block = block_size_for(n, memory_limit, has_prefix_path(family))
    working_budget = max(n, (memory_limit // 4) // (8 * n))
    centred = labels - labels.mean() if arch.output_bias else labels

    def correlate(residual: np.ndarray) -> np.ndarray:
        # raw (uncentred) features: the residual must sum to zero exactly as the dual point
        # does, not only up to the rounding of the centred labels
        if arch.output_bias:
            residual = residual - residual.mean()
        return stream_correlations(family, table, residual, block_size=block, client=client)

    def columns(indices: np.ndarray) -> np.ndarray:
        if indices.size > working_budget:
            raise ValueError(
                f"the working set ({indices.size} columns) outgrew memory_limit; raise it"
            )
        values = family.evaluate(table.take(indices), data.values)
        return values - values.mean(axis=0) if arch.output_bias else values

    working, z_working, history = working_set_lasso(
        correlate, columns, centred, beta, tol=tol, max_passes=max_passes, progress=progress
    )
    last = history[-1]
    relative_gap = last["gap"] / last["objective"] if last["objective"] > 0 else 0.0
    if relative_gap > tol:
        warnings.warn(
            f"fit stopped after {len(history)} passes at relative duality gap "
            f"{relative_gap:.2e} > tol = {tol:g}: the answer is not certified optimal; raise "
            "max_passes",
            RuntimeWarning,
            stacklevel=2,
        )
    keep = np.flatnonzero(z_working)
    chosen = working[keep]
    sub_table = table.take(chosen)
    matrix = np.ascontiguousarray(family.evaluate(sub_table, data.values))
    dictionary = Dictionary(
        data, arch, family, sub_table, matrix, len(table), len(table) - chosen.size
    )
    z = z_working[keep]
    solution = LassoSolution.from_coefficients(
        dictionary, labels, z, beta, history[0]["sup"], "working set (streamed)"
    )
    solution.info.update(
        passes=history, gap=history[-1]["gap"], sup=history[-1]["sup"], n_full=len(table)
    )
    return solution
