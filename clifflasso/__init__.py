"""clifflasso: neural-network training as convex Lasso problems with closed-form features.

Public API::

    Architecture(activation, depth, bias=True, output_bias=True, norm=2, slope=None,
                 kind="parallel", widths=None)
    dictionary(X, arch, dedupe=True) -> Dictionary
    solve(D, y, beta, solver="auto") -> LassoSolution       (.network rebuilds the network)
    certify(solution) -> Certificate                        (is it the global optimum?)
    lasso_path(D, y, betas=None, exact=False, force=False) -> Path
                                                            (exact homotopy, its cost estimated
                                                             first, or a beta grid)
    fit(X, y, arch, beta, memory_limit=...)                 (streamed, never materialised)
    fit_path(X, y, arch, betas=None, n_betas=10)            (streamed beta path, warm-started)
    export.to_latex / to_python / to_json / to_npz          (closed-form solutions)
    symbolic_lasso(arch, n_samples) -> SymbolicLasso        (f*(x) on 2-3 symbolic points)

The names are imported on first use (``import clifflasso`` loads neither sympy nor the solvers).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

#: Public name -> the module that defines it.
_LOCATIONS = {
    "Architecture": "clifflasso.architecture",
    "Certificate": "clifflasso.proofs.certificates",
    "ChainNetwork": "clifflasso.numeric.network",
    "ConvexNetRegressor": "clifflasso.estimator",
    "Dictionary": "clifflasso.dictionary",
    "ExactLassoSolution": "clifflasso.exact",
    "Feature": "clifflasso.families.base",
    "LassoSolution": "clifflasso.lasso",
    "Path": "clifflasso.exact",
    "SolverError": "clifflasso.lasso",
    "SwitchingNetwork": "clifflasso.numeric.network",
    "Violator": "clifflasso.proofs.certificates",
    "beta_max": "clifflasso.lasso",
    "certify": "clifflasso.proofs.certificates",
    "dictionary": "clifflasso.dictionary",
    "fit": "clifflasso.lasso",
    "fit_path": "clifflasso.lasso",
    "lasso_path": "clifflasso.solving",
    "solve": "clifflasso.solving",
    "symbolic_lasso": "clifflasso.exact",
}

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
    "fit_path",
    "lasso_path",
    "solve",
    "symbolic_lasso",
]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from clifflasso import export
    from clifflasso.architecture import Architecture
    from clifflasso.dictionary import Dictionary, dictionary
    from clifflasso.estimator import ConvexNetRegressor
    from clifflasso.exact import ExactLassoSolution, Path, symbolic_lasso
    from clifflasso.families.base import Feature
    from clifflasso.lasso import LassoSolution, SolverError, beta_max, fit, fit_path
    from clifflasso.numeric.network import ChainNetwork, SwitchingNetwork
    from clifflasso.proofs.certificates import Certificate, Violator, certify
    from clifflasso.solving import lasso_path, solve


def __getattr__(name: str):
    """Import a public name (or the ``export`` module) on first access and keep it."""
    if name == "export":
        value = importlib.import_module("clifflasso.export")
    elif name in _LOCATIONS:
        value = getattr(importlib.import_module(_LOCATIONS[name]), name)
    else:
        raise AttributeError(f"module 'clifflasso' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """The package module. Importing a submodule binds it as an attribute of the package; the
    submodule ``clifflasso.dictionary`` shares its name with the public function, which keeps
    it."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "dictionary" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
