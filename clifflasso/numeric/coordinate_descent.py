r"""Coordinate descent for the centred Lasso (scikit-learn's Cython solver).

.. math::

    \min_z \tfrac12\|A_c z - y_c\|_2^2 + \beta\|z\|_1

is scikit-learn's ``Lasso`` objective :math:`\tfrac{1}{2N}\|y - Az\|^2 + \alpha\|z\|_1` times
:math:`N` with :math:`\alpha = \beta/N`; the intercept is exact because the data are centred
beforehand (``fit_intercept=False``). Strongly correlated dictionaries slow coordinate descent
down, so it only ever runs on small working sets (:func:`working_set_lasso`), and only where
the homotopy sweep (:mod:`clifflasso.numeric.homotopy`) on that set broke down, with Clarabel
as the last fall-back; paths reuse each working set as the next warm start.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from tqdm.auto import tqdm

from clifflasso.numeric.homotopy import HomotopyError, lasso_homotopy
from clifflasso.numeric.lasso import (
    SolverError,
    duality_gaps,
    relative_gaps,
    solve_centred,
    sparse_polish,
)


def _relative_gap(A: np.ndarray, y: np.ndarray, z: np.ndarray, beta: float) -> float:
    return float(relative_gaps(A, y, z, beta)[0])


def _cd(A, y, beta, tol, max_iter, start):
    model = Lasso(
        alpha=beta / A.shape[0],
        fit_intercept=False,
        tol=tol,
        max_iter=max_iter,
        warm_start=start is not None,
    )
    if start is not None:
        model.coef_ = np.array(start, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(A, y)
    return np.asarray(model.coef_, dtype=np.float64)


def lasso_small(
    A: np.ndarray,
    y: np.ndarray,
    beta: float,
    *,
    tol: float = 1e-10,
    max_iter: int = 2_000,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Sparse coefficients of the centred Lasso over a small (working-set) dictionary.

    A homotopy sweep from the set's own beta_max first (:mod:`clifflasso.numeric.homotopy`);
    where it breaks down or leaves a relative duality gap above ``max(tol, 1e-9)``,
    warm-started coordinate descent; where strongly correlated columns stall that,
    the interior-point solver (Clarabel), whose dense answer an LP (HiGHS) moves to a vertex
    with the same fit (at most N nonzeros), on whose support the Lasso is re-solved. Raises
    :class:`SolverError` if the gap stays above ``max(tol, 1e-7)``."""
    if A.shape[1] == 0:
        return np.zeros(0)
    target = max(tol, 1e-9)
    try:
        z = lasso_homotopy(A, y, np.array([beta]))[0]
        if _relative_gap(A, y, z, beta) <= target:
            return z
    except HomotopyError:
        pass
    z = _cd(A, y, beta, tol, max_iter, start)
    if _relative_gap(A, y, z, beta) <= target:
        return z
    try:
        interior = solve_centred(A, y, beta)
    except SolverError:
        interior = None
    if interior is not None and _relative_gap(A, y, interior, beta) < _relative_gap(A, y, z, beta):
        polished = sparse_polish(A, y, interior, beta)
        z = polished if polished is not None else interior
    gap = _relative_gap(A, y, z, beta)
    if gap > max(tol, 1e-7):
        raise SolverError(f"the Lasso stopped at relative duality gap {gap:.2e}")
    return z


def working_set_lasso(
    correlate,
    columns,
    centred: np.ndarray,
    beta: float,
    *,
    tol: float = 1e-8,
    max_passes: int = 200,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool = False,
):
    r"""Working-set Lasso on the centred problem with any column source.

    ``correlate(residual)`` returns :math:`A_c^\top r` for every column, ``columns(indices)``
    the centred columns. Each pass solves the Lasso on the working set (warm start), adds the
    worst violators of :math:`|A_j^\top r| \le \beta` and stops when the relative duality gap
    is below ``tol``. Returns ``(working indices, coefficients, history)``.
    """
    working, z_working = start if start is not None else (np.zeros(0, np.int64), np.zeros(0))
    residual = centred - (columns(working) @ z_working if working.size else 0.0)
    history = []
    # a warm start is not a solution for this beta: without violators its own columns are
    # re-solved once before the search can stop
    solved = start is None
    bar = tqdm(total=max_passes, desc="working-set passes", disable=not progress, leave=False)
    for _ in range(max_passes):
        correlations = correlate(residual)
        top = float(np.max(np.abs(correlations))) if correlations.size else 0.0
        gap = duality_gaps(centred, residual, np.abs(z_working).sum(), beta, top)[0]
        history.append({"working_set": int(working.size), "sup": top, "gap": float(gap)})
        bar.update(1)
        if gap <= tol * max(0.5 * float(centred @ centred), 1e-300):
            break
        # violators anywhere, the working set included (columns of a warm start)
        violators = np.flatnonzero(np.abs(correlations) > beta * (1 + 1e-12))
        if violators.size == 0 and solved:
            break
        order = np.argsort(-np.abs(correlations[violators]))
        add = violators[order[: max(64, 4 * int(np.count_nonzero(z_working)))]]
        support = working[z_working != 0]
        previous = dict(zip(support.tolist(), z_working[z_working != 0]))
        working = np.concatenate([support, np.setdiff1d(add, support)])
        A_working = columns(working)
        guess = np.array([previous.get(int(j), 0.0) for j in working])
        z_working = lasso_small(A_working, centred, beta, tol=tol * 1e-2, start=guess)
        residual = centred - A_working @ z_working
        solved = True
    bar.close()
    return working, z_working, history


def lasso_path_cd(
    A: np.ndarray, y: np.ndarray, betas: np.ndarray, *, tol: float = 1e-9
) -> np.ndarray:
    """Coefficients (len(betas), P) of the centred Lasso along a grid: working-set solves from
    large to small beta, each warm-started with the previous working set and coefficients."""
    betas = np.asarray(betas, dtype=np.float64)
    out = np.zeros((betas.size, A.shape[1]))
    start = None
    for k in np.argsort(-betas):
        working, z, _ = working_set_lasso(
            lambda r: A.T @ r, lambda idx: A[:, idx], y, betas[k], tol=tol, start=start
        )
        out[k, working] = z
        start = (working, z)
    return out
