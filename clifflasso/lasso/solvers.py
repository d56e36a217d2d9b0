r"""One solver registry for the Lasso; every answer refined and gap-checked.

A *solver* is a function ``solver(A, y, beta, start=None) -> z`` for the centred, scaled
problem :math:`\min_z \tfrac12\|Az - y\|^2 + \beta\|z\|_1` of
:class:`~clifflasso.lasso.problem.LassoProblem` (``start``: an optional warm start).
Registered solvers:

==============  ==========================================================================
``homotopy``    the floating-point LARS-Lasso homotopy swept from :math:`\beta_{\max}`
``working_set`` working-set passes over all columns, small sets solved by the homotopy
``cd``          scikit-learn's coordinate descent on all columns (warm-startable)
``clarabel``    interior point (cvxpy/Clarabel), moved to a vertex of the solution set by an
                LP; any other cvxpy solver name works the same way
``exact``       the exact rational homotopy (:mod:`clifflasso.lasso.exact_homotopy`), used
                through :func:`clifflasso.solve` with ``exact=True``
``auto``        the default: ``homotopy``, falling back on ``working_set`` then ``clarabel``
==============  ==========================================================================

Whatever the solver, :func:`solve_problem` then *completes* the answer: working-set passes
started from its support, each small set refined on its support to machine precision
(:mod:`clifflasso.lasso.refine`). The relative duality gap of what is returned is at most
:data:`~clifflasso.lasso.working_set.TARGET_GAP` (:math:`10^{-12}`); if it is not, a
``RuntimeWarning`` says so, and above :data:`FAILURE_GAP` a
:class:`~clifflasso.lasso.errors.SolverError` is raised instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from clifflasso.lasso.errors import SolverError
from clifflasso.lasso.homotopy import HomotopyError, lasso_homotopy
from clifflasso.lasso.interpolation import min_l1_fit, vertex_solution
from clifflasso.lasso.problem import LassoProblem
from clifflasso.lasso.working_set import (
    TARGET_GAP,
    coordinate_descent,
    interior_point,
    precise_relative_gap,
    working_set_lasso,
)

#: relative duality gap above which an answer is refused (SolverError)
FAILURE_GAP = 1e-6

SolverFunction = Callable[..., np.ndarray]
SOLVERS: dict[str, SolverFunction] = {}
#: the order ``solver="auto"`` tries
AUTO_ORDER = ("homotopy", "working_set", "clarabel")


def register(name: str) -> Callable[[SolverFunction], SolverFunction]:
    """Register ``function(A, y, beta, start=None) -> z`` under ``name``."""

    def decorate(function: SolverFunction) -> SolverFunction:
        SOLVERS[name] = function
        return function

    return decorate


@register("homotopy")
def _homotopy(A: np.ndarray, y: np.ndarray, beta: float, start=None) -> np.ndarray:
    return lasso_homotopy(A, y, np.array([beta]))[0]


@register("working_set")
def _working_set(A: np.ndarray, y: np.ndarray, beta: float, start=None) -> np.ndarray:
    begin = None
    if start is not None:
        support = np.flatnonzero(start)
        begin = (support, start[support])
    working, values, _ = working_set_lasso(
        lambda r: A.T @ r, lambda idx: A[:, idx], y, beta, start=begin
    )
    z = np.zeros(A.shape[1])
    z[working] = values
    return z


@register("cd")
def _coordinate_descent(A: np.ndarray, y: np.ndarray, beta: float, start=None) -> np.ndarray:
    return coordinate_descent(A, y, beta, start=start)


def _conic(name: str) -> SolverFunction:
    def conic(A: np.ndarray, y: np.ndarray, beta: float, start=None) -> np.ndarray:
        dense = interior_point(A, y, beta, name)
        vertex = vertex_solution(A, A @ dense)
        return dense if vertex is None else vertex

    return conic


register("clarabel")(_conic("clarabel"))


def solver_names() -> list[str]:
    """Names accepted by ``solver=``: the registry, ``auto``, ``exact`` and cvxpy's solvers."""
    import cvxpy as cp

    return sorted(set(SOLVERS) | {"auto", "exact"} | {s.lower() for s in cp.installed_solvers()})


def _function(name: str) -> SolverFunction:
    key = name.lower()
    if key in SOLVERS:
        return SOLVERS[key]
    from clifflasso.lasso.conic import installed

    if installed(key):
        return _conic(key)
    raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(solver_names())}")


