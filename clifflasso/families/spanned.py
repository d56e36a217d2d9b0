r"""Chains on d-dimensional data whose first layer is the normal of a hyperplane spanned by
vectors of a finite pool (generalized cross products :math:`(v_1\wedge\cdots\wedge v_{D-1})I^{-1}`),
normalised by :math:`\|w\|_p`.

With the polyhedral norm :math:`\|w\|_1` the columns are complete (the correlation with any
residual attains its supremum over normalised units at a vertex, where the spanning conditions
hold) and their values are rational; with the Euclidean norm they are an upper bound on the
training optimum and their values involve square roots. ``max_features`` samples the pool's
subsets (seeded) and ``n_full`` keeps the full count.
"""

from __future__ import annotations

from clifflasso.families.base import ChainFamily
from clifflasso.symbolic.ops import EXACT, SYMBOLIC

#: a subset is degenerate (spans no hyperplane) when the weight part of its cross product is
#: below this fraction of the product of the spanning vectors' norms, decided on the data
#: scaled by a power of two to ~1
DEGENERACY_TOLERANCE = 1e-9


class SpannedChainFamily(ChainFamily):
    """What the hyperplane and lifted-vertex families share (module docstring)."""

    vector_input = True

    def __init__(self, arch, data, *, max_features: int | None = None, seed: int = 0) -> None:
        super().__init__(arch, data)
        self.max_features = max_features
        self.seed = seed
        self.n_degenerate = 0
        self.n_full = self.size()

    @property
    def complete(self) -> bool:
        """With the polyhedral l1 norm; with the Euclidean norm the family is an upper bound."""
        return self.arch.norm == 1

    @property
    def exact_ops(self):
        return EXACT if self.arch.norm == 1 else SYMBOLIC
