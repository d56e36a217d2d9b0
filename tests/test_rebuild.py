"""Rebuilt networks: nonconvex objective = Lasso objective, predictions = A z + xi."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DEEP_ABS, FAMILIES, FAMILY_IDS, architecture, random_data
from hypothesis import given
from hypothesis import strategies as st

import clifflasso as cl


def _check_rebuild(arch: cl.Architecture, x: np.ndarray, y: np.ndarray, beta: float) -> None:
    D = cl.dictionary(x, arch)
    solution = cl.solve(D, y, beta)
    network = solution.network
    np.testing.assert_allclose(
        network.predict(x), D.matrix @ solution.z + solution.intercept, rtol=0, atol=1e-9
    )
    assert network.objective(x, y, beta) == pytest.approx(solution.objective, rel=1e-8)
    assert network.width == solution.support.size


@pytest.mark.parametrize("name, kwargs, max_n", FAMILIES + [DEEP_ABS], ids=FAMILY_IDS + ["abs-5"])
@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.01, 0.9))
def test_network_objective_equals_lasso_objective(name, kwargs, max_n, seed, fraction):
    rng = np.random.default_rng(seed)
    x, y = random_data(rng, int(rng.integers(2, max_n + 1)))
    arch = architecture(kwargs)
    D = cl.dictionary(x, arch)
    beta = fraction * cl.beta_max(D.matrix, y)
    _check_rebuild(arch, x, y, beta)


@pytest.mark.parametrize("name, kwargs, max_n", FAMILIES, ids=FAMILY_IDS)
def test_rebuild_at_beta_zero_interpolates(name, kwargs, max_n):
    x, y = random_data(np.random.default_rng(7), max_n)
    _check_rebuild(architecture(kwargs), x, y, 0.0)


def test_chain_weights_per_layer_have_the_documented_shapes():
    x, y = random_data(np.random.default_rng(3), 5)
    solution = cl.solve(cl.dictionary(x, cl.Architecture("relu", 4)), y, 0.01)
    layers = solution.network.layers
    m = solution.network.width
    assert [w.shape for w, _ in layers] == [(m, 1), (m,), (m,), (m,)]
    assert [b.shape for _, b in layers] == [(m,), (m,), (m,), (1,)]
    # the l_L^L penalty of each chain equals |z| (AM-GM balance)
    gamma = np.abs(layers[-1][0])
    np.testing.assert_allclose(gamma**4, np.abs(solution.z[solution.support]), rtol=1e-12)


def test_switching_units_realise_their_patterns_with_the_declared_widths():
    arch = cl.Architecture("sign", 4, kind="tree", widths=(2, 3))
    x = np.arange(10.0)
    D = cl.dictionary(x, arch)
    assert max(len(f.breakpoints) for f in D.features) == 6
    z = np.ones(len(D))
    network = D.family.rebuild(D.table, z, 0.0)
    for unit, column in zip(network.units, D.matrix.T):
        shapes = [w.shape for w, _ in unit.layers]
        assert shapes == [(6, 1), (3, 6), (1, 3)]
        np.testing.assert_array_equal(unit.feature(x[:, None], "sign"), column)


def test_beta_above_beta_max_gives_the_constant_network():
    x, y = random_data(np.random.default_rng(1), 6)
    D = cl.dictionary(x, cl.Architecture("abs", 3))
    solution = cl.solve(D, y, 1.0001 * cl.beta_max(D.matrix, y))
    assert solution.support.size == 0
    assert solution.intercept == pytest.approx(y.mean())
    np.testing.assert_allclose(solution.network.predict(x), y.mean())
