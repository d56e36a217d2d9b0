r"""Deep chains on d-dimensional data: vertices of the lifted event arrangement (derived).

**The lifted parameter.** A normalised deep chain unit of depth :math:`L` with first-layer
weight :math:`w` (:math:`\|w\|_p = 1`), first bias :math:`-a_1` and hidden biases is written
with the lifted vector

.. math::

    \theta = (w, a_1, r_2, \dots, r_{L-1}) \in \mathbb{R}^{D},\qquad D = d + L - 1,

(:math:`a_1` dropped, :math:`D = d + L - 2`, without a first-layer bias):

* absolute value: :math:`F_2 = |w\cdot x - a_1|`, :math:`F_{l+1} = |F_l - r_l|` (hidden weights
  :math:`+1`, hidden biases :math:`b_l = -r_l`, :math:`b_1 = -a_1`);
* ReLU: :math:`F_2 = (w\cdot x - a_1)_+`, :math:`F_{l+1} = (s_l(F_l - r_l))_+` with signs
  :math:`s_l = \pm 1` (hidden weight :math:`s_l`, hidden bias :math:`-s_l r_l`).

The feature is :math:`F_L`. On the data, :math:`\theta \mapsto F_\theta(x_n)` is positively
homogeneous and piecewise linear; its pieces change only on *event hyperplanes* of the lifted
space, "the pre-activation of layer :math:`l` at :math:`x_n` vanishes", each a homogeneous
equation :math:`v\cdot\theta = 0`:

* absolute value: :math:`w\cdot x_n = a_1 + \sum_{l=2}^{m}\varepsilon_l r_l`
  (:math:`m = 1, \dots, L-1`, :math:`\varepsilon \in \{\pm1\}^{m-1}`), i.e.
  :math:`v = (x_n, -1, -\varepsilon_2, \dots, -\varepsilon_m, 0, \dots)`: :math:`2^{L-1} - 1`
  vectors per point, the 1-D event normals of :mod:`clifflasso.families.abs_vertices` with
  :math:`x_n` in front. Every piece of an absolute-value chain involves :math:`w\cdot x`, so
  there are no data-free events.
* ReLU: the pieces :math:`F_l` can take are :math:`0`, the *data piece*
  :math:`q_l = s_{l-1}(q_{l-1} - r_{l-1})`, :math:`q_2 = w\cdot x - a_1`, and *data-free
  pieces* :math:`c` (:math:`-s_2 r_2`, :math:`s_3(-s_2 r_2 - r_3)`, ...: a chain switched on
  after an inactive layer). The events are "piece = :math:`r_l`": per point the
  :math:`L - 1` data events :math:`q_2 = 0` and :math:`q_l = r_l`, and :math:`(L-1)(L-2)/2`
  data-free vectors (:math:`r_l = 0` and :math:`c = r_l`), for each of the
  :math:`2^{L-2}` hidden sign patterns.

Without a first-layer bias :math:`a_1` is dropped from every vector; the event
:math:`w\cdot x_n = 0` stays (for :math:`d \ge 2` it is a hyperplane through the origin of the
lifted space, the "point" vectors of :mod:`clifflasso.families.hyperplanes`).

**Vertices.** The dual constraint :math:`\sup_\theta|\lambda^\top F_\theta(X)| \le \beta`
with :math:`\|w\|_1 = 1`: the sphere is the union of the :math:`2^d` simplex faces
:math:`\{\sum_k s_k w_k = 1,\ s_k w_k \ge 0\}`. On a face intersected with a cell of the
event arrangement the objective is linear; the polyhedron is pointed (its lineality has
:math:`w = 0`, and the :math:`\theta`-parts of the event normals span
:math:`\mathbb{R}^{L-1}`), and its recession directions have :math:`w = 0`, along which
:math:`F_\theta(x_n)` grows by the same amount at every :math:`x_n`: with an output bias
(:math:`\mathbf 1^\top\lambda = 0`) the objective is bounded above along them. So the
supremum is attained at a vertex, where :math:`D - 1` independent equations hold, chosen among
the events and the axis conditions :math:`w_k = 0` (lifted axes :math:`(e_k, 0, \dots, 0)`).
Homogeneously, the vertex is the generalized cross product of those :math:`D - 1` vectors,

.. math::

    \theta \propto \pm(v_1\wedge\cdots\wedge v_{D-1})\,I^{-1},\qquad
    \text{normalised by } \|w\|_1,

both signs (:math:`\theta` and :math:`-\theta` are different units). The complete
:math:`\ell_1` dictionary is the set of these normalised lifted cross products over all
:math:`(D-1)`-subsets of the pool {events of every :math:`x_n`} :math:`\cup` {data-free
events} :math:`\cup` {lifted axes}, both orientations and (ReLU) every hidden sign pattern:
:math:`2^{L-2}\cdot 2\binom{K}{D-1}` raw columns for a pool of :math:`K` vectors. For
absolute value at :math:`L = 3`, eliminating :math:`r_2` recovers the points, differences and
midpoints of :class:`~clifflasso.families.hyperplanes.MirrorAbsFamily`; for :math:`d = 1` the
vertices of :class:`~clifflasso.families.abs_vertices.AbsVertexFamily` (both checked by the
tests). With the Euclidean norm (``norm=2``) the same vertices normalised by :math:`\|w\|_2`
(pool without axes, as in the other d-D families) give an **upper bound** on the training
optimum only (``complete`` is False; the certificates do not claim a proof).

**Multilevel reflections.** For absolute value the kinks of a unit in x-space lie on parallel
hyperplanes :math:`w\cdot x = a_1 + \sum_{l=2}^{m}\varepsilon_l r_l`, level :math:`m` being
where layer :math:`m` switches. Since :math:`F_l` depends on :math:`w\cdot x` only through
distances to the earlier kinks, the level-:math:`m` planes are the images of the
level-:math:`(m-1)` ones under the reflections (versors :math:`n x n^{-1}`) across the earlier
planes: symmetry within symmetry. :meth:`LiftedVertexFamily.kink_planes` lists a column's
planes by level.
"""

