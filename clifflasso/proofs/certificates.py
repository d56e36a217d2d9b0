r"""Optimality certificates: is the Lasso answer the globally optimal network?

With the Lasso residual :math:`\lambda = y - Az - \xi\mathbf 1` (so
:math:`\mathbf 1^\top\lambda = 0` with an output bias), the training optimum equals the
Lasso optimum iff

.. math::

    \sup_\theta |\lambda^\top F_\theta(X)| \le \beta,

the supremum over *all* normalised chains :math:`\theta` (MATH.md §6). The supremum is computed

* **exactly** over the vertices of the event arrangement: the complete 1-D families and the
  polyhedral (``norm=1``) d-D abs families are exactly those vertices;
* **exactly** for two-layer ReLU / abs networks with the Euclidean norm (``norm=2``) by
  enumerating the activation chambers of the data arrangement and solving one small SOCP per
  chamber, :math:`\max \pm c_\sigma\cdot\tilde w` s.t.
  :math:`\sigma_n\tilde x_n\cdot\tilde w\ge0`, :math:`\|w\|_2 \le 1`;
* otherwise by random sampling plus local refinement, flagged ``exact=False`` (not a proof).

Whatever the method, :math:`\lambda' = \lambda\min(1, \beta/\sup)` is dual feasible, so
:math:`\text{gap} = \text{objective} - (\lambda'^\top y - \tfrac12\|\lambda'\|^2)` bounds how
far the Lasso value can be above the training optimum (exact methods only).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np
from scipy.optimize import minimize

from clifflasso.dictionary import family_for
from clifflasso.families.base import FeatureFamily
from clifflasso.families.hyperplanes import HyperplaneFamily
from clifflasso.numeric.chains import evaluate_chains
from clifflasso.lasso.streaming import block_size_for, has_prefix_path, stream_correlations

#: Above this many dictionary entries (N x P), exact enumeration is refused in favour of sampling.
DEFAULT_MAX_ENTRIES = 50_000_000


@dataclass(frozen=True)
class Violator:
    """A normalised unit that beats beta: adding it as a column lowers the Lasso objective."""

    parameters: dict[str, Any]
    column: np.ndarray
    correlation: float
    description: str


@dataclass(frozen=True)
class Certificate:
    """Result of :func:`certify`.

    ``optimal``: ``sup <= beta * (1 + tolerance)``; ``sup``: the supremum (a lower estimate when
    ``exact`` is False); ``gap``: objective minus a dual bound (``nan`` when not exact);
    ``violator``: the unit attaining ``sup`` when it exceeds beta.
    """

    optimal: bool
    sup: float
    beta: float
    tolerance: float
    method: str
    exact: bool
    gap: float
    violator: Violator | None
    notes: tuple[str, ...] = field(default=())

    def __repr__(self) -> str:
        verdict = "OPTIMAL" if self.optimal else "NOT optimal"
        proof = "proof" if self.exact else "evidence only (not a proof)"
        return (
            f"Certificate({verdict}: sup |lambda^T F| = {self.sup:.10g} vs beta = {self.beta:.10g},"
            f" gap = {self.gap:.3g}, method = {self.method!r}, {proof})"
        )


def _residual(solution) -> np.ndarray:
    return solution.y - solution.fitted


def _dual_gap(solution, residual: np.ndarray, sup: float) -> float:
    if not np.isfinite(sup):
        return float("inf")
    scaled = residual * (min(1.0, solution.beta / sup) if sup > 0 else 1.0)
    dual = float(scaled @ solution.y - 0.5 * scaled @ scaled)
    return max(0.0, solution.objective - dual)


def _vertex_sup(family: FeatureFamily, residual: np.ndarray, memory_limit: int):
    """Max of |residual @ column| over the complete family: the streamed pass of
    :func:`clifflasso.lasso.streaming.stream_correlations` (fast 1-D path when available)."""
    table = family.enumerate()
    block = block_size_for(family.data.n_samples, memory_limit, has_prefix_path(family))
    correlations = np.abs(stream_correlations(family, table, residual, block_size=block))
    if correlations.size == 0:
        return 0.0, table, -1, None
    column = int(np.argmax(correlations))
    values = family.evaluate(table.take(np.array([column])), family.data.values)[:, 0]
    return float(correlations[column]), table, column, values


def _chamber_sup(solution, residual: np.ndarray):
    """Exact sup for 2-layer ReLU / abs with the Euclidean norm: one SOCP per chamber."""
    from clifflasso.proofs.arrangement import activation_patterns

    arch = solution.dictionary.arch
    X = solution.dictionary.X
    n, d = X.shape
    Xt = np.hstack([X, np.ones((n, 1))]) if arch.bias else X
    patterns = activation_patterns(X, bias=arch.bias).astype(np.float64)
    w = cp.Variable(Xt.shape[1])
    direction = cp.Parameter(Xt.shape[1])
    signs = cp.Parameter(n)
    problem = cp.Problem(
        cp.Maximize(direction @ w),
        [cp.multiply(signs, Xt @ w) >= 0, cp.norm(w[:d], 2) <= 1],
    )
    best, best_w = 0.0, None
    for pattern in patterns:
        sigma = 2 * pattern - 1
        if arch.activation == "relu":
            c = (residual * pattern) @ Xt
        else:
            c = (residual * sigma) @ Xt
        for orientation in (1.0, -1.0):
            direction.value = orientation * c
            signs.value = sigma
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                problem.solve(solver=cp.CLARABEL)
            if problem.status == cp.UNBOUNDED:
                return float("inf"), None
            if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
                raise RuntimeError(f"chamber SOCP ended with status {problem.status!r}")
            if problem.value > best:
                best, best_w = float(problem.value), np.array(w.value)
    return best, best_w, len(patterns)


def _chain_values(arch, X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Normalised chain features for a parameter vector: w (d), b_1, then later biases."""
    d = X.shape[1]
    w = theta[:d]
    norm = np.linalg.norm(w, ord=arch.norm)
    if norm == 0:
        return np.zeros(X.shape[0])
    hidden = arch.depth - 2
    return evaluate_chains(
        X,
        (w / norm)[None, :],
        np.array([theta[d]]) if arch.bias else np.zeros(1),
        np.ones((1, hidden)),
        theta[d + 1 : d + 1 + hidden][None, :],
        arch.activation,
        arch.slope,
    )[:, 0]


