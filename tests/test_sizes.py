"""Raw family sizes match the formulas; distinct-column counts match derivations."""

from __future__ import annotations

import math

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
