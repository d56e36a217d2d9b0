r"""Depth-3 absolute-value chains: reflection and midpoint ("mirror" and "bisector") features.

The normalised chain :math:`\bigl||x - a| - r\bigr|` has kinks
:math:`a, a \pm r`; the vertices of its
event arrangement give two families ("A Library of Mirrors" §3.3, derived and checked):

.. math::

    \text{reflection } (j, k):\ \bigl||x - x_j| - |x_k - x_j|\bigr|
        = \min(|x - x_k|,\ |x - (2x_j - x_k)|)\qquad (N^2 \text{ ordered pairs}),

    \text{midpoint } \{j, k\}:\ \min(|x - x_j|, |x - x_k|)
        = \Bigl||x - \tfrac{x_j + x_k}{2}| - \tfrac{|x_j - x_k|}{2}\Bigr|\qquad (j < k).

Both are needed: reflection features alone are *not* equivalent to training.
"""

from __future__ import annotations

import numpy as np

from clifflasso.families.base import ChainFamily, FeatureTable, chain_table


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
        centre = np.concatenate([x[j], (x[mj] + x[mk]) / 2])
        radius = np.concatenate([np.abs(x[k] - x[j]), np.abs(x[mj] - x[mk]) / 2])
        count = centre.shape[0]
        kinds = np.concatenate(
            [np.full(j.shape[0], "reflection"), np.full(mj.shape[0], "midpoint")]
        )
        indices = np.stack([np.concatenate([j, mj]), np.concatenate([k, mk])], axis=1)
        ones = np.ones(count)
        return chain_table(kinds, indices, ones, -centre, ones[:, None], -radius[:, None])

    def closed_form(self, table: FeatureTable, column: int, x, ops):
        xs = self.exact_column()
        j, k = (int(i) for i in table.indices[column])
        xj, xk = ops.number(xs[j]), ops.number(xs[k])
        if table.kinds[column] == "reflection":
            return ops.min(ops.abs(x - xk), ops.abs(x - (2 * xj - xk)))
        return ops.min(ops.abs(x - xj), ops.abs(x - xk))

    def piecewise_linear(self, table: FeatureTable):
        """Kinks :math:`a - r, a, a + r` with values :math:`0, r, 0`, slopes -1 and +1 outside."""
        centre, radius = -table.params["b1"], -table.params["b"][:, 0]
        kinks = np.stack([centre - radius, centre, centre + radius], axis=1)
        values = np.stack([np.zeros_like(radius), radius, np.zeros_like(radius)], axis=1)
        return kinks, values, -np.ones_like(radius), np.ones_like(radius)
