r"""The exact Lasso solution path: a homotopy (LARS-Lasso) in rational arithmetic (MATH.md §7).

For rational data the Lasso of MATH.md §2 with the unpenalised intercept,

.. math::

    \min_{z,\xi}\ \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1
    \;=\; \min_z\ \tfrac12\|A_c z - y_c\|_2^2 + \beta\|z\|_1,\qquad
    \xi = \bar y - \bar a^\top z

(:math:`A_c`, :math:`y_c` centred, :math:`\bar a` the column means), has a solution path
:math:`z^*(\beta)` that is piecewise linear with rational breakpoints
(Osborne, Presnell & Turlach 2000; Efron, Hastie, Johnstone & Tibshirani 2004, "Least angle
regression"; Tibshirani 2013, "The lasso problem and uniqueness", EJS 7). Everything here is
computed with :class:`fractions.Fraction`; no float enters.

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

Exact mode needs rational feature values: families whose closed forms use Euclidean norms of
d-dimensional normals (``norm=2`` hyperplane families) are refused.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np
import sympy as sp

from clifflasso._data import _to_fraction, as_labels
from clifflasso.exact.network import ExactNetwork, exact_network, solution_formula
from clifflasso.numeric.lasso import LassoSolution, beta_max, solve
from clifflasso.symbolic.ops import EXACT

Vector = tuple[Fraction, ...]

#: Safety cap on the number of homotopy segments (each one strictly decreases beta).
MAX_SEGMENTS = 100_000


# ----------------------------------------------------------------------------- exact inputs
def as_exact_beta(beta: object) -> Fraction:
    """Validate beta as an exact nonnegative rational (floats are taken at their binary value,
    strings such as ``"1/10"`` are parsed exactly)."""
    if isinstance(beta, str):
        try:
            value = Fraction(beta.strip())
        except ValueError as exc:
            raise ValueError(f"beta must be a rational number, got {beta!r}") from exc
    else:
        try:
            value, _ = _to_fraction(beta)
        except ValueError as exc:
            raise ValueError(f"beta must be a finite rational number, got {beta!r}") from exc
    if value < 0:
        raise ValueError(f"beta must be >= 0, got {beta!r}")
    return value


def as_exact_labels(y: object, n_samples: int) -> Vector:
    """Labels as exact rationals (floats at their binary value), length ``n_samples``."""
    if isinstance(y, sp.MatrixBase):
        y = list(y)
    values = np.asarray(y, dtype=object)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(f"y must be a vector of shape (N,), got shape {values.shape}")
    if values.shape[0] != n_samples:
        raise ValueError(f"y has {values.shape[0]} entries but X has {n_samples} samples")
    labels = []
    for value in values:
        try:
            labels.append(_to_fraction(value)[0])
        except ValueError as exc:
            raise ValueError(f"y must hold finite rational numbers, got {value!r}") from exc
    return tuple(labels)


def exact_columns(D) -> list[Vector]:
    """The dictionary's columns at the data, exactly, from the closed forms (uncentred).

    Raises ``ValueError`` for families whose entries are irrational in general (Euclidean
    norms of d-dimensional hyperplane normals).
    """
    family = D.family
    if family.exact_ops is not EXACT:
        raise ValueError(
            f"exact mode needs rational feature values, but the {family.name!r} family with "
            f"norm={D.arch.norm} normalises by Euclidean norms (irrational in general); use "
            "norm=1 or the numeric solver"
        )
    if family.vector_input:
        points = [tuple(row) for row in D.data.exact]
    else:
        points = [row[0] for row in D.data.exact]
    return [
        tuple(Fraction(family.closed_form(D.table, j, x, EXACT)) for x in points)
        for j in range(len(D))
    ]


def _dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((p * q for p, q in zip(a, b)), Fraction(0))


def _sign(value: Fraction) -> int:
    return (value > 0) - (value < 0)


def _solve_linear(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction]:
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


# ----------------------------------------------------------------------------- the problem
@dataclass
class _Problem:
    """The centred, deduplicated Lasso the homotopy runs on."""

    columns: list[Vector]  # centred kept columns
    kept: list[int]  # their original indices
    target: Vector  # centred labels
    _gram: dict[tuple[int, int], Fraction] = field(default_factory=dict)

    def gram(self, i: int, j: int) -> Fraction:
        key = (i, j) if i <= j else (j, i)
        if key not in self._gram:
            self._gram[key] = _dot(self.columns[i], self.columns[j])
        return self._gram[key]


def _centre(vector: Vector, intercept: bool) -> Vector:
    if not intercept:
        return vector
    mean = sum(vector, Fraction(0)) / len(vector)
    return tuple(v - mean for v in vector)


def _problem(columns: list[Vector], labels: Vector, intercept: bool) -> _Problem:
    """Centre, then drop zero columns and exact duplicates (the lowest index is kept)."""
    seen: set[Vector] = set()
    kept, centred = [], []
    for j, column in enumerate(columns):
        key = _centre(column, intercept)
        if key in seen or not any(key):
            continue
        seen.add(key)
        kept.append(j)
        centred.append(key)
    return _Problem(centred, kept, _centre(labels, intercept))


@dataclass(frozen=True)
class _Segment:
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
    problem: _Problem, boundary: list[int], signs: dict[int, int], support: list[int]
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
        return dict(zip(active, _solve_linear(gram, [Fraction(1)] * len(active))))

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


def _homotopy(problem: _Problem, stop: Fraction = Fraction(0)) -> Iterator[_Segment]:
    """Segments of the exact path from beta_max down to ``stop`` (module docstring)."""
    columns, n_kept = problem.columns, len(problem.columns)
    residual = list(problem.target)
    correlations = [_dot(column, residual) for column in columns]
    beta = max((abs(c) for c in correlations), default=Fraction(0))
    z: dict[int, Fraction] = {}
    for _ in range(MAX_SEGMENTS):
        if beta <= stop or beta == 0:
            return
        boundary = [k for k in range(n_kept) if abs(correlations[k]) == beta]
        signs = {k: _sign(correlations[k]) for k in boundary}
        u = _direction(problem, boundary, signs, sorted(z))
        fit_change = [
            sum((u[k] * columns[k][n] for k in u), Fraction(0)) for n in range(len(residual))
        ]
        g = [_dot(column, fit_change) for column in columns]
        step = beta
        for k in range(n_kept):
            if k in u:
                if k in z and _sign(u[k]) != _sign(z[k]):
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
        segment = _Segment(beta, beta - step, dict(z), u)
        yield segment
        z = segment.z_at(beta - step)
        residual = [r - step * d for r, d in zip(residual, fit_change)]
        correlations = [c - step * gk for c, gk in zip(correlations, g)]
        beta -= step
    raise RuntimeError(f"the exact homotopy did not finish within {MAX_SEGMENTS} segments")


# ----------------------------------------------------------------------------- solutions
@dataclass
class ExactLassoSolution:
    r"""An exact solution of the Lasso (MATH.md §2): every number a :class:`~fractions.Fraction`.

    Same attribute names as :class:`~clifflasso.numeric.lasso.LassoSolution`: ``z`` (object
    array of Fractions, one per dictionary column), ``intercept`` :math:`\xi`, ``objective``
    :math:`\tfrac12\|Az + \xi 1 - y\|^2 + \beta\|z\|_1`, ``l1_norm``, ``fitted``, ``support``,
    ``network`` (the float network rebuilt by the family, MATH.md §5), and in addition
    ``formula`` (the sympy :math:`f^*(x)`), ``exact_network`` (per-layer weights as exact sympy
    numbers) and :meth:`kkt_violations`.
    """

    z: np.ndarray
    intercept: Fraction
    dictionary: object
    y: np.ndarray
    beta: Fraction
    beta_max: Fraction
    method: str
    columns: list[Vector] = field(repr=False)
    objective: Fraction = field(init=False)

    def __post_init__(self) -> None:
        residual = [f - t for f, t in zip(self.fitted, self.y)]
        self.objective = _dot(residual, residual) / 2 + self.beta * self.l1_norm

    @property
    def l1_norm(self) -> Fraction:
        return sum((abs(v) for v in self.z), Fraction(0))

    @property
    def support(self) -> np.ndarray:
        """Indices of the nonzero coefficients."""
        return np.array([j for j, v in enumerate(self.z) if v != 0], dtype=np.int64)

    @cached_property
    def fitted(self) -> np.ndarray:
        r""":math:`Az + \xi\mathbf 1`, exactly."""
        n = len(self.y)
        values = [self.intercept] * n
        for j in self.support:
            values = [v + self.z[j] * a for v, a in zip(values, self.columns[j])]
        return np.array(values, dtype=object)

    @property
    def residual(self) -> np.ndarray:
        r""":math:`\lambda = y - Az - \xi\mathbf 1` (the dual variable of MATH.md §6)."""
        return np.array([t - f for t, f in zip(self.y, self.fitted)], dtype=object)

    def kkt_violations(self) -> list[str]:
        r"""Exact optimality check: with :math:`\lambda = y - Az - \xi 1`,
        :math:`1^\top\lambda = 0` (intercept), :math:`|A_j^\top\lambda| \le \beta` for every
        column and :math:`A_j^\top\lambda = \beta\,\mathrm{sign}(z_j)` on the support.
        Returns the violated conditions (empty when the solution is optimal)."""
        residual = self.residual
        problems = []
        if self.dictionary.arch.output_bias and sum(residual, Fraction(0)) != 0:
            problems.append(f"1^T lambda = {sum(residual, Fraction(0))} != 0")
        for j, column in enumerate(self.columns):
            correlation = _dot(column, residual)
            if abs(correlation) > self.beta:
                problems.append(f"|A_{j}^T lambda| = {abs(correlation)} > beta = {self.beta}")
            if self.z[j] != 0 and correlation != self.beta * _sign(self.z[j]):
                problems.append(f"A_{j}^T lambda = {correlation} != beta sign(z_{j})")
        return problems

    @cached_property
    def network(self):
        """The float network rebuilt by the family (one unit per nonzero coefficient)."""
        return self.to_numeric().network

    @cached_property
    def exact_network(self) -> ExactNetwork:
        r"""The rebuilt network with exact per-layer weights (:math:`\gamma = |z_j|^{1/L}`)."""
        return exact_network(self.dictionary, self.z, self.intercept)

    @cached_property
    def formula(self) -> sp.Expr:
        r"""The optimal function :math:`f^*(x) = \xi + \sum_j z_j F_j(x)` as a sympy expression
        (``Abs`` / ``Max`` / ``Min`` / ``Piecewise`` in ``x``, or ``x_1..x_d``)."""
        return solution_formula(self.dictionary, self.z, self.intercept)

    def predict(self, X: object) -> np.ndarray:
        """The fitted function at new points in float64 (through the dictionary's kernel)."""
        z = np.array([float(v) for v in self.z])
        return self.dictionary.evaluate(X) @ z + float(self.intercept)

    def predict_exact(self, X: Sequence) -> np.ndarray:
        """The fitted function at rational points, exactly (object array of Fractions)."""
        family = self.dictionary.family
        table = self.dictionary.table
        values = []
        for point in X:
            x = tuple(Fraction(v) for v in point) if family.vector_input else Fraction(point)
            total = self.intercept
            for j in self.support:
                total += self.z[j] * Fraction(family.closed_form(table, j, x, EXACT))
            values.append(total)
        return np.array(values, dtype=object)

    def to_numeric(self) -> LassoSolution:
        """The same solution as a float :class:`~clifflasso.LassoSolution` (for ``certify``,
        plots and the float network)."""
        return LassoSolution(
            z=np.array([float(v) for v in self.z]),
            intercept=float(self.intercept),
            dictionary=self.dictionary,
            y=np.array([float(v) for v in self.y]),
            beta=float(self.beta),
            beta_max=float(self.beta_max),
            method=self.method,
        )

    def __repr__(self) -> str:
        return (
            f"ExactLassoSolution(objective={self.objective}, beta={self.beta}, "
            f"nonzeros={self.support.size}, l1_norm={self.l1_norm})"
        )


class _ExactData:
    """Exact columns, labels and the centred problem of one (dictionary, y)."""

    def __init__(self, D, y: object) -> None:
        self.dictionary = D
        self.columns = exact_columns(D)
        self.labels = as_exact_labels(y, D.data.n_samples)
        self.intercept = D.arch.output_bias
        self.problem = _problem(self.columns, self.labels, self.intercept)

    @cached_property
    def beta_max(self) -> Fraction:
        return max(
            (abs(_dot(c, self.problem.target)) for c in self.problem.columns), default=Fraction(0)
        )

    def solution(self, z_kept: dict[int, Fraction], beta: Fraction) -> ExactLassoSolution:
        z = np.array([Fraction(0)] * len(self.columns), dtype=object)
        for k, value in z_kept.items():
            z[self.problem.kept[k]] = value
        intercept = Fraction(0)
        if self.intercept:
            n = len(self.labels)
            intercept = sum(self.labels, Fraction(0)) / n
            for j, value in enumerate(z):
                if value:
                    intercept -= value * sum(self.columns[j], Fraction(0)) / n
        return ExactLassoSolution(
            z=z,
            intercept=intercept,
            dictionary=self.dictionary,
            y=np.array(self.labels, dtype=object),
            beta=beta,
            beta_max=self.beta_max,
            method="exact homotopy",
            columns=self.columns,
        )


def exact_solve(D, y: object, beta: object) -> ExactLassoSolution:
    r"""The exact Lasso solution at ``beta`` (rational data and beta; floats are taken at their
    binary values): the homotopy is run from :math:`\beta_{\max}` down to ``beta`` only."""
    beta = as_exact_beta(beta)
    data = _ExactData(D, y)
    z: dict[int, Fraction] = {}
    for segment in _homotopy(data.problem, stop=beta):
        z = segment.z_at(max(beta, segment.beta_end))
    return data.solution(z, beta)


# ----------------------------------------------------------------------------- paths
class Path(ABC):
    r"""A Lasso solution path :math:`\beta \mapsto z^*(\beta)` over one dictionary and labels.

    ``breakpoints`` are decreasing :math:`\beta` values: for an exact path the kinks of the
    piecewise-linear path (the first is :math:`\beta_{\max}`, the last 0), for a numeric path
    the grid it was solved on. :meth:`solution` and :meth:`objective` work at every
    :math:`\beta \ge 0`.
    """

    exact: bool
    breakpoints: tuple

    @abstractmethod
    def solution(self, beta: object):
        """The solution at ``beta``."""

    def objective(self, beta: object):
        """The optimal Lasso objective at ``beta``."""
        return self.solution(beta).objective

    @property
    def beta_max(self):
        return self.breakpoints[0]

    def __len__(self) -> int:
        return len(self.breakpoints)

    def solutions(self) -> list:
        """The solutions at the breakpoints."""
        return [self.solution(beta) for beta in self.breakpoints]


class ExactPath(Path):
    r"""The exact piecewise-linear path (module docstring): on
    :math:`[\beta_{k+1}, \beta_k]`, :math:`z^*(\beta) = z^*(\beta_k) + (\beta_k - \beta)u_k`."""

    exact = True

    def __init__(self, D, y: object) -> None:
        self._data = _ExactData(D, y)
        self._segments = list(_homotopy(self._data.problem))
        if self._segments:
            self.breakpoints = tuple(s.beta_start for s in self._segments) + (Fraction(0),)
        else:
            self.breakpoints = (Fraction(0),)

    @property
    def dictionary(self):
        return self._data.dictionary

    @property
    def kept_columns(self) -> list[int]:
        """Columns the homotopy ran on: nonzero after centring, first of exact duplicates."""
        return list(self._data.problem.kept)

    def _segment(self, beta: Fraction) -> _Segment | None:
        for segment in self._segments:
            if segment.beta_end <= beta <= segment.beta_start:
                return segment
        return None

    def solution(self, beta: object) -> ExactLassoSolution:
        beta = as_exact_beta(beta)
        segment = self._segment(beta)
        return self._data.solution(segment.z_at(beta) if segment else {}, beta)

    def kkt_violations(self) -> dict[Fraction, list[str]]:
        """Exact KKT check at every breakpoint: ``{beta: violations}`` for the failing ones."""
        report = {}
        for beta in self.breakpoints:
            problems = self.solution(beta).kkt_violations()
            if problems:
                report[beta] = problems
        return report

    def objective_formula(self, beta: sp.Symbol | None = None) -> sp.Piecewise:
        r"""The optimal objective as a piecewise quadratic in :math:`\beta` (MATH.md §7):
        on each segment :math:`\tfrac12\|\lambda(\beta)\|^2 + \beta\|z^*(\beta)\|_1`, and
        :math:`\tfrac12\|y_c\|^2` above :math:`\beta_{\max}`."""
        beta = sp.Symbol("beta", nonnegative=True) if beta is None else beta
        problem = self._data.problem

        def rational(value: Fraction) -> sp.Rational:
            return sp.Rational(value.numerator, value.denominator)

        pieces = [(rational(_dot(problem.target, problem.target) / 2), beta >= self.beta_max)]
        for segment in self._segments:
            start = self._data.solution(segment.z_start, segment.beta_start)
            step = rational(segment.beta_start) - beta
            change = [
                sum((u * problem.columns[k][n] for k, u in segment.direction.items()), Fraction(0))
                for n in range(len(problem.target))
            ]
            residual = [rational(r) - step * rational(d) for r, d in zip(start.residual, change)]
            # the sign of each coefficient is constant inside the segment
            inside = segment.z_at((segment.beta_start + segment.beta_end) / 2)
            l1 = sum(
                (
                    _sign(inside[k])
                    * (
                        rational(segment.z_start.get(k, Fraction(0)))
                        + step * rational(segment.direction.get(k, Fraction(0)))
                    )
                    for k in inside
                ),
                sp.Integer(0),
            )
            value = sp.expand(sum(r**2 for r in residual) / 2 + beta * l1)
            pieces.append((value, beta >= rational(segment.beta_end)))
        return sp.Piecewise(*pieces)


class NumericPath(Path):
    r"""Numeric solutions on a grid of beta values; between grid points :meth:`solution` solves
    afresh.

    ``solver="homotopy"`` (default) sweeps the piecewise-linear path once from
    :math:`\beta_{\max}` on the centred problem (the intercept exact),
    :mod:`clifflasso.numeric.homotopy`, and checks the duality gap of every grid point;
    ``solver="cd"`` runs warm-started working-set coordinate descent along the grid
    (:mod:`clifflasso.numeric.coordinate_descent`); any cvxpy solver name (e.g. ``"clarabel"``)
    solves each beta separately with :func:`clifflasso.solve`.
    """

    exact = False

    def __init__(self, D, y: object, betas: Sequence[float], solver: str = "homotopy") -> None:
        self.dictionary = D
        self._y = y
        self._solver = solver
        self.breakpoints = tuple(sorted({float(b) for b in betas}, reverse=True))
        if not self.breakpoints:
            raise ValueError("a numeric path needs at least one beta")
        if solver in _PATH_SOLVERS:
            self._cache = self._sweep(D, np.asarray(y, dtype=np.float64))
        else:
            self._cache = {b: solve(D, y, b, solver) for b in self.breakpoints}

    def _sweep(self, D, y: np.ndarray) -> dict:
        labels = as_labels(y, D.matrix.shape[0])
        intercept = D.arch.output_bias
        means = D.matrix.mean(axis=0) if intercept else np.zeros(D.matrix.shape[1])
        centred = labels - labels.mean() if intercept else labels
        top = beta_max(D.matrix, labels, intercept)
        positive = [b for b in self.breakpoints if 0 < b < top]
        path_solver, method = _PATH_SOLVERS[self._solver]
        coefficients = path_solver(D.matrix - means, centred, np.array(positive))
        cache = {}
        for beta in self.breakpoints:
            if beta == 0 or beta >= top:
                cache[beta] = solve(D, labels, beta)
                continue
            z = coefficients[positive.index(beta)]
            cache[beta] = LassoSolution.from_coefficients(D, labels, z, beta, top, method)
        return cache

    def solution(self, beta: object) -> LassoSolution:
        beta = float(beta)
        if beta not in self._cache:
            solver = "clarabel" if self._solver in _PATH_SOLVERS else self._solver
            self._cache[beta] = solve(self.dictionary, self._y, beta, solver)
        return self._cache[beta]


def _homotopy_grid(A: np.ndarray, y: np.ndarray, betas: np.ndarray) -> np.ndarray:
    from clifflasso.numeric.homotopy import lasso_path_homotopy

    return lasso_path_homotopy(A, y, betas)[0]


def _coordinate_descent_grid(A: np.ndarray, y: np.ndarray, betas: np.ndarray) -> np.ndarray:
    from clifflasso.numeric.coordinate_descent import lasso_path_cd

    return lasso_path_cd(A, y, betas)


#: grid solvers of :class:`NumericPath`: name -> (solver, method recorded in the solutions)
_PATH_SOLVERS = {
    "homotopy": (_homotopy_grid, "homotopy path (floating point, gap-checked)"),
    "cd": (_coordinate_descent_grid, "coordinate descent path (warm starts)"),
}


def lasso_path(
    D,
    y: object,
    betas: Sequence[float] | None = None,
    *,
    exact: bool = False,
    solver: str = "homotopy",
) -> Path:
    r"""The Lasso solution path over the dictionary ``D``.

    ``exact=True``: the exact piecewise-linear path (:class:`ExactPath`, rational data, no
    ``betas``). Otherwise numeric solutions on the grid ``betas`` (default: 25 values
    geometrically spaced from :math:`\beta_{\max}` down to :math:`10^{-3}\beta_{\max}`), by
    one homotopy sweep (``solver="homotopy"``, default), warm-started coordinate descent
    (``solver="cd"``) or one cvxpy solve per beta (a cvxpy solver name).
    """
    if exact:
        if betas is not None:
            raise ValueError("an exact path finds its own breakpoints; betas are for numeric paths")
        return ExactPath(D, y)
    if betas is None:
        top = beta_max(D.matrix, np.asarray(y, dtype=np.float64), D.arch.output_bias)
        betas = list(top * np.geomspace(1.0, 1e-3, 25)) if top > 0 else [0.0]
    if any(not isinstance(b, numbers.Real) or not b >= 0 for b in betas):
        raise ValueError(f"betas must be numbers >= 0, got {list(betas)!r}")
    return NumericPath(D, y, betas, solver)
