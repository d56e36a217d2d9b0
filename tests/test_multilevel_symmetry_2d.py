r"""Multilevel symmetries of deep absolute-value units in 2-D, checked numerically.

A unit :math:`h_L(w\cdot x + b_1)` is invariant under the reflection across its mirror
everywhere and across a level-k plane on the slab of half-width "distance to the nearest plane
of a lower level" (:mod:`clifflasso.numeric.symmetry`). The reflections are written out here as
:math:`R x = x - 2(w\cdot x - c)\,w/\|w\|^2`, the units of
:class:`~clifflasso.numeric.network.ChainNetwork` are evaluated by their formula, every
invariance is checked to 1e-12 relative, and just past each slab the invariance must fail.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import clifflasso as cl
from clifflasso.numeric.network import ChainNetwork
from clifflasso.numeric.symmetry import ReflectionPlane, reflection_planes, unit_reflection_planes


def unit_network(w, b1, hidden_weights, hidden_biases) -> ChainNetwork:
    depth = len(hidden_weights) + 2
    return ChainNetwork(
        "abs",
        depth,
        2,
        np.array([w], dtype=float),
        np.array([b1], dtype=float),
        np.array([hidden_weights], dtype=float).reshape(1, depth - 2),
        np.array([hidden_biases], dtype=float).reshape(1, depth - 2),
        np.ones(1),
        0.0,
    )


def unit_values(network: ChainNetwork, unit: int):
    r"""The chain's output :math:`|v_{L-1}|\cdots|v_2|x\cdot w + b_1| + c_2|\cdots + c_{L-1}|`
    written out in numpy (independent of the compiled kernels)."""

    def values(X: np.ndarray) -> np.ndarray:
        h = np.abs(X @ network.first_weights[unit] + network.first_biases[unit])
        for v, c in zip(network.hidden_weights[unit], network.hidden_biases[unit]):
            h = np.abs(v * h + c)
        return h

    return values


def reflect(X: np.ndarray, w: np.ndarray, c: float) -> np.ndarray:
    return X - np.outer(2 * (X @ w - c) / (w @ w), w)


def points_near(plane: ReflectionPlane, distances: np.ndarray, rng) -> np.ndarray:
    r"""Points with :math:`w\cdot x - c` = ``distances`` and random positions along the plane."""
    w = plane.normal
    along = np.array([-w[1], w[0]]) / np.linalg.norm(w)
    foot = plane.offset * w / (w @ w)
    spread = rng.uniform(-10, 10, size=distances.size)
    return foot + np.outer(distances, w / (w @ w)) + np.outer(spread, along)


def check_unit(values, planes, rng, samples: int = 400) -> int:
    """Invariance on each slab (1e-12 relative) and failure just past it; returns the number of
    planes of level >= 2 checked."""
    checked = 0
    for plane in planes:
        reach = min(plane.half_width, 50.0)
        X = points_near(plane, rng.uniform(-reach, reach, size=samples), rng)
        assert plane.in_slab(X).all()
        here, there = values(X), values(reflect(X, plane.normal, plane.offset))
        assert np.allclose(plane.reflect(X), reflect(X, plane.normal, plane.offset), atol=1e-12)
        scale = 1.0 + np.max(np.abs(here))
        assert np.max(np.abs(there - here)) <= 1e-12 * scale, plane
        if np.isfinite(plane.half_width):
            checked += 1
            past = plane.half_width * (1 + 1e-3)
            outside = points_near(plane, np.array([past, -past]), rng)
            assert not plane.in_slab(outside).any()
            broken = np.abs(values(reflect(outside, plane.normal, plane.offset)) - values(outside))
            assert np.max(broken) > 1e-6 * plane.half_width, plane
    return checked


def test_nested_offsets_give_the_planes_a1_plus_minus_r2_plus_minus_r3():
    w, a1, r2, r3 = np.array([0.6, -0.8]), 1.5, 2.0, 0.75
    planes = reflection_planes(w, -a1, [1.0, 1.0], [-r2, -r3])
    by_level = {k: sorted(p.offset for p in planes if p.level == k) for k in (1, 2, 3)}
    assert by_level[1] == [a1]
    assert np.allclose(by_level[2], [a1 - r2, a1 + r2])
    expected = sorted(a1 + e2 * r2 + e3 * r3 for e2, e3 in itertools.product((1, -1), repeat=2))
    assert np.allclose(by_level[3], expected)
    widths = {p.level: p.half_width for p in planes}
    assert widths[1] == np.inf and np.isclose(widths[2], r2) and np.isclose(widths[3], r3)


def test_random_deep_units_are_invariant_on_their_slabs_and_not_past_them():
    rng = np.random.default_rng(11)
    deeper = 0
    for depth in (2, 3, 4, 5) * 8:
        w = rng.normal(size=2)
        signs = rng.choice([-1.0, 1.0], size=depth - 2)
        hidden_weights = signs * rng.uniform(0.5, 2.0, size=depth - 2)
        hidden_biases = rng.normal(scale=2.0, size=depth - 2)
        network = unit_network(w, rng.normal(), hidden_weights, hidden_biases)
        deeper += check_unit(unit_values(network, 0), unit_reflection_planes(network, 0), rng)
    assert deeper > 40


def test_depth3_level2_symmetry_holds_exactly_on_the_slab():
    r"""For :math:`h_3` the reflection across :math:`s = \rho` changes the value by exactly
    :math:`2|v|\min(\mathrm{dist}, \rho)` at a distance dist outside the slab
    :math:`0 \le s \le 2\rho` (derived in closed form), so it holds nowhere else."""
    rng = np.random.default_rng(5)
    for _ in range(10):
        w, b1 = rng.normal(size=2), rng.normal()
        v, rho = rng.uniform(0.5, 2.0) * rng.choice([-1, 1]), rng.uniform(0.5, 3.0)
        network = unit_network(w, b1, [v], [-v * rho])
        plane = next(p for p in unit_reflection_planes(network, 0) if p.offset > -b1)
        assert np.isclose(plane.offset, rho - b1) and np.isclose(plane.half_width, rho)
        distance = rng.uniform(0.0, 3 * rho, size=300)
        side = rng.choice([-1.0, 1.0], size=300)
        X = points_near(plane, side * (rho + distance), rng)
        values = unit_values(network, 0)
        change = np.abs(values(plane.reflect(X)) - values(X))
        assert np.allclose(change, 2 * abs(v) * np.minimum(distance, rho), atol=1e-12 * rho)


@pytest.mark.parametrize("depth", [3, 4])
def test_fitted_units_of_a_certified_abs_fit_have_the_predicted_symmetries(depth):
    X = np.array([[0, 0], [4, 0], [1, 3], [3, 3], [0, 5], [5, 4], [2, 1]], dtype=float)
    y = np.abs(np.abs(np.abs(X.sum(axis=1) - 4) - 2) - 1)
    D = cl.dictionary(X, cl.Architecture("abs", depth, norm=1), dedupe=True)
    solution = cl.solve(D, y, 0.05)
    certificate = cl.certify(solution)
    assert certificate.optimal and certificate.exact
    network = solution.network
    rng = np.random.default_rng(2)
    deeper = 0
    for unit in range(network.width):
        planes = unit_reflection_planes(network, unit)
        assert [p.level for p in planes].count(1) == 1
        values = unit_values(network, unit)
        assert np.allclose(values(X), network.units(X)[:, unit], atol=1e-12)
        deeper += check_unit(values, planes, rng)
    assert deeper >= 2


def test_bad_units_are_refused():
    with pytest.raises(ValueError, match="same length"):
        reflection_planes([1.0, 0.0], 0.0, [1.0], [])
    with pytest.raises(ValueError, match="zero"):
        reflection_planes([0.0, 0.0], 0.0, [], [])
