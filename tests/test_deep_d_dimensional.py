"""Deep chains on d-dimensional data: the lifted vertex families (abs depth >= 4, ReLU depth 3
and 4, d >= 2). Independent references: the 1-D vertex family and the d-D mirror family on the
cases they share, closed forms in exact arithmetic, dense random searches over normalised deep
units, and nonconvex training of the chain network."""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import pytest

import clifflasso as cl
from clifflasso._data import as_data
from clifflasso.dictionary import Dictionary, _duplicate_free, family_for
from clifflasso.families.abs_vertices import AbsVertexFamily
from clifflasso.families.lifted_vertices import (
    LiftedAbsFamily,
    LiftedReluFamily,
    LiftedVertexFamily,
)
from clifflasso.numeric.train import train
from clifflasso.symbolic.ops import EXACT


def _rational_points(rng, n: int, d: int, denominator: int = 4, bound: int = 12) -> list:
    """``n`` distinct rational points of dimension ``d`` (Fractions)."""
    points: set = set()
    while len(points) < n:
        points.add(tuple(Fraction(int(v), denominator) for v in rng.integers(-bound, bound + 1, d)))
    return sorted(points)


def _family_dictionary(family: LiftedVertexFamily) -> Dictionary:
    """A dictionary over ``family`` built as :func:`clifflasso.dictionary` builds one (for the
    cases the registry serves with another family)."""
    table = family.enumerate()
    matrix = family.evaluate(table, family.data.values)
    keep = _duplicate_free(matrix, centred=family.arch.output_bias)
    return Dictionary(
        family.data,
        family.arch,
        family,
        table.take(keep),
        np.ascontiguousarray(matrix[:, keep]),
        matrix.shape[1],
        matrix.shape[1] - keep.size,
    )


