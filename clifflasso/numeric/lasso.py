r"""The Lasso of MATH.md §2 and its solution.

.. math::

    \min_{z,\xi}\ \tfrac12\|Az + \xi\mathbf{1} - y\|_2^2 + \beta\|z\|_1

The intercept :math:`\xi` (present when the architecture has an output bias) is unpenalised,
so the problem is solved on centred data and :math:`\xi = \overline{y - Az}`.

* :math:`\beta \ge \beta_{\max} = \|A_c^\top y_c\|_\infty` gives :math:`z = 0` at once;
* :math:`\beta = 0` gives the minimum-:math:`\ell_1` least-squares fit (an LP; the limit of Lasso
  solutions as :math:`\beta \to 0`, the minimum-norm interpolant when the data can be fitted);
* otherwise cvxpy solves the Lasso (Clarabel by default) and an LP (HiGHS) then picks a *vertex*
  solution with the same fitted values and no larger :math:`\ell_1` norm, so the rebuilt network
  has at most N active units instead of an interior point's spread over duplicate columns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import cvxpy as cp
import numpy as np
from scipy.optimize import linprog

from clifflasso._data import as_beta, as_labels


class SolverError(RuntimeError):
    """A solver failed or returned an inaccurate answer."""


_CLARABEL_OPTIONS = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}


@dataclass
class LassoSolution:
    r"""A solution of the Lasso over a dictionary.

    ``z`` and ``intercept`` solve the problem, ``objective`` is
    :math:`\tfrac12\|Az + \xi 1 - y\|^2 + \beta\|z\|_1` evaluated at them, ``network`` the
    rebuilt network (MATH.md §5), whose nonconvex objective equals ``objective``.
    """

    z: np.ndarray
    intercept: float
    dictionary: object
    y: np.ndarray
    beta: float
    beta_max: float
    method: str
    objective: float = field(init=False)
    #: solver details (e.g. the passes of a streamed working-set solve)
    info: dict = field(init=False, default_factory=dict)

    @classmethod
    def from_coefficients(
        cls, D, y: np.ndarray, z: np.ndarray, beta: float, beta_max: float, method: str
    ) -> LassoSolution:
        r"""The solution with coefficients ``z`` and the optimal intercept
        :math:`\xi = \overline{y - Az}` (0 without an output bias)."""
        xi = float(np.mean(y - D.matrix @ z)) if D.arch.output_bias else 0.0
        return cls(
            z=z, intercept=xi, dictionary=D, y=y, beta=beta, beta_max=beta_max, method=method
        )

    def __post_init__(self) -> None:
        residual = self.fitted - self.y
        self.objective = float(0.5 * residual @ residual + self.beta * self.l1_norm)

    @property
    def l1_norm(self) -> float:
        return float(np.sum(np.abs(self.z)))

    @property
    def fitted(self) -> np.ndarray:
        r""":math:`Az + \xi\mathbf 1`."""
        return self.dictionary.matrix @ self.z + self.intercept

    @property
    def support(self) -> np.ndarray:
        """Indices of the nonzero coefficients."""
        return np.flatnonzero(self.z)

    @cached_property
    def network(self):
        """The rebuilt network, one unit per nonzero coefficient."""
        support = self.support
        return self.dictionary.family.rebuild(
            self.dictionary.table.take(support), self.z[support], self.intercept
        )

    def predict(self, X: object) -> np.ndarray:
        """The fitted function at new points (through the dictionary's kernel)."""
        return self.dictionary.evaluate(X) @ self.z + self.intercept

    def __repr__(self) -> str:
        return (
            f"LassoSolution(objective={self.objective:.10g}, beta={self.beta:g}, "
            f"nonzeros={self.support.size}, l1_norm={self.l1_norm:.6g}, method={self.method!r})"
        )


def _centre(A: np.ndarray, y: np.ndarray, intercept: bool) -> tuple[np.ndarray, np.ndarray]:
    if not intercept:
        return A, y
    return A - A.mean(axis=0), y - y.mean()


def beta_max(A: np.ndarray, y: np.ndarray, intercept: bool = True) -> float:
    r""":math:`\beta_{\max} = \|A_c^\top y_c\|_\infty`: the smallest beta with solution z = 0."""
    Ac, yc = _centre(np.asarray(A, float), np.asarray(y, float), intercept)
    return float(np.max(np.abs(Ac.T @ yc))) if Ac.shape[1] else 0.0


def duality_gaps(
    y: np.ndarray,
    residuals: np.ndarray,
    l1_norms: np.ndarray,
    betas: np.ndarray,
    tops: np.ndarray,
) -> np.ndarray:
    r"""Duality gaps of the centred Lasso from residuals :math:`r = y - Az` (one row per
    beta), :math:`\|z\|_1` and :math:`\|A^\top r\|_\infty` (``tops``).

    The dual point is the residual scaled into the feasible set,
    :math:`\lambda = r\min(1, \beta/\|A^\top r\|_\infty)`, with dual objective
    :math:`\lambda^\top y - \tfrac12\|\lambda\|^2`; the primal objective is
    :math:`\tfrac12\|r\|^2 + \beta\|z\|_1`."""
    residuals = np.atleast_2d(residuals)
    betas, tops = np.atleast_1d(betas), np.atleast_1d(tops)
    primal = 0.5 * np.einsum("ij,ij->i", residuals, residuals) + betas * l1_norms
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(tops > 0, np.minimum(1.0, betas / tops), 1.0)
    scaled = residuals * scale[:, None]
    dual = scaled @ y - 0.5 * np.einsum("ij,ij->i", scaled, scaled)
    return primal - dual


def relative_gaps(A: np.ndarray, y: np.ndarray, Z: np.ndarray, betas: np.ndarray) -> np.ndarray:
    r"""Duality gaps (:func:`duality_gaps`) of the centred Lasso at the rows of ``Z`` (one per
    beta), relative to :math:`\tfrac12\|y\|^2`, the objective at :math:`z = 0`."""
    Z = np.atleast_2d(np.asarray(Z, dtype=np.float64))
    betas = np.atleast_1d(np.asarray(betas, dtype=np.float64))
    residuals = y[None, :] - Z @ A.T
    tops = np.max(np.abs(residuals @ A), axis=1) if A.shape[1] else np.zeros(len(Z))
    gaps = duality_gaps(y, residuals, np.abs(Z).sum(axis=1), betas, tops)
    return gaps / max(0.5 * float(y @ y), 1e-300)


def vertex_solution(Ac: np.ndarray, target: np.ndarray) -> np.ndarray | None:
    r"""A vertex of :math:`\min \|z\|_1` s.t. :math:`A_c z = t` (HiGHS simplex), or None."""
    n_cols = Ac.shape[1]
    result = linprog(
        c=np.ones(2 * n_cols),
        A_eq=np.hstack([Ac, -Ac]),
        b_eq=target,
        bounds=(0, None),
        method="highs-ds",
    )
    if result.status != 0:
        return None
    return result.x[:n_cols] - result.x[n_cols:]


def _least_squares_fit(Ac: np.ndarray, yc: np.ndarray) -> np.ndarray:
    coefficients, *_ = np.linalg.lstsq(Ac, yc, rcond=None)
    return Ac @ coefficients


def solve_centred(Ac: np.ndarray, yc: np.ndarray, beta: float, solver: str = "clarabel"):
    r"""Minimiser of :math:`\tfrac12\|A_c z - y_c\|^2 + \beta\|z\|_1` (interior point)."""
    return _solve_cvxpy(Ac, yc, beta, solver)


def _solve_cvxpy(Ac: np.ndarray, yc: np.ndarray, beta: float, solver: str) -> np.ndarray:
    name = solver.upper()
    if name not in cp.installed_solvers():
        raise ValueError(f"solver {solver!r} is not installed; available: {cp.installed_solvers()}")
    z = cp.Variable(Ac.shape[1])
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(Ac @ z - yc) + beta * cp.norm1(z)))
    # Clarabel: tight tolerances first; looser ones only if the tighter run is inaccurate
    ladder = (
        [
            _CLARABEL_OPTIONS,
            {**_CLARABEL_OPTIONS, "tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9},
            {**_CLARABEL_OPTIONS, "tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8},
        ]
        if name == "CLARABEL"
        else [{}]
    )
    for options in ladder:
        try:
            with warnings.catch_warnings():
                # an inaccurate status is turned into SolverError below
                warnings.filterwarnings("ignore", message="Solution may be inaccurate")
                problem.solve(solver=name, **options)
        except cp.error.SolverError as exc:
            raise SolverError(f"{name} failed on the Lasso: {exc}") from exc
        if problem.status == cp.OPTIMAL and z.value is not None:
            return np.asarray(z.value, dtype=np.float64)
    raise SolverError(
        f"{name} returned status {problem.status!r} for the Lasso (N={Ac.shape[0]}, "
        f"P={Ac.shape[1]}, beta={beta:g}); refusing an inaccurate answer"
    )


def _objective(Ac: np.ndarray, yc: np.ndarray, z: np.ndarray, beta: float) -> float:
    residual = Ac @ z - yc
    return float(0.5 * residual @ residual + beta * np.sum(np.abs(z)))


def sparse_polish(
    Ac: np.ndarray, yc: np.ndarray, z: np.ndarray, beta: float, solver: str = "clarabel"
) -> np.ndarray | None:
    """A sparse solution as good as ``z``: the LP vertex with the same fit gives a support of at
    most N columns; the Lasso restricted to it is re-solved. None if that is not as good."""
    vertex = vertex_solution(Ac, Ac @ z)
    if vertex is None:
        return None
    support = np.flatnonzero(vertex)
    polished = np.zeros_like(z)
    if support.size:
        polished[support] = _solve_cvxpy(Ac[:, support], yc, beta, solver)
    reference = _objective(Ac, yc, z, beta)
    if _objective(Ac, yc, polished, beta) <= reference + 1e-9 * max(1.0, reference):
        return polished
    return None


def solve(
    D, y: object, beta: float, solver: str = "clarabel", *, sparse: bool = True, exact: bool = False
):
    """Solve the Lasso over the dictionary ``D`` for labels ``y`` and strength ``beta``.

    Returns a :class:`LassoSolution`. With ``sparse=True`` (default) the solution is moved to
    a vertex of the solution set (same fit, no larger l1 norm) by an LP, so it has at most N
    nonzero coefficients. A failed or inaccurate solve raises :class:`SolverError`.
    ``exact=True`` solves in rational arithmetic (exact homotopy) and returns a
    :class:`~clifflasso.exact.path.ExactLassoSolution`.
    """
    if exact:
        from clifflasso.exact.path import exact_solve

        return exact_solve(D, y, beta)
    A = D.matrix
    labels = as_labels(y, A.shape[0])
    beta = as_beta(beta)
    intercept = D.arch.output_bias
    Ac, yc = _centre(A, labels, intercept)
    top = beta_max(A, labels, intercept)
    if beta >= top or A.shape[1] == 0:
        z = np.zeros(A.shape[1])
        method = "beta >= beta_max"
    elif beta == 0:
        z = vertex_solution(Ac, _least_squares_fit(Ac, yc))
        if z is None:
            raise SolverError("HiGHS failed on the minimum-l1 fit (beta = 0)")
        method = "min-l1 LP (HiGHS)"
    else:
        z = _solve_cvxpy(Ac, yc, beta, solver)
        method = f"cvxpy/{solver.upper()}"
        if sparse:
            polished = sparse_polish(Ac, yc, z, beta, solver)
            if polished is not None:
                z = polished
                method += " + vertex LP (HiGHS) + polish"
    scale = max(1.0, float(np.max(np.abs(z)))) if z.size else 1.0
    z = np.where(np.abs(z) > 1e-13 * scale, z, 0.0)
    return LassoSolution.from_coefficients(D, labels, z, beta, top, method)
