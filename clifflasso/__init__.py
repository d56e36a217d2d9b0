"""clifflasso: neural-network training as convex Lasso problems with closed-form features.

Public API::

    Architecture(activation, depth, bias=True, output_bias=True, norm=2, slope=None,
                 kind="parallel", widths=None)
    dictionary(X, arch, dedupe=True) -> Dictionary
    solve(D, y, beta, solver="auto") -> LassoSolution       (.network rebuilds the network)
    certify(solution) -> Certificate                        (is it the global optimum?)
    lasso_path(D, y, betas=None, exact=False) -> Path       (exact homotopy or a beta grid)
    fit(X, y, arch, beta, memory_limit=...)                 (streamed, never materialised)
    export.to_latex / to_python / to_json / to_npz          (closed-form solutions)
"""

from clifflasso import export
from clifflasso.architecture import Architecture
from clifflasso.dictionary import Dictionary, dictionary
from clifflasso.estimator import ConvexNetRegressor
from clifflasso.exact import ExactLassoSolution, Path
from clifflasso.families.base import Feature
from clifflasso.lasso import LassoSolution, SolverError, beta_max, fit
from clifflasso.numeric.network import ChainNetwork, SwitchingNetwork
from clifflasso.proofs.certificates import Certificate, Violator, certify
from clifflasso.solving import lasso_path, solve

__all__ = [
    "Architecture",
    "Certificate",
    "ChainNetwork",
    "ConvexNetRegressor",
    "Dictionary",
    "ExactLassoSolution",
    "Feature",
    "LassoSolution",
    "Path",
    "SolverError",
    "SwitchingNetwork",
    "Violator",
    "beta_max",
    "certify",
    "dictionary",
    "export",
    "fit",
    "lasso_path",
    "solve",
]
__version__ = "0.1.0"
