"""The Lasso solve: known optima from the papers' examples, beta_max, N = 2 closed forms,
an independent solver, and refusal of inaccurate solves."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_data
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import Lasso

import clifflasso as cl
from clifflasso.examples import load_example
from clifflasso.lasso import conic


@pytest.mark.parametrize(
    "example, depth, min_l1",
    [
        # "A Library of Mirrors" Fig. 3: 2, 1, 1
        ("mirrors", 2, 2.0),
        ("mirrors", 3, 1.0),
        ("mirrors", 4, 1.0),
        # Fig. 19 zshape: the depth-4 optimum is the capped ramp [2, 6], l1 = 0.75
        ("zshape", 4, 0.75),
        ("zshape", 3, 0.75),
        # Fig. 18 bounce: min l1 = 4 at every depth
        ("bounce", 2, 4.0),
        ("bounce", 3, 4.0),
        ("bounce", 4, 4.0),
    ],
)
def test_minimum_l1_interpolants_of_the_paper_examples(example, depth, min_l1):
    x, y = load_example(example)
    solution = cl.solve(cl.dictionary(x, cl.Architecture("relu", depth)), y, 0.0)
    assert solution.l1_norm == pytest.approx(min_l1, rel=1e-9)
    np.testing.assert_allclose(solution.fitted, [float(v) for v in y], atol=1e-9)


def test_depth_four_sparse_solution_uses_at_most_n_units():
    x, y = load_example("mirrors")
    solution = cl.solve(cl.dictionary(x, cl.Architecture("relu", 4)), y, 1e-4)
    assert solution.support.size <= len(x)


@given(seed=st.integers(0, 2**32 - 1))
def test_beta_max_is_the_threshold_for_zero(seed):
    x, y = random_data(np.random.default_rng(seed), 5)
    D = cl.dictionary(x, cl.Architecture("abs", 3))
    top = cl.beta_max(D.matrix, y)
    above = cl.solve(D, y, top * 1.0001)
    below = cl.solve(D, y, top * 0.99)
    assert above.support.size == 0
    assert above.objective == pytest.approx(0.5 * np.sum((y - y.mean()) ** 2))
    assert below.support.size > 0
    assert below.objective < above.objective


def _soft(t: float, tau: float) -> float:
    return float(np.sign(t) * max(abs(t) - tau, 0.0))


@pytest.mark.parametrize(
    "activation, depth, threshold",
    [
        ("relu", 2, lambda beta, gap: 2 * beta / gap),
        ("relu", 3, lambda beta, gap: 2 * beta / gap),
        ("relu", 4, lambda beta, gap: 2 * beta / gap),
        ("abs", 2, lambda beta, gap: 2 * beta / gap),
        ("abs", 3, lambda beta, gap: 2 * beta / gap),
        ("abs", 4, lambda beta, gap: 2 * beta / gap),
        ("sign", 2, lambda beta, gap: beta),
        ("threshold", 2, lambda beta, gap: 2 * beta),
    ],
)
@given(
    x=st.lists(st.floats(-5, 5), min_size=2, max_size=2, unique=True).filter(
        lambda v: abs(v[0] - v[1]) > 0.1
    ),
    y=st.lists(st.floats(-3, 3), min_size=2, max_size=2),
    beta=st.floats(0.01, 2.0),
)
def test_two_point_closed_forms(activation, depth, threshold, x, y, beta):
    """N = 2: the fitted difference is soft(y1 - y2, tau), mean kept."""
    order = np.argsort(x)[::-1]
    x, y = np.array(x)[order], np.array(y)[order]
    solution = cl.solve(cl.dictionary(x, cl.Architecture(activation, depth)), y, beta)
    expected = _soft(y[0] - y[1], threshold(beta, x[0] - x[1]))
    assert solution.fitted[0] - solution.fitted[1] == pytest.approx(expected, abs=1e-6)
    assert solution.fitted.sum() == pytest.approx(y.sum(), abs=1e-9)


@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.02, 0.8))
def test_objective_matches_an_independent_coordinate_descent_solver(seed, fraction):
    x, y = random_data(np.random.default_rng(seed), 7)
    D = cl.dictionary(x, cl.Architecture("relu", 3), dedupe=True)
    beta = fraction * cl.beta_max(D.matrix, y)
    ours = cl.solve(D, y, beta)
    reference = Lasso(alpha=beta / len(y), tol=1e-14, max_iter=10**6).fit(D.matrix, y)
    residual = D.matrix @ reference.coef_ + reference.intercept_ - y
    theirs = 0.5 * residual @ residual + beta * np.abs(reference.coef_).sum()
    assert ours.objective <= theirs + 1e-9 * max(1.0, theirs)
    assert ours.objective == pytest.approx(theirs, rel=1e-6)


def test_without_output_bias_there_is_no_intercept():
    x, y = random_data(np.random.default_rng(5), 6)
    D = cl.dictionary(x, cl.Architecture("relu", 2, output_bias=False))
    solution = cl.solve(D, y + 10.0, 0.1)
    assert solution.intercept == 0.0
    assert solution.network.objective(x, y + 10.0, 0.1) == pytest.approx(
        solution.objective, rel=1e-8
    )


def test_inaccurate_solves_raise(monkeypatch):
    monkeypatch.setattr(conic, "ladder", lambda name: [{"max_iter": 1}])
    x, y = random_data(np.random.default_rng(2), 6)
    D = cl.dictionary(x, cl.Architecture("relu", 3))
    with pytest.raises(cl.SolverError, match="status|failed"):
        cl.solve(D, y, 0.01, solver="clarabel")


def test_unknown_solver_is_a_value_error():
    x, y = random_data(np.random.default_rng(2), 4)
    with pytest.raises(ValueError, match="unknown solver"):
        cl.solve(cl.dictionary(x, cl.Architecture("relu", 2)), y, 0.1, solver="nope")
