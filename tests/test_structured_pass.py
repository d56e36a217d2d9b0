"""The O(N^2) structured passes (depth-3 mirrors, capped ramps) and the streamed beta path.

References are independent of the pass: exact rational correlations of every column
(``Fraction`` arithmetic on the family's exact values), the column-by-column float screen,
and the dense Lasso solved over the materialised dictionary.
"""

from fractions import Fraction

import numpy as np
import pytest
from conftest import assert_within_bounds_of_exact

import clifflasso as cl
from clifflasso._data import as_data
from clifflasso.dictionary import family_for
from clifflasso.lasso import screening
from clifflasso.lasso.streaming import fit_path
from clifflasso.numeric.structured_passes import (
    ROW_CAPACITY,
    capped_ramp_row_count,
    mirror_row_count,
    mirror_rows,
)


def _family(x):
    return family_for(cl.Architecture("abs", 3), as_data(np.asarray(x, dtype=float)))


def _data(seed: int, n: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    if seed % 2:
        x = np.round(x, 1)  # repeated values and ties of 2 x_j - x_k with data points
    lam = rng.normal(size=n)
    return x, lam - lam.mean()


@pytest.mark.parametrize("seed", range(4))
def test_every_column_is_within_its_bound_of_the_exact_correlation(seed):
    """N = 12: each row has at most 12 columns, so a pass at threshold 0 returns all of them;
    each float correlation is within its error bound of the exact rational one."""
    x, lam = _data(seed, 12)
    family = _family(x)
    candidates, correlations, errors, _, rest, _, _ = mirror_rows(
        x, lam, 0.0, range(mirror_row_count(12))
    )
    assert sorted(candidates.tolist()) == list(range(family.size())) and rest == 0.0
    assert_within_bounds_of_exact(family, candidates, correlations, errors, lam)


@pytest.mark.parametrize("seed", range(4))
def test_structured_screen_equals_the_column_by_column_screen(seed):
    x, lam = _data(seed, 60)
    family = _family(x)
    table = family.enumerate()
    sums = (float(np.abs(lam).sum()), float(np.abs(lam * x).sum()))
    correlations, errors, magnitudes = screening._block(family, table, lam, sums)
    beta = float(np.quantile(np.abs(correlations), 0.999))
    fast = screening.screen(family, family.streaming_table(), lam, beta, block_size=10**6)
    upper = np.abs(correlations) + errors
    chosen = upper >= beta * (1 - 1e-6)
    order = np.argsort(fast.candidates)
    np.testing.assert_array_equal(fast.candidates[order], np.flatnonzero(chosen))
    assert np.all(np.abs(fast.correlations[order] - correlations[chosen]) <= errors[chosen])
    np.testing.assert_allclose(fast.errors[order], errors[chosen], rtol=1e-12)
    np.testing.assert_allclose(fast.magnitudes[order], magnitudes[chosen], rtol=1e-12)
    assert fast.rest_upper == pytest.approx(upper[~chosen].max(), rel=1e-12)
    assert fast.rest_magnitude == pytest.approx(magnitudes[~chosen].max(), rel=1e-12)


def test_a_screen_raised_to_a_larger_beta_equals_the_screen_at_that_beta():
    """A pass screened at 0.9 beta and raised to beta keeps the candidates, correlations and
    bounds of the pass screened at beta directly (N = 40: no row overflows)."""
    x, lam = _data(1, 40)
    family = _family(x)
    table = family.streaming_table()
    beta = 0.8 * screening.screen(family, table, lam, np.inf, block_size=10**6).upper()
    direct = screening.screen(family, table, lam, beta, block_size=10**6)
    raised = screening.screen(family, table, lam, 0.9 * beta, block_size=10**6).raised_to(beta)
    order_direct, order_raised = np.argsort(direct.candidates), np.argsort(raised.candidates)
    np.testing.assert_array_equal(direct.candidates[order_direct], raised.candidates[order_raised])
    np.testing.assert_array_equal(
        direct.correlations[order_direct], raised.correlations[order_raised]
    )
    assert raised.beta == beta and raised.rest_upper == direct.rest_upper
    assert raised.rest_magnitude == direct.rest_magnitude


def test_a_full_row_keeps_its_largest_candidates_and_bounds_the_others():
    n = ROW_CAPACITY + 24
    x, lam = _data(0, n)
    everything = mirror_rows(x, lam, 0.0, range(0, 1))  # one reflection row, n candidates
    assert everything[0].size == ROW_CAPACITY
    upper = np.abs(everything[1]) + everything[2]
    assert everything[4] <= upper.min() + 1e-12  # the evicted ones are below every kept one
    family = _family(x)
    row = family.table_at(np.arange(n) + n * int(np.argmin(x)))
    exact_top = np.sort(np.abs(lam @ family.evaluate(row, family.data.values)))[::-1]
    np.testing.assert_allclose(
        np.sort(np.abs(everything[1]))[::-1], exact_top[:ROW_CAPACITY], rtol=1e-9
    )


def test_streamed_fit_with_the_structured_pass_equals_the_dense_solve():
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(-2, 2, 70))
    y = np.sin(3 * x) + 0.1 * rng.normal(size=70)
    arch = cl.Architecture("abs", 3)
    streamed = cl.fit(x, y, arch, 0.05, progress=False)
    dense = cl.solve(cl.dictionary(x, arch), y, 0.05)
    assert streamed.objective == pytest.approx(dense.objective, rel=1e-9)
    np.testing.assert_allclose(streamed.predict(x), dense.predict(x), atol=1e-6)
    assert cl.certify(streamed).verdict == "optimal"


