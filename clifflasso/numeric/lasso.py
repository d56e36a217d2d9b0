"""Temporary alias of the moved solver functions (removed once every caller is updated)."""

from clifflasso.lasso import LassoSolution, SolverError, beta_max  # noqa: F401
from clifflasso.solving import solve  # noqa: F401