def complete(A: np.ndarray, y: np.ndarray, z: np.ndarray, beta: float) -> np.ndarray:
    """Working-set passes started from the support of ``z`` until the relative gap reaches
    :data:`TARGET_GAP` (module docstring)."""
    support = np.flatnonzero(z)
    working, values, _ = working_set_lasso(
        lambda r: A.T @ r, lambda idx: A[:, idx], y, beta, start=(support, z[support])
    )
    completed = np.zeros(A.shape[1])
    completed[working] = values
    return completed


def check_gap(gap: float, what: str) -> None:
    """Warn above :data:`TARGET_GAP`, raise :class:`SolverError` above :data:`FAILURE_GAP`."""
    if gap > FAILURE_GAP:
        raise SolverError(f"{what} stopped at relative duality gap {gap:.2e}; refusing it")
    if gap > TARGET_GAP:
        warnings.warn(
            f"{what} reached relative duality gap {gap:.2e} only (target {TARGET_GAP:g})",
            RuntimeWarning,
            stacklevel=3,
        )


def solve_problem(
    problem: LassoProblem, beta: float, solver: str = "auto", *, start: np.ndarray | None = None
) -> tuple[np.ndarray, dict]:
    """User coefficients of the Lasso at ``beta`` and a record ``{"method", "gap"}``.

    ``beta = 0`` gives the vertex minimum-l1 least-squares fit (HiGHS), ``beta >= beta_max``
    zero. ``start`` is a warm start in user units.
    """
    A, y = problem.matrix, problem.target
    scaled = problem.scaled_beta(beta)
    if A.shape[1] == 0 or beta >= problem.beta_max:
        return np.zeros(A.shape[1]), {"method": "beta >= beta_max", "gap": 0.0}
    if beta == 0:
        z, _ = min_l1_fit(A, y)
        return problem.coefficients(z), {"method": "min-l1 LP (HiGHS)", "gap": 0.0}
    names = AUTO_ORDER if solver == "auto" else (solver,)
    functions = [_function(name) for name in names]
    guess = None if start is None else problem.scaled_coefficients(np.asarray(start, float))
    z, used, failures = None, None, []
    for name, function in zip(names, functions):
        try:
            z, used = function(A, y, scaled, guess), name
            break
        except (HomotopyError, SolverError) as exc:
            failures.append(f"{name}: {exc}")
    if z is None:
        raise SolverError("every solver failed on the Lasso: " + "; ".join(failures))
    z = complete(A, y, z, scaled)
    gap = precise_relative_gap(A, y, z, scaled)
    check_gap(gap, f"the Lasso ({used}, beta={beta:g})")
    return problem.coefficients(z), {"method": f"{used} + support refinement", "gap": gap}


def solve_path(
    problem: LassoProblem, betas: np.ndarray, solver: str = "auto"
) -> tuple[np.ndarray, np.ndarray, str]:
    """Coefficients ``(len(betas), P)`` along a grid, their relative gaps and the method.

    ``auto``/``homotopy``: one homotopy sweep read off at every grid beta; ``working_set`` and
    ``cd``: warm starts from large to small beta; other solvers: one solve per beta. Every
    point is then completed and gap-checked as in :func:`solve_problem`.
    """
    betas = np.asarray(betas, dtype=np.float64)
    A, y = problem.matrix, problem.target
    out = np.zeros((betas.size, A.shape[1]))
    gaps = np.zeros(betas.size)
    top = problem.beta_max
    inside = np.flatnonzero((betas > 0) & (betas < top))
    for k in np.flatnonzero(betas == 0):
        out[k] = solve_problem(problem, 0.0)[0]
    if inside.size == 0:
        return out, gaps, "beta >= beta_max"
    scaled = betas[inside] / problem.beta_scale
    sweep = None
    if solver in ("auto", "homotopy"):
        try:
            sweep = lasso_homotopy(A, y, scaled)
            method = "homotopy path + support refinement"
        except HomotopyError:
            if solver == "homotopy":
                raise
    if sweep is None:
        name = "working_set" if solver == "auto" else solver
        method = f"{name} path + support refinement"
        sweep = np.zeros((inside.size, A.shape[1]))
        function = _function(name)
        warm = None
        for position in np.argsort(-scaled):
            sweep[position] = function(A, y, scaled[position], warm)
            if solver in ("working_set", "cd", "auto"):
                warm = sweep[position]
    for position, k in enumerate(inside):
        z = complete(A, y, sweep[position], scaled[position])
        gaps[k] = precise_relative_gap(A, y, z, scaled[position])
        check_gap(gaps[k], f"the Lasso path at beta={betas[k]:g}")
        out[k] = problem.coefficients(z)
    return out, gaps, method
