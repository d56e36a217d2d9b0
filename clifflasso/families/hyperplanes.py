r"""d-dimensional families: hyperplanes spanned by data, as generalized cross products.

Every column is a hyperplane :math:`\{x : w\cdot x + b = 0\}` whose homogeneous normal is a
generalized cross product (Pilanci 2023; Zeger & Pilanci 2024, §3)

.. math::

    \tilde g = (w, b) = \times(v_1, \dots, v_{D-1}) = (v_1\wedge\cdots\wedge v_{D-1})\,I^{-1},

with :math:`D = d + 1` and homogeneous vectors :math:`\tilde x = (x, 1)` when the first layer has a
bias (:math:`D = d` and :math:`b = 0` without). Only the weight part is normalised,
:math:`\|w\|_p = 1`. The spanning vectors :math:`v_k` come from a *pool*:

* ReLU, depth 2 ("wedge features", Pilanci 2023): data points, and axis vectors
  :math:`\tilde e_k` when ``norm=1``; :math:`F = (s\,(\tilde x\cdot\tilde g))_+ / \|w\|_p`, both
  signs: :math:`2\binom{N}{D-1}` columns with ``norm=2``, an **upper bound** on the training
  optimum for :math:`d \ge 2`; :math:`2(\binom{N+d}{d} - 1)` columns with ``norm=1`` (bias),
  then exact: on each activation chamber :math:`\lambda^\top(\tilde X\tilde w)_+` is linear in
  :math:`\tilde w`, so its maximum over the chamber and the polyhedral ball
  :math:`\|w\|_1 \le 1` is at a vertex, where :math:`d` independent conditions
  :math:`\tilde x_n\cdot\tilde w = 0` or :math:`w_k = 0` hold (derived; the ReLU analogue of the
  absolute-value argument below).
* abs, depth 2: points, and axis vectors :math:`\tilde e_k` when ``norm=1`` (then exact:
  :math:`\binom{N+d}{d} - 1` columns with bias); :math:`F = |\tilde x\cdot\tilde g| / \|w\|_p`.
* abs, depth 3: points, differences :math:`\tilde x_n - \tilde x_m`, midpoints
  :math:`(\tilde x_n + \tilde x_m)/2` (sums without bias) and, for ``norm=1``, axes; with a
  reference sample :math:`r`, the mirror feature
  :math:`F = \bigl||\tilde x\cdot\tilde g| - |\tilde x_r\cdot\tilde g|\bigr| / \|w\|_p`
  ("mirror" type when a data point lies on the mirror, "bisector" type otherwise).
  Exact for ``norm=1`` (a polyhedral norm), an upper bound for ``norm=2``.

Subsets whose cross product has a vanishing weight part (dependent vectors, or a hyperplane at
infinity) are skipped and counted in ``n_degenerate``.
"""

from __future__ import annotations

import itertools
import math
from abc import abstractmethod
from fractions import Fraction
from functools import cached_property

import numpy as np

from clifflasso.families.base import Feature, FeatureTable, Generators
from clifflasso.families.registry import register
from clifflasso.families.spanned import DEGENERACY_TOLERANCE, SpannedChainFamily


