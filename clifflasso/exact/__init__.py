r"""Exact closed forms: the rational Lasso solution path, closed-form networks.

* :func:`exact_solve` - the exact solution at one beta (``clifflasso.solve(..., exact=True)``);
* :class:`ExactPath` - the exact piecewise-linear path (``clifflasso.lasso_path(...,
  exact=True)``), its cost estimated first by :func:`exact_path_cost`;
* :class:`ExactLassoSolution` - ``.formula`` (sympy :math:`f^*(x)`), ``.exact_network``
  (per-layer weights as exact sympy numbers), ``.kkt_violations()``;
* :func:`symbolic_lasso` - the Lasso solution on N = 2, 3 symbolic points
  (``clifflasso.symbolic_lasso``); :func:`symbolic_dictionary` - the columns alone, N <= 6.
"""

from clifflasso.exact.network import ExactNetwork, ExactUnit, exact_network, solution_formula
from clifflasso.exact.path import (
    EXACT_PATH_LIMIT_SECONDS,
    ExactLassoSolution,
    ExactPath,
    ExactPathCost,
    Path,
    exact_path_cost,
    exact_solve,
)
from clifflasso.exact.symbolic_data import (
    SymbolicDictionary,
    SymbolicLasso,
    symbolic_dictionary,
    symbolic_lasso,
)

__all__ = [
    "EXACT_PATH_LIMIT_SECONDS",
    "ExactLassoSolution",
    "ExactNetwork",
    "ExactPath",
    "ExactPathCost",
    "ExactUnit",
    "Path",
    "exact_network",
    "exact_path_cost",
    "exact_solve",
    "SymbolicDictionary",
    "SymbolicLasso",
    "solution_formula",
    "symbolic_dictionary",
    "symbolic_lasso",
]
