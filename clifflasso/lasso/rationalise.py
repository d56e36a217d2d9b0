r"""Float solutions of rational data shown as exact fractions, when they are exactly optimal.

A float solver returns :math:`0.250000000899` where the exact optimum of rational data is
:math:`1/4`. :func:`rationalise` takes each active coefficient's nearest fraction with
denominator at most :data:`MAX_DENOMINATOR` (:meth:`fractions.Fraction.limit_denominator`),
the inactive ones as 0, and keeps the result only if it is *exactly* optimal for the data:
with :math:`\xi = \overline{y - Az}` (0 without an output bias) and
:math:`\lambda = y - Az - \xi\mathbf 1`, the KKT conditions

.. math::

    |A_j^\top\lambda| \le \beta\ \text{for every column},\qquad
    A_j^\top\lambda = \beta\,\mathrm{sign}(z_j)\ \text{on the support}

hold in rational arithmetic, with the dictionary's exact closed-form values at the exact data.
The labels and :math:`\beta` are read as the fractions of denominator at most
:data:`MAX_DENOMINATOR` whose nearest float they are (``0.1`` is :math:`1/10`); data given as
floats count at their binary value. Anything else (weighted samples, irrational feature values,
large denominators in the data, more than :data:`MAX_ENTRIES` matrix entries, a failed
condition) gives ``None``: the float solution is then shown as floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

#: Largest denominator of a rationalised coefficient, label or beta (and of the data).
MAX_DENOMINATOR = 10**6

#: Largest dictionary (N x P entries) whose exact values the check computes.
MAX_ENTRIES = 250_000


@dataclass(frozen=True)
class RationalSolution:
    """Exact coefficients ``z`` (Fractions, one per column), ``intercept``, ``beta`` and
    ``objective`` of a float solution whose rationalisation passed the exact KKT check."""

    z: tuple[Fraction, ...]
    intercept: Fraction
    beta: Fraction
    objective: Fraction


def _small_fraction(value: float) -> Fraction | None:
    """The fraction of denominator at most :data:`MAX_DENOMINATOR` whose nearest float is
    ``value``, or None."""
    candidate = Fraction(float(value)).limit_denominator(MAX_DENOMINATOR)
    return candidate if float(candidate) == float(value) else None


def rationalise(solution) -> RationalSolution | None:
    """The exactly optimal rational version of a float ``solution`` (module docstring), or
    None when there is none to show."""
    D = solution.dictionary
    n, p = D.matrix.shape
    if solution.weights is not None or n * p > MAX_ENTRIES:
        return None
    if not D.family.exact_values_available:
        return None
    if any(v.denominator > MAX_DENOMINATOR for row in D.data.exact for v in row):
        return None
    labels = [_small_fraction(v) for v in solution.y]
    beta = _small_fraction(solution.beta)
    if beta is None or any(v is None for v in labels):
        return None
    z = [Fraction(0)] * p
    for j in solution.active:
        z[j] = Fraction(float(solution.z[j])).limit_denominator(MAX_DENOMINATOR)
    support = [j for j in range(p) if z[j] != 0]
    # the equalities on the support first: they reject most candidates from few columns
    values = dict(zip(support, D.family.exact_values(D.table, support)))
    fitted = [sum((z[j] * values[j][i] for j in support), Fraction(0)) for i in range(n)]
    intercept = Fraction(0)
    if D.arch.output_bias:
        intercept = sum((t - f for t, f in zip(labels, fitted)), Fraction(0)) / n
    residual = [t - f - intercept for t, f in zip(labels, fitted)]

    def correlation(column) -> Fraction:
        return sum((a * r for a, r in zip(column, residual)), Fraction(0))

    if any(correlation(values[j]) != (beta if z[j] > 0 else -beta) for j in support):
        return None
    others = [j for j in range(p) if z[j] == 0]
    if any(abs(correlation(c)) > beta for c in D.family.exact_values(D.table, others)):
        return None
    objective = sum((r * r for r in residual), Fraction(0)) / 2 + beta * sum(
        (abs(v) for v in z), Fraction(0)
    )
    return RationalSolution(tuple(z), intercept, beta, objective)


__all__ = ["MAX_DENOMINATOR", "MAX_ENTRIES", "RationalSolution", "rationalise"]
