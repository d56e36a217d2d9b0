r"""Direct nonconvex training of the quadratic-activation network: evidence beside the SDP.

Minimises the objective of :mod:`clifflasso.polynomial.sdp` exactly as written,

.. math::

    \min_{\|w_j\|_2 = 1,\ \alpha}\ \tfrac12\Big\|\sum_{j=1}^m \alpha_j\,\sigma(Xw_j) - y
    \Big\|_2^2 + \beta\|\alpha\|_1, \qquad \sigma(t) = at^2 + bt + c,

by local search over free vectors :math:`v_j` with :math:`w_j = v_j/\|v_j\|` and the split
:math:`\alpha = \alpha^+ - \alpha^-`, :math:`\alpha^\pm \ge 0`, penalised by
:math:`\beta\,\mathbf 1^\top(\alpha^+ + \alpha^-)` (smooth, bound constrained: L-BFGS-B). A local
search gives an upper bound on the training optimum only; the SDP value is the global optimum,
so no run may end below it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from clifflasso._data import as_beta, as_data, as_labels
from clifflasso.polynomial.sdp import RELU_SURROGATE, PolynomialNetwork, activation, as_coeffs


@dataclass(frozen=True)
class PolynomialTrainResult:
    """Best of several local searches: ``objective`` equals
    ``network.objective(X, y, beta)``; ``history`` holds each restart's final objective."""

    objective: float
    network: PolynomialNetwork
    history: tuple[float, ...]


def _objective_and_gradient(theta, X, y, beta, coeffs, width):
    r"""Objective in :math:`(v, \alpha^+, \alpha^-)` and its gradient.

    With :math:`t_{nj} = x_n^\top w_j` and the residual :math:`r`:
    :math:`\partial/\partial\alpha_j = r^\top\sigma(t_{\cdot j})`,
    :math:`\partial/\partial w_j = \alpha_j\sum_n r_n\sigma'(t_{nj})x_n`, and
    :math:`\partial/\partial v_j = (I - w_jw_j^\top)\,\partial/\partial w_j\,/\|v_j\|`.
    """
    a, b, _ = coeffs
    d = X.shape[1]
    V = theta[: width * d].reshape(width, d)
    plus, minus = theta[width * d : width * (d + 1)], theta[width * (d + 1) :]
    norms = np.linalg.norm(V, axis=1)
    W = V / norms[:, None]
    alpha = plus - minus
    t = X @ W.T
    units = activation(t, coeffs)
    residual = units @ alpha - y
    grad_alpha = units.T @ residual
    grad_W = alpha[:, None] * ((2.0 * a * t + b) * residual[:, None]).T @ X
    radial = np.sum(grad_W * W, axis=1)
    grad_V = (grad_W - radial[:, None] * W) / norms[:, None]
    value = 0.5 * residual @ residual + beta * np.sum(plus + minus)
    gradient = np.concatenate([grad_V.ravel(), grad_alpha + beta, -grad_alpha + beta])
    return float(value), gradient


def train_polynomial(
    X: object,
    y: object,
    beta: float,
    width: int,
    coeffs: tuple[float, float, float] = RELU_SURROGATE,
    restarts: int = 20,
    seed: int = 0,
    max_iter: int = 2000,
) -> PolynomialTrainResult:
    r"""Train :math:`\sum_j\alpha_j\sigma(w_j^\top x)` (``width`` neurons, unit rows) by
    L-BFGS-B from ``restarts`` random starts (directions uniform on the sphere, output weights
    of size :math:`\operatorname{std}(y)/m`); the best network is returned.

    The result is an upper bound on the training optimum, which the SDP
    (:func:`~clifflasso.polynomial.sdp.sdp_fit`) computes exactly.
    """
    values = as_data(X, min_samples=1).values
    labels = as_labels(y, values.shape[0])
    beta = as_beta(beta)
    coeffs = as_coeffs(coeffs)
    if int(width) != width or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    if int(restarts) != restarts or restarts < 1:
        raise ValueError(f"restarts must be a positive integer, got {restarts!r}")
    width = int(width)
    d = values.shape[1]
    rng = np.random.default_rng(seed)
    bounds = [(None, None)] * (width * d) + [(0.0, None)] * (2 * width)
    scale = (np.std(labels) + 1e-3) / width
    best, history = None, []
    for _ in range(int(restarts)):
        start = np.concatenate(
            [rng.normal(size=width * d), scale * rng.uniform(0.0, 1.0, size=2 * width)]
        )
        result = minimize(
            _objective_and_gradient,
            start,
            args=(values, labels, beta, coeffs, width),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": max_iter},
        )
        V = result.x[: width * d].reshape(width, d)
        alpha = result.x[width * d : width * (d + 1)] - result.x[width * (d + 1) :]
        network = PolynomialNetwork(V / np.linalg.norm(V, axis=1)[:, None], alpha, coeffs)
        value = network.objective(values, labels, beta)
        history.append(value)
        if best is None or value < best.objective:
            best = PolynomialTrainResult(value, network, ())
    return PolynomialTrainResult(best.objective, best.network, tuple(history))