def _sampled_sup(solution, residual: np.ndarray, samples: int, seed: int):
    """Random normalised chains plus Nelder-Mead refinement: a lower estimate of the sup."""
    arch = solution.dictionary.arch
    X = solution.dictionary.X
    n, d = X.shape
    rng = np.random.default_rng(seed)
    span = float(np.max(np.abs(X))) + 1.0
    hidden = arch.depth - 2
    thetas = np.hstack(
        [
            rng.normal(size=(samples, d)),
            rng.uniform(-span, span, size=(samples, 1)),
            rng.uniform(-span, span, size=(samples, hidden)),
        ]
    )

    def score(theta):
        return -abs(residual @ _chain_values(arch, X, theta))

    values = np.array([score(t) for t in thetas])
    best_theta, best = thetas[int(np.argmin(values))], float(np.min(values))
    for start in thetas[np.argsort(values)[:10]]:
        result = minimize(
            score, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14}
        )
        if result.fun < best:
            best, best_theta = float(result.fun), result.x
    return -best, best_theta


def _chain_families_only(arch) -> bool:
    return arch.activation in ("relu", "leaky_relu", "abs")


def certify(
    solution,
    *,
    tolerance: float = 1e-6,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    samples: int = 20_000,
    seed: int = 0,
    memory_limit: int = 2**30,
):
    r"""Certify (or refute) that a Lasso solution is the globally optimal network.

    Returns a :class:`Certificate`. ``tolerance`` is relative: the solution is declared optimal
    when :math:`\sup_\theta|\lambda^\top F_\theta(X)| \le \beta(1 + \text{tolerance})`.
    Exact enumeration is used when the complete dictionary has at most ``max_entries`` entries
    to compute (about 8 per column for 1-D families with the prefix-sum path, N otherwise);
    otherwise ``samples`` random units are refined locally and the result is flagged as
    evidence, not proof. The exact pass streams the columns in blocks sized for
    ``memory_limit`` bytes.
    """
    D = solution.dictionary
    arch, data = D.arch, D.data
    residual = _residual(solution)
    notes: list[str] = []
    beta = solution.beta
    if not arch.output_bias and abs(residual.sum()) > 1e-9 * max(1.0, np.abs(residual).sum()):
        if arch.bias and _chain_families_only(arch):
            notes.append(
                "without an output bias, a unit whose breakpoint lies far outside the data acts "
                "as an intercept at vanishing cost: the supremum is infinite"
            )
            violator = Violator(
                {"breakpoint": "-> infinity"},
                np.ones_like(residual),
                float("inf"),
                "far-away breakpoint (a free intercept)",
            )
            return Certificate(
                False,
                float("inf"),
                beta,
                tolerance,
                "intercept direction",
                True,
                float("inf"),
                violator,
                tuple(notes),
            )
    family = family_for(arch, data)
    euclidean_d = data.dim > 1 and arch.norm == 2
    exact_family = not euclidean_d
    exact = True
    violator = None
    # entries to compute: N per column, or a few per column on the 1-D prefix-sum path
    per_column = 8 if has_prefix_path(family) else data.n_samples
    if exact_family and per_column * family.size() <= max_entries:
        sup, table, column, values = _vertex_sup(family, residual, memory_limit)
        method = (
            "vertex enumeration (1-D event arrangement)"
            if data.dim == 1
            else "vertex enumeration (polyhedral l1 norm)"
        )
        if sup > beta * (1 + tolerance) and column >= 0:
            record = family.feature(table, column)
            violator = Violator(
                record.parameters,
                values,
                float(residual @ values),
                f"{record.family} / {record.kind} on data {record.indices}",
            )
    elif euclidean_d and arch.depth == 2:
        sup, w, chambers = _chamber_sup(solution, residual)
        method = f"activation chambers ({chambers} patterns, one SOCP each)"
        if sup > beta * (1 + tolerance) and w is not None:
            d = data.dim
            weights, bias = w[:d], (w[d] if arch.bias else 0.0)
            norm = np.linalg.norm(weights)
            theta = np.concatenate([weights, [bias]]) / norm
            values = _chain_values(arch, data.values, theta)
            violator = Violator(
                {"weights": tuple(weights / norm), "bias": bias / norm},
                values,
                float(residual @ values),
                "neuron off the wedge dictionary",
            )
    else:
        exact = False
        sup, theta = _sampled_sup(solution, residual, samples, seed)
        method = f"sampling ({samples} units) + Nelder-Mead refinement"
        notes.append("the complete family is too large or unknown here: this is not a proof")
        values = _chain_values(arch, data.values, theta)
        if sup > beta * (1 + tolerance):
            violator = Violator(
                {"theta": tuple(theta)}, values, float(residual @ values), "sampled unit"
            )
    if isinstance(family, HyperplaneFamily) and euclidean_d and arch.depth == 2:
        notes.append("Euclidean first-layer norm in d >= 2: the wedge Lasso is an upper bound")
    gap = _dual_gap(solution, residual, sup) if exact else float("nan")
    return Certificate(
        optimal=bool(sup <= beta * (1 + tolerance)),
        sup=float(sup),
        beta=beta,
        tolerance=tolerance,
        method=method,
        exact=exact,
        gap=gap,
        violator=violator,
        notes=tuple(notes),
    )
