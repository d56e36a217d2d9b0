r"""Exact Lasso solutions and the exact solution path (rational arithmetic end to end).

For rational data the Lasso

.. math::

    \min_{z,\xi}\ \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1

has a piecewise-linear solution path with rational breakpoints, computed by the exact homotopy
of :mod:`clifflasso.lasso.exact_homotopy`. This module turns its segments into
:class:`ExactLassoSolution` objects (fractions, the closed-form :math:`f^*(x)`, exact network
weights, an exact KKT check), :func:`exact_solve` at one beta and :class:`ExactPath`, the whole
path with the optimal objective as a piecewise quadratic in :math:`\beta`.

Exact mode needs rational feature values: families whose closed forms use Euclidean norms of
d-dimensional normals (``norm=2`` hyperplane families) are refused.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np
import sympy as sp

from clifflasso import _display
from clifflasso._data import _to_fraction, as_data
from clifflasso.architecture import Architecture
from clifflasso.exact.network import ExactNetwork, exact_network, solution_formula
from clifflasso.lasso.exact_homotopy import (
    Segment,
    Vector,
    dot,
    exact_problem,
    homotopy_segments,
    sign,
)
from clifflasso.lasso.solution import LassoSolution
from clifflasso.symbolic.ops import EXACT


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
    return D.family.exact_values(D.table, range(len(D)))


# ----------------------------------------------------------------------------- solutions
@dataclass
class ExactLassoSolution:
    r"""An exact solution of the Lasso: every number a :class:`~fractions.Fraction`.

    Same attribute names as :class:`~clifflasso.LassoSolution`: ``z`` (object
    array of Fractions, one per dictionary column), ``intercept`` :math:`\xi`, ``objective``
    :math:`\tfrac12\|Az + \xi 1 - y\|^2 + \beta\|z\|_1`, ``l1_norm``, ``fitted``, ``support``,
    ``network`` (the float network rebuilt by the family), and in addition
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
        self.objective = dot(residual, residual) / 2 + self.beta * self.l1_norm

    @property
    def l1_norm(self) -> Fraction:
        return sum((abs(v) for v in self.z), Fraction(0))

    @property
    def support(self) -> np.ndarray:
        """Indices of the nonzero coefficients."""
        return np.array([j for j, v in enumerate(self.z) if v != 0], dtype=np.int64)

    @property
    def active(self) -> np.ndarray:
        """The active coefficients: exactly the nonzero ones (same as :attr:`support`)."""
        return self.support

    def pruned(self) -> ExactLassoSolution:
        """``self``: an exact solution has no rounding noise to prune."""
        return self

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
        r""":math:`\lambda = y - Az - \xi\mathbf 1` (the dual variable; a certificate bounds
        :math:`\sup_\theta|\lambda^\top F_\theta(X)|`)."""
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
            correlation = dot(column, residual)
            if abs(correlation) > self.beta:
                problems.append(f"|A_{j}^T lambda| = {abs(correlation)} > beta = {self.beta}")
            if self.z[j] != 0 and correlation != self.beta * sign(self.z[j]):
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

    def _repr_html_(self) -> str:
        D = self.dictionary
        rows = [
            _display.dictionary_row(D),
            ("β", _display.text(f"{self.beta} (β_max = {self.beta_max})")),
            ("objective", _display.text(f"{self.objective} ≈ {float(self.objective):.10g}")),
            ("active units", _display.text(self.support.size)),
            ("‖z‖₁", _display.text(self.l1_norm)),
            ("ξ (output bias)", _display.text(self.intercept)),
            ("method", _display.text(self.method)),
        ]
        footer = ""
        if self.support.size <= _display.MAX_FORMULA_TERMS:
            footer = _display.formula_block("f^*(x)", self.formula)
        return _display.table("ExactLassoSolution", rows, footer)

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
        self.problem = exact_problem(self.columns, self.labels, self.intercept)

    @cached_property
    def beta_max(self) -> Fraction:
        return max(
            (abs(dot(c, self.problem.target)) for c in self.problem.columns), default=Fraction(0)
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
    for segment in homotopy_segments(data.problem, stop=beta):
        z = segment.z_at(max(beta, segment.beta_end))
    return data.solution(z, beta)


# ----------------------------------------------------------------------------- cost
#: Estimated seconds above which :class:`ExactPath` refuses to start unless forced.
EXACT_PATH_LIMIT_SECONDS = 60.0

#: Seconds per unit of :math:`P N^3` at small entries, timed on the exact homotopy (sin data
#: with five decimals: ReLU depth 2 at N = 20 and 40, absolute value depth 3 at N = 12, 20, 30;
#: two-core machine). The estimate is meant to be right within a factor of about 3.
_SECONDS_PER_UNIT = 2.4e-6


def _duration(seconds: float) -> str:
    """A duration for a message: ``about 40 s``, ``about 12 min``, ``about 3 h``."""
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"about {seconds / size:.3g} {unit}"
    return f"about {seconds:.2g} s"


@dataclass(frozen=True)
class ExactPathCost:
    r"""The estimated cost of an exact path, computed before any exact work.

    The homotopy has about :math:`N` to :math:`2N` breakpoints; at each it updates :math:`P`
    correlations of length :math:`N` in rational numbers whose size grows with the active set
    and with ``bits``, the bit length of the largest numerator or denominator among the inputs
    and labels (a decimal such as 0.12345 is 2469/20000: 15 bits; a float taken at its binary
    value has about 55). Timing gives
    :math:`	ext{seconds} pprox 2.4\cdot10^{-6}\, P N^3 (1 + 	ext{bits}/64)^{1.3}`.
    """

    n_samples: int
    n_columns: int
    bits: int
    largest_denominator: int
    seconds: float

    def problem(self, limit: float = EXACT_PATH_LIMIT_SECONDS) -> str | None:
        """The one-line refusal when the estimate exceeds ``limit`` seconds, else ``None``."""
        if self.seconds <= limit:
            return None
        return (
            f"an exact path on N={self.n_samples} points over {self.n_columns} columns, with "
            f"entries of up to {self.bits} bits (largest denominator "
            f"{_shown_integer(self.largest_denominator)}), would take {_duration(self.seconds)} "
            f"(estimate; the limit is {_duration(limit)}): round the data (--limit-denominator "
            "K on the command line, Fraction.limit_denominator in Python), use fewer points or "
            "a numeric path, or force it (--force, force=True)"
        )


def _shown_integer(value: int) -> str:
    digits = len(str(value)) if value.bit_length() < 10_000 else None
    if digits is not None and digits <= 12:
        return f"{value:,}"
    return f"a number of {digits:,} digits" if digits else f"2^{value.bit_length()}"


def exact_path_cost(D, y: object, *, arch: Architecture | None = None) -> ExactPathCost:
    """Estimate the cost of ``ExactPath(D, y)`` from the data alone (no exact feature values
    are computed): see :class:`ExactPathCost`.

    With ``arch``, ``D`` is the data ``X`` instead of a dictionary and the number of columns is
    the size of the raw family, known in closed form, so nothing is built (the check before a
    large dictionary is enumerated).
    """
    if arch is None:
        data, n_columns = D.data, len(D)
    else:
        from clifflasso.dictionary import family_for

        data = as_data(D)
        n_columns = family_for(arch, data).size()
    labels = as_exact_labels(y, data.n_samples)
    entries = [v for row in data.exact for v in row] + list(labels)
    bits = max(max(v.numerator.bit_length(), v.denominator.bit_length()) for v in entries)
    n = data.n_samples
    seconds = _SECONDS_PER_UNIT * n_columns * n**3 * (1 + bits / 64) ** 1.3
    return ExactPathCost(n, n_columns, bits, max(v.denominator for v in entries), seconds)


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

    def __repr__(self) -> str:
        D = self.dictionary
        return (
            f"{type(self).__name__}({D.arch.activation} depth {D.arch.depth}, N={D.shape[0]}, "
            f"P={D.shape[1]}, {len(self)} breakpoints, beta_max={_display.number(self.beta_max)})"
        )

    def _repr_html_(self) -> str:
        D = self.dictionary
        rows = [
            _display.dictionary_row(D),
            ("kind", _display.text("exact (piecewise linear)" if self.exact else "numeric grid")),
            ("breakpoints" if self.exact else "grid points", _display.text(len(self))),
            ("β_max", _display.text(_display.number(self.beta_max))),
        ]
        shown = self.breakpoints[: _display.MAX_ROWS]
        lines = []
        for beta in shown:
            solution = self.solution(beta)
            lines.append(
                [
                    _display.text(_display.number(beta)),
                    _display.text(_display.number(solution.objective)),
                    _display.text(solution.active.size),
                    _display.text(_display.number(solution.l1_norm)),
                ]
            )
        footer = _display.grid(["β", "objective", "active", "‖z‖₁"], lines)
        if len(self) > len(shown):
            footer += _display.text(f"... {len(self) - len(shown)} more")
        return _display.table(type(self).__name__, rows, footer)


class ExactPath(Path):
    r"""The exact piecewise-linear path (module docstring): on
    :math:`[\beta_{k+1}, \beta_k]`, :math:`z^*(\beta) = z^*(\beta_k) + (\beta_k - \beta)u_k`.

    Its cost is estimated first (:func:`exact_path_cost`): beyond
    :data:`EXACT_PATH_LIMIT_SECONDS` a ``ValueError`` says how big the problem is and what to do,
    before any exact work, unless ``force=True``. ``progress(k, beta)`` is called as each
    breakpoint ``beta`` (the ``k``-th, from 1) is found.
    """

    exact = True

    def __init__(
        self,
        D,
        y: object,
        *,
        force: bool = False,
        progress: Callable[[int, Fraction], None] | None = None,
    ) -> None:
        if not force:
            problem = exact_path_cost(D, y).problem()
            if problem is not None:
                raise ValueError(problem)
        self._data = _ExactData(D, y)
        self._segments = []
        for segment in homotopy_segments(self._data.problem):
            self._segments.append(segment)
            if progress is not None:
                progress(len(self._segments), segment.beta_start)
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

    def _segment(self, beta: Fraction) -> Segment | None:
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
        r"""The optimal objective as a piecewise quadratic in :math:`\beta`:
        on each segment :math:`\tfrac12\|\lambda(\beta)\|^2 + \beta\|z^*(\beta)\|_1`, and
        :math:`\tfrac12\|y_c\|^2` above :math:`\beta_{\max}`."""
        beta = sp.Symbol("beta", nonnegative=True) if beta is None else beta
        problem = self._data.problem

        def rational(value: Fraction) -> sp.Rational:
            return sp.Rational(value.numerator, value.denominator)

        pieces = [(rational(dot(problem.target, problem.target) / 2), beta >= self.beta_max)]
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
                    sign(inside[k])
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
