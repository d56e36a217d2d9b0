"""The main job: `clifflasso fit --example mirrors` (what `make demo` runs)."""

from __future__ import annotations

import json
import re
import time

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


# ----------------------------------------------------------------------------- data in
def test_every_data_verb_reads_headers_separators_columns_and_arrays(tmp_path):
    """One reader for every verb: a header line, semicolons (decimal commas), tabs, blanks,
    columns chosen by name or position from 1, .npy and .npz, rationals kept exact."""
    (tmp_path / "headed.csv").write_text("x,y\n0,0\n1,1\n2,0\n3,1\n")
    (tmp_path / "semi.csv").write_text("t;label;x\nmon;0;0\ntue;1;0,5\nwed;0;1\nthu;1;1,5\n")
    (tmp_path / "tabs.tsv").write_text("x\ty\n0\t1/3\n1\t1\n2\t0\n")
    (tmp_path / "blanks.txt").write_text("0 0\n1 1\n2 0\n")
    np.save(tmp_path / "table.npy", np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 0.0]]))
    np.savez(tmp_path / "arrays.npz", x=np.array([0.0, 1.0, 2.0]), y=np.array([0, 1, 0]))
    runs = [
        ["fit", "--data", "headed.csv", "--depths", "2", "--activation", "relu"],
        ["fit", "--data", "semi.csv", "--x", "x", "--y", "label", "--depths", "2"],
        ["fit", "--data", "semi.csv", "--x", "3", "--y", "2", "--depths", "2"],
        ["path", "--data", "tabs.tsv", "--exact"],
        ["derive", "--data", "blanks.txt"],
        ["derive", "--data", "table.npy", "--x", "1", "--y", "2"],
        ["export", "--data", "arrays.npz", "--format", "json"],
        ["verify", "--quick", "--theorem", "beta_max", "--data", "headed.csv", "--y", "y"],
    ]
    outputs = []
    for args in runs:
        args = [str(tmp_path / a) if (tmp_path / a).exists() else a for a in args]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output, result.stderr)
        outputs.append(result.output)
    assert "output bias xi = " in outputs[0] and "relu depth 2" in outputs[1]
    assert outputs[1] == outputs[2]  # the same columns by name and by position
    assert "N=3 points" in outputs[3] and "N=3 points" in outputs[4]
    assert "1 passed, 0 failed" in outputs[7]


# ----------------------------------------------------------------------------- one convention
def test_fit_takes_depth_like_every_verb_and_a_fixed_activation_choice():
    """``fit --depth`` as in path/derive/export (a list allowed; ``--depths`` still works but
    is not advertised); ``--activation`` is a fixed choice in ``fit`` and ``forecast``."""
    runner = CliRunner()
    new = runner.invoke(main, ["fit", "--example", "mirrors", "--depth", "2,3"])
    old = runner.invoke(main, ["fit", "--example", "mirrors", "--depths", "2,3"])
    assert new.exit_code == 0 and new.output == old.output
    assert "relu depth 3" in new.output and "abs depth 2" in new.output
    both = runner.invoke(main, ["fit", "--example", "mirrors", "--depth", "2", "--depths", "3"])
    assert both.exit_code == 2 and "once" in both.stderr
    help_text = runner.invoke(main, ["fit", "--help"]).output
    assert "--depth L[,L...]" in help_text and "--depths" not in help_text
    assert "[relu|leaky_relu|abs|threshold|sign][,...]" in help_text
    bad = runner.invoke(main, ["forecast", "--series", "nile", "--activation", "Relu"])
    assert bad.exit_code == 2 and "'Relu' is not one of 'relu'" in bad.stderr


# ----------------------------------------------------------------------------- exact work
def _sine_table(path, n: int, extra_digits: str = "") -> None:
    """``n`` points of sin on [0, 6] with five decimals (and ``extra_digits`` appended)."""
    xs = np.linspace(0, 6, n)
    rows = [f"{v:.5f}{extra_digits},{np.sin(v):.5f}{extra_digits}" for v in xs]
    path.write_text("x,y\n" + "\n".join(rows) + "\n")


def test_an_exact_path_too_long_to_wait_for_is_refused_at_once(tmp_path):
    """60 points with five decimals at abs depth 3 would run for about an hour: refused in
    well under a second, saying how big and what to do."""
    _sine_table(tmp_path / "sin60.csv", 60)
    args = ["path", "--data", str(tmp_path / "sin60.csv"), "--activation", "abs", "--depth", "3"]
    import clifflasso.dictionary  # noqa: F401  (imports are not the work being timed)
    import clifflasso.exact  # noqa: F401

    started = time.perf_counter()
    result = CliRunner().invoke(main, [*args, "--exact"])
    assert time.perf_counter() - started < 1.0
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    for part in ("N=60 points", "20 bits", "100,000", " h ", "--limit-denominator K", "--force"):
        assert part in result.stderr, result.stderr


