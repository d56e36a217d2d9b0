r"""Deep-narrow 1-D ReLU chains of any depth >= 3 ("A Library of Mirrors" §3.2, code `reludic`).

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

**Depth collapses to 3** (derived). A normalised 1-D ReLU chain of any depth is monotone with
slopes in :math:`\{0, \pm 1\}` and at most two kinks: :math:`\sigma(s_2\sigma(s_1(x - a)) + b)`
is a ramp or a capped ramp, and one more layer :math:`\sigma(s G + b)` of such a :math:`G` only
moves where it is clipped at 0, replacing a kink rather than adding one. Its correlation with a
residual is piecewise linear in the two kink positions, so its supremum is attained with both
kinks at data points (or beyond the data, where the feature is affine on the data), which are
exactly the depth-3 features. The *reduced* family (``reduced=True``, the default beyond depth
4 and the one streamed by :func:`clifflasso.fit` and enumerated by the certificates for every
depth >= 4) is therefore the depth-3 family with identity layers appended
(:math:`s_l = 1`, reference :math:`x_{j_2}`, so :math:`b_l = 0`): :math:`4N^2` columns at any
depth, and the Lasso over it equals training at that depth.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from clifflasso.families.base import ChainFamily, FeatureTable, Generators
from clifflasso.families.registry import register
from clifflasso.numeric.structured_passes import capped_ramp_row_count, capped_ramp_rows


@register(
    "relu any depth >= 3 (d = 1; depth >= 5 as the equivalent reduced family)",
    lambda arch, data: data.dim == 1 and arch.activation == "relu" and arch.depth >= 3,
)
class ReluChainFamily(ChainFamily):
    """ReLU chains of depth 3 or 4 with breakpoints at data points (and reflections at depth 4)."""

    name = "relu chains"

    def __init__(self, arch, data, *, reduced: bool | None = None) -> None:
        super().__init__(arch, data)
        self.reduced = arch.depth > 4 if reduced is None else bool(reduced)
        if self.reduced and arch.depth < 4:
            raise ValueError("the reduced ReLU family is for depth >= 4")

    def complete_family(self):
        """The reduced family for depth >= 4 (module docstring), else this one."""
        if self.arch.depth >= 4 and not self.reduced:
            return ReluChainFamily(self.arch, self.data, reduced=True)
        return self

    def _blocks(self) -> tuple[int, ...]:
        full_depth4 = self.arch.depth == 4 and self.arch.bias and not self.reduced
        return (0, 1) if full_depth4 else (0,)

    def _free_indices(self) -> int:
        depth = 3 if self.reduced else self.arch.depth
        return depth - 1 if self.arch.bias else depth - 2

    def _sign_layers(self) -> int:
        return 2 if self.reduced else self.arch.depth - 1

    def size(self) -> int:
        n = self.data.n_samples
        return len(self._blocks()) * 2 ** self._sign_layers() * n ** self._free_indices()

    def structured_rows(self) -> int:
        """Rows of the :math:`O(N^2)` capped-ramp pass
        (:mod:`clifflasso.numeric.structured_passes`): depth 3 or the reduced family, with a
        first-layer bias; 0 otherwise (screened column by column)."""
        if self.arch.bias and (self.reduced or self.arch.depth == 3):
            return capped_ramp_row_count(self.data.n_samples)
        return 0

    def screen_rows(self, residual: np.ndarray, threshold: float, rows: range):
        """One block of a certified screen from the structure of the capped ramps
        (:func:`~clifflasso.numeric.structured_passes.capped_ramp_rows`)."""
        x = self.data.values[:, 0]
        return capped_ramp_rows(x, residual, threshold, rows, self.arch.depth)

    def table_at(self, indices: np.ndarray) -> FeatureTable:
        """The enumeration is (block, signs, grid of data indices) in lexicographic order: a
        column index is split by divisions (signs in ``itertools.product((1, -1))`` order)."""
        x = self.data.values[:, 0]
        n = x.shape[0]
        free, layers = self._free_indices(), self._sign_layers()
        per_combo = n**free
        combo, within = np.divmod(indices, per_combo)
        block, sign_code = np.divmod(combo, 2**layers)
        bits = (sign_code[:, None] >> np.arange(layers - 1, -1, -1)[None, :]) & 1
        signs = 1.0 - 2.0 * bits
        idx = (
            np.stack(np.unravel_index(within, (n,) * free), axis=1)
            if free
            else np.zeros((indices.size, 0), dtype=np.int64)
        )
        if not self.arch.bias:
            idx = np.concatenate([np.full((idx.shape[0], 1), -1), idx], axis=1)
        if self.reduced:  # identity layers: sign +1, levelled through x_{j_2}
            extra = self.arch.depth - 3
            signs = np.concatenate([signs, np.ones((signs.shape[0], extra))], axis=1)
            idx = np.concatenate([idx] + [idx[:, 1:2]] * extra, axis=1)
        reflected = np.asarray(self._blocks())[block] == 1
        return self._block(x, idx, signs, reflected)

    def _block(self, x: np.ndarray, idx: np.ndarray, signs, reflected) -> FeatureTable:
        count = idx.shape[0]
        if self.arch.bias:
            vectors = np.stack([x[idx[:, 0]], np.ones(count)], axis=1)[:, None, :]
        else:
            vectors = np.zeros((count, 0, 1))
        s = np.asarray(signs, dtype=np.float64)
        reflected = np.broadcast_to(np.asarray(reflected, dtype=bool), (count,))
        tables = []
        for flag in (False, True):
            rows = np.flatnonzero(reflected == flag)
            if rows.size == 0 and (flag or count):  # an empty table keeps the chain part
                continue
            if rows.size and rows[-1] - rows[0] + 1 == rows.size:
                rows = slice(int(rows[0]), int(rows[-1]) + 1)  # a block in order: views
            generators = Generators(
                vectors[rows],
                s[rows, 0],
                x[idx[rows, 1]][:, None] if flag else None,
                s[rows, 1:],
                x[idx[rows, 1:]][:, :, None],
            )
            size = generators.sign.shape[0]
            tables.append(
                (
                    np.arange(count)[rows],
                    self.generated_table(
                        np.full(size, "reflected" if flag else "chain"),
                        idx[rows],
                        generators,
                        signs=np.array(s[rows], dtype=np.int8),
                        reflected=np.full(size, int(flag), dtype=np.int8),
                    ),
                )
            )
        if len(tables) == 1:
            return tables[0][1]
        joined = FeatureTable.concatenate([table for _, table in tables])
        positions = np.concatenate([rows for rows, _ in tables])
        if np.all(positions[1:] > positions[:-1]):  # the blocks follow each other
            return joined
        return joined.take(np.argsort(positions, kind="stable"))

    def exact_generators(self, table: FeatureTable, column: int) -> Generators:
        xs = self.exact_column()
        idx = [int(i) for i in table.indices[column]]
        signs = [int(v) for v in table.params["signs"][column]]
        vectors = [(xs[idx[0]], Fraction(1))] if idx[0] >= 0 else []
        reflection = (xs[idx[1]],) if table.params["reflected"][column] else None
        references = [(xs[i],) for i in idx[1:]]
        return Generators(vectors, signs[0], reflection, tuple(signs[1:]), references)
