"""Matplotlib pictures of fitted 1-D networks, with the kinks of the active features marked."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def active_kinks(solution) -> list[float]:
    """Sorted breakpoints of the features with nonzero coefficients."""
    features = solution.dictionary.features
    return sorted({b for j in solution.support for b in features[int(j)].breakpoints})


def plot_fits(solutions: Sequence, titles: Sequence[str], path: str, columns: int = 3):
    """Plot each 1-D solution's network over its data (kinks dashed) and save a PNG to ``path``.

    Returns the matplotlib figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = int(np.ceil(len(solutions) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    for axis, solution, title in zip(axes.ravel(), solutions, titles):
        x = solution.dictionary.X[:, 0]
        kinks = active_kinks(solution)
        low, high = min(x.min(), *kinks, x.min()), max(x.max(), *kinks, x.max())
        margin = 0.1 * (high - low) if high > low else 1.0
        grid = np.linspace(low - margin, high + margin, 600)
        axis.plot(grid, solution.network.predict(grid), color="C0", label="network")
        axis.scatter(x, solution.y, color="k", zorder=3, s=18, label="data")
        for kink in kinks:
            axis.axvline(kink, color="C3", linestyle="--", linewidth=0.8)
        axis.set_title(title, fontsize=9)
    for axis in axes.ravel()[len(solutions) :]:
        axis.set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return figure
