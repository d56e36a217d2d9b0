r"""Solving the Lasso of a dictionary: :func:`solve` at one beta and :func:`lasso_path`.

.. math::

    \min_{z,\xi}\ \tfrac12\sum_n \omega_n(A_n z + \xi\mathbf 1 - y_n)^2 + \beta\|z\|_1

Numeric solves go through the solver layer (:mod:`clifflasso.lasso`): the default
``solver="auto"`` sweeps the floating-point homotopy, refines the answer on its support and
checks its duality gap (relative gap at most :math:`10^{-12}`, or a warning); ``exact=True``
runs the rational homotopy and returns exact fractions.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from clifflasso._data import as_beta, as_labels
from clifflasso.exact.path import ExactLassoSolution, ExactPath, Path, exact_solve
from clifflasso.lasso.problem import LassoProblem
from clifflasso.lasso.solution import LassoSolution, sample_weights
from clifflasso.lasso.solvers import solve_path, solve_problem


def _problem(D, labels: np.ndarray, weights) -> LassoProblem:
    return LassoProblem(D.matrix, labels, intercept=D.arch.output_bias, weights=weights)


def solve(
    D,
    y: object,
    beta: float,
    solver: str = "auto",
    *,
    exact: bool = False,
    sample_weight=None,
) -> LassoSolution | ExactLassoSolution:
    """Solve the Lasso over the dictionary ``D`` for labels ``y`` and strength ``beta``.

    ``solver`` is ``"auto"`` (default: homotopy, then working set, then Clarabel),
    ``"homotopy"``, ``"working_set"``, ``"cd"``, ``"clarabel"`` (or another installed cvxpy
    solver), or ``"exact"``. Every numeric answer is refined on its support and checked: its
    relative duality gap is at most 1e-12 or a ``RuntimeWarning`` says how far it got (a
    :class:`~clifflasso.SolverError` above 1e-6). ``beta = 0`` gives the minimum-l1
    least-squares fit. ``exact=True`` (or ``solver="exact"``) solves in rational arithmetic
    and returns an :class:`~clifflasso.ExactLassoSolution`. ``sample_weight`` weights the
    squared loss per sample.
    """
    if exact or solver == "exact":
        if sample_weight is not None:
            raise ValueError("exact solves do not take sample weights yet")
        return exact_solve(D, y, beta)
    labels = as_labels(y, D.matrix.shape[0])
    beta = as_beta(beta)
    weights = sample_weights(sample_weight, labels.shape[0])
    problem = _problem(D, labels, weights)
    z, record = solve_problem(problem, beta, solver)
    solution = LassoSolution.from_coefficients(
        D, labels, z, beta, problem.beta_max, record["method"], weights
    )
    solution.info.update(gap=record["gap"])
    return solution


class NumericPath(Path):
    r"""Numeric solutions on a grid of beta values; between grid points :meth:`solution` solves
    afresh.

    ``solver="auto"`` or ``"homotopy"`` sweeps the piecewise-linear path once from
    :math:`\beta_{\max}`; ``"working_set"`` and ``"cd"`` warm-start each beta from the previous
    one; any other solver solves each beta separately. Every grid point is refined and
    gap-checked (``gaps`` holds the relative duality gaps).
    """

    exact = False

    def __init__(self, D, y: object, betas: Sequence[float], solver: str = "auto") -> None:
        self.dictionary = D
        self._labels = as_labels(y, D.matrix.shape[0])
        self._solver = solver
        self.breakpoints = tuple(sorted({float(b) for b in betas}, reverse=True))
        if not self.breakpoints:
            raise ValueError("a numeric path needs at least one beta")
        problem = _problem(D, self._labels, None)
        Z, gaps, method = solve_path(problem, np.array(self.breakpoints), solver)
        self.gaps = dict(zip(self.breakpoints, gaps.tolist()))
        self._cache = {
            beta: LassoSolution.from_coefficients(
                D, self._labels, z, beta, problem.beta_max, method
            )
            for beta, z in zip(self.breakpoints, Z)
        }

    def solution(self, beta: object) -> LassoSolution:
        beta = as_beta(beta)
        if beta not in self._cache:
            self._cache[beta] = solve(self.dictionary, self._labels, beta, self._solver)
        return self._cache[beta]


def lasso_path(
    D,
    y: object,
    betas: Sequence[float] | float | None = None,
    *,
    exact: bool = False,
    solver: str = "auto",
    force: bool = False,
) -> Path:
    r"""The Lasso solution path over the dictionary ``D``.

    ``exact=True``: the exact piecewise-linear path (:class:`~clifflasso.exact.ExactPath`,
    rational data, no ``betas``); its cost is estimated first and a path estimated to take
    more than a minute is refused with a ``ValueError`` that says how big it is, unless
    ``force=True``. Otherwise numeric solutions on the grid ``betas`` (a number
    or a sequence; default: 25 values geometrically spaced from :math:`\beta_{\max}` down to
    :math:`10^{-3}\beta_{\max}`), by one homotopy sweep (``solver="auto"``), warm-started
    working sets (``"working_set"``, ``"cd"``) or one solve per beta (a cvxpy solver name).
    """
    if exact:
        if betas is not None:
            raise ValueError("an exact path finds its own breakpoints; betas are for numeric paths")
        return ExactPath(D, y, force=force)
    if betas is None:
        labels = as_labels(y, D.matrix.shape[0])
        top = _problem(D, labels, None).beta_max
        betas = list(top * np.geomspace(1.0, 1e-3, 25)) if top > 0 else [0.0]
    elif isinstance(betas, numbers.Real) or isinstance(betas, str):
        betas = [betas]
    values = []
    for beta in betas:
        if isinstance(beta, bool) or not isinstance(beta, (numbers.Real, np.floating)):
            raise ValueError(f"betas must be numbers >= 0, got {beta!r}")
        values.append(as_beta(beta))
    return NumericPath(D, y, values, solver)


__all__ = ["NumericPath", "lasso_path", "solve"]
