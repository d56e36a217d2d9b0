r"""Rebuilt networks with exact weights (sympy numbers such as ``(1/3)**(1/3)``).

For a chain of depth :math:`L` and :math:`\gamma_j = |z_j|^{1/L}`, the unit realising the
Lasso coefficient :math:`z_j` of a normalised feature has layer-1 weight
:math:`\gamma_j w_{j,1}` and bias :math:`\gamma_j b_{j,1}`, layer-:math:`l` weight
:math:`\gamma_j s_{j,l}` and bias :math:`\gamma_j^{\,l} b_{j,l}`, output weight
:math:`\mathrm{sign}(z_j)\gamma_j`: its output is :math:`z_j F_j(x)` and its penalty
:math:`\beta|z_j|`. Sign and threshold units carry the amplitude :math:`\sqrt{|z_j|}` and output
weight :math:`\mathrm{sign}(z_j)\sqrt{|z_j|}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from clifflasso import _display
from clifflasso.symbolic.activations import activation


def rational(value) -> sp.Rational:
    """A :class:`fractions.Fraction` (or int) as a sympy Rational."""
    value = Fraction(value)
    return sp.Rational(value.numerator, value.denominator)


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
        return activation(self.activation, self.slope).symbolic(t)

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

    def _repr_html_(self) -> str:
        rows = [
            ("activation", _display.text(self.activation)),
            ("depth", _display.text(self.depth)),
            ("units", _display.text(self.width)),
            ("output bias ξ", _display.text(self.output_bias)),
        ]
        footer = ""
        if self.width <= _display.MAX_FORMULA_TERMS and self.units:
            dim = self.units[0].layers[0][0].cols
            x = sp.Symbol("x", real=True) if dim == 1 else sp.symbols(f"x_1:{dim + 1}", real=True)
            footer = _display.formula_block("f(x)", self.expression(x))
        return _display.table("ExactNetwork (exact weights)", rows, footer)

    def penalty(self) -> sp.Expr:
        r"""Chains: :math:`\tfrac1L\sum_i(\|w_{i,1}\|_p^L + \sum_{l\ge2}|w_{i,l}|^L +
        |\alpha_i|^L)`; sign/threshold units: :math:`\tfrac12\sum_i(a_i^2 + \alpha_i^2)`.
        Equals :math:`\|z\|_1` exactly (each chain is balanced, :math:`|w_l| = |z_j|^{1/L}`)."""
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
