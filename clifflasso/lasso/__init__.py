"""The solver layer: one Lasso problem, one solver registry, one duality gap.

* :class:`LassoProblem` - the centred, weighted, scaled Lasso every solver works on;
* :data:`SOLVERS` / :func:`solve_problem` / :func:`solve_path` - the registry (``homotopy``,
  ``working_set``, ``cd``, ``clarabel``; ``exact`` through :func:`clifflasso.solve`) with
  support refinement and a duality-gap check on every answer;
* :class:`LassoSolution` - a solution over a dictionary, with its rebuilt network;
* :func:`fit` / :func:`fit_path` - the streamed working-set solve (one beta, or a warm-started
  beta grid) that never materialises the dictionary.
"""

from clifflasso.lasso.errors import SolverError
from clifflasso.lasso.problem import LassoProblem, duality_gaps, relative_gaps
from clifflasso.lasso.solution import LassoSolution, beta_max
from clifflasso.lasso.solvers import SOLVERS, register, solve_path, solve_problem
from clifflasso.lasso.streaming import fit, fit_path

__all__ = [
    "SOLVERS",
    "LassoProblem",
    "LassoSolution",
    "SolverError",
    "beta_max",
    "duality_gaps",
    "fit",
    "fit_path",
    "register",
    "relative_gaps",
    "solve_path",
    "solve_problem",
]
