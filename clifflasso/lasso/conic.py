"""One place that runs cvxpy conic solvers: a tolerance ladder and one error.

Clarabel is run with the tightest tolerance first; a looser one is tried only when the tighter
run ends with an inaccurate status (ill-conditioned programs). Any other status raises
:class:`~clifflasso.lasso.errors.SolverError`, so no caller ever reads an inaccurate answer.
"""

from __future__ import annotations

import warnings

from clifflasso.lasso.errors import SolverError

#: Clarabel tolerances (absolute and relative gap, feasibility), tightest first.
TOLERANCES = (1e-10, 1e-9, 1e-8)


def installed(solver: str) -> bool:
    import cvxpy as cp

    return solver.upper() in cp.installed_solvers()


def ladder(name: str) -> list[dict]:
    """Solver options to try in turn: Clarabel's tolerances tightest first, else defaults."""
    if name == "CLARABEL":
        return [{"tol_gap_abs": t, "tol_gap_rel": t, "tol_feas": t} for t in TOLERANCES]
    return [{}]


def solve_conic(problem, solver: str = "clarabel", *, what: str = "the problem") -> None:
    """Solve the cvxpy ``problem`` in place; raise :class:`SolverError` unless it is OPTIMAL.

    ``what`` names the problem in error messages (e.g. ``"the Lasso (N=20, P=400)"``).
    """
    import cvxpy as cp

    name = solver.upper()
    if name not in cp.installed_solvers():
        raise ValueError(f"solver {solver!r} is not installed; available: {cp.installed_solvers()}")
    for options in ladder(name):
        try:
            with warnings.catch_warnings():
                # an inaccurate status is turned into a retry or SolverError below
                warnings.simplefilter("ignore")
                problem.solve(solver=name, **options)
        except cp.error.SolverError as exc:
            raise SolverError(f"{name} failed on {what}: {exc}") from exc
        if problem.status == cp.OPTIMAL:
            return
    raise SolverError(
        f"{name} returned status {problem.status!r} for {what}; refusing an inaccurate answer"
    )