def test_streamed_beta_path_equals_dense_solves_at_every_beta():
    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(-2, 2, 40))
    y = np.abs(x) - 0.5 * np.cos(4 * x) + 0.05 * rng.normal(size=40)
    arch = cl.Architecture("relu", 3)
    path = fit_path(x, y, arch, n_betas=5, ratio=0.01, progress=False)
    D = cl.dictionary(x, arch)
    betas = [s.beta for s in path]
    assert betas == sorted(betas, reverse=True) and len(path) == 5
    assert np.count_nonzero(path[0].z) == 0  # the first beta is beta_max: the zero network
    for solution in path:
        dense = cl.solve(D, y, solution.beta)
        assert solution.objective == pytest.approx(dense.objective, rel=1e-9)
        assert solution.info["gap"] <= 1e-12 * solution.objective + 1e-15


def test_fit_path_refuses_a_bad_grid():
    x = np.linspace(-1, 1, 6)
    with pytest.raises(ValueError, match="betas > 0"):
        fit_path(x, x**2, cl.Architecture("relu", 2), [0.1, 0.0], progress=False)
    with pytest.raises(ValueError, match="n_betas"):
        fit_path(x, x**2, cl.Architecture("relu", 2), n_betas=0, progress=False)


@pytest.mark.parametrize("depth", [3, 5])
@pytest.mark.parametrize("seed", range(3))
def test_every_capped_ramp_is_within_its_bound_of_the_exact_correlation(depth, seed):
    """ReLU chains of depth 3 and the reduced family of deeper chains, N = 12 (a row's columns
    fit its buffer): every column is returned once or is exactly a copy of a returned one or
    zero; each float correlation is within its error bound of the exact one, and each
    magnitude bounds the exact values."""
    x, lam = _data(seed, 12)
    family = family_for(cl.Architecture("relu", depth), as_data(x)).complete_family()
    assert family.structured_rows() == capped_ramp_row_count(12)
    candidates, correlations, errors, magnitudes, rest, _, _ = family.screen_rows(
        lam, 0.0, range(family.structured_rows())
    )
    assert rest == 0.0 and len(set(candidates.tolist())) == candidates.size
    every = family.exact_values(family.enumerate(), range(family.size()))
    screened = {every[j] for j in candidates.tolist()}
    for j in set(range(family.size())) - set(candidates.tolist()):
        assert every[j] in screened or not any(every[j])  # a copy, or zero on the data
    mu = [Fraction(float(v)) for v in lam]
    for column, j in enumerate(candidates.tolist()):
        exact = sum((m * f for m, f in zip(mu, every[j])), Fraction(0))
        assert abs(Fraction(float(correlations[column])) - exact) <= Fraction(float(errors[column]))
        assert max(abs(v) for v in every[j]) <= Fraction(float(magnitudes[column]))


@pytest.mark.parametrize("depth", [3, 4])
def test_streamed_relu_fit_with_the_capped_ramp_pass_equals_the_dense_solve(depth):
    rng = np.random.default_rng(depth)
    x = np.sort(rng.uniform(-2, 2, 30))
    y = np.sin(3 * x) + 0.1 * rng.normal(size=30)
    arch = cl.Architecture("relu", depth)
    streamed = cl.fit(x, y, arch, 0.05, progress=False)
    dense = cl.solve(cl.dictionary(x, arch), y, 0.05)
    assert streamed.objective == pytest.approx(dense.objective, rel=1e-9)
    assert cl.certify(streamed).verdict == "optimal"