def test_limit_denominator_rounds_huge_fractions_so_the_exact_path_runs(tmp_path):
    _sine_table(tmp_path / "long.csv", 20, extra_digits="1" * 900)
    args = ["path", "--data", str(tmp_path / "long.csv"), "--exact"]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2 and "3009 bits" in refused.stderr, refused.stderr
    result = CliRunner().invoke(main, [*args, "--limit-denominator", "100"])
    assert result.exit_code == 0, result.stderr
    assert "data rounded to fractions with denominators <= 100" in result.output
    assert "exact path: " in result.output


# ----------------------------------------------------------------------------- data in symbols
def test_derive_symbols_prints_the_dictionary_on_symbolic_points():
    result = CliRunner().invoke(main, ["derive", "--symbols", "3"])
    assert result.exit_code == 0, result.stderr
    lines = result.output.splitlines()
    assert "N=3 symbolic points x_1 < ... < x_3 (x_2 = x_1 + d_1, x_3 = x_1 + d_1 + d_2" in lines[0]
    assert lines[1:] == [
        "[0] Max(0, x - x_1)",
        "[1] Max(0, -d_1 + x - x_1)",
        "[2] Max(0, d_1 - x + x_1)",
        "[3] Max(0, d_1 + d_2 - x + x_1)",
    ]
    for args, expected in [
        (["--symbols", "7"], "2<=x<=6"),
        (["--symbols", "3", "--activation", "threshold"], "no symbolic version"),
        (["--symbols", "3", "--example", "mirrors"], "--symbols replaces"),
    ]:
        bad = CliRunner().invoke(main, ["derive", *args])
        assert bad.exit_code == 2 and expected in bad.stderr, bad.stderr


def test_export_estimates_its_exact_solve_and_rounds_on_request(tmp_path):
    _sine_table(tmp_path / "sin60.csv", 60)
    data = ["--data", str(tmp_path / "sin60.csv"), "--format", "json"]
    refused = CliRunner().invoke(main, ["export", *data, "--activation", "abs", "--depth", "3"])
    assert refused.exit_code == 2 and "N=60 points" in refused.stderr, refused.stderr
    _sine_table(tmp_path / "long.csv", 12, extra_digits="7" * 900)
    args = ["export", "--data", str(tmp_path / "long.csv"), "--format", "json"]
    result = CliRunner().invoke(main, [*args, "--limit-denominator", "1000"])
    assert result.exit_code == 0, result.stderr
    assert "denominators <= 1000" in result.stderr
    assert json.loads(result.stdout)["exact"] is True


def test_fit_from_a_headed_csv_prints_an_exact_certificate(tmp_path):
    """The README's walk-through: a CSV with a header, columns chosen by name, exact labels;
    the fit is certified optimal in exact arithmetic, and --no-certify skips it."""
    data = tmp_path / "flow.csv"
    data.write_text("time,flow\n0,1\n1,0\n2,1/2\n3,2\n4,1\n5,3\n")
    options = ["fit", "--data", str(data), "--x", "time", "--y", "flow", "--depth", "3"]
    options += ["--activation", "abs", "--beta", "1/10"]
    result = CliRunner().invoke(main, options)
    assert result.exit_code == 0, result.output
    assert "certificate: OPTIMAL (exact): objective 0.19, lower bound 0.19" in result.output
    skipped = CliRunner().invoke(main, [*options, "--no-certify"])
    assert skipped.exit_code == 0 and "certificate" not in skipped.output


def test_fit_on_two_dimensional_data_with_the_l1_norm_is_certified(tmp_path):
    """`fit --norm 1` on 2-D data uses the exact d-D families (abs depth 4: lifted vertices)
    and proves the fit optimal; d-D features have kink hyperplanes, so no kink points print."""
    data = tmp_path / "points.csv"
    data.write_text("x1,x2,y\n0,0,0\n1,0,1\n0,1,1\n1,1,0\n2,1,1\n")
    result = CliRunner().invoke(
        main,
        ["fit", "--data", str(data), "--activation", "abs", "--depths", "4"]
        + ["--norm", "1", "--beta", "0.05"],
    )
    assert result.exit_code == 0, result.output
    assert "abs depth 4:" in result.output
    assert "certificate: OPTIMAL" in result.output, result.output
    assert "kinks [" not in result.output
