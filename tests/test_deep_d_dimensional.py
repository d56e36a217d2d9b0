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
@pytest.mark.parametrize(
    "activation, depth, bias, seed",
    [
        ("abs", 4, True, 0),
        ("abs", 4, True, 1),
        ("abs", 4, False, 2),
        ("abs", 5, True, 3),
        ("relu", 3, True, 4),
        ("relu", 3, False, 5),
        ("relu", 4, True, 6),
    ],
)
def test_at_d_1_the_lifted_families_have_the_optimum_of_the_1d_families(
    activation, depth, bias, seed
):
    """d = 1: the lifted cross products of event vectors (x_n, -1, -eps) are the vertices of
    the 1-D event arrangement; the Lasso optima equal those of the complete 1-D families (abs:
    event vertices, ReLU: capped ramps), random rational data."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 7)) if depth < 5 else 4
    x = [p[0] for p in _rational_points(rng, n, 1)]
    y = rng.normal(size=n)
    arch = cl.Architecture(activation, depth, norm=1, bias=bias)
    reference = cl.dictionary(x, arch)
    assert not isinstance(reference.family, LiftedVertexFamily)
    assert activation == "relu" or isinstance(reference.family, AbsVertexFamily)
    family = (LiftedAbsFamily if activation == "abs" else LiftedReluFamily)(arch, as_data(x))
    lifted = _family_dictionary(family)
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


def _directions(d: int, count: int, rng) -> np.ndarray:
    """Directions on the l1 sphere: its corners, a dense ring (d = 2) or sparse and dense
    random points (d >= 3), both signs."""
    corners = np.vstack([np.eye(d), -np.eye(d)])
    if d == 2:
        u = np.linspace(0.0, 4.0, count, endpoint=False)
        s = np.mod(u, 1.0)
        quadrant = np.floor(u).astype(int)
        first = np.choose(quadrant, [1 - s, -s, s - 1, s])
        second = np.choose(quadrant, [s, 1 - s, -s, s - 1])
        return np.vstack([corners, np.column_stack([first, second])])
    w = rng.normal(size=(count, d)) * (rng.random((count, d)) < 0.7)
    w[np.abs(w).sum(axis=1) == 0, 0] = 1.0
    return np.vstack([corners, w / np.abs(w).sum(axis=1, keepdims=True)])


def _projected_sup(X, arch, mu, w) -> float:
    """sup |mu^T F| over normalised units with first-layer weight ``w``: on t = X w the units
    are the 1-D chains of the same depth, whose complete 1-D family (tested on its own) gives
    the supremum; its columns are evaluated here in numpy."""
    t = X @ w
    one_d = cl.Architecture(arch.activation, arch.depth, bias=arch.bias)
    family = family_for(one_d, as_data(t))
    table = family.complete_family().enumerate()
    p = table.params
    values = _chain_values(t[:, None], p["w1"], p["b1"], p["w"], p["b"], arch.activation)
    return float(np.max(np.abs(mu @ values)))


def _best_unit(X, arch, mu, rng, count: int, directions: int = 200) -> float:
    """max |mu^T F| found by a dense search over normalised deep units, independent of the
    lifted family: (1) ``count`` random units, the best five refined by Nelder-Mead;
    (2) the exact supremum for each of ``directions`` first-layer weights w on the l1 sphere
    (1-D reduction, :func:`_projected_sup`), the best three directions refined by
    Nelder-Mead over w."""
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

    def projected(v) -> float:
        return _projected_sup(X, arch, mu, v / max(np.abs(v).sum(), 1e-300))

    grid = _directions(d, directions, rng)
    sups = np.array([projected(v) for v in grid])
    best = max(best, float(sups.max()))
    for k in np.argsort(sups)[-3:]:
        result = minimize(
            lambda v: -projected(v), grid[k], method="Nelder-Mead", options={"maxiter": 60}
        )
        best = max(best, -float(result.fun))
    return best


def _certified(X, y, arch, fraction):
    D = cl.dictionary(X, arch)
    beta = fraction * cl.beta_max(D.matrix, y)
    solution = cl.solve(D, y, beta)
    return D, beta, solution, cl.certify(solution)


def _check_abs_depth_4(n, d, seed, fraction, units, directions, **training) -> None:
    """abs depth 4, norm 1, on random rational data: the certificate proves optimality
    exactly; no deep unit of the dense search (:func:`_best_unit`) beats beta at the certified
    residual, and nonconvex training of the chain network from random starts never ends below
    the Lasso optimum."""
    rng = np.random.default_rng(seed)
    X = np.array(_rational_points(rng, n, d), dtype=float)
    y = rng.normal(size=n)
    arch = cl.Architecture("abs", 4, norm=1)
    _, beta, solution, certificate = _certified(X, y, arch, fraction)
    assert certificate.optimal and certificate.proof and certificate.kind == "exact"
    mu = y - np.asarray(solution.fitted)
    mu -= mu.mean()
    assert _best_unit(X, arch, mu, rng, units, directions=directions) <= beta * (1 + 1e-9)
    trained = train(X, y, arch, beta, seed=seed, **training)
    assert trained.objective >= solution.objective * (1 - 1e-6)


@pytest.mark.parametrize("n, d, seed", [(6, 2, 0), (7, 2, 1)])
def test_abs_depth_4_l1_is_certified_and_no_unit_or_network_does_better(n, d, seed):
    """abs depth 4, norm 1: certified exactly, and neither a dense unit search nor training
    does better (:func:`_check_abs_depth_4`)."""
    _check_abs_depth_4(n, d, seed, 0.1, 20_000, 200, width=4, restarts=3, max_iter=400)


def test_relu_depth_3_l1_certificates_agree_with_a_dense_search():
    """ReLU depth 3, norm 1, 2-D: whenever the certificate says OPTIMAL, no unit of the dense
    search beats beta and nonconvex training never ends below the Lasso optimum; the verdict
    is OPTIMAL on every instance here (the family is complete)."""
    verdicts = []
    for seed in range(3):
        rng = np.random.default_rng(100 + seed)
        X = np.array(_rational_points(rng, 6, 2), dtype=float)
        y = rng.normal(size=6)
        arch = cl.Architecture("relu", 3, norm=1)
        _, beta, solution, certificate = _certified(X, y, arch, 0.05)
        verdicts.append(certificate.verdict)
        mu = y - np.asarray(solution.fitted)
        mu -= mu.mean()
        found = _best_unit(X, arch, mu, rng, 10_000, directions=120)
        trained = train(X, y, arch, beta, width=6, restarts=3, seed=seed, max_iter=400)
        if certificate.optimal:
            assert certificate.proof and certificate.kind == "exact"
            assert found <= beta * (1 + 1e-9)
            assert trained.objective >= solution.objective * (1 - 1e-6)
        else:
            assert found > beta or trained.objective < solution.objective
    assert verdicts == ["optimal"] * 3


# ------------------------------------------------------------------ kinks, sizes, refusals
def test_kink_planes_of_abs_depth_4_are_reflections_of_each_other():
    """abs depth 4, 2-D: per column, level 1 is w.x = a_1, level 2 is w.x = a_1 +- r_2 (when
    r_2 > 0), level 3 is w.x = a_1 +- (r_2 +- r_3) where |w.x - a_1| = r_2 +- r_3 > 0 is
    crossed (r_3 > 0); level-3 planes are reflections of each other across the level-1 plane
    and (r_2 > |r_3|) across a level-2 plane (2m - c); offsets are exact and the feature kinks
    on each."""
    rng = np.random.default_rng(3)
    points = _rational_points(rng, 5, 2)
    D = cl.dictionary(points, cl.Architecture("abs", 4, norm=1))
    family = D.family
    checked = 0
    for j in rng.choice(len(D), size=40, replace=False):
        planes = family.kink_planes(D.table, int(j))
        w, b1, _, biases = family.exact_parameters(D.table, int(j))
        a1, r2, r3 = -b1, -biases[0], -biases[1]
        levels = {m: sorted(c for level, v, c in planes if level == m) for m in (1, 2, 3)}
        assert all(v == w for _, v, _ in planes)
        assert all(isinstance(c, Fraction) for _, _, c in planes)
        assert levels[1] == [a1]
        assert levels[2] == ([a1 - r2, a1 + r2] if r2 > 0 else [])
        expected3 = {
            a1 + e2 * (r2 + e3 * r3)
            for e2 in (1, -1)
            for e3 in (1, -1)
            if r3 > 0 and r2 + e3 * r3 > 0
        }
        assert set(levels[3]) == expected3
        for c in levels[3]:
            assert 2 * a1 - c in levels[3]
            if r2 > abs(r3):  # both a_1 + r_2 +- r_3 are crossed: mirror images across a_1 + r_2
                assert any(2 * m - c in levels[3] for m in levels[2])
        checked += len(levels[3]) == 4
        # the feature has a kink on each plane: it changes slope across it
        for _, _, c in planes:
            shift = Fraction(1, 10**6)
            direction = tuple(v * shift for v in w)
            base = _point_on_plane(w, c)
            left, mid, right = (
                Fraction(family.closed_form(D.table, int(j), p, EXACT))
                for p in (
                    tuple(b - e for b, e in zip(base, direction)),
                    base,
                    tuple(b + e for b, e in zip(base, direction)),
                )
            )
            assert left - mid != mid - right
    assert checked >= 5


def test_kink_planes_of_relu_depth_3_are_where_the_layers_switch():
    """ReLU depth 3, 2-D: level 1 is w.x = a_1; level 2 is w.x = a_1 + r_2 where
    (w.x - a_1)_+ crosses r_2 (r_2 > 0), whatever the hidden sign."""
    rng = np.random.default_rng(9)
    D = cl.dictionary(_rational_points(rng, 5, 2), cl.Architecture("relu", 3, norm=1))
    for j in range(len(D)):
        w, b1, signs, biases = D.family.exact_parameters(D.table, j)
        a1, r2 = -b1, -biases[0] * signs[0]
        planes = D.family.kink_planes(D.table, j)
        assert [c for level, _, c in planes if level == 1] == [a1]
        assert [c for level, _, c in planes if level == 2] == ([a1 + r2] if r2 > 0 else [])


def _point_on_plane(w, offset) -> tuple:
    """A point x with w.x = offset (w on the l1 sphere: its largest coordinate is nonzero)."""
    k = max(range(len(w)), key=lambda i: abs(w[i]))
    return tuple(offset / w[k] if i == k else Fraction(0) for i in range(len(w)))


def test_refusals_and_the_euclidean_upper_bound():
    """Too large: refused before enumeration with the size; ReLU depth 5 in 2-D: refused;
    norm=2: an upper bound (not complete)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    arch = cl.Architecture("abs", 4, norm=1)
    size = family_for(arch, as_data(X)).size()
    assert size == 2 * math.comb(40 * 7 + 2, 4)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=f"{size:,} columns"):
        cl.dictionary(X, arch)
    assert time.perf_counter() - start < 2.0
    with pytest.raises(ValueError, match="no dictionary for relu depth 5"):
        cl.dictionary(X[:5], cl.Architecture("relu", 5, norm=1))
    for activation, depth in (("relu", 3), ("relu", 4), ("abs", 4)):
        assert not family_for(cl.Architecture(activation, depth, norm=2), as_data(X[:5])).complete


