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
with :math:`(\pm c_\sigma + G^\top\nu)_{\text{free}} = 0`,

.. math::

    \max_{C_\sigma,\ \|w\|_2\le 1} \pm c_\sigma\cdot\tilde w \;\le\;
    \|(\pm c_\sigma + G^\top\nu)_{\text{weights}}\|_2 ,

because :math:`\nu^\top G\tilde w \ge 0` on the chamber; the free coordinates are the
unpenalised ones (the bias here, the biases of a deeper chain in
:mod:`clifflasso.proofs.lifted`, which feeds its cells to the same :func:`cell_supremum`). The
solver's multipliers are taken as rationals, clipped at 0 and corrected exactly on the free
coordinates; comparing squares with :math:`\beta^2` needs no square root. A primal maximiser,
taken as a rational unit, is checked exactly the other way:
:math:`(\mu^\top F_{\tilde w})^2 > \beta^2\|w\|_2^2` proves a violator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

import numpy as np

from clifflasso.proofs.duality import exact, line_search_decrease, rational_upper

Row = tuple[Fraction, ...]


@dataclass(frozen=True)
class Cell:
    r"""A polyhedral cone :math:`\{\theta : G\theta \ge 0\}` of unit parameters on which the
    correlation is linear, :math:`\mu^\top F_\theta(X) = c\cdot\theta` (``constraints`` = the
    rows of :math:`G`, ``correlation`` = :math:`c`); ``sign`` is the hidden weight
    :math:`s = \pm1` of its units (ReLU depth 3, :mod:`clifflasso.proofs.lifted`), else 1."""

    constraints: tuple[Row, ...]
    correlation: Row
    sign: int = 1


@dataclass
class ChamberOutcome:
    """The exact bound on the supremum (``unbounded`` when a cell has none), the best unit found
    (its parameters and exact column) and the number of cells solved."""

    sup_squared: Fraction
    unit: tuple[Fraction, ...] | None
    unit_correlation: Fraction
    unit_squared_norm: Fraction
    chambers: int
    unit_values: list[Fraction] | None = None
    unit_sign: int = 1
    unbounded: bool = False
    notes: list[str] = field(default_factory=list)

    def proves_violation(self, beta: Fraction) -> bool:
        return self.unit_correlation**2 > beta**2 * self.unit_squared_norm


def _dot(a, b) -> Fraction:
    return sum((p * q for p, q in zip(a, b)), Fraction(0))


def data_exponent(X: np.ndarray) -> int:
    """``e`` with :math:`2^{e-1} \\le \\max|x| < 2^e`: the power of two the SOCPs divide the data
    by (exact in binary)."""
    return int(np.frexp(float(np.max(np.abs(X), initial=0.0)))[1])


def unit_column(activation: str, rows, unit) -> list[Fraction]:
    """Exact values :math:`\\sigma(\\tilde x_n\\cdot\\tilde w)` of a rational unit
    (unnormalised)."""
    pre = [_dot(row, unit) for row in rows]
    if activation == "relu":
        return [max(v, Fraction(0)) for v in pre]
    return [abs(v) for v in pre]


def _polished_multipliers(direction, G, multipliers, dim: int, free: int):
    r"""Exact multipliers on the solver's active set: the :math:`\nu_A` minimising
    :math:`\|(c + G_A^\top\nu_A)_{\text{weights}}\|^2` subject to zero free coordinates
    (a least-squares problem with at most ``free`` independent equalities, solved over the
    rationals), or None when they are not all nonnegative. With the right active set this is
    the cell's exact maximum; the caller checks the free coordinates that were dependent."""
    from clifflasso.lasso import rational

    largest = max((abs(float(v)) for v in multipliers), default=0.0)
    order = sorted(
        (n for n, v in enumerate(multipliers) if float(v) > 1e-7 * largest),
        key=lambda n: -float(multipliers[n]),
    )
    if not order:
        return None
    # degenerate cells (several samples on the optimal hyperplane): keep a maximal
    # independent set of constraints, largest multipliers first
    independent = rational.pivot_columns(rational.matrix([list(G[n]) for n in order]).transpose())
    active = [order[k] for k in independent]
    # unknowns nu_A and one Lagrange multiplier gamma_f per independent free coordinate (the
    # active rows' free parts may span fewer than ``free`` dimensions)
    equalities = [[G[j][dim + f] for j in active] for f in range(free)]
    coordinates = rational.pivot_columns(rational.matrix(equalities).transpose()) if free else []
    size = len(active) + len(coordinates)
    rows_ = []
    rhs = []
    for i in active:
        row = [sum((G[i][k] * G[j][k] for k in range(dim)), Fraction(0)) for j in active]
        row.extend(G[i][dim + f] for f in coordinates)
        rows_.append(row)
        rhs.append(-sum((G[i][k] * direction[k] for k in range(dim)), Fraction(0)))
    for f in coordinates:
        rows_.append(equalities[f] + [Fraction(0)] * len(coordinates))
        rhs.append(-direction[dim + f])
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


