"""Rebuilt networks: prediction and the nonconvex training objective.

Two network shapes cover every family:

* :class:`ChainNetwork` - parallel deep-narrow chains (ReLU, leaky ReLU, absolute value);
* :class:`SwitchingNetwork` - sign / threshold units (parallel, rectangular or tree), each
  scaled by an amplitude on its last hidden neuron.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from clifflasso import _display
from clifflasso._data import as_data, as_labels
from clifflasso.numeric.chains import evaluate_chains
from clifflasso.symbolic.activations import activation

if TYPE_CHECKING:
    import sympy as sp


def _inputs(X: object, dim: int) -> np.ndarray:
    values = as_data(X, min_samples=1).values
    if values.shape[1] != dim:
        raise ValueError(
            f"the network takes {dim}-dimensional inputs, got X with {values.shape[1]}"
        )
    return values


@dataclass(frozen=True)
class ChainNetwork:
    r"""A parallel network of ``m`` independent width-1 chains.

    .. math::

        f(x) = \xi + \sum_{i=1}^m \alpha_i\,\sigma(w_{i,L-1}\sigma(\cdots
        \sigma(x\cdot w_{i,1} + b_{i,1})\cdots) + b_{i,L-1})

    Weights per layer: ``first_weights`` (m, d) and ``first_biases`` (m,) for layer 1;
    column ``l-2`` of ``hidden_weights`` / ``hidden_biases`` (m, L-2) for layer ``l >= 2``;
    ``output_weights`` (m,) and ``output_bias``.
    """

    activation: str
    depth: int
    norm: int
    first_weights: np.ndarray
    first_biases: np.ndarray
    hidden_weights: np.ndarray
    hidden_biases: np.ndarray
    output_weights: np.ndarray
    output_bias: float
    slope: float | None = None

    @property
    def width(self) -> int:
        """Number of chains (neurons per layer)."""
        return self.output_weights.shape[0]

    @property
    def layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(weights, biases)]`` for layers 1..L-1, then the output layer ``(alpha, [xi])``."""
        layers = [(self.first_weights, self.first_biases)]
        layers += [
            (self.hidden_weights[:, k], self.hidden_biases[:, k])
            for k in range(self.hidden_weights.shape[1])
        ]
        layers.append((self.output_weights, np.array([self.output_bias])))
        return layers

    def units(self, X: object) -> np.ndarray:
        """Outputs of every chain (before the output weights): shape (N, m)."""
        values = _inputs(X, self.first_weights.shape[1])
        return evaluate_chains(
            values,
            self.first_weights,
            self.first_biases,
            self.hidden_weights,
            self.hidden_biases,
            self.activation,
            self.slope,
        )

    def predict(self, X: object) -> np.ndarray:
        """Network output :math:`f(x)` at each row of ``X``."""
        return self.units(X) @ self.output_weights + self.output_bias

    def penalty(self) -> float:
        r""":math:`\tfrac{1}{L}\sum_i(\|w_{i,1}\|_p^L + \sum_{l\ge2}|w_{i,l}|^L + |\alpha_i|^L)`."""
        L = self.depth
        first = np.linalg.norm(self.first_weights, ord=self.norm, axis=1) ** L
        hidden = np.sum(np.abs(self.hidden_weights) ** L, axis=1)
        output = np.abs(self.output_weights) ** L
        return float(np.sum(first + hidden + output) / L)

    def objective(self, X: object, y: object, beta: float) -> float:
        r"""Training objective :math:`\tfrac12\|f(X)-y\|^2 + \beta\cdot` :meth:`penalty`."""
        prediction = self.predict(X)
        labels = as_labels(y, prediction.shape[0])
        return float(0.5 * np.sum((prediction - labels) ** 2) + beta * self.penalty())

    def expression(self, x=None, digits: int = 4) -> sp.Expr:
        """The network output through its weights (rounded to ``digits`` significant digits)
        as a sympy expression in ``x`` (default ``x`` for 1-D inputs, else ``x_1..x_d``)."""
        import sympy as sp

        dim = self.first_weights.shape[1]
        if x is None:
            x = sp.Symbol("x", real=True) if dim == 1 else sp.symbols(f"x_1:{dim + 1}", real=True)
        inputs = [x] if dim == 1 else list(x)
        sigma = activation(self.activation, self.slope).symbolic

        def number(value: float) -> sp.Float:
            return sp.Float(f"{value:.{digits}g}")

        total = number(self.output_bias)
        for i in range(self.width):
            hidden = sigma(
                sp.Add(*(number(w) * v for w, v in zip(self.first_weights[i], inputs)))
                + number(self.first_biases[i])
            )
            for k in range(self.hidden_weights.shape[1]):
                hidden = sigma(
                    number(self.hidden_weights[i, k]) * hidden + number(self.hidden_biases[i, k])
                )
            total += number(self.output_weights[i]) * hidden
        return total

    def _repr_html_(self) -> str:
        rows = [
            ("activation", _display.text(self.activation)),
            ("depth", _display.text(self.depth)),
            ("width (chains)", _display.text(self.width)),
            ("input dimension", _display.text(self.first_weights.shape[1])),
            ("penalty", _display.text(f"{self.penalty():.10g}")),
            ("output bias ξ", _display.text(f"{self.output_bias:.10g}")),
        ]
        footer = ""
        if self.width <= _display.MAX_FORMULA_TERMS:
            footer = _display.formula_block("f(x)", self.expression())
        return _display.table("ChainNetwork", rows, footer)


