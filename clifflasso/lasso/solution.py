r"""A solution of the Lasso over a dictionary, with its rebuilt network.

.. math::

    \min_{z,\xi}\ \tfrac12\sum_n \omega_n (A_n z + \xi - y_n)^2 + \beta\|z\|_1

(:math:`\omega = 1` unless sample weights are given). The intercept :math:`\xi` is the
(weighted) mean of :math:`y - Az` when the architecture has an output bias, 0 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from clifflasso.lasso.problem import LassoProblem


def sample_weights(sample_weight, n_samples: int) -> np.ndarray | None:
    """Validated sample weights (finite, positive, one per sample), or None."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {weights.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights <= 0):
        raise ValueError("sample_weight must hold finite positive numbers")
    return weights


def beta_max(A: np.ndarray, y: np.ndarray, intercept: bool = True, weights=None) -> float:
    r""":math:`\beta_{\max} = \|A_c^\top y_c\|_\infty`: the smallest beta with solution z = 0."""
    return LassoProblem(A, y, intercept=intercept, weights=weights).beta_max


@dataclass
class LassoSolution:
    r"""A solution of the Lasso over a dictionary.

    ``z`` and ``intercept`` solve the problem, ``objective`` is
    :math:`\tfrac12\sum_n\omega_n(A_n z + \xi - y_n)^2 + \beta\|z\|_1` evaluated at them,
    ``network`` the rebuilt network, whose nonconvex training objective equals ``objective``.
    ``info`` holds solver details (method, relative duality gap, passes of a streamed solve).
    """

    z: np.ndarray
    intercept: float
    dictionary: object
    y: np.ndarray
    beta: float
    beta_max: float
    method: str
    weights: np.ndarray | None = None
    objective: float = field(init=False)
    info: dict = field(init=False, default_factory=dict)

    @classmethod
    def from_coefficients(
        cls,
        D,
        y: np.ndarray,
        z: np.ndarray,
        beta: float,
        beta_max: float,
        method: str,
        weights: np.ndarray | None = None,
    ) -> LassoSolution:
        r"""The solution with coefficients ``z`` and the optimal intercept
        :math:`\xi = \overline{y - Az}` (weighted mean; 0 without an output bias)."""
        xi = 0.0
        if D.arch.output_bias:
            residual = y - D.matrix @ z
            xi = float(np.average(residual, weights=weights))
        return cls(
            z=z,
            intercept=xi,
            dictionary=D,
            y=y,
            beta=beta,
            beta_max=beta_max,
            method=method,
            weights=weights,
        )

    def __post_init__(self) -> None:
        residual = self.fitted - self.y
        squared = residual * residual if self.weights is None else self.weights * residual**2
        self.objective = float(0.5 * squared.sum() + self.beta * self.l1_norm)

    @property
    def l1_norm(self) -> float:
        return float(np.sum(np.abs(self.z)))

    @property
    def fitted(self) -> np.ndarray:
        r""":math:`Az + \xi\mathbf 1`."""
        return self.dictionary.matrix @ self.z + self.intercept

    @property
    def support(self) -> np.ndarray:
        """Indices of the nonzero coefficients."""
        return np.flatnonzero(self.z)

    @cached_property
    def network(self):
        """The rebuilt network, one unit per nonzero coefficient."""
        support = self.support
        return self.dictionary.family.rebuild(
            self.dictionary.table.take(support), self.z[support], self.intercept
        )

    def predict(self, X: object) -> np.ndarray:
        """The fitted function at new points (through the dictionary's kernel)."""
        return self.dictionary.evaluate(X) @ self.z + self.intercept

    def __repr__(self) -> str:
        return (
            f"LassoSolution(objective={self.objective:.10g}, beta={self.beta:g}, "
            f"nonzeros={self.support.size}, l1_norm={self.l1_norm:.6g}, method={self.method!r})"
        )