def _free_correction(G, nu: list[Fraction], residual: list[Fraction], dim: int, order: list[int]):
    r"""Increments :math:`\delta` on at most ``free`` rows (tried in ``order``) with
    :math:`(G^\top\delta)_{\text{free}} = -t`, ``t = residual``, exactly, and
    :math:`\nu + \delta \ge 0` (a row with a positive multiplier may give some back), or None."""
    from clifflasso.lasso import rational

    free = len(residual)
    rows = [n for n in order if any(G[n][dim + f] for f in range(free))]
    for size in range(1, free + 1):
        for subset in combinations(rows, size):
            # least squares on the subset's free parts, kept only if it solves exactly
            A = [[G[n][dim + f] for n in subset] for f in range(free)]
            normal = rational.matrix(
                [
                    [_dot([r[i] for r in A], [r[j] for r in A]) for j in range(size)]
                    for i in range(size)
                ]
            )
            right = rational.column([-_dot([r[i] for r in A], residual) for i in range(size)])
            try:
                delta = [exact(v) for v in rational.entries(normal.solve(right))]
            except (ZeroDivisionError, ValueError):
                continue
            if any(nu[n] + v < 0 for n, v in zip(subset, delta)):
                continue
            if all(_dot(A[f], delta) == -residual[f] for f in range(free)):
                return dict(zip(subset, delta))
    return None


def _dual_bound(direction, G, multipliers, dim: int, free: int) -> Fraction | None:
    r"""The squared dual bound of the module docstring, or None if the free coordinates cannot
    be corrected (the cell is unbounded in that direction); exact multipliers on the
    solver's active set when they are valid, else the least bound from the solver's own,
    clipped at 0, with or without those at rounding level (below 1e-7 of the largest, or of
    the scale :math:`\|c\|_\infty / \max|G|` when all are small) set to 0, corrected."""

    def weights_of(nu):
        return [d + _dot([row[k] for row in G], nu) for k, d in enumerate(direction)]

    polished = _polished_multipliers(direction, G, multipliers, dim, free)
    if polished is not None:
        v = weights_of(polished)
        if not any(v[dim:]):
            return sum((v[k] * v[k] for k in range(dim)), Fraction(0))
    values = np.maximum(np.asarray(multipliers, dtype=float), 0.0)
    largest = float(np.max(values, initial=0.0))
    entries = max((abs(float(v)) for row in G for v in row), default=0.0)
    scale = max(largest, max(abs(float(v)) for v in direction) / entries if entries else 0.0)
    order = sorted(range(len(G)), key=lambda n: -float(values[n]))
    bounds = []
    for floor in (0.0, 1e-7 * largest, 1e-7 * scale):
        nu = [exact(v) if v > floor else Fraction(0) for v in values]
        v = weights_of(nu)
        if any(v[dim:]):
            increments = _free_correction(G, nu, v[dim:], dim, order)
            if increments is None:
                continue
            for n, step in increments.items():
                nu[n] += step
            v = weights_of(nu)
        bounds.append(sum((v[k] * v[k] for k in range(dim)), Fraction(0)))
    return min(bounds, default=None)


