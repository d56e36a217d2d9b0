"""Autoregressive time series: lag windows, splits, merged weighted Lasso, forecasts, dense or
streamed solves, certificates against nonconvex training, shipped series, plot and CLI."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import clifflasso as cl
from clifflasso.datasets import load_nile, load_sunspots, shipped_series
from clifflasso.datasets.series import SERIES, provenance
from clifflasso.numeric.train import train
from clifflasso.timeseries import (
    ConvexAutoRegressor,
    MergedWindows,
    WindowLasso,
    chronological_split,
    classify_kinks,
    kink_counts,
    lag_embed,
    plan,
    rolling_origin_splits,
)

# ---------------------------------------------------------------- embedding and splits


def test_lag_embedding_values():
    embedding = lag_embed([1.0, 2.0, 3.0, 4.0, 5.0], lags=2)
    np.testing.assert_array_equal(embedding.X, [[2, 1], [3, 2], [4, 3]])
    np.testing.assert_array_equal(embedding.y, [3, 4, 5])
    np.testing.assert_array_equal(embedding.times, [2, 3, 4])


@pytest.mark.parametrize("lags", [1, 2, 3])
def test_a_gap_of_g_nans_removes_g_plus_p_windows(lags):
    series = np.arange(20.0)
    complete = lag_embed(series, lags)
    series[[7, 8]] = np.nan  # g = 2
    embedding = lag_embed(series, lags)
    assert len(complete) - len(embedding) == 2 + lags
    assert np.all(np.isfinite(embedding.X)) and np.all(np.isfinite(embedding.y))
    # every window kept is the window of its target time: X[i, k] = y[t_i - k - 1]
    for row, t in zip(embedding.X, embedding.times):
        np.testing.assert_array_equal(row, series[t - np.arange(1, lags + 1)])
    assert not set(embedding.times) & set(range(7, 9 + lags))


def test_embedding_refuses_infinities_and_short_series():
    with pytest.raises(ValueError, match="infinite"):
        lag_embed([1.0, np.inf, 2.0])
    with pytest.raises(ValueError, match="no window"):
        lag_embed([1.0, 2.0], lags=2)


@pytest.mark.parametrize("validation, test", [(0.2, 0.2), (10, 25), (0.0, 0.3)])
def test_chronological_split_is_ordered_and_has_no_overlap(validation, test):
    series = np.sin(np.arange(100.0))
    embedding = lag_embed(series, 2)
    split = chronological_split(100, validation, test)
    parts = split.parts(embedding)
    times = [part.times for part in parts]
    assert sum(len(t) for t in times) == len(embedding)  # every window in exactly one part
    assert len(np.unique(np.concatenate(times))) == len(embedding)
    nonempty = [t for t in times if t.size]
    for earlier, later in zip(nonempty, nonempty[1:]):
        assert earlier.max() < later.min()
    for t in times:
        assert np.all(np.diff(t) > 0)
    assert times[0].max() < split.train_end <= split.validation_end


def test_rolling_origin_folds_never_train_on_their_future():
    times = np.arange(3, 60)
    folds = rolling_origin_splits(times, 3, validation=15)
    assert len(folds) == 3
    held = np.concatenate([np.flatnonzero(v) for _, v in folds])
    assert held.size == 15 and np.all(np.diff(held) == 1)
    for train_mask, held_mask in folds:
        assert times[train_mask].max() < times[held_mask].min()
        assert np.flatnonzero(train_mask).max() + 1 == np.flatnonzero(held_mask).min()


# ---------------------------------------------------------------- merging repeated inputs


@settings(max_examples=15, deadline=None)
@given(
    values=st.lists(st.integers(0, 4), min_size=8, max_size=18),
    activation_depth=st.sampled_from([("relu", 2), ("abs", 3), ("relu", 3)]),
    fraction=st.sampled_from([0.3, 0.05, 0.005]),
)
def test_merged_weighted_problem_has_the_unmerged_optimum(values, activation_depth, fraction):
    assume(len(set(values[:-1])) >= 2)  # at least two distinct lag inputs
    series = np.asarray(values, dtype=np.float64)
    embedding = lag_embed(series, 1)
    windows = MergedWindows.from_windows(embedding.X, embedding.y)
    arch = cl.Architecture(*activation_depth)
    full = cl.dictionary(embedding.X[:, 0], arch)
    top = cl.beta_max(full.matrix, embedding.y)
    if top == 0:
        return
    beta = fraction * top
    unmerged = cl.solve(full, embedding.y, beta)
    merged = WindowLasso(windows, arch, "dense").solutions([beta])[0]
    assert windows.n_windows == len(embedding)
    assert merged.objective + windows.constant == pytest.approx(
        unmerged.objective, rel=1e-7, abs=1e-9
    )
    # fitted values of the Lasso are unique: the same at every window
    np.testing.assert_allclose(
        merged.network.predict(embedding.X[:, 0]),
        unmerged.network.predict(embedding.X[:, 0]),
        rtol=1e-6,
        atol=1e-6 * (1 + np.ptp(series)),
    )


def test_merging_counts_repeated_windows_as_weights():
    windows = MergedWindows.from_windows(np.array([[1.0], [2.0], [1.0], [1.0]]), [0, 5, 2, 4])
    np.testing.assert_array_equal(windows.X[:, 0], [1, 2])
    np.testing.assert_array_equal(windows.weights, [3, 1])
    np.testing.assert_allclose(windows.y, [2, 5])
    assert windows.constant == pytest.approx(0.5 * (4 + 0 + 4))


# ---------------------------------------------------------------- forecasts


@pytest.fixture(scope="module")
def nile() -> np.ndarray:
    return load_nile().values


def test_recursive_forecast_of_an_ar1_network_iterates_the_network(nile):
    model = ConvexAutoRegressor(lags=1, activation="abs", depth=3, beta=5e4).fit(nile)
    network = model.network_
    value, by_hand = nile[-1], []
    for _ in range(8):
        value = float(network.predict(np.array([value]))[0])
        by_hand.append(value)
    np.testing.assert_allclose(model.forecast(8), by_hand, rtol=1e-12)
    # from another history: its last value only
    np.testing.assert_allclose(
        model.forecast(2, history=nile[:30])[0], network.predict(nile[29:30])[0]
    )


def test_one_step_and_recursive_forecasts_of_an_ar2_network(nile):
    model = ConvexAutoRegressor(lags=2, activation="relu", depth=2, beta=1e5).fit(nile[:60])
    predicted = model.predict(nile)
    assert np.all(np.isnan(predicted[:2]))
    windows = np.column_stack([nile[1:-1], nile[:-2]])
    np.testing.assert_allclose(predicted[2:], model.network_.predict(windows), rtol=1e-12)
    state, by_hand = [nile[59], nile[58]], []
    for _ in range(5):
        value = float(model.network_.predict(np.array([state]))[0])
        by_hand.append(value)
        state = [value, state[0]]
    np.testing.assert_allclose(model.forecast(5), by_hand, rtol=1e-12)


def test_forecast_needs_an_observed_history(nile):
    model = ConvexAutoRegressor(beta=1e5).fit(nile[:40])
    with pytest.raises(ValueError, match="NaN"):
        model.forecast(3, history=np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="horizon"):
        model.forecast(0)


def test_beta_is_chosen_on_the_held_out_windows(nile):
    fractions = (0.5, 0.05, 0.005)
    model = ConvexAutoRegressor(activation="relu", depth=2, fractions=fractions).fit(nile)
    assert set(model.validation_errors_) == set(fractions)
    assert model.beta_fraction_ == min(model.validation_errors_, key=model.validation_errors_.get)
    assert model.beta_ == pytest.approx(model.beta_fraction_ * model.beta_max_)
    folds = ConvexAutoRegressor(fractions=fractions, cv=3).fit(nile)
    assert set(folds.validation_errors_) == set(fractions)


# ---------------------------------------------------------------- dense or streamed


@pytest.fixture(scope="module")
def sunspots() -> np.ndarray:
    return load_sunspots().values


def _windows(series, lags=1):
    embedding = lag_embed(series, lags)
    return MergedWindows.from_windows(embedding.X, embedding.y)


def test_plan_streams_big_dictionaries_and_refuses_what_neither_fits(sunspots):
    windows = _windows(sunspots[:240])
    assert windows.X.shape[0] >= 200
    assert plan(windows, cl.Architecture("relu", 2))[0] == "dense"
    method, reason = plan(windows, cl.Architecture("relu", 4))
    assert method == "streamed" and "memory_limit" in reason
    assert plan(windows, cl.Architecture("relu", 3))[0] == "streamed"
    # the abs depth-4 vertices are indexed by point tuples: streamed in any memory
    assert plan(windows, cl.Architecture("abs", 4))[0] == "streamed"
    # the 2-lag abs depth-3 mirror family neither fits in memory nor streams at this size
    with pytest.raises(ValueError, match="nor can it be streamed"):
        plan(_windows(sunspots[:240], lags=2), cl.Architecture("abs", 3))


def test_streamed_and_dense_estimators_agree(nile):
    dense = ConvexAutoRegressor(activation="abs", depth=3, beta=2e4).fit(nile)
    streamed = ConvexAutoRegressor(activation="abs", depth=3, beta=2e4, dense_limit=1000)
    streamed.fit(nile)
    assert (dense.method_, streamed.method_) == ("dense", "streamed")
    assert streamed.objective_ == pytest.approx(dense.objective_, rel=1e-7)
    np.testing.assert_allclose(streamed.predict(nile), dense.predict(nile), rtol=1e-5)


def test_depth_4_ar1_on_200_points_is_streamed_and_certified(sunspots):
    model = ConvexAutoRegressor(activation="relu", depth=4, beta=2000.0).fit(sunspots[:240])
    assert model.n_windows_ >= 200 and model.method_ == "streamed"
    certificate = model.certify()
    assert certificate.optimal
    # the network's objective on every window equals the merged optimum plus the constant
    embedding = lag_embed(sunspots[:240], 1)
    value = model.network_.objective(embedding.X[:, 0], embedding.y, model.beta_)
    assert value == pytest.approx(model.objective_, rel=1e-7)


@pytest.mark.parametrize("activation, depth", [("relu", 2), ("abs", 2), ("abs", 3)])
def test_no_nonconvex_run_beats_the_certified_optimum(nile, activation, depth):
    series = nile[:50]
    model = ConvexAutoRegressor(activation=activation, depth=depth, beta=3e4).fit(series)
    assert model.certify().optimal
    embedding = lag_embed(series, 1)
    for width, seed in [(2, 0), (8, 1)]:
        run = train(
            embedding.X[:, 0], embedding.y, model.arch_, model.beta_, width, restarts=2, seed=seed
        )
        assert run.objective >= model.objective_ * (1 - 1e-7)


# ---------------------------------------------------------------- kinks


def test_kinks_are_classified_by_kind():
    x = np.array([0.0, 1.0, 4.0])
    kinks = classify_kinks([1.0, 7.0, 2.5, -2.0, 5.5], x)
    assert [k.kind for k in kinks] == ["data", "reflection", "midpoint", "reflection", "deeper"]
    assert kinks[0].indices == (1,)
    assert kinks[1].indices == (2, 1)  # 2 x_2 - x_1 = 7
    assert sorted(kinks[2].indices) == [1, 2]  # (x_1 + x_2) / 2 = 2.5
    assert kink_counts(kinks) == {"data": 1, "reflection": 2, "midpoint": 1, "deeper": 1}


def test_depth_2_kinks_sit_on_data_points(nile):
    model = ConvexAutoRegressor(activation="relu", depth=2, beta=1e4).fit(nile)
    kinds = {k.kind for k in model.kinks()}
    assert kinds <= {"data"} and model.active_units >= 1


# ---------------------------------------------------------------- shipped series


@pytest.mark.parametrize("name, n, first", [("sunspots", 309, 1700), ("nile", 100, 1871)])
def test_shipped_series_match_their_checksums_and_provenance(name, n, first):
    record = provenance()["series"][name]
    series = shipped_series(name)
    assert len(series) == n == record["n"]
    assert series.years[0] == first == record["years"][0]
    assert np.all(np.diff(series.years) == 1) and np.all(np.isfinite(series.values))
    from importlib import resources

    data = resources.files("clifflasso.datasets").joinpath(record["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == record["sha256"]
    assert record["source"] and record["copyright"] and record["units"]


def test_a_modified_copy_is_refused(tmp_path):
    from importlib import resources

    for name in SERIES:
        file = provenance()["series"][name]["file"]
        with resources.as_file(resources.files("clifflasso.datasets").joinpath(file)) as path:
            shutil.copy(path, tmp_path / file)
        assert len(shipped_series(name, folder=tmp_path)) > 0
        with open(tmp_path / file, "a") as handle:
            handle.write("\n")
        with pytest.raises(ValueError, match="SHA-256"):
            shipped_series(name, folder=tmp_path)
    with pytest.raises(ValueError, match="unknown series"):
        shipped_series("airline")


def test_known_values_of_the_shipped_series():
    sunspots, nile = load_sunspots(), load_nile()
    assert sunspots.values[0] == 5 and sunspots.values[-1] == 2.9
    assert nile.values[0] == 1120 and nile.values.min() == 456


# ---------------------------------------------------------------- plot


def test_plot_writes_a_png_with_the_kinks_by_kind(tmp_path, nile):
    from clifflasso.timeseries.plot import plot_forecast

    model = ConvexAutoRegressor(activation="abs", depth=3, beta=2e4).fit(nile)
    target = tmp_path / "forecast.png"
    figure = plot_forecast(model, nile, 6, str(target), times=np.arange(1871, 1971), name="flow")
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    series_axis, lag_axis = figure.axes
    assert series_axis.get_xlabel() and series_axis.get_ylabel() == "flow"
    assert lag_axis.get_xlabel() and lag_axis.get_ylabel()
    labels = {text.get_text() for text in lag_axis.get_legend().get_texts()}
    counts = kink_counts(model.kinks())
    assert {f"kink: {kind}" for kind, count in counts.items() if count} <= labels
    assert counts["reflection"] + counts["midpoint"] > 0  # depth 3 places kinks off the data
    forecast_line = series_axis.get_lines()[2]
    assert forecast_line.get_xdata()[-1] == 1976


# ---------------------------------------------------------------- CSV columns


def test_read_column_by_name_or_position_with_missing_values(tmp_path):
    from clifflasso._data import read_column

    path = tmp_path / "series.csv"
    path.write_text('# a comment\n"date","flow"\n2001-01,1.5\n2001-02,NA\n2001-03,\n2001-04,2e3\n')
    name, values = read_column(path, "flow")
    assert name == "flow"
    np.testing.assert_array_equal(values, [1.5, np.nan, np.nan, 2000.0])
    assert read_column(path, 2)[0] == read_column(path, "2")[0] == "flow"
    with pytest.raises(ValueError, match="no column 'level'.*'date', 'flow'"):
        read_column(path, "level")
    with pytest.raises(ValueError, match=":3: column 'date'"):
        read_column(path, "date")
    path.write_text("a,b\n1,2\n3\n")
    with pytest.raises(ValueError, match=":3: 1 values, but the header has 2"):
        read_column(path, "a")
    path.write_text("a\n1\ninf\n")
    with pytest.raises(ValueError, match=":3: column 'a': .*infinite"):
        read_column(path, "a")


# ---------------------------------------------------------------- command line


def _forecast(*args: str):
    from click.testing import CliRunner

    from clifflasso.cli import main

    return CliRunner().invoke(main, ["forecast", *args], catch_exceptions=False)


def test_forecast_verb_fits_certifies_forecasts_and_plots(tmp_path):
    table = tmp_path / "flow.csv"
    nile = load_nile()
    rows = [f"{year},x{year},{value:g}" for year, value in zip(nile.years, nile.values)]
    rows[40] = "1911,x1911,NA"  # a missing value: the windows touching it are dropped
    table.write_text("year,label,volume\n" + "\n".join(rows) + "\n")
    image = tmp_path / "out.png"
    result = _forecast(
        "--data", str(table), "--column", "volume", "--lags", "1", "--activation", "abs",
        "--depth", "3", "--beta", "20000", "--horizon", "4", "--test", "10", "--plot", str(image),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "certificate: optimal" in result.output
    assert "87 training windows" in result.output  # 90 values, 89 windows, 2 touch the NA
    assert "kinks: data" in result.output and "test RMSE" in result.output
    forecast_line = next(line for line in result.output.splitlines() if line.startswith("forecast"))
    assert len(forecast_line.split(":")[1].split(",")) == 4
    assert image.read_bytes()[:4] == b"\x89PNG"
    by_position = _forecast("--data", str(table), "--column", "3", "--beta", "1e5", "--no-certify")
    assert by_position.exit_code == 0 and "column 'volume'" in by_position.output


def test_forecast_verb_on_a_shipped_series():
    result = _forecast("--series", "nile", "--lags", "2", "--beta", "1e5", "--horizon", "3")
    assert result.exit_code == 0, result.output
    assert "nile (1871-1970)" in result.output and "certificate: optimal" in result.output


@pytest.mark.parametrize(
    "args, expected",
    [
        ([], "exactly one of --data and --series"),
        (["--series", "nile", "--data", "{csv}", "--column", "1"], "exactly one of"),
        (["--data", "{csv}"], "--data needs --column"),
        (["--data", "{csv}", "--column", "level"], "no column 'level'"),
        (["--series", "nile", "--column", "2"], "--column is for --data"),
        (["--series", "airline"], "'airline' is not one of"),
        (["--series", "nile", "--lags", "0"], "--lags"),
        (["--series", "nile", "--beta", "-1"], "must be >= 0"),
        (["--series", "nile", "--beta", "often"], "--beta"),
        (["--series", "nile", "--activation", "tanh"], "tanh"),
        (["--series", "nile", "--lags", "2", "--depth", "5"], "relu"),
        (["--series", "nile", "--test", "99"], "--test 99 leaves too few"),
        (["--series", "nile", "--plot", "{dir}/out.txt"], "image format"),
        (["--data", "{bad}", "--column", "v"], "infinite"),
    ],
)
def test_forecast_verb_errors_are_one_line_with_status_2(tmp_path, args, expected):
    (tmp_path / "s.csv").write_text("t,v\n1,2\n2,3\n3,5\n")
    (tmp_path / "bad.csv").write_text("t,v\n1,2\n2,inf\n3,5\n")
    paths = {"csv": tmp_path / "s.csv", "bad": tmp_path / "bad.csv", "dir": tmp_path}
    result = _forecast(*[a.format(**paths) for a in args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0], lines


def test_forecast_verbs_have_help_for_every_option():
    from clifflasso.cli import main

    for command in (main.commands["forecast"], main.commands["experiment"].commands["forecast"]):
        assert command.help
        for parameter in command.params:
            assert parameter.help, f"--{parameter.name} has no help text"


# ---------------------------------------------------------------- experiment


def test_quick_forecast_experiment_certifies_every_network():
    from clifflasso.experiments.forecast import format_table, run_forecast_experiment

    result = run_forecast_experiment(quick=True)
    assert result.passed
    lasso = [row for row in result.rows if row.model == "Lasso"]
    assert lasso and all(row.verdict.startswith("optimal") for row in lasso)
    nonconvex = {row.architecture: row.objective for row in result.rows if row.model == "nonconvex"}
    for row in lasso:
        assert nonconvex[row.architecture] >= row.objective * (1 - 1e-7)
    assert {row.model for row in result.rows} >= {"linear AR", "persistence"}
    table = format_table(result)
    assert "| model | AR(p) |" in table and "certified: yes" in table
