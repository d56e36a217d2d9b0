r"""Coordinate descent for the centred Lasso (scikit-learn's Cython solver).

.. math::

    \min_z \tfrac12\|A_c z - y_c\|_2^2 + \beta\|z\|_1

is scikit-learn's ``Lasso`` objective :math:`\tfrac{1}{2N}\|y - Az\|^2 + \alpha\|z\|_1` times
:math:`N` with :math:`\alpha = \beta/N`; the intercept is exact because the data are centred
beforehand (``fit_intercept=False``). Paths reuse each solution as the next warm start.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, lasso_path

from clifflasso.numeric.lasso import SolverError, solve_centred, vertex_solution


def _relative_gap(A: np.ndarray, y: np.ndarray, z: np.ndarray, beta: float) -> float:
    residual = y - A @ z
    primal = 0.5 * residual @ residual + beta * np.abs(z).sum()
    top = float(np.max(np.abs(A.T @ residual))) if A.shape[1] else 0.0
    scaled = residual * (min(1.0, beta / top) if top > 0 else 1.0)
    dual = scaled @ y - 0.5 * scaled @ scaled
    return float((primal - dual) / max(primal, 1e-300))


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


def lasso_cd(
    A: np.ndarray,
    y: np.ndarray,
    beta: float,
    *,
    tol: float = 1e-10,
    max_iter: int = 2_000,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Sparse coefficients of the centred Lasso.

    Warm-started coordinate descent first; when strongly correlated columns keep its relative
    duality gap above ``max(tol, 1e-9)``, the interior-point solver (Clarabel) takes over. An LP
    (HiGHS) then finds a vertex with the same fit (at most N nonzeros) and coordinate descent
    polishes the Lasso on that support. Raises :class:`SolverError` if the gap stays above
    ``max(tol, 1e-7)``."""
    if A.shape[1] == 0:
        return np.zeros(0)
    target = max(tol, 1e-9)
    z = _cd(A, y, beta, tol, max_iter, start)
    if _relative_gap(A, y, z, beta) > target:
        z = solve_centred(A, y, beta)
    vertex = vertex_solution(A, A @ z)
    if vertex is not None:
        support = np.flatnonzero(vertex)
        polished = np.zeros_like(z)
        polished[support] = _cd(A[:, support], y, beta, tol, 50 * max_iter, vertex[support])
        if _relative_gap(A, y, polished, beta) <= max(target, _relative_gap(A, y, z, beta)):
            z = polished
    gap = _relative_gap(A, y, z, beta)
    if gap > max(tol, 1e-7):
        raise SolverError(f"the Lasso stopped at relative duality gap {gap:.2e}")
    return z


def lasso_path_cd(
    A: np.ndarray,
    y: np.ndarray,
    betas: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 200_000,
) -> np.ndarray:
    """Coefficients (len(betas), P) along a grid, warm-started from large to small beta."""
    betas = np.asarray(betas, dtype=np.float64)
    order = np.argsort(-betas)
    n = A.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, coefs, _ = lasso_path(A, y, alphas=betas[order] / n, tol=tol, max_iter=max_iter)
    out = np.empty((betas.size, A.shape[1]))
    out[order] = coefs.T
    for k, beta in enumerate(betas):
        if beta > 0 and _relative_gap(A, y, out[k], beta) > max(tol, 1e-7):
            out[k] = lasso_cd(A, y, beta, tol=tol, max_iter=max_iter)
    return out
