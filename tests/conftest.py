"""Shared strategies and the list of every 1-D feature family under test."""

from __future__ import annotations

import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

import clifflasso as cl

settings.register_profile("default", deadline=None, max_examples=25)
settings.register_profile("ci", deadline=None, max_examples=25, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

#: (id, Architecture kwargs, largest N used in the expensive tests)
FAMILIES = [
    ("relu-2", dict(activation="relu", depth=2), 7),
    ("relu-2-nobias", dict(activation="relu", depth=2, bias=False), 7),
    ("leaky-2", dict(activation="leaky_relu", depth=2, slope=0.25), 7),
    ("abs-2", dict(activation="abs", depth=2), 7),
    ("threshold-2", dict(activation="threshold", depth=2), 7),
    ("sign-2", dict(activation="sign", depth=2), 7),
    ("relu-3", dict(activation="relu", depth=3), 6),
    ("relu-3-nobias", dict(activation="relu", depth=3, bias=False), 6),
    ("relu-4", dict(activation="relu", depth=4), 4),
    ("abs-3", dict(activation="abs", depth=3), 6),
    ("abs-3-nobias", dict(activation="abs", depth=3, bias=False), 6),
    ("abs-4", dict(activation="abs", depth=4), 4),
    ("sign-3-parallel", dict(activation="sign", depth=3), 6),
    ("sign-3-rect", dict(activation="sign", depth=3, kind="rectangular", widths=(2,)), 6),
    ("sign-4-tree", dict(activation="sign", depth=4, kind="tree", widths=(2, 2)), 7),
    (
        "threshold-4-rect",
        dict(activation="threshold", depth=4, kind="rectangular", widths=(3, 2)),
        6,
    ),
    ("threshold-4-tree", dict(activation="threshold", depth=4, kind="tree", widths=(1, 3)), 6),
]
FAMILY_IDS = [name for name, _, _ in FAMILIES]
#: Depth-5 abs has thousands of vertex columns even for N = 2: tested with few examples.
DEEP_ABS = ("abs-5", dict(activation="abs", depth=5), 2)


def architecture(kwargs: dict) -> cl.Architecture:
    return cl.Architecture(**kwargs)


def rationals(max_denominator: int = 6, bound: int = 8):
    return st.builds(
        Fraction,
        st.integers(-bound * max_denominator, bound * max_denominator),
        st.integers(1, max_denominator),
    )


def rational_data(min_size: int = 2, max_size: int = 6, unique: bool = True):
    return st.lists(rationals(), min_size=min_size, max_size=max_size, unique=unique)


def random_data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(rng.uniform(-3, 3, size=n))
    y = rng.normal(size=n)
    return x, y


@pytest.fixture
def slow_selected(request):
    """Skip unless ``-m`` selects ``slow`` (``make test`` runs the default tests only)."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: select it with -m slow")


def assert_within_bounds_of_exact(family, candidates, correlations, errors, residual) -> None:
    """Each float correlation of a pass is within its error bound of the exact rational
    correlation of its column (the family's exact values, the residual taken exactly)."""
    table = family.table_at(candidates)
    values = family.exact_values(table, range(len(table)))
    mu = [Fraction(float(v)) for v in residual]
    for column, value in enumerate(values):
        exact = sum((m * Fraction(f) for m, f in zip(mu, value)), Fraction(0))
        assert abs(Fraction(float(correlations[column])) - exact) <= Fraction(float(errors[column]))
