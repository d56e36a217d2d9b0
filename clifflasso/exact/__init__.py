r"""Exact closed forms: the rational Lasso solution path, closed-form networks (MATH.md §7).

* :func:`exact_solve` - the exact solution at one beta (``clifflasso.solve(..., exact=True)``);
* :func:`lasso_path` - the exact piecewise-linear path (:class:`ExactPath`) or numeric
  solutions on a grid (:class:`NumericPath`);
* :class:`ExactLassoSolution` - ``.formula`` (sympy :math:`f^*(x)`), ``.exact_network``
  (per-layer weights as exact sympy numbers), ``.kkt_violations()``;
* :func:`symbolic_lasso` - tiny cases (N = 2, 3) in symbols.
"""

from clifflasso.exact.network import ExactNetwork, ExactUnit, exact_network, solution_formula
from clifflasso.exact.path import (
    ExactLassoSolution,
    ExactPath,
    NumericPath,
    Path,
    exact_solve,
    lasso_path,
)
from clifflasso.exact.symbolic_data import SymbolicLasso, symbolic_lasso

__all__ = [
    "ExactLassoSolution",
    "ExactNetwork",
    "ExactPath",
    "ExactUnit",
    "NumericPath",
    "Path",
    "exact_network",
    "exact_solve",
    "lasso_path",
    "SymbolicLasso",
    "solution_formula",
    "symbolic_lasso",
]
