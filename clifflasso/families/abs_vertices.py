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
:math:`x_n = \sum_{l=2}^{m}\varepsilon_l r_l` (m >= 2, every sign free).

**Enumeration by structure, without a sort.** A vertex solves :math:`M_t\theta = x_S` for an
independent tuple :math:`t` of event normals and an assignment :math:`S` of data points to its
rows, so :math:`\theta = \sum_p c_p x_p` over the *distinct* points :math:`p` of :math:`S`,
with :math:`c_p` the sum of the columns of :math:`M_t^{-1}` of the rows assigned to :math:`p`
(never 0: :math:`M_t^{-1}` is invertible). For data in general position two assignments give
the same vertex exactly when they give the same map :math:`p \mapsto c_p`. The *vertex types*
are therefore the multisets of coefficient columns :math:`\{c_p\}` over all tuples and all
patterns of repeated points (data independent, computed once per depth); each type is
enumerated once, over injective maps of distinct data points to its columns, in increasing
order of the points that share equal columns. The raw columns are the distinct vertices of data
in general position, counted exactly by :meth:`AbsVertexFamily.size`; coincidences of special
data (equally spaced points, say) are left to the dictionary's merging of equal columns.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache

import numpy as np
import sympy as sp

from clifflasso.families.base import ChainFamily, FeatureTable, chain_table
from clifflasso.families.registry import register
from clifflasso.numeric.structured_passes import abs_vertex_rows

#: above this many candidate normal tuples, :meth:`AbsVertexFamily.size` returns the bound
#: (tuples) x N^dim without testing which tuples are independent
TUPLE_CANDIDATES_TESTED = 100_000
#: the coarsest pass of :class:`AbsVertexGrid` keeps at least this many sorted points
COARSE_POINTS = 32


def _parameter_dim(depth: int, bias: bool) -> int:
    return depth - 1 if bias else depth - 2


@lru_cache(maxsize=16)
def _event_normals(depth: int, bias: bool) -> np.ndarray:
    r"""Event normals :math:`(1, \varepsilon_2, \dots, \varepsilon_m, 0, \dots)` (with bias) or
    :math:`(\varepsilon_2, \dots, \varepsilon_m, 0, \dots)` (without), one row per event."""
    dim = _parameter_dim(depth, bias)
    rows = []
    for m in range(1 if bias else 2, depth):
        for eps in itertools.product((1, -1), repeat=m - 1):
            row = ([1] + list(eps)) if bias else list(eps)
            rows.append(row + [0] * (dim - len(row)))
    return np.array(rows, dtype=np.int64)


@lru_cache(maxsize=16)
def _integer_inverses(
    depth: int, bias: bool
) -> tuple[tuple[tuple[int, ...], np.ndarray, int], ...]:
    r"""``(rows, adjugate, determinant)`` of every independent tuple of event normals:
    :math:`M_t^{-1} = \operatorname{adj}(M_t)/\det M_t` with integer adjugate, checked exactly
    (:math:`M_t\operatorname{adj}(M_t) = \det(M_t) I` in integers)."""
    normals = _event_normals(depth, bias)
    dim = _parameter_dim(depth, bias)
    inverses = []
    for rows in itertools.combinations(range(normals.shape[0]), dim):
        matrix = normals[list(rows)]
        determinant = round(np.linalg.det(matrix.astype(float)))
        if determinant == 0:
            continue
        adjugate = np.round(determinant * np.linalg.inv(matrix.astype(float))).astype(np.int64)
        if not np.array_equal(matrix @ adjugate, determinant * np.eye(dim, dtype=np.int64)):
            raise ArithmeticError(f"inexact adjugate of event normals {rows}")
        inverses.append((rows, adjugate, determinant))
    return tuple(inverses)


def _point_patterns(size: int):
    """Every way ``size`` rows can share data points: the point of each row, points numbered in
    order of first appearance (restricted growth strings)."""

    def grow(prefix: list[int], count: int):
        if len(prefix) == size:
            yield tuple(prefix)
            return
        for label in range(count + 1):
            yield from grow(prefix + [label], max(count, label + 1))

    yield from grow([], 0)


