r"""The activations, each stated once with all its faces.

=============  ==========================================  ================================
name           :math:`\sigma(t)`                             kind
=============  ==========================================  ================================
``relu``       :math:`\max(t, 0)`                            1-Lipschitz, positively homogeneous
``leaky_relu`` :math:`\max(t, a t)`, :math:`0 < a < 1`       1-Lipschitz, positively homogeneous
``abs``        :math:`|t|`                                   1-Lipschitz, positively homogeneous
``threshold``  :math:`\mathbb 1\{t \ge 0\}`                  scale invariant (a switch)
``sign``       :math:`+1` if :math:`t \ge 0` else :math:`-1` scale invariant (a switch)
=============  ==========================================  ================================

An :class:`Activation` evaluates :math:`\sigma` on exact rationals, sympy expressions, numpy
arrays and torch tensors, gives a subgradient for training, and prints its own source code
for generated kernels (:mod:`clifflasso.symbolic.lowering`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

NAMES = ("relu", "leaky_relu", "abs", "threshold", "sign")


@dataclass(frozen=True)
class Activation:
    """One activation (module docstring); ``slope`` is the leaky ReLU's :math:`a`."""

    name: str
    slope: Fraction | None = None

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise ValueError(f"unknown activation {self.name!r}; expected one of {NAMES}")

    @property
    def is_switch(self) -> bool:
        """Sign and threshold: scale invariant, a feature is a switching pattern."""
        return self.name in ("threshold", "sign")

    @property
    def levels(self) -> tuple[int, int]:
        """``(high, low)`` values of a switch."""
        return (1, -1) if self.name == "sign" else (1, 0)

    def exact(self, t):
        """:math:`\\sigma(t)` for a Fraction (or int) ``t``, exactly."""
        if self.name == "relu":
            return max(t, 0 * t)
        if self.name == "leaky_relu":
            return max(t, self.slope * t)
        if self.name == "abs":
            return abs(t)
        high, low = self.levels
        return Fraction(high) if t >= 0 else Fraction(low)

    def symbolic(self, t: sp.Expr) -> sp.Expr:
        """:math:`\\sigma(t)` as a sympy expression."""
        if self.name == "relu":
            return sp.Max(t, 0)
        if self.name == "leaky_relu":
            return sp.Max(t, sp.Rational(self.slope.numerator, self.slope.denominator) * t)
        if self.name == "abs":
            return sp.Abs(t)
        high, low = self.levels
        return sp.Piecewise((high, t >= 0), (low, True))

    def numpy(self, t: np.ndarray) -> np.ndarray:
        """:math:`\\sigma` elementwise on a float array."""
        if self.name == "relu":
            return np.maximum(t, 0.0)
        if self.name == "leaky_relu":
            return np.maximum(t, float(self.slope) * t)
        if self.name == "abs":
            return np.abs(t)
        high, low = self.levels
        return np.where(t >= 0, float(high), float(low))

    def derivative(self, t: np.ndarray) -> np.ndarray:
        """A subgradient :math:`\\sigma'(t)` (one-sided at the kink; 0 for switches)."""
        if self.name == "relu":
            return (t > 0).astype(np.float64)
        if self.name == "leaky_relu":
            return np.where(t > 0, 1.0, float(self.slope))
        if self.name == "abs":
            return np.sign(t)
        return np.zeros_like(t, dtype=np.float64)

    def torch(self, t):
        """:math:`\\sigma` on a torch tensor."""
        import torch

        if self.name == "relu":
            return torch.relu(t)
        if self.name == "leaky_relu":
            return torch.nn.functional.leaky_relu(t, negative_slope=float(self.slope))
        if self.name == "abs":
            return torch.abs(t)
        high, low = self.levels
        return torch.where(t >= 0, float(high), float(low)).to(t.dtype)

    def code(self, argument: str) -> str:
        """Scalar Python/numba source of :math:`\\sigma` applied to the expression
        ``argument`` (for generated kernels)."""
        if self.name == "relu":
            return f"max({argument}, 0.0)"
        if self.name == "leaky_relu":
            return f"max({argument}, {float(self.slope)!r} * ({argument}))"
        if self.name == "abs":
            return f"abs({argument})"
        high, low = self.levels
        return f"({float(high)!r} if ({argument}) >= 0 else {float(low)!r})"


def activation(name: str, slope=None) -> Activation:
    """The :class:`Activation` called ``name`` (``slope`` for the leaky ReLU, exact from its
    decimal string)."""
    if name == "leaky_relu":
        exact_slope = Fraction(str(slope)) if slope is not None else Fraction(1, 100)
        return Activation(name, exact_slope)
    return Activation(name)
