r"""Batched evaluation of parallel deep-narrow chains, and kink locations of 1-D chains.

A chain of depth ``L`` is

.. math::

    u(x) = \sigma(w_{L-1}\,\sigma(\cdots\sigma(w_2\,\sigma(x\cdot w_1 + b_1) + b_2)\cdots)
    + b_{L-1}),

with :math:`w_1 \in \mathbb{R}^d` and scalar later weights (``shared/spec/MATH.md`` §1).
All ``P`` chains are evaluated together by one compiled (numba) pass over the output, writing
each entry once: never a Python loop over chains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numba import njit, prange


def _activation(activation: str) -> Callable:
    if activation == "relu":

        def sigma(value, slope):
            return max(value, 0.0)

    elif activation == "leaky_relu":

        def sigma(value, slope):
            return max(value, slope * value)

    else:

        def sigma(value, slope):
            return abs(value)

    return njit(inline="always")(sigma)


def _compile_kernel(activation: str, depth: int):
    """A numba kernel for one activation and number of later layers, both compile-time
    constants: the layers are unrolled into one expression per entry, so the loop over the
    columns of a row is branch-free and vectorised, and each entry is written once."""
    sigma = _activation(activation)

    def layers_up_to(count: int):
        if count == 0:

            def identity(value, hidden_weights, hidden_biases, j, slope):
                return value

            return njit(inline="always")(identity)
        inner, layer = layers_up_to(count - 1), count - 1

        def apply(value, hidden_weights, hidden_biases, j, slope):
            value = inner(value, hidden_weights, hidden_biases, j, slope)
            return sigma(value * hidden_weights[layer, j] + hidden_biases[layer, j], slope)

        return njit(inline="always")(apply)

    layers = layers_up_to(depth)

    @njit(parallel=True)
    def kernel(X, first_weights, first_biases, hidden_weights, hidden_biases, slope, out):
        n, d = X.shape
        count = first_weights.shape[0]
        for i in prange(n):
            x0 = X[i, 0]
            if d == 1:
                for j in range(count):
                    value = sigma(first_biases[j] + x0 * first_weights[j, 0], slope)
                    out[i, j] = layers(value, hidden_weights, hidden_biases, j, slope)
            else:
                for j in range(count):
                    value = first_biases[j] + x0 * first_weights[j, 0]
                    for k in range(1, d):
                        value += X[i, k] * first_weights[j, k]
                    value = sigma(value, slope)
                    out[i, j] = layers(value, hidden_weights, hidden_biases, j, slope)
        return out

    return kernel


_KERNELS: dict = {}


def evaluate_chains(
    X: np.ndarray,
    first_weights: np.ndarray,
    first_biases: np.ndarray,
    hidden_weights: np.ndarray,
    hidden_biases: np.ndarray,
    activation: str,
    slope: float | None = None,
) -> np.ndarray:
    r"""Values of ``P`` chains at ``N`` points: an (N, P) float64 array.

    Shapes: ``X`` (N, d), ``first_weights`` (P, d), ``first_biases`` (P,),
    ``hidden_weights`` and ``hidden_biases`` (P, L-2). One compiled pass (numba, rows in
    parallel) computes :math:`x\cdot w_1 + b_1` and every layer in registers and writes each
    entry once.
    """
    if activation not in ("relu", "leaky_relu", "abs"):
        raise ValueError(f"{activation!r} is not a chain activation")
    depth = hidden_weights.shape[1]
    key = (activation, depth)
    if key not in _KERNELS:
        _KERNELS[key] = _compile_kernel(activation, depth)
    arrays = [
        np.ascontiguousarray(a, dtype=np.float64)
        # later layers transposed to (L-2, P): contiguous along the vectorised column loop
        for a in (X, first_weights, first_biases, hidden_weights.T, hidden_biases.T)
    ]
    out = np.empty((X.shape[0], first_weights.shape[0]))
    return _KERNELS[key](*arrays, float(slope or 0.0), out)


def _scalar_activation(activation: str, slope) -> Callable:
    if activation == "relu":
        return lambda t: max(t, 0 * t)
    if activation == "leaky_relu":
        return lambda t: max(t, slope * t)
    if activation == "abs":
        return abs
    raise ValueError(f"{activation!r} is not a chain activation")


def chain_kinks_1d(
    weights: Sequence, biases: Sequence, activation: str, slope=None, *, tolerance: float = 0.0
) -> list:
    """Sorted kink locations of a 1-D chain (points where its slope changes).

    Works on floats or exact :class:`fractions.Fraction` parameters. Candidates are built
    layer by layer: the kinks of layer ``l`` plus the roots of the pre-activation
    :math:`w_l F_l(x) + b_l` on each linear piece of :math:`F_l`; a candidate is kept when the
    final feature's slope differs on its two sides (by more than ``tolerance``).
    """
    sigma = _scalar_activation(activation, slope)

    def feature(x, depth: int):
        value = x
        for layer in range(depth):
            value = sigma(weights[layer] * value + biases[layer])
        return value

    candidates: list = []
    for layer in range(len(weights)):

        def preactivation(x, layer=layer):
            return weights[layer] * feature(x, layer) + biases[layer]

        knots = sorted(set(candidates))
        roots = []
        if not knots:
            slope_here = preactivation(1) - preactivation(0)
            if slope_here != 0:
                roots.append(-preactivation(0) / slope_here)
        else:
            left, right = knots[0], knots[-1]
            for anchor, step in ((left, -1), (right, 1)):
                p0, p1 = preactivation(anchor), preactivation(anchor + step)
                if p1 != p0:
                    root = anchor - p0 * step / (p1 - p0)
                    if (root - anchor) * step > 0:
                        roots.append(root)
            for a, b in zip(knots[:-1], knots[1:]):
                pa, pb = preactivation(a), preactivation(b)
                if (pa < 0 < pb) or (pb < 0 < pa):
                    roots.append(a + (b - a) * pa / (pa - pb))
        candidates.extend(roots)
    points = []
    for point in sorted(set(candidates)):
        # candidates closer than the tolerance are one kink (float roots of the same event)
        if not points or point - points[-1] > tolerance:
            points.append(point)
    if not points:
        return []
    final_depth = len(weights)
    probes = (
        [points[0] - 1] + [(a + b) / 2 for a, b in zip(points[:-1], points[1:])] + [points[-1] + 1]
    )
    slopes = []
    for point, probe_left, probe_right in zip(points, probes[:-1], probes[1:]):
        left = (feature(point, final_depth) - feature(probe_left, final_depth)) / (
            point - probe_left
        )
        right = (feature(probe_right, final_depth) - feature(point, final_depth)) / (
            probe_right - point
        )
        slopes.append(abs(right - left) > tolerance)
    return [point for point, changes in zip(points, slopes) if changes]
