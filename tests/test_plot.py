"""Pictures checked by content: PNG sizes, kink lines at the feature breakpoints, hyperplanes
through their defining points with normals along w, path breakpoints and coefficients."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from matplotlib.image import imread
from matplotlib.quiver import Quiver

import clifflasso as cl
from clifflasso.examples import load_example
from clifflasso.plot import (
    active_kinks,
    clip_line,
    plot_features,
    plot_fit,
    plot_hyperplanes_2d,
    plot_path,
)


def dashed_positions(axis) -> list[float]:
    """x positions of the dashed vertical lines (kinks / breakpoints) drawn on ``axis``."""
    positions = []
    for line in axis.lines:
        x = np.asarray(line.get_xdata(), dtype=float)
        if line.get_linestyle() == "--" and x.size == 2 and x[0] == x[1]:
            positions.append(float(x[0]))
    return positions


def solid_lines(axis) -> list:
    return [line for line in axis.lines if line.get_linestyle() == "-"]


def png_shape(path) -> tuple[int, int]:
    image = imread(path)
    assert np.std(image[..., :3]) > 0, "blank image"
    return image.shape[:2]


@pytest.fixture(scope="module")
def mirrors_abs3():
    x, y = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture("abs", 3), dedupe=True)
    return D, y, cl.solve(D, y, 1e-3)


def test_plot_fit_marks_exactly_the_breakpoints_of_the_active_features(mirrors_abs3, tmp_path):
    D, _, solution = mirrors_abs3
    target = tmp_path / "fit.png"
    figure = plot_fit(solution, str(target))
    assert png_shape(target) == (400, 600)
    axis = figure.axes[0]
    expected = sorted({b for j in solution.support for b in D.features[int(j)].breakpoints})
    assert expected == active_kinks(solution)
    # reflections 2 x_j - x_k or midpoints appear among the kinks, off the data
    assert set(expected) - {float(v) for v in D.X[:, 0]}
    assert dashed_positions(axis) == pytest.approx(expected, abs=1e-12)
    # the solid curve is the rebuilt network
    (curve,) = solid_lines(axis)
    grid = np.asarray(curve.get_xdata())
    np.testing.assert_allclose(curve.get_ydata(), solution.network.predict(grid), atol=1e-12)


def test_plot_fit_kinks_are_where_the_plotted_slope_changes(tmp_path):
    x, y = load_example("zshape")
    D = cl.dictionary(x, cl.Architecture("relu", 2), dedupe=True)
    solution = cl.solve(D, y, 0.1)
    figure = plot_fit(solution)
    kinks = dashed_positions(figure.axes[0])
    assert kinks and kinks == sorted(kinks)
    for kink in kinks:
        h = 1e-3
        left = (solution.predict([kink]) - solution.predict([kink - h]))[0] / h
        right = (solution.predict([kink + h]) - solution.predict([kink]))[0] / h
        assert abs(right - left) > 1e-6, f"no slope change at the drawn kink {kink}"


def test_plot_fit_accepts_exact_solutions_and_refuses_2d(tmp_path):
    x, y = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture("relu", 3), dedupe=True)
    exact = cl.solve(D, y, Fraction(1, 10), exact=True)
    figure = plot_fit(exact, str(tmp_path / "exact.png"))
    kinks = sorted({b for j in exact.support for b in D.features[int(j)].breakpoints})
    assert dashed_positions(figure.axes[0]) == pytest.approx(kinks)
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    flat = cl.solve(cl.dictionary(X, cl.Architecture("relu", 2)), [0, 1, 1, 0], 0.01)
    with pytest.raises(ValueError, match="1-D"):
        plot_fit(flat)


def test_plot_features_1d_draws_each_feature_and_its_breakpoints(mirrors_abs3, tmp_path):
    D, _, _ = mirrors_abs3
    columns = [0, 5, 20, 30, 36]
    target = tmp_path / "features.png"
    figure = plot_features(D, columns, str(target), ncols=3)
    assert png_shape(target) == (2 * 240, 3 * 320)
    visible = [axis for axis in figure.axes if axis.get_visible()]
    assert len(visible) == len(columns)
    for axis, j in zip(visible, columns):
        feature = D.features[j]
        assert dashed_positions(axis) == pytest.approx(sorted(feature.breakpoints))
        curve = solid_lines(axis)[0]
        grid = np.asarray(curve.get_xdata())
        np.testing.assert_allclose(curve.get_ydata(), D.evaluate(grid)[:, j], atol=1e-12)
        # the feature vanishes at its kinks of value zero: min(|x - a|, |x - b|) = 0 at a, b
        values = D.evaluate(np.array(feature.breakpoints))[:, j]
        assert np.min(values) == pytest.approx(0.0, abs=1e-12)


def test_plot_features_2d_size_and_hyperplane(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(6, 2))
    D = cl.dictionary(X, cl.Architecture("relu", 2), dedupe=True)
    target = tmp_path / "features2d.png"
    figure = plot_features(D, [0, 1], str(target), ncols=2)
    assert png_shape(target) == (240, 640)
    for axis, j in zip(figure.axes, [0, 1]):
        (line,) = solid_lines(axis)
        w, b = D.table.params["w1"][j], D.table.params["b1"][j]
        ends = np.column_stack([line.get_xdata(), line.get_ydata()])
        np.testing.assert_allclose(ends @ w + b, 0.0, atol=1e-9)


def test_plot_hyperplanes_2d_lines_pass_through_their_samples_with_normals(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(8, 2))
    y = np.sign(X[:, 0] * X[:, 1])
    D = cl.dictionary(X, cl.Architecture("relu", 2), dedupe=True)
    solution = cl.solve(D, y, 0.05)
    target = tmp_path / "planes.png"
    figure = plot_hyperplanes_2d(solution, str(target))
    assert png_shape(target) == (600, 600)
    axis = figure.axes[0]
    lines = solid_lines(axis)
    assert len(lines) == solution.support.size
    (quiver,) = [c for c in axis.collections if isinstance(c, Quiver)]
    anchors = np.asarray(quiver.get_offsets())
    arrows = np.column_stack([quiver.U, quiver.V])
    for k, j in enumerate(solution.support):
        w, b = D.table.params["w1"][j], D.table.params["b1"][j]
        ends = np.column_stack([lines[k].get_xdata(), lines[k].get_ydata()])
        np.testing.assert_allclose(ends @ w + b, 0.0, atol=1e-9)
        # the hyperplane of a wedge feature passes through the two samples that span it
        samples = list(D.features[int(j)].indices)
        assert len(samples) == 2
        np.testing.assert_allclose(X[samples] @ w + b, 0.0, atol=1e-9)
        assert anchors[k] @ w + b == pytest.approx(0.0, abs=1e-9)
        cosine = arrows[k] @ w / (np.linalg.norm(arrows[k]) * np.linalg.norm(w))
        assert cosine == pytest.approx(1.0)


def test_plot_hyperplanes_2d_mirror_levels_and_dictionary_input(tmp_path):
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    D = cl.dictionary(X, cl.Architecture("abs", 3, norm=1), dedupe=True)
    weights, biases, offsets = (D.table.params[k] for k in ("w1", "b1", "b"))
    box = np.array([[-0.3, 2.3], [-0.3, 2.3]])  # the plotted region: data range +- 15 %

    def both_levels_visible(j: int) -> bool:
        return all(
            clip_line(weights[j], biases[j] + s * offsets[j, 0], box) is not None for s in (1, -1)
        )

    column = next(
        j for j, f in enumerate(D.features) if f.kind == "mirror" and both_levels_visible(j)
    )
    level = -offsets[column, 0]
    figure = plot_hyperplanes_2d(D, columns=[column])
    dotted = [line for line in figure.axes[0].lines if line.get_linestyle() == ":"]
    assert len(dotted) == 2
    w, b = D.table.params["w1"][column], D.table.params["b1"][column]
    values = sorted(
        float(np.mean(np.column_stack([line.get_xdata(), line.get_ydata()]) @ w + b))
        for line in dotted
    )
    assert values == pytest.approx([-level, level])
    with pytest.raises(ValueError, match="2-D"):
        plot_hyperplanes_2d(cl.dictionary([0, 1, 2], cl.Architecture("relu", 2)))


def test_plot_path_exact_breakpoints_and_coefficients(mirrors_abs3, tmp_path):
    D, y, _ = mirrors_abs3
    path = cl.lasso_path(D, y, exact=True)
    target = tmp_path / "path.png"
    figure = plot_path(path, str(target))
    assert png_shape(target) == (450, 1200)
    breakpoints = sorted(float(b) for b in path.breakpoints)
    coefficients, objective = figure.axes
    assert dashed_positions(coefficients) == pytest.approx(breakpoints)
    assert dashed_positions(objective) == pytest.approx(breakpoints)
    curves = solid_lines(coefficients)
    active = sorted({int(j) for s in path.solutions() for j in s.support})
    assert len(curves) == len(active)
    for curve, j in zip(curves, active):
        for beta, value in zip(curve.get_xdata(), curve.get_ydata()):
            assert value == pytest.approx(float(path.solution(Fraction(beta)).z[j]), abs=1e-9)
    (curve,) = solid_lines(objective)
    beta = 2.0
    index = int(np.argmin(np.abs(np.asarray(curve.get_xdata()) - beta)))
    expected = float(path.objective(Fraction(curve.get_xdata()[index])))
    assert curve.get_ydata()[index] == pytest.approx(expected, rel=1e-9)


def test_plot_path_numeric_grid_on_a_log_axis(tmp_path):
    x, y = load_example("zshape")
    D = cl.dictionary(x, cl.Architecture("relu", 2), dedupe=True)
    path = cl.lasso_path(D, [float(v) for v in y], [8.0, 2.0, 0.5, 0.1])
    figure = plot_path(path, str(tmp_path / "numeric.png"))
    coefficients, objective = figure.axes
    assert coefficients.get_xscale() == "log" and dashed_positions(coefficients) == []
    (curve,) = solid_lines(objective)
    np.testing.assert_allclose(curve.get_xdata(), [8.0, 2.0, 0.5, 0.1])
    np.testing.assert_allclose(curve.get_ydata(), [path.objective(b) for b in (8, 2, 0.5, 0.1)])


def test_clip_line_to_a_box():
    box = np.array([[0.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(clip_line([1.0, 0.0], -0.5, box), [[0.5, 0.0], [0.5, 1.0]])
    ends = clip_line([1.0, 1.0], -1.0, box)
    np.testing.assert_allclose(sorted(map(tuple, ends)), [(0.0, 1.0), (1.0, 0.0)])
    assert clip_line([1.0, 1.0], 5.0, box) is None
