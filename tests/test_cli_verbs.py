"""Every verb of the command line, run through click's test runner: `derive`, `fit`, `path`,
`verify` and `export` (outputs compared with the library, not only exit codes)."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from matplotlib.image import imread

import clifflasso as cl
from clifflasso.cli import main
from clifflasso.examples import load_example


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_every_verb_has_help_for_every_option():
    for verb in ("derive", "fit", "path", "verify", "export"):
        command = main.commands[verb]
        assert command.help, verb
        for parameter in command.params:
            assert parameter.help, f"{verb} --{parameter.name} has no help text"
        assert "Usage:" in invoke(verb, "--help").output


# ----------------------------------------------------------------------------- derive
def test_derive_prints_every_closed_form_of_the_dictionary():
    output = invoke("derive", "--example", "mirrors", "--activation", "abs", "--depth", "3").output
    x, _ = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture("abs", 3), dedupe=True)
    rows = re.findall(
        r"^\[(\d+)\] (\S+), data \(([\d, ]*)\)(?:, kinks [^:]*)?: (.*)$", output, re.M
    )
    assert [int(r[0]) for r in rows] == list(range(len(D)))
    expressions = D.expressions()
    for (j, kind, indices, formula), feature in zip(rows, D.features):
        assert kind == feature.kind
        assert tuple(int(i) for i in indices.split(", ")) == feature.indices
        assert formula == str(expressions[int(j)])
    assert "Min(Abs(x - 4), Abs(x + 4))" in output  # 0 reflected about x = 4 and back
    assert f"{len(D)} columns (raw {D.n_raw}, {D.n_removed} removed)" in output


def test_derive_latex_and_two_dimensional_data(tmp_path):
    output = invoke("derive", "--example", "zshape", "--latex").output
    x, _ = load_example("zshape")
    D = cl.dictionary(x, cl.Architecture("relu", 2), dedupe=True)
    body = output[output.index(r"\begin{align*}") : output.index(r"\end{align*}")]
    lines = [line for line in body.splitlines() if line.startswith("F_")]
    assert len(lines) == len(D)
    for j, line in enumerate(lines):
        assert line.startswith(f"F_{{{j}}}(x) &= {sp.latex(D.expressions()[j])} &&")
    data = tmp_path / "square.csv"
    data.write_text("0,0,0\n1,0,1\n0,1,1\n1,1,0\n")
    output = invoke("derive", "--data", str(data), "--limit", "2").output
    assert "d=2" in output and "x_1" in output and "x_2" in output
    assert "... " in output and "more columns" in output
    assert len(re.findall(r"^\[\d+\]", output, re.M)) == 2


def test_derive_needs_data_and_a_known_family():
    assert CliRunner().invoke(main, ["derive"]).exit_code != 0
    result = CliRunner().invoke(main, ["derive", "--example", "mirrors", "--depth", "1"])
    assert result.exit_code != 0 and "depth" in result.output


# ----------------------------------------------------------------------------- fit
def test_fit_prints_lasso_and_network_objectives_and_plots(tmp_path):
    target = tmp_path / "fit.png"
    output = invoke(
        "fit",
        "--example",
        "zshape",
        "--activation",
        "relu",
        "--depths",
        "2,4",
        "--plot",
        str(target),
    ).output
    values = re.findall(r"Lasso objective (\S+) \| rebuilt network objective (\S+)", output)
    assert len(values) == 2
    for lasso, network in values:
        assert float(network) == pytest.approx(float(lasso), rel=1e-8)
    assert imread(target).shape[:2] == (300, 800)  # two panels of 400 x 300
    data = tmp_path / "thirds.csv"
    data.write_text("0,0\n1/3,1\n2/3,0\n1,1\n")
    output = invoke("fit", "--data", str(data), "--activation", "relu", "--depths", "2").output
    assert "kinks [0.333333]" in output or "kinks [0.666667]" in output


# ----------------------------------------------------------------------------- path
def test_exact_path_prints_the_homotopy_breakpoints_and_objectives(tmp_path):
    target = tmp_path / "path.png"
    output = invoke(
        "path",
        "--example",
        "mirrors",
        "--activation",
        "abs",
        "--depth",
        "3",
        "--exact",
        "--plot",
        str(target),
    ).output
    x, y = load_example("mirrors")
    path = cl.lasso_path(cl.dictionary(x, cl.Architecture("abs", 3), dedupe=True), y, exact=True)
    rows = re.findall(r"^\s+(\d+(?:/\d+)?) \(\S+\)\s+(\S+)\s+(\d+)\s+(\S+)$", output, re.M)
    assert [Fraction(r[0]) for r in rows] == list(path.breakpoints)
    assert [str(b) for b in path.breakpoints] == ["83/3", "361/37", "10/3", "1", "0"]
    for (_, objective, active, _), solution in zip(rows, path.solutions()):
        assert float(objective) == pytest.approx(float(solution.objective), rel=1e-9)
        assert int(active) == solution.support.size
    assert imread(target).shape[:2] == (450, 1200)


def test_numeric_path_on_a_grid_and_on_given_betas(tmp_path):
    output = invoke("path", "--example", "zshape", "--num", "5").output
    rows = re.findall(r"^\s+([\d.e+-]+)\s+([\d.e+-]+)\s+(\d+)\s+([\d.e+-]+)$", output, re.M)
    assert len(rows) == 5
    betas = [float(r[0]) for r in rows]
    objectives = [float(r[1]) for r in rows]
    assert betas == sorted(betas, reverse=True)
    assert betas[-1] == pytest.approx(1e-3 * betas[0], rel=1e-5)
    assert objectives == sorted(objectives, reverse=True)  # the optimum grows with beta
    assert rows[0][2] == "0"  # z = 0 at beta_max
    data = tmp_path / "data.csv"
    data.write_text("0,0\n1,1\n2,0\n3,1\n")
    D = cl.dictionary([0, 1, 2, 3], cl.Architecture("relu", 2), dedupe=True)
    for solver in ("homotopy", "cd", "clarabel"):
        output = invoke("path", "--data", str(data), "--betas", "0.5,0.05", "--solver", solver)
        assert f"numeric path ({solver})" in output.output
        rows = re.findall(
            r"^\s+([\d.e+-]+)\s+([\d.e+-]+)\s+(\d+)\s+([\d.e+-]+)$", output.output, re.M
        )
        assert len(rows) == 2
        for (beta, objective, _, _), value in zip(rows, (0.5, 0.05)):
            assert float(beta) == value
            reference = cl.solve(D, [0, 1, 0, 1], value).objective
            assert float(objective) == pytest.approx(reference, rel=1e-7)


def test_path_refuses_betas_with_exact_and_irrational_families(tmp_path):
    result = CliRunner().invoke(main, ["path", "--example", "mirrors", "--exact", "--betas", "1"])
    assert result.exit_code != 0 and "--betas" in result.output
    data = tmp_path / "square.csv"
    data.write_text("0,0,0\n1,0,1\n0,1,1\n1,1,0\n")
    result = CliRunner().invoke(main, ["path", "--data", str(data), "--exact"])
    assert result.exit_code != 0 and "norm=1" in result.output


# ----------------------------------------------------------------------------- verify
def test_verify_runs_the_named_theorems():
    output = invoke("verify", "--quick", "--theorem", "beta_max").output
    assert re.search(r"^PASS\s+beta_max\s+identity\s+instances=3", output, re.M)
    assert "1 passed, 0 failed" in output
    assert "two_point_closed_forms" in invoke("verify", "--list").output
    result = CliRunner().invoke(main, ["verify", "--theorem", "no_such_theorem"])
    assert result.exit_code != 0 and "unknown theorem" in result.output


# ----------------------------------------------------------------------------- export
def test_export_writes_a_json_solution_that_matches_the_exact_solve(tmp_path):
    target = tmp_path / "solution.json"
    invoke(
        "export",
        "--example",
        "mirrors",
        "--activation",
        "abs",
        "--depth",
        "3",
        "--beta",
        "1/10",
        "--format",
        "json",
        "--output",
        str(target),
    )
    record = json.loads(target.read_text())
    x, y = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture("abs", 3))
    exact = cl.solve(D, y, Fraction(1, 10), exact=True)
    assert Fraction(record["objective"]) == exact.objective
    back = cl.export.from_json(target.read_text())
    np.testing.assert_allclose(back.predict([1.5, 8.0]), exact.predict([1.5, 8.0]))
