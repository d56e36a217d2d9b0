"""d-dimensional families: sizes, symbolic = numeric, rebuild, invariances, degeneracy,
sampling, and completeness evidence for the exact (l1) families."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import clifflasso as cl

D_FAMILIES = [
    dict(activation="relu", depth=2),
    dict(activation="relu", depth=2, bias=False),
    dict(activation="abs", depth=2, norm=1),
    dict(activation="abs", depth=2, norm=1, bias=False),
    dict(activation="abs", depth=2, norm=2),
    dict(activation="abs", depth=3, norm=1),
    dict(activation="abs", depth=3, norm=2),
    dict(activation="abs", depth=3, norm=1, bias=False),
]
IDS = ["-".join(str(v) for v in k.values()) for k in D_FAMILIES]


def _generic(n: int, d: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


@pytest.mark.parametrize("d", [2, 3, 4])
@pytest.mark.parametrize("n", [4, 6])
def test_sizes_on_generic_data(n, d):
    X = _generic(n, d, n + d)
    sizes = {
        dict_key: len(cl.dictionary(X, cl.Architecture(**kwargs), dedupe=False))
        for dict_key, kwargs in [
            ("relu", dict(activation="relu", depth=2)),
            ("relu-nobias", dict(activation="relu", depth=2, bias=False)),
            ("abs-l1", dict(activation="abs", depth=2, norm=1)),
            ("abs-l1-nobias", dict(activation="abs", depth=2, norm=1, bias=False)),
            ("abs-l2", dict(activation="abs", depth=2, norm=2)),
        ]
    }
    assert sizes["relu"] == 2 * math.comb(n, d)
    assert sizes["relu-nobias"] == 2 * math.comb(n, d - 1)
    assert sizes["abs-l1"] == math.comb(n + d, d) - 1
    assert sizes["abs-l1-nobias"] == math.comb(n + d, d - 1)
    assert sizes["abs-l2"] == math.comb(n, d)


def _points(d: int, max_n: int):
    coordinate = st.builds(Fraction, st.integers(-12, 12), st.integers(1, 4))
    return st.lists(st.tuples(*[coordinate] * d), min_size=d + 1, max_size=max_n, unique=True)


@pytest.mark.parametrize("kwargs", D_FAMILIES, ids=IDS)
@given(data=st.data())
def test_symbolic_matches_matrix_on_rational_points(kwargs, data):
    d = data.draw(st.integers(2, 3))
    max_n = 4 if kwargs["depth"] == 3 else 5
    points = data.draw(_points(d, max_n))
    D = cl.dictionary(points, cl.Architecture(**kwargs), dedupe=False)
    S = D.symbolic()
    exact = np.array(S.evalf(30).tolist(), dtype=float)
    assert np.all(np.isfinite(D.matrix))
    np.testing.assert_allclose(D.matrix, exact, rtol=0, atol=1e-11 * (1 + np.max(np.abs(exact))))


@pytest.mark.parametrize("kwargs", D_FAMILIES, ids=IDS)
@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.01, 0.9), d=st.integers(2, 3))
def test_rebuilt_network_objective_equals_lasso_objective(kwargs, seed, fraction, d):
    rng = np.random.default_rng(seed)
    n = 4 if kwargs["depth"] == 3 else 6
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    D = cl.dictionary(X, cl.Architecture(**kwargs), dedupe=False)
    beta = fraction * cl.beta_max(D.matrix, y)
    solution = cl.solve(D, y, beta)
    network = solution.network
    np.testing.assert_allclose(network.predict(X), solution.fitted, atol=1e-9)
    assert network.objective(X, y, beta) == pytest.approx(solution.objective, rel=1e-8)
    norms = np.linalg.norm(D.table.params["w1"], ord=kwargs.get("norm", 2), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-12)


def _orthogonal(d: int, rng, proper: bool) -> np.ndarray:
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    if (np.linalg.det(Q) > 0) != proper:
        Q[:, 0] = -Q[:, 0]
    return Q


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(activation="relu", depth=2),
        dict(activation="abs", depth=2),
        dict(activation="abs", depth=3),
    ],
    ids=["relu", "abs-2", "abs-3"],
)
@pytest.mark.parametrize("d", [2, 3])
def test_rigid_motions_keep_the_columns(kwargs, d):
    rng = np.random.default_rng(d)
    X = rng.normal(size=(5, d))
    arch = cl.Architecture(**kwargs)
    base = cl.dictionary(X, arch, dedupe=False).matrix
    Q, t = _orthogonal(d, rng, proper=True), rng.normal(size=d)
    moved = cl.dictionary(X @ Q.T + t, arch, dedupe=False).matrix
    np.testing.assert_allclose(moved, base, atol=1e-10)


@pytest.mark.parametrize("d", [2, 3])
def test_reflections_swap_the_signed_relu_pairs(d):
    rng = np.random.default_rng(10 + d)
    X = rng.normal(size=(5, d))
    arch = cl.Architecture("relu", 2)
    D = cl.dictionary(X, arch, dedupe=False)
    Q, t = _orthogonal(d, rng, proper=False), rng.normal(size=d)
    reflected = cl.dictionary(X @ Q.T + t, arch, dedupe=False).matrix
    half = len(D) // 2
    swapped = np.hstack([D.matrix[:, half:], D.matrix[:, :half]])
    np.testing.assert_allclose(reflected, swapped, atol=1e-10)


@pytest.mark.parametrize("kwargs", D_FAMILIES, ids=IDS)
def test_columns_are_permutation_invariant_in_the_samples(kwargs):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(4, 2))
    order = rng.permutation(4)
    arch = cl.Architecture(**kwargs)
    base = cl.dictionary(X, arch, dedupe=False).matrix
    permuted = cl.dictionary(X[order], arch, dedupe=False).matrix

    def column_set(matrix):
        return sorted(map(tuple, np.round(matrix.T, 9).tolist()))

    assert column_set(permuted) == column_set(base[order])


def test_degenerate_subsets_are_counted_never_nan():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [0.0, 1.0], [1.0, 1.0]])
    D = cl.dictionary(X, cl.Architecture("relu", 2), dedupe=False)
    assert D.n_degenerate > 0
    assert len(D) == 2 * (math.comb(5, 2) - D.n_degenerate)
    assert np.all(np.isfinite(D.matrix))


def test_max_features_samples_with_a_seed_and_reports_the_full_count():
    X = _generic(12, 3, 1)
    arch = cl.Architecture("relu", 2)
    full = cl.dictionary(X, arch, dedupe=False)
    sample = cl.dictionary(X, arch, max_features=50, seed=3, dedupe=False)
    again = cl.dictionary(X, arch, max_features=50, seed=3, dedupe=False)
    assert sample.n_full == full.n_full == 2 * math.comb(12, 3)
    assert len(sample) <= 50 < len(full)
    np.testing.assert_array_equal(sample.matrix, again.matrix)
    with pytest.raises(ValueError, match="max_features"):
        cl.dictionary(X, arch, max_features=0, dedupe=False)


def test_feature_formulas_are_distances_in_symbols():
    D = cl.dictionary([(0, 0), (2, 0), (0, 1)], cl.Architecture("abs", 2, norm=2), dedupe=False)
    x1, x2 = sp.symbols("x_1 x_2", real=True)
    formulas = D.expressions((x1, x2))
    # the line through (0,0) and (2,0) is the x_1-axis: distance |x_2|
    assert any(sp.simplify(f - sp.Abs(x2)) == 0 for f in formulas)
    # the line through (2,0) and (0,1): |x_1 + 2 x_2 - 2| / sqrt(5)
    target = sp.Abs(x1 + 2 * x2 - 2) / sp.sqrt(5)
    assert any(sp.simplify(f - target) == 0 for f in formulas)


def _l1_directions(count: int, d: int, rng) -> np.ndarray:
    w = rng.normal(size=(count, d))
    return w / np.abs(w).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("depth", [2, 3])
def test_random_l1_neurons_never_beat_the_exact_abs_dictionary(depth):
    """Evidence for exactness with the l1 first-layer norm ("Black Boxes and Looking Glasses"
    §3): random normalised neurons never exceed the dictionary's dual norm."""
    rng = np.random.default_rng(7 + depth)
    for _ in range(3):
        X = rng.normal(size=(4, 2))
        D = cl.dictionary(X, cl.Architecture("abs", depth, norm=1), dedupe=False)
        w = _l1_directions(4000, 2, rng)
        t = X @ w.T
        b = -rng.uniform(t.min(axis=0) - 0.5, t.max(axis=0) + 0.5)
        F = np.abs(t + b)
        if depth == 3:
            F = np.abs(F - rng.uniform(0, np.ptp(t, axis=0) + 0.5))
        for _ in range(5):
            residual = rng.normal(size=4)
            residual -= residual.mean()
            best = np.max(np.abs(residual @ D.matrix))
            assert np.max(np.abs(residual @ F)) <= best * (1 + 1e-9)


