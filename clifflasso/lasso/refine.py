r"""Refinement of a Lasso solution on its support: the KKT system solved to machine precision.

Given coefficients :math:`z` with support :math:`S` and signs :math:`s = \mathrm{sign}(z_S)`,
the Lasso restricted to :math:`S` with those signs is the unconstrained quadratic

.. math::

    \min_{z_S}\ \tfrac12\|A_S z_S - y\|^2 + \beta\, s^\top z_S
    \quad\Longleftrightarrow\quad A_S^\top A_S z_S = A_S^\top y - \beta s .

It is solved through a rank-revealing QR factorisation :math:`A_S\Pi = QR` (dependent columns
get coefficient 0) with one step of iterative refinement, so the correlations on the support
equal :math:`\beta s` to rounding. The refined point is kept only if its signs agree with
:math:`s` (otherwise the support was wrong and the working set has to change it) and its
duality gap is not larger.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import qr, solve_triangular

from clifflasso.lasso.problem import relative_gaps

#: diagonal entries of R below this fraction of the largest mark a dependent column
RANK_TOLERANCE = 1e-11


def kkt_solve(
    A_S: np.ndarray, y: np.ndarray, signs: np.ndarray, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""``(kept, z)``: positions (into the columns of ``A_S``) of a maximal independent subset
    and the solution of the sign-fixed KKT system on it (module docstring)."""
    if A_S.shape[1] == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0)
    q, r, pivots = qr(A_S, mode="economic", pivoting=True, check_finite=False)
    diagonal = np.abs(np.diag(r))
    rank = int(np.count_nonzero(diagonal > RANK_TOLERANCE * diagonal[0])) if diagonal[0] else 0
    kept = pivots[:rank]
    q, r = q[:, :rank], r[:rank, :rank]
    s = signs[kept]

    def solve_normal(rhs: np.ndarray) -> np.ndarray:
        half = solve_triangular(r, rhs, trans="T", check_finite=False)
        return solve_triangular(r, half, check_finite=False)

    z = solve_triangular(r, q.T @ y - beta * solve_triangular(r, s, trans="T"), check_finite=False)
    columns = A_S[:, kept]
    for _ in range(2):  # iterative refinement of the normal equations
        defect = columns.T @ (y - columns @ z) - beta * s
        z = z + solve_normal(defect)
    return kept, z


def refine(A: np.ndarray, y: np.ndarray, z: np.ndarray, beta: float) -> np.ndarray:
    """``z`` refined on its support (module docstring), or ``z`` itself when the refined point
    has other signs or a larger duality gap."""
    support = np.flatnonzero(z)
    if support.size == 0 or beta <= 0:
        return z
    signs = np.sign(z[support])
    kept, values = kkt_solve(A[:, support], y, signs, beta)
    if np.any(np.sign(values) != signs[kept]):
        return z
    candidate = np.zeros_like(z)
    candidate[support[kept]] = values
    candidates = [z, candidate]
    # coefficients at the rounding level of the fit are usually zeros of the exact solution
    contribution = np.abs(values) * np.linalg.norm(A[:, support[kept]], axis=0)
    negligible = contribution <= 1e-13 * float(np.linalg.norm(y))
    if np.any(negligible) and not np.all(negligible):
        pruned = candidate.copy()
        pruned[support[kept][negligible]] = 0.0
        candidates.append(refine(A, y, pruned, beta))
    gaps = relative_gaps(A, y, np.vstack(candidates), np.full(len(candidates), beta))
    return candidates[int(np.argmin(gaps))]


def kkt_solve_extended(
    A_S: np.ndarray, y: np.ndarray, z_S: np.ndarray, beta: float
) -> np.ndarray | None:
    """The sign-fixed KKT solution on the support of ``z_S`` in extended precision
    (:data:`~clifflasso.lasso.problem.EXTENDED`): the float64 solution of :func:`kkt_solve`
    with iterative refinement whose defects are computed in extended precision. None when its
    signs differ from those of ``z_S``."""
    from clifflasso.lasso.problem import EXTENDED

    support = np.flatnonzero(z_S)
    if support.size == 0:
        return np.zeros(z_S.shape[0], dtype=EXTENDED)
    signs = np.sign(z_S[support])
    columns = A_S[:, support]
    kept, values = kkt_solve(columns, y, signs, beta)
    if np.any(np.sign(values) != signs[kept]):
        return None
    q, r = np.linalg.qr(columns[:, kept])
    A_e, y_e = columns[:, kept].astype(EXTENDED), y.astype(EXTENDED)
    s_e = signs[kept].astype(EXTENDED)
    z = values.astype(EXTENDED)
    for _ in range(3):
        defect = A_e.T @ (y_e - A_e @ z) - beta * s_e
        half = solve_triangular(r, defect.astype(np.float64), trans="T", check_finite=False)
        z = z + solve_triangular(r, half, check_finite=False).astype(EXTENDED)
    out = np.zeros(z_S.shape[0], dtype=EXTENDED)
    out[support[kept]] = z
    return out
