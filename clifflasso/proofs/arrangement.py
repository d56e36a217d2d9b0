r"""Ground truth for 2-layer ReLU and abs networks: the convex program of Pilanci & Ergen.

Pilanci & Ergen (ICML 2020, "Neural networks are convex regularizers: exact polynomial-time
convex optimization formulations for two-layer networks", arXiv 2002.10553) show that training

.. math::

    p^* = \min_{w,b,\alpha,\xi}\ \tfrac12\Big\|\sum_j \alpha_j (Xw_j + b_j)_+ + \xi\mathbf 1
    - y\Big\|_2^2 + \frac{\beta}{2}\sum_j(\|w_j\|_2^2 + \alpha_j^2)

(weight decay on a 2-layer ReLU network; biases unpenalised) is, for
width :math:`m \ge m^*` (:math:`m^* \le N + 1`), the convex program

.. math::

    \min_{\{v_i, u_i\},\,\xi}\ \tfrac12\Big\|\sum_{i=1}^P D_i\tilde X(v_i - u_i) + \xi\mathbf 1
    - y\Big\|_2^2 + \beta\sum_{i=1}^P(\|v_i\|_w + \|u_i\|_w)
    \quad\text{s.t.}\quad (2D_i - I)\tilde Xv_i \ge 0,\ (2D_i - I)\tilde Xu_i \ge 0,

where :math:`\tilde X = [X, \mathbf 1]` with a first-layer bias (:math:`\tilde X = X` without),
:math:`\|v\|_w` is the Euclidean norm of the *weight* coordinates of :math:`v` (the bias
coordinate is unpenalised), :math:`\xi` is free with an output bias (0 without), and
:math:`D_1, \dots, D_P` are all activation patterns
:math:`\operatorname{diag}(\mathbf 1[\tilde Xh \ge 0])` of the hyperplane arrangement
:math:`\{h : \tilde x_n\cdot h = 0\}`.
A solution rebuilds a network: the unit :math:`v_i \ne 0` becomes the neuron
:math:`(w, b) = v_i/\sqrt{\|v_i\|_w}` with :math:`\alpha = \sqrt{\|v_i\|_w}` (negative for
:math:`u_i`), whose output is :math:`D_i\tilde Xv_i` and whose penalty is
:math:`\beta\|v_i\|_w`.

With a first-layer bias, the unit :math:`v = (0, b)` (zero weights) produces the constant
:math:`b_+` at zero cost, so the output bias is redundant and :math:`p^*` is an *infimum*
(:math:`\alpha \to 0`, :math:`b \to \infty`); the rebuilt network then uses
:math:`\alpha^2 = 10^{-12}\|v\|` and misses the value by at most :math:`10^{-12}\beta\|v\|`.

Absolute-value units (derived, the same argument): on the pattern :math:`D_i` the unit
:math:`|\tilde Xv|` equals :math:`(2D_i - I)\tilde Xv` on the cone
:math:`(2D_i - I)\tilde Xv \ge 0`, so the program is the one above with :math:`D_i\tilde X`
replaced by :math:`(2D_i - I)\tilde X`. The patterns :math:`D` and :math:`I - D` give the same
units (:math:`v \mapsto -v`), so one of each such pair is kept; the all-inactive pattern
counts. The weight-decay penalty :math:`\tfrac\beta2(\|w\|^2 + \alpha^2)` is again
:math:`\beta\|v\|_w` after rescaling.

The patterns are enumerated exactly, in rational arithmetic (:func:`activation_patterns`), so
for small N the optimum is the true training optimum; it is the reference against which the
Lasso dictionaries and their certificates are judged.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

import numpy as np

from clifflasso._data import as_beta, as_data, as_labels
from clifflasso.lasso.errors import SolverError
from clifflasso.numeric.network import ChainNetwork

#: Clarabel tolerances, tightest first: a looser one is tried only when a tighter one ends
#: OPTIMAL_INACCURATE (ill-conditioned programs with hundreds of cones).
_TOLERANCES = (1e-10, 1e-9, 1e-8)

Row = tuple[Fraction, ...]


def _reduce(row: Row, echelon: list[tuple[int, Row]]) -> Row:
    """Residual of ``row`` after elimination against echelon rows ``(pivot, row)``."""
    for pivot, basis_row in echelon:
        if row[pivot]:
            factor = Fraction(row[pivot]) / basis_row[pivot]
            row = tuple(a - factor * b for a, b in zip(row, basis_row))
    return row


def _independent(rows: list[Row]) -> list[int]:
    """Indices of a maximal linearly independent subset of ``rows`` (greedy, exact)."""
    echelon: list[tuple[int, Row]] = []
    chosen = []
    for index, row in enumerate(rows):
        residual = _reduce(row, echelon)
        pivot = next((k for k, value in enumerate(residual) if value), None)
        if pivot is not None:
            echelon.append((pivot, residual))
            chosen.append(index)
    return chosen


def _dot(a, b):
    return sum((x * y for x, y in zip(a, b)), 0)


def _integer_row(row: Row) -> tuple[int, ...]:
    """``row`` times the least common multiple of its denominators: the same hyperplane and
    side, in integers."""
    scale = math.lcm(*(Fraction(v).denominator for v in row))
    return tuple(int(Fraction(v) * scale) for v in row)


@functools.cache
def _cross(rank: int):
    """The generalized cross product of ``rank - 1`` vectors of length ``rank`` in integer
    arithmetic (:func:`clifflasso.symbolic.lowering.cross_product`, back-end ``"integer"``):
    exact at every rank (the numpy back-end's determinants, used beyond rank 5, are floats)."""
    from clifflasso.symbolic.lowering import cross_product

    return cross_product(rank, "integer")


class _Arrangement:
    """Chamber sign patterns of the central arrangement of a set of rows, memoised by subset;
    the rows are scaled to integers, so the whole enumeration runs in integer arithmetic."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = [_integer_row(row) for row in rows]
        self.memo: dict[tuple[int, ...], set[tuple[bool, ...]]] = {}

    def patterns(self, indices: tuple[int, ...]) -> set[tuple[bool, ...]]:
        r"""Patterns :math:`\mathbf 1[r_n\cdot h \ge 0]_{n \in indices}` over open chambers."""
        if indices not in self.memo:
            self.memo[indices] = self._enumerate(indices)
        return self.memo[indices]

    def _enumerate(self, indices: tuple[int, ...]) -> set[tuple[bool, ...]]:
        rows = [self.rows[n] for n in indices]
        basis = [rows[k] for k in _independent(rows)]
        rank = len(basis)
        if rank == 0:
            return {(True,) * len(indices)}
        nonzero = [k for k, row in enumerate(rows) if any(row)]
        result: set[tuple[bool, ...]] = set()
        seen: set[tuple[int, ...]] = set()
        for subset in combinations(nonzero, rank - 1):
            reduced = [tuple(_dot(rows[k], b) for b in basis) for k in subset]
            coefficients = _cross(rank)(*(v for row in reduced for v in row)) if rank > 1 else (1,)
            if not any(coefficients):
                continue
            ray = tuple(
                sum((c * b[j] for c, b in zip(coefficients, basis)), 0)
                for j in range(len(basis[0]))
            )
            values = [_dot(row, ray) for row in rows]
            zero = tuple(k for k, value in enumerate(values) if value == 0)
            if zero in seen:
                continue
            seen.add(zero)
            local = self.patterns(tuple(indices[k] for k in zero))
            position = {k: j for j, k in enumerate(zero)}
            for sign in (1, -1):
                for sub in local:
                    result.add(
                        tuple(
                            sub[position[k]] if k in position else sign * values[k] > 0
                            for k in range(len(rows))
                        )
                    )
        return result


def augmented(X: object, bias: bool = True) -> tuple[np.ndarray, list[Row]]:
    r""":math:`\tilde X = [X, \mathbf 1]` (or :math:`X` without bias) as floats and exactly."""
    data = as_data(X, min_samples=1)
    extra = (Fraction(1),) if bias else ()
    exact = [row + extra for row in data.exact]
    values = np.hstack([data.values, np.ones((data.n_samples, int(bias)))])
    return values, exact


def activation_patterns(X: object, bias: bool = True) -> np.ndarray:
    r"""All activation patterns :math:`\mathbf 1[\tilde Xh \ge 0]` of the data, exactly.

    Returns a boolean array (P, N), rows sorted lexicographically: one row per open chamber of
    the central arrangement :math:`\{h : \tilde x_n\cdot h = 0\}` (rows :math:`\tilde x_n = 0`
    count as active, as :math:`\mathbf 1[0 \ge 0] = 1`). These are exactly the patterns that
    dense random sampling of :math:`h` finds with positive probability.

    Method (exact, rational arithmetic). Restrict to :math:`V = \operatorname{span}\{\tilde
    x_n\}` of rank :math:`r`; every chamber is then a pointed cone, so its closure has an
    extreme ray :math:`g`: a generalized cross product of :math:`r-1` independent
    rows, taken inside :math:`V`. For :math:`h = g + \varepsilon\delta` with small
    :math:`\varepsilon > 0`, rows with :math:`\tilde x_n\cdot g \ne 0` take the sign of
    :math:`\pm g` and the rows :math:`Z = \{n : \tilde x_n\cdot g = 0\}` take the pattern of
    :math:`\delta` in the arrangement of :math:`Z` alone (rank :math:`r - 1`), enumerated by the
    same recursion; every chamber arises this way (take :math:`\delta` inside it). In general
    position this is "each :math:`\pm\times(\tilde x_S)` perturbed in all :math:`2^{r-1}` sign
    directions", and the count is :math:`2\sum_{k<r}\binom{N-1}{k}` (Cover 1965); degenerate
    data (repeated or collinear points) is handled exactly by the recursion.
    """
    _, exact = augmented(X, bias)
    return cell_patterns(exact)


def cell_patterns(normals: list[Row]) -> np.ndarray:
    r"""Sign patterns :math:`\mathbf 1[r_k\cdot h \ge 0]` of the open cells of the central
    arrangement :math:`\{h : r_k\cdot h = 0\}` of any rational normals :math:`r_k`, exactly.

    Boolean array (P, K), rows sorted lexicographically, one per open cell (zero normals count
    as active); the method of :func:`activation_patterns`, which is this function on the rows
    :math:`\tilde x_n`. Lifted parameter spaces (:mod:`clifflasso.proofs.lifted`) use it on
    their event hyperplanes.
    """
    patterns = _Arrangement(normals).patterns(tuple(range(len(normals))))
    return np.array(sorted(patterns, reverse=True), dtype=bool).reshape(-1, len(normals))


def general_position_count(n_samples: int, rank: int) -> int:
    r"""Number of patterns in general position: :math:`2\sum_{k=0}^{r-1}\binom{N-1}{k}`."""
    return 2 * sum(math.comb(n_samples - 1, k) for k in range(rank))


@dataclass(frozen=True)
class ArrangementOptimum:
    """Solution of the Pilanci–Ergen program.

    ``value`` is the optimal training objective (2-layer ReLU, weight decay) when ``exact``
    (all ``n_patterns`` patterns used); with a sampled subset of patterns it is only an upper
    bound, attained by ``network``. ``patterns`` (P, N) are the patterns used.
    """

    value: float
    exact: bool
    n_patterns: int
    patterns: np.ndarray
    network: ChainNetwork


def _rebuild(
    V: np.ndarray, U: np.ndarray, xi: float, dim: int, bias: bool, activation: str
) -> ChainNetwork:
    """One neuron per nonzero :math:`v_i` (``alpha > 0``) or :math:`u_i` (``alpha < 0``)."""
    units = np.vstack([V, U])
    signs = np.concatenate([np.ones(len(V)), -np.ones(len(U))])
    sizes = np.linalg.norm(units, axis=1)
    keep = sizes > 1e-9 * max(1.0, float(np.max(sizes, initial=0.0)))
    units, signs = units[keep], signs[keep]
    weight_norms = np.linalg.norm(units[:, :dim], axis=1)
    # a unit with zero weight part is a free constant (module docstring): floor alpha^2
    gamma = np.sqrt(np.maximum(weight_norms, 1e-12 * np.linalg.norm(units, axis=1)))
    neurons = units / gamma[:, None]
    width = len(units)
    return ChainNetwork(
        activation=activation,
        depth=2,
        norm=2,
        first_weights=neurons[:, :dim],
        first_biases=neurons[:, dim] if bias else np.zeros(width),
        hidden_weights=np.zeros((width, 0)),
        hidden_biases=np.zeros((width, 0)),
        output_weights=signs * gamma,
        output_bias=xi,
    )


def arrangement_optimum(
    X: object,
    y: object,
    beta: float,
    bias: bool = True,
    output_bias: bool = True,
    max_patterns: int | None = None,
    seed: int = 0,
    activation: str = "relu",
) -> ArrangementOptimum:
    r"""Exact optimum of 2-layer ReLU (or, ``activation="abs"``, absolute-value) training with
    weight decay (Pilanci & Ergen 2020).

    Solves the cone-constrained group-Lasso program of the module docstring over all
    activation patterns (:func:`activation_patterns`) with cvxpy/Clarabel; for ReLU the
    all-inactive pattern contributes nothing and is left out of the program, for the absolute
    value one pattern of each pair :math:`D, I - D` is kept. If there are more than
    ``max_patterns`` other patterns, a uniform random subset of that size (``seed``) is used
    and ``exact`` is False: the value is then an upper bound on :math:`p^*`, still attained by
    the rebuilt network.

    Raises :class:`~clifflasso.SolverError` (a ``RuntimeError``) unless the
    solver reports OPTIMAL.
    """
    Xt, _ = augmented(X, bias)
    n_samples = Xt.shape[0]
    dim = Xt.shape[1] - int(bias)
    labels = as_labels(y, n_samples)
    beta = as_beta(beta)
    if max_patterns is not None and max_patterns < 1:
        raise ValueError(f"max_patterns must be a positive integer or None, got {max_patterns}")
    if activation not in ("relu", "abs"):
        raise ValueError(f"activation must be 'relu' or 'abs', got {activation!r}")
    patterns = activation_patterns(X, bias)
    if activation == "relu":
        active = patterns[patterns.any(axis=1)]
    else:
        # h and -h: the same units; rows x~_n = 0 are active on both sides
        nonzero = np.any(Xt != 0, axis=1)
        reflected = np.where(nonzero, ~patterns, True)
        keys = [tuple(p) for p in patterns]
        active = patterns[[k >= tuple(r) for k, r in zip(keys, reflected)]]
    exact = max_patterns is None or len(active) <= max_patterns
    if not exact:
        chosen = np.random.default_rng(seed).choice(len(active), size=max_patterns, replace=False)
        patterns = active[np.sort(chosen)]
    used = (active if exact else patterns).astype(np.float64)

    import cvxpy as cp  # on first use: cvxpy is slow to import

    V = cp.Variable((len(used), Xt.shape[1]))
    U = cp.Variable((len(used), Xt.shape[1]))
    xi = cp.Variable() if output_bias else cp.Constant(0.0)
    signs = 2 * used - 1
    slopes = used if activation == "relu" else signs
    prediction = cp.sum(cp.multiply(slopes.T, Xt @ (V - U).T), axis=1) + xi
    penalty = cp.sum(cp.norm(V[:, :dim], 2, axis=1)) + cp.sum(cp.norm(U[:, :dim], 2, axis=1))
    problem = cp.Problem(
        cp.Minimize(0.5 * cp.sum_squares(prediction - labels) + beta * penalty),
        [cp.multiply(signs.T, Xt @ V.T) >= 0, cp.multiply(signs.T, Xt @ U.T) >= 0],
    )
    for tolerance in _TOLERANCES:
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Solution may be inaccurate")
                problem.solve(
                    solver="CLARABEL",
                    tol_gap_abs=tolerance,
                    tol_gap_rel=tolerance,
                    tol_feas=tolerance,
                )
        except cp.error.SolverError as exc:
            raise SolverError(f"Clarabel failed on the arrangement program: {exc}") from exc
        if problem.status == cp.OPTIMAL:
            break
    else:
        raise SolverError(
            f"Clarabel returned status {problem.status!r} for the arrangement program "
            f"(N={n_samples}, P={len(used)}, beta={beta:g}) at every tolerance {_TOLERANCES}"
        )
    network = _rebuild(
        V.value, U.value, float(xi.value) if output_bias else 0.0, dim, bias, activation
    )
    return ArrangementOptimum(
        value=float(problem.value),
        exact=exact,
        n_patterns=len(patterns),
        patterns=patterns,
        network=network,
    )
