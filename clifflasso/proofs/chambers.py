r"""Certificates for two-layer ReLU / absolute-value units with the Euclidean norm, d >= 2.

With :math:`\|w\|_2 = 1` the supremum :math:`\sup_\theta|\mu^\top F_\theta(X)|` is not attained
on a finite data dictionary, so it is computed chamber by chamber. On the activation chamber
:math:`C_\sigma = \{\tilde w : \sigma_n\,\tilde x_n\cdot\tilde w \ge 0\}` of the data
arrangement (enumerated exactly, :func:`~clifflasso.proofs.arrangement.activation_patterns`) the
feature is linear, :math:`\mu^\top F_{\tilde w} = c_\sigma\cdot\tilde w` with
:math:`c_\sigma = \sum_n \mu_n a_n\tilde x_n` (:math:`a_n` the activation pattern for ReLU,
:math:`\sigma_n` for the absolute value), and the chamber's maximum is the SOCP

.. math::

    \max\ \pm c_\sigma\cdot\tilde w \quad\text{s.t.}\quad G\tilde w \ge 0,\ \|w\|_2 \le 1,
    \qquad G_n = \sigma_n\tilde x_n .

Its Lagrange dual gives a bound that is checked in exact arithmetic: for any :math:`\nu \ge 0`
with :math:`(\pm c_\sigma + G^\top\nu)_{\text{bias}} = 0`,

.. math::

    \max_{C_\sigma,\ \|w\|_2\le 1} \pm c_\sigma\cdot\tilde w \;\le\;
    \|(\pm c_\sigma + G^\top\nu)_{\text{weights}}\|_2 ,

because :math:`\nu^\top G\tilde w \ge 0` on the chamber. The solver's multipliers are taken as
rationals, clipped at 0 and corrected exactly on the bias coordinate; comparing squares with
:math:`\beta^2` needs no square root. A primal maximiser, taken as a rational unit, is checked
exactly the other way: :math:`(\mu^\top F_{\tilde w})^2 > \beta^2\|w\|_2^2` proves a violator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from clifflasso.proofs.duality import exact, line_search_decrease, rational_upper


@dataclass
class ChamberOutcome:
    """The exact bound on the supremum, the best unit found and the chamber count."""

    sup_squared: Fraction
    unit: tuple[Fraction, ...] | None
    unit_correlation: Fraction
    unit_squared_norm: Fraction
    chambers: int
    notes: list[str] = field(default_factory=list)

    def proves_violation(self, beta: Fraction) -> bool:
        return self.unit_correlation**2 > beta**2 * self.unit_squared_norm


def _dot(a, b) -> Fraction:
    return sum((p * q for p, q in zip(a, b)), Fraction(0))


def unit_column(activation: str, rows, unit) -> list[Fraction]:
    """Exact values :math:`\\sigma(\\tilde x_n\\cdot\\tilde w)` of a rational unit
    (unnormalised)."""
    pre = [_dot(row, unit) for row in rows]
    if activation == "relu":
        return [max(v, Fraction(0)) for v in pre]
    return [abs(v) for v in pre]


def _polished_multipliers(direction, G, multipliers, dim: int, bias: bool):
    r"""Exact multipliers on the solver's active set: the :math:`\nu_A` minimising
    :math:`\|(c + G_A^\top\nu_A)_{\text{weights}}\|^2` subject to a zero bias coordinate
    (a least-squares problem with one equality, solved over the rationals), or None when they
    are not all nonnegative. With the right active set this is the chamber's exact maximum."""
    from clifflasso.lasso import rational

    largest = max((abs(float(v)) for v in multipliers), default=0.0)
    order = sorted(
        (n for n, v in enumerate(multipliers) if float(v) > 1e-7 * largest),
        key=lambda n: -float(multipliers[n]),
    )
    if not order:
        return None
    # degenerate chambers (several samples on the optimal hyperplane): keep a maximal
    # independent set of constraints, largest multipliers first
    independent = rational.pivot_columns(rational.matrix([list(G[n]) for n in order]).transpose())
    active = [order[k] for k in independent]
    # unknowns nu_A and, with a bias, one Lagrange multiplier gamma
    size = len(active) + int(bias)
    rows_ = []
    rhs = []
    for i in active:
        row = [sum((G[i][k] * G[j][k] for k in range(dim)), Fraction(0)) for j in active]
        if bias:
            row.append(G[i][dim])
        rows_.append(row)
        rhs.append(-sum((G[i][k] * direction[k] for k in range(dim)), Fraction(0)))
    if bias:
        rows_.append([G[j][dim] for j in active] + [Fraction(0)])
        rhs.append(-direction[dim])
    M = rational.matrix(rows_)
    kept = rational.pivot_columns(M.transpose())  # independent equations
    if len(kept) < size:
        return None
    try:
        solution = M.solve(rational.column(rhs))
    except (ZeroDivisionError, ValueError):
        return None
    values = [exact(v) for v in rational.entries(solution)][: len(active)]
    if any(v < 0 for v in values):
        return None
    nu = [Fraction(0)] * len(G)
    for n, value in zip(active, values):
        nu[n] = value
    return nu


