"""Threshold / sign Lasso = 1-D total-variation denoising with weights beta and beta/2."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import clifflasso as cl


def tv_denoising(y_sorted: np.ndarray, weight: float) -> float:
    u = cp.Variable(y_sorted.size)
    objective = 0.5 * cp.sum_squares(u - y_sorted) + weight * cp.norm1(cp.diff(u))
    problem = cp.Problem(cp.Minimize(objective))
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11)
    assert problem.status == cp.OPTIMAL
    return float(problem.value)


@pytest.mark.parametrize("activation, factor", [("threshold", 1.0), ("sign", 0.5)])
@given(seed=st.integers(0, 2**32 - 1), beta=st.floats(0.01, 3.0), n=st.integers(2, 9))
def test_step_lasso_is_total_variation_denoising(activation, factor, seed, beta, n):
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.arange(n, dtype=float) + rng.uniform(0, 0.5, size=n))
    y = rng.normal(size=n)
    solution = cl.solve(cl.dictionary(x, cl.Architecture(activation, 2)), y, beta)
    expected = tv_denoising(y[np.argsort(x)], factor * beta)
    assert solution.objective == pytest.approx(expected, rel=1e-6, abs=1e-8)
