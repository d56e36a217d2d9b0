r"""Matplotlib pictures: dictionary features, fitted networks with their kinks, 2-D hyperplanes
with their normals, and Lasso solution paths.

Every function builds a :class:`matplotlib.figure.Figure` without pyplot (so it neither switches
the backend nor keeps figures open), saves it as a PNG at ``dpi=100`` when ``path`` is given (a
figure of ``w x h`` inches is ``100 w x 100 h`` pixels) and returns it. Conventions, which the
tests read back from the returned figure:

* kinks (1-D breakpoints) and the breakpoints of exact paths are dashed vertical lines
  (``axvline``), one per location, in increasing order; a kink of a fit or a feature is
  coloured by its kind (:data:`KINK_STYLES`: a data point :math:`x_j`, a reflection
  :math:`2x_j - x_k`, a midpoint :math:`(x_j + x_k)/2`, or deeper), named in the legend;
* in 2-D, the hyperplane :math:`w\cdot x + b = 0` of each unit is a solid line, the levels
  :math:`|w\cdot x + b| = c` of a depth-3 mirror feature dotted lines, and the normals ``w``
  one quiver per axis, drawn from the point of the line nearest the centre of the data.

Exact solutions (:class:`~clifflasso.ExactLassoSolution`) are accepted wherever a solution is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sympy as sp
from matplotlib.figure import Figure

#: resolution of every saved PNG (pixels per inch)
DPI = 100
_KINK_STYLE = dict(color="C3", linestyle="--", linewidth=0.8)
#: Legend label and colour of each kind of kink
#: (:func:`clifflasso.timeseries.kinks.classify_kinks`).
KINK_STYLES = {
    "data": ("data point $x_j$", "C2"),
    "reflection": ("reflection $2x_j - x_k$", "C3"),
    "midpoint": ("midpoint $(x_j + x_k)/2$", "C1"),
    "deeper": ("deeper (composed reflections)", "C4"),
}
_GRID_POINTS = 600


def _numeric(solution):
    """A float :class:`~clifflasso.LassoSolution` (exact solutions are converted)."""
    return solution.to_numeric() if hasattr(solution, "to_numeric") else solution


def _finish(figure: Figure, path: str | None) -> Figure:
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=DPI)
    return figure


def _panels(count: int, columns: int, size: tuple[float, float]):
    """A figure with ``count`` visible axes on a grid ``columns`` wide, and the axes used."""
    columns = max(1, min(columns, count))
    rows = int(np.ceil(count / columns))
    figure = Figure(figsize=(size[0] * columns, size[1] * rows))
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for axis in axes[count:]:
        axis.set_visible(False)
    return figure, axes[:count]


def _grid_1d(x: np.ndarray, kinks: Sequence[float]) -> np.ndarray:
    """Evaluation grid covering the data and the kinks with a 10 % margin."""
    low, high = min(x.min(), *kinks), max(x.max(), *kinks)
    margin = 0.1 * (high - low) if high > low else 1.0
    return np.linspace(low - margin, high + margin, _GRID_POINTS)


def _describe(feature) -> str:
    indices = ", ".join(str(i) for i in feature.indices)
    return f"{feature.kind} ({indices})"


def active_kinks(solution) -> list[float]:
    """Sorted breakpoints of the features with active coefficients (``solution.active``: above
    the stated threshold relative to the largest coefficient)."""
    features = solution.dictionary.features
    return sorted({b for j in solution.active for b in features[int(j)].breakpoints})


def _draw_kinks(axis, kinks: Sequence[float], x: np.ndarray) -> None:
    """Dashed vertical lines at ``kinks`` (increasing), coloured and labelled by kind, the
    first line of each kind carrying its legend label."""
    from clifflasso.timeseries.kinks import classify_kinks

    seen = set()
    for kink in classify_kinks(sorted(kinks), x):
        label, colour = KINK_STYLES[kink.kind]
        style = dict(_KINK_STYLE, color=colour)
        axis.axvline(kink.location, label=None if kink.kind in seen else f"kink: {label}", **style)
        seen.add(kink.kind)


def _draw_fit(axis, solution, title: str) -> None:
    """The 1-D network over its data, the kinks of the active features dashed."""
    if solution.dictionary.X.shape[1] != 1:
        raise ValueError("fitted functions are drawn for 1-D data; use plot_hyperplanes_2d")
    x = solution.dictionary.X[:, 0]
    kinks = active_kinks(solution)
    grid = _grid_1d(x, kinks)
    axis.plot(grid, solution.network.predict(grid), color="C0", label="network")
    axis.scatter(x, np.asarray(solution.y, dtype=float), color="k", zorder=3, s=18, label="data")
    _draw_kinks(axis, kinks, x)
    axis.set_title(title, fontsize=9)
    axis.set_xlabel("x")
    axis.set_ylabel("f(x)")


def _fit_title(solution) -> str:
    arch = solution.dictionary.arch
    return f"{arch.activation}, L={arch.depth}, obj={solution.objective:.4g}"


def plot_fit(solution, path: str | None = None, *, title: str | None = None) -> Figure:
    """The fitted 1-D function of ``solution`` (its rebuilt network) over the data, with the
    kinks of the active features as dashed vertical lines; 600 x 400 pixels."""
    solution = _numeric(solution)
    figure = Figure(figsize=(6, 4))
    axis = figure.subplots()
    _draw_fit(axis, solution, _fit_title(solution) if title is None else title)
    axis.legend(fontsize=8)
    return _finish(figure, path)


def plot_fits(
    solutions: Sequence, titles: Sequence[str], path: str | None = None, columns: int = 3
) -> Figure:
    """Several 1-D fits side by side (kinks dashed and coloured by kind, a legend in each
    panel), at most ``columns`` panels of 4 x 3 inches per row (no empty panels)."""
    solutions = [_numeric(s) for s in solutions]
    columns = max(1, min(columns, len(solutions)))
    rows = int(np.ceil(len(solutions) / columns))
    figure = Figure(figsize=(4 * columns, 3 * rows))
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for axis, solution, title in zip(axes, solutions, titles):
        _draw_fit(axis, solution, title)
        axis.legend(fontsize=6)
    for axis in axes[len(solutions) :]:
        axis.set_visible(False)
    return _finish(figure, path)


def plot_features(
    dictionary, columns: Sequence[int] | None = None, path: str | None = None, *, ncols: int = 3
) -> Figure:
    """One panel per dictionary column (default: all), 320 x 240 pixels each, ``ncols`` per row.

    1-D: the feature over the data range with the data marked on the axis and its breakpoints
    as dashed vertical lines. 2-D: the feature as filled contours, the data and the unit's
    hyperplanes (solid, levels of mirror features dotted).
    """
    D = dictionary
    columns = list(range(len(D))) if columns is None else [int(j) for j in columns]
    if not columns:
        raise ValueError("no columns to plot")
    dim = D.X.shape[1]
    if dim > 2:
        raise ValueError(f"features are drawn for 1-D and 2-D data, got d = {dim}")
    figure, axes = _panels(len(columns), ncols, (3.2, 2.4))
    chosen = D.subset(columns)
    if dim == 2:
        box = _box(D.X)
        xs, ys = np.meshgrid(np.linspace(*box[0], 120), np.linspace(*box[1], 120))
        surfaces = chosen.evaluate(np.column_stack([xs.ravel(), ys.ravel()]))
    for k, (axis, j) in enumerate(zip(axes, columns)):
        feature = chosen.features[k]
        if dim == 1:
            x = D.X[:, 0]
            grid = _grid_1d(x, feature.breakpoints)
            axis.plot(grid, chosen.evaluate(grid)[:, k], color="C0")
            axis.plot(x, np.zeros_like(x), "k|", markersize=8)
            _draw_kinks(axis, feature.breakpoints, x)
            axis.set_xlabel("x", fontsize=8)
            axis.set_ylabel(f"$F_{{{j}}}(x)$", fontsize=8)
        else:
            axis.contourf(xs, ys, surfaces[:, k].reshape(xs.shape), levels=12, cmap="viridis")
            _draw_units(axis, D, [j], box, normals=False)
            axis.scatter(D.X[:, 0], D.X[:, 1], color="w", edgecolor="k", s=16, zorder=3)
        axis.set_title(f"[{j}] {_describe(feature)}", fontsize=8)
    return _finish(figure, path)


# ----------------------------------------------------------------------------- 2-D geometry
def _box(X: np.ndarray, margin: float = 0.15) -> np.ndarray:
    """Axis limits ``[[x_lo, x_hi], [y_lo, y_hi]]`` around the data with a relative margin."""
    low, high = X.min(axis=0), X.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return np.column_stack([low - margin * span, high + margin * span])


def clip_line(w: np.ndarray, b: float, box: np.ndarray) -> np.ndarray | None:
    r"""End points (2, 2) of the segment of :math:`\{x : w\cdot x + b = 0\}` inside ``box``
    (``[[x_lo, x_hi], [y_lo, y_hi]]``), or None when the line misses it."""
    w = np.asarray(w, dtype=float)
    candidates = []
    for axis in (0, 1):
        other = 1 - axis
        if w[other] == 0:
            continue
        for value in box[axis]:
            point = np.empty(2)
            point[axis] = value
            point[other] = -(b + w[axis] * value) / w[other]
            if box[other][0] - 1e-12 <= point[other] <= box[other][1] + 1e-12:
                candidates.append(point)
    if len(candidates) < 2:
        return None
    candidates = np.array(candidates)
    direction = np.array([-w[1], w[0]])
    order = np.argsort(candidates @ direction)
    ends = candidates[[order[0], order[-1]]]
    return ends if np.linalg.norm(ends[1] - ends[0]) > 0 else None


def _unit_levels(D, j: int) -> list[float]:
    r"""Levels c > 0 with a kink on :math:`|w\cdot x + b| = c` (depth-3 mirror features)."""
    hidden = D.table.params["b"]
    if hidden.shape[1] == 0:
        return []
    level = -float(hidden[j, 0])
    return [level] if level > 0 else []


def _draw_units(axis, D, columns: Sequence[int], box: np.ndarray, *, normals: bool) -> None:
    """Hyperplanes (solid), mirror levels (dotted) and, with ``normals``, one quiver of the
    unit normals anchored at the foot of the data centre on each hyperplane."""
    weights, biases = D.table.params["w1"], D.table.params["b1"]
    centre = D.X.mean(axis=0)
    scale = 0.15 * float(np.max(box[:, 1] - box[:, 0]))
    anchors, arrows = [], []
    for colour, j in enumerate(columns):
        w, b = weights[j], float(biases[j])
        segment = clip_line(w, b, box)
        style = dict(color=f"C{colour % 10}", linewidth=1.4)
        if segment is not None:
            axis.plot(segment[:, 0], segment[:, 1], linestyle="-", **style)
        for level in _unit_levels(D, j):
            for offset in (level, -level):
                parallel = clip_line(w, b - offset, box)
                if parallel is not None:
                    axis.plot(parallel[:, 0], parallel[:, 1], linestyle=":", **style)
        norm2 = float(w @ w)
        anchors.append(centre - (w @ centre + b) / norm2 * w)
        arrows.append(scale * w / np.sqrt(norm2))
    if normals and anchors:
        anchors, arrows = np.array(anchors), np.array(arrows)
        axis.quiver(
            anchors[:, 0],
            anchors[:, 1],
            arrows[:, 0],
            arrows[:, 1],
            color=[f"C{k % 10}" for k in range(len(anchors))],
            angles="xy",
            scale_units="xy",
            scale=1,
            width=0.006,
            zorder=4,
        )
    axis.set_xlim(*box[0])
    axis.set_ylim(*box[1])
    axis.set_aspect("equal")


def plot_hyperplanes_2d(
    solution_or_dictionary, path: str | None = None, *, columns: Sequence[int] | None = None
) -> Figure:
    r"""2-D data with the hyperplanes :math:`w\cdot x + b = 0` of the units and their normals.

    Given a solution: the active units (``columns`` default: the support), the data coloured by
    label. Given a :class:`~clifflasso.Dictionary`: its columns (default: all). Depth-3 mirror
    features also show their kink lines :math:`|w\cdot x + b| = c` (dotted). 600 x 600 pixels.
    """
    item = solution_or_dictionary
    is_solution = hasattr(item, "support")
    solution = _numeric(item) if is_solution else None
    D = solution.dictionary if is_solution else item
    if D.X.shape[1] != 2:
        raise ValueError(f"plot_hyperplanes_2d needs 2-D data, got d = {D.X.shape[1]}")
    if columns is None:
        columns = solution.support if is_solution else range(len(D))
    columns = [int(j) for j in columns]
    figure = Figure(figsize=(6, 6))
    axis = figure.subplots()
    box = _box(D.X)
    _draw_units(axis, D, columns, box, normals=True)
    if is_solution:
        points = axis.scatter(
            D.X[:, 0], D.X[:, 1], c=solution.y, cmap="coolwarm", edgecolor="k", s=30, zorder=5
        )
        figure.colorbar(points, ax=axis, label="y", shrink=0.8)
        axis.set_title(f"{len(columns)} active units, obj={solution.objective:.4g}", fontsize=9)
    else:
        axis.scatter(D.X[:, 0], D.X[:, 1], color="k", s=30, zorder=5)
        axis.set_title(f"{len(columns)} hyperplanes of {D.family.name}", fontsize=9)
    axis.set_xlabel("$x_1$")
    axis.set_ylabel("$x_2$")
    return _finish(figure, path)


# ----------------------------------------------------------------------------- paths
def _objective_curve(path_object, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The optimal objective against beta: the exact piecewise quadratic on a fine grid, or
    the solved grid values of a numeric path."""
    if path_object.exact:
        beta = sp.Symbol("beta", nonnegative=True)
        curve = sp.lambdify(beta, path_object.objective_formula(beta), "numpy")
        grid = np.linspace(0.0, float(betas.max()) * 1.05, 400)
        return grid, np.broadcast_to(np.asarray(curve(grid), dtype=float), grid.shape)
    return betas, np.array([float(path_object.objective(b)) for b in path_object.breakpoints])