def cell_supremum(
    cells: Sequence[Cell],
    mu: Sequence[Fraction],
    dim: int,
    free: int,
    exponent: int,
    column: Callable[[tuple[Fraction, ...], int], list[Fraction]],
) -> ChamberOutcome:
    r"""The exact bound :math:`\max_{\text{cells}}(\max_{\text{cell}}|c\cdot\theta|)^2` over
    :math:`\|w\|_2 \le 1` (module docstring) and the best rational unit found.

    :math:`\theta = (w, \text{free})` has ``dim`` weights and ``free`` unpenalised coordinates
    in data units; ``exponent`` is :func:`data_exponent` of the data, and ``column(unit, sign)``
    gives the exact feature values of a rational (unnormalised) unit of a cell with that
    ``sign``."""
    import clarabel
    from scipy import sparse

    size = dim + free
    best = ChamberOutcome(Fraction(0), None, Fraction(0), Fraction(1), len(cells))
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = 1e-11
    # the SOCP is solved on the data scaled by 2^-e ~ 1 / max|x| (exact in binary) with the
    # free variables t / 2^e and the objective scaled by 2^-s to ~ 1 (tolerances 1e-11), so
    # that the solver's tolerances do not depend on the units of x and y (at x * 1e-9 or
    # y * 1e9 the bound was off by 4-100% of the objective); the multipliers and the unit are
    # mapped back (nu = 2^(s - e) nu', t = 2^e t'), and the bound is exact for any multipliers.
    # Clarabel's form: min q.theta s.t. b - A theta in K, K = R_+^M x SOC(1 + dim) with
    # A = [-G; 0; -I_w], b = (0, 1, 0): its duals z on R_+^M are the multipliers nu of
    # G theta >= 0 (c + G^T nu vanishes on the free coordinates)
    ball = sparse.hstack([-sparse.eye(dim), sparse.csc_matrix((dim, free))])
    ball = sparse.vstack([sparse.csc_matrix((1, size)), ball])
    zero = sparse.csc_matrix((size, size))
    for cell in cells:
        c = list(cell.correlation)
        G = list(cell.constraints)
        rows = np.array([[float(v) for v in row] for row in G]).reshape(len(G), size)
        rows[:, :dim] = np.ldexp(rows[:, :dim], -exponent)
        A = sparse.vstack([sparse.csc_matrix(-rows), ball]).tocsc()
        b = np.concatenate([np.zeros(len(G)), [1.0], np.zeros(dim)])
        cones = [clarabel.NonnegativeConeT(len(G)), clarabel.SecondOrderConeT(dim + 1)]
        c_float = np.array([float(v) for v in c])
        c_float[dim:] = np.ldexp(c_float[dim:], exponent)
        s = int(np.frexp(float(np.max(np.abs(c_float), initial=0.0)))[1])
        c_float = np.ldexp(c_float, -s)
        for orientation in (1, -1):
            result = clarabel.DefaultSolver(
                zero, -orientation * c_float, A, b, cones, settings
            ).solve()
            if str(result.status) in ("Solved", "AlmostSolved"):
                multipliers = np.ldexp(np.asarray(result.z, float)[: len(G)], s - exponent)
                bound = _dual_bound([orientation * v for v in c], G, multipliers, dim, free)
                value = np.array(result.x, dtype=float)
                value[dim:] = np.ldexp(value[dim:], exponent)
                unit = tuple(Fraction(float(v)) for v in value)
            else:
                bound, unit = None, None
            if bound is None:
                # no usable multipliers: the trivial bound ||c_w|| (nu = 0) when it applies
                bound = sum((v * v for v in c[:dim]), Fraction(0)) if not any(c[dim:]) else None
                if bound is None:
                    if not best.unbounded:
                        best.notes.append("a cell is unbounded: no finite certificate")
                    best.unbounded = True
                    continue
            best.sup_squared = max(best.sup_squared, bound)
            if unit is not None:
                values = column(unit, cell.sign)
                correlation = abs(_dot(mu, values))
                squared = sum((v * v for v in unit[:dim]), Fraction(0))
                if squared > 0 and (
                    correlation**2 * best.unit_squared_norm > best.unit_correlation**2 * squared
                ):
                    best.unit, best.unit_correlation = unit, correlation
                    best.unit_squared_norm, best.unit_values = squared, values
                    best.unit_sign = cell.sign
    return best


def chamber_bound(solution, mu: list[Fraction]) -> ChamberOutcome:
    """The exact chamber-wise bound on :math:`\\sup_\\theta|\\mu^\\top F_\\theta|` and the best
    rational unit found (module docstring)."""
    from clifflasso.proofs.arrangement import activation_patterns

    D = solution.dictionary
    arch = D.arch
    X = D.X
    n, d = X.shape
    rows = [tuple(r) + ((Fraction(1),) if arch.bias else ()) for r in D.data.exact]
    cells = []
    for pattern in activation_patterns(X, bias=arch.bias):
        sigma = [1 if p else -1 for p in pattern]
        weights = [int(p) for p in pattern] if arch.activation == "relu" else sigma
        c = tuple(
            sum((mu[i] * weights[i] * rows[i][k] for i in range(n)), Fraction(0))
            for k in range(len(rows[0]))
        )
        G = tuple(tuple(sigma[i] * v for v in rows[i]) for i in range(n))
        cells.append(Cell(G, c))
    return cell_supremum(
        cells,
        mu,
        d,
        int(arch.bias),
        data_exponent(X),
        lambda unit, _: unit_column(arch.activation, rows, unit),
    )


def violation_decrease(
    outcome: ChamberOutcome, mu, beta: Fraction, weights, output_bias: bool
) -> Fraction:
    """A proven lower bound on the objective decrease from adding the best unit (with the
    intercept re-fitted when there is an output bias): ``mu`` is the weighted residual of the
    candidate (centred with an output bias), whose correlation with the unit's column decides
    the step."""
    if outcome.unit_values is None:
        return Fraction(0)
    column = outcome.unit_values
    correlation = abs(_dot(mu, column))
    if correlation**2 <= beta**2 * outcome.unit_squared_norm:
        return Fraction(0)
    w = weights or [Fraction(1)] * len(column)
    if output_bias:
        mean = sum((wi * v for wi, v in zip(w, column)), Fraction(0)) / sum(w, Fraction(0))
        column = [v - mean for v in column]
    squared = sum((wi * v * v for wi, v in zip(w, column)), Fraction(0))
    norm_upper = rational_upper(math.sqrt(float(outcome.unit_squared_norm)))
    # the normalised column is column / ||w||: correlation c/||w||, squared norm s/||w||^2,
    # so the decrease (c/||w|| - beta)^2 ||w||^2 / (2 s) = (c - beta ||w||)^2 / (2 s)
    return line_search_decrease(correlation, beta * norm_upper, squared)
