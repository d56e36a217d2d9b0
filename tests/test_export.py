"""Exports (clifflasso.export): JSON and Python round trips predict exactly like the solution
and its network, LaTeX parses back (sympy's lark parser when installed, a LaTeX-free round trip
always), npz round trip, PyTorch refusal without torch, and the ``export`` command."""

from __future__ import annotations

import importlib.util
import json
import re
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

import clifflasso as cl
from clifflasso import export
from clifflasso.cli import export as export_command
from clifflasso.exact import ExactLassoSolution, exact_solve
from clifflasso.examples import load_example

CASES = [
    ("relu-3", dict(activation="relu", depth=3)),
    ("leaky-2", dict(activation="leaky_relu", depth=2, slope=0.25)),
    ("abs-4", dict(activation="abs", depth=4)),
    ("sign-4-tree", dict(activation="sign", depth=4, kind="tree", widths=(2, 2))),
    ("relu-3-no-intercept", dict(activation="relu", depth=3, output_bias=False)),
]
POINTS = [Fraction(-3), Fraction(1, 3), Fraction(9, 2), Fraction(7), Fraction(31, 3)]
GRID = np.linspace(-3, 12, 61)


def solutions(kwargs):
    """An exact and a float solution on the 'mirrors' data (deduplicated dictionary)."""
    x, y = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture(**kwargs), dedupe=True)
    return exact_solve(D, y, Fraction(1, 5)), cl.solve(D, [float(v) for v in y], 0.2)


