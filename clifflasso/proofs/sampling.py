r"""Evidence where no exact method exists: random units refined by Nelder-Mead.

For architectures without a complete finite family or a chamber certificate here (Euclidean
first-layer norm with depth 4 in d >= 2, say), :math:`\sup_\theta|\mu^\top F_\theta(X)|` is
estimated from below by random normalised chains, the best ten refined locally. A unit found
above :math:`\beta` is a real improvement direction; finding none proves nothing.
"""

from __future__ import annotations

import numpy as np

from clifflasso.numeric.chains import evaluate_chains


def chain_values_batch(arch, X: np.ndarray, thetas: np.ndarray) -> np.ndarray:
    """Normalised chain features (N, S) of parameter rows ``thetas`` (S, ...): w (d), b_1,
    then later biases; a row with w = 0 gives zeros."""
    d = X.shape[1]
    hidden = arch.depth - 2
    thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
    norms = np.linalg.norm(thetas[:, :d], ord=arch.norm, axis=1)
    nonzero = norms > 0
    values = evaluate_chains(
        X,
        thetas[:, :d] / np.where(nonzero, norms, 1.0)[:, None],
        thetas[:, d] if arch.bias else np.zeros(thetas.shape[0]),
        np.ones((thetas.shape[0], hidden)),
        thetas[:, d + 1 : d + 1 + hidden],
        arch.activation,
        arch.slope,
    )
    values[:, ~nonzero] = 0.0
    return values


def chain_values(arch, X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Normalised chain features for one parameter vector: w (d), b_1, then later biases."""
    return chain_values_batch(arch, X, theta)[:, 0]


#: entries of one block of sampled units scored together (bounds the memory of a pass)
_SAMPLE_BLOCK_ENTRIES = 1 << 22


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
        clipped[..., d:] = np.clip(clipped[..., d:], -4 * span, 4 * span)
        return clipped

    def score(theta):
        return -abs(residual @ chain_values(arch, X, clip(theta)))

    clipped = clip(thetas)
    block = max(1, _SAMPLE_BLOCK_ENTRIES // max(n, 1))
    values = np.concatenate(
        [
            -np.abs(residual @ chain_values_batch(arch, X, clipped[start : start + block]))
            for start in range(0, samples, block)
        ]
    )
    best_theta, best = thetas[int(np.argmin(values))], float(np.min(values))
    from scipy.optimize import minimize  # on first use: scipy.optimize is slow to import

    for start in thetas[np.argsort(values)[:10]]:
        result = minimize(
            score, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14}
        )
        if result.fun < best:
            best, best_theta = float(result.fun), clip(result.x)
    return -best, best_theta