def test_the_euclidean_relu_wedge_dictionary_is_only_an_upper_bound():
    """X = I_2, y = (1, 1), beta = 0.1, no biases: the wedge Lasso is 0.19 (two
    coordinate features, z = 0.9 each), while the neuron w = (1, 1)/sqrt(2) reaches
    sqrt(2) beta - beta^2 / 2 = 0.13642...; its |lambda^T F| exceeds beta."""
    X, y, beta = np.eye(2), np.ones(2), 0.1
    D = cl.dictionary(X, cl.Architecture("relu", 2, bias=False, output_bias=False), dedupe=False)
    solution = cl.solve(D, y, beta)
    assert solution.objective == pytest.approx(0.19, rel=1e-8)
    residual = y - solution.fitted
    angles = np.linspace(0, 2 * np.pi, 3601)
    F = np.maximum(X @ np.stack([np.cos(angles), np.sin(angles)]), 0)
    assert np.max(np.abs(residual @ D.matrix)) <= beta * (1 + 1e-7)
    assert np.max(np.abs(residual @ F)) == pytest.approx(0.1 * np.sqrt(2), rel=1e-6)


@pytest.mark.parametrize("kwargs", D_FAMILIES, ids=IDS)
def test_rounding_bounds_do_not_depend_on_the_units_of_x(kwargs):
    """The cross products' rounding bound used kappa = prod ||v_k||_1 / ||g_w||_1 of the
    unscaled homogeneous vectors (x, 1): 7.9 at unit scale, 1.8e3 at x * 2^-9 and 2.4e3 at
    x * 2^9, so certificates at those scales came out undecided. Computed on the data scaled by
    a power of two, the bound relative to each column's magnitude is the same at every scale,
    and so are the columns and the verdict."""
    X, y = _generic(6, 2, seed=3), np.random.default_rng(3).normal(size=6)
    arch = cl.Architecture(**kwargs)
    ratios, verdicts = [], []
    for k in (-9, 0, 9):
        D = cl.dictionary(X * 2.0**k, arch, dedupe=False)
        bound = D.family.rounding_bound(D.table) / D.family.magnitude_bound(D.table)
        ratios.append(bound)
        verdicts.append(cl.certify(cl.solve(cl.dictionary(X * 2.0**k, arch), y, 0.05 * 2.0**k)))
    for other in ratios[1:]:
        np.testing.assert_allclose(other, ratios[0], rtol=1e-12)
    assert len({(c.verdict, c.kind) for c in verdicts}) == 1, verdicts
