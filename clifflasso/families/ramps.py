r"""Two-layer 1-D families: ramps at the data ("A Library of Mirrors" §3.1).

.. math::

    \text{ReLU: } (x - x_n)_+,\ (x_n - x)_+ \qquad
    \text{leaky: } \sigma_a(\pm(x - x_n)) \qquad
    \text{abs: } |x - x_n|

The d = 1 case of the hyperplane derivation: the "hyperplane" through the homogeneous point
:math:`\tilde x_n = (x_n, 1)` has the normal :math:`\times(\tilde x_n) = (1, -x_n)`, so
:math:`w = s = \pm 1`, :math:`b = -s x_n`. Without a first-layer bias the only breakpoint is 0.
Sizes: 2N (ReLU, leaky), N (abs).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from clifflasso.families.base import ChainFamily, FeatureTable, Generators
from clifflasso.families.registry import register


@register(
    "relu / leaky_relu / abs depth 2 (d = 1)",
    lambda arch, data: data.dim == 1 and arch.depth == 2 and not arch.is_switching,
)
class RampFamily(ChainFamily):
    """Two-layer ReLU, leaky-ReLU and absolute-value features with breakpoints at the data."""

    name = "ramps"

    def _orientations(self) -> tuple[int, ...]:
        return (1,) if self.arch.activation == "abs" else (1, -1)

    def _breakpoint_count(self) -> int:
        return self.data.n_samples if self.arch.bias else 1

    def size(self) -> int:
        return len(self._orientations()) * self._breakpoint_count()

    def table_at(self, indices: np.ndarray) -> FeatureTable:
        """Column ``o * count + n``: orientation ``o``, breakpoint at ``x_n`` (or 0)."""
        x = self.data.values[:, 0]
        count = self._breakpoint_count()
        orientations = np.array(self._orientations(), dtype=np.float64)
        signs = orientations[indices // count]
        points = indices % count if self.arch.bias else np.full(indices.size, -1)
        vectors = (
            np.stack([x[points], np.ones(indices.size)], axis=1)[:, None, :]
            if self.arch.bias
            else np.zeros((indices.size, 0, 1))
        )
        if orientations.size == 2:
            kinds = np.where(signs > 0, "ramp+", "ramp-")
        else:
            kinds = np.full(indices.size, "abs")
        empty = np.zeros((indices.size, 0))
        generators = Generators(vectors, signs, None, empty, np.zeros((indices.size, 0, 1)))
        return self.generated_table(kinds, points[:, None], generators)

    def exact_generators(self, table: FeatureTable, column: int) -> Generators:
        n = int(table.indices[column, 0])
        vectors = [(self.exact_column()[n], Fraction(1))] if n >= 0 else []
        sign = int(np.sign(table.params["w1"][column, 0]))
        return Generators(vectors, sign, None, (), ())

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
