"""Streamed working-set fit, Dask pass and dense solve agree; coordinate-descent paths."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_data

import clifflasso as cl
from clifflasso.lasso.correlations import piecewise_correlations
from clifflasso.lasso.working_set import working_set_lasso


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(activation="abs", depth=3),
        dict(activation="relu", depth=2),
        dict(activation="leaky_relu", depth=2, slope=0.2),
        dict(activation="abs", depth=2),
    ],
    ids=["abs-3", "relu-2", "leaky-2", "abs-2"],
)
def test_piecewise_linear_correlations_equal_dense_ones(kwargs):
    rng = np.random.default_rng(0)
    x, _ = random_data(rng, 9)
    x[3] = x[4]  # ties in the data too
    D = cl.dictionary(x, cl.Architecture(**kwargs))
    residual = rng.normal(size=9)
    pieces = D.family.piecewise_linear(D.table)
    np.testing.assert_allclose(
        piecewise_correlations(pieces, x, residual), residual @ D.matrix, atol=1e-10
    )


@pytest.mark.parametrize(
    "kwargs, n",
    [
        (dict(activation="abs", depth=3), 30),
        (dict(activation="relu", depth=3), 20),
        (dict(activation="abs", depth=4), 8),
        (dict(activation="abs", depth=2, norm=1), 12),
    ],
    ids=["abs-3", "relu-3", "abs-4", "abs-2-l1-2d"],
)
def test_streamed_fit_matches_the_dense_solve_and_is_certified(kwargs, n):
    rng = np.random.default_rng(n)
    arch = cl.Architecture(**kwargs)
    dim = 2 if kwargs.get("norm") == 1 else 1
    X = rng.uniform(-3, 3, size=(n, dim)) if dim > 1 else np.sort(rng.uniform(-3, 3, n))
    y = rng.normal(size=n)
    D = cl.dictionary(X, arch)
    beta = 0.05 * cl.beta_max(D.matrix, y)
    dense = cl.solve(D, y, beta)
    streamed = cl.fit(X, y, arch, beta, memory_limit=2**26, progress=False)
    assert streamed.objective == pytest.approx(dense.objective, rel=1e-9)
    # the streamed family: the dictionary's own, except abs depth 4, whose vertices are indexed
    # by point tuples (copies included) so that a pass computes each column from its index
    streamed_family = D.family.complete_family()
    assert streamed.info["n_full"] == streamed_family.size()
    assert streamed_family.size() == D.n_raw or kwargs == dict(activation="abs", depth=4)
    assert streamed_family.size() >= D.n_raw
    assert len(streamed.dictionary) < len(D)
    certificate = cl.certify(streamed)
    assert certificate.optimal and certificate.exact
    network = streamed.network
    assert network.objective(X, y, beta) == pytest.approx(streamed.objective, rel=1e-8)


def test_dask_pass_gives_the_same_answer():
    distributed = pytest.importorskip("distributed")
    x, y = random_data(np.random.default_rng(8), 25)
    arch = cl.Architecture("abs", 3)
    beta = 0.3
    local = cl.fit(x, y, arch, beta, progress=False, memory_limit=2**22)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = cl.fit(x, y, arch, beta, progress=False, memory_limit=2**22, client=client)
    assert remote.objective == pytest.approx(local.objective, rel=1e-6)


def test_fit_refuses_a_family_whose_parameters_exceed_the_budget():
    x = np.linspace(0, 1, 300)
    with pytest.raises(ValueError, match="memory_limit"):
        cl.fit(x, np.sin(x), cl.Architecture("relu", 4), 0.1, memory_limit=2**20)
    with pytest.raises(ValueError, match="beta > 0"):
        cl.fit(x, np.sin(x), cl.Architecture("abs", 3), 0.0)


@pytest.mark.parametrize("activation, depth", [("relu", 3), ("relu", 4), ("relu", 5), ("abs", 4)])
def test_fit_above_beta_max_gives_the_constant_network(activation, depth):
    x, y = random_data(np.random.default_rng(3), 12)
    solution = cl.fit(x, y, cl.Architecture(activation, depth), 1e300, progress=False)
    assert solution.z.size == 0 and solution.beta_max > 0
    assert solution.intercept == pytest.approx(np.mean(y))


@pytest.mark.parametrize("solver", ["homotopy", "cd", "working_set"])
@pytest.mark.parametrize("depth, n", [(3, 15), (2, 60)])
def test_numeric_path_objectives_match_separate_clarabel_solves(solver, depth, n):
    x, y = random_data(np.random.default_rng(5), n)
    D = cl.dictionary(x, cl.Architecture("relu", depth), dedupe=True)
    betas = cl.beta_max(D.matrix, y) * np.geomspace(0.8, 1e-3, 6)
    fast = cl.lasso_path(D, y, betas, solver=solver)
    slow = cl.lasso_path(D, y, betas, solver="clarabel")
    for beta in betas:
        assert fast.objective(beta) == pytest.approx(slow.objective(beta), rel=1e-5)


def test_working_set_warm_start_from_a_larger_beta_is_re_solved():
    """The previous beta's working set may violate the KKT conditions at the next beta with its
    own (zero) coefficients; the solver must re-solve it, not stop for want of new columns."""
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(-3, 3, 60))
    y = np.sin(2 * x) + 0.1 * rng.normal(size=60)
    D = cl.dictionary(x, cl.Architecture("relu", 2), dedupe=True)
    A, centred = D.matrix - D.matrix.mean(axis=0), y - y.mean()
    top = cl.beta_max(D.matrix, y)

    def solve_at(beta, start=None):
        return working_set_lasso(
            lambda r: A.T @ r, lambda idx: A[:, idx], centred, beta, tol=1e-9, start=start
        )

    working, z, _ = solve_at(0.5 * top)
    _, _, history = solve_at(0.36 * top, start=(working, z))
    assert history[-1]["gap"] <= 1e-9 * history[-1]["objective"]


def test_fit_warns_when_the_passes_run_out_before_the_gap_closes():
    x, y = random_data(np.random.default_rng(8), 60)
    with pytest.warns(RuntimeWarning, match="not certified optimal"):
        solution = cl.fit(x, y, cl.Architecture("abs", 3), 0.05, max_passes=2, progress=False)
    assert not cl.certify(solution).optimal


def test_a_size_refusal_points_to_the_streamed_fit_only_where_it_streams():
    """Too big to build: the message suggests clifflasso.fit where the complete family streams
    within the budget (abs depth 4 indexed by point tuples, ReLU depth 3), not elsewhere."""
    from clifflasso.dictionary import size_problem

    hint = "stream it with clifflasso.fit"
    x = np.linspace(-1, 1, 150)
    for arch in (cl.Architecture("abs", 4), cl.Architecture("relu", 3)):
        assert hint in size_problem(x, arch, memory_limit=2**24)
    assert hint not in size_problem(np.linspace(-1, 1, 200), cl.Architecture("abs", 5))
    plane = np.random.default_rng(0).uniform(-3, 3, (80, 2))
    assert hint not in size_problem(plane, cl.Architecture("abs", 3))
