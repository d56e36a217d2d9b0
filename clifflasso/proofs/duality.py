r"""The duality behind every certificate, in exact rational arithmetic.

Training a network of the architecture (any width) with the penalty of
:class:`~clifflasso.Architecture` is, after rescaling each unit, the Lasso over *all*
normalised units :math:`F_\theta`,

.. math::

    P^* = \inf_{z,\xi}\ \tfrac12\sum_n \omega_n\Bigl(\xi + \sum_\theta z_\theta F_\theta(x_n)
    - y_n\Bigr)^2 + \beta\sum_\theta |z_\theta| ,

(sample weights :math:`\omega`, 1 by default). Its Fenchel dual is

.. math::

    D(\mu) = \mu^\top y - \tfrac12\sum_n \mu_n^2/\omega_n
    \quad\text{s.t.}\quad \mathbf 1^\top\mu = 0\ (\text{with an output bias}),\quad
    \sup_\theta |\mu^\top F_\theta(X)| \le \beta,

so every feasible :math:`\mu` proves :math:`D(\mu) \le P^*` (weak duality), and the residual
:math:`\mu = \omega\odot(y - f(X))` of an optimal network attains equality. A certificate
therefore needs (1) a good dual point, here the weighted residual of the exact solution of the
KKT system on the candidate's support, (2) an upper bound on
:math:`s = \sup_\theta|\mu^\top F_\theta|`, after which :math:`\mu\min(1, \beta/s)` is feasible,
and (3) the objective of the network being judged. Then
:math:`\text{objective} - D(\mu\min(1,\beta/s))` bounds how far that network is from
:math:`P^*`.

At :math:`\beta = 0` the certified statement is about the minimum-norm fit instead: no
network fits the data better (the loss of the group means of repeated inputs is attained), and
for every network :math:`f = \xi + \sum_\theta z_\theta F_\theta` with that fit,
:math:`\sum|z_\theta| \ge \mu^\top f(X)` whenever :math:`\mathbf 1^\top\mu = 0` and
:math:`\sup_\theta|\mu^\top F_\theta| \le 1`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def exact(value) -> Fraction:
    """A float, int, Fraction or ``fmpq`` as a :class:`fractions.Fraction` (floats exactly)."""
    if isinstance(value, Fraction):
        return value
    if hasattr(value, "p") and hasattr(value, "q"):
        return Fraction(int(value.p), int(value.q))
    return Fraction(value) if isinstance(value, int) else Fraction(float(value))


def dual_value(mu: Sequence[Fraction], y: Sequence[Fraction], weights=None) -> Fraction:
    r""":math:`D(\mu) = \mu^\top y - \tfrac12\sum_n\mu_n^2/\omega_n`."""
    if weights is None:
        return (
            sum((m * t for m, t in zip(mu, y)), Fraction(0))
            - sum((m * m for m in mu), Fraction(0)) / 2
        )
    return sum((m * t - m * m / (2 * w) for m, t, w in zip(mu, y, weights)), Fraction(0))


def primal_value(
    residual: Sequence[Fraction], l1_norm: Fraction, beta: Fraction, weights=None
) -> Fraction:
    r""":math:`\tfrac12\sum_n\omega_n r_n^2 + \beta\|z\|_1`."""
    if weights is None:
        loss = sum((r * r for r in residual), Fraction(0)) / 2
    else:
        loss = sum((w * r * r for r, w in zip(residual, weights)), Fraction(0)) / 2
    return loss + beta * l1_norm


def rational_upper(value: float) -> Fraction:
    """A rational at least ``value`` (a float bound, nudged up by a relative 1e-15)."""
    return Fraction(float(value)) * (1 + Fraction(1, 10**15)) + Fraction(1, 10**300)


def line_search_decrease(correlation: Fraction, beta: Fraction, squared_norm: Fraction):
    r"""Decrease of the objective from adding a column with correlation :math:`c`,
    :math:`|c| > \beta`, at the best step: :math:`(|c| - \beta)^2 / (2\|F\|_\omega^2)`, with
    :math:`\|F\|_\omega^2` its weighted squared norm after centring (exact)."""
    if squared_norm <= 0 or abs(correlation) <= beta:
        return Fraction(0)
    return (abs(correlation) - beta) ** 2 / (2 * squared_norm)
