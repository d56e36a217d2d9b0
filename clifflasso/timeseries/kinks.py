r"""Where the kinks of an AR(1) network sit on the lag axis, and what they are.

For one lag the network is a piecewise-linear function :math:`f(y_{t-1})` whose breakpoints
come from the active dictionary features. With the distinct training inputs
:math:`x_1, \dots, x_N` (the lag values), the theory says which points can be kinks:

* depth 2 (ReLU ramps, absolute values): the **data points** :math:`x_n`;
* depth 3 (absolute value): also the **reflections** :math:`2x_j - x_k` of a data point about
  another and the **midpoints** :math:`(x_j + x_k)/2`;
* depth 4 and more: **deeper** points, reflections of reflections such as
  :math:`2x_j - 2x_k + x_l` (anything that is none of the above).

:func:`classify_kinks` labels each kink by the first kind in :data:`KINK_KINDS` that places a
point within ``tolerance`` of it; a location that is both (say a reflection that lands on a
data point) is counted as the earlier kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clifflasso.lasso import LassoSolution

KINK_KINDS = ("data", "reflection", "midpoint", "deeper")
#: Default tolerance of :func:`classify_kinks`, relative to the range of the inputs.
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Kink:
    r"""A kink at ``location`` of kind ``kind`` (:data:`KINK_KINDS`), with the indices of the
    data points that explain it: ``(n,)`` for :math:`x_n`, ``(j, k)`` for :math:`2x_j - x_k`
    or :math:`(x_j + x_k)/2`, ``()`` for deeper points."""

    location: float
    kind: str
    indices: tuple[int, ...]


def classify_kinks(locations: object, x: object, tolerance: float | None = None) -> list[Kink]:
    """Label each kink location by :data:`KINK_KINDS` against the data points ``x``.

    ``tolerance`` defaults to :data:`RELATIVE_TOLERANCE` times the range of ``x``."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if tolerance is None:
        tolerance = RELATIVE_TOLERANCE * max(float(np.ptp(x)) if x.size else 0.0, 1e-300)
    n = x.shape[0]
    different = ~np.eye(n, dtype=bool)
    reflections = np.where(different, 2 * x[:, None] - x[None, :], np.nan)
    midpoints = np.where(np.triu(different), (x[:, None] + x[None, :]) / 2, np.nan)
    kinks = []
    for location in np.asarray(locations, dtype=np.float64).ravel():
        kink = Kink(float(location), "deeper", ())
        for kind, points in (("data", x), ("reflection", reflections), ("midpoint", midpoints)):
            distance = np.abs(points - location)
            if points.size and np.nanmin(distance) <= tolerance:
                best = np.unravel_index(int(np.nanargmin(distance)), points.shape)
                kink = Kink(float(location), kind, tuple(int(i) for i in best))
                break
        kinks.append(kink)
    return kinks


def kink_counts(kinks: list[Kink]) -> dict[str, int]:
    """How many kinks of each kind (every kind present as a key)."""
    return {kind: sum(k.kind == kind for k in kinks) for kind in KINK_KINDS}


def solution_kinks(solution: LassoSolution) -> list[float]:
    """Sorted distinct breakpoints of the active features of a 1-D Lasso solution (the kinks
    of the rebuilt network)."""
    features = solution.dictionary.features
    locations = {
        float(b) for j in solution.active for b in features[int(j)].breakpoints if np.isfinite(b)
    }
    return sorted(locations)