from __future__ import annotations

import itertools
import math
from abc import abstractmethod
from fractions import Fraction
from functools import cached_property, lru_cache

import numpy as np
import sympy as sp

from clifflasso.families.base import Feature, FeatureTable, chain_table
from clifflasso.families.registry import register
from clifflasso.families.spanned import DEGENERACY_TOLERANCE, SpannedChainFamily
from clifflasso.numeric.chains import chain_switches_1d
from clifflasso.symbolic.activations import activation
from clifflasso.symbolic.derivation import ChainDerivation, ChainSpec
from clifflasso.symbolic.lowering import cross_product, lower, normal_kernel_source

#: subsets whose cross products are computed together (bounds the enumeration's workspace)
_BLOCK = 1 << 17


class LiftedVertexFamily(SpannedChainFamily):
    """Shared machinery: the lifted pool, its subsets, their cross products (module docstring).

    Subclasses give the event vectors of one hidden sign pattern in the :math:`\\theta`
    coordinates after :math:`w` (:meth:`theta_events`) and the unit's hidden layers
    (:meth:`hidden_layers`)."""

    #: the enumeration decides degeneracy and merges equal vertices on numeric values
    symbolic_data = False

    # ------------------------------------------------------------------ what the family is
    def complete_family(self) -> LiftedVertexFamily:
        """The unsampled family when ``max_features`` sampled this one, else this one."""
        if self.max_features is not None and self.size() > self.max_features:
            return type(self)(self.arch, self.data)
        return self

    @property
    def lifted_dim(self) -> int:
        """:math:`D`: the length of :math:`\\theta = (w, a_1, r_2, \\dots, r_{L-1})`."""
        return self.data.dim + (1 if self.arch.bias else 0) + self.arch.depth - 2

    def _radius_coordinate(self, layer: int) -> int:
        """Position of :math:`r_l` among the :math:`\\theta` coordinates after :math:`w`."""
        return (1 if self.arch.bias else 0) + layer - 2

    @abstractmethod
    def sign_patterns(self) -> list[tuple[int, ...]]:
        """The hidden sign patterns :math:`(s_2, \\dots, s_{L-1})` enumerated."""

    @abstractmethod
    def theta_events(self, signs: tuple[int, ...]):
        """``(data, free)``: lists of ``(label, coefficients)``, the coefficients of an event
        vector after its :math:`w` part (a point's :math:`x_n` in front for ``data``, zeros
        for ``free``)."""

    @abstractmethod
    def hidden_layers(self, signs, radii):
        """``(hidden weights, hidden biases)`` of the unit from the signs and the radii
        :math:`r_l` (numpy arrays or exact numbers alike)."""

    # ------------------------------------------------------------------ the pool
    def _axis_count(self) -> int:
        return self.data.dim if self.arch.norm == 1 else 0

    def pool_size(self) -> int:
        """:math:`K`: data events per point times N, data-free events and (l1) axes."""
        data, free = self.theta_events(self.sign_patterns()[0])
        return self.data.n_samples * len(data) + len(free) + self._axis_count()

    @lru_cache(maxsize=64)  # noqa: B019 - the family lives as long as its dictionary
    def pool(self, pattern: int) -> tuple[tuple, tuple[tuple[Fraction, ...], ...]]:
        """``(labels, exact vectors)`` of the pool of sign pattern ``pattern``: per point
        ``("event", n, level, ...)``, then ``("free", level, k)``, then ``("axis", k)``."""
        data, free = self.theta_events(self.sign_patterns()[pattern])
        d = self.data.dim
        labels, vectors = [], []
        for n, row in enumerate(self.data.exact):
            for label, coefficients in data:
                labels.append(("event", n, *label))
                vectors.append(tuple(row) + tuple(Fraction(c) for c in coefficients))
        zeros = (Fraction(0),) * d
        for label, coefficients in free:
            labels.append(("free", *label))
            vectors.append(zeros + tuple(Fraction(c) for c in coefficients))
        rest = (Fraction(0),) * (self.lifted_dim - d)
        for k in range(self._axis_count()):
            labels.append(("axis", k))
            vectors.append(tuple(Fraction(int(k == m)) for m in range(d)) + rest)
        return tuple(labels), tuple(vectors)

    @lru_cache(maxsize=64)  # noqa: B019
    def _scaled_pool_values(self, pattern: int) -> np.ndarray:
        r"""The pool in float64 with the data coordinates scaled by :math:`2^{-e}`,
        :math:`2^e` the binary order of :math:`\max|x|` (exact): the cross products are then
        computed at scale ~1 (float arithmetic is equivariant under power-of-two scalings)."""
        data, free = self.theta_events(self.sign_patterns()[pattern])
        d, n = self.data.dim, self.data.n_samples
        x = np.ldexp(self.data.values, -self._exponent)
        events = np.array([c for _, c in data], dtype=np.float64).reshape(len(data), -1)
        rows = [
            np.concatenate(
                [np.repeat(x, len(data), axis=0), np.tile(events, (n, 1))], axis=1
            ).reshape(n * len(data), self.lifted_dim)
        ]
        if free:
            coefficients = np.array([c for _, c in free], dtype=np.float64)
            rows.append(np.concatenate([np.zeros((len(free), d)), coefficients], axis=1))
        axes = np.zeros((self._axis_count(), self.lifted_dim))
        axes[:, :d] = np.eye(d)[: self._axis_count()]
        rows.append(axes)
        return np.concatenate(rows)

    @cached_property
    def _exponent(self) -> int:
        return int(np.frexp(self.data_scale())[1])

    # ------------------------------------------------------------------ sizes and subsets
    def _per_subset(self) -> int:
        return 2 * len(self.sign_patterns())

    def size(self) -> int:
        """:math:`2^{L-2}\\,2\\binom{K}{D-1}` (ReLU), :math:`2\\binom{K}{D-1}` (abs): every
        subset, both orientations, before degenerate subsets and equal vertices are removed."""
        return self._per_subset() * math.comb(self.pool_size(), self.lifted_dim - 1)

    def _subsets(self) -> np.ndarray:
        """All :math:`(D-1)`-subsets of the pool, or a seeded random sample of about
        ``max_features / (2 * patterns)`` of them when the family is larger."""
        size, k = self.pool_size(), self.lifted_dim - 1
        if self.max_features is None or self.size() <= self.max_features:
            return _all_subsets(size, k)
        budget = max(1, self.max_features // self._per_subset())
        rng = np.random.default_rng(self.seed)
        total = math.comb(size, k)
        if 2 * budget >= total:  # most subsets: choose among all of them
            return _all_subsets(size, k)[np.sort(rng.choice(total, size=budget, replace=False))]
        rows = max(1, min(2 * budget, (1 << 22) // size))  # draws per round, bounded memory
        chosen = np.zeros((0, k), dtype=np.int64)
        while chosen.shape[0] < budget:
            draws = np.sort(np.argsort(rng.random((rows, size)), axis=1)[:, :k], axis=1)
            chosen = np.unique(np.concatenate([chosen, draws]), axis=0)
        keep = np.sort(rng.choice(chosen.shape[0], size=budget, replace=False))
        return chosen[keep]

    # ------------------------------------------------------------------ numeric side
    @cached_property
    def _cross(self):
        """The lowered generalized cross product of :math:`D - 1` vectors of
        :math:`\\mathbb{R}^D` (a compiled kernel, columns in parallel)."""
        return lower(ChainSpec(activation("abs"), self.lifted_dim, 2, bias=False))

    def kernel_source(self) -> str:
        """The chain's generated code, then the kernel of the lifted cross product."""
        lifted = normal_kernel_source(ChainDerivation(self._cross.spec))
        return f"{self.lowered().source}\n\n# the lifted generalized cross product\n{lifted}\n"

    def normals(self, vectors: np.ndarray) -> np.ndarray:
        """Lifted normals (P, D) of stacked spanning vectors (P, D-1, D)."""
        return self._cross.normals(vectors)

    def _vertices(self, pattern: int, subsets: np.ndarray):
        """``(kept subsets, scaled theta (P, D), conditioning (P,))`` of the non-degenerate
        subsets of one block: :math:`\\theta' = g/\\|g_w\\|_p` from the scaled pool, and
        :math:`\\kappa' = \\prod_k\\|v'_k\\|_1/\\|g'_w\\|_1` (:meth:`rounding_factor`)."""
        d = self.data.dim
        spans = self._scaled_pool_values(pattern)[subsets]
        g = self.normals(spans)
        weight_norms = np.linalg.norm(g[:, :d], ord=self.arch.norm, axis=1)
        volume = np.prod(np.linalg.norm(spans, axis=2), axis=1)
        valid = weight_norms > DEGENERACY_TOLERANCE * np.maximum(volume, 1e-300)
        g, spans = g[valid], spans[valid]
        theta = g / weight_norms[valid, None]
        conditioning = np.prod(np.abs(spans).sum(axis=2), axis=1) / np.abs(g[:, :d]).sum(axis=1)
        return subsets[valid], theta, conditioning

    def enumerate(self) -> FeatureTable:
        """Every non-degenerate subset, both orientations, every sign pattern; equal units
        merged (decided relative to each unit's own parameters, the biases in units of the
        data: :math:`\\theta'` of :meth:`_vertices`)."""
        d, exponent = self.data.dim, self._exponent
        subsets = self._subsets()
        pieces, degenerate = [], 0
        for pattern in range(len(self.sign_patterns())):
            for start in range(0, subsets.shape[0], _BLOCK):
                block = subsets[start : start + _BLOCK]
                kept, theta, conditioning = self._vertices(pattern, block)
                degenerate += block.shape[0] - kept.shape[0]
                for orientation in (1, -1):
                    pieces.append((kept, orientation * theta, conditioning, pattern, orientation))
        self.n_degenerate = degenerate * 2
        k = self.lifted_dim - 1
        if pieces:
            indices = np.concatenate([p[0] for p in pieces]).reshape(-1, k)
            theta = np.concatenate([p[1] for p in pieces]).reshape(-1, self.lifted_dim)
            conditioning = np.concatenate([p[2] for p in pieces])
            patterns = np.concatenate([np.full(p[0].shape[0], p[3]) for p in pieces])
            orientation = np.concatenate([np.full(p[0].shape[0], p[4]) for p in pieces])
        else:
            indices = np.zeros((0, k), dtype=np.int64)
            theta = np.zeros((0, self.lifted_dim))
            conditioning = patterns = orientation = np.zeros(0)
        scale = np.max(np.abs(theta), axis=1, keepdims=True) if theta.size else theta[:, :1]
        keys = np.column_stack([np.round(theta / np.maximum(scale, 1e-300), 9) + 0.0, patterns])
        keys = np.ascontiguousarray(keys)
        rows = keys.view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))).ravel()
        _, first = np.unique(rows, return_index=True)
        first.sort()
        theta, patterns = theta[first], patterns[first].astype(np.int64)
        signs = np.array(self.sign_patterns(), dtype=np.float64)[patterns]
        offsets = np.ldexp(theta[:, d:], exponent)  # back to data units
        first_bias = -offsets[:, 0] if self.arch.bias else np.zeros(theta.shape[0])
        radii = offsets[:, 1:] if self.arch.bias else offsets
        hidden_weights, hidden_biases = self.hidden_layers(signs, radii)
        return chain_table(
            np.full(theta.shape[0], "vertex"),
            indices[first],
            theta[:, :d],
            first_bias,
            hidden_weights,
            hidden_biases,
            pattern=patterns,
            orientation=orientation[first].astype(np.int8),
            conditioning=conditioning[first],
        )

    def rounding_factor(self, table: FeatureTable) -> np.ndarray:
        r"""The chain factor plus the lifted cross product (derived, as for
        :meth:`~clifflasso.families.hyperplanes.HyperplaneFamily.rounding_factor`).

        The normal :math:`g'` is computed from the pool with the data scaled by :math:`2^{-e}`
        (:meth:`_scaled_pool_values`). Each of its :math:`D` minors is a signed sum of products
        whose absolute values add up to at most :math:`\prod_k\|v'_k\|_1`; computing it
        (expanded formulas for :math:`D \le 5`, partially pivoted LU otherwise, growth at most
        :math:`2^D`) errs by at most :math:`C u\prod_k\|v'_k\|_1`, :math:`C = 4\,D!\,D^2\,2^D`,
        and data rounded to floats add :math:`(D - 1)u\prod_k\|v'_k\|_1`. After the division by
        :math:`\|g'_w\|_p` (:math:`\le \sqrt d` times the :math:`\ell_1` bound, plus
        :math:`(d+1)u` relative) every coordinate of :math:`\theta'` errs by at most
        :math:`d\,\kappa'(C + D)u(1 + d|\theta'_i|) + (d+1)u|\theta'_i|`. The feature is
        1-Lipschitz in :math:`w\cdot x` and in each bias, so with :math:`2^e \le 2X \le 2M_j`
        and :math:`X\|w\|_1 + \sum|\text{biases}| \le M_j` it moves by at most
        :math:`(d(3d + 2L)(C + D)\kappa' + 2(d + 1))\,u\,M_j`; the factor 2 on the
        :math:`\kappa'` term covers its own rounding."""
        D, d, L = self.lifted_dim, self.data.dim, self.arch.depth
        constant = 4.0 * math.factorial(D) * D**2 * 2.0**D + D
        kappa = table.params["conditioning"]
        extra = 2.0 * d * (3 * d + 2 * L) * constant * kappa + 2.0 * (d + 1)
        return super().rounding_factor(table) + extra

    # ------------------------------------------------------------------ exact side
    def _signs(self, table: FeatureTable, column: int) -> tuple[int, ...]:
        return self.sign_patterns()[int(table.params["pattern"][column])]

    @lru_cache(maxsize=64)  # noqa: B019
    def _integer_pool(self, pattern: int) -> tuple[tuple[int, ...], ...]:
        """The exact pool vectors, each scaled by the positive common denominator of its
        entries (a positive factor of a spanning vector only scales the cross product by a
        positive factor, which the normalisation removes)."""
        rows = []
        for vector in self.pool(pattern)[1]:
            denominator = math.lcm(*(v.denominator for v in vector))
            rows.append(tuple(int(v * denominator) for v in vector))
        return tuple(rows)

    @lru_cache(maxsize=65536)  # noqa: B019
    def _exact_normal(self, pattern: int, subset: tuple[int, ...], orientation: int) -> tuple:
        """The lifted cross product of a subset in integers (a positive multiple of the
        normal of the exact pool vectors), with the column's orientation."""
        vectors = self._integer_pool(pattern)
        g = cross_product(self.lifted_dim, "integer")(*(v for i in subset for v in vectors[i]))
        return tuple(orientation * int(v) for v in g)

    def exact_theta(self, table: FeatureTable, column: int, backend: str = "exact") -> tuple:
        r""":math:`\theta = (w, a_1, r_2, \dots)` of one column, exactly: the exact lifted
        cross product normalised by :math:`\|w\|_p` (Fractions for ``norm=1``; ``"sympy"``
        numbers, square roots included, for ``backend="sympy"``)."""
        g = self._exact_normal(
            int(table.params["pattern"][column]),
            tuple(int(i) for i in table.indices[column]),
            int(table.params["orientation"][column]),
        )
        d = self.data.dim
        if backend == "exact":
            if self.arch.norm != 1:
                raise ValueError(f"the {self.name!r} family with norm=2 has irrational values")
            norm = sum(abs(v) for v in g[:d])
            return tuple(Fraction(v, norm) for v in g)
        values = [sp.Integer(v) for v in g]
        if self.arch.norm == 1:
            norm = sum((abs(v) for v in values[:d]), sp.Integer(0))
        else:
            norm = sp.sqrt(sum((v**2 for v in values[:d]), sp.Integer(0)))
        return tuple(v / norm for v in values)

    def exact_parameters(self, table: FeatureTable, column: int, backend: str = "exact"):
        """``(w, b1, hidden weights, hidden biases)`` from :meth:`exact_theta`."""
        theta = self.exact_theta(table, column, backend)
        d = self.data.dim
        zero = Fraction(0) if backend == "exact" else sp.Integer(0)
        first_bias = -theta[d] if self.arch.bias else zero
        radii = theta[d + 1 :] if self.arch.bias else theta[d:]
        weights, biases = self.hidden_layers(self._signs(table, column), radii)
        return tuple(theta[:d]), first_bias, tuple(weights), tuple(biases)

    @cached_property
    def _integer_data(self) -> tuple[int, tuple[tuple[int, ...], ...]]:
        """``(Q, P)``: the data as integers :math:`p_n = Q x_n` over one common denominator."""
        common = math.lcm(*(v.denominator for row in self.data.exact for v in row))
        return common, tuple(tuple(int(v * common) for v in row) for row in self.data.exact)

    def exact_values(self, table: FeatureTable, columns) -> list[tuple[Fraction, ...]]:
        r"""Exact values at the data in integer arithmetic (derived): chains are positively
        homogeneous, so with the integer normal :math:`g` (:meth:`_exact_normal`) and the data
        :math:`x_n = p_n/Q`, :math:`F_\theta(x_n) = F_{(g_w,\,Qg_a,\,Qg_r)}(p_n)\,/\,(Q\|g_w\|_1)`,
        every layer computed on integers; the same numbers as the closed forms (tested)."""
        if not self.exact_values_available:
            return super().exact_values(table, columns)
        sigma = activation(self.arch.activation).exact
        common, points = self._integer_data
        d, bias = self.data.dim, self.arch.bias
        values = []
        for j in columns:
            j = int(j)
            g = self._exact_normal(
                int(table.params["pattern"][j]),
                tuple(int(i) for i in table.indices[j]),
                int(table.params["orientation"][j]),
            )
            weights, first_bias = g[:d], (-common * g[d] if bias else 0)
            radii = [common * v for v in (g[d + 1 :] if bias else g[d:])]
            signs, biases = self.hidden_layers(self._signs(table, j), radii)
            denominator = common * sum(abs(v) for v in weights)
            column = []
            for point in points:
                value = sigma(sum(w * p for w, p in zip(weights, point)) + first_bias)
                for s, b in zip(signs, biases):
                    value = sigma(s * value + b)
                column.append(Fraction(value, denominator))
            values.append(tuple(column))
        return values

    def feature(self, table: FeatureTable, column: int) -> Feature:
        """The chain record plus ``spanned_by`` (pool labels), ``orientation`` and the data
        indices of the spanning events."""
        record = super().feature(table, column)
        labels = self.pool(int(table.params["pattern"][column]))[0]
        span = tuple(labels[int(i)] for i in table.indices[column])
        parameters = dict(
            record.parameters,
            spanned_by=span,
            orientation=int(table.params["orientation"][column]),
        )
        indices = tuple(sorted({label[1] for label in span if label[0] == "event"}))
        return Feature(self.name, record.kind, indices, record.breakpoints, parameters)

    def kink_planes(self, table: FeatureTable, column: int) -> list[tuple[int, tuple, object]]:
        r"""The kink hyperplanes of one column by level: ``(level, w, offset)`` for the plane
        :math:`\{x : w\cdot x = \text{offset}\}` where the pre-activation of layer ``level``
        (1 = first layer) changes sign, sorted by level then offset; exact (Fractions) with
        ``norm=1``, floats otherwise. For absolute value the level-:math:`m` offsets are
        :math:`a_1 + \sum_{l=2}^m\varepsilon_l r_l` where layer :math:`m` is crossed: the
        reflections of the level-:math:`(m-1)` planes across the earlier ones."""
        if self.exact_values_available:
            w, b1, weights, biases = self.exact_parameters(table, column)
        else:
            p = table.params
            w = tuple(float(v) for v in p["w1"][column])
            b1 = float(p["b1"][column])
            weights = tuple(float(v) for v in p["w"][column])
            biases = tuple(float(v) for v in p["b"][column])
        levels = chain_switches_1d((1, *weights), (b1, *biases), self.arch.activation)
        return [
            (level, tuple(w), offset)
            for level, offsets in enumerate(levels, start=1)
            for offset in offsets
        ]


