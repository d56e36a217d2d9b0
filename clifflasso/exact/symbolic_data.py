r"""The Lasso solution in symbols for tiny data sets (N = 2, 3): :func:`symbolic_lasso`, and
the dictionary alone on up to six symbolic points: :func:`symbolic_dictionary`.

The data are symbolic, :math:`x_1 < x_2 < \dots` written as :math:`x_n = x_1 + d_1 + \dots +
d_{n-1}` with positive gaps :math:`d_k`, labels :math:`y_n` real, :math:`\beta > 0`. For every
candidate active set :math:`E` with signs :math:`s` (linearly independent centred columns) the
stationarity equations give

.. math::

    z_E = (A_E^\top A_E)^{-1}(A_E^\top y_c - \beta s),\qquad
    \xi = \bar y - \bar a_E^\top z_E,

valid where the KKT conditions hold: :math:`s_j z_j > 0` on :math:`E` and
:math:`|A_j^\top(y_c - A_E z_E)| \le \beta` off :math:`E`. Every (data, beta) satisfies the
conditions of at least one candidate (take the support of a vertex solution), so the
``Piecewise`` over the candidates, in order of size, then column index, then signs (+ first),
is an optimal :math:`f^*(x)` everywhere. For N = 2 and ReLU depth 2 the only centred direction
is :math:`(-d_1/2, d_1/2)`, and the derivation reduces to the soft-threshold formula

.. math::

    f^*(x_2) - f^*(x_1) = \operatorname{sign}(y_2 - y_1)\,
    \max\Bigl(|y_2 - y_1| - \frac{2\beta}{x_2 - x_1},\ 0\Bigr).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from clifflasso._data import Data
from clifflasso.architecture import Architecture
from clifflasso.dictionary import family_for
from clifflasso.symbolic.ops import SYMBOLIC

#: Most symbolic points of :func:`symbolic_lasso` (its candidate active sets grow
#: exponentially with N).
MAX_SAMPLES = 3

#: Most symbolic points of :func:`symbolic_dictionary` (the closed forms of the columns only).
MAX_DICTIONARY_SAMPLES = 6


@dataclass(frozen=True)
class SymbolicDictionary:
    r"""A 1-D dictionary on symbolic points :math:`x_1 < \dots < x_N`, written
    :math:`x_n = x_1 + d_1 + \dots + d_{n-1}` with positive gaps :math:`d_k`: ``features`` are
    the closed forms in ``x`` of the columns kept (``kept``, numbered as in the raw family;
    columns equal up to a constant, and constant ones, are removed when there is an output
    bias), ``columns`` their values at the points."""

    arch: Architecture
    x: sp.Symbol
    points: tuple[sp.Expr, ...]
    gaps: tuple[sp.Symbol, ...]
    family_name: str
    n_raw: int
    kept: tuple[int, ...]
    features: tuple[sp.Expr, ...]
    columns: tuple[tuple[sp.Expr, ...], ...]
    formulas: tuple[sp.Expr, ...]


def symbolic_dictionary(
    arch: Architecture, n_samples: int, *, dedupe: bool = True
) -> SymbolicDictionary:
    """The dictionary of a 1-D architecture on ``n_samples`` symbolic points (2 to
    :data:`MAX_DICTIONARY_SAMPLES`), in closed form; ``dedupe=False`` keeps every column of
    the family.

    Families enumerated from the numeric data values (switching patterns, abs vertices, where
    coincident vertices are merged) or whose closed forms need comparisons that the order of
    the points does not decide raise ``ValueError``.
    """
    if isinstance(n_samples, bool) or not 2 <= n_samples <= MAX_DICTIONARY_SAMPLES:
        raise ValueError(
            f"symbolic dictionaries are for N = 2..{MAX_DICTIONARY_SAMPLES} points, got {n_samples}"
        )
    x1 = sp.Symbol("x_1", real=True)
    gaps = sp.symbols(f"d_1:{n_samples}", positive=True)
    points = tuple(x1 + sum(gaps[:k], sp.Integer(0)) for k in range(n_samples))
    x = sp.Symbol("x", real=True)
    data = Data(
        values=np.arange(n_samples, dtype=np.float64).reshape(-1, 1),
        exact=tuple((p,) for p in points),
        given_exactly=True,
    )
    family = family_for(arch, data)
    if not family.symbolic_data:
        raise ValueError(
            f"the {family.name!r} family is enumerated from numeric data values: no symbolic "
            "version"
        )
    table = family.enumerate()
    try:
        columns = [
            tuple(family.closed_form(table, j, p, SYMBOLIC) for p in points)
            for j in range(len(table))
        ]
        formulas = [family.closed_form(table, j, x, SYMBOLIC) for j in range(len(table))]
    except TypeError as exc:
        raise ValueError(
            f"the {family.name!r} closed forms need comparisons that the data order does not "
            f"decide ({exc})"
        ) from exc
    kept, centred = [], []
    for j, column in enumerate(columns):
        mean = sum(column, sp.Integer(0)) / n_samples if arch.output_bias else 0
        key = tuple(sp.expand(v - mean) for v in column)
        if dedupe and (all(v == 0 for v in key) or key in centred):
            continue
        kept.append(j)
        centred.append(key)
    return SymbolicDictionary(
        arch=arch,
        x=x,
        points=points,
        gaps=tuple(gaps),
        family_name=family.name,
        n_raw=len(table),
        kept=tuple(kept),
        features=tuple(formulas[j] for j in kept),
        columns=tuple(columns),
        formulas=tuple(formulas),
    )


@dataclass(frozen=True)
class SymbolicPiece:
    r"""One candidate: active columns, their signs, coefficients, intercept, the function
    :math:`\xi + \sum_j z_j F_j(x)` and the region where it is optimal."""

    active: tuple[int, ...]
    signs: tuple[int, ...]
    z: tuple[sp.Expr, ...]
    intercept: sp.Expr
    function: sp.Expr
    condition: sp.Basic


@dataclass(frozen=True)
class SymbolicLasso:
    r"""The Lasso solution in symbols: ``formula`` is :math:`f^*(x)` as a ``Piecewise`` in
    ``x``, ``points`` (:math:`x_n`), ``gaps``, ``labels``, ``beta``; ``features`` the closed
    forms of the (deduplicated) columns in ``x``."""

    x: sp.Symbol
    points: tuple[sp.Expr, ...]
    gaps: tuple[sp.Symbol, ...]
    labels: tuple[sp.Symbol, ...]
    beta: sp.Symbol
    features: tuple[sp.Expr, ...]
    pieces: tuple[SymbolicPiece, ...]
    formula: sp.Piecewise

    def substitute(self, points, labels, beta) -> dict:
        """A substitution mapping for numeric data (sorted ``points``)."""
        mapping = {self.points[0]: points[0], self.beta: beta}
        mapping.update({g: points[k + 1] - points[k] for k, g in enumerate(self.gaps)})
        mapping.update(dict(zip(self.labels, labels)))
        return mapping

    def at(self, points, labels, beta) -> sp.Expr:
        """:math:`f^*(x)` for numeric data: the first piece whose conditions hold (faster
        than substituting into :attr:`formula`)."""
        mapping = self.substitute(points, labels, beta)
        for piece in self.pieces:
            if piece.condition.subs(mapping) == sp.true:
                return piece.function.subs(mapping)
        raise ValueError("no piece applies: beta must be positive and the points increasing")


def symbolic_lasso(arch: Architecture, n_samples: int) -> SymbolicLasso:
    r"""The Lasso solution of a 1-D architecture on ``n_samples`` (2 or 3) symbolic points.

    Families whose enumeration depends on the numeric data beyond its order (abs vertices,
    where coincident vertices are merged) or whose closed forms need comparisons that the order
    does not decide (e.g. reflections ``2 x_2 - x_1`` against ``x_3``) raise ``ValueError``.
    """
    if isinstance(n_samples, bool) or not 2 <= n_samples <= MAX_SAMPLES:
        raise ValueError(
            f"symbolic Lasso solutions are for N = 2..{MAX_SAMPLES} points, got {n_samples} "
            f"(symbolic_dictionary derives the columns alone up to N = {MAX_DICTIONARY_SAMPLES})"
        )
    dictionary = symbolic_dictionary(arch, n_samples)
    x, points, gaps = dictionary.x, dictionary.points, dictionary.gaps
    columns, formulas, kept = dictionary.columns, dictionary.formulas, list(dictionary.kept)
    labels = sp.symbols(f"y_1:{n_samples + 1}", real=True)
    beta = sp.Symbol("beta", positive=True)
    intercept = arch.output_bias
    centred = [
        tuple(
            sp.expand(v - (sum(columns[j], sp.Integer(0)) / n_samples if intercept else 0))
            for v in columns[j]
        )
        for j in kept
    ]
    y_mean = sum(labels, sp.Integer(0)) / n_samples if intercept else 0
    target = sp.Matrix([t - y_mean for t in labels])
    matrix = sp.Matrix(n_samples, len(kept), lambda n, k: centred[k][n])
    means = [
        sp.expand(sum(columns[j], sp.Integer(0)) / n_samples) if intercept else 0 for j in kept
    ]
    pieces = []
    for size in range(0, min(n_samples - 1 if intercept else n_samples, len(kept)) + 1):
        for active in itertools.combinations(range(len(kept)), size):
            sub = matrix[:, list(active)]
            gram = sub.T * sub
            if size and sp.expand(gram.det()) == 0:
                continue
            for signs in itertools.product((1, -1), repeat=size):
                pieces.append(
                    _piece(matrix, target, active, signs, gram, beta, y_mean, means, kept, formulas)
                )
    formula = sp.Piecewise(*((piece.function, piece.condition) for piece in pieces))
    return SymbolicLasso(x, points, gaps, labels, beta, dictionary.features, tuple(pieces), formula)


def _piece(
    matrix, target, active, signs, gram, beta, y_mean, means, kept, formulas
) -> SymbolicPiece:
    r"""Candidate ``active`` with ``signs``: with the adjugate, :math:`z_E = n / \det G` and the
    KKT conditions are polynomial (:math:`\det G > 0` for independent columns)."""
    if active:
        sub = matrix[:, list(active)]
        determinant = sp.expand(gram.det())
        rhs = sub.T * target - beta * sp.Matrix(signs)
        numerators = [sp.expand(v) for v in gram.adjugate() * rhs]
        z = [sp.cancel(v / determinant) for v in numerators]
        scaled_residual = (target * determinant - sub * sp.Matrix(numerators)).applyfunc(sp.expand)
        conditions = [determinant > 0] + [s * v > 0 for s, v in zip(signs, numerators)]
    else:
        z, scaled_residual, determinant, conditions = [], target, sp.Integer(1), []
    for k in range(matrix.shape[1]):
        if k not in active:
            correlation = sp.expand((matrix[:, k].T * scaled_residual)[0, 0])
            conditions.append(sp.Abs(correlation) <= beta * determinant)
    intercept = sp.cancel(y_mean - sum((means[k] * v for k, v in zip(active, z)), sp.Integer(0)))
    function = intercept + sum((v * formulas[kept[k]] for k, v in zip(active, z)), sp.Integer(0))
    return SymbolicPiece(
        active=tuple(kept[k] for k in active),
        signs=tuple(signs),
        z=tuple(z),
        intercept=intercept,
        function=function,
        condition=sp.And(*conditions),
    )
