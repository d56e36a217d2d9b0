"""Completeness evidence: no chain from a dense parameter grid beats the dictionary.

For a centred residual lambda, the Lasso over a dictionary equals training iff
sup_theta |lambda^T F_theta(X)| is attained by a column. Here the sup is
approximated from below by dense grids of normalised chain parameters (or random networks
for sign/threshold units); a complete dictionary is never beaten. The same test finds the
known failure of reflection-only depth-3 abs dictionaries.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import random_data

import clifflasso as cl
from clifflasso.numeric.chains import evaluate_chains
from clifflasso.numeric.network import SwitchingUnit


def _chains(
    x: np.ndarray, activation: str, first_signs, a1, hidden_signs, hidden_biases, slope=None
):
    """Evaluate chains with first layer s1 (x - a1) and later layers s_l F + b_l."""
    count = a1.shape[0]
    return evaluate_chains(
        x[:, None],
        np.asarray(first_signs, float).reshape(count, 1),
        -np.asarray(first_signs, float) * a1,
        np.asarray(hidden_signs, float).reshape(count, -1),
        np.asarray(hidden_biases, float).reshape(count, -1),
        activation,
        slope,
    )


def _grid(low: float, high: float, size: int) -> np.ndarray:
    return np.linspace(low, high, size)


def grid_features(arch: cl.Architecture, x: np.ndarray) -> np.ndarray:
    lo, hi = x.min() - 2.0, x.max() + 2.0
    span = hi - lo
    L, act = arch.depth, arch.activation
    if act in ("relu", "leaky_relu", "abs") and L == 2:
        a = _grid(lo, hi, 4001) if arch.bias else np.zeros(1)
        blocks = [
            _chains(
                x,
                act,
                np.full(a.size, s),
                a,
                np.zeros((a.size, 0)),
                np.zeros((a.size, 0)),
                arch.slope,
            )
            for s in (1, -1)
        ]
        return np.hstack(blocks)
    if act == "relu":
        sizes = {3: 160, 4: 36}[L]
        a1 = _grid(lo, hi, sizes) if arch.bias else np.zeros(1)
        offsets = [_grid(-1.0, span + 1.0, sizes)] * (L - 2)
        blocks = []
        for signs in itertools.product((1.0, -1.0), repeat=L - 1):
            mesh = np.meshgrid(a1, *offsets, indexing="ij")
            a, *c = (m.ravel() for m in mesh)
            hidden_signs = np.tile(np.array(signs[1:]), (a.size, 1))
            hidden_biases = -hidden_signs * np.stack(c, axis=1)
            blocks.append(
                _chains(x, "relu", np.full(a.size, signs[0]), a, hidden_signs, hidden_biases)
            )
        return np.hstack(blocks)
    if act == "abs":
        sizes = {3: 400, 4: 60, 5: 22}[L]
        a1 = _grid(lo, hi, sizes) if arch.bias else np.zeros(1)
        radii = [_grid(-1.0, span + 1.0, sizes)] * (L - 2)
        mesh = np.meshgrid(a1, *radii, indexing="ij")
        a, *r = (m.ravel() for m in mesh)
        return _chains(x, "abs", np.ones(a.size), a, np.ones((a.size, L - 2)), -np.stack(r, axis=1))
    raise AssertionError(act)


def random_switching_features(arch: cl.Architecture, x: np.ndarray, rng, count=3000):
    """Features of random sign/threshold units of the architecture's shape."""
    D = cl.dictionary(x, arch)
    sizes = D.family._layer_sizes()
    inputs = [1] + sizes[:-1]
    lo, hi = x.min() - 0.5, x.max() + 0.5
    columns = []
    for _ in range(count):
        layers = []
        for level, (n_out, n_in) in enumerate(zip(sizes, inputs), start=1):
            weights = rng.normal(size=(n_out, n_in))
            if level == 1:
                weights = np.ones((n_out, 1))
                biases = -rng.uniform(lo, hi, size=n_out)
            else:
                if arch.kind == "tree":
                    mask = np.zeros((n_out, n_in))
                    for node in range(n_out):
                        mask[node, D.family._children(level, node)] = 1
                    weights *= mask
                biases = rng.normal(size=n_out)
            layers.append((weights, biases))
        unit = SwitchingUnit(layers=tuple(layers), amplitude=1.0)
        columns.append(unit.feature(x[:, None], arch.activation))
    return np.stack(columns, axis=1)


