"""Raw family sizes match the formulas; distinct-column counts match derivations."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

import clifflasso as cl


def _generic(n: int, seed: int = 0) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).normal(size=n))


@pytest.mark.parametrize("n", [2, 3, 5, 8])
@pytest.mark.parametrize(
    "kwargs, formula",
    [
        (dict(activation="relu", depth=2), lambda n: 2 * n),
        (dict(activation="leaky_relu", depth=2), lambda n: 2 * n),
        (dict(activation="abs", depth=2), lambda n: n),
        (dict(activation="threshold", depth=2), lambda n: n),
        (dict(activation="sign", depth=2), lambda n: n),
        (dict(activation="relu", depth=3), lambda n: 4 * n**2),
        (dict(activation="relu", depth=4), lambda n: 16 * n**3),
        (dict(activation="relu", depth=3, bias=False), lambda n: 4 * n),
        (dict(activation="abs", depth=3), lambda n: n**2 + n * (n - 1) // 2),
        (
            dict(activation="sign", depth=4, kind="tree", widths=(2, 2)),
            lambda n: sum(math.comb(n - 1, k) for k in range(5)),
        ),
        (
            dict(activation="threshold", depth=3, kind="rectangular", widths=(3,)),
            lambda n: sum(math.comb(n - 1, k) for k in range(4)),
        ),
    ],
)
def test_raw_sizes(n, kwargs, formula):
    D = cl.dictionary(_generic(n), cl.Architecture(**kwargs), dedupe=False)
    assert D.matrix.shape == (n, formula(n))
    assert D.n_raw == formula(n) and D.n_removed == 0


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7])
def test_distinct_relu_depth3_columns(n):
    """{ramps} and {capped ramps between two data points}: N(N-1) distinct nonconstant columns
    modulo constants ("A Library of Mirrors" §3.2)."""
    D = cl.dictionary(_generic(n, n), cl.Architecture("relu", 3), dedupe=True)
    assert len(D) == n * (n - 1)
    assert len(D) + D.n_removed == 4 * n * n


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7])
def test_distinct_abs_depth3_columns(n):
    """Reflections about the two extreme points coincide on the data with a two-layer feature
    (the mirrored zero falls outside the data), so generic data have
    N^2 + C(N, 2) - 2(N - 1) distinct columns modulo constants."""
    D = cl.dictionary(_generic(n, n), cl.Architecture("abs", 3), dedupe=True)
    assert len(D) == n * n + math.comb(n, 2) - 2 * (n - 1)


def test_dedupe_only_removes_columns_equal_up_to_a_constant():
    x = _generic(6, 1)
    raw = cl.dictionary(x, cl.Architecture("abs", 4), dedupe=False)
    deduped = cl.dictionary(x, cl.Architecture("abs", 4), dedupe=True)
    centred = raw.matrix - raw.matrix.mean(axis=0)
    kept = deduped.matrix - deduped.matrix.mean(axis=0)
    # every raw column is (numerically) a kept column or constant
    for column in centred.T:
        if np.max(np.abs(column)) < 1e-9:
            continue
        assert np.min(np.max(np.abs(kept - column[:, None]), axis=0)) < 1e-8
    assert deduped.n_removed == raw.shape[1] - deduped.shape[1]


def _fraction_inverse(rows: list[list[int]]) -> list[list[Fraction]] | None:
    """Gauss-Jordan inverse in Fractions, or None for a singular matrix."""
    size = len(rows)
    augmented = [
        [Fraction(v) for v in row] + [Fraction(int(i == k)) for k in range(size)]
        for i, row in enumerate(rows)
    ]
    for column in range(size):
        pivot = next((r for r in range(column, size) if augmented[r][column] != 0), None)
        if pivot is None:
            return None
        augmented[column], augmented[pivot] = augmented[pivot], augmented[column]
        lead = augmented[column][column]
        augmented[column] = [v / lead for v in augmented[column]]
        for r in range(size):
            if r != column and augmented[r][column] != 0:
                factor = augmented[r][column]
                augmented[r] = [a - factor * b for a, b in zip(augmented[r], augmented[column])]
    return [row[size:] for row in augmented]


def _brute_force_vertices(x: list[Fraction], depth: int, bias: bool) -> set[tuple[Fraction, ...]]:
    """Every vertex of the event arrangement, exactly: each independent tuple of event normals
    (integer rows) with each assignment of data points to its rows, solved in Fractions."""
    dim = depth - 1 if bias else depth - 2
    normals = []
    for m in range(1 if bias else 2, depth):
        for eps in itertools.product((1, -1), repeat=m - 1):
            row = ([1] + list(eps)) if bias else list(eps)
            normals.append(row + [0] * (dim - len(row)))
    vertices = set()
    for rows in itertools.combinations(normals, dim):
        inverse = _fraction_inverse([list(row) for row in rows])
        if inverse is None:
            continue
        for points in itertools.product(x, repeat=dim):
            vertices.add(tuple(sum(c * p for c, p in zip(row, points)) for row in inverse))
    return vertices


@pytest.mark.parametrize(
    "depth, bias, n",
    [(4, True, 5), (4, False, 6), (3, False, 6), pytest.param(5, True, 3, marks=pytest.mark.slow)],
)
def test_abs_vertices_are_enumerated_once_without_a_sort(depth, bias, n):
    """The vertex types (tuples x patterns of shared points, grouped by their coefficient
    columns) give every vertex of data in general position exactly once, and ``size`` counts
    them exactly: against a brute-force solve of every tuple and assignment in Fractions (the
    enumeration used to find duplicates by sorting all candidates, 28x the array write)."""
    rng = np.random.default_rng(depth * 10 + n)
    x = [Fraction(int(v), 997) for v in rng.choice(np.arange(-3000, 3000), size=n, replace=False)]
    arch = cl.Architecture("abs", depth, bias=bias)
    D = cl.dictionary(np.array([float(v) for v in x]), arch, dedupe=False)
    theta = np.column_stack([D.table.params["b1"], D.table.params["b"]])
    if bias:
        theta = -theta
    else:
        theta = -theta[:, 1:]
    expected = _brute_force_vertices(x, depth, bias)
    assert len(D) == D.family.size() == len(expected)
    assert sorted(map(tuple, np.round(theta, 9))) == sorted(
        tuple(round(float(v), 9) for v in vertex) for vertex in expected
    )
