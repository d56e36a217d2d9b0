"""Two interchangeable arithmetic back-ends for closed-form feature formulas.

Every feature family writes its closed form once, as a function of an ``ops`` object:

* :data:`EXACT` evaluates with :class:`fractions.Fraction` (fast exact values at rational points),
* :data:`SYMBOLIC` builds sympy expressions (``Max``, ``Min``, ``Abs``, ``Piecewise``), so the same
  code yields the LaTeX-ready formula in a symbol ``x``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import sympy as sp


class ExactOps:
    """Exact rational arithmetic on :class:`fractions.Fraction`."""

    @staticmethod
    def number(value: Fraction) -> Fraction:
        return Fraction(value)

    @staticmethod
    def relu(t):
        return max(t, 0)

    @staticmethod
    def sqrt(value: Fraction) -> Fraction:
        """Exact square root of a rational square; other values need :data:`SYMBOLIC`."""
        root_num, root_den = math.isqrt(value.numerator), math.isqrt(value.denominator)
        if root_num**2 != value.numerator or root_den**2 != value.denominator:
            raise ValueError(f"sqrt({value}) is irrational: use the symbolic back-end")
        return Fraction(root_num, root_den)

    @staticmethod
    def leaky_relu(t, slope):
        return max(t, slope * t)

    @staticmethod
    def abs(t):
        return abs(t)

    @staticmethod
    def max(*args):
        return max(args)

    @staticmethod
    def min(*args):
        return min(args)

    @staticmethod
    def step(t):
        r"""Threshold activation :math:`\mathbb{1}\{t \ge 0\}`."""
        return Fraction(1) if t >= 0 else Fraction(0)

    @staticmethod
    def sign(t):
        r"""Sign activation with :math:`\operatorname{sign}(0) = +1`."""
        return Fraction(1) if t >= 0 else Fraction(-1)

    @staticmethod
    def staircase(x, thresholds: Sequence, values: Sequence):
        """``values[i]`` on ``[thresholds[i-1], thresholds[i])``; one value more than thresholds."""
        for threshold, value in zip(thresholds, values):
            if x < threshold:
                return Fraction(value)
        return Fraction(values[-1])


class SymbolicOps:
    """The same operations as sympy expressions."""

    @staticmethod
    def number(value) -> sp.Expr:
        if isinstance(value, Fraction):
            return sp.Rational(value.numerator, value.denominator)
        return sp.sympify(value)

    @staticmethod
    def relu(t):
        return sp.Max(t, 0)

    @staticmethod
    def sqrt(value) -> sp.Expr:
        return sp.sqrt(value)

    @staticmethod
    def leaky_relu(t, slope):
        return sp.Max(t, slope * t)

    @staticmethod
    def abs(t):
        return sp.Abs(t)

    @staticmethod
    def max(*args):
        return sp.Max(*args)

    @staticmethod
    def min(*args):
        return sp.Min(*args)

    @staticmethod
    def step(t):
        return sp.Piecewise((1, t >= 0), (0, True))

    @staticmethod
    def sign(t):
        return sp.Piecewise((1, t >= 0), (-1, True))

    @staticmethod
    def staircase(x, thresholds: Sequence, values: Sequence):
        pieces = [(sp.sympify(v), x < t) for t, v in zip(thresholds, values)]
        pieces.append((sp.sympify(values[-1]), True))
        return sp.Piecewise(*pieces)


EXACT = ExactOps()
SYMBOLIC = SymbolicOps()
