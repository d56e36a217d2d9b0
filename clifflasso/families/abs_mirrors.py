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
from clifflasso.numeric.structured_passes import mirror_row_count, mirror_rows


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

    def table_at(self, indices: np.ndarray) -> FeatureTable:
        """Columns ``j N + k`` are the reflections (j, k); the midpoints follow, pairs
        ``j < k`` in row-major order (the pair of a position by the triangular numbers)."""
        x = self.data.values[:, 0]
        n = x.shape[0]
        reflection = indices < n * n
        j = np.where(reflection, indices // n, 0)
        k = np.where(reflection, indices % n, 0)
        t = indices[~reflection] - n * n
        if t.size:
            # row j starts at j n - j (j + 1) / 2 (pairs before it); invert, then correct
            row = np.floor(((2 * n - 1) - np.sqrt((2 * n - 1) ** 2 - 8.0 * t)) / 2).astype(np.int64)
            start = row * n - row * (row + 1) // 2
            row = np.where(start > t, row - 1, row)
            start = row * n - row * (row + 1) // 2
            after = row + 1 < n
            next_start = (row + 1) * n - (row + 1) * (row + 2) // 2
            row = np.where(after & (next_start <= t), row + 1, row)
            start = row * n - row * (row + 1) // 2
            j[~reflection] = row
            k[~reflection] = row + 1 + (t - start)
        first = np.where(
            reflection, mirror_centre(True, x[j], x[k]), mirror_centre(False, x[j], x[k])
        )
        kinds = np.where(reflection, "reflection", "midpoint")
        ones = np.ones(indices.size)
        generators = Generators(
            np.stack([first, ones], axis=1)[:, None, :],
            ones,
            None,
            ones[:, None],
            x[k][:, None, None],
        )
        return self.generated_table(kinds, np.stack([j, k], axis=1), generators)

    def structured_rows(self) -> int:
        """Rows of the :math:`O(N^2)` pass of :mod:`clifflasso.numeric.structured_passes`."""
        return mirror_row_count(self.data.n_samples)

    def screen_rows(self, residual: np.ndarray, threshold: float, rows: range):
        """One block of a certified screen, computed from the structure of the family
        (:func:`~clifflasso.numeric.structured_passes.mirror_rows`)."""
        return mirror_rows(self.data.values[:, 0], residual, threshold, rows)

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
