"""Feature families: one enumeration of columns, three views of it.

A family enumerates its columns once, into a columnar :class:`FeatureTable` (generating data
indices plus normalised parameters, one row per column). From that table it gives

* the **numeric kernel** (:meth:`FeatureFamily.evaluate`, an (N, P) float64 array),
* the **closed form** of each column (:meth:`FeatureFamily.closed_form`, written once for exact
  rationals and sympy symbols alike, see :mod:`clifflasso.symbolic.ops`),
* the **rebuilt network** for a coefficient vector (:meth:`FeatureFamily.rebuild`),

so the symbolic and numeric sides can be compared column by column.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from clifflasso._data import Data
from clifflasso.architecture import Architecture
from clifflasso.numeric.chains import chain_kinks_1d
from clifflasso.numeric.network import ChainNetwork
from clifflasso.symbolic.activations import activation
from clifflasso.symbolic.derivation import ChainSpec, abs_nest_display
from clifflasso.symbolic.lowering import LoweredChain, lower
from clifflasso.symbolic.network import ExactUnit, rational
from clifflasso.symbolic.ops import EXACT


@dataclass(frozen=True)
class Feature:
    """One dictionary column.

    ``family`` names the feature family, ``kind`` the sub-type (e.g. ``"reflection"``),
    ``indices`` the generating data indices, ``breakpoints`` the kink (or switch) locations of
    the feature in x, ``parameters`` the normalised unit that realises it.
    """

    family: str
    kind: str
    indices: tuple[int, ...]
    breakpoints: tuple[float, ...]
    parameters: dict[str, Any]


@dataclass(frozen=True)
class FeatureTable:
    """Columnar feature records: ``kinds`` (P,), ``indices`` (P, k) with -1 padding, and
    family-specific parameter arrays whose first axis has length P."""

    kinds: np.ndarray
    indices: np.ndarray
    params: dict[str, np.ndarray]

    def __len__(self) -> int:
        return self.kinds.shape[0]

    def take(self, columns: np.ndarray) -> FeatureTable:
        return FeatureTable(
            kinds=self.kinds[columns],
            indices=self.indices[columns],
            params={name: array[columns] for name, array in self.params.items()},
        )

    @staticmethod
    def concatenate(tables: list[FeatureTable]) -> FeatureTable:
        width = max(t.indices.shape[1] for t in tables)
        padded = [
            np.pad(t.indices, ((0, 0), (0, width - t.indices.shape[1])), constant_values=-1)
            if t.indices.shape[1] < width
            else t.indices
            for t in tables
        ]
        return FeatureTable(
            kinds=np.concatenate([t.kinds for t in tables]),
            indices=np.concatenate(padded),
            params={
                name: np.concatenate([t.params[name] for t in tables]) for name in tables[0].params
            },
        )


class LazyTable:
    """The columns of a family made on demand by index arithmetic (:meth:`FeatureFamily.table_at`),
    never all at once: ``len`` and ``take`` (indices or a slice) like a :class:`FeatureTable`, so
    a dictionary of 10^8 columns is streamed in blocks within a small memory budget."""

    def __init__(self, family: FeatureFamily, count: int) -> None:
        self.family = family
        self.count = count

    def __len__(self) -> int:
        return self.count

    def take(self, columns) -> FeatureTable:
        if isinstance(columns, slice):
            columns = np.arange(*columns.indices(self.count))
        return self.family.table_at(np.asarray(columns, dtype=np.int64))


class FeatureFamily(ABC):
    """Base class of every feature family (see the module docstring)."""

    name: str = "feature family"
    #: closed forms take a coordinate tuple (d-D families) instead of a scalar (1-D families)
    vector_input: bool = False
    #: back-end for exact values (d-D Euclidean norms need sympy's square roots)
    exact_ops = EXACT
    #: subsets skipped because they span no hyperplane
    n_degenerate: int = 0

    def complete_family(self) -> FeatureFamily:
        """The family whose columns the streamed fit and the certificates go through: the same
        as this one unless a smaller family is provably equivalent (same supremum of every
        correlation over normalised units)."""
        return self

    @property
    def complete(self) -> bool:
        """Whether the columns are all the vertices where a correlation with any residual can
        attain its supremum over normalised units, so that the Lasso equals training (the
        certificates enumerate them)."""
        return True

    #: whether the enumeration depends on the data only through its order, so that symbolic
    #: data points work (families that merge coincident numeric values say False)
    symbolic_data: bool = True

    def __init__(self, arch: Architecture, data: Data) -> None:
        self.arch = arch
        self.data = data

    @abstractmethod
    def size(self) -> int:
        """Number of raw columns, computed cheaply before enumeration (an upper bound where
        enumeration removes coincident parameters)."""

    def enumerate(self) -> FeatureTable:
        """All raw columns of the family for ``self.data`` (families with index arithmetic:
        :meth:`table_at` of every index)."""
        return self.table_at(np.arange(self.size(), dtype=np.int64))

    def table_at(self, indices: np.ndarray) -> FeatureTable:
        """The columns at the given positions of the enumeration, computed directly (families
        that cannot index their columns enumerate them all instead)."""
        raise NotImplementedError(f"the {self.name!r} family enumerates its columns at once")

    @property
    def lazy(self) -> bool:
        """Whether :meth:`table_at` computes columns by index arithmetic."""
        return type(self).table_at is not FeatureFamily.table_at

    def structured_rows(self) -> int:
        """Rows of a pass that screens every column from the family's structure
        (:meth:`screen_rows`); 0 when the family has none and is screened column by column."""
        return 0

    def screen_rows(self, residual: np.ndarray, threshold: float, rows: range):
        """A block of :func:`clifflasso.lasso.screening.screen` for the rows ``rows`` of the
        structured pass: ``(candidates, correlations, errors, magnitudes, rest_upper,
        rest_magnitude)``, candidates as indices of the full enumeration."""
        raise NotImplementedError(f"the {self.name!r} family has no structured pass")

    def coarse_strides(self) -> tuple[int, ...]:
        """Strides of coarse structured passes (``screen_rows(..., stride=s)`` screens the
        columns whose points sit at sorted positions divisible by ``s``), coarsest first: the
        streamed fit looks for violators there before it pays for a full pass. Empty when
        the family's full pass is cheap enough."""
        return ()

    def streaming_table(self):
        """A :class:`LazyTable` when the family indexes its columns, else the enumeration."""
        return LazyTable(self, self.size()) if self.lazy else self.enumerate()

    @abstractmethod
    def evaluate(self, table: FeatureTable, X: np.ndarray) -> np.ndarray:
        """Numeric kernel: feature values at the rows of ``X`` (N, d), shape (N, P)."""

    @abstractmethod
    def kernel_source(self) -> str:
        """The generated source of the numeric kernel (and of the derived formulas)."""

    @abstractmethod
    def closed_form(self, table: FeatureTable, column: int, x, ops):
        """Closed form of one column at ``x`` (a rational or a sympy symbol) with ``ops``."""

    @abstractmethod
    def feature(self, table: FeatureTable, column: int) -> Feature:
        """The record of one column."""

    @abstractmethod
    def rebuild(self, table: FeatureTable, z: np.ndarray, intercept: float):
        """A network whose output is ``table @ z + intercept`` and whose penalty is ``||z||_1``."""

    def piecewise_linear(self, table: FeatureTable):
        r"""1-D features as piecewise-linear functions, or None when not available here.

        Returns ``(kinks, values, left_slope, right_slope)``: kinks (P, m) sorted per row, the
        feature values at the kinks (P, m) and the slopes left of the first and right of the last
        kink (P,). :mod:`clifflasso.lasso.streaming` turns this into correlations
        :math:`\lambda^\top F` in :math:`O(m \log N)` per feature instead of :math:`O(N)`.
        """
        return None

    def exact_column(self, k: int = 0):
        """Exact data values (:class:`fractions.Fraction`) of input coordinate ``k``."""
        return self.data.column(k)

    @property
    def exact_values_available(self) -> bool:
        """Whether every column has rational values at rational points (no square roots)."""
        return self.exact_ops is EXACT

    def exact_values(self, table: FeatureTable, columns) -> list[tuple[Fraction, ...]]:
        """Exact values at the data of the given columns, from the closed forms (rationals)."""
        if not self.exact_values_available:
            raise ValueError(
                f"the {self.name!r} family with norm={self.arch.norm} normalises by Euclidean "
                "norms, whose values are irrational in general; use norm=1 for exact values"
            )
        if self.vector_input:
            points = [tuple(row) for row in self.data.exact]
        else:
            points = [row[0] for row in self.data.exact]
        return [
            tuple(Fraction(self.closed_form(table, int(j), x, EXACT)) for x in points)
            for j in columns
        ]

    def data_scale(self) -> float:
        r""":math:`X = \max_n \|x_n\|_\infty`, the size of the data in rounding bounds."""
        return float(np.max(np.abs(self.data.values), initial=0.0))

    @abstractmethod
    def magnitude_bound(self, table: FeatureTable) -> np.ndarray:
        r"""Per column, an upper bound on :math:`\max_n |F_j(x_n)|` (exact and computed)."""

    @abstractmethod
    def rounding_bound(self, table: FeatureTable) -> np.ndarray:
        r"""Per column, a bound :math:`\rho_j` on :math:`|F_{\theta^*_j}(x_n) - \hat F_{nj}|` at
        every data point: the exact feature (exact parameters :math:`\theta^*_j`) against the
        kernel's float value (float parameters, float arithmetic). See :data:`UNIT_ROUNDOFF`."""


