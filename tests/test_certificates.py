"""Certificates: optimal on exact families, a real violator where the Lasso is only a bound."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
from conftest import FAMILIES, FAMILY_IDS, architecture, random_data
from hypothesis import given
from hypothesis import strategies as st

import clifflasso as cl
from clifflasso.proofs import arrangement_optimum


def _lasso_value(A: np.ndarray, y: np.ndarray, beta: float, intercept: bool) -> float:
    z = cp.Variable(A.shape[1])
    xi = cp.Variable() if intercept else 0.0
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z + xi - y) + beta * cp.norm1(z)))
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11)
    return float(problem.value)


@pytest.mark.parametrize("name, kwargs, max_n", FAMILIES, ids=FAMILY_IDS)
@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.02, 0.9))
def test_exact_1d_families_are_certified_optimal(name, kwargs, max_n, seed, fraction):
    rng = np.random.default_rng(seed)
    x, y = random_data(rng, int(rng.integers(2, max_n + 1)))
    arch = architecture(kwargs)
    D = cl.dictionary(x, arch, dedupe=True)
    solution = cl.solve(D, y, fraction * cl.beta_max(D.matrix, y))
    certificate = cl.certify(solution)
    assert certificate.exact
    assert certificate.optimal, certificate
    assert certificate.violator is None
    assert 0 <= certificate.gap <= 1e-6 * max(1.0, solution.objective)


@pytest.mark.parametrize("depth", [2, 3])
@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.02, 0.9))
def test_l1_abs_families_in_2d_are_certified_optimal(depth, seed, fraction):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(4, 2)), rng.normal(size=4)
    D = cl.dictionary(X, cl.Architecture("abs", depth, norm=1))
    certificate = cl.certify(cl.solve(D, y, fraction * cl.beta_max(D.matrix, y)))
    assert certificate.exact and certificate.optimal, certificate


def test_strict_gap_instance_has_a_violator_that_really_improves():
    X, y, beta = np.eye(2), np.ones(2), 0.1
    arch = cl.Architecture("relu", 2, bias=False, output_bias=False)
    solution = cl.solve(cl.dictionary(X, arch), y, beta)
    certificate = cl.certify(solution)
    assert certificate.verdict == "not optimal" and certificate.proof
    assert certificate.sup == pytest.approx(np.sqrt(2) * beta, rel=1e-6)
    violator = certificate.violator
    np.testing.assert_allclose(np.abs(violator.parameters["weights"]), [2**-0.5, 2**-0.5])
    augmented = np.column_stack([solution.dictionary.matrix, violator.column])
    improved = _lasso_value(augmented, y, beta, intercept=False)
    assert improved < solution.objective - 1e-3
    # ... down to the true optimum sqrt(2) beta - beta^2 / 2 (0.13642)
    truth = arrangement_optimum(X, y, beta, bias=False, output_bias=False).value
    assert improved == pytest.approx(truth, rel=1e-6)
    assert truth == pytest.approx(np.sqrt(2) * beta - beta**2 / 2, rel=1e-7)
    # the dual bound brackets the optimum: objective - gap <= optimum; here it is tight
    assert solution.objective - certificate.gap <= truth + 1e-8
    assert certificate.lower_bound == pytest.approx(truth, rel=1e-7)


def test_euclidean_2d_certificate_agrees_with_the_arrangement_optimum():
    rng = np.random.default_rng(11)
    for _ in range(4):
        X, y = rng.normal(size=(5, 2)), rng.normal(size=5)
        D = cl.dictionary(X, cl.Architecture("relu", 2))
        solution = cl.solve(D, y, 0.2 * cl.beta_max(D.matrix, y))
        certificate = cl.certify(solution)
        truth = arrangement_optimum(X, y, solution.beta).value
        assert truth <= solution.objective + 1e-7
        # the proven lower bound is below the ground truth (the program's own tolerance aside)
        assert certificate.lower_bound <= truth + 1e-8
        # optimal certificate  <=>  no gap to the ground truth
        assert certificate.proof
        assert certificate.optimal == (solution.objective - truth < 1e-7)


def test_reflection_only_dictionary_is_refuted():
    rng = np.random.default_rng(0)
    refuted = 0
    for _ in range(30):
        x, y = random_data(rng, 5)
        D = cl.dictionary(x, cl.Architecture("abs", 3))
        beta = rng.uniform(0.05, 0.5) * cl.beta_max(D.matrix, y)
        partial = D.subset([f.kind == "reflection" for f in D.features])
        certificate = cl.certify(cl.solve(partial, y, beta))
        if not certificate.optimal:
            refuted += 1
            improved = _lasso_value(
                np.column_stack([partial.matrix, certificate.violator.column]), y, beta, True
            )
            assert improved < cl.solve(partial, y, beta).objective - 1e-9
    assert refuted > 0


def test_without_output_bias_the_intercept_is_a_violator():
    x, y = random_data(np.random.default_rng(3), 5)
    solution = cl.solve(cl.dictionary(x, cl.Architecture("relu", 2, output_bias=False)), y + 3, 0.1)
    certificate = cl.certify(solution)
    assert not certificate.optimal and certificate.sup == np.inf


def test_too_large_families_fall_back_to_sampling_flagged_as_not_a_proof():
    x, y = random_data(np.random.default_rng(4), 6)
    solution = cl.solve(cl.dictionary(x, cl.Architecture("abs", 3)), y, 0.05)
    certificate = cl.certify(solution, max_entries=10, samples=500)
    assert not certificate.exact and np.isnan(certificate.gap)
    assert "not a proof" in " ".join(certificate.notes)
    assert certificate.sup <= cl.certify(solution).sup * (1 + 1e-9)