def plot_path(path_object, path: str | None = None, *, max_labels: int = 8) -> Figure:
    r"""A Lasso solution path: coefficients :math:`z_j(\beta)` of the columns active somewhere
    on the path (left) and the optimal objective (right); 1200 x 450 pixels.

    Exact paths (:func:`clifflasso.lasso_path` with ``exact=True``) are drawn on a linear
    beta axis with their breakpoints as dashed vertical lines; the coefficients are exactly
    linear between them. Numeric paths mark their grid points on a log axis.
    """
    betas = np.array([float(b) for b in path_object.breakpoints])
    Z = np.array([[float(v) for v in s.z] for s in path_object.solutions()])
    active = np.flatnonzero(np.any(Z != 0, axis=0))
    features = path_object.dictionary.features
    figure = Figure(figsize=(12, 4.5))
    coefficients, objective = figure.subplots(1, 2)
    marker = None if path_object.exact else "o"
    for rank, j in enumerate(active):
        label = f"[{j}] {_describe(features[int(j)])}" if rank < max_labels else None
        coefficients.plot(betas, Z[:, j], marker=marker, markersize=3, label=label)
    grid, values = _objective_curve(path_object, betas)
    objective.plot(grid, values, color="k", marker=marker, markersize=3)
    for axis in (coefficients, objective):
        if path_object.exact:
            for beta in sorted(betas):
                axis.axvline(beta, **_KINK_STYLE)
        elif betas.min() > 0:
            axis.set_xscale("log")
        axis.set_xlabel(r"$\beta$")
    coefficients.set_ylabel(r"$z_j(\beta)$")
    coefficients.set_title(f"{active.size} columns active on the path", fontsize=9)
    if active.size:
        coefficients.legend(fontsize=7)
    objective.set_ylabel("optimal objective")
    kind = "exact homotopy" if path_object.exact else "numeric grid"
    objective.set_title(f"{kind}, {betas.size} breakpoints", fontsize=9)
    return _finish(figure, path)


__all__ = [
    "DPI",
    "KINK_STYLES",
    "active_kinks",
    "clip_line",
    "plot_features",
    "plot_fit",
    "plot_fits",
    "plot_hyperplanes_2d",
    "plot_path",
]
