"""What a researcher sees: rich Jupyter reprs, active units above a stated threshold, float
solutions of rational data shown as exact fractions, a standalone LaTeX document that compiles,
a torch module that can be saved."""

from __future__ import annotations

import importlib.util
import io
import pickle
import re
import shutil
import subprocess
import sys
import types
from fractions import Fraction

import numpy as np
import pytest

import clifflasso as cl
from clifflasso import export
from clifflasso.lasso.solution import ACTIVE_TOLERANCE, LassoSolution

X = [0, 1, 2, 3]
Y = [0.0, 1.0, 0.0, 1.0]


@pytest.fixture(scope="module")
def relu3():
    """relu depth 3 on 4 points at beta = 1/4: the exact optimum is z = (1/4, -1/4) on two
    columns, and the float solver leaves a third coefficient of size 1e-17."""
    return cl.dictionary(X, cl.Architecture("relu", 3))


def noisy(D, quarter: float = 0.25) -> LassoSolution:
    """The optimum of ``relu3`` with rounding noise: a 3.4e-9 relative coefficient on column 0
    and ``quarter`` in place of 1/4."""
    z = np.zeros(len(D))
    z[2], z[3], z[0] = quarter, -0.25, 3.4e-9 * quarter
    return LassoSolution.from_coefficients(D, np.array(Y), z, 0.25, 1.0, "test")


# ----------------------------------------------------------------------------- reprs
def test_solution_and_network_reprs_state_the_key_facts(relu3):
    solution = cl.solve(relu3, Y, 0.25)
    page = solution._repr_html_()
    assert "LassoSolution" in page and "0.4375" in page and "19/40" not in page
    assert "7/16" in page  # the exact objective of the rationalised solution
    assert "active units" in page and "2 (|z_j| &gt; 1e-07" in page
    assert r"\frac{\max\left(0, \max\left(0, x\right) - 2\right)}{4}" in page
    network = solution.network._repr_html_()
    assert "ChainNetwork" in network and "width (chains)" in network and r"\max" in network
    assert "active=2" in repr(solution)


def test_exact_objects_reprs(relu3):
    exact = cl.solve(relu3, [Fraction(v) for v in Y], Fraction(1, 4), exact=True)
    page = exact._repr_html_()
    assert "7/16" in page and "f^*(x)" in page and "1/4 (β_max = 1)" in page
    assert "ExactNetwork" in exact.exact_network._repr_html_()
    path = cl.lasso_path(relu3, [Fraction(v) for v in Y], exact=True)
    assert repr(path) == "ExactPath(relu depth 3, N=4, P=12, 3 breakpoints, beta_max=1)"
    table = path._repr_html_()
    assert "<td>2/7</td><td>22/49</td><td>1</td>" in table
    numeric = cl.lasso_path(relu3, Y, betas=[0.5, 0.25])
    assert "NumericPath" in repr(numeric) and "grid points" in numeric._repr_html_()


def test_dictionary_and_certificate_reprs(relu3):
    page = relu3._repr_html_()
    assert "P = 12 (raw" in page and "relu chains" in page and "... 4 more columns" in page
    certificate = cl.certify(cl.solve(relu3, Y, 0.25))
    page = certificate._repr_html_()
    assert "OPTIMAL" in page and "proof, exact" in page and "0.4375" in page
    switching = cl.solve(cl.dictionary(X, cl.Architecture("sign", 2)), Y, 0.1)
    assert "SwitchingNetwork" in switching.network._repr_html_()


# ----------------------------------------------------------------------------- active units
def test_active_units_leave_out_rounding_noise_everywhere(relu3):
    solution = noisy(relu3)
    assert ACTIVE_TOLERANCE == 1e-7
    assert list(solution.support) == [0, 2, 3] and list(solution.active) == [2, 3]
    pruned = solution.pruned()
    assert list(pruned.support) == [2, 3] and pruned.objective == pytest.approx(0.4375)
    latex = export.to_latex(solution)
    assert "10^{-10}" not in latex and "\n0 & chain" not in latex
    assert "8.5e-10" not in export.to_python(solution)
    assert '"column": 0,' not in export.to_json(solution)
    from clifflasso.plot import active_kinks

    assert active_kinks(solution) == [0.0, 1.0, 2.0]


