"""The exact Pilanci–Ergen arrangement program and the direct nonconvex trainer."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

import clifflasso as cl
from clifflasso.numeric.train import TrainingProblem, train
from clifflasso.proofs.arrangement import (
    activation_patterns,
    arrangement_optimum,
    general_position_count,
)


def _augment(X: np.ndarray, bias: bool) -> np.ndarray:
    return np.hstack([X, np.ones((X.shape[0], int(bias)))])


def _sampled_patterns(Xt: np.ndarray, rng: np.random.Generator, draws: int) -> set:
    gates = rng.normal(size=(Xt.shape[1], draws))
    return set(map(tuple, (Xt @ gates >= 0).T))


def _is_open_chamber(Xt: np.ndarray, pattern: np.ndarray) -> bool:
    """LP certificate: some h has sign(x_n . h) = pattern strictly on every nonzero row."""
    rows = np.any(Xt != 0, axis=1)
    signs = 2.0 * pattern[rows] - 1.0
    result = linprog(
        np.zeros(Xt.shape[1]),
        A_ub=-signs[:, None] * Xt[rows],
        b_ub=-np.ones(rows.sum()),
        bounds=(None, None),
        method="highs",
    )
    return result.status == 0 and bool(np.all(pattern[~rows]))


DEGENERATE = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [1.0, 1.0], [0.0, 1.0], [3.0, 0.0]])


@pytest.mark.parametrize(
    ("X", "bias"),
    [
        (np.random.default_rng(0).normal(size=(6, 1)), True),
        (np.random.default_rng(1).normal(size=(5, 1)), False),
        (np.random.default_rng(2).normal(size=(6, 2)), True),
        (np.random.default_rng(3).normal(size=(7, 2)), False),
        (DEGENERATE, True),
        (DEGENERATE, False),
    ],
)
def test_patterns_match_dense_sampling(X: np.ndarray, bias: bool) -> None:
    patterns = activation_patterns(X, bias)
    sampled = _sampled_patterns(_augment(X, bias), np.random.default_rng(7), 200_000)
    assert set(map(tuple, patterns)) == sampled
    assert len(set(map(tuple, patterns))) == len(patterns)


@pytest.mark.parametrize(("n", "d", "bias"), [(7, 3, True), (10, 2, True), (9, 3, False)])
def test_patterns_are_exactly_the_chambers(n: int, d: int, bias: bool) -> None:
    """Larger cases, where sampling misses thin chambers: Cover's count and LP certificates."""
    X = np.random.default_rng(n + d).normal(size=(n, d))
    Xt = _augment(X, bias)
    patterns = activation_patterns(X, bias)
    assert len(patterns) == general_position_count(n, Xt.shape[1])
    assert all(_is_open_chamber(Xt, p) for p in patterns)
    sampled = _sampled_patterns(Xt, np.random.default_rng(0), 20_000)
    assert sampled <= set(map(tuple, patterns))


def _check_network(result, X, y, beta: float) -> None:
    assert result.network.objective(X, y, beta) == pytest.approx(result.value, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("bias", [True, False])
def test_1d_arrangement_equals_relu_lasso(seed: int, bias: bool) -> None:
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3, 3, size=7))
    y = rng.normal(size=7)
    beta = rng.uniform(0.05, 0.5)
    exact = arrangement_optimum(x, y, beta, bias=bias)
    lasso = cl.solve(cl.dictionary(x, cl.Architecture("relu", 2, bias=bias)), y, beta)
    assert exact.exact
    assert exact.value == pytest.approx(lasso.objective, rel=1e-6)
    _check_network(exact, x, y, beta)


def test_free_first_layer_bias_makes_the_output_bias_redundant() -> None:
    """With b free and no xi, the constant neuron (w, b) = (0, 1) costs nothing in the convex
    program (an infimum for the network: alpha -> 0, b -> infinity), so the optimum equals the
    one with xi; the ramp Lasso without intercept can be strictly worse."""
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(-3, 3, size=7))
    y = rng.normal(size=7) + 2.0
    beta = 0.2
    without = arrangement_optimum(x, y, beta, output_bias=False)
    with_xi = arrangement_optimum(x, y, beta)
    assert without.value == pytest.approx(with_xi.value, rel=1e-7)
    _check_network(without, x, y, beta)
    ramps = cl.Architecture("relu", 2, output_bias=False)
    assert cl.solve(cl.dictionary(x, ramps), y, beta).objective > without.value + 1e-3


@pytest.mark.parametrize(("n", "d"), [(6, 1), (6, 2)])
def test_arrangement_is_below_every_training_run(n: int, d: int) -> None:
    rng = np.random.default_rng(10 + d)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    beta = 0.1
    exact = arrangement_optimum(X, y, beta)
    _check_network(exact, X, y, beta)
    trained = train(X, y, cl.Architecture("relu", 2), beta, restarts=3, max_iter=2000)
    assert exact.value <= min(trained.history) + 1e-8
    assert exact.value <= trained.network.objective(X, y, beta) + 1e-8