def _dual_bound(direction, G, multipliers, dim: int, bias: bool) -> Fraction | None:
    """The squared dual bound of the module docstring, or None if the bias coordinate cannot
    be corrected (the chamber is unbounded in that direction); exact multipliers on the
    solver's active set when they are valid, else the solver's own, corrected."""
    polished = _polished_multipliers(direction, G, multipliers, dim, bias)
    if polished is not None:
        v = [d + _dot([row[k] for row in G], polished) for k, d in enumerate(direction)]
        if not bias or v[dim] == 0:
            return sum((v[k] * v[k] for k in range(dim)), Fraction(0))
    nu = [max(Fraction(0), exact(v)) for v in multipliers]
    v = [d + _dot([row[k] for row in G], nu) for k, d in enumerate(direction)]
    if bias:
        t = v[dim]
        if t != 0:
            fixers = [n for n, row in enumerate(G) if row[dim] * t < 0]
            if not fixers:
                return None
            n = fixers[0]
            step = abs(t) / abs(G[n][dim])
            nu[n] += step
            v = [d + _dot([row[k] for row in G], nu) for k, d in enumerate(direction)]
    return sum((v[k] * v[k] for k in range(dim)), Fraction(0))


def chamber_bound(solution, mu: list[Fraction]) -> ChamberOutcome:
    """The exact chamber-wise bound on :math:`\\sup_\\theta|\\mu^\\top F_\\theta|` and the best
    rational unit found (module docstring)."""
    import cvxpy as cp

    from clifflasso.proofs.arrangement import activation_patterns

    D = solution.dictionary
    arch = D.arch
    X = D.X
    n, d = X.shape
    rows = [tuple(r) + ((Fraction(1),) if arch.bias else ()) for r in D.data.exact]
    Xt = np.array([[float(v) for v in r] for r in rows])
    # the SOCP is solved on the data scaled by 2^-e ~ 1 / max|x| (exact in binary) with the
    # bias variable b / 2^e and the objective scaled by 2^-s to ~ 1 (tolerances 1e-11), so
    # that the solver's tolerances do not depend on the units of x and y (at x * 1e-9 or
    # y * 1e9 the bound was off by 4-100% of the objective); the multipliers and the unit are
    # mapped back (nu = 2^(s - e) nu', b = 2^e b'), and the bound is exact for any multipliers
    exponent = int(np.frexp(float(np.max(np.abs(X), initial=0.0)))[1])
    Xt[:, :d] = np.ldexp(Xt[:, :d], -exponent)
    patterns = activation_patterns(X, bias=arch.bias)
    w = cp.Variable(Xt.shape[1])
    direction = cp.Parameter(Xt.shape[1])
    signs = cp.Parameter(n)
    cone = cp.multiply(signs, Xt @ w) >= 0
    problem = cp.Problem(cp.Maximize(direction @ w), [cone, cp.norm(w[:d], 2) <= 1])
    best = ChamberOutcome(Fraction(0), None, Fraction(0), Fraction(1), len(patterns))
    for pattern in patterns:
        sigma = [1 if p else -1 for p in pattern]
        weights = [int(p) for p in pattern] if arch.activation == "relu" else sigma
        c = [
            sum((mu[i] * weights[i] * rows[i][k] for i in range(n)), Fraction(0))
            for k in range(Xt.shape[1])
        ]
        G = [[sigma[i] * v for v in rows[i]] for i in range(n)]
        c_float = np.array([float(v) for v in c])
        if arch.bias:
            c_float[d] = np.ldexp(c_float[d], exponent)
        s = int(np.frexp(float(np.max(np.abs(c_float), initial=0.0)))[1])
        c_float = np.ldexp(c_float, -s)
        for orientation in (1, -1):
            direction.value = orientation * c_float
            signs.value = np.array(sigma, dtype=float)
            try:
                problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11)
                solved = problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE)
            except cp.error.SolverError:
                solved = False
            if solved and w.value is not None and cone.dual_value is not None:
                multipliers = np.ldexp(np.asarray(cone.dual_value, float), s - exponent)
                bound = _dual_bound([orientation * v for v in c], G, multipliers, d, arch.bias)
                value = np.array(w.value, dtype=float)
                if arch.bias:
                    value[d] = np.ldexp(value[d], exponent)
                unit = tuple(Fraction(float(v)) for v in value)
            else:
                bound, unit = None, None
            if bound is None:
                # no usable multipliers: the trivial bound ||c_w|| (nu = 0) when it applies
                bias_ok = not arch.bias or c[d] == 0
                bound = sum((v * v for v in c[:d]), Fraction(0)) if bias_ok else None
                if bound is None:
                    best.notes.append("a chamber is unbounded: no finite certificate")
                    best.sup_squared = Fraction(10) ** 600
                    continue
            best.sup_squared = max(best.sup_squared, bound)
            if unit is not None:
                value = abs(_dot(mu, unit_column(arch.activation, rows, unit)))
                squared = sum((v * v for v in unit[:d]), Fraction(0))
                if squared > 0 and (
                    value**2 * best.unit_squared_norm > best.unit_correlation**2 * squared
                ):
                    best.unit, best.unit_correlation = unit, value
                    best.unit_squared_norm = squared
    return best


def violation_decrease(outcome: ChamberOutcome, solution, mu, beta: Fraction, weights) -> Fraction:
    """A proven lower bound on the objective decrease from adding the best unit."""
    if outcome.unit is None or not outcome.proves_violation(beta):
        return Fraction(0)
    D = solution.dictionary
    rows = [tuple(r) + ((Fraction(1),) if D.arch.bias else ()) for r in D.data.exact]
    column = unit_column(D.arch.activation, rows, outcome.unit)
    w = weights or [Fraction(1)] * len(column)
    if D.arch.output_bias:
        mean = sum((wi * v for wi, v in zip(w, column)), Fraction(0)) / sum(w, Fraction(0))
        column = [v - mean for v in column]
    squared = sum((wi * v * v for wi, v in zip(w, column)), Fraction(0))
    norm_upper = rational_upper(math.sqrt(float(outcome.unit_squared_norm)))
    # the normalised column is column / ||w||: correlation c/||w||, squared norm s/||w||^2,
    # so the decrease (c/||w|| - beta)^2 ||w||^2 / (2 s) = (c - beta ||w||)^2 / (2 s)
    return line_search_decrease(outcome.unit_correlation, beta * norm_upper, squared)