def test_max_features_samples_and_certificates_enumerate_the_whole_family():
    """max_features: a seeded sample of the subsets with the full count reported; the
    certificate of a sampled fit still enumerates every vertex."""
    rng = np.random.default_rng(4)
    X = np.array(_rational_points(rng, 6, 2), dtype=float)
    y = rng.normal(size=6)
    arch = cl.Architecture("abs", 4, norm=1)
    full = family_for(arch, as_data(X)).size()
    D = cl.dictionary(X, arch, max_features=2000, seed=1)
    again = cl.dictionary(X, arch, max_features=2000, seed=1)
    assert D.n_full == full and D.n_raw <= 2000 < full
    np.testing.assert_array_equal(D.matrix, again.matrix)
    solution = cl.solve(D, y, 0.05 * cl.beta_max(D.matrix, y))
    certificate = cl.certify(solution)
    complete = cl.solve(cl.dictionary(X, arch), y, solution.beta)
    if certificate.optimal:
        assert solution.objective <= complete.objective * (1 + 1e-9)
    else:
        assert solution.objective > complete.objective * (1 + 1e-9)


# ------------------------------------------------------------------ slow: larger instances
@pytest.mark.slow
@pytest.mark.usefixtures("slow_selected")
@pytest.mark.parametrize("n, d, seed", [(8, 2, 10), (8, 2, 11), (4, 3, 12), (5, 3, 13)])
def test_slow_abs_depth_4_acceptance(n, d, seed):
    """The acceptance test of abs depth 4 (norm 1) at N = 8 in 2-D and N = 4, 5 in 3-D, with a
    denser search and more training restarts at the full width 2N + 2."""
    _check_abs_depth_4(n, d, seed, 0.05, 50_000, 400, restarts=8, max_iter=1000)


