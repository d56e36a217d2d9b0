r"""Batched evaluation of parallel deep-narrow chains, and kink locations of 1-D chains.

A chain of depth ``L`` is

.. math::

    u(x) = \sigma(w_{L-1}\,\sigma(\cdots\sigma(w_2\,\sigma(x\cdot w_1 + b_1) + b_2)\cdots)
    + b_{L-1}),

with :math:`w_1 \in \mathbb{R}^d` and scalar later weights. All ``P`` chains are evaluated
together by one compiled (numba) pass over the output, writing each entry once: never a Python
loop over chains. The kernel is generated from the derived chain formula
(:mod:`clifflasso.symbolic.lowering`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
    ``hidden_weights`` and ``hidden_biases`` (P, L-2), any real weights. The kernel is the
    chain formula of :mod:`clifflasso.symbolic.derivation` lowered to numba
    (:mod:`clifflasso.symbolic.lowering`): blocks of columns in parallel, the layers unrolled,
    each entry written once.
    """
    from clifflasso.symbolic.activations import activation as activation_named
    from clifflasso.symbolic.derivation import ChainSpec
    from clifflasso.symbolic.lowering import lower

    act = activation_named(activation, slope)
    if act.is_switch:
        raise ValueError(f"{activation!r} is not a chain activation")
    depth = np.shape(hidden_weights)[1] + 2
    lowered = lower(ChainSpec(act, np.shape(X)[1], depth))
    return lowered.kernel(
        X,
        np.asarray(first_weights).T,
        first_biases,
        np.asarray(hidden_weights).T,
        np.asarray(hidden_biases).T,
    )


def _chain_activation(activation, slope=None):
    from clifflasso.symbolic.activations import Activation
    from clifflasso.symbolic.activations import activation as activation_named

    if not isinstance(activation, Activation):
        activation = activation_named(activation, slope)
    if activation.is_switch:
        raise ValueError(f"{activation.name!r} is not a chain activation")
    return activation


def chain_switches_1d(weights: Sequence, biases: Sequence, activation, slope=None) -> list[list]:
    r"""Where each layer of a 1-D chain switches: per layer :math:`l`, the sorted points at
    which its pre-activation :math:`w_l F_{l-1}(x) + b_l` changes sign (:math:`F_0 = x`).

    Works on floats or exact :class:`fractions.Fraction` parameters (derived): the
    pre-activation of layer :math:`l` is affine between consecutive switches of the earlier
    layers, so its roots are found on each of those pieces (and on the two unbounded ones from
    two points), and an earlier switch where it vanishes counts when its sign differs on the
    two sides. For an absolute-value chain the level-:math:`l` switches are the reflections of
    the level-:math:`(l-1)` ones across the earlier switches ("reflections of reflections")."""
    sigma = _chain_activation(activation, slope).exact

    def preactivation(x, layer: int):
        value = x
        for w, b in zip(weights[:layer], biases[:layer]):
            value = sigma(w * value + b)
        return weights[layer] * value + biases[layer]

    def sign(value) -> int:
        return int(value > 0) - int(value < 0)

    levels: list[list] = []
    knots: list = []
    for layer in range(len(weights)):
        roots = []
        if not knots:
            rise = preactivation(1, layer) - preactivation(0, layer)
            if rise != 0:
                roots.append(-preactivation(0, layer) / rise)
        else:
            for anchor, step in ((knots[0], -1), (knots[-1], 1)):
                p0, p1 = preactivation(anchor, layer), preactivation(anchor + step, layer)
                if p1 != p0:
                    root = anchor - p0 * step / (p1 - p0)
                    if (root - anchor) * step > 0:
                        roots.append(root)
            for a, b in zip(knots[:-1], knots[1:]):
                pa, pb = preactivation(a, layer), preactivation(b, layer)
                if sign(pa) * sign(pb) < 0:
                    roots.append(a + (b - a) * pa / (pa - pb))
            probes = [knots[0] - 1, *((a + b) / 2 for a, b in zip(knots[:-1], knots[1:]))]
            probes.append(knots[-1] + 1)
            for k, knot in enumerate(knots):
                if preactivation(knot, layer) == 0:
                    left = sign(preactivation(probes[k], layer))
                    right = sign(preactivation(probes[k + 1], layer))
                    if left * right < 0:
                        roots.append(knot)
        roots = sorted(set(roots))
        levels.append(roots)
        knots = sorted(set(knots) | set(roots))
    return levels


def chain_kinks_1d(
    weights: Sequence, biases: Sequence, activation, slope=None, *, tolerance: float = 0.0
) -> list:
    """Sorted kink locations of a 1-D chain (points where its slope changes).

    Works on floats or exact :class:`fractions.Fraction` parameters. The candidates are the
    switches of every layer (:func:`chain_switches_1d`); a candidate is kept when the final
    feature's slope differs on its two sides (by more than ``tolerance``).
    """
    sigma = _chain_activation(activation, slope).exact

    def feature(x, depth: int):
        value = x
        for layer in range(depth):
            value = sigma(weights[layer] * value + biases[layer])
        return value

    candidates = [
        point for level in chain_switches_1d(weights, biases, activation, slope) for point in level
    ]
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