# ----------------------------------------------------------------------------- fractions
def test_float_solution_of_rational_data_is_shown_rationalised(relu3):
    solution = noisy(relu3, quarter=0.250000000899053)
    exact = solution.rationalised
    assert exact is not None and exact.z[2] == Fraction(1, 4) and exact.z[3] == Fraction(-1, 4)
    assert exact.objective == Fraction(7, 16)
    page = solution._repr_html_()
    assert r"\frac{\max\left(0, \max\left(0, x\right) - 2\right)}{4}" in page
    assert "0.250000000899" not in page
    latex = export.to_latex(solution)
    assert "rationalised" in latex and r"$\frac{1}{4}$ \\" in latex


def test_rationalisation_needs_an_exactly_optimal_fraction(relu3):
    solution = noisy(relu3, quarter=0.3)  # 3/10 is not optimal
    assert solution.rationalised is None
    assert "0.3" in solution._repr_html_()
    decimals = cl.solve(cl.dictionary(X, cl.Architecture("relu", 2)), [0.1234567, 1, 0, 1], 0.1)
    assert decimals.rationalised is None  # 0.1234567 is no fraction of small denominator


# ----------------------------------------------------------------------------- LaTeX
def _mirrors_abs3():
    from clifflasso.examples import load_example

    x, y = load_example("mirrors")
    return cl.solve(cl.dictionary(x, cl.Architecture("abs", 3)), y, Fraction(1, 1000), exact=True)


def test_latex_breaks_long_sums_and_writes_scalars_as_scalars():
    text = export.to_latex(_mirrors_abs3())
    assert r"\begin{aligned}" in text and r"& {} " in text
    assert r"\begin{matrix}" not in text  # 1-D chains: every layer weight is a scalar
    for line in text.split("\n"):
        if line.startswith("& {} "):
            assert export._visible_width(line) <= export.LATEX_LINE_WIDTH + 40


def test_standalone_latex_document_compiles(tmp_path):
    text = export.to_latex(_mirrors_abs3(), standalone=True)
    assert text.startswith(r"\documentclass") and text.rstrip().endswith(r"\end{document}")
    assert r"\usepackage{amsmath}" in text
    engine = shutil.which("pdflatex") or shutil.which("lualatex")
    if engine is None:
        pytest.skip("no LaTeX engine installed")
    (tmp_path / "fit.tex").write_text(text)
    result = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "fit.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "fit.pdf").exists()
    assert "Overfull \\hbox" not in result.stdout


# ----------------------------------------------------------------------------- torch
def _fake_torch() -> types.ModuleType:
    """Just enough of ``torch`` to build the module (parameters kept as numpy arrays)."""
    torch = types.ModuleType("torch")
    nn = types.ModuleType("torch.nn")

    class Module:
        def __init__(self) -> None:
            pass

    nn.Module = Module
    nn.Parameter = lambda value: value
    torch.nn = nn
    torch.float64 = np.float64
    torch.as_tensor = np.asarray
    torch.tensor = lambda value, dtype: np.asarray(value, dtype=dtype)
    return torch


def test_torch_module_class_is_defined_at_module_level(relu3, monkeypatch):
    stubbed = importlib.util.find_spec("torch") is None
    if stubbed:
        monkeypatch.setitem(sys.modules, "torch", _fake_torch())
        monkeypatch.delitem(sys.modules, "clifflasso.export_torch", raising=False)
    try:
        module = export.to_torch(cl.solve(relu3, Y, 0.25))
        assert type(module).__qualname__ == "ChainModule"
        if stubbed:
            again = pickle.loads(pickle.dumps(module))  # what torch.save does
        else:
            import torch

            buffer = io.BytesIO()
            torch.save(module, buffer)
            buffer.seek(0)
            again = torch.load(buffer, weights_only=False)
        assert np.array_equal(np.asarray(again.output_weights.tolist()), [-0.5, 0.5]) or (
            again.output_weights.shape[0] == 2
        )
    finally:
        if stubbed:
            sys.modules.pop("clifflasso.export_torch", None)


# ----------------------------------------------------------------------------- command line
def _invoke(*args: str):
    from click.testing import CliRunner

    from clifflasso.cli import main

    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _derived(*args: str) -> dict[int, tuple[str, str]]:
    output = _invoke("derive", "--example", "mirrors", *args)
    return {
        int(j): (kind, indices)
        for j, kind, indices in re.findall(r"^\[(\d+)\] (\S+), data \(([\d, ]*)\)", output, re.M)
    }


