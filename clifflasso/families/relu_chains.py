r"""Deep-narrow 1-D ReLU chains, depth 3 and 4 ("A Library of Mirrors" §3.2, code `reludic`).

.. math::

    F_1(x) = x,\qquad F_{l+1}(x) = \bigl(s_l\,(F_l(x) - F_l(a_l))\bigr)_+,

with signs :math:`s_l = \pm 1`, :math:`a_l = x_{j_l}` and, at depth 4, also the reflected first
breakpoint :math:`a_1 = 2x_{j_2} - x_{j_1}` (``kind="reflected"``). Raw sizes: :math:`4N^2` (L=3),
:math:`16N^3` (L=4); without a first-layer bias :math:`a_1 = 0`: 4N and 8N^2.

Closed forms at depth 3 (derived; they realise "capped ramps" between two data points):

.. math::

    (+,+): (x-\max(a_1,a_2))_+ \quad (-,+): (\min(a_1,a_2)-x)_+ \quad
    (+,-): [a_2>a_1]\,(a_2-\max(x,a_1))_+ \quad (-,-): [a_2<a_1]\,(\min(x,a_1)-a_2)_+
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from clifflasso.families.base import ChainFamily, FeatureTable, chain_table
from clifflasso.symbolic.ops import EXACT


def _relu(t: np.ndarray) -> np.ndarray:
    return np.maximum(t, 0.0)


def depth3_closed_form(x, a1, a2, s1: int, s2: int, ops):
    """The depth-3 ReLU chain with breakpoints ``a1``, ``a2`` and signs ``s1``, ``s2``."""
    if s1 > 0 and s2 > 0:
        return ops.relu(x - ops.max(a1, a2))
    if s1 < 0 and s2 > 0:
        return ops.relu(ops.min(a1, a2) - x)
    if s1 > 0:
        return ops.relu(a2 - ops.max(x, a1)) if a2 > a1 else ops.number(Fraction(0))
    return ops.relu(ops.min(x, a1) - a2) if a2 < a1 else ops.number(Fraction(0))


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
        x1 = x[idx[:, 0]] if self.arch.bias else np.zeros(count)
        x2 = x[idx[:, 1]]
        a1 = 2 * x2 - x1 if k == 1 else x1
        s = np.broadcast_to(np.asarray(signs), (count, len(signs)))
        c2 = _relu(s[:, 0] * (x2 - a1))
        hidden_w = [s[:, 1]]
        hidden_b = [-s[:, 1] * c2]
        if self.arch.depth == 4:
            x3 = x[idx[:, 2]]
            c3 = _relu(s[:, 1] * (_relu(s[:, 0] * (x3 - a1)) - c2))
            hidden_w.append(s[:, 2])
            hidden_b.append(-s[:, 2] * c3)
        kinds = np.full(count, "reflected" if k == 1 else "chain")
        return chain_table(
            kinds,
            idx,
            s[:, 0],
            -s[:, 0] * a1,
            np.stack(hidden_w, axis=1),
            np.stack(hidden_b, axis=1),
            signs=np.array(s, dtype=np.int8),
            reflected=np.full(count, k, dtype=np.int8),
        )

    def _breakpoints_exact(self, table: FeatureTable, column: int):
        xs = self.exact_column()
        idx = table.indices[column]
        x1 = xs[idx[0]] if idx[0] >= 0 else Fraction(0)
        x2 = xs[idx[1]]
        a1 = 2 * x2 - x1 if table.params["reflected"][column] else x1
        return a1, x2, (xs[idx[2]] if self.arch.depth == 4 else None)

    def closed_form(self, table: FeatureTable, column: int, x, ops):
        s = [int(v) for v in table.params["signs"][column]]
        a1, a2, a3 = self._breakpoints_exact(table, column)
        third = depth3_closed_form(x, ops.number(a1), ops.number(a2), s[0], s[1], ops)
        if self.arch.depth == 3:
            return third
        level = depth3_closed_form(a3, a1, a2, s[0], s[1], EXACT)
        return ops.relu(s[2] * (third - ops.number(level)))
