r"""Depth-3 absolute-value chains: reflection and midpoint ("mirror" and "bisector") features.

The normalised chain :math:`\bigl||x - a| - r\bigr|` has kinks
:math:`a, a \pm r`; the vertices of its
event arrangement give two families ("A Library of Mirrors" §3.3, derived and checked):

.. math::

    \text{reflection } (j, k):\ \bigl||x - x_j| - |x_k - x_j|\bigr|
        = \min(|x - x_k|,\ |x - (2x_j - x_k)|)\qquad (N^2 \text{ ordered pairs}),

    \text{midpoint } \{j, k\}:\ \min(|x - x_j|, |x - x_k|)
        = \Bigl||x - \tfrac{x_j + x_k}{2}| - \tfrac{|x_j - x_k|}{2}\Bigr|\qquad (j < k).

Both are needed: reflection features alone are *not* equivalent to training. In the derivation
of :mod:`clifflasso.symbolic.derivation` both are a first layer through a homogeneous point (the
data point :math:`\tilde x_j`, or the midpoint :math:`((x_j + x_k)/2, 1)`) and a second layer
levelled through the reference :math:`x_k`: the d = 1 case of the d-dimensional mirror family.
"""

from __future__ import annotations

import numpy as np

from clifflasso.families.base import ChainFamily, FeatureTable, Generators
from clifflasso.families.registry import register


def mirror_centre(reflection, xj, xk):
    """The first layer's point: :math:`x_j` for a reflection, :math:`(x_j + x_k)/2` for a
    midpoint (numpy arrays or exact rationals alike)."""
    return xj if reflection else (xj + xk) / 2


@register(
    "abs depth 3 with a first-layer bias (d = 1)",
    lambda arch, data: data.dim == 1 and arch.activation == "abs" and arch.depth == 3 and arch.bias,
)
class AbsMirrorFamily(ChainFamily):
    """Reflection and midpoint features of depth-3 absolute-value networks with bias."""

    name = "abs mirrors"

    def size(self) -> int:
        n = self.data.n_samples
        return n * n + n * (n - 1) // 2

    def enumerate(self) -> FeatureTable:
        x = self.data.values[:, 0]
        n = x.shape[0]
        j, k = (g.ravel() for g in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
        upper = j < k
        mj, mk = j[upper], k[upper]
        first = np.concatenate(
            [mirror_centre(True, x[j], x[k]), mirror_centre(False, x[mj], x[mk])]
        )
        count = first.shape[0]
        kinds = np.concatenate(
            [np.full(j.shape[0], "reflection"), np.full(mj.shape[0], "midpoint")]
        )
        indices = np.stack([np.concatenate([j, mj]), np.concatenate([k, mk])], axis=1)
        ones = np.ones(count)
        generators = Generators(
            np.stack([first, ones], axis=1)[:, None, :],
            ones,
            None,
            ones[:, None],
            x[indices[:, 1]][:, None, None],
        )
        return self.generated_table(kinds, indices, generators)

    def exact_generators(self, table: FeatureTable, column: int) -> Generators:
        xs = self.exact_column()
        j, k = (int(i) for i in table.indices[column])
        centre = mirror_centre(table.kinds[column] == "reflection", xs[j], xs[k])
        return Generators([(centre, 1)], 1, None, (1,), [(xs[k],)])

    def piecewise_linear(self, table: FeatureTable):
        """Kinks :math:`a - r, a, a + r` with values :math:`0, r, 0`, slopes -1 and +1 outside."""
        centre, radius = -table.params["b1"], -table.params["b"][:, 0]
        kinks = np.stack([centre - radius, centre, centre + radius], axis=1)
        values = np.stack([np.zeros_like(radius), radius, np.zeros_like(radius)], axis=1)
        return kinks, values, -np.ones_like(radius), np.ones_like(radius)