#: :math:`u = 2^{-53}`, the unit roundoff of float64: :math:`|fl(a \circ b) - a \circ b| \le
#: u|a \circ b|` for each basic operation (IEEE 754, round to nearest).
UNIT_ROUNDOFF = 2.0**-53


@dataclass(frozen=True)
class Generators:
    r"""The points that pin one chain unit (or a batch: arrays with a leading column axis),
    the inputs of the derivation of :mod:`clifflasso.symbolic.derivation`:

    ``vectors`` the :math:`D - 1` homogeneous vectors spanning the first hyperplane (rows),
    ``sign`` :math:`s_1`, ``reflection`` the point :math:`q` the first hyperplane is reflected
    across (or None), ``signs`` the later layers' :math:`s_l`, ``references`` their reference
    points :math:`r_l` (rows)."""

    vectors: Any
    sign: Any
    reflection: Any
    signs: Any
    references: Any


class ChainFamily(FeatureFamily):
    r"""A family of normalised parallel chains (ReLU, leaky ReLU, absolute value).

    Its formulas are not written here: every column is a unit of the derivation of
    :mod:`clifflasso.symbolic.derivation` (a hyperplane spanned by generators, optionally
    reflected, later layers levelled through reference points), lowered once to code
    (:mod:`clifflasso.symbolic.lowering`). A family only says which generators its columns
    have (:meth:`exact_generators`, and the batched ones in its enumeration).

    Parameters per column: ``w1`` (P, d) with :math:`\|w_1\|_p = 1`, ``b1`` (P,), and for the
    later layers ``w`` (P, L-2) with entries :math:`\pm 1` and ``b`` (P, L-2).
    """

    def spec(self, reflected: bool = False) -> ChainSpec:
        """The derivation's key for this family's columns."""
        return ChainSpec(
            activation(self.arch.activation, self.arch.slope),
            self.data.dim,
            self.arch.depth,
            self.arch.bias,
            self.arch.norm,
            reflected,
        )

    def lowered(self, reflected: bool = False) -> LoweredChain:
        return lower(self.spec(reflected))

    def kernel_source(self) -> str:
        """The generated code behind this family's columns (formulas and kernel)."""
        return self.lowered().source

    def evaluate(self, table: FeatureTable, X: np.ndarray) -> np.ndarray:
        p = table.params
        return self.lowered().kernel(X, p["w1"].T, p["b1"], p["w"].T, p["b"].T)

    # ----------------------------------------------------------------- parameters
    def normals(self, vectors: np.ndarray) -> np.ndarray:
        """Homogeneous normals (P, D) of stacked spanning vectors (P, D-1, D): the lowered
        generalized cross product (a compiled kernel, columns in parallel)."""
        return self.lowered().normals(vectors)

    def unit_parameters(self, normals: np.ndarray, generators: Generators) -> tuple:
        """``(w1 (P, d), b1 (P,), hidden signs (P, L-2), hidden biases (P, L-2))`` from the
        normals and the other generators (numpy back-end, vectorised over the columns)."""
        count, d, hidden = normals.shape[0], self.data.dim, self.arch.depth - 2
        reflected = generators.reflection is not None
        parameters = self.lowered(reflected).backend("numpy")["parameters"]
        inputs = [normals[:, k] for k in range(normals.shape[1])]
        inputs.append(np.broadcast_to(np.asarray(generators.sign, float), (count,)))
        if reflected:
            inputs += [generators.reflection[:, k] for k in range(d)]
        signs = np.broadcast_to(np.asarray(generators.signs, float), (count, hidden))
        inputs += [signs[:, k] for k in range(hidden)]
        inputs += [generators.references[:, layer, k] for layer in range(hidden) for k in range(d)]
        values = [np.broadcast_to(np.asarray(v, float), (count,)) for v in parameters(*inputs)]
        w1 = np.stack(values[:d], axis=1)
        biases = np.stack(values[d + 1 :], axis=1) if hidden else np.zeros((count, 0))
        return w1, values[d], signs, biases

    def generated_table(self, kinds, indices, generators: Generators, normals=None, **extra):
        """A :class:`FeatureTable` whose parameters come from the lowered derivation."""
        if normals is None:
            normals = self.normals(np.asarray(generators.vectors, dtype=np.float64))
        w1, b1, signs, biases = self.unit_parameters(normals, generators)
        return chain_table(kinds, indices, w1, b1, signs, biases, **extra)

    def exact_generators(self, table: FeatureTable, column: int) -> Generators:
        """The generators of one column as exact rationals (families whose parameters are not
        pinned by generators override :meth:`exact_parameters` instead)."""
        raise NotImplementedError(f"{self.name!r} has no generators")

    def exact_parameters(self, table: FeatureTable, column: int, backend: str = "exact"):
        """``(w, b1, signs, hidden biases)`` of one column from the same lowered formulas,
        exactly (``backend="exact"``: Fractions; ``"sympy"``: sympy numbers, square roots
        included)."""
        generators = self.exact_generators(table, column)
        reflected = generators.reflection is not None
        functions = self.lowered(reflected).backend(backend)
        normal = functions["normal"](*(v for row in generators.vectors for v in row))
        inputs = [*normal, generators.sign]
        if reflected:
            inputs += list(generators.reflection)
        inputs += list(generators.signs)
        inputs += [v for row in generators.references for v in row]
        values = functions["parameters"](*inputs)
        d = self.data.dim
        return tuple(values[:d]), values[d], tuple(generators.signs), tuple(values[d + 1 :])

    def closed_form(self, table: FeatureTable, column: int, x, ops):
        """The feature formula at ``x`` with the column's exact parameters (the lowered feature
        formula; exact back-end for ``EXACT``, sympy for the symbolic ops)."""
        backend = "exact" if ops is EXACT else "sympy"
        if backend == "exact" and not self.exact_values_available:
            raise ValueError(f"the {self.name!r} family has irrational values: use sympy")
        w, b1, signs, biases = self.exact_parameters(table, column, backend)
        point = list(x) if self.vector_input else [x]
        feature = self.lowered().backend(backend)["feature"]
        (value,) = feature(*point, *w, b1, *signs, *biases)
        if backend == "sympy" and self.arch.activation == "abs":
            return abs_nest_display(sp.sympify(value))
        return value

    def exact_values(self, table: FeatureTable, columns) -> list[tuple[Fraction, ...]]:
        """Exact values at the data (the base method's closed forms), with each column's exact
        parameters derived once, and columns with equal exact parameters evaluated once."""
        if not self.exact_values_available:
            return super().exact_values(table, columns)
        feature = self.lowered().backend("exact")["feature"]
        points = [list(row) if self.vector_input else [row[0]] for row in self.data.exact]
        done: dict = {}
        values = []
        for j in columns:
            w, b1, signs, biases = self.exact_parameters(table, int(j), "exact")
            key = (w, b1, signs, biases)
            if key not in done:
                done[key] = tuple(Fraction(feature(*x, *w, b1, *signs, *biases)[0]) for x in points)
            values.append(done[key])
        return values

    def exact_unit(self, table: FeatureTable, column: int, z: Fraction) -> ExactUnit:
        r"""The unit realising coefficient :math:`z` with exact weights
        (:mod:`clifflasso.symbolic.network`): the column's exact parameters scaled by
        :math:`\gamma = |z|^{1/L}` per layer."""
        w, b1, signs, biases = self.exact_parameters(table, column, "sympy")
        depth = self.arch.depth
        gamma = abs(rational(z)) ** sp.Rational(1, depth)
        layers = [(sp.Matrix([[gamma * sp.sympify(v) for v in w]]), sp.Matrix([gamma * b1]))]
        for level, (s, b) in enumerate(zip(signs, biases), start=2):
            layers.append((sp.Matrix([[gamma * s]]), sp.Matrix([gamma**level * b])))
        return ExactUnit(column, z, tuple(layers), sp.Integer(1), sp.sign(rational(z)) * gamma)

    def chain_parameters(self, table: FeatureTable, column: int) -> dict[str, Any]:
        p = table.params
        return {
            "weights": (tuple(float(v) for v in p["w1"][column]),)
            + tuple(float(v) for v in p["w"][column]),
            "biases": (float(p["b1"][column]),) + tuple(float(v) for v in p["b"][column]),
        }

    def feature(self, table: FeatureTable, column: int) -> Feature:
        parameters = self.chain_parameters(table, column)
        breakpoints: tuple[float, ...] = ()
        if self.data.dim == 1:
            weights = [parameters["weights"][0][0], *parameters["weights"][1:]]
            scale = 1.0 + float(np.max(np.abs(self.data.values)))
            breakpoints = tuple(
                float(kink) + 0.0
                for kink in chain_kinks_1d(
                    weights,
                    parameters["biases"],
                    activation(self.arch.activation, self.arch.slope),
                    tolerance=1e-9 * scale,
                )
            )
        indices = tuple(int(i) for i in table.indices[column] if i >= 0)
        return Feature(self.name, str(table.kinds[column]), indices, breakpoints, parameters)

    def magnitude_bound(self, table: FeatureTable) -> np.ndarray:
        r""":math:`X\|w_1\|_1 + |b_1| + \sum_l |b_l|`: each layer is 1-Lipschitz (hidden weights
        :math:`\pm 1`) and vanishes at 0 up to its bias."""
        p = table.params
        return (
            self.data_scale() * np.abs(p["w1"]).sum(axis=1)
            + np.abs(p["b1"])
            + np.abs(p["b"]).sum(axis=1)
        ) * (1 + 4 * self.arch.depth * UNIT_ROUNDOFF)

    def rounding_factor(self, table: FeatureTable) -> np.ndarray:
        r"""Per column, :math:`c_j` in :math:`\rho_j = c_j\,u\,M_j` (:meth:`rounding_bound`).

        The kernel rounds once per layer, each time by at most :math:`u` times a quantity
        bounded by :math:`M_j` (:meth:`magnitude_bound`): :math:`L` roundings. The float
        parameters of 1-D chains are the exact ones computed from the data by at most a few
        additions of terms bounded by :math:`4M_j` per layer, and every parameter error moves
        the feature by at most itself (1-Lipschitz layers). :math:`c_j = 32L^2` covers both with
        a wide margin; families with other parameter arithmetic override this."""
        return np.full(len(table), self.chain_rounding_factor())

    def chain_rounding_factor(self) -> float:
        """The part of :meth:`rounding_factor` that every chain of this depth has:
        :math:`32L^2`."""
        return 32.0 * self.arch.depth**2

    def rounding_bound(self, table: FeatureTable) -> np.ndarray:
        return self.rounding_factor(table) * UNIT_ROUNDOFF * self.magnitude_bound(table)

    def rebuild(self, table: FeatureTable, z: np.ndarray, intercept: float) -> ChainNetwork:
        r"""Rebuild: with :math:`\gamma = |z_j|^{1/L}`, layer ``l`` weight and bias are scaled by
        :math:`\gamma` and :math:`\gamma^l`, the output weight is :math:`\mathrm{sign}(z_j)\gamma`.
        The chain then outputs :math:`z_j F_j(x)` at penalty :math:`\beta|z_j|`."""
        L = self.arch.depth
        z = np.asarray(z, dtype=np.float64)
        gamma = np.abs(z) ** (1.0 / L)
        p = table.params
        powers = gamma[:, None] ** np.arange(2, L)[None, :]
        return ChainNetwork(
            activation=self.arch.activation,
            depth=L,
            norm=self.arch.norm,
            slope=self.arch.slope,
            first_weights=p["w1"] * gamma[:, None],
            first_biases=p["b1"] * gamma,
            hidden_weights=p["w"] * gamma[:, None],
            hidden_biases=p["b"] * powers,
            output_weights=np.sign(z) * gamma,
            output_bias=float(intercept),
        )


def chain_table(
    kinds: np.ndarray,
    indices: np.ndarray,
    first_weights: np.ndarray,
    first_biases: np.ndarray,
    hidden_weights: np.ndarray,
    hidden_biases: np.ndarray,
    **extra: np.ndarray,
) -> FeatureTable:
    """Assemble a :class:`FeatureTable` of chain parameters (arrays as float64)."""
    count = kinds.shape[0]

    def rows(values) -> np.ndarray:
        array = np.asarray(values, dtype=np.float64)
        if array.ndim == 2 and array.shape[0] == count:
            return array
        return array.reshape(count, -1)

    params = {
        "w1": rows(first_weights),
        "b1": np.asarray(first_biases, dtype=np.float64).reshape(count),
        "w": rows(hidden_weights),
        "b": rows(hidden_biases),
    }
    params.update(extra)
    return FeatureTable(kinds=kinds, indices=np.asarray(indices, dtype=np.int64), params=params)
