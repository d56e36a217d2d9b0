r"""Deep-narrow 1-D ReLU chains, depth 3 and 4 ("A Library of Mirrors" §3.2, code `reludic`).

.. math::

    F_1(x) = x,\qquad F_{l+1}(x) = \bigl(s_l\,(F_l(x) - F_l(a_l))\bigr)_+,

with signs :math:`s_l = \pm 1`, :math:`a_l = x_{j_l}` and, at depth 4, also the reflected first
breakpoint :math:`a_1 = 2x_{j_2} - x_{j_1}` (``kind="reflected"``). Raw sizes: :math:`4N^2` (L=3),
:math:`16N^3` (L=4); without a first-layer bias :math:`a_1 = 0`: 4N and 8N^2.

In the derivation of :mod:`clifflasso.symbolic.derivation`: the first layer is the point
:math:`\tilde x_{j_1}` (or that point reflected about :math:`x_{j_2}`, the versor reflection in
one dimension), the later layers are levelled through the references :math:`x_{j_2}` (and
:math:`x_{j_3}`). At depth 3 the features realise "capped ramps" between two data points, e.g.
:math:`(+,+): (x-\max(a_1,a_2))_+` and :math:`(+,-): [a_2>a_1]\,(a_2-\max(x,a_1))_+`.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from clifflasso.families.base import ChainFamily, FeatureTable, Generators
from clifflasso.families.registry import register


@register(
    "relu depth 3 and 4 (d = 1)",
    lambda arch, data: data.dim == 1 and arch.activation == "relu" and arch.depth in (3, 4),
)
class ReluChainFamily(ChainFamily):
    """ReLU chains of depth 3 or 4 with breakpoints at data points (and reflections at depth 4)."""

    name = "relu chains"

    def __init__(self, arch, data) -> None:
        super().__init__(arch, data)
        if arch.depth not in (3, 4):
            raise ValueError(
                f"ReLU chains are implemented for depth 3 and 4 (depth 4 already adds no value "
                f"over depth 3, 'A Library of Mirrors' §3.2); got depth {arch.depth}"
            )

    def _blocks(self) -> tuple[int, ...]:
        return (0, 1) if (self.arch.depth == 4 and self.arch.bias) else (0,)

    def _free_indices(self) -> int:
        return self.arch.depth - 1 if self.arch.bias else self.arch.depth - 2

    def size(self) -> int:
        n = self.data.n_samples
        return len(self._blocks()) * 2 ** (self.arch.depth - 1) * n ** self._free_indices()

    def enumerate(self) -> FeatureTable:
        x = self.data.values[:, 0]
        n = x.shape[0]
        L = self.arch.depth
        tables = []
        for k in self._blocks():
            for signs in itertools.product((1.0, -1.0), repeat=L - 1):
                grid = np.meshgrid(*([np.arange(n)] * self._free_indices()), indexing="ij")
                idx = np.stack([g.ravel() for g in grid], axis=1)
                if not self.arch.bias:
                    idx = np.concatenate([np.full((idx.shape[0], 1), -1), idx], axis=1)
                tables.append(self._block(x, idx, signs, k))
        return FeatureTable.concatenate(tables)

    def _block(self, x: np.ndarray, idx: np.ndarray, signs, k: int) -> FeatureTable:
        count = idx.shape[0]
        if self.arch.bias:
            vectors = np.stack([x[idx[:, 0]], np.ones(count)], axis=1)[:, None, :]
        else:
            vectors = np.zeros((count, 0, 1))
        s = np.broadcast_to(np.asarray(signs), (count, len(signs)))
        generators = Generators(
            vectors,
            s[:, 0],
            x[idx[:, 1]][:, None] if k == 1 else None,
            s[:, 1:],
            x[idx[:, 1:]][:, :, None],
        )
        kinds = np.full(count, "reflected" if k == 1 else "chain")
        return self.generated_table(
            kinds,
            idx,
            generators,
            signs=np.array(s, dtype=np.int8),
            reflected=np.full(count, k, dtype=np.int8),
        )

    def exact_generators(self, table: FeatureTable, column: int) -> Generators:
        xs = self.exact_column()
        idx = [int(i) for i in table.indices[column]]
        signs = [int(v) for v in table.params["signs"][column]]
        vectors = [(xs[idx[0]], Fraction(1))] if idx[0] >= 0 else []
        reflection = (xs[idx[1]],) if table.params["reflected"][column] else None
        references = [(xs[i],) for i in idx[1:]]
        return Generators(vectors, signs[0], reflection, tuple(signs[1:]), references)
