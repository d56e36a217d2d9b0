r"""Closed-form optimal networks: :math:`f^*(x)` as a sympy expression and exact layer weights.

Given exact Lasso coefficients :math:`z` and intercept :math:`\xi`,

.. math::

    f^*(x) = \xi + \sum_{j : z_j \ne 0} z_j F_j(x)

with the families' closed forms (``Abs`` / ``Max`` / ``Min`` / ``Piecewise``). The network
that realises it has, for a chain of depth :math:`L` and
:math:`\gamma_j = |z_j|^{1/L}`, layer-1 weight :math:`\gamma_j w_{j,1}` and bias
:math:`\gamma_j b_{j,1}`, layer-:math:`l` weight :math:`\gamma_j s_{j,l}` and bias
:math:`\gamma_j^{\,l} b_{j,l}`, output weight :math:`\mathrm{sign}(z_j)\gamma_j`: irrational in
general, so the weights are exact sympy numbers such as ``(1/3)**(1/3)``. Sign and threshold
units carry the amplitude :math:`\sqrt{|z_j|}` and output weight
:math:`\mathrm{sign}(z_j)\sqrt{|z_j|}` ("A Library of Mirrors" §1.4); their inner weights are
integers and half-integers, their first-layer biases the exact thresholds.

Every family rebuilds its units itself (``family.exact_unit``): the chain families from the
exact parameters of their lowered derivation (square roots included for Euclidean norms), the
switching families from their thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import sympy as sp

from clifflasso.symbolic.network import ExactNetwork, ExactUnit, rational

__all__ = [
    "ExactNetwork",
    "ExactUnit",
    "default_symbols",
    "exact_network",
    "rational",
    "solution_formula",
]


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


def exact_network(D, z: Sequence, intercept) -> ExactNetwork:
    r"""The rebuilt network for the coefficients ``z`` with exact sympy weights: one unit
    per nonzero coefficient, rebuilt by the family from the column's exact parameters."""
    family, table = D.family, D.table
    support = [j for j, v in enumerate(z) if v != 0]
    units = tuple(family.exact_unit(table, j, Fraction(z[j])) for j in support)
    slope = Fraction(str(D.arch.slope)) if D.arch.slope is not None else None
    return ExactNetwork(
        activation=D.arch.activation,
        depth=D.arch.depth,
        norm=D.arch.norm,
        slope=slope,
        units=units,
        output_bias=rational(intercept),
    )
