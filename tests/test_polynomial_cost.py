"""``gaussian_critical_points`` estimates its cost before the exact algebra and refuses, in one
line naming the size, problems estimated above ``max_seconds`` (a generic 6x6 teacher of width
6 took minutes without a word)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp

from clifflasso.polynomial.gaussian import (
    critical_points,
    critical_points_cost,
    gaussian_critical_points,
)


def generic_teacher(n: int, seed: int = 1) -> np.ndarray:
    """A random symmetric integer matrix: irreducible characteristic polynomial of degree n."""
    A = np.random.default_rng(seed).integers(-5, 6, (n, n))
    return A + A.T


def test_a_generic_six_by_six_teacher_is_refused_at_once():
    T = generic_teacher(6)
    supports, degree, seconds = critical_points_cost(T, 6)
    assert (supports, degree) == (64, 6) and seconds > 60
    started = time.perf_counter()
    with pytest.raises(ValueError) as info:
        gaussian_critical_points(T, 6)
    assert time.perf_counter() - started < 5
    message = str(info.value)
    assert "\n" not in message
    assert "6x6 teacher with width 6" in message and "64 supports" in message
    assert "degree 6" in message and "max_seconds" in message
    with pytest.raises(ValueError, match="6x6"):
        critical_points(T, 6, "frobenius")


def test_many_supports_are_refused_before_the_characteristic_polynomial():
    T = np.diag(np.arange(1, 41))  # 2**40 supports
    started = time.perf_counter()
    with pytest.raises(ValueError, match="40x40 teacher with width 40.*rational eigenvalues"):
        gaussian_critical_points(T, 40)
    assert time.perf_counter() - started < 2


def test_cheap_problems_still_run_and_the_limit_can_be_lifted():
    T = np.diag(np.arange(1, 7))  # rational eigenvalues: cheap even at n = 6
    supports, degree, seconds = critical_points_cost(T, 6)
    assert (supports, degree) == (64, 1) and seconds < 5
    assert len(gaussian_critical_points(T, 6)) == 64
    small = sp.Matrix([[2, 1], [1, -1]])
    with pytest.raises(ValueError, match="max_seconds=1e-06"):
        gaussian_critical_points(small, 1, max_seconds=1e-6)
    assert len(gaussian_critical_points(small, 1, max_seconds=None)) == 3
    with pytest.raises(ValueError, match="width"):
        critical_points_cost(small, True)