def test_fit_output_states_threshold_intercept_numbering_and_fractions():
    output = _invoke("fit", "--example", "mirrors", "--activation", "abs", "--depths", "3")
    assert "5 active units (|z_j| > 1e-07 max|z|)" in output
    assert "f(x) = xi + sum_j z_j F_j(x), output bias xi = 34011/20000" in output
    assert "j and data indices count from 0" in output and "F_0..F_36" in output
    derived = _derived("--activation", "abs", "--depth", "3")
    units = re.findall(r"^    j = (\d+) +z = (\S+) +(\S+) +data \(([\d, ]*)\)", output, re.M)
    assert len(units) == 5 and ("7", "999/2500", "reflection", "1, 2") in units
    for j, _, kind, indices in units:
        assert derived[int(j)] == (kind, indices)
    assert "-0.000000" not in output


def test_export_numbers_columns_as_derive_and_writes_a_standalone_document(tmp_path):
    target = tmp_path / "fit.tex"
    _invoke(
        "export",
        "--example",
        "mirrors",
        "--activation",
        "abs",
        "--depth",
        "3",
        "--format",
        "latex",
        "--output",
        str(target),
    )
    text = target.read_text()
    assert text.startswith(r"\documentclass") and r"\end{document}" in text
    rows = re.findall(r"^(\d+) & (\S+) & \$\(([\d, ]*)\)\$", text, re.M)
    derived = _derived("--activation", "abs", "--depth", "3")
    assert rows and all(derived[int(j)] == (kind, indices) for j, kind, indices in rows)
    fragment = _invoke("export", "--example", "mirrors", "--format", "latex")
    assert r"\documentclass" not in fragment
    assert r"\documentclass" in _invoke(
        "export", "--example", "mirrors", "--format", "latex", "--standalone"
    )


def test_export_torch_format(tmp_path):
    from click.testing import CliRunner

    from clifflasso.cli import main

    target = tmp_path / "net.pt"
    args = ["export", "--example", "mirrors", "--format", "torch", "--output", str(target)]
    result = CliRunner().invoke(main, args)
    if importlib.util.find_spec("torch") is None:
        assert result.exit_code == 2 and "needs PyTorch" in result.output
        assert "a bug" not in result.output
        return
    assert result.exit_code == 0, result.output
    import torch

    module = torch.load(target, weights_only=False)
    assert type(module).__name__ == "ChainModule"


# ----------------------------------------------------------------------------- plots
def test_plot_marks_each_kink_by_its_kind_with_a_legend_and_labelled_axes():
    from matplotlib.colors import to_hex

    from clifflasso.examples import load_example
    from clifflasso.plot import KINK_STYLES, plot_features, plot_fit, plot_fits
    from clifflasso.timeseries.kinks import classify_kinks

    def kink_kind(location: float, x: np.ndarray) -> str:
        return classify_kinks([location], x)[0].kind

    points, labels = load_example("mirrors")
    D = cl.dictionary(points, cl.Architecture("abs", 3))
    solution = cl.solve(D, labels, 1e-3)
    axis = plot_fit(solution).axes[0]
    assert axis.get_xlabel() == "x" and axis.get_ylabel() == "f(x)"
    data = np.asarray(D.X[:, 0])
    kinds = set()
    for line in axis.lines:
        if line.get_linestyle() == "--":
            kind = kink_kind(float(line.get_xdata()[0]), data)
            assert to_hex(line.get_color()) == to_hex(KINK_STYLES[kind][1])
            kinds.add(kind)
    assert {"data", "reflection"} <= kinds
    legend = [text.get_text() for text in axis.get_legend().get_texts()]
    assert {f"kink: {KINK_STYLES[kind][0]}" for kind in kinds} <= set(legend)
    panels = plot_fits([solution, solution], ["a", "b"]).axes
    assert all(p.get_xlabel() == "x" and p.get_legend() is not None for p in panels[:2])
    assert plot_features(D, [7]).axes[0].get_ylabel() == "$F_{7}(x)$"


# ----------------------------------------------------------------------------- progress
def test_fit_progress_counts_passes_and_shows_the_gap_without_a_max_passes_total(monkeypatch):
    import clifflasso.lasso.working_set as working_set

    bars = []
    real = working_set.tqdm

    def recording(*args, **kwargs):
        bar = real(*args, **kwargs)
        bars.append((kwargs, bar))
        return bar

    monkeypatch.setattr(working_set, "tqdm", recording)
    cl.fit(np.linspace(0, 1, 8), np.sin(np.arange(8.0)), cl.Architecture("relu", 2), 0.01)
    ((options, bar),) = bars
    assert options.get("total") is None and bar.n >= 1
    assert bar.postfix.startswith("gap ")
