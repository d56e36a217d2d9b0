r"""Dictionaries larger than memory: the streamed working-set Lasso, :func:`fit`.

The dictionary is never materialised. Each pass streams every column of the complete family
(:mod:`clifflasso.lasso.correlations`) to compute the correlations :math:`A^\top\lambda` at the
residual; a working set of columns is solved exactly (:mod:`clifflasso.lasso.working_set`) and
the columns that violate :math:`|A_j^\top\lambda| \le \beta` are added, until the duality gap
(:mod:`clifflasso.lasso.problem`) is at most ``tol`` times the objective. Every pass also
bounds the rounding error of each correlation (:mod:`clifflasso.lasso.screening`); the last one
is kept in ``info["screen"]`` and :func:`clifflasso.certify` reuses it as the streamed pass of
the optimality certificate. Blocks can be dispatched to a Dask cluster (``client=``).
"""

from __future__ import annotations

import warnings

import numpy as np

from clifflasso._data import as_beta, as_data, as_labels
from clifflasso.architecture import Architecture
from clifflasso.dictionary import Dictionary, count_text, family_for, gib_text
from clifflasso.families.base import FeatureFamily, FeatureTable
from clifflasso.lasso.correlations import block_size_for, has_prefix_path
from clifflasso.lasso.screening import screen
from clifflasso.lasso.solution import LassoSolution, sample_weights
from clifflasso.lasso.working_set import TARGET_GAP, working_set_lasso

DEFAULT_FIT_MEMORY = 2**30


def _table_bytes(table: FeatureTable) -> int:
    return int(
        table.kinds.nbytes
        + table.indices.nbytes
        + sum(getattr(a, "nbytes", 0) for a in table.params.values())
    )


def stream_size_problem(family: FeatureFamily, memory_limit: int) -> str | None:
    """Why :func:`fit` would refuse the complete ``family`` for its size, or None. Lazy
    families compute each column from its index and stream in any memory; the others hold the
    parameters of every column, about ``size * (8 (4 + 2 L) + 16)`` bytes, which must stay
    within half of ``memory_limit``."""
    if family.lazy:
        return None
    estimated = family.size() * (8 * (4 + 2 * family.arch.depth) + 16)
    if estimated <= memory_limit // 2:
        return None
    return (
        f"the parameters of the {family.name} family ({count_text(family.size())} "
        f"columns) alone need about {gib_text(estimated)}, above half of memory_limit="
        f"{gib_text(memory_limit)}; raise memory_limit or use fewer samples"
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
    sample_weight=None,
):
    r"""Solve the Lasso of ``arch`` on ``(X, y)`` without materialising the dictionary.

    Working-set method: solve on a few columns, stream all columns to find those with
    :math:`|A_j^\top\lambda| > \beta`, add the worst, repeat; stop when the relative duality gap
    is below ``tol`` (then the answer is optimal over the *complete* family: a certificate).
    Memory stays within ``memory_limit`` bytes (parameters of every column, one block of
    values, the working set). ``client`` is an optional ``dask.distributed.Client`` for the
    streamed passes. ``sample_weight`` weights the squared loss per sample,
    :math:`\tfrac12\sum_n \omega_n r_n^2` (repeated inputs can be merged into one weighted
    point). Returns a :class:`~clifflasso.LassoSolution` over the working-set dictionary, with
    ``info`` holding the passes, gap and final sup; warns (``RuntimeWarning``) when
    ``max_passes`` run out before the gap reaches ``tol``.
    """
    data = as_data(X)
    labels = as_labels(y, data.n_samples)
    beta = as_beta(beta)
    weights = sample_weights(sample_weight, data.n_samples)
    if beta == 0:
        raise ValueError("fit needs beta > 0 (use solve(..., beta=0) for the min-l1 interpolant)")
    if isinstance(max_passes, bool) or not isinstance(max_passes, (int, np.integer)):
        raise ValueError(f"max_passes must be a positive integer, got {max_passes!r}")
    if max_passes < 1:
        raise ValueError(f"max_passes must be a positive integer, got {max_passes!r}")
    family = family_for(arch, data).complete_family()
    n = data.n_samples
    problem = stream_size_problem(family, memory_limit)
    if problem is not None:
        raise ValueError(problem)
    # families that index their columns are streamed without ever holding all of them
    table = family.streaming_table()
    block = block_size_for(n, memory_limit, has_prefix_path(family))
    working_budget = max(n, (memory_limit // 4) // (8 * n))
    # weighted centring and row scaling (clifflasso.lasso.problem): the plain Lasso in
    # target = sqrt(w) (y - mean_w y) and columns sqrt(w) (F - mean_w F)
    root = np.ones(n) if weights is None else np.sqrt(weights)
    mass = root * root
    centred = (
        root * (labels - np.average(labels, weights=mass)) if arch.output_bias else (root * labels)
    )

    passes: list = []

    def correlate(residual: np.ndarray) -> np.ndarray:
        # raw (uncentred) features: the dual point mu = sqrt(w) r must be orthogonal to the
        # constants exactly as it is in theory, not only up to the rounding of the centring
        if arch.output_bias:
            residual = residual - root * (float(root @ residual) / float(mass.sum()))
        screened = screen(
            family, table, root * residual, beta, block_size=block, client=client
        )
        passes[:] = [screened]  # the last pass, with error bounds: the certificate's screen
        return screened

    def columns(indices: np.ndarray) -> np.ndarray:
        if indices.size > working_budget:
            raise ValueError(
                f"the working set ({indices.size} columns) outgrew memory_limit; raise it"
            )
        values = family.evaluate(table.take(indices), data.values)
        if arch.output_bias:
            values = values - np.average(values, axis=0, weights=mass)
        return root[:, None] * values

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
        dictionary, labels, z, beta, history[0]["sup"], "working set (streamed)", weights
    )
    solution.info.update(
        passes=history,
        gap=history[-1]["gap"],
        sup=history[-1]["sup"],
        n_full=len(table),
        screen=passes[0] if passes else None,
    )
    return solution