@pytest.mark.slow
@pytest.mark.usefixtures("slow_selected")
@pytest.mark.parametrize("depth", [3, 4])
def test_slow_relu_certificates_agree_with_a_dense_search(depth):
    """ReLU depth 3 and 4 (norm 1, 2-D, N = 6, eight instances each): OPTIMAL only when no unit
    of the dense search beats beta and training never ends below the Lasso optimum; every
    verdict is OPTIMAL."""
    verdicts = []
    for seed in range(8):
        rng = np.random.default_rng(200 + 10 * depth + seed)
        X = np.array(_rational_points(rng, 6, 2), dtype=float)
        y = rng.normal(size=6)
        arch = cl.Architecture("relu", depth, norm=1)
        _, beta, solution, certificate = _certified(X, y, arch, float(rng.uniform(0.01, 0.3)))
        verdicts.append(certificate.verdict)
        mu = y - np.asarray(solution.fitted)
        mu -= mu.mean()
        found = _best_unit(X, arch, mu, rng, 30_000, directions=300)
        trained = train(X, y, arch, beta, restarts=6, seed=seed, max_iter=1000)
        better = found > beta * (1 + 1e-9) or trained.objective < solution.objective * (1 - 1e-6)
        assert not (certificate.optimal and better)
    assert verdicts == ["optimal"] * 8


@pytest.mark.slow
@pytest.mark.usefixtures("slow_selected")
def test_slow_euclidean_certificates_claim_no_proof():
    """norm=2: the dictionary is an upper bound, so no certificate rests on enumerating it:
    abs depth 4 samples (no proof); ReLU depth 3 goes to the Euclidean chamber method."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=5)
    for activation, depth in (("relu", 3), ("abs", 4)):
        D = cl.dictionary(X, cl.Architecture(activation, depth, norm=2))
        certificate = cl.certify(cl.solve(D, y, 0.1 * cl.beta_max(D.matrix, y)), samples=200)
        assert "vertex enumeration" not in certificate.method
        if activation == "abs":
            assert not certificate.proof and certificate.kind == "sampled"