@dataclass(frozen=True)
class VertexType:
    """A class of vertices (module docstring): the independent tuple that pins them, the point
    (``0..points-1``) each of its rows is assigned, and the runs of points with equal
    coefficient columns, enumerated in increasing order of data index."""

    tuple_id: int
    row_points: tuple[int, ...]
    points: int
    equal_runs: tuple[tuple[int, ...], ...]


@lru_cache(maxsize=16)
def _vertex_types(depth: int, bias: bool) -> tuple[VertexType, ...]:
    """The vertex types of the depth (module docstring): one per distinct multiset of
    coefficient columns :math:`c_p`, over all tuples and patterns of shared points, in exact
    (integer) arithmetic: the columns of :math:`M_t^{-1}` scaled by the least common multiple of
    the determinants."""
    seen: set[tuple] = set()
    types = []
    inverses = _integer_inverses(depth, bias)
    common = math.lcm(*(abs(determinant) for _, _, determinant in inverses))
    for tuple_id, (_, adjugate, determinant) in enumerate(inverses):
        scaled = adjugate * (common // determinant)
        for labels in _point_patterns(adjugate.shape[0]):
            count = max(labels) + 1
            selection = np.zeros((adjugate.shape[0], count), dtype=np.int64)
            selection[np.arange(len(labels)), labels] = 1
            columns = [tuple(int(v) for v in column) for column in (scaled @ selection).T]
            order = sorted(range(count), key=lambda p: columns[p])
            key = tuple(columns[p] for p in order)
            if key in seen:
                continue
            seen.add(key)
            rank = {p: position for position, p in enumerate(order)}
            runs = []
            for _, run in itertools.groupby(range(count), key=lambda position: key[position]):
                run = tuple(run)
                if len(run) > 1:
                    runs.append(run)
            types.append(
                VertexType(tuple_id, tuple(rank[label] for label in labels), count, tuple(runs))
            )
    return tuple(types)


def _distinct_points(n: int, count: int, equal_runs: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """All assignments of ``count`` distinct data indices (rows), increasing along each run."""
    grid = np.indices((n,) * count).reshape(count, -1).T
    keep = np.ones(grid.shape[0], dtype=bool)
    for a, b in itertools.combinations(range(count), 2):
        keep &= grid[:, a] != grid[:, b]
    for run in equal_runs:
        for a, b in itertools.pairwise(run):
            keep &= grid[:, a] < grid[:, b]
    return grid[keep]


def _assignment_count(n: int, vertex_type: VertexType) -> int:
    symmetry = math.prod(math.factorial(len(run)) for run in vertex_type.equal_runs)
    return math.perm(n, vertex_type.points) // symmetry


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

    @property
    def _dim(self) -> int:
        return _parameter_dim(self.arch.depth, self.arch.bias)

    @property
    def _inverses(self):
        return _integer_inverses(self.arch.depth, self.arch.bias)

    @cached_property
    def _exact_inverses(self) -> list[list[list[Fraction]]]:
        return [
            [[Fraction(int(v), determinant) for v in row] for row in adjugate]
            for _, adjugate, determinant in self._inverses
        ]

    def size(self) -> int:
        r"""The number of vertices of data in general position (sum over the vertex types of
        the injective assignments of data points); when there are more than
        :data:`TUPLE_CANDIDATES_TESTED` candidate tuples, the bound
        :math:`\binom{K}{\dim\theta}N^{\dim\theta}` (computed in microseconds, so a request
        that is too large is refused before any enumeration)."""
        candidates = math.comb(self._normal_count(), self._dim)
        n = self.data.n_samples
        if candidates > TUPLE_CANDIDATES_TESTED:
            return candidates * n**self._dim
        types = _vertex_types(self.arch.depth, self.arch.bias)
        return sum(_assignment_count(n, vertex_type) for vertex_type in types)

    def enumerate(self) -> FeatureTable:
        x = self.data.values[:, 0]
        n, dim = x.shape[0], self._dim
        types = _vertex_types(self.arch.depth, self.arch.bias)
        assignments: dict[tuple, np.ndarray] = {}
        for vertex_type in types:
            shape = (vertex_type.points, vertex_type.equal_runs)
            if shape not in assignments:
                assignments[shape] = _distinct_points(n, *shape)
        blocks = [assignments[(t.points, t.equal_runs)] for t in types]
        total = sum(block.shape[0] for block in blocks)
        indices = np.empty((total, dim), dtype=np.int64)
        theta = np.empty((total, dim))
        tuple_ids = np.empty(total, dtype=np.int64)
        start = 0
        for vertex_type, block in zip(types, blocks):
            stop = start + block.shape[0]
            rows = indices[start:stop]
            rows[:] = block[:, vertex_type.row_points]
            # theta = adj(M) x / det(M) with the integer adjugate: exact whenever theta is a
            # binary fraction of the (binary) data, correctly rounded otherwise
            _, adjugate, determinant = self._inverses[vertex_type.tuple_id]
            theta[start:stop] = (x[rows] @ adjugate.T.astype(float)) / determinant
            tuple_ids[start:stop] = vertex_type.tuple_id
            start = stop
        count = theta.shape[0]
        centre = theta[:, 0] if self.arch.bias else np.zeros(count)
        radii = theta[:, 1:] if self.arch.bias else theta
        return chain_table(
            np.full(count, "vertex"),
            indices,
            np.ones(count),
            -centre,
            np.ones_like(radii),
            -radii,
            normal_tuple=tuple_ids,
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
        return self._tuple_rounding_factor(table.params["normal_tuple"].astype(np.intp))

    def _tuple_rounding_factor(self, tuples: np.ndarray) -> np.ndarray:
        """:meth:`rounding_factor` of vertices pinned by the normal tuples ``tuples``."""
        dim = self._dim
        return self.chain_rounding_factor() + 2.0 * dim * (dim + 2) * self._inverse_norms[tuples]

    def complete_family(self) -> AbsVertexFamily:
        """Depth 4 with a first-layer bias: the same vertices indexed by point tuples
        (:class:`AbsVertexGrid`), streamed by a structured pass; else this family."""
        if self.arch.depth == 4 and self.arch.bias:
            return AbsVertexGrid(self.arch, self.data)
        return self

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


class AbsVertexGrid(AbsVertexFamily):
    r"""The depth-4 vertices (first-layer bias, d = 1) indexed by their point tuples: the
    family that the streamed fit and the certificates go through.

    Column ``offset_t + ((i N + j) N + k)`` is the vertex of type ``t`` at the data points
    ``(i, j, k)`` (fewer digits for types of fewer points), every tuple of the grid included:
    a tuple with a repeated point, or another order of points with equal coefficient columns,
    is exactly a vertex of another type, a copy that the structured pass screens once. So the
    index is arithmetic (:meth:`table_at`, lazy) and a pass over all
    :math:`\approx 30N^3` columns costs :math:`O(1)` each, from prefix sums of :math:`\lambda`
    (:func:`~clifflasso.numeric.structured_passes.abs_vertex_rows`): with :math:`\sum_n
    \lambda_n|x_n - p| = T(p)` the correlation of a unit is a signed sum of :math:`T` at its
    seven kinks :math:`a,\ a \pm r_2,\ a \pm r_2 \pm r_3` plus a constant times
    :math:`\sum_n\lambda_n`.
    """

    name = "abs vertices (indexed)"

    @cached_property
    def _types(self) -> tuple[VertexType, ...]:
        return _vertex_types(self.arch.depth, self.arch.bias)

    @cached_property
    def _offsets(self) -> np.ndarray:
        n = self.data.n_samples
        sizes = [n**vertex_type.points for vertex_type in self._types]
        return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    @cached_property
    def _index_constants(self) -> tuple[np.ndarray, ...]:
        """Per vertex type its number of points, the point of each event row and its normal
        tuple; per normal tuple the adjugate and determinant (for :meth:`table_at`)."""
        return (
            np.array([t.points for t in self._types]),
            np.array([t.row_points for t in self._types]),
            np.array([t.tuple_id for t in self._types]),
            np.array([adjugate for _, adjugate, _ in self._inverses], dtype=float),
            np.array([determinant for _, _, determinant in self._inverses], dtype=float),
        )

    def size(self) -> int:
        """Every point tuple of every type (copies included, class docstring)."""
        return int(self._offsets[-1])

    def complete_family(self) -> AbsVertexGrid:
        return self

    def enumerate(self) -> FeatureTable:
        return self.table_at(np.arange(self.size()))

    def table_at(self, indices: np.ndarray) -> FeatureTable:
        x = self.data.values[:, 0]
        n = x.shape[0]
        indices = np.asarray(indices, dtype=np.int64)
        kind = np.searchsorted(self._offsets, indices, side="right") - 1
        local = indices - self._offsets[kind]
        points, row_points, type_tuples, adjugates, determinants = self._index_constants
        counts = points[kind]
        point_tuple = np.zeros((indices.size, 3), dtype=np.int64)
        for digit in range(3):
            # the digit-th point of a tuple of `counts` points (most significant first)
            power = n ** np.maximum(counts - 1 - digit, 0)
            point_tuple[:, digit] = np.where(digit < counts, (local // power) % n, 0)
        rows = np.take_along_axis(point_tuple, row_points[kind], axis=1)
        tuple_ids = type_tuples[kind]
        theta = (
            np.einsum("pde,pe->pd", adjugates[tuple_ids], x[rows]) / determinants[tuple_ids, None]
        )
        count = indices.size
        return chain_table(
            np.full(count, "vertex"),
            rows,
            np.ones((count, 1)),
            -theta[:, 0],
            np.ones((count, 2)),
            -theta[:, 1:],
            normal_tuple=tuple_ids,
        )

    def structured_rows(self) -> int:
        """One row per vertex type and first point."""
        return len(self._types) * self.data.n_samples

    def coarse_strides(self) -> tuple[int, ...]:
        """Powers of two that leave at least :data:`COARSE_POINTS` sorted points, coarsest
        first: a pass at stride ``s`` costs about ``s**-3`` of a full one."""
        strides = []
        stride = 2
        while self.data.n_samples // stride >= COARSE_POINTS:
            strides.append(stride)
            stride *= 2
        return tuple(reversed(strides))

    @cached_property
    def _pass_constants(self) -> tuple[np.ndarray, ...]:
        """Per vertex type, what the structured pass needs
        (:func:`~clifflasso.numeric.structured_passes.abs_vertex_rows`): computed once, not
        for every block of rows."""
        types = self._types
        tuple_ids = np.array([t.tuple_id for t in types])
        coefficients = np.zeros((len(types), 3, 3))
        pinned = np.zeros((len(types), 3), dtype=np.int64)
        pinned_at = np.zeros((len(types), 3), dtype=np.int64)
        event_bits = np.zeros(len(types), dtype=np.int64)
        moving = np.zeros((len(types), 4), dtype=np.int64)
        for position, vertex_type in enumerate(types):
            events, adjugate, determinant = self._inverses[vertex_type.tuple_id]
            for row, point in enumerate(vertex_type.row_points):
                # theta = adj(M) x / det(M): column `row` of adj(M) multiplies x at `point`
                coefficients[position, :, point] += adjugate[:, row] / determinant
                pinned[position, row], pinned_at[position, row] = events[row], point
            moving[position] = [k for k in range(7) if k not in events]
            event_bits[position] = sum(1 << k for k in events)
        return (
            coefficients,
            moving,
            pinned,
            pinned_at,
            event_bits,
            np.array([t.points for t in types], dtype=np.int64),
            self._tuple_rounding_factor(tuple_ids),
            self._inverse_norms[tuple_ids],
            self._offsets[:-1].copy(),
        )

    def screen_rows(self, residual: np.ndarray, threshold: float, rows: range, stride: int = 1):
        """One block of a certified screen from the family's structure
        (:func:`~clifflasso.numeric.structured_passes.abs_vertex_rows`); ``stride > 1``: a
        coarse pass (:meth:`coarse_strides`)."""
        # vertices that cannot attain the supremum are skipped when it is finite: the residual
        # sums to zero (an output bias)
        prune = self.arch.output_bias
        x = self.data.values[:, 0]
        return abs_vertex_rows(x, residual, threshold, rows, self._pass_constants, prune, stride)
