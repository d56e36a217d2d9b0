r"""Closed-form optimal networks: :math:`f^*(x)` as a sympy expression and exact layer weights.

Given exact Lasso coefficients :math:`z` and intercept :math:`\xi`,

.. math::

    f^*(x) = \xi + \sum_{j : z_j \ne 0} z_j F_j(x)

with the families' closed forms (``Abs`` / ``Max`` / ``Min`` / ``Piecewise``). The network
that realises it (MATH.md §5) has, for a chain of depth :math:`L` and
:math:`\gamma_j = |z_j|^{1/L}`, layer-1 weight :math:`\gamma_j w_{j,1}` and bias
:math:`\gamma_j b_{j,1}`, layer-:math:`l` weight :math:`\gamma_j s_{j,l}` and bias
:math:`\gamma_j^{\,l} b_{j,l}`, output weight :math:`\mathrm{sign}(z_j)\gamma_j`: irrational in
general, so the weights are exact sympy numbers such as ``(1/3)**(1/3)``. Sign and threshold
units carry the amplitude :math:`\sqrt{|z_j|}` and output weight
:math:`\mathrm{sign}(z_j)\sqrt{|z_j|}` ("A Library of Mirrors" §1.4); their inner weights are
integers and half-integers, their first-layer biases the exact thresholds.

Exact layer weights are available for the 1-D chain families (ramps, ReLU chains, abs mirrors,
abs vertices) and the switching families; the formula for every family with rational closed
forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from clifflasso.families.abs_mirrors import AbsMirrorFamily
from clifflasso.families.abs_vertices import AbsVertexFamily
from clifflasso.families.ramps import RampFamily
from clifflasso.families.relu_chains import ReluChainFamily
from clifflasso.families.switching import SwitchingFamily

#: largest disagreement allowed between exact parameters and the family's float table
_TABLE_TOLERANCE = 1e-9


def rational(value) -> sp.Rational:
    """A :class:`fractions.Fraction` (or int) as a sympy Rational."""
    value = Fraction(value)
    return sp.Rational(value.numerator, value.denominator)


def default_symbols(D):
    """``Symbol('x', real=True)`` for 1-D data, ``(x_1, ..., x_d)`` otherwise."""
    if D.family.vector_input:
        return sp.symbols(f"x_1:{D.data.dim + 1}", real=True)
    return sp.Symbol("x", real=True)


def solution_formula(D, z: Sequence, intercept, x=None) -> sp.Expr:
    r""":math:`f^*(x) = \xi + \sum_j z_j F_j(x)` from the closed forms, exact coefficients."""
    x = default_symbols(D) if x is None else x
    support = [j for j, v in enumerate(z) if v != 0]
    features = D.expressions(x, columns=support)
    return rational(intercept) + sp.Add(
        *(rational(z[j]) * feature for j, feature in zip(support, features))
    )


@dataclass(frozen=True)
class ExactUnit:
    """One unit of the rebuilt network: ``layers`` ``(W_l, b_l)`` (sympy matrices, ``W_1`` of
    shape (n_1, d)) for the hidden layers, then ``amplitude`` times the single last neuron,
    times ``output_weight``. ``column`` and ``z`` name the Lasso coefficient it realises."""

    column: int
    z: Fraction
    layers: tuple[tuple[sp.Matrix, sp.Matrix], ...]
    amplitude: sp.Expr
    output_weight: sp.Expr


@dataclass(frozen=True)
class ExactNetwork:
    r"""A rebuilt network with exact weights: :math:`f(x) = \xi + \sum_i \alpha_i a_i u_i(x)`."""

    activation: str
    depth: int
    norm: int
    slope: Fraction | None
    units: tuple[ExactUnit, ...]
    output_bias: sp.Rational

    @property
    def width(self) -> int:
        return len(self.units)

    def _sigma(self, t: sp.Expr) -> sp.Expr:
        if self.activation == "relu":
            return sp.Max(t, 0)
        if self.activation == "leaky_relu":
            return sp.Max(t, rational(self.slope) * t)
        if self.activation == "abs":
            return sp.Abs(t)
        if self.activation == "sign":
            return sp.Piecewise((1, t >= 0), (-1, True))
        return sp.Piecewise((1, t >= 0), (0, True))

    def expression(self, x) -> sp.Expr:
        r"""The network output built from the weights through the activations (not from the
        feature formulas): at rational points it equals :math:`f^*` exactly."""
        inputs = list(x) if isinstance(x, (tuple, list)) else [x]
        total = self.output_bias
        for unit in self.units:
            hidden = inputs
            for weights, biases in unit.layers:
                hidden = [
                    self._sigma(
                        sum((weights[i, k] * h for k, h in enumerate(hidden)), sp.Integer(0))
                        + biases[i]
                    )
                    for i in range(weights.rows)
                ]
            total += unit.output_weight * unit.amplitude * hidden[0]
        return total

    def penalty(self) -> sp.Expr:
        r"""Chains: :math:`\tfrac1L\sum_i(\|w_{i,1}\|_p^L + \sum_{l\ge2}|w_{i,l}|^L +
        |\alpha_i|^L)`; sign/threshold units: :math:`\tfrac12\sum_i(a_i^2 + \alpha_i^2)`.
        Equals :math:`\|z\|_1` exactly (MATH.md §5)."""
        total = sp.Integer(0)
        for unit in self.units:
            if self.activation in ("sign", "threshold"):
                total += (unit.amplitude**2 + unit.output_weight**2) / 2
                continue
            first = unit.layers[0][0]
            if self.norm == 1:
                first_norm = sum((abs(w) for w in first), sp.Integer(0))
            else:
                first_norm = sp.sqrt(sum((w**2 for w in first), sp.Integer(0)))
            hidden = sum((abs(w[0, 0]) ** self.depth for w, _ in unit.layers[1:]), sp.Integer(0))
            total += (first_norm**self.depth + hidden + abs(unit.output_weight) ** self.depth) / (
                self.depth
            )
        return sp.simplify(total)


def _close(exact: Fraction, value: float, scale: float) -> bool:
    return abs(float(exact) - value) <= _TABLE_TOLERANCE * scale


def chain_parameters(family, table, column: int):
    r"""Exact normalised chain parameters of one column of a 1-D chain family:
    ``(w1, b1, hidden_weights, hidden_biases)`` as Fractions, checked against the float table.
    """
    xs = family.exact_column()
    indices = [int(i) for i in table.indices[column]]
    w1 = Fraction(int(np.rint(table.params["w1"][column, 0])))
    hidden_w = tuple(Fraction(int(np.rint(w))) for w in table.params["w"][column])
    if isinstance(family, RampFamily):
        point = xs[indices[0]] if indices[0] >= 0 else Fraction(0)
        b1, hidden_b = -w1 * point, ()
    elif isinstance(family, ReluChainFamily):
        s = [int(v) for v in table.params["signs"][column]]
        a1, a2, a3 = family._breakpoints_exact(table, column)
        level2 = max(s[0] * (a2 - a1), Fraction(0))
        hidden_b = [-s[1] * level2]
        if family.arch.depth == 4:
            level3 = max(s[1] * (max(s[0] * (a3 - a1), Fraction(0)) - level2), Fraction(0))
            hidden_b.append(-s[2] * level3)
        b1, hidden_b = -s[0] * a1, tuple(hidden_b)
    elif isinstance(family, AbsMirrorFamily):
        xj, xk = xs[indices[0]], xs[indices[1]]
        if table.kinds[column] == "reflection":
            centre, radius = xj, abs(xk - xj)
        else:
            centre, radius = (xj + xk) / 2, abs(xj - xk) / 2
        b1, hidden_b = -centre, (-radius,)
    elif isinstance(family, AbsVertexFamily):
        centre, *radii = family.exact_parameters(table, column)
        b1, hidden_b = -centre, tuple(-r for r in radii)
    else:
        raise ValueError(f"exact layer weights are not implemented for the {family.name!r} family")
    scale = 1.0 + max(abs(float(v)) for v in xs)
    floats = [table.params["w1"][column, 0], table.params["b1"][column]]
    floats += list(table.params["w"][column]) + list(table.params["b"][column])
    exact = [w1, b1, *hidden_w, *hidden_b]
    if len(floats) != len(exact) or not all(_close(e, v, scale) for e, v in zip(exact, floats)):
        raise RuntimeError(
            f"exact parameters of column {column} ({family.name}) disagree with the family table"
        )
    return w1, b1, hidden_w, hidden_b


def _chain_unit(family, table, column: int, z: Fraction) -> ExactUnit:
    depth = family.arch.depth
    w1, b1, hidden_w, hidden_b = chain_parameters(family, table, column)
    gamma = abs(rational(z)) ** sp.Rational(1, depth)
    layers = [(sp.Matrix([[gamma * rational(w1)]]), sp.Matrix([gamma * rational(b1)]))]
    for level, (w, b) in enumerate(zip(hidden_w, hidden_b), start=2):
        layers.append((sp.Matrix([[gamma * rational(w)]]), sp.Matrix([gamma**level * rational(b)])))
    return ExactUnit(column, z, tuple(layers), sp.Integer(1), sp.sign(rational(z)) * gamma)


def _switching_unit(family: SwitchingFamily, table, column: int, z: Fraction) -> ExactUnit:
    exact_thresholds = table.params["exact_thresholds"][column]
    by_value = {float(t): t for t in exact_thresholds}
    thresholds = [float(t) for t in exact_thresholds]
    unit = family.unit(thresholds, 1.0)
    layers = []
    for level, (weights, biases) in enumerate(unit.layers):
        exact_w = sp.Matrix([[rational(w) for w in row] for row in weights])
        exact_b = []
        for i, bias in enumerate(biases):
            if level == 0 and weights[i, 0] == 1 and -bias in by_value:
                exact_b.append(-rational(by_value[-bias]))
            else:
                exact_b.append(rational(bias))
        layers.append((exact_w, sp.Matrix(exact_b)))
    root = sp.sqrt(abs(rational(z)))
    return ExactUnit(column, z, tuple(layers), root, sp.sign(rational(z)) * root)


def exact_network(D, z: Sequence, intercept) -> ExactNetwork:
    r"""The network of MATH.md §5 for the coefficients ``z`` with exact sympy weights."""
    family, table = D.family, D.table
    support = [j for j, v in enumerate(z) if v != 0]
    if isinstance(family, SwitchingFamily):
        units = tuple(_switching_unit(family, table, j, Fraction(z[j])) for j in support)
    elif D.data.dim == 1 and not family.vector_input:
        units = tuple(_chain_unit(family, table, j, Fraction(z[j])) for j in support)
    else:
        raise ValueError(
            f"exact layer weights are implemented for 1-D families, not for {family.name!r} "
            f"on {D.data.dim}-D data (the formula is available)"
        )
    slope = Fraction(str(D.arch.slope)) if D.arch.slope is not None else None
    return ExactNetwork(
        activation=D.arch.activation,
        depth=D.arch.depth,
        norm=D.arch.norm,
        slope=slope,
        units=units,
        output_bias=rational(intercept),
    )
