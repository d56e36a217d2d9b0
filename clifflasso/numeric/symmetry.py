r"""Multilevel reflection planes of one deep absolute-value unit and where each is a symmetry.

A unit of depth :math:`L` on :math:`x \in \mathbb{R}^d` depends on :math:`x` only through
:math:`s = w\cdot x + b_1`:

.. math::

    h_2 = |s|,\qquad h_{l+1} = |v_l h_l + c_l| = |v_l|\,|h_l - \rho_l|,\quad
    \rho_l = -c_l / v_l \qquad (l = 2, \dots, L-1),

and the unit's output is :math:`h_L`. The *level-1 plane* (the mirror) is :math:`s = 0`; the
*level-k planes* (:math:`k \ge 2`) are the zeros of :math:`h_{k+1}`, the solutions of
:math:`h_k(s) = \rho_k` (none when :math:`\rho_k \le 0`). For nested offsets they are
:math:`w\cdot x = a_1 \pm r_2 \pm \dots \pm r_k` with :math:`a_1 = -b_1` and
:math:`r_k = \rho_k / \prod_{2 \le l < k}|v_l|` ("Black Boxes and Looking Glasses", Zeger &
Pilanci 2024, §3.4).

**Where each plane is a symmetry** (derived). Let :math:`P = \{s = z\}` be a level-k plane and
:math:`\delta` the distance (in :math:`s`) from :math:`z` to the nearest plane of a lower level
(:math:`\delta = \infty` for the mirror). On :math:`(z - \delta, z + \delta)` the function
:math:`h_k` has no kink, so it is affine with :math:`h_k(z) = \rho_k`, and the reflection
:math:`s \mapsto 2z - s` maps that interval onto itself with
:math:`h_k(2z - s) = 2\rho_k - h_k(s)`; hence
:math:`h_{k+1}(2z - s) = |v_k|\,|\rho_k - h_k(s)| = h_{k+1}(s)`, and every later level, a
function of :math:`h_{k+1}`, is invariant too. In :math:`x`, with the versor reflection
:math:`R_P x = x - 2\,\frac{w\cdot x + b_1 - z}{\|w\|^2}\,w` (then
:math:`s(R_P x) = 2z - s(x)`):

.. math::

    h_L(R_P x) = h_L(x)\quad\text{on the slab } |w\cdot x + b_1 - z| \le \delta .

The mirror gives a symmetry everywhere; a level-2 plane :math:`s = \rho_2` on the side
:math:`s > 0` gives one on the slab :math:`0 \le s \le 2\rho_2`, between the mirror and its image.
Just past the nearer edge of the slab :math:`h_k` folds while :math:`h_k(2z - s)` does not, and
:math:`h_{k+1}` differs by :math:`2|v_k|\,\varepsilon` times the slope at a distance
:math:`\varepsilon` past it, so the symmetry ends there. For :math:`h_3` (depth 3) the slab is
exactly the set where it holds; deeper levels can agree again on isolated parallel planes, where
two different values of :math:`h_{k+1}` fold onto the same value, but on no open set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from clifflasso.numeric.chains import chain_switches_1d
from clifflasso.numeric.network import ChainNetwork


@dataclass(frozen=True)
class ReflectionPlane:
    r"""One reflection plane :math:`\{x : w\cdot x = c\}` of a deep absolute-value unit.

    ``level``: 1 for the mirror, k for a zero of :math:`h_{k+1}`; ``normal`` :math:`w` (the
    unit's first-layer weight); ``offset`` :math:`c`; ``half_width``: the unit is invariant under
    :meth:`reflect` on the slab :math:`|w\cdot x - c| \le` ``half_width`` (``inf`` for the
    mirror; see the module docstring).
    """

    level: int
    normal: np.ndarray
    offset: float
    half_width: float

    def reflect(self, X: ArrayLike) -> np.ndarray:
        r"""The versor reflection :math:`x - 2\,\frac{w\cdot x - c}{\|w\|^2}\,w` of each row."""
        X = np.asarray(X, dtype=float)
        scale = 2.0 * (X @ self.normal - self.offset) / (self.normal @ self.normal)
        return X - scale[..., None] * self.normal

    def in_slab(self, X: ArrayLike) -> np.ndarray:
        r"""Rows with :math:`|w\cdot x - c| \le` ``half_width``: where :meth:`reflect` is a
        symmetry of the unit."""
        return np.abs(np.asarray(X, dtype=float) @ self.normal - self.offset) <= self.half_width


def reflection_planes(
    first_weights: ArrayLike,
    first_bias: float,
    hidden_weights: ArrayLike,
    hidden_biases: ArrayLike,
) -> list[ReflectionPlane]:
    r"""The reflection planes of the unit :math:`h_L` (module docstring) by level, each with
    the half-width of its symmetry slab.

    ``first_weights`` :math:`w` (d,), ``first_bias`` :math:`b_1`, ``hidden_weights``
    :math:`v_2, \dots, v_{L-1}` and ``hidden_biases`` :math:`c_2, \dots, c_{L-1}` (the layers of
    one chain of :class:`~clifflasso.numeric.network.ChainNetwork`). Planes are listed by level,
    then by offset; a level with :math:`\rho_k \le 0` adds none, and :math:`v_k = 0` ends the
    list (the unit is constant from level :math:`k + 1` on).
    """
    w = np.asarray(first_weights, dtype=float).ravel()
    weights = [float(v) for v in np.asarray(hidden_weights, dtype=float).ravel()]
    biases = [float(c) for c in np.asarray(hidden_biases, dtype=float).ravel()]
    if len(weights) != len(biases):
        raise ValueError(
            f"hidden_weights and hidden_biases must have the same length, got {len(weights)} "
            f"and {len(biases)}"
        )
    if not np.any(w):
        raise ValueError("the first-layer weight is zero: the unit is constant, no planes")
    levels = chain_switches_1d([1.0, *weights], [float(first_bias), *biases], "abs")
    planes: list[ReflectionPlane] = []
    lower: list[float] = []
    for level, offsets in enumerate(levels, start=1):
        for offset in offsets:
            half_width = min((abs(offset - k) for k in lower), default=math.inf)
            planes.append(ReflectionPlane(level, w, float(offset), float(half_width)))
        lower = sorted(lower + offsets)
    return planes


def unit_reflection_planes(network: ChainNetwork, unit: int) -> list[ReflectionPlane]:
    r""":func:`reflection_planes` of chain ``unit`` of an absolute-value
    :class:`~clifflasso.numeric.network.ChainNetwork`."""
    if network.activation != "abs":
        raise ValueError(f"reflection planes need an abs network, got {network.activation!r}")
    if not 0 <= unit < network.width:
        raise ValueError(f"unit must lie in [0, {network.width}), got {unit}")
    return reflection_planes(
        network.first_weights[unit],
        network.first_biases[unit],
        network.hidden_weights[unit],
        network.hidden_biases[unit],
    )


__all__ = ["ReflectionPlane", "reflection_planes", "unit_reflection_planes"]
