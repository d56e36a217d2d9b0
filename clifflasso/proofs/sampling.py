r"""Evidence where no exact method exists: random units refined by Nelder-Mead.

For architectures without a complete finite family or a chamber certificate here (Euclidean
first-layer norm with depth 4 in d >= 2, say), :math:`\sup_\theta|\mu^\top F_\theta(X)|` is
estimated from below by random normalised chains, the best ten refined locally. A unit found
above :math:`\beta` is a real improvement direction; finding none proves nothing.
"""

from __future__ import annotations

import numpy as np

from clifflasso.numeric.chains import evaluate_chains


def chain_values(arch, X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Normalised chain features for a parameter vector: w (d), b_1, then later biases."""
    d = X.shape[1]
    w = theta[:d]
    norm = np.linalg.norm(w, ord=arch.norm)
    if norm == 0:
        return np.zeros(X.shape[0])
    hidden = arch.depth - 2
    return evaluate_chains(
        X,
        (w / norm)[None, :],
        np.array([theta[d]]) if arch.bias else np.zeros(1),
        np.ones((1, hidden)),
        theta[d + 1 : d + 1 + hidden][None, :],
        arch.activation,
        arch.slope,
    )[:, 0]


def sampled_sup(arch, X: np.ndarray, residual: np.ndarray, samples: int, seed: int):
    """``(estimate, theta)``: a lower estimate of the supremum and the unit attaining it."""
    n, d = X.shape
    rng = np.random.default_rng(seed)
    span = float(np.max(np.abs(X))) + 1.0
    hidden = arch.depth - 2
    thetas = np.hstack(
        [
            rng.normal(size=(samples, d)),
            rng.uniform(-span, span, size=(samples, 1)),
            rng.uniform(-span, span, size=(samples, hidden)),
        ]
    )

    def clip(theta):
        # biases beyond a few data spans only add a constant on the data (a direction the
        # residual is orthogonal to up to rounding, which must not be amplified)
        clipped = theta.copy()
        clipped[d:] = np.clip(clipped[d:], -4 * span, 4 * span)
        return clipped

    def score(theta):
        return -abs(residual @ chain_values(arch, X, clip(theta)))

    values = np.array([score(t) for t in thetas])
    best_theta, best = thetas[int(np.argmin(values))], float(np.min(values))
    from scipy.optimize import minimize  # on first use: scipy.optimize is slow to import

    for start in thetas[np.argsort(values)[:10]]:
        result = minimize(
            score, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14}
        )
        if result.fun < best:
            best, best_theta = float(result.fun), clip(result.x)
    return -best, best_theta
