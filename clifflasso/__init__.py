"""clifflasso: neural-network training as convex Lasso problems with closed-form features.

Public API::

    Architecture(activation, depth, bias=True, output_bias=True, norm=2, slope=None,
                 kind="parallel", widths=None)
    dictionary(X, arch, dedupe=False) -> Dictionary
    solve(D, y, beta, solver="clarabel") -> LassoSolution   (.network rebuilds the network)
    certify(solution) -> Certificate                        (is it the global optimum?)
"""

from clifflasso.architecture import Architecture
from clifflasso.dictionary import Dictionary, dictionary
from clifflasso.families.base import Feature
from clifflasso.numeric.lasso import LassoSolution, SolverError, beta_max, solve
from clifflasso.numeric.network import ChainNetwork, SwitchingNetwork
from clifflasso.proofs.certificates import Certificate, Violator, certify

__all__ = [
    "Architecture",
    "Certificate",
    "ChainNetwork",
    "Dictionary",
    "Feature",
    "LassoSolution",
    "SolverError",
    "SwitchingNetwork",
    "Violator",
    "beta_max",
    "certify",
    "dictionary",
    "solve",
]
__version__ = "0.1.0"
