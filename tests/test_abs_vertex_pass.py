"""The structured pass over the depth-4 absolute-value vertices (``AbsVertexGrid``), its coarse
passes and the streamed fit that uses them.

References are independent of the pass: exact rational correlations of every column (the
family's exact values in ``Fraction`` arithmetic), the dense float correlations of the complete
vertex family (the chain kernel, not the T form), random units, and the dense Lasso.
"""

import numpy as np
import pytest
from conftest import assert_within_bounds_of_exact
from hypothesis import given, settings
from hypothesis import strategies as st

import clifflasso as cl
from clifflasso._data import as_data
from clifflasso.dictionary import family_for
from clifflasso.families.abs_vertices import AbsVertexFamily, AbsVertexGrid
from clifflasso.lasso.screening import screen

ABS4 = cl.Architecture("abs", 4)


def _families(x, arch=ABS4):
    family = family_for(arch, as_data(np.asarray(x, dtype=float)))
    return family, family.complete_family()


def _all_rows(grid, residual, threshold=0.0, stride=1):
    return grid.screen_rows(residual, threshold, range(grid.structured_rows()), stride=stride)


def _data(seed: int, n: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    if seed % 2:
        x = np.round(x, 0) + rng.choice([0.0, 0.5], n)  # ties: equal spacings, reflections on data
    lam = rng.normal(size=n)
    return x, lam - lam.mean()


def test_the_depth_4_family_streams_through_the_indexed_grid():
    family, grid = _families(np.linspace(-1, 1, 6))
    assert isinstance(family, AbsVertexFamily) and isinstance(grid, AbsVertexGrid)
    assert grid.lazy and grid.structured_rows() == 59 * 6 and grid.coarse_strides() == ()
    # depth 5 and depth 4 without a first-layer bias keep the enumerated family
    for arch in (cl.Architecture("abs", 5), cl.Architecture("abs", 4, bias=False)):
        other = family_for(arch, as_data(np.linspace(-1, 1, 5)))
        assert other.complete_family() is other


@pytest.mark.parametrize("seed", range(4))
def test_every_screened_column_is_within_its_bound_of_the_exact_correlation(seed):
    """N = 7: a row has at most 36 columns (< ROW_CAPACITY), so a pass at threshold 0 returns
    every column it screens; each is within its bound of the exact rational correlation."""
    x, lam = _data(seed, 7)
    _, grid = _families(x)
    candidates, correlations, errors, _, rest, _, _ = _all_rows(grid, lam)
    assert rest == 0.0 and candidates.size > 0
    assert_within_bounds_of_exact(grid, candidates, correlations, errors, lam)


@pytest.mark.parametrize("seed", range(3))
def test_without_an_output_bias_every_injective_vertex_is_screened_exactly(seed):
    """No pruning when the residual need not sum to zero: the pass screens each vertex of the
    enumerated family once, with the dense correlation."""
    x, _ = _data(seed, 6)
    arch = cl.Architecture("abs", 4, output_bias=False)
    family, grid = _families(np.sort(x) + 1e-3 * np.arange(6), arch)
    lam = np.random.default_rng(seed).normal(size=6)  # not centred
    candidates, correlations, *_ = _all_rows(grid, lam)
    assert candidates.size == family.size()
    dense = lam @ grid.evaluate(grid.table_at(candidates), grid.data.values)
    assert np.allclose(correlations, dense, rtol=0, atol=1e-12 * np.abs(dense).max())


def _check_pruned_supremum(seed, n, grid_data):
    rng = np.random.default_rng(seed)
    x = rng.integers(-4, 5, n) / 2.0 if grid_data else rng.uniform(-3, 3, n)
    lam = rng.normal(size=n)
    lam -= lam.mean()
    family, grid = _families(x)
    dense = lam @ family.evaluate(family.enumerate(), family.data.values)
    _, correlations, *_ = _all_rows(grid, lam)
    top = np.abs(dense).max()
    assert np.abs(correlations).max() == pytest.approx(top, rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(3, 8), grid_data=st.booleans())
def test_the_pruned_pass_attains_the_supremum_of_the_complete_family(seed, n, grid_data):
    """The pass skips vertices whose defining kinks are not kinks of their unit; the largest
    correlation it screens is still the largest over every vertex of the complete family
    (dense chain kernel), for residuals that sum to zero."""
    _check_pruned_supremum(seed, n, grid_data)


@pytest.mark.slow
@pytest.mark.usefixtures("slow_selected")
@settings(max_examples=400, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(3, 16), grid_data=st.booleans())
def test_slow_the_pruned_pass_attains_the_supremum(seed, n, grid_data):
    """The same property on 400 instances of up to 16 points (100,000 vertices)."""
    _check_pruned_supremum(seed, n, grid_data)


def test_random_units_never_beat_the_pruned_pass():
    """An independent search: 20,000 random units (a, r2, r3), evaluated directly as
    ||x - a| - r2| - r3|, never correlate above the pass's supremum."""
    x, lam = _data(0, 8)
    _, grid = _families(x)
    _, correlations, errors, *_ = _all_rows(grid, lam)
    bound = np.max(np.abs(correlations) + errors)
    rng = np.random.default_rng(1)
    theta = rng.uniform(-7, 7, (20_000, 3))
    a, r2, r3 = (theta[:, k][None, :] for k in range(3))
    values = np.abs(np.abs(np.abs(x[:, None] - a) - r2) - r3)
    assert np.abs(lam @ values).max() <= bound * (1 + 1e-12)


def test_a_coarse_pass_screens_the_columns_on_every_stride_th_point_and_bounds_nothing():
    x = np.linspace(-2, 2, 64) + 1e-3 * np.sin(np.arange(64))
    lam = np.random.default_rng(0).normal(size=64)
    lam -= lam.mean()
    _, grid = _families(x)
    assert grid.coarse_strides() == (2,)
    candidates, *_ = _all_rows(grid, lam, threshold=0.0, stride=2)
    rank = np.argsort(np.argsort(x))  # sorted position of each data point
    points = grid.table_at(candidates).indices
    assert candidates.size > 0 and np.all(rank[points] % 2 == 0)
    coarse = screen(grid, grid.streaming_table(), lam, 1.0, block_size=1024, stride=2)
    assert not coarse.complete and coarse.rest_upper == np.inf
    with pytest.raises(ValueError, match="no coarse pass of stride 3"):
        screen(grid, grid.streaming_table(), lam, 1.0, block_size=1024, stride=3)


@pytest.mark.parametrize("n", [12, 70])
def test_streamed_fit_equals_the_dense_solve_and_is_certified(n):
    """The streamed fit (coarse passes at N = 70, a pool, full passes) reaches the dense
    optimum over the complete vertex family and is certified optimal; its gap comes from a
    full pass."""
    rng = np.random.default_rng(n)
    x = np.sort(rng.uniform(-2, 2, n))
    y = np.sin(2 * x) + 0.1 * rng.normal(size=n)
    beta = 0.05
    streamed = cl.fit(x, y, ABS4, beta, progress=False)
    passes = streamed.info["passes"]
    assert passes[-1]["complete"] and streamed.info["screen"].complete
    assert streamed.info["gap"] <= 1e-12 * streamed.objective
    if n > 64:
        assert not passes[0]["complete"] and np.isnan(streamed.beta_max)
    certificate = cl.certify(streamed)
    assert certificate.optimal and certificate.proof
    if n <= 12:
        dense = cl.solve(cl.dictionary(x, ABS4), y, beta)
        assert streamed.objective == pytest.approx(dense.objective, rel=1e-9)


@pytest.mark.parametrize(
    "arch",
    [cl.Architecture("relu", 4), cl.Architecture("relu", 3), ABS4],
    ids=["relu-4", "relu-3", "abs-4-grid"],
)
def test_columns_at_any_indices_are_those_of_the_enumeration(arch):
    """``table_at`` of shuffled indices (both ReLU depth-4 blocks interleaved) gives the columns
    of the whole enumeration at those positions: same points, same parameters."""
    x = np.random.default_rng(2).uniform(-2, 2, 6)
    family = family_for(arch, as_data(x))
    if arch is ABS4:
        family = family.complete_family()
    whole = family.table_at(np.arange(family.size()))
    chosen = np.random.default_rng(3).permutation(family.size())[:500]
    some = family.table_at(chosen)
    assert np.array_equal(some.indices, whole.indices[chosen])
    assert np.array_equal(some.kinds, whole.kinds[chosen])
    for name, values in whole.params.items():
        assert np.array_equal(some.params[name], values[chosen]), name
