r"""The Lasso dictionary of an architecture on data: :func:`dictionary` and :class:`Dictionary`.

Column ``j`` of the matrix is the normalised feature :math:`F_j` at the data,
:math:`A_{n,j} = F_j(x_n)`, the matrix of the Lasso
:math:`\min_{z,\xi} \tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy as sp

from clifflasso import _display
from clifflasso._data import Data, as_data
from clifflasso.architecture import Architecture
from clifflasso.families import registry
from clifflasso.families.base import Feature, FeatureFamily, FeatureTable
from clifflasso.symbolic.ops import SYMBOLIC

DEFAULT_MEMORY_LIMIT = 2 * 2**30
#: Factor for the temporaries of enumeration (parameters, copies) beside the N x P matrix.
_WORKSPACE_FACTOR = 3


def count_text(count: int) -> str:
    """A count for messages: digits with separators, or a power of ten when it is huge."""
    return f"{count:,}" if count < 10**15 else f"about 10^{len(str(count)) - 1}"


def gib_text(size: int) -> str:
    """Bytes as GiB for messages (huge sizes as a power of ten)."""
    gib = size // 2**30
    return f"{size / 2**30:.2f} GiB" if gib < 10**15 else f"10^{len(str(gib)) - 1} GiB"


def family_for(
    arch: Architecture, data: Data, *, max_features: int | None = None, seed: int = 0
) -> FeatureFamily:
    """The feature family that encodes ``arch`` on ``data`` (the first registered family that
    serves it, :mod:`clifflasso.families.registry`)."""
    return registry.family_for(arch, data, max_features=max_features, seed=seed)


class FeatureList(Sequence):
    """Read-only sequence of :class:`~clifflasso.families.base.Feature` records, built lazily."""

    def __init__(self, family: FeatureFamily, table: FeatureTable) -> None:
        self._family = family
        self._table = table

    def __len__(self) -> int:
        return len(self._table)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._family.feature(self._table, index % len(self))

    def __repr__(self) -> str:
        return f"<{len(self)} features of family {self._family.name!r}>"


class Dictionary:
    """A Lasso dictionary: ``matrix`` (N x P float64), one :class:`Feature` per column.

    Attributes
    ----------
    X:
        The data, shape (N, d), float64.
    arch:
        The :class:`Architecture`.
    matrix:
        The feature values :math:`A_{n,j} = F_j(x_n)`, shape (N, P).
    features:
        One :class:`Feature` record per column.
    n_raw:
        Number of columns built.
    n_removed:
        Number of columns removed by ``dedupe``.
    n_full:
        Size of the complete family.
    n_degenerate:
        Degenerate subsets skipped (d-D families).
    """

    def __init__(
        self,
        data: Data,
        arch: Architecture,
        family: FeatureFamily,
        table: FeatureTable,
        matrix: np.ndarray,
        n_raw: int,
        n_removed: int,
    ) -> None:
        self.data = data
        self.arch = arch
        self.family = family
        self.table = table
        self.matrix = matrix
        self.n_raw = n_raw
        self.n_removed = n_removed

    @property
    def X(self) -> np.ndarray:
        return self.data.values

    @property
    def n_full(self) -> int:
        """Size of the complete family (an upper bound where coincident parameters merge),
        larger than ``n_raw`` when ``max_features`` sampled it."""
        return self.family.size()

    @property
    def n_degenerate(self) -> int:
        """Subsets skipped because they span no hyperplane (d-D families)."""
        return self.family.n_degenerate

    @property
    def features(self) -> FeatureList:
        return FeatureList(self.family, self.table)

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def __len__(self) -> int:
        return self.matrix.shape[1]

    def __repr__(self) -> str:
        n, p = self.matrix.shape
        return (
            f"Dictionary({self.family.name!r}, {self.arch.activation} depth {self.arch.depth}, "
            f"N={n}, P={p}, removed={self.n_removed})"
        )

    def _repr_html_(self) -> str:
        n, p = self.matrix.shape
        rows = [
            ("family", _display.text(self.family.name)),
            (
                "architecture",
                _display.text(f"{self.arch.activation}, depth {self.arch.depth}"),
            ),
            ("data", _display.text(f"N = {n} points of dimension {self.data.dim}")),
            (
                "columns",
                _display.text(f"P = {p} (raw {self.n_raw}, {self.n_removed} removed)"),
            ),
        ]
        shown = min(p, _display.MAX_ROWS)
        lines = []
        for j, feature, expression in zip(
            range(shown), self.features[:shown], self.expressions(columns=range(shown))
        ):
            indices = ", ".join(str(i) for i in feature.indices)
            lines.append(
                [
                    _display.text(j),
                    _display.text(feature.kind),
                    _display.text(f"({indices})"),
                    _display.inline(sp.latex(expression)),
                ]
            )
        footer = _display.grid(["j", "kind", "data", "F_j"], lines) if lines else ""
        if p > shown:
            footer += _display.text(f"... {p - shown} more columns")
        return _display.table("Dictionary", rows, footer)

    def subset(self, columns) -> Dictionary:
        """A dictionary with only the given columns (indices or a boolean mask)."""
        columns = np.arange(len(self))[np.asarray(columns)]
        return Dictionary(
            self.data,
            self.arch,
            self.family,
            self.table.take(columns),
            np.ascontiguousarray(self.matrix[:, columns]),
            self.n_raw,
            self.n_raw - columns.size,
        )

    def kernel_source(self) -> str:
        """The generated code that computes the columns: the derived formulas (normal,
        parameters, feature) as printed for every back-end, and the compiled kernel."""
        return self.family.kernel_source()

    def evaluate(self, X: object) -> np.ndarray:
        """Feature values at new points: shape (len(X), P)."""
        values = as_data(X, min_samples=1).values
        if values.shape[1] != self.data.dim:
            raise ValueError(f"expected {self.data.dim}-dimensional inputs, got {values.shape[1]}")
        return self.family.evaluate(self.table, values)

    def expressions(self, x=None, columns=None) -> list[sp.Expr]:
        """Closed-form feature formulas in the symbol ``x`` (default ``Symbol('x', real=True)``;
        for d-D data a tuple of symbols, default ``x_1, ..., x_d``)."""
        if x is None:
            x = (
                sp.symbols(f"x_1:{self.data.dim + 1}", real=True)
                if self.family.vector_input
                else sp.Symbol("x", real=True)
            )
        columns = range(len(self)) if columns is None else columns
        return [self.family.closed_form(self.table, j, x, SYMBOLIC) for j in columns]

    def symbolic(self) -> sp.Matrix:
        """The dictionary from the closed forms, in exact rational arithmetic.

        Data given as floats are taken at their exact binary values, so the result is exact
        for every input; it equals ``matrix`` up to the rounding of the numeric kernel.
        """
        n, p = self.matrix.shape
        ops = self.family.exact_ops
        if self.family.vector_input:
            points = [tuple(ops.number(v) for v in row) for row in self.data.exact]
        else:
            points = [ops.number(row[0]) for row in self.data.exact]
        entries = [
            [self.family.closed_form(self.table, j, x, ops) for j in range(p)] for x in points
        ]
        return sp.Matrix(n, p, lambda i, j: SYMBOLIC.number(entries[i][j]))


def _duplicate_free(matrix: np.ndarray, centred: bool) -> np.ndarray:
    r"""Indices of the columns kept by ``dedupe``: the first of every group of columns equal
    up to a constant (exactly equal when not ``centred``), without the constant columns.

    Decisions are relative to each column's own scale, never to the dictionary's: a column is
    constant when its variation :math:`\max_n|F_{nj} - F_{1j}|` is within
    :math:`64\,\epsilon` of its magnitude, and two columns are merged only when their
    shifted values agree to :math:`10^{-12}` of their variation. Candidates are grouped by
    their values normalised to unit variation and rounded, then each is compared with the first
    of its group; a rounding boundary can only keep a duplicate, never merge two different
    columns, so the Lasso optimum is the same with and without ``dedupe``.
    """
    if matrix.shape[1] == 0:
        return np.zeros(0, dtype=np.int64)
    keys = matrix - matrix[:1] if centred else matrix
    variation = np.max(np.abs(keys), axis=0)
    magnitude = np.max(np.abs(matrix), axis=0)
    varying = np.flatnonzero(variation > 64 * np.finfo(np.float64).eps * magnitude)
    if varying.size == 0:
        return varying
    keys, variation = keys[:, varying], variation[varying]
    mantissa, exponent = np.frexp(variation)
    rounded = np.vstack([np.round(keys / variation, 10), np.round(mantissa, 10), exponent]) + 0.0
    rows = np.ascontiguousarray(rounded.T)
    _, first, group = np.unique(
        rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel(),
        return_index=True,
        return_inverse=True,
    )
    representative = first[group.ravel()]
    difference = np.max(np.abs(keys - keys[:, representative]), axis=0)
    same = difference <= 1e-12 * np.maximum(variation, variation[representative])
    keep = (representative == np.arange(varying.size)) | ~same
    return varying[keep]


def stream_size_problem(family: FeatureFamily, memory_limit: int) -> str | None:
    """Why :func:`clifflasso.fit` would refuse the complete ``family`` for its size, or None. Lazy
    families compute each column from its index and stream in any memory; the others hold the
    parameters of every column, about ``size * (8 (4 + 2 L) + 16)`` bytes, which must stay
    within half of ``memory_limit``."""
    if family.lazy:
        return None
    estimated = family.size() * (8 * (4 + 2 * family.arch.depth) + 16)
    if estimated <= memory_limit // 2:
        return None
    return (
        f"the parameters of the {family.name} family ({count_text(family.size())} "
        f"columns) alone need about {gib_text(estimated)}, above half of memory_limit="
        f"{gib_text(memory_limit)}; raise memory_limit or use fewer samples"
    )


def _size_problem(family: FeatureFamily, max_features: int | None, memory_limit: int):
    data, arch = family.data, family.arch
    columns = family.size()
    if max_features is not None:
        columns = min(columns, max_features + data.n_samples)
    needed = _WORKSPACE_FACTOR * 8 * data.n_samples * columns
    if needed <= memory_limit:
        return None
    return (
        f"the {family.name} dictionary for N={data.n_samples} ({arch.activation} depth "
        f"{arch.depth}) has up to {count_text(columns)} columns and needs about "
        f"{gib_text(needed)}, above memory_limit={gib_text(memory_limit)}; "
        "use fewer samples or a smaller depth"
        + (", or max_features" if data.dim > 1 else "")
        + ", or raise memory_limit"
        + (
            ", or stream it with clifflasso.fit (the dictionary is never built)"
            if stream_size_problem(family.complete_family(), memory_limit) is None
            else ""
        )
    )


def size_problem(
    X: object,
    arch: Architecture,
    *,
    max_features: int | None = None,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
) -> str | None:
    """Why :func:`dictionary` would refuse ``arch`` on ``X`` for its size, or None: decided from
    the family's closed-form size before anything is enumerated (microseconds to milliseconds
    at any depth), so callers can check every request before the first heavy one."""
    return _size_problem(
        family_for(arch, as_data(X), max_features=max_features), max_features, memory_limit
    )


def dictionary(
    X: object,
    arch: Architecture,
    *,
    dedupe: bool = True,
    max_features: int | None = None,
    seed: int = 0,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
) -> Dictionary:
    """Build the Lasso dictionary of ``arch`` on the data ``X``.

    Parameters
    ----------
    X:
        Data of shape (N,) or (N, d): floats, ints, :class:`fractions.Fraction` or sympy
        Rationals (the latter make :meth:`Dictionary.symbolic` exact by construction).
    arch:
        The :class:`~clifflasso.Architecture`.
    dedupe:
        Remove columns equal up to a constant (exactly equal without an output bias) and
        constant columns; the count removed is ``n_removed`` and ``n_raw`` is the size of the
        raw family. Removing them never changes the Lasso optimum (see ``_duplicate_free``).
    max_features:
        For d-dimensional families: when the full family is larger, a seeded random sample of
        about this many columns (``n_full`` reports the full count). Sampling keeps the Lasso
        an upper bound only; :func:`clifflasso.certify` decides.
    seed:
        Seed of that sample.
    memory_limit:
        Bytes the dictionary may use; a larger one is refused before it is built.
    """
    if not isinstance(arch, Architecture):
        raise ValueError(f"arch must be a clifflasso.Architecture, got {type(arch).__name__}")
    data = as_data(X)
    if max_features is not None and (isinstance(max_features, bool) or max_features < 1):
        raise ValueError(f"max_features must be a positive integer, got {max_features!r}")
    family = family_for(arch, data, max_features=max_features, seed=seed)
    problem = _size_problem(family, max_features, memory_limit)
    if problem is not None:
        raise ValueError(problem)
    table = family.enumerate()
    matrix = np.ascontiguousarray(family.evaluate(table, data.values))
    n_raw = matrix.shape[1]
    n_removed = 0
    if dedupe:
        keep = _duplicate_free(matrix, centred=arch.output_bias)
        n_removed = n_raw - keep.size
        table, matrix = table.take(keep), np.ascontiguousarray(matrix[:, keep])
    return Dictionary(data, arch, family, table, matrix, n_raw, n_removed)


__all__ = ["Dictionary", "Feature", "dictionary", "family_for", "size_problem"]
