r"""Deep absolute-value chains: vertices of the event arrangement ("reflections of reflections").

The normalised chain is :math:`F_2 = |x - a_1|,\ F_{l+1} = |F_l - r_l|` with parameters
:math:`\theta = (a_1, r_2, \dots, r_{L-1})`. On the data, :math:`\theta \mapsto F_\theta(X)`
is affine on
each cell of the arrangement of event hyperplanes

.. math::

    x_n = a_1 + \sum_{l=2}^{m} \varepsilon_l r_l,\qquad m = 1..L-1,\ \varepsilon\in\{\pm1\}^{m-1},

whose normals span :math:`\mathbb{R}^{L-1}`, so every cell is pointed and the features at the
vertices (solutions of ``L-1`` independent event equations) form a complete dictionary
("A Library of Mirrors" §3.3, derived). Every breakpoint is a dyadic affine combination of data
points: :math:`2x_k - x_p`, :math:`2x_j - 2x_k + x_p`, midpoints of these, ...

Without a first-layer bias :math:`a_1 = 0` and the events are
:math:`x_n = \sum_{l=2}^{m}\varepsilon_l r_l` (m >= 2, every sign free). Raw columns are the
distinct vertices; their number is at most (independent normal tuples) x :math:`N^{\dim\theta}`.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from functools import cached_property, lru_cache

import numpy as np
import sympy as sp

from clifflasso.families.base import ChainFamily, FeatureTable, chain_table
from clifflasso.families.registry import register

#: above this many candidate normal tuples, :meth:`AbsVertexFamily.size` returns the bound
#: (tuples) x N^dim without testing which tuples are independent
TUPLE_CANDIDATES_TESTED = 100_000


@register(
    "abs depth >= 4, and depth 3 without a first-layer bias (d = 1)",
    lambda arch, data: (
        data.dim == 1
        and arch.activation == "abs"
        and (arch.depth >= 4 or (arch.depth == 3 and not arch.bias))
    ),
)
class AbsVertexFamily(ChainFamily):
    """Absolute-value chains of any depth, one column per vertex of the event arrangement."""

    name = "abs vertices"
    symbolic_data = False

    def _normal_count(self) -> int:
        """Event normals: :math:`2^{L-1} - 1` with bias, :math:`2^{L-1} - 2` without."""
        return 2 ** (self.arch.depth - 1) - (1 if self.arch.bias else 2)

    @cached_property
    def _normals(self) -> np.ndarray:
        L = self.arch.depth
        rows = []
        first_event = 1 if self.arch.bias else 2
        for m in range(first_event, L):
            for eps in itertools.product((1, -1), repeat=m - 1):
                row = ([1] + list(eps)) if self.arch.bias else list(eps)
                rows.append(row + [0] * (self._dim - len(row)))
        return np.array(rows, dtype=np.int64)

    @property
    def _dim(self) -> int:
        return self.arch.depth - 1 if self.arch.bias else self.arch.depth - 2

    @cached_property
    def _tuples(self) -> list[tuple[int, ...]]:
        normals = self._normals
        return [
            rows
            for rows in itertools.combinations(range(normals.shape[0]), self._dim)
            if round(np.linalg.det(normals[list(rows)].astype(float))) != 0
        ]

    @cached_property
    def _exact_inverses(self) -> list[list[list[Fraction]]]:
        inverses = []
        for rows in self._tuples:
            inverse = sp.Matrix(self._normals[list(rows)].tolist()).inv()
            inverses.append(
                [[Fraction(int(v.p), int(v.q)) for v in inverse.row(i)] for i in range(self._dim)]
            )
        return inverses

    def size(self) -> int:
        """The number of independent normal tuples times :math:`N^{\\dim\\theta}`; when there
        are more than :data:`TUPLE_CANDIDATES_TESTED` candidate tuples, the bound
        :math:`\\binom{K}{\\dim\\theta}N^{\\dim\\theta}` (computed in microseconds, so a request
        that is too large is refused before any enumeration)."""
        candidates = math.comb(self._normal_count(), self._dim)
        if candidates > TUPLE_CANDIDATES_TESTED:
            return candidates * self.data.n_samples**self._dim
        return len(self._tuples) * self.data.n_samples**self._dim

    def enumerate(self) -> FeatureTable:
        x = self.data.values[:, 0]
        n = x.shape[0]
        grid = np.meshgrid(*([np.arange(n)] * self._dim), indexing="ij")
        assignments = np.stack([g.ravel() for g in grid], axis=1)
        thetas, indices, tuple_ids = [], [], []
        for tuple_id, rows in enumerate(self._tuples):
            # theta = adj(M) x / det(M) with the integer adjugate: exact whenever theta is a
            # binary fraction of the (binary) data, correctly rounded otherwise
            normals = self._normals[list(rows)].astype(float)
            determinant = round(np.linalg.det(normals))
            adjugate = np.round(determinant * np.linalg.inv(normals))
            thetas.append((x[assignments] @ adjugate.T) / determinant)
            indices.append(assignments)
            tuple_ids.append(np.full(assignments.shape[0], tuple_id))
        theta = np.concatenate(thetas)
        scale = float(np.max(np.abs(x))) or 1.0  # theta is in data units: scale invariant
        _, first = np.unique(np.round(theta / scale, 9), axis=0, return_index=True)
        first.sort()
        theta = theta[first]
        count = theta.shape[0]
        centre = theta[:, 0] if self.arch.bias else np.zeros(count)
        radii = theta[:, 1:] if self.arch.bias else theta
        return chain_table(
            np.full(count, "vertex"),
            np.concatenate(indices)[first],
            np.ones(count),
            -centre,
            np.ones_like(radii),
            -radii,
            normal_tuple=np.concatenate(tuple_ids)[first],
        )

    @cached_property
    def _inverse_norms(self) -> np.ndarray:
        r""":math:`\|M_t^{-1}\|_\infty` of each independent normal tuple :math:`M_t`."""
        return np.array(
            [
                max(float(sum(abs(v) for v in row)) for row in inverse)
                for inverse in self._exact_inverses
            ]
        )

    def rounding_factor(self, table: FeatureTable) -> np.ndarray:
        r"""The chain factor plus the vertex arithmetic: :math:`\theta = M_t^{-1}x_{idx}`,
        computed as an integer adjugate times the data over the determinant, errs by at most
        :math:`(\dim\theta + 2)u\|M_t^{-1}\|_\infty X` per parameter, and the feature by the sum
        over its :math:`\dim\theta` parameters (bounded here relative to :math:`M_j \ge X`)."""
        dim = self._dim
        tuples = table.params["normal_tuple"].astype(np.intp)
        extra = 2.0 * dim * (dim + 2) * self._inverse_norms[tuples]
        return super().rounding_factor(table) + extra

    def exact_parameters_theta(self, table: FeatureTable, column: int) -> tuple[Fraction, ...]:
        r"""The vertex :math:`\theta` in exact arithmetic (:math:`a_1 = 0` prepended if no bias)."""
        key = (
            int(table.params["normal_tuple"][column]),
            tuple(int(i) for i in table.indices[column]),
        )
        return self._vertex(key)

    @lru_cache(maxsize=65536)  # noqa: B019 - the family lives as long as its dictionary
    def _vertex(self, key: tuple[int, tuple[int, ...]]) -> tuple[Fraction, ...]:
        tuple_id, indices = key
        xs = self.exact_column()
        rhs = [xs[i] for i in indices]
        inverse = self._exact_inverses[tuple_id]
        theta = tuple(sum(c * v for c, v in zip(row, rhs)) for row in inverse)
        return theta if self.arch.bias else (Fraction(0),) + theta

    def exact_parameters(self, table: FeatureTable, column: int, backend: str = "exact"):
        r"""The vertex :math:`\theta = (a_1, r_2, \dots)` as the unit's parameters
        :math:`w = 1`, :math:`b_1 = -a_1`, :math:`s_l = 1`, :math:`b_l = -r_l` (exactly)."""
        centre, *radii = self.exact_parameters_theta(table, column)
        number = (
            Fraction if backend == "exact" else (lambda v: sp.Rational(v.numerator, v.denominator))
        )
        return (
            (number(Fraction(1)),),
            number(-centre),
            tuple(1 for _ in radii),
            tuple(number(-r) for r in radii),
        )
