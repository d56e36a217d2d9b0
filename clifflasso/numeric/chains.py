r"""Batched evaluation of parallel deep-narrow chains, and kink locations of 1-D chains.

A chain of depth ``L`` is

.. math::

    u(x) = \sigma(w_{L-1}\,\sigma(\cdots\sigma(w_2\,\sigma(x\cdot w_1 + b_1) + b_2)\cdots)
    + b_{L-1}),

with :math:`w_1 \in \mathbb{R}^d` and scalar later weights (``shared/spec/MATH.md`` §1).
All ``P`` chains are evaluated together: one matrix product :math:`X W_1^\top + b_1` and one
elementwise update per later layer, never a Python loop over chains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def activation_function(activation: str, slope: float | None = None) -> Callable:
    """In-place numpy activation ``sigma(H) -> H`` for the chain activations."""
    if activation == "relu":
        return lambda h: np.maximum(h, 0.0, out=h)
    if activation == "leaky_relu":
        return lambda h: np.maximum(h, slope * h, out=h)
    if activation == "abs":
        return lambda h: np.abs(h, out=h)
    raise ValueError(f"{activation!r} is not a chain activation")


def evaluate_chains(
    X: np.ndarray,
    first_weights: np.ndarray,
    first_biases: np.ndarray,
    hidden_weights: np.ndarray,
    hidden_biases: np.ndarray,
    activation: str,
    slope: float | None = None,
) -> np.ndarray:
    """Values of ``P`` chains at ``N`` points: an (N, P) float64 array.

    Shapes: ``X`` (N, d), ``first_weights`` (P, d), ``first_biases`` (P,),
    ``hidden_weights`` and ``hidden_biases`` (P, L-2).
    """
    sigma = activation_function(activation, slope)
    values = X @ first_weights.T
    values += first_biases
    sigma(values)
    for layer in range(hidden_weights.shape[1]):
        values *= hidden_weights[:, layer]
        values += hidden_biases[:, layer]
        sigma(values)
    return values


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
    points = sorted(set(candidates))
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
