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
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from clifflasso._data import as_beta, as_data, as_labels
from clifflasso.architecture import Architecture
from clifflasso.families.base import FeatureFamily, FeatureTable
from clifflasso.numeric.coordinate_descent import working_set_lasso

DEFAULT_FIT_MEMORY = 2**30


@dataclass(frozen=True)
class _SortedResidual:
    r"""Sorted inputs; prefix sums of :math:`\lambda_i` and :math:`\lambda_i x_i`."""

    x: np.ndarray
    s0: np.ndarray
    s1: np.ndarray

    @classmethod
    def build(cls, x: np.ndarray, residual: np.ndarray) -> _SortedResidual:
        order = np.argsort(x, kind="stable")
        xs, lam = x[order], residual[order]
        s0 = np.concatenate([[0.0], np.cumsum(lam)])
        s1 = np.concatenate([[0.0], np.cumsum(lam * xs)])
        return cls(xs, s0, s1)

    def below(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r""":math:`\sum_{x_i < p} \lambda_i` and :math:`\sum_{x_i < p} \lambda_i x_i` at each
        point (one binary search per point)."""
        positions = np.searchsorted(self.x, points, side="left")
        return self.s0[positions], self.s1[positions]


def piecewise_correlations(pieces, x: np.ndarray, residual: np.ndarray) -> np.ndarray:
    r""":math:`\lambda^\top F_j(x)` for piecewise-linear features (see module docstring): on
    each piece :math:`[k_t, k_{t+1})` the feature is :math:`v_t + s_t (x - k_t)`, whose
    correlation is a difference of prefix sums taken at the two kinks."""
    kinks, values, left, right = pieces
    prefix = _SortedResidual.build(x, residual)
    lam_sum, lamx_sum = float(prefix.s0[-1]), float(prefix.s1[-1])
    s0, s1 = prefix.below(kinks[:, 0])
    # left of the first kink: v_0 + left (x - k_0)
    total = (values[:, 0] - left * kinks[:, 0]) * s0 + left * s1
    for t in range(kinks.shape[1] - 1):
        next_s0, next_s1 = prefix.below(kinks[:, t + 1])
        width = kinks[:, t + 1] - kinks[:, t]
        slope = np.divide(
            values[:, t + 1] - values[:, t], width, out=np.zeros_like(width), where=width > 0
        )
        total += (values[:, t] - slope * kinks[:, t]) * (next_s0 - s0) + slope * (next_s1 - s1)
        s0, s1 = next_s0, next_s1
    # right of the last kink: v_m + right (x - k_m)
    total += (values[:, -1] - right * kinks[:, -1]) * (lam_sum - s0) + right * (lamx_sum - s1)
    return total


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
    tol: float = 1e-8,
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
    from clifflasso.dictionary import Dictionary, family_for
    from clifflasso.numeric.lasso import LassoSolution

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
    relative_gap = history[-1]["gap"] / max(0.5 * float(centred @ centred), 1e-300)
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