# ------------------------------------------------------------------ independent references
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_at_d_1_the_lifted_abs_family_has_the_optimum_of_the_1d_vertex_family(seed):
    """d = 1: the lifted cross products of event vectors (x_n, -1, -eps) are the vertices of
    the 1-D event arrangement; the Lasso optima agree (abs depth 4, random rational data)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 7))
    x = [p[0] for p in _rational_points(rng, n, 1)]
    y = rng.normal(size=n)
    arch = cl.Architecture("abs", 4, norm=1)
    reference = cl.dictionary(x, arch)
    assert isinstance(reference.family, AbsVertexFamily)
    lifted = _family_dictionary(LiftedAbsFamily(arch, as_data(x)))
    for fraction in (0.5, 0.1, 0.01):
        beta = fraction * cl.beta_max(reference.matrix, y)
        expected = cl.solve(reference, y, beta).objective
        assert cl.solve(lifted, y, beta).objective == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("bias", [True, False])
def test_at_depth_3_the_lifted_abs_family_has_the_optimum_of_the_mirror_family(bias):
    """abs depth 3 in 2-D with the l1 norm: eliminating r_2 from the lifted vertices gives the
    points, differences and midpoints of the mirror family; the Lasso optima agree."""
    rng = np.random.default_rng(5 if bias else 6)
    for _ in range(2):
        X = np.array(_rational_points(rng, 5, 2), dtype=float)
        y = rng.normal(size=5)
        arch = cl.Architecture("abs", 3, norm=1, bias=bias)
        reference = cl.dictionary(X, arch)
        lifted = _family_dictionary(LiftedAbsFamily(arch, as_data(X)))
        for fraction in (0.3, 0.03):
            beta = fraction * cl.beta_max(reference.matrix, y)
            expected = cl.solve(reference, y, beta).objective
            assert cl.solve(lifted, y, beta).objective == pytest.approx(expected, rel=1e-9)


def test_sizes_in_closed_form():
    """d = 2, N = 8, abs depth 4: a pool of 8 * 7 events and 2 axes, C(58, 4) subsets, two
    orientations; ReLU depth 4: per sign pattern 3 events per point, 3 data-free events."""
    X = np.random.default_rng(0).normal(size=(8, 2))
    abs4 = family_for(cl.Architecture("abs", 4, norm=1), as_data(X))
    assert isinstance(abs4, LiftedAbsFamily)
    assert abs4.pool_size() == 58 and abs4.size() == 2 * math.comb(58, 4) == 848_540
    relu4 = family_for(cl.Architecture("relu", 4, norm=1), as_data(X))
    assert relu4.pool_size() == 8 * 3 + 3 + 2
    assert relu4.size() == 4 * 2 * math.comb(29, 4)
    relu3 = family_for(cl.Architecture("relu", 3, norm=2), as_data(X))
    assert relu3.pool_size() == 8 * 2 + 1 and relu3.size() == 2 * 2 * math.comb(17, 3)


# ------------------------------------------------------------------ exact values
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(activation="abs", depth=4),
        dict(activation="abs", depth=4, bias=False),
        dict(activation="relu", depth=3),
        dict(activation="relu", depth=4),
        dict(activation="relu", depth=3, bias=False),
    ],
    ids=["abs-4", "abs-4-nobias", "relu-3", "relu-4", "relu-3-nobias"],
)
def test_exact_values_equal_closed_forms_and_the_kernel_within_its_bound(kwargs):
    """Per column: the integer-arithmetic exact values equal the lowered closed form on the
    exact parameters (Fractions), and the float kernel is within the rounding bound."""
    rng = np.random.default_rng(11)
    points = _rational_points(rng, 5, 2, denominator=3)
    family = family_for(cl.Architecture(norm=1, **kwargs), as_data(points))
    table = family.enumerate()
    columns = rng.choice(len(table), size=60, replace=False)
    exact = family.exact_values(table, columns)
    values = family.evaluate(table.take(columns), family.data.values)
    bound = family.rounding_bound(table.take(columns))
    for k, j in enumerate(columns):
        closed = [Fraction(family.closed_form(table, int(j), x, EXACT)) for x in points]
        assert list(exact[k]) == closed
        error = max(abs(Fraction(float(v)) - e) for v, e in zip(values[:, k], exact[k]))
        assert error <= Fraction(float(bound[k]))
        theta = family.exact_theta(table, int(j))
        assert sum(abs(v) for v in theta[:2]) == 1  # ||w||_1 = 1 exactly


# ------------------------------------------------------------------ acceptance
def _chain_values(X, w, first_bias, signs, hidden_biases, name: str) -> np.ndarray:
    """Normalised deep units evaluated here in numpy: (N, M) for M units, ``w`` (M, d), the
    layers :math:`h_1 = \\sigma(w\\cdot x + b_1)`, :math:`h_l = \\sigma(s_l h_{l-1} + b_l)`."""
    sigma = np.abs if name == "abs" else (lambda t: np.maximum(t, 0.0))
    values = sigma(X @ w.T + first_bias)
    for layer in range(hidden_biases.shape[1]):
        values = sigma(signs[:, layer] * values + hidden_biases[:, layer])
    return values


def _random_units(X, arch, count: int, rng):
    """Random normalised units: w uniform-ish on the l1 sphere, biases spanning the data's
    range of w.x (and past it), hidden biases and signs at random."""
    d, hidden = X.shape[1], arch.depth - 2
    w = rng.normal(size=(count, d)) * rng.exponential(size=(count, d)) ** 2
    w /= np.abs(w).sum(axis=1, keepdims=True)
    t = X @ w.T
    low, high = t.min(axis=0), t.max(axis=0)
    spread = high - low + 1e-12
    first_bias = -rng.uniform(low - 0.2 * spread, high + 0.2 * spread) if arch.bias else 0 * low
    hidden_biases = rng.uniform(-1.2, 1.2, size=(count, hidden)) * spread[:, None]
    if arch.activation == "abs":
        signs = np.ones((count, hidden))
    else:
        signs = rng.choice([-1.0, 1.0], size=(count, hidden))
        hidden_biases *= signs
    return w, first_bias, signs, hidden_biases


def _best_unit(X, arch, mu, rng, count: int) -> float:
    """max |mu^T F| over ``count`` random normalised units, then Nelder-Mead from the best
    five (parameters: w renormalised on the l1 sphere, biases free)."""
    from scipy.optimize import minimize

    w, b1, signs, hidden = _random_units(X, arch, count, rng)
    scores = np.abs(mu @ _chain_values(X, w, b1, signs, hidden, arch.activation))
    best = float(scores.max())
    d = X.shape[1]
    for k in np.argsort(scores)[-5:]:

        def negative(p, k=k):
            v = p[:d] / max(np.abs(p[:d]).sum(), 1e-300)
            bias = p[d : d + 1] if arch.bias else np.zeros(1)
            column = _chain_values(
                X, v[None], bias, signs[k : k + 1], p[None, -hidden.shape[1] :], arch.activation
            )[:, 0]
            return -abs(mu @ column)

        start = np.concatenate([w[k], [b1[k]] if arch.bias else [], hidden[k]])
        result = minimize(negative, start, method="Nelder-Mead", options={"maxiter": 400})
        best = max(best, -float(result.fun))
    return best


def _certified(X, y, arch, fraction):
    D = cl.dictionary(X, arch)
    beta = fraction * cl.beta_max(D.matrix, y)
    solution = cl.solve(D, y, beta)
    return D, beta, solution, cl.certify(solution)


@pytest.mark.parametrize("n, d, seed", [(6, 2, 0), (7, 2, 1)])
def test_abs_depth_4_l1_is_certified_and_no_unit_or_network_does_better(n, d, seed):
    """abs depth 4, norm 1: the certificate proves optimality exactly; no random deep unit
    (refined locally) beats beta at the certified residual, and nonconvex training of the
    chain network from random starts never ends below the Lasso optimum."""
    rng = np.random.default_rng(seed)
    X = np.array(_rational_points(rng, n, d), dtype=float)
    y = rng.normal(size=n)
    arch = cl.Architecture("abs", 4, norm=1)
    D, beta, solution, certificate = _certified(X, y, arch, 0.1)
    assert certificate.optimal and certificate.proof and certificate.kind == "exact"
    mu = y - np.asarray(solution.fitted)
    mu -= mu.mean()
    assert _best_unit(X, arch, mu, rng, 20_000) <= beta * (1 + 1e-9)
    trained = train(X, y, arch, beta, width=4, restarts=3, seed=seed, max_iter=400)
    assert trained.objective >= solution.objective * (1 - 1e-6)
