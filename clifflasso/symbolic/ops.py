"""Two arithmetic back-ends for closed forms: the number type and the switching staircase.

* :data:`EXACT` works with :class:`fractions.Fraction` (exact values at rational points),
* :data:`SYMBOLIC` with sympy expressions (``Piecewise``), LaTeX-ready in a symbol ``x``.

The chain families do not use these: their formulas are lowered for both back-ends from one
derivation (:mod:`clifflasso.symbolic.lowering`); the ops name which back-end is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import sympy as sp


class ExactOps:
    """Exact rational arithmetic on :class:`fractions.Fraction`."""

    @staticmethod
    def number(value: Fraction) -> Fraction:
        return Fraction(value)

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
    def staircase(x, thresholds: Sequence, values: Sequence):
        pieces = [(sp.sympify(v), x < t) for t, v in zip(thresholds, values)]
        pieces.append((sp.sympify(values[-1]), True))
        return sp.Piecewise(*pieces)


EXACT = ExactOps()
SYMBOLIC = SymbolicOps()