def _all_subsets(size: int, k: int) -> np.ndarray:
    """Every k-subset of ``range(size)`` as rows of a (C(size, k), k) array, in order."""
    count = math.comb(size, k)
    flat = itertools.chain.from_iterable(itertools.combinations(range(size), k))
    return np.fromiter(flat, dtype=np.int64, count=count * k).reshape(count, k)


@register(
    "abs depth >= 4 (d >= 2): vertices of the lifted event arrangement, exact with norm=1",
    lambda arch, data: data.dim >= 2 and arch.activation == "abs" and arch.depth >= 4,
    options=("max_features", "seed"),
)
class LiftedAbsFamily(LiftedVertexFamily):
    r"""Absolute-value chains of depth :math:`L` in d dimensions: the vertices of the lifted
    event arrangement (events :math:`w\cdot x_n = a_1 + \sum_{l\le m}\varepsilon_l r_l`)."""

    name = "abs lifted vertices"

    def sign_patterns(self) -> list[tuple[int, ...]]:
        return [(1,) * (self.arch.depth - 2)]

    def theta_events(self, signs: tuple[int, ...]):
        r""":math:`(-1, -\varepsilon_2, \dots, -\varepsilon_m, 0, \dots)` (the :math:`-1`
        only with a first-layer bias) for :math:`m = 1..L-1`."""
        width = self.lifted_dim - self.data.dim
        events = []
        for level in range(1, self.arch.depth):
            for eps in itertools.product((1, -1), repeat=level - 1):
                coefficients = [0] * width
                if self.arch.bias:
                    coefficients[0] = -1
                for layer, e in enumerate(eps, start=2):
                    coefficients[self._radius_coordinate(layer)] = -e
                events.append(((level, eps), tuple(coefficients)))
        return events, []

    def hidden_layers(self, signs, radii):
        """Weights :math:`+1`, biases :math:`-r_l`."""
        if isinstance(radii, np.ndarray):
            return np.ones_like(radii), -radii
        return tuple(1 for _ in radii), tuple(-r for r in radii)