class HyperplaneFamily(SpannedChainFamily):
    """Shared machinery: a pool of spanning vectors, subsets of it, their cross products."""

    #: pool kinds used by the family (subset of "point", "difference", "midpoint", "axis")
    pool_kinds: tuple[str, ...] = ("point",)
    signs: tuple[int, ...] = (1,)

    @property
    def _span_dim(self) -> int:
        """``D``: dimension of the space the normals live in."""
        return self.data.dim + 1 if self.arch.bias else self.data.dim

    @cached_property
    def _pool(self) -> tuple[list[tuple[str, tuple[int, ...]]], list[tuple[Fraction, ...]]]:
        """Descriptors and exact coordinates of the spanning vectors."""
        rows = self.data.exact
        one = (Fraction(1),) if self.arch.bias else ()
        zero = (Fraction(0),) if self.arch.bias else ()
        n, d = self.data.n_samples, self.data.dim
        labels, vectors = [], []
        if "point" in self.pool_kinds:
            for i in range(n):
                labels.append(("point", (i,)))
                vectors.append(tuple(rows[i]) + one)
        pairs = list(itertools.combinations(range(n), 2))
        if "difference" in self.pool_kinds:
            for i, j in pairs:
                labels.append(("difference", (i, j)))
                vectors.append(tuple(a - b for a, b in zip(rows[i], rows[j])) + zero)
        if "midpoint" in self.pool_kinds:
            for i, j in pairs:
                if self.arch.bias:
                    labels.append(("midpoint", (i, j)))
                    vectors.append(tuple((a + b) / 2 for a, b in zip(rows[i], rows[j])) + one)
                else:
                    labels.append(("sum", (i, j)))
                    vectors.append(tuple(a + b for a, b in zip(rows[i], rows[j])))
        if "axis" in self.pool_kinds and self.arch.norm == 1:
            for k in range(d):
                labels.append(("axis", (k,)))
                vectors.append(tuple(Fraction(int(k == m)) for m in range(d)) + zero)
        return labels, vectors

    @cached_property
    def _pool_values(self) -> np.ndarray:
        return np.array([[float(v) for v in row] for row in self._pool[1]], dtype=np.float64)

    def _finite(self) -> np.ndarray:
        """Pool vectors with a nonzero homogeneous coordinate (points, midpoints)."""
        if not self.arch.bias:
            return np.ones(len(self._pool[0]), dtype=bool)
        return self._pool_values[:, -1] != 0

    def _pool_counts(self) -> tuple[int, int]:
        """``(pool size, vectors at infinity)`` in closed form, before the pool is built:
        points and midpoints (sums) are finite, differences and axes lie at infinity (with a
        bias; without one nothing does)."""
        n, d = self.data.n_samples, self.data.dim
        pairs = n * (n - 1) // 2
        counts = {
            "point": n,
            "difference": pairs,
            "midpoint": pairs,
            "axis": d if self.arch.norm == 1 else 0,
        }
        size = sum(counts[kind] for kind in self.pool_kinds)
        infinite = sum(counts[kind] for kind in self.pool_kinds if kind in ("difference", "axis"))
        return size, (infinite if self.arch.bias else 0)

    def _subset_count(self) -> int:
        size, at_infinity = self._pool_counts()
        k = self._span_dim - 1
        return math.comb(size, k) - math.comb(at_infinity, k)

    def _per_subset(self) -> int:
        return len(self.signs)

    def size(self) -> int:
        return self._subset_count() * self._per_subset()

    @abstractmethod
    def enumerate(self) -> FeatureTable:
        """All columns: one per admissible subset of the pool and sign pattern."""

    def _subsets(self) -> np.ndarray:
        """All admissible (D-1)-subsets of the pool, or a seeded random sample of them."""
        size, k = len(self._pool[0]), self._span_dim - 1
        finite = self._finite()
        budget = None
        if self.max_features is not None and self.size() > self.max_features:
            budget = max(1, self.max_features // self._per_subset())
        if budget is None:
            count = math.comb(size, k)
            flat = itertools.chain.from_iterable(itertools.combinations(range(size), k))
            subsets = np.fromiter(flat, dtype=np.int64, count=count * k).reshape(count, k)
            return subsets[np.any(finite[subsets], axis=1)] if k else subsets
        rng = np.random.default_rng(self.seed)
        chosen: set[tuple[int, ...]] = set()
        while len(chosen) < budget:
            draw = np.sort(rng.choice(size, size=k, replace=False))
            if np.any(finite[draw]):
                chosen.add(tuple(int(i) for i in draw))
        return np.array(sorted(chosen), dtype=np.int64).reshape(-1, k)

    def _scaled_normals(self, spans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""``(scaled spans, scaled normals)``: the spanning vectors with their data coordinates
        scaled by :math:`2^{-e}`, :math:`2^e` the binary order of :math:`\max|x|` (exact in
        binary; only with a first-layer bias, whose homogeneous coordinate 1 mixes the data's
        scale with 1), and their lowered cross products. With
        :math:`A = \operatorname{diag}(2^{-e}I, 1)` the cross product of :math:`Av_k` is
        :math:`g' = (2^{-e(d-1)}g_w,\ 2^{-ed}g_b)`: the same hyperplane, computed at scale ~1,
        so its degeneracy and its rounding do not depend on the units of x."""
        if not self.arch.bias:
            return spans, self.normals(spans)
        d = self.data.dim
        scaled = spans.copy()
        scaled[:, :, :d] = np.ldexp(scaled[:, :, :d], -self._exponent)
        return scaled, self.normals(scaled)

    @property
    def _exponent(self) -> int:
        return int(np.frexp(self.data_scale())[1])

    def _hyperplanes(self) -> tuple[np.ndarray, np.ndarray]:
        """(subsets, homogeneous normals (P, D)) of the non-degenerate subsets: the lowered
        generalized cross product of the spanning pool vectors, computed on the scaled data
        (:meth:`_scaled_normals`; at |x| ~ 1e9 every hyperplane looked degenerate, and the
        rounding bound grew with |x|) and mapped back exactly by powers of two."""
        subsets = self._subsets()
        spans, normals = self._scaled_normals(self._pool_values[subsets])
        d = self.data.dim
        norms = np.linalg.norm(normals[:, :d], ord=self.arch.norm, axis=1)
        volume = np.prod(np.linalg.norm(spans, axis=2), axis=1)
        valid = norms > DEGENERACY_TOLERANCE * np.maximum(volume, 1e-300)
        self.n_degenerate = int(np.sum(~valid))
        keep = np.flatnonzero(valid)
        normals = normals[keep]
        if self.arch.bias:
            normals[:, :d] = np.ldexp(normals[:, :d], self._exponent * (d - 1))
            normals[:, d:] = np.ldexp(normals[:, d:], self._exponent * d)
        return subsets[keep], normals

    def rounding_factor(self, table: FeatureTable) -> np.ndarray:
        r"""The chain factor plus the cross-product arithmetic (derived).

        The normal is computed on the scaled data (:meth:`_scaled_normals`): every minor of
        the :math:`(D-1) \times D` matrix of scaled spanning vectors :math:`v'_k` is a signed
        sum of products whose absolute values add up to at most :math:`\prod_k\|v'_k\|_1`;
        computing it (expanded formulas for :math:`D \le 5`, partially pivoted LU otherwise,
        growth at most :math:`2^{D}`) errs by at most :math:`C u \prod_k\|v'_k\|_1` with
        :math:`C = 4\,D!\,D^2\,2^D` (rounded pool vectors included). Normalising by
        :math:`\|g'_w\|` turns this into errors of at most
        :math:`C\kappa'_j u` (relative) in the weights and :math:`C\kappa'_j u` in the scaled
        bias and (depth 3) offset, :math:`\kappa'_j = \prod_k\|v'_k\|_1/\|g'_w\|_1`; mapped
        back by :math:`2^e \le 2X \le 2M_j` the feature moves by at most
        :math:`8(d+1)\,C\,\kappa'_j\,u\,M_j` (the bound of the unscaled computation grew
        with :math:`|x|`: a 2^9 larger x made certificates undecided)."""
        span = self._span_dim
        spans, normals = self._scaled_normals(self._pool_values[table.indices[:, : span - 1]])
        weight_norms = np.abs(normals[:, : self.data.dim]).sum(axis=1)
        kappa = np.prod(np.abs(spans).sum(axis=2), axis=1) / weight_norms
        constant = 4.0 * math.factorial(span) * span**2 * 2.0**span
        return super().rounding_factor(table) + 8.0 * (self.data.dim + 1) * constant * kappa

    # ---------------------------------------------------------------- exact side
    def _exact_vectors(self, table: FeatureTable, column: int) -> list:
        return [self._pool[1][int(i)] for i in table.indices[column, : self._span_dim - 1]]

    def feature(self, table: FeatureTable, column: int) -> Feature:
        parameters = self.chain_parameters(table, column)
        labels = self._pool[0]
        span = [labels[int(i)] for i in table.indices[column, : self._span_dim - 1]]
        parameters["spanned_by"] = tuple(span)
        data_indices = sorted({i for kind, idx in span if kind != "axis" for i in idx})
        return Feature(self.name, str(table.kinds[column]), tuple(data_indices), (), parameters)


@register(
    "relu depth 2 (d >= 2): wedge features, exact with norm=1, an upper bound with norm=2",
    lambda arch, data: data.dim >= 2 and arch.activation == "relu" and arch.depth == 2,
    options=("max_features", "seed"),
)
class WedgeReluFamily(HyperplaneFamily):
    """Two-layer ReLU wedge features: one-sided distances to hyperplanes through samples."""

    name = "relu wedge"
    pool_kinds = ("point", "axis")
    signs = (1, -1)

    def enumerate(self) -> FeatureTable:
        subsets, normals = self._hyperplanes()
        count = subsets.shape[0]
        signs = np.repeat(np.array(self.signs, dtype=np.float64), count)
        empty = np.zeros((2 * count, 0))
        generators = Generators(None, signs, None, empty, np.zeros((2 * count, 0, 1)))
        return self.generated_table(
            np.where(signs > 0, "wedge+", "wedge-"),
            np.tile(subsets, (2, 1)),
            generators,
            normals=np.tile(normals, (2, 1)),
            sign=signs.astype(np.int8),
        )

    def exact_generators(self, table: FeatureTable, column: int) -> Generators:
        sign = int(table.params["sign"][column])
        return Generators(self._exact_vectors(table, column), sign, None, (), ())


@register(
    "abs depth 2 (d >= 2): distances to hyperplanes, exact with norm=1",
    lambda arch, data: data.dim >= 2 and arch.activation == "abs" and arch.depth == 2,
    options=("max_features", "seed"),
)
class HyperplaneAbsFamily(HyperplaneFamily):
    """Two-layer absolute-value features: distances to hyperplanes through samples (and axes)."""

    name = "abs hyperplanes"
    pool_kinds = ("point", "axis")

    def enumerate(self) -> FeatureTable:
        subsets, normals = self._hyperplanes()
        count = subsets.shape[0]
        generators = Generators(
            None, np.ones(count), None, np.zeros((count, 0)), np.zeros((count, 0, 1))
        )
        kinds = np.full(count, "hyperplane")
        return self.generated_table(kinds, subsets, generators, normals=normals)

    def exact_generators(self, table: FeatureTable, column: int) -> Generators:
        return Generators(self._exact_vectors(table, column), 1, None, (), ())


@register(
    "abs depth 3 (d >= 2): mirrors and bisectors, exact with norm=1",
    lambda arch, data: data.dim >= 2 and arch.activation == "abs" and arch.depth == 3,
    options=("max_features", "seed"),
)
class MirrorAbsFamily(HyperplaneFamily):
    """Three-layer absolute-value features: distance to the nearer of a hyperplane through a
    sample and its mirror image, the mirror spanned by points, differences, midpoints (axes)."""

    name = "abs mirrors d-D"
    pool_kinds = ("point", "difference", "midpoint", "axis")

    def _per_subset(self) -> int:
        return self.data.n_samples

    def enumerate(self) -> FeatureTable:
        subsets, normals = self._hyperplanes()
        count, n = subsets.shape[0], self.data.n_samples
        rows = np.repeat(np.arange(count), n)
        reference = np.tile(np.arange(n), count)
        ones = np.ones(rows.size)
        generators = Generators(
            None, ones, None, ones[:, None], self.data.values[reference][:, None, :]
        )
        table = self.generated_table(
            np.full(rows.size, "mirror"),
            np.column_stack([subsets[rows], reference]),
            generators,
            normals=normals[rows],
        )
        # the same unit arises from several (subset, reference) pairs: keep the first, deciding
        # equality relative to each unit's own parameters, the biases in units of the data
        # (2^e ~ max|x|, exact in binary): unit weights and data-scale biases rounded together
        # merged distinct units at |x| ~ 1e9 (weights lost) and 1e-9 (biases lost)
        p = table.params
        exponent = int(np.frexp(self.data_scale())[1])
        biases = np.ldexp(np.column_stack([p["b1"], p["b"][:, 0]]), -exponent)
        params = np.column_stack([p["w1"], biases])
        scale = np.max(np.abs(params), axis=1, keepdims=True)
        _, first = np.unique(np.round(params / scale, 9) + 0.0, axis=0, return_index=True)
        first.sort()
        table = table.take(first)
        labels = self._pool[0]
        on_mirror = np.array(
            [any(labels[int(i)][0] == "point" for i in row[:-1]) for row in table.indices]
        )
        offsets = -table.params["b"][:, 0]
        flat = offsets <= 1e-12 * np.ldexp(scale[first, 0], exponent)
        kinds = np.where(flat, "two-layer", np.where(on_mirror, "mirror", "bisector"))
        return FeatureTable(kinds=kinds, indices=table.indices, params=table.params)

    def exact_generators(self, table: FeatureTable, column: int) -> Generators:
        r = int(table.indices[column, -1])
        return Generators(
            self._exact_vectors(table, column), 1, None, (1,), [tuple(self.data.exact[r])]
        )

    def feature(self, table: FeatureTable, column: int) -> Feature:
        record = super().feature(table, column)
        r = int(table.indices[column, -1])
        parameters = dict(record.parameters, reference=r)
        indices = tuple(sorted(set(record.indices) | {r}))
        return Feature(record.family, record.kind, indices, (), parameters)
