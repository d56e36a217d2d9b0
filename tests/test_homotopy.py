"""The floating-point homotopy path (clifflasso.lasso.homotopy): the exact rational path at
its own breakpoints (where ties are exact), KKT conditions on random data, the soft-threshold
closed form of an orthogonal design, exactly dependent columns, and the fall-back."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from conftest import random_data, rational_data, rationals
from hypothesis import given, settings
from hypothesis import strategies as st
from test_exact import PATH_CASES, PATH_IDS

import clifflasso as cl
from clifflasso.lasso import LassoProblem, solve_path, solvers
from clifflasso.lasso.homotopy import HomotopyError, lasso_homotopy
from clifflasso.lasso.working_set import interior_point


@pytest.mark.parametrize("kwargs, max_n", PATH_CASES, ids=PATH_IDS)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_homotopy_path_equals_the_exact_path_at_its_breakpoints(kwargs, max_n, data):
    x = data.draw(rational_data(3, max_n))
    y = data.draw(st.lists(rationals(4, 3), min_size=len(x), max_size=len(x)))
    D = cl.dictionary(x, cl.Architecture(**kwargs))
    exact = cl.lasso_path(D, y, exact=True)
    knots = [b for b in exact.breakpoints if b > 0]
    if not knots:  # y constant: beta_max = 0
        return
    betas = knots + [(a + b) / 2 for a, b in zip(knots, knots[1:])] + [knots[-1] / 3]
    numeric = cl.lasso_path(D, [float(v) for v in y], [float(b) for b in betas])
    for beta in betas:
        reference = float(exact.objective(beta))
        assert numeric.objective(float(beta)) == pytest.approx(reference, rel=1e-9, abs=1e-12)


def test_a_wrong_sweep_is_re_solved_at_every_grid_point():
    """Exact ties at beta_max (a column and its negation among them) send the float sweep off
    the path here (found by hypothesis); the gap check must re-solve the warm start even though
    no column violates the KKT conditions."""
    x, y = [Fraction(0), Fraction(1), Fraction(1, 2)], [Fraction(1), Fraction(-1), Fraction(3)]
    D = cl.dictionary(x, cl.Architecture("relu", 2))
    exact = cl.lasso_path(D, y, exact=True)
    betas = [Fraction(1, 3), Fraction(2, 3), Fraction(1, 9)]
    numeric = cl.lasso_path(D, [float(v) for v in y], [float(b) for b in betas])
    for beta in betas:
        reference = float(exact.objective(beta))
        assert numeric.objective(float(beta)) == pytest.approx(reference, rel=1e-9, abs=1e-12)


def centred_problem(arch: cl.Architecture, n: int, seed: int):
    x, y = random_data(np.random.default_rng(seed), n)
    D = cl.dictionary(x, arch, dedupe=True)
    return D.matrix - D.matrix.mean(axis=0), y - y.mean()


@pytest.mark.parametrize(
    "arch",
    [cl.Architecture("relu", 3), cl.Architecture("abs", 3), cl.Architecture("relu", 4)],
    ids=["relu-3", "abs-3", "relu-4"],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_raw_sweep_satisfies_kkt_on_random_data(arch, seed):
    A, y = centred_problem(arch, 12 if arch.depth == 4 else 25, seed)
    top = float(np.max(np.abs(A.T @ y)))
    betas = top * np.geomspace(0.9, 1e-4, 15)
    Z = lasso_homotopy(A, y, betas)
    for z, beta in zip(Z, betas):
        correlations = A.T @ (y - A @ z)
        assert np.max(np.abs(correlations)) <= beta * (1 + 1e-8)
        support = np.flatnonzero(z)
        assert support.size <= A.shape[0]
        np.testing.assert_allclose(correlations[support], beta * np.sign(z[support]), rtol=1e-8)


@settings(max_examples=25, deadline=None)
@given(
    y=st.lists(st.floats(-10, 10), min_size=1, max_size=8),
    fractions=st.lists(st.floats(0.01, 1.5), min_size=1, max_size=5),
)
def test_orthogonal_design_gives_soft_thresholding(y, fractions):
    y = np.array(y)
    if np.max(np.abs(y)) < 1e-3:
        return
    betas = np.max(np.abs(y)) * np.array(fractions)
    Z = lasso_homotopy(np.eye(y.size), y, betas)
    for z, beta in zip(Z, betas):
        expected = np.sign(y) * np.maximum(np.abs(y) - beta, 0.0)
        np.testing.assert_allclose(z, expected, atol=1e-12 * (1 + np.max(np.abs(y))))


def test_exactly_dependent_columns_are_held_back():
    rng = np.random.default_rng(3)
    base = rng.normal(size=(10, 4))
    # a duplicate, a negated copy, a sum of two columns and a zero column
    A = np.hstack([base, base[:, :1], -base[:, 1:2], base[:, 2:3] + base[:, 3:4], 0 * base[:, :1]])
    y = rng.normal(size=10)
    betas = float(np.max(np.abs(A.T @ y))) * np.geomspace(0.9, 1e-3, 12)
    Z, gaps, _ = solve_path(LassoProblem(A, y, intercept=False), betas)
    assert np.max(gaps) <= 1e-12
    for z, beta in zip(Z, betas):
        clarabel = interior_point(A, y, float(beta))

        def objective(v, beta=beta):
            return 0.5 * np.sum((A @ v - y) ** 2) + beta * np.abs(v).sum()

        assert objective(z) == pytest.approx(objective(clarabel), rel=1e-7)


def test_breakdown_falls_back_on_the_working_set_path(monkeypatch):
    A, y = centred_problem(cl.Architecture("abs", 3), 15, 4)
    betas = float(np.max(np.abs(A.T @ y))) * np.geomspace(0.5, 1e-3, 5)
    with pytest.raises(HomotopyError, match="events"):
        lasso_homotopy(A, y, betas, max_events=2)

    def broken(*args, **kwargs):
        raise HomotopyError("forced")

    monkeypatch.setattr(solvers, "lasso_homotopy", broken)
    Z, gaps, method = solve_path(LassoProblem(A, y, intercept=False), betas)
    assert "working_set" in method
    assert np.max(gaps) <= 1e-12 and np.all(np.count_nonzero(Z, axis=1) > 0)
