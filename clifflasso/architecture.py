r"""The network architecture whose training problem a dictionary encodes.

An :class:`Architecture` names a *feature family*: the activation, the depth and the
structural options of the parallel (deep-narrow) network

.. math::

    f(x) = \xi + \sum_i \alpha_i\,
    \sigma(w_{i,L-1}\sigma(\cdots\sigma(x\cdot w_{i,1} + b_{i,1})\cdots) + b_{i,L-1}),

trained with the penalty :math:`\tfrac{\beta}{L}\sum_i(\|w_{i,1}\|_p^L +
\sum_{l\ge 2}|w_{i,l}|^L + |\alpha_i|^L)`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("relu", "leaky_relu", "abs", "threshold", "sign")
KINDS = ("parallel", "rectangular", "tree")
DEFAULT_LEAKY_SLOPE = 0.01


def _integer(value: object, name: str) -> int:
    """``value`` as a Python int: ints and numpy integers, not booleans or floats."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Architecture:
    r"""A network architecture: activation, depth and options.

    Parameters
    ----------
    activation:
        One of ``"relu"``, ``"leaky_relu"``, ``"abs"``, ``"threshold"``, ``"sign"``.
    depth:
        Number of layers ``L >= 2`` (``L - 1`` hidden layers and the linear output layer).
    bias:
        Whether the first layer has a (free, unpenalised) bias.
    output_bias:
        Whether the network has a free output bias :math:`\xi` (the Lasso intercept).
    norm:
        First-layer norm ``p`` in ``{1, 2}`` of the penalty :math:`\|w_{i,1}\|_p^L`.
        In one dimension both norms coincide.
    slope:
        Negative-side slope ``a`` of the leaky ReLU :math:`\max(t, a t)`, ``0 < a < 1``
        (default 0.01); only valid with ``activation="leaky_relu"``.
    kind:
        ``"parallel"`` (independent deep-narrow chains, the default) or, for sign and
        threshold networks of depth ``>= 3``, ``"rectangular"`` or ``"tree"``
        ("A Library of Mirrors", arXiv 2403.01046).
    widths:
        Hidden widths ``(m_1, ..., m_{L-2})`` of each unit of a rectangular or tree network.
    """

    activation: str
    depth: int
    bias: bool = True
    output_bias: bool = True
    norm: int = 2
    slope: float | None = None
    kind: str = "parallel"
    widths: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.activation, str) or self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; expected one of {', '.join(ACTIVATIONS)}"
            )
        object.__setattr__(self, "depth", _integer(self.depth, "depth"))
        if self.depth < 2:
            raise ValueError(f"depth must be at least 2 (one hidden layer), got {self.depth}")
        for name in ("bias", "output_bias"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {value!r}")
            object.__setattr__(self, name, bool(value))
        norm = self.norm
        if isinstance(norm, (bool, np.bool_)) or not isinstance(norm, (int, np.integer)):
            raise ValueError(f"norm (first-layer p-norm) must be 1 or 2, got {norm!r}")
        if int(norm) not in (1, 2):
            raise ValueError(f"norm (first-layer p-norm) must be 1 or 2, got {norm!r}")
        object.__setattr__(self, "norm", int(norm))
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        self._check_slope()
        self._check_kind()

    def _check_slope(self) -> None:
        if self.activation == "leaky_relu":
            if self.slope is None:
                object.__setattr__(self, "slope", DEFAULT_LEAKY_SLOPE)
            slope = self.slope
            if (
                isinstance(slope, (bool, np.bool_))
                or not isinstance(slope, numbers.Real)
                or not 0 < slope < 1
            ):
                raise ValueError(f"leaky_relu slope must satisfy 0 < slope < 1, got {slope!r}")
            if not isinstance(slope, float):  # numpy floats, Fractions: stored as a Python float
                object.__setattr__(self, "slope", float(slope))
        elif self.slope is not None:
            raise ValueError("slope is only meaningful with activation='leaky_relu'")

    def _check_kind(self) -> None:
        if self.kind == "parallel":
            if self.widths is not None:
                raise ValueError("widths are only used by kind='rectangular' or kind='tree'")
            return
        if not self.is_switching:
            raise ValueError(
                f"kind={self.kind!r} is defined for sign and threshold activations only"
            )
        if self.depth < 3:
            raise ValueError(f"kind={self.kind!r} needs depth >= 3, got {self.depth}")
        try:
            widths = tuple(self.widths) if self.widths is not None else None
        except TypeError:
            widths = None
        if widths is None or len(widths) != self.depth - 2:
            raise ValueError(
                f"kind={self.kind!r} with depth {self.depth} needs "
                f"widths=(m_1, ..., m_{self.depth - 2})"
                f" ({self.depth - 2} hidden widths before the feature neuron), got {self.widths!r}"
            )
        if any(
            isinstance(m, (bool, np.bool_)) or not isinstance(m, (int, np.integer)) or m < 1
            for m in widths
        ):
            raise ValueError(f"widths must be positive integers, got {self.widths!r}")
        object.__setattr__(self, "widths", tuple(int(m) for m in widths))

    @property
    def is_switching(self) -> bool:
        """True for the scale-invariant sign and threshold activations."""
        return self.activation in ("sign", "threshold")

    @property
    def max_switches(self) -> int:
        r"""Largest number of switches ``K`` of a sign/threshold feature.

        ``K = 1`` for parallel chains, ``m_1`` for rectangular units and
        :math:`\prod_l m_l` for trees ("A Library of Mirrors" §3.4, derived).
        """
        if not self.is_switching:
            raise ValueError("max_switches is defined for sign and threshold networks only")
        if self.kind == "parallel":
            return 1
        if self.kind == "rectangular":
            return self.widths[0]
        return math.prod(self.widths)
