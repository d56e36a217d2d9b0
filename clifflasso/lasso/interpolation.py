r"""The :math:`\beta = 0` end of the path: the minimum-:math:`\ell_1` least-squares fit.

As :math:`\beta \to 0` the Lasso solutions converge to a solution of

.. math::

    \min_z \|z\|_1 \quad\text{s.t.}\quad A_c z = P y_c

(:math:`P` the orthogonal projection onto the range of :math:`A_c`; :math:`P y_c = y_c` when the
data can be interpolated), a linear program. Its dual,

.. math::

    \max_\mu\ \mu^\top P y_c \quad\text{s.t.}\quad \|A_c^\top\mu\|_\infty \le 1,

certifies the minimal norm: HiGHS returns both, and a *vertex* primal solution, so the
rebuilt network has at most :math:`\operatorname{rank} A_c` units.
"""

from __future__ import annotations

import numpy as np

from clifflasso.lasso.errors import SolverError


def least_squares_fit(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`P y`, the least-squares fit of ``y`` by the columns of ``A``."""
    if A.shape[1] == 0:
        return np.zeros_like(y)
    coefficients, *_ = np.linalg.lstsq(A, y, rcond=None)
    return A @ coefficients


def _min_l1(A: np.ndarray, target: np.ndarray):
    from scipy.optimize import linprog  # on first use: scipy.optimize is slow to import

    n_cols = A.shape[1]
    return linprog(
        c=np.ones(2 * n_cols),
        A_eq=np.hstack([A, -A]),
        b_eq=target,
        bounds=(0, None),
        method="highs-ds",
    )


def vertex_solution(A: np.ndarray, target: np.ndarray) -> np.ndarray | None:
    r"""A vertex of :math:`\min \|z\|_1` s.t. :math:`A z = t` (HiGHS dual simplex), or None."""
    result = _min_l1(A, target)
    if result.status != 0:
        return None
    return result.x[: A.shape[1]] - result.x[A.shape[1] :]


def min_l1_fit(A: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""``(z, mu)``: a vertex minimum-:math:`\ell_1` least-squares fit and the LP's dual
    multipliers :math:`\mu` (module docstring). Raises :class:`SolverError` if HiGHS fails."""
    if A.shape[1] == 0:
        return np.zeros(0), np.zeros_like(y)
    result = _min_l1(A, least_squares_fit(A, y))
    if result.status != 0:
        raise SolverError(f"HiGHS failed on the minimum-l1 fit (beta = 0): {result.message}")
    z = result.x[: A.shape[1]] - result.x[A.shape[1] :]
    return z, np.asarray(result.eqlin.marginals, dtype=np.float64)