def test_orthonormal_pair_closed_form() -> None:
    """X = I_2, y = (1, 1), beta = 0.1 (the closed form holds *without* biases):
    one neuron (1, 1)/sqrt 2 gives p* = sqrt(2) beta - beta^2 / 2 = 0.1364214. With a free
    first-layer bias (or an output bias) the constant 1 is free and p* = 0."""
    X, y, beta = np.eye(2), np.ones(2), 0.1
    plain = arrangement_optimum(X, y, beta, bias=False, output_bias=False)
    assert plain.value == pytest.approx(np.sqrt(2) * beta - beta**2 / 2, rel=1e-8)
    assert plain.value == pytest.approx(0.1364214, abs=1e-7)
    assert plain.n_patterns == 4
    _check_network(plain, X, y, beta)
    for bias, output_bias in [(True, True), (True, False), (False, True)]:
        free = arrangement_optimum(X, y, beta, bias=bias, output_bias=output_bias)
        assert abs(free.value) < 1e-8
        assert abs(free.network.objective(X, y, beta)) < 1e-8
    trained = train(
        X, y, cl.Architecture("relu", 2, bias=False, output_bias=False), beta, restarts=2
    )
    assert trained.objective == pytest.approx(plain.value, rel=1e-6)


def test_sampled_patterns_give_an_upper_bound() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 2))
    y = rng.normal(size=6)
    full = arrangement_optimum(X, y, 0.1)
    sampled = arrangement_optimum(X, y, 0.1, max_patterns=6, seed=1)
    assert full.exact and not sampled.exact
    assert sampled.n_patterns == 6
    assert sampled.value >= full.value - 1e-9
    _check_network(sampled, X, y, 0.1)


ARCHITECTURES = [
    dict(activation="relu", depth=2),
    dict(activation="relu", depth=3, bias=False),
    dict(activation="leaky_relu", depth=3, slope=0.2, norm=1),
    dict(activation="abs", depth=4),
    dict(activation="abs", depth=2, output_bias=False, norm=1),
]


@pytest.mark.parametrize("kwargs", ARCHITECTURES)
@pytest.mark.parametrize("d", [1, 3])
def test_trainer_gradient_matches_finite_differences(kwargs: dict, d: int) -> None:
    rng = np.random.default_rng(d)
    X = rng.normal(size=(6, d))
    y = rng.normal(size=6)
    problem = TrainingProblem(X, y, cl.Architecture(**kwargs), beta=0.3, width=4)
    theta = problem.random_start(rng) + 0.1 * rng.normal(size=problem.size)
    value, gradient = problem.objective_and_gradient(theta)
    step = 1e-6
    basis = np.eye(problem.size)
    finite = np.array(
        [
            problem.objective_and_gradient(theta + step * e)[0]
            - problem.objective_and_gradient(theta - step * e)[0]
            for e in basis
        ]
    ) / (2 * step)
    np.testing.assert_allclose(gradient, finite, rtol=1e-5, atol=1e-6)
    assert value == pytest.approx(problem.network(theta).objective(X, y, 0.3), rel=1e-12)


@pytest.mark.parametrize("kwargs", ARCHITECTURES)
def test_trainer_reports_its_networks_objective(kwargs: dict) -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(5, 2))
    y = rng.normal(size=5)
    result = train(X, y, cl.Architecture(**kwargs), 0.2, restarts=2, max_iter=500)
    assert len(result.history) == 2
    assert result.objective == min(result.history)
    assert result.network.objective(X, y, 0.2) == pytest.approx(result.objective, rel=1e-12)
    assert result.objective < 0.5 * np.sum((y - y.mean() * kwargs.get("output_bias", True)) ** 2)


def test_trainer_rejects_switching_architectures() -> None:
    with pytest.raises(ValueError, match="chains"):
        train([0.0, 1.0], [0.0, 1.0], cl.Architecture("sign", 2), 0.1)


def test_the_arrangement_cross_product_is_exact_at_every_rank():
    """Cells are enumerated in integers; beyond rank 5 the printed cross product calls ``det``,
    which the numpy back-end computed in floats (wrong in the last digits for entries ~1e6, so
    cell signs were no longer decided exactly). The integer back-end is exact at every rank."""
    from clifflasso.proofs.arrangement import _cross
    from clifflasso.symbolic.rational import generalized_cross

    rng = np.random.default_rng(0)
    for rank in (3, 5, 6, 7):
        rows = [[int(v) for v in rng.integers(-(10**6), 10**6, rank)] for _ in range(rank - 1)]
        value = _cross(rank)(*(v for row in rows for v in row))
        assert all(isinstance(v, int) for v in value)
        assert tuple(value) == generalized_cross(rows)