@register(
    "relu depth 3 and 4 (d >= 2): vertices of the lifted event arrangement, exact with norm=1",
    lambda arch, data: data.dim >= 2 and arch.activation == "relu" and arch.depth in (3, 4),
    options=("max_features", "seed"),
)
class LiftedReluFamily(LiftedVertexFamily):
    r"""ReLU chains of depth 3 and 4 in d dimensions: the vertices of the lifted event
    arrangement of each hidden sign pattern (data events :math:`q_l = r_l`, data-free events
    :math:`c = r_l`, module docstring)."""

    name = "relu lifted vertices"

    def sign_patterns(self) -> list[tuple[int, ...]]:
        return list(itertools.product((1, -1), repeat=self.arch.depth - 2))

    def theta_events(self, signs: tuple[int, ...]):
        r"""Data events: :math:`q_2 = w\cdot x - a_1` and :math:`q_l - r_l` (scaled so that
        the coefficient of :math:`w\cdot x_n` is +1); data-free events :math:`r_l` and
        :math:`c - r_l` for the data-free pieces :math:`c` of :math:`F_l`."""
        width = self.lifted_dim - self.data.dim

        def unit(layer: int) -> np.ndarray:
            vector = np.zeros(width, dtype=np.int64)
            vector[self._radius_coordinate(layer)] = 1
            return vector

        # the data piece q_l of F_l: its coefficient of w.x (+-1) and its theta part
        slope, piece = 1, np.zeros(width, dtype=np.int64)
        if self.arch.bias:
            piece[0] = -1
        data = [((1,), tuple(int(c) for c in piece))]
        free: list = []
        pieces_free: list[np.ndarray] = []  # data-free pieces c of F_l (besides 0)
        for layer, s in enumerate(signs, start=2):
            event = piece - unit(layer)  # q_l - r_l
            data.append(((layer,), tuple(int(c) for c in slope * event)))
            free.append(((layer, 0), tuple(int(c) for c in unit(layer))))
            for k, c in enumerate(pieces_free, start=1):
                free.append(((layer, k), tuple(int(v) for v in c - unit(layer))))
            pieces_free = [-s * unit(layer)] + [s * (c - unit(layer)) for c in pieces_free]
            slope, piece = s * slope, s * event  # q_{l+1} = s_l (q_l - r_l)
        return data, free

    def hidden_layers(self, signs, radii):
        """Weights :math:`s_l`, biases :math:`-s_l r_l`."""
        if isinstance(radii, np.ndarray):
            signs = np.asarray(signs, dtype=np.float64)
            return signs, -signs * radii
        return tuple(signs), tuple(-s * r for s, r in zip(signs, radii))
