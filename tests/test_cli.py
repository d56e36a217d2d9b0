"""The main job: `clifflasso fit --example mirrors` (what `make demo` runs)."""

from __future__ import annotations

import re

import numpy as np
from click.testing import CliRunner
from matplotlib.image import imread

from clifflasso.cli import main


def test_fit_example_prints_sizes_objectives_and_features_and_writes_a_png(tmp_path):
    target = tmp_path / "fit.png"
    result = CliRunner().invoke(main, ["fit", "--example", "mirrors", "--plot", str(target)])
    assert result.exit_code == 0, result.output
    for activation in ("relu", "abs"):
        for depth in (2, 3, 4):
            assert f"{activation} depth {depth}:" in result.output
    # Lasso and rebuilt-network objectives are printed side by side and agree
    pairs = re.findall(r"Lasso objective (\S+) \| rebuilt network objective (\S+)", result.output)
    assert len(pairs) == 6
    for lasso_value, network_value in pairs:
        assert float(lasso_value) == float(network_value) or abs(
            float(lasso_value) - float(network_value)
        ) <= 1e-8 * float(lasso_value)
    assert "kinks [" in result.output
    image = imread(target)
    assert image.shape[0] == 600 and image.shape[1] == 1200
    assert np.std(image) > 0


def test_fit_reads_csv_data(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("0,0\n1,1\n2,0\n3,1\n")
    result = CliRunner().invoke(
        main, ["fit", "--data", str(data), "--activation", "abs", "--depths", "3", "--beta", "0.1"]
    )
    assert result.exit_code == 0, result.output
    assert "abs depth 3:" in result.output


def test_fit_needs_exactly_one_data_source():
    result = CliRunner().invoke(main, ["fit"])
    assert result.exit_code != 0
    assert "exactly one" in result.output


def test_fit_reports_bad_architectures_clearly():
    result = CliRunner().invoke(main, ["fit", "--example", "mirrors", "--activation", "tanh"])
    assert result.exit_code != 0
    assert "unknown activation" in result.output
