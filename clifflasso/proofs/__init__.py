"""Theorems as executable checks and optimality certificates.

* :func:`certify` - is a Lasso solution the globally optimal network? (exact where possible)
* :func:`arrangement_optimum` - the exact convex program for 2-layer ReLU (ground truth)
* :data:`REGISTRY` / :func:`run` - the theorems of the papers as checks on random instances
"""

from clifflasso.proofs.arrangement import activation_patterns, arrangement_optimum
from clifflasso.proofs.certificates import Certificate, Violator, certify
from clifflasso.proofs.theorems import REGISTRY, Evidence, Theorem, TheoremReport, run

__all__ = [
    "REGISTRY",
    "Certificate",
    "Evidence",
    "Theorem",
    "TheoremReport",
    "Violator",
    "activation_patterns",
    "arrangement_optimum",
    "certify",
    "run",
]