CHAIN_FAMILIES = [
    dict(activation="relu", depth=2),
    dict(activation="leaky_relu", depth=2, slope=0.3),
    dict(activation="abs", depth=2),
    dict(activation="relu", depth=3),
    dict(activation="relu", depth=3, bias=False),
    dict(activation="relu", depth=4),
    dict(activation="abs", depth=3),
    dict(activation="abs", depth=3, bias=False),
    dict(activation="abs", depth=4),
    dict(activation="abs", depth=5),
]


def _dual_norm(matrix: np.ndarray, residual: np.ndarray) -> float:
    return float(np.max(np.abs(residual @ matrix)))


def _centred_residual(rng, n):
    residual = rng.normal(size=n)
    return residual - residual.mean()


@pytest.mark.parametrize("kwargs", CHAIN_FAMILIES, ids=lambda k: "-".join(map(str, k.values())))
def test_dense_parameter_grid_never_beats_the_dictionary(kwargs):
    arch = cl.Architecture(**kwargs)
    n = {2: 7, 3: 6, 4: 5, 5: 3}[arch.depth]
    rng = np.random.default_rng(12345 + arch.depth)
    for _ in range(4):
        x, _ = random_data(rng, n)
        D = cl.dictionary(x, arch)
        grid = grid_features(arch, x)
        for _ in range(5):
            residual = _centred_residual(rng, n)
            best = _dual_norm(D.matrix, residual)
            assert _dual_norm(grid, residual) <= best * (1 + 1e-9) + 1e-12


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(activation="threshold", depth=2),
        dict(activation="sign", depth=2),
        dict(activation="sign", depth=3, kind="rectangular", widths=(2,)),
        dict(activation="sign", depth=4, kind="tree", widths=(2, 2)),
        dict(activation="threshold", depth=4, kind="rectangular", widths=(3, 2)),
    ],
    ids=lambda k: "-".join(map(str, k.values())),
)
def test_random_sign_networks_never_beat_the_switching_dictionary(kwargs):
    arch = cl.Architecture(**kwargs)
    rng = np.random.default_rng(99)
    x, _ = random_data(rng, 7)
    D = cl.dictionary(x, arch)
    features = random_switching_features(arch, x, rng)
    shallow = cl.dictionary(x, cl.Architecture(arch.activation, 2)).matrix
    beaten = 0
    for _ in range(10):
        residual = _centred_residual(rng, 7)
        assert _dual_norm(features, residual) <= _dual_norm(D.matrix, residual) * (1 + 1e-12)
        beaten += _dual_norm(features, residual) > _dual_norm(shallow, residual) * (1 + 1e-9)
    # deeper sign networks really reach patterns a two-layer dictionary lacks
    assert (beaten > 0) == (arch.max_switches > 1)


def test_reflection_only_depth3_abs_dictionary_is_beaten():
    """'A Library of Mirrors' §3.3: without midpoint features the dictionary is incomplete."""
    arch = cl.Architecture("abs", 3)
    rng = np.random.default_rng(2024)
    worst = 0.0
    for _ in range(20):
        x, _ = random_data(rng, 5)
        D = cl.dictionary(x, arch)
        reflections = D.matrix[:, np.array([f.kind == "reflection" for f in D.features])]
        grid = grid_features(arch, x)
        residual = _centred_residual(rng, 5)
        worst = max(worst, _dual_norm(grid, residual) / _dual_norm(reflections, residual))
    assert worst > 1.01