def module_from(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<exported>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("kwargs", [k for _, k in CASES], ids=[n for n, _ in CASES])
def test_json_round_trip_predicts_exactly(kwargs):
    exact, numeric = solutions(kwargs)
    back = export.from_json(export.to_json(exact))
    assert isinstance(back, ExactLassoSolution)
    assert back.objective == exact.objective and back.intercept == exact.intercept
    assert sorted(back.z[back.support]) == sorted(exact.z[exact.support])
    assert list(back.predict_exact(POINTS)) == list(exact.predict_exact(POINTS))
    assert back.formula == exact.formula
    np.testing.assert_array_equal(back.network.predict(GRID), exact.network.predict(GRID))
    # a float solution round-trips bit for bit (floats are stored at their binary value),
    # its active coefficients only
    numeric = numeric.pruned()
    back = export.from_json(export.to_json(numeric))
    assert isinstance(back, cl.LassoSolution)
    assert sorted(back.z[back.support]) == sorted(numeric.z[numeric.support])
    assert back.intercept == numeric.intercept
    assert back.objective == pytest.approx(numeric.objective, rel=1e-14)
    np.testing.assert_array_equal(back.network.predict(GRID), numeric.network.predict(GRID))


def test_json_schema_and_tamper_checks():
    exact, _ = solutions(dict(activation="relu", depth=3))
    document = json.loads(export.to_json(exact))
    assert document["schema"] == export.SCHEMA and document["exact"] is True
    assert set(document) >= {
        "architecture", "data", "features", "network", "beta", "intercept", "objective",
    }  # fmt: skip
    assert document["data"]["fingerprint"].startswith("sha256:")
    feature = document["features"][0]
    assert {"column", "kind", "indices", "parameters", "z", "formula"} <= set(feature)
    assert Fraction(feature["z"]) == exact.z[exact.support[0]]
    layers = document["network"]["units"][0]["layers"]
    assert len(layers) == 2  # depth 3: two hidden layers, then the output weight
    gamma = abs(sp.Rational(feature["z"])) ** sp.Rational(1, 3)
    assert sp.sympify(layers[0]["weights"][0][0]) in (gamma, -gamma)
    tampered = dict(document, data=dict(document["data"], y=["0"] * 6))
    with pytest.raises(ValueError, match="fingerprint"):
        export.from_json(json.dumps(tampered))
    with pytest.raises(ValueError, match="schema"):
        export.from_json(json.dumps(dict(document, schema="other/1")))


@pytest.mark.parametrize("kwargs", [k for _, k in CASES], ids=[n for n, _ in CASES])
def test_python_module_predicts_like_the_solution_and_network(kwargs):
    exact, numeric = solutions(kwargs)
    module = module_from(export.to_python(exact))
    assert list(module["f_exact"](POINTS)) == list(exact.predict_exact(POINTS))
    x, _ = load_example("mirrors")
    assert list(module["f_exact"](list(x))) == list(exact.fitted)
    np.testing.assert_allclose(
        module["f"](GRID), exact.network.predict(GRID), rtol=1e-12, atol=1e-12
    )
    module = module_from(export.to_python(numeric))
    np.testing.assert_allclose(
        module["f"](GRID), numeric.network.predict(GRID), rtol=1e-12, atol=1e-12
    )


def test_python_module_for_two_dimensional_data():
    X = [[0, 0], [1, 0], [0, 1], [1, 1], [Fraction(1, 2), 2]]
    y = [0, 1, 1, 0, 2]
    D = cl.dictionary(X, cl.Architecture("abs", 3, norm=1))
    solution = exact_solve(D, y, Fraction(1, 20))
    module = module_from(export.to_python(solution))
    assert list(module["f_exact"](X)) == list(solution.fitted)
    points = np.random.default_rng(0).uniform(-2, 3, size=(20, 2))
    np.testing.assert_allclose(module["f"](points), solution.predict(points), atol=1e-12)
    back = export.from_json(export.to_json(solution))
    assert back.objective == solution.objective and list(back.fitted) == list(solution.fitted)
    assert json.loads(export.to_json(solution))["network"]["exact"] is False
    assert r"f^*(x) = " in export.to_latex(solution)


def _latex_formula(text: str) -> str:
    """The formula of a LaTeX export, its lines (``aligned``) joined again."""
    block = re.search(r"\\begin\{aligned\}\n(.*?)\n\\end\{aligned\}", text, re.S).group(1)
    lines = [line.removesuffix(r" \\") for line in block.split("\n")]
    lines[0] = lines[0].removeprefix("f^*(x) = {} & ")
    return " ".join([lines[0], *(line.removeprefix("& {} ") for line in lines[1:])])


@pytest.mark.parametrize("kwargs", [k for _, k in CASES], ids=[n for n, _ in CASES])
def test_latex_round_trip_without_a_latex_parser(kwargs):
    exact, numeric = solutions(kwargs)
    text = export.to_latex(exact)
    assert text.count("{") == text.count("}")
    assert text.count(r"\begin{") == text.count(r"\end{")
    assert _latex_formula(text) == sp.latex(export.from_json(export.to_json(exact)).formula)
    for j in exact.support:
        z = exact.z[j]
        assert f"{sp.latex(sp.Rational(z.numerator, z.denominator))}$ \\\\" in text
    assert "float solution" in export.to_latex(numeric)


@pytest.mark.parametrize("kwargs", [k for _, k in CASES[:3]], ids=[n for n, _ in CASES[:3]])
def test_latex_formula_parses_back_with_sympy(kwargs):
    pytest.importorskip("lark")
    from sympy.parsing.latex import parse_latex

    exact, _ = solutions(kwargs)
    parsed = parse_latex(_latex_formula(export.to_latex(exact)), backend="lark")
    (symbol,) = parsed.free_symbols
    for point, value in zip(POINTS, exact.predict_exact(POINTS)):
        assert parsed.subs(symbol, sp.Rational(str(point))) == sp.Rational(str(value))


@pytest.mark.parametrize("kwargs", [CASES[0][1], CASES[3][1]], ids=["chain", "switching"])
def test_npz_round_trip(kwargs, tmp_path):
    exact, _ = solutions(kwargs)
    path = tmp_path / "network.npz"
    export.to_npz(exact, path)
    network = export.load_npz(path)
    assert type(network) is type(exact.network)
    np.testing.assert_array_equal(network.predict(GRID), exact.network.predict(GRID))
    x, y = load_example("mirrors")
    labels = [float(v) for v in y]
    assert network.objective(x, labels, 0.2) == pytest.approx(float(exact.objective), rel=1e-12)


def test_torch_export():
    exact, _ = solutions(dict(activation="relu", depth=3))
    if importlib.util.find_spec("torch") is None:
        with pytest.raises(ImportError, match="PyTorch"):
            export.to_torch(exact)
        return
    import torch

    module = export.to_torch(exact)
    output = module(torch.as_tensor(GRID)).detach().numpy()
    np.testing.assert_allclose(output, exact.network.predict(GRID), atol=1e-12)


@pytest.mark.parametrize("fmt", ["json", "python", "latex"])
def test_export_command(fmt, tmp_path):
    result = CliRunner().invoke(
        export_command,
        ["--example", "zshape", "--activation", "relu", "--depth", "3", "--beta", "1/10",
         "--format", fmt],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    x, y = load_example("zshape")
    expected = exact_solve(cl.dictionary(x, cl.Architecture("relu", 3)), y, Fraction(1, 10))
    if fmt == "json":
        assert export.from_json(result.output).objective == expected.objective
    elif fmt == "python":
        assert list(module_from(result.output)["f_exact"](POINTS)) == list(
            expected.predict_exact(POINTS)
        )
    else:
        assert _latex_formula(result.output) == sp.latex(expected.formula)


def test_export_command_npz_and_csv(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("# x, y\n0, 0\n1/3, 1\n0.5, 1\n2, 0\n")
    out = tmp_path / "net.npz"
    runner = CliRunner()
    args = ["--data", str(data), "--activation", "abs", "--depth", "3", "--format", "npz"]
    assert runner.invoke(export_command, args).exit_code != 0  # npz needs --output
    result = runner.invoke(export_command, [*args, "--output", str(out), "--numeric"])
    assert result.exit_code == 0, result.output
    network = export.load_npz(out)
    x = [Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(2)]
    numeric = cl.solve(cl.dictionary(x, cl.Architecture("abs", 3)), [0, 1, 1, 0], 1e-3)
    # Lasso solutions are not unique: the fitted values and the objective are
    points = np.array([float(v) for v in x])
    np.testing.assert_allclose(network.predict(points), numeric.fitted, atol=1e-9)
    assert network.objective(points, [0, 1, 1, 0], 1e-3) == pytest.approx(
        numeric.objective, rel=1e-9
    )
    bad = runner.invoke(export_command, ["--format", "json"])
    assert bad.exit_code != 0 and "exactly one" in bad.output
