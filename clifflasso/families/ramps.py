r"""Two-layer 1-D families: ramps at the data ("A Library of Mirrors" §3.1).

.. math::

    \text{ReLU: } (x - x_n)_+,\ (x_n - x)_+ \qquad
    \text{leaky: } \sigma_a(\pm(x - x_n)) \qquad
    \text{abs: } |x - x_n|

Without a first-layer bias the only breakpoint is 0. Sizes: 2N (ReLU, leaky), N (abs).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from clifflasso.families.base import ChainFamily, FeatureTable, chain_table


class RampFamily(ChainFamily):
    """Two-layer ReLU, leaky-ReLU and absolute-value features with breakpoints at the data."""

    name = "ramps"

    def _orientations(self) -> tuple[int, ...]:
        return (1,) if self.arch.activation == "abs" else (1, -1)

    def _breakpoint_count(self) -> int:
        return self.data.n_samples if self.arch.bias else 1

    def size(self) -> int:
        return len(self._orientations()) * self._breakpoint_count()

    def enumerate(self) -> FeatureTable:
        x = self.data.values[:, 0]
        count = self._breakpoint_count()
        signs, points, indices = [], [], []
        for s in self._orientations():
            signs.append(np.full(count, s, dtype=np.float64))
            points.append(x if self.arch.bias else np.zeros(1))
            indices.append(np.arange(count) if self.arch.bias else np.full(1, -1))
        s = np.concatenate(signs)
        a = np.concatenate(points)
        kinds = np.where(s > 0, "ramp+", "ramp-") if len(self._orientations()) == 2 else None
        if kinds is None:
            kinds = np.full(s.shape[0], "abs")
        empty = np.zeros((s.shape[0], 0))
        return chain_table(
            np.asarray(kinds), np.concatenate(indices)[:, None], s, -s * a, empty, empty
        )

    def _point(self, table: FeatureTable, column: int, ops):
        n = int(table.indices[column, 0])
        return ops.number(self.exact_column()[n]) if n >= 0 else ops.number(Fraction(0))

    def closed_form(self, table: FeatureTable, column: int, x, ops):
        point = self._point(table, column, ops)
        s = int(table.params["w1"][column, 0])
        if self.arch.activation == "abs":
            return ops.abs(x - point)
        if self.arch.activation == "relu":
            return ops.relu(s * (x - point))
        slope = ops.number(Fraction(str(self.arch.slope)))
        return ops.leaky_relu(s * (x - point), slope)

    def piecewise_linear(self, table: FeatureTable):
        r"""One kink at the breakpoint :math:`a = -b_1/w_1` with value :math:`\sigma(0) = 0`."""
        w, b = table.params["w1"][:, 0], table.params["b1"]
        kinks = (-b / w)[:, None]
        if self.arch.activation == "abs":
            left, right = -np.ones_like(w), np.ones_like(w)
        else:
            low = 0.0 if self.arch.activation == "relu" else self.arch.slope
            left = np.where(w > 0, low, -1.0)
            right = np.where(w > 0, 1.0, -low)
        return kinks, np.zeros_like(kinks), left, right
