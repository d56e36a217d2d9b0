r"""The exact Lasso homotopy: LARS-Lasso in rational arithmetic (tie-proof, no float).

For rational data the centred Lasso with the unpenalised intercept,

.. math::

    \min_{z,\xi}\ \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1
    \;=\; \min_z\ \tfrac12\|A_c z - y_c\|_2^2 + \beta\|z\|_1,\qquad
    \xi = \bar y - \bar a^\top z,

has a solution path :math:`z^*(\beta)` that is piecewise linear with rational breakpoints
(Osborne, Presnell & Turlach 2000; Efron, Hastie, Johnstone & Tibshirani 2004, "Least angle
regression"; Tibshirani 2013, "The lasso problem and uniqueness", EJS 7). Everything here is
computed with :class:`fractions.Fraction`.

**Homotopy.** Start at :math:`\beta_{\max} = \|A_c^\top y_c\|_\infty` with :math:`z = 0`. At a
breakpoint :math:`\beta_k` with residual :math:`\lambda = y_c - A_c z` let
:math:`B = \{j : |A_j^\top\lambda| = \beta_k\}` (the boundary set, containing the support
:math:`S`) and :math:`s_j = \operatorname{sign}(A_j^\top\lambda)`. The derivative
:math:`u = -\,dz/d\beta` of the path just below :math:`\beta_k` is a solution of the convex QP

.. math::

    \min_{u}\ \tfrac12\|A_B u\|^2 - s^\top u
    \quad\text{s.t.}\quad s_j u_j \ge 0\ (j \in B\setminus S),\ u_{B^c} = 0,

whose KKT conditions are exactly the first-order optimality conditions of the Lasso at
:math:`\beta_k - t` for small :math:`t > 0` (derived; the directional form of the parametric QP
in Osborne et al. 2000, §3). Along :math:`z + t u` the correlations move linearly; the segment
ends at the first *event*: an inactive correlation reaches :math:`\pm(\beta_k - t)`, a support
coefficient reaches zero, or :math:`\beta = 0`. Every event time is a positive rational.

**Ties and non-unique solutions (the rule).** The fitted values are unique, the coefficients
are not when columns are dependent. We (1) drop columns that are exactly zero after centring
and exact duplicates of an earlier column, keeping the lowest index; (2) solve the direction QP
with a Lawson-Hanson active-set method (Lawson & Hanson 1974, ch. 23) that starts from the
current support and adds the boundary column with the largest positive gradient entry, lowest
index first among equals. A column in the span of the active columns always has gradient
exactly 0 (since :math:`1^\top d = 0` for every :math:`d` with :math:`A_B\,\mathrm{diag}(s)d = 0`
when :math:`\beta > 0`), so the active columns stay linearly independent: every point of the
path is a *vertex* solution with at most :math:`\operatorname{rank} A_c \le N - 1` nonzeros.
At :math:`\beta = 0` the path ends at the limit of Lasso solutions, a minimum-:math:`\ell_1`
least-squares fit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

Vector = tuple[Fraction, ...]

#: Safety cap on the number of homotopy segments (each one strictly decreases beta).
MAX_SEGMENTS = 100_000


def dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((p * q for p, q in zip(a, b)), Fraction(0))


def sign(value: Fraction) -> int:
    return (value > 0) - (value < 0)


def solve_linear(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction]:
    """Exact solution of a nonsingular square system (Gauss-Jordan over the rationals)."""
    size = len(rhs)
    rows = [list(row) + [b] for row, b in zip(matrix, rhs)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            raise RuntimeError("singular system in the exact homotopy (please report this)")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col][col]
        rows[col] = [v / head for v in rows[col]]
        for r in range(size):
            factor = rows[r][col]
            if r != col and factor:
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return [row[size] for row in rows]


@dataclass
class ExactProblem:
    """The centred, deduplicated Lasso the homotopy runs on."""

    columns: list[Vector]  # centred kept columns
    kept: list[int]  # their original indices
    target: Vector  # centred labels
    _gram: dict[tuple[int, int], Fraction] = field(default_factory=dict)

    def gram(self, i: int, j: int) -> Fraction:
        key = (i, j) if i <= j else (j, i)
        if key not in self._gram:
            self._gram[key] = dot(self.columns[i], self.columns[j])
        return self._gram[key]


def centre(vector: Vector, intercept: bool) -> Vector:
    if not intercept:
        return vector
    mean = sum(vector, Fraction(0)) / len(vector)
    return tuple(v - mean for v in vector)


def exact_problem(columns: list[Vector], labels: Vector, intercept: bool) -> ExactProblem:
    """Centre, then drop zero columns and exact duplicates (the lowest index is kept)."""
    seen: set[Vector] = set()
    kept, centred = [], []
    for j, column in enumerate(columns):
        key = centre(column, intercept)
        if key in seen or not any(key):
            continue
        seen.add(key)
        kept.append(j)
        centred.append(key)
    return ExactProblem(centred, kept, centre(labels, intercept))


@dataclass(frozen=True)
class Segment:
    r"""On :math:`\beta \in [\beta_{end}, \beta_{start}]`:
    :math:`z(\beta) = z_{start} + (\beta_{start} - \beta)\,u` (indices into the kept columns)."""

    beta_start: Fraction
    beta_end: Fraction
    z_start: dict[int, Fraction]
    direction: dict[int, Fraction]

    def z_at(self, beta: Fraction) -> dict[int, Fraction]:
        step = self.beta_start - beta
        z = dict(self.z_start)
        for k, u in self.direction.items():
            z[k] = z.get(k, Fraction(0)) + step * u
        return {k: v for k, v in z.items() if v != 0}


def _direction(
    problem: ExactProblem, boundary: list[int], signs: dict[int, int], support: list[int]
) -> dict[int, Fraction]:
    r"""Solve the direction QP (module docstring) by Lawson-Hanson in :math:`v_j = s_j u_j`.

    Support variables are free; the other boundary variables are constrained to
    :math:`v_j \ge 0`. Returns :math:`u` on its nonzero entries.
    """
    free = set(support)

    def signed_gram(i: int, j: int) -> Fraction:
        return signs[i] * signs[j] * problem.gram(i, j)

    def least_squares(active: list[int]) -> dict[int, Fraction]:
        gram = [[signed_gram(i, j) for j in active] for i in active]
        return dict(zip(active, solve_linear(gram, [Fraction(1)] * len(active))))

    active = list(support)
    v = least_squares(active) if active else {}
    while True:
        # gradient entries w_j = 1 - (M^T M v)_j of the constrained boundary variables
        best, best_gain = None, Fraction(0)
        for j in boundary:
            if j in v:
                continue
            gain = 1 - sum((signed_gram(j, i) * vi for i, vi in v.items()), Fraction(0))
            if gain > best_gain:
                best, best_gain = j, gain
        if best is None:
            break
        active.append(best)
        v[best] = Fraction(0)
        while True:
            q = least_squares(active)
            blocked = [j for j in active if j not in free and q[j] <= 0]
            if not blocked:
                v = q
                break
            if any(v[j] == 0 for j in blocked):
                raise RuntimeError("degenerate Lawson-Hanson step in the exact homotopy")
            alpha = min(v[j] / (v[j] - q[j]) for j in blocked)
            v = {j: v[j] + alpha * (q[j] - v[j]) for j in active}
            active = [j for j in active if j in free or v[j] > 0]
            v = {j: v[j] for j in active}
    return {j: signs[j] * vj for j, vj in v.items() if vj != 0}


def homotopy_segments(problem: ExactProblem, stop: Fraction = Fraction(0)) -> Iterator[Segment]:
    """Segments of the exact path from beta_max down to ``stop`` (module docstring)."""
    columns, n_kept = problem.columns, len(problem.columns)
    residual = list(problem.target)
    correlations = [dot(column, residual) for column in columns]
    beta = max((abs(c) for c in correlations), default=Fraction(0))
    z: dict[int, Fraction] = {}
    for _ in range(MAX_SEGMENTS):
        if beta <= stop or beta == 0:
            return
        boundary = [k for k in range(n_kept) if abs(correlations[k]) == beta]
        signs = {k: sign(correlations[k]) for k in boundary}
        u = _direction(problem, boundary, signs, sorted(z))
        fit_change = [
            sum((u[k] * columns[k][n] for k in u), Fraction(0)) for n in range(len(residual))
        ]
        g = [dot(column, fit_change) for column in columns]
        step = beta
        for k in range(n_kept):
            if k in u:
                if k in z and sign(u[k]) != sign(z[k]):
                    step = min(step, -z[k] / u[k])
                continue
            if k in z:
                continue
            for numerator, denominator in (
                (beta - correlations[k], 1 - g[k]),
                (beta + correlations[k], 1 + g[k]),
            ):
                if numerator > 0 and denominator > 0:
                    step = min(step, numerator / denominator)
        segment = Segment(beta, beta - step, dict(z), u)
        yield segment
        z = segment.z_at(beta - step)
        residual = [r - step * d for r, d in zip(residual, fit_change)]
        correlations = [c - step * gk for c, gk in zip(correlations, g)]
        beta -= step
    raise RuntimeError(f"the exact homotopy did not finish within {MAX_SEGMENTS} segments")
