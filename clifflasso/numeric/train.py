r"""Direct nonconvex training of parallel chain networks: evidence beside the proofs.

Minimises the training objective of the parallel network exactly as written,

.. math::

    \min_\theta\ \tfrac12\|f_\theta(X) - y\|_2^2 + \frac{\beta}{L}\sum_{i=1}^m\Big(
    \|w_{i,1}\|_p^L + \sum_{l=2}^{L-1}|w_{i,l}|^L + |\alpha_i|^L\Big),

    f_\theta(x) = \xi + \sum_i \alpha_i\,\sigma(w_{i,L-1}\sigma(\cdots\sigma(x\cdot w_{i,1}
    + b_{i,1})\cdots) + b_{i,L-1}),

with hand-written (sub)gradients, :func:`scipy.optimize.minimize` and many random restarts.
Biases are unpenalised; :math:`b_{i,1}` exists iff ``arch.bias``, :math:`\xi` iff
``arch.output_bias``. A local search only ever gives an *upper bound* on the training
optimum: its results are evidence beside the convex proofs (the Lasso and its certificates,
:mod:`clifflasso.proofs.arrangement`), never a substitute for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from clifflasso._data import as_beta, as_data, as_labels
from clifflasso.architecture import Architecture
from clifflasso.numeric.network import ChainNetwork
from clifflasso.symbolic.activations import activation

CHAIN_ACTIVATIONS = ("relu", "leaky_relu", "abs")


@dataclass(frozen=True)
class TrainingProblem:
    r"""The training objective as a function of one flat parameter vector :math:`\theta`.

    Layout of :math:`\theta`: ``W1`` (m, d), then ``b1`` (m,) if ``arch.bias``, hidden
    weights and biases (m, L-2) each, ``alpha`` (m,), then ``xi`` if ``arch.output_bias``.
    """

    X: np.ndarray
    y: np.ndarray
    arch: Architecture
    beta: float
    width: int

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Shape of each parameter block, in the order of :math:`\\theta`."""
        m, d, hidden = self.width, self.X.shape[1], self.arch.depth - 2
        return {
            "W1": (m, d),
            "b1": (m,) if self.arch.bias else (0,),
            "Wh": (m, hidden),
            "Bh": (m, hidden),
            "alpha": (m,),
            "xi": (1,) if self.arch.output_bias else (0,),
        }

    @property
    def size(self) -> int:
        """Number of free parameters."""
        return sum(int(np.prod(shape)) for shape in self.shapes.values())

    def unpack(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Views of ``theta`` by parameter name (see :attr:`shapes`)."""
        parts, start = {}, 0
        for name, shape in self.shapes.items():
            stop = start + int(np.prod(shape))
            parts[name] = theta[start:stop].reshape(shape)
            start = stop
        return parts

    def pack(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        """Inverse of :meth:`unpack`."""
        return np.concatenate([np.ravel(parts[name]) for name in self.shapes])

    def _sigma(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Activation and a (sub)derivative at ``h``."""
        sigma = activation(self.arch.activation, self.arch.slope)
        return sigma.numpy(h), sigma.derivative(h)

    def objective_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r"""Objective and a subgradient (backpropagation; at kinks :math:`\sigma'` is one-sided).

        Penalty gradients: :math:`\nabla\frac1L\|w\|_2^L = \|w\|_2^{L-2}w`,
        :math:`\nabla\frac1L\|w\|_1^L = \|w\|_1^{L-1}\operatorname{sign}(w)`,
        :math:`\frac{d}{dw}\frac1L|w|^L = |w|^{L-1}\operatorname{sign}(w)`.
        """
        p = self.unpack(theta)
        L = self.arch.depth
        bias = p["b1"] if self.arch.bias else 0.0
        pre = [self.X @ p["W1"].T + bias]
        post, slopes = [], []
        for layer in range(L - 1):
            value, slope = self._sigma(pre[-1])
            post.append(value)
            slopes.append(slope)
            if layer < L - 2:
                pre.append(value * p["Wh"][:, layer] + p["Bh"][:, layer])
        xi = p["xi"][0] if self.arch.output_bias else 0.0
        residual = post[-1] @ p["alpha"] + xi - self.y

        grad = {name: np.zeros(shape) for name, shape in self.shapes.items()}
        grad["alpha"] = post[-1].T @ residual
        if self.arch.output_bias:
            grad["xi"][0] = residual.sum()
        delta = residual[:, None] * p["alpha"]
        for layer in range(L - 2, 0, -1):
            delta_pre = delta * slopes[layer]
            grad["Wh"][:, layer - 1] = np.sum(delta_pre * post[layer - 1], axis=0)
            grad["Bh"][:, layer - 1] = delta_pre.sum(axis=0)
            delta = delta_pre * p["Wh"][:, layer - 1]
        delta_pre = delta * slopes[0]
        grad["W1"] = delta_pre.T @ self.X
        if self.arch.bias:
            grad["b1"] = delta_pre.sum(axis=0)

        first_norm = np.linalg.norm(p["W1"], ord=self.arch.norm, axis=1)
        penalty = (
            np.sum(first_norm**L) + np.sum(np.abs(p["Wh"]) ** L) + np.sum(np.abs(p["alpha"]) ** L)
        ) / L
        if self.arch.norm == 2:
            grad["W1"] += self.beta * (first_norm ** (L - 2))[:, None] * p["W1"]
        else:
            grad["W1"] += self.beta * (first_norm ** (L - 1))[:, None] * np.sign(p["W1"])
        for name in ("Wh", "alpha"):
            grad[name] += self.beta * np.abs(p[name]) ** (L - 1) * np.sign(p[name])
        value = 0.5 * residual @ residual + self.beta * penalty
        return float(value), self.pack(grad)

    def random_start(self, rng: np.random.Generator) -> np.ndarray:
        r"""A random, data-adapted starting point.

        Each chain gets a random unit direction (in the p-norm), kinks placed at the data (the
        bias of layer l puts the kink at the layer's value at a random sample), a random sign
        and a random amplitude :math:`c`, spread over the layers so that they are balanced
        (weights :math:`\times c^{1/L}`, layer-l biases :math:`\times c^{l/L}`).
        """
        m, (n, d), L = self.width, self.X.shape, self.arch.depth
        W1 = rng.normal(size=(m, d))
        W1 /= np.linalg.norm(W1, ord=self.arch.norm, axis=1, keepdims=True)
        b1 = -np.sum(W1 * self.X[rng.integers(n, size=m)], axis=1) if self.arch.bias else None
        Wh = rng.choice([-1.0, 1.0], size=(m, L - 2))
        Bh = np.zeros((m, L - 2))
        values = self._sigma(self.X @ W1.T + (b1 if self.arch.bias else 0.0))[0]
        for layer in range(L - 2):
            anchors = values[rng.integers(n, size=m), np.arange(m)]
            spread = 0.1 * np.std(values, axis=0) * rng.normal(size=m)
            Bh[:, layer] = -Wh[:, layer] * anchors + spread
            values = self._sigma(values * Wh[:, layer] + Bh[:, layer])[0]
        scale = np.std(self.y) + np.mean(np.abs(self.y)) + 1e-3
        amplitude = rng.uniform(0.0, 2.0, size=m) * scale / m
        factor = amplitude ** (1.0 / L)
        parts = {
            "W1": W1 * factor[:, None],
            "b1": b1 * factor if self.arch.bias else np.zeros(0),
            "Wh": Wh * factor[:, None],
            "Bh": Bh * amplitude[:, None] ** (np.arange(2, L) / L),
            "alpha": rng.choice([-1.0, 1.0], size=m) * factor,
            "xi": np.array([self.y.mean()]) if self.arch.output_bias else np.zeros(0),
        }
        return self.pack(parts)

    def network(self, theta: np.ndarray) -> ChainNetwork:
        """The :class:`ChainNetwork` with parameters ``theta``."""
        p = self.unpack(theta)
        return ChainNetwork(
            activation=self.arch.activation,
            depth=self.arch.depth,
            norm=self.arch.norm,
            first_weights=p["W1"].copy(),
            first_biases=p["b1"].copy() if self.arch.bias else np.zeros(self.width),
            hidden_weights=p["Wh"].copy(),
            hidden_biases=p["Bh"].copy(),
            output_weights=p["alpha"].copy(),
            output_bias=float(p["xi"][0]) if self.arch.output_bias else 0.0,
            slope=self.arch.slope,
        )


@dataclass(frozen=True)
class TrainResult:
    """Best of several local searches.

    ``objective`` is the training objective of ``network`` (it equals
    ``network.objective(X, y, beta)``); ``history`` the final objective of each restart.
    """

    objective: float
    network: ChainNetwork
    history: tuple[float, ...]


def train(
    X: object,
    y: object,
    arch: Architecture,
    beta: float,
    width: int | None = None,
    restarts: int = 20,
    seed: int = 0,
    method: str = "L-BFGS-B",
    max_iter: int = 5000,
) -> TrainResult:
    r"""Train a parallel chain network by local search from ``restarts`` random starts.

    ``arch`` must be a parallel ReLU, leaky-ReLU or absolute-value architecture (any depth
    :math:`L \ge 2`, first-layer norm ``arch.norm``). ``width`` defaults to :math:`2N + 2`
    chains (Pilanci & Ergen 2020 bound the optimal width of the 2-layer problem by
    :math:`N + 1`). Each restart runs :func:`scipy.optimize.minimize` (``method``, at most
    ``max_iter`` iterations) with the exact (sub)gradient; the best result is kept.

    The result is an upper bound on the training optimum :math:`P(\beta)` and nothing more:
    use it as evidence beside the convex proofs, never in their place.
    """
    if arch.activation not in CHAIN_ACTIVATIONS or arch.kind != "parallel":
        raise ValueError(
            f"train() handles parallel {', '.join(CHAIN_ACTIVATIONS)} chains, got "
            f"activation={arch.activation!r}, kind={arch.kind!r}"
        )
    values = as_data(X, min_samples=1).values
    labels = as_labels(y, values.shape[0])
    beta = as_beta(beta)
    width = 2 * values.shape[0] + 2 if width is None else width
    if width < 1:
        raise ValueError(f"width must be a positive integer, got {width}")
    problem = TrainingProblem(values, labels, arch, beta, width)
    rng = np.random.default_rng(seed)
    best_value, best_theta, history = np.inf, None, []
    # tiny dense products: BLAS threads only add overhead (10-50x slower when cores are busy)
    with threadpool_limits(1):
        for _ in range(restarts):
            result = minimize(
                problem.objective_and_gradient,
                problem.random_start(rng),
                jac=True,
                method=method,
                options={"maxiter": max_iter},
            )
            value = problem.objective_and_gradient(result.x)[0]
            history.append(value)
            if value < best_value:
                best_value, best_theta = value, result.x
    if best_theta is None:
        raise ValueError(f"restarts must be at least 1, got {restarts}")
    return TrainResult(
        objective=best_value, network=problem.network(best_theta), history=tuple(history)
    )