def _switch(values: np.ndarray, name: str) -> np.ndarray:
    return activation(name).numpy(values)


@dataclass(frozen=True)
class SwitchingUnit:
    """One sign/threshold unit: dense layers ``(W_l, b_l)``, ``W_1`` of shape (n_1, d),
    the last layer a single feature neuron; its output is ``amplitude * sigma(...)``."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    amplitude: float

    def feature(self, X: np.ndarray, activation: str) -> np.ndarray:
        hidden = X
        for weights, biases in self.layers:
            hidden = _switch(hidden @ weights.T + biases, activation)
        return hidden[:, 0]


@dataclass(frozen=True)
class SwitchingNetwork:
    r"""A network of sign or threshold units with amplitudes.

    .. math::

        f(x) = \xi + \sum_i \alpha_i s_i\,\sigma(\text{unit}_i(x)),

    penalised by :math:`\tfrac{\beta}{2}\sum_i (s_i^2 + \alpha_i^2)` (inner weights are
    scale-free and unpenalised; "A Library of Mirrors" §1.4).
    """

    activation: str
    depth: int
    kind: str
    units: tuple[SwitchingUnit, ...]
    output_weights: np.ndarray
    output_bias: float
    input_dim: int = 1
    widths: tuple[int, ...] | None = field(default=None)

    @property
    def width(self) -> int:
        return len(self.units)

    def predict(self, X: object) -> np.ndarray:
        values = _inputs(X, self.input_dim)
        output = np.full(values.shape[0], self.output_bias, dtype=np.float64)
        for unit, alpha in zip(self.units, self.output_weights):
            output += alpha * unit.amplitude * unit.feature(values, self.activation)
        return output

    def _repr_html_(self) -> str:
        rows = [
            ("activation", _display.text(self.activation)),
            ("depth", _display.text(self.depth)),
            ("kind", _display.text(self.kind)),
            ("units", _display.text(self.width)),
            ("input dimension", _display.text(self.input_dim)),
            ("penalty", _display.text(f"{self.penalty():.10g}")),
            ("output bias ξ", _display.text(f"{self.output_bias:.10g}")),
        ]
        return _display.table("SwitchingNetwork", rows)

    def penalty(self) -> float:
        amplitudes = np.array([unit.amplitude for unit in self.units])
        return float(0.5 * np.sum(amplitudes**2 + self.output_weights**2))

    def objective(self, X: object, y: object, beta: float) -> float:
        prediction = self.predict(X)
        labels = as_labels(y, prediction.shape[0])
        return float(0.5 * np.sum((prediction - labels) ** 2) + beta * self.penalty())
