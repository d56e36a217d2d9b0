"""Bad input fails fast and clearly: every error of the command line is one line
``Error: ...`` on standard error, exit status 2, and no traceback (issue "Every verdict is a
proof"). Table-driven through click's test runner, plus real runs of the installed program
(errors, Ctrl-C inside a native solver), output paths refused before any work, atomic writes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import clifflasso
from clifflasso.cli import main

PROGRAM = Path(sys.executable).with_name("clifflasso")


# ----------------------------------------------------------------------------- data files
@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """A directory of good and bad data files (names used by the table below)."""
    root = tmp_path_factory.mktemp("data")
    texts = {
        "good.csv": "0,0\n1,1\n2,0\n3,1\n",
        "thirds.csv": "0,0\n1/3,1\n2/3,0\n1,1\n",
        "square.csv": "0,0,0\n1,0,1\n0,1,1\n1,1,0\n",
        "big.csv": "0,0\n1e400,1\n2,0\n",
        "tiny.csv": "0,0\n1e-400,1\n2,0\n",
        "nan.csv": "0,0\nnan,1\n2,0\n",
        "inf.csv": "0,0\n1,-inf\n2,0\n",
        "text.csv": "0,0\nx,y\n1,2\n",
        "headed.csv": "x;y;z\n0;0;1\n1;1;0\n2;0;1\n",
        "headedragged.csv": "x,y\n0,0\n1,1\n2,0,5\n",
        "words.csv": "0,0\n1,one\n",
        "empty.csv": "",
        "comments.csv": "# only a comment\n\n",
        "ragged.csv": "0,0\n1,1,1\n2,0\n",
        "onecol.csv": "1\n2\n3\n",
        "emptycell.csv": "1,\n2,3\n",
        "divzero.csv": "0,0\n1/0,1\n",
        "hugeexp.csv": "0,0\n1e50000000,1\n",
        "longnumber.csv": "0,0\n" + "1" * 5000 + ",1\n",
        "longfraction.csv": "0,0\n1/" + "3" * 2000 + ",1\n",
        "single.csv": "1,2\n",
        "hugelabels.csv": "0,1e300\n1,-1e300\n2,1e300\n",
        "python.csv": "__import__('os').getcwd(),1\n2,0\n",
        "threecol.csv": "0,0,0\n1,0,1\n0,1,1\n1,1,0\n",
    }
    for name, text in texts.items():
        (root / name).write_text(text)
    (root / "binary.csv").write_bytes(b"\xff\xfe\x00,1\n")
    (root / "garbage.npy").write_bytes(b"not an array at all")
    (root / "garbage.npz").write_bytes(b"not an archive at all")
    np.savez(root / "nolabels.npz", X=np.arange(3.0))
    (root / "empty.npy").write_bytes(b"")
    np.save(root / "vector.npy", np.arange(4.0))
    np.save(root / "cube.npy", np.zeros((2, 2, 2)))
    np.save(root / "strings.npy", np.array([["a", "b"], ["c", "d"]]))
    np.save(root / "complex.npy", np.ones((3, 2), dtype=complex))
    np.save(root / "bools.npy", np.ones((3, 2), dtype=bool))
    np.save(root / "nan.npy", np.array([[0.0, 0.0], [np.nan, 1.0], [2.0, 0.0]]))
    np.save(root / "pickled.npy", np.array([[object(), 1]], dtype=object), allow_pickle=True)
    whole = (root / "nan.npy").read_bytes()
    (root / "truncated.npy").write_bytes(whole[: len(whole) - 20])
    (root / "a_directory").mkdir()
    return root


# ----------------------------------------------------------------------------- the table
M = ["--example", "mirrors"]
J = ["--format", "json"]
X = ["export", *M]
E = [*X, *J]
S = ["experiment", "sentiment"]
BAD = [
    # fit: beta
    ("fit-beta-negative", ["fit", *M, "--beta", "-1"], "--beta"),
    ("fit-beta-nan", ["fit", *M, "--beta", "nan"], "NaN"),
    ("fit-beta-inf", ["fit", *M, "--beta", "inf"], "infinite"),
    ("fit-beta-text", ["fit", *M, "--beta", "abc"], "not a number"),
    ("fit-beta-overflow", ["fit", *M, "--beta", "1e400"], "overflows"),
    ("fit-beta-division-by-zero", ["fit", *M, "--beta", "1/0"], "division by zero"),
    ("fit-beta-missing-value", ["fit", *M, "--beta"], "--beta"),
    ("fit-beta-huge-exponent", ["fit", *M, "--beta", "1e50000000"], "overflows"),
    ("fit-beta-long", ["fit", *M, "--beta", "1" * 5000], "limit"),
    # fit: architectures
    ("fit-unknown-activation", ["fit", *M, "--activation", "tanh"], "unknown activation"),
    ("fit-no-activation", ["fit", *M, "--activation", ","], "no activations"),
    ("fit-depth-1", ["fit", *M, "--depths", "1"], "2 <= L <= 500"),
    ("fit-depth-deep-sign", ["fit", *M, "--activation", "sign", "--depths", "1000"], "<= 500"),
    ("fit-depth-text", ["fit", *M, "--depths", "two"], "not an integer"),
    ("fit-depth-huge", ["fit", *M, "--depths", "9" * 40], "too large"),
    ("fit-depth-empty", ["fit", *M, "--depths", ""], "no integers"),
    ("fit-depth-50-relu", ["fit", *M, "--depths", "50"], "depth 50"),
    ("fit-depth-50-abs", ["fit", *M, "--activation", "abs", "--depths", "50"], "columns"),
    ("fit-depth-7-abs", ["fit", *M, "--activation", "abs", "--depths", "7"], "columns"),
    ("fit-leaky-deep", ["fit", *M, "--activation", "leaky_relu", "--depths", "3"], "leaky"),
    # fit: data sources
    ("fit-no-data", ["fit"], "exactly one"),
    ("fit-two-sources", ["fit", *M, "--data", "{good.csv}"], "exactly one"),
    ("fit-unknown-example", ["fit", "--example", "nosuch"], "nosuch"),
    ("fit-missing-file", ["fit", "--data", "{missing.csv}"], "does not exist"),
    ("fit-data-directory", ["fit", "--data", "{a_directory}"], "directory"),
    ("fit-csv-overflow", ["fit", "--data", "{big.csv}"], "big.csv:2"),
    ("fit-csv-underflow", ["fit", "--data", "{tiny.csv}"], "underflows"),
    ("fit-csv-nan", ["fit", "--data", "{nan.csv}"], "NaN"),
    ("fit-csv-inf", ["fit", "--data", "{inf.csv}"], "infinite"),
    ("fit-csv-text-row", ["fit", "--data", "{text.csv}"], "text.csv:2"),
    ("fit-csv-no-such-column", ["fit", "--data", "{headed.csv}", "--y", "w"], "'x', 'y', 'z'"),
    ("fit-csv-column-0", ["fit", "--data", "{headed.csv}", "--x", "0"], "position from 1"),
    ("fit-csv-x-is-y", ["fit", "--data", "{headed.csv}", "--x", "x,z", "--y", "z"], "both"),
    ("fit-csv-x-twice", ["fit", "--data", "{headed.csv}", "--x", "x,1"], "twice"),
    ("fit-csv-headed-ragged", ["fit", "--data", "{headedragged.csv}"], "headedragged.csv:4"),
    ("fit-npz-no-labels", ["fit", "--data", "{nolabels.npz}"], "no array 'y'"),
    ("fit-npz-garbage", ["fit", "--data", "{garbage.npz}"], "not a .npz archive"),
    ("fit-example-with-x", ["fit", *M, "--x", "1"], "--data"),
    ("fit-csv-word", ["fit", "--data", "{words.csv}"], "'one'"),
    ("fit-csv-empty", ["fit", "--data", "{empty.csv}"], "no data rows"),
    ("fit-csv-only-comments", ["fit", "--data", "{comments.csv}"], "no data rows"),
    ("fit-csv-ragged", ["fit", "--data", "{ragged.csv}"], "ragged.csv:2"),
    ("fit-csv-one-column", ["fit", "--data", "{onecol.csv}"], "at least 2"),
    ("fit-csv-empty-cell", ["fit", "--data", "{emptycell.csv}"], "column 2"),
    ("fit-csv-division-by-zero", ["fit", "--data", "{divzero.csv}"], "division by zero"),
    ("fit-csv-huge-exponent", ["fit", "--data", "{hugeexp.csv}"], "overflows"),
    ("fit-csv-long-number", ["fit", "--data", "{longnumber.csv}"], "limit of 1,000"),
    ("fit-csv-long-fraction", ["fit", "--data", "{longfraction.csv}"], "limit of 1,000"),
    ("fit-csv-one-sample", ["fit", "--data", "{single.csv}"], "at least 2 samples"),
    ("fit-csv-huge-labels", ["fit", "--data", "{hugelabels.csv}"], "1.341e+154"),
    ("fit-csv-binary", ["fit", "--data", "{binary.csv}"], "UTF-8"),
    ("fit-csv-python-code", ["fit", "--data", "{python.csv}"], "not a number"),
    ("fit-npy-garbage", ["fit", "--data", "{garbage.npy}"], "not a .npy file"),
    ("fit-npy-empty", ["fit", "--data", "{empty.npy}"], "not a .npy file"),
    ("fit-npy-vector", ["fit", "--data", "{vector.npy}"], "2-D"),
    ("fit-npy-cube", ["fit", "--data", "{cube.npy}"], "2-D"),
    ("fit-npy-strings", ["fit", "--data", "{strings.npy}"], "dtype"),
    ("fit-npy-complex", ["fit", "--data", "{complex.npy}"], "dtype"),
    ("fit-npy-bools", ["fit", "--data", "{bools.npy}"], "dtype"),
    ("fit-npy-nan", ["fit", "--data", "{nan.npy}"], "row 2, column 1"),
    ("fit-npy-pickled", ["fit", "--data", "{pickled.npy}"], "pickle"),
    ("fit-npy-truncated", ["fit", "--data", "{truncated.npy}"], "truncated.npy"),
    # fit: output
    ("fit-plot-missing-directory", ["fit", *M, "--plot", "{missing}/fit.png"], "does not exist"),
    ("fit-plot-is-directory", ["fit", *M, "--plot", "{a_directory}"], "directory"),
    ("fit-plot-under-a-file", ["fit", *M, "--plot", "{good.csv}/fit.png"], "not a directory"),
    ("fit-plot-unknown-format", ["fit", *M, "--plot", "{out}/fit.txt"], "image format"),
    ("fit-plot-no-extension", ["fit", *M, "--plot", "{out}/fit"], "image format"),
    ("fit-unknown-option", ["fit", *M, "--bogus"], "--bogus"),
    # path
    ("path-num-1", ["path", *M, "--num", "1"], "--num"),
    ("path-num-text", ["path", *M, "--num", "many"], "--num"),
    ("path-min-ratio-0", ["path", *M, "--min-ratio", "0"], "--min-ratio"),
    ("path-min-ratio-nan", ["path", *M, "--min-ratio", "nan"], "NaN"),
    ("path-min-ratio-above-1", ["path", *M, "--min-ratio", "2"], "<= 1"),
    ("path-betas-negative", ["path", *M, "--betas", "0.5,-1"], "item 2"),
    ("path-betas-text", ["path", *M, "--betas", "a,b"], "not a number"),
    ("path-betas-empty", ["path", *M, "--betas", ","], "no numbers"),
    ("path-betas-inf", ["path", *M, "--betas", "inf"], "infinite"),
    ("path-exact-with-betas", ["path", *M, "--exact", "--betas", "1"], "--betas"),
    ("path-unknown-solver", ["path", *M, "--solver", "magic"], "--solver"),
    ("path-depth-50-abs", ["path", *M, "--activation", "abs", "--depth", "50"], "columns"),
    ("path-depth-1", ["path", *M, "--depth", "1"], "--depth"),
    ("path-depth-1000", ["path", *M, "--activation", "sign", "--depth", "1000"], "2<=x<=500"),
    ("path-norm-3", ["path", *M, "--norm", "3"], "--norm"),
    ("path-max-features-0", ["path", *M, "--max-features", "0"], "--max-features"),
    ("path-exact-irrational", ["path", "--data", "{square.csv}", "--exact"], "norm=1"),
    ("path-plot-missing-directory", ["path", *M, "--plot", "{missing}/p.png"], "does not exist"),
    ("path-leaky-deep", ["path", *M, "--activation", "leaky_relu", "--depth", "3"], "leaky"),
    # derive
    ("derive-depth-50-abs", ["derive", *M, "--activation", "abs", "--depth", "50"], "columns"),
    ("derive-limit-0", ["derive", *M, "--limit", "0"], "--limit"),
    ("derive-no-data", ["derive"], "exactly one"),
    ("derive-sign-2d", ["derive", "--data", "{threecol.csv}", "--activation", "sign"], "sign"),
    ("derive-bad-csv", ["derive", "--data", "{ragged.csv}"], "ragged.csv:2"),
    # verify
    ("verify-unknown-theorem", ["verify", "--theorem", "nosuch"], "unknown theorem"),
    ("verify-csv-text", ["verify", "--data", "{text.csv}"], "text.csv:2"),
    ("verify-csv-no-such-column", ["verify", "--data", "{headed.csv}", "--x", "q"], "'z'"),
    ("verify-y-without-data", ["verify", "--y", "1"], "--data"),
    ("verify-csv-overflow", ["verify", "--data", "{big.csv}"], "overflows"),
    ("verify-missing-file", ["verify", "--data", "{missing.csv}"], "does not exist"),
    ("verify-npy-garbage", ["verify", "--data", "{garbage.npy}"], "not a .npy file"),
    ("verify-seed-negative", ["verify", "--seed", "-1"], "--seed"),
    ("verify-seed-text", ["verify", "--seed", "x"], "--seed"),
    # export
    ("export-beta-division-by-zero", [*X, "--beta", "1/0", *J], "zero"),
    ("export-beta-negative", [*X, "--beta", "-1", *J], ">= 0"),
    ("export-beta-text", [*X, "--beta", "a tenth", *J], "not a number"),
    ("export-beta-nan", [*X, "--beta", "nan", *J], "NaN"),
    ("export-beta-huge-exponent", [*X, "--beta", "1e50000000", *J], "exponent"),
    ("export-beta-long-fraction", [*X, "--beta", "1/" + "7" * 5000, *J], "limit"),
    ("export-beta-float-range", [*X, "--beta", "1e400", "--numeric", *J], "float64"),
    ("export-npz-without-output", [*X, "--format", "npz"], "--output"),
    ("export-no-format", ["export", *M], "--format"),
    ("export-unknown-format", [*X, "--format", "xml"], "--format"),
    ("export-no-data", ["export", *J], "exactly one"),
    ("export-output-missing-dir", [*E, "--output", "{missing}/s.json"], "does not exist"),
    ("export-output-directory", [*E, "--output", "{a_directory}"], "directory"),
    ("export-depth-50-abs", [*X, "--activation", "abs", "--depth", "50", *J], "columns"),
    ("export-depth-1", [*X, "--depth", "1", *J], "--depth"),
    ("export-csv-overflow", ["export", "--data", "{big.csv}", *J], "overflows"),
    ("export-csv-no-such-column", ["export", "--data", "{headed.csv}", "--y", "7", *J], "'y'"),
    ("path-csv-no-such-column", ["path", "--data", "{headed.csv}", "--x", "t"], "'x'"),
    ("derive-csv-no-such-column", ["derive", "--data", "{headed.csv}", "--x", "t"], "'x'"),
    # experiment and the group
    ("experiment-plot-missing-dir", [*S, "--plot", "{missing}/s.png"], "does not exist"),
    ("experiment-seed-negative", [*S, "--seed", "-1"], "--seed"),
    ("experiment-unknown", ["experiment", "nosuch"], "nosuch"),
    ("experiment-no-subcommand", ["experiment"], "missing command"),
    ("no-command", [], "missing command"),
    ("unknown-command", ["train"], "train"),
    ("unknown-top-option", ["--bogus"], "--bogus"),
]  # fmt: skip


def _arguments(args: list[str], root: Path, out: Path) -> list[str]:
    replacements = {"{missing}": str(root / "no" / "such" / "dir"), "{out}": str(out)}
    result = []
    for arg in args:
        for key, value in replacements.items():
            arg = arg.replace(key, value)
        if arg.startswith("{") and "}" in arg:
            name, rest = arg[1:].split("}", 1)
            arg = str(root / name) + rest
        result.append(arg)
    return result


def assert_one_error_line(result_or_stderr, exit_code: int, output: str = "") -> str:
    """Exit status 2, standard error exactly one line starting with ``Error: ``, no traceback;
    returns that line."""
    stderr = result_or_stderr
    assert exit_code == 2, (exit_code, stderr, output)
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr and "Traceback" not in output
    return lines[0]


def test_the_table_has_at_least_sixty_distinct_bad_invocations():
    assert len(BAD) >= 60
    assert len({name for name, _, _ in BAD}) == len(BAD)
    assert len({tuple(args) for _, args, _ in BAD}) == len(BAD)


@pytest.mark.parametrize(("name", "args", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_invocation_is_one_error_line(files, tmp_path, name, args, expected):
    started = time.perf_counter()
    result = CliRunner().invoke(main, _arguments(args, files, tmp_path), catch_exceptions=False)
    line = assert_one_error_line(result.stderr, result.exit_code, result.output)
    assert expected in line, line
    assert time.perf_counter() - started < 30, "bad input must fail fast"


# ----------------------------------------------------------------------------- solver errors
@pytest.mark.parametrize("verb", ["fit", "path", "export"])
def test_a_solver_error_is_one_error_line(monkeypatch, verb):
    def failing(*args, **kwargs):
        raise clifflasso.SolverError("CLARABEL returned status 'infeasible_inaccurate'\nsecond")

    monkeypatch.setattr(clifflasso, "solve", failing)
    monkeypatch.setattr(clifflasso, "lasso_path", failing)
    args = {
        "fit": ["fit", *M, "--depths", "2"],
        "path": ["path", *M],
        "export": ["export", *M, "--numeric", "--format", "json"],
    }[verb]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    line = assert_one_error_line(result.stderr, result.exit_code, result.output)
    assert "'infeasible_inaccurate' second" in line


def test_unexpected_exceptions_are_one_line_too_and_shown_in_debug_mode(monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(clifflasso, "solve", broken)
    result = CliRunner().invoke(main, ["fit", *M, "--depths", "2"], catch_exceptions=False)
    line = assert_one_error_line(result.stderr, result.exit_code, result.output)
    assert "TypeError" in line and "CLIFFLASSO_DEBUG" in line
    monkeypatch.setenv("CLIFFLASSO_DEBUG", "1")
    result = CliRunner().invoke(main, ["fit", *M, "--depths", "2"])
    assert isinstance(result.exception, TypeError)


def test_warnings_are_one_line(monkeypatch):
    solve = clifflasso.solve

    def warning_solve(*args, **kwargs):
        warnings.warn("duality gap 1e-7 above tol\nafter 200 passes", RuntimeWarning, stacklevel=1)
        return solve(*args, **kwargs)

    monkeypatch.setattr(clifflasso, "solve", warning_solve)
    args = ["fit", *M, "--activation", "relu", "--depths", "2"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == ["Warning: duality gap 1e-7 above tol after 200 passes"]


def test_verify_reads_exact_rationals_through_the_shared_reader(files):
    result = CliRunner().invoke(
        main,
        ["verify", "--quick", "--theorem", "beta_max", "--data", str(files / "thirds.csv")],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "1 passed, 0 failed" in result.output


def test_successful_runs_still_exit_0():
    assert CliRunner().invoke(main, ["--help"]).exit_code == 0
    assert CliRunner().invoke(main, ["--version"]).exit_code == 0
    result = CliRunner().invoke(main, ["fit", *M, "--depths", "2", "--beta", "1/100"])
    assert result.exit_code == 0 and result.stderr == "", result.output


# ----------------------------------------------------------------------------- outputs
def _forbid_work(monkeypatch) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("work started before the output path was checked")

    for name in ("solve", "lasso_path", "dictionary"):
        monkeypatch.setattr(clifflasso, name, forbidden)


@pytest.mark.parametrize(
    "args",
    [
        ["fit", *M, "--plot", "{missing}/fit.png"],
        ["fit", *M, "--plot", "{readonly}/fit.png"],
        ["path", *M, "--plot", "{good.csv}/path.png"],
        ["export", *M, "--format", "json", "--output", "{readonly}/s.json"],
        ["export", *M, "--format", "npz", "--output", "{a_directory}"],
    ],
    ids=["missing-dir", "readonly-dir", "under-a-file", "export-readonly", "export-directory"],
)
def test_unwritable_output_is_refused_before_any_work(files, tmp_path, monkeypatch, args):
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o500)
    if os.access(readonly, os.W_OK):  # root ignores permissions: make creating files fail
        real = __import__("tempfile").mkstemp

        def mkstemp(*a, dir=None, **k):
            if dir is not None and Path(dir) == readonly:
                raise PermissionError(13, "Permission denied", str(readonly))
            return real(*a, dir=dir, **k)

        monkeypatch.setattr("tempfile.mkstemp", mkstemp)
    _forbid_work(monkeypatch)
    args = [a.replace("{readonly}", str(readonly)) for a in args]
    started = time.perf_counter()
    result = CliRunner().invoke(main, _arguments(args, files, tmp_path), catch_exceptions=False)
    elapsed = time.perf_counter() - started
    line = assert_one_error_line(result.stderr, result.exit_code, result.output)
    assert "--plot" in line or "--output" in line
    assert elapsed < 5
    readonly.chmod(0o700)


def test_plots_are_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / "fit.png"
    target.write_bytes(b"the previous figure")

    def half_written(solutions, titles, name):
        Path(name).write_bytes(b"\x89PNG half")
        raise OSError(28, "No space left on device", name)

    monkeypatch.setattr("clifflasso.plot.plot_fits", half_written)
    result = CliRunner().invoke(
        main, ["fit", *M, "--depths", "2", "--plot", str(target)], catch_exceptions=False
    )
    line = assert_one_error_line(result.stderr, result.exit_code, result.output)
    assert "No space left on device" in line
    assert target.read_bytes() == b"the previous figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.png"]  # no temporary left


def test_npz_and_text_exports_are_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / "network.npz"

    def savez(file, **arrays):
        file.write(b"PK half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", savez)
    result = CliRunner().invoke(
        main,
        ["export", *M, "--numeric", "--format", "npz", "--output", str(target)],
        catch_exceptions=False,
    )
    assert "No space left on device" in assert_one_error_line(result.stderr, result.exit_code)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    text_target = tmp_path / "solution.tex"
    text_target.write_text("old")
    monkeypatch.setattr(clifflasso.export, "to_latex", lambda solution, **options: "new\n")
    real_replace = os.replace

    def failing_replace(source, destination):
        raise OSError(5, "Input/output error", str(destination))

    monkeypatch.setattr(os, "replace", failing_replace)
    result = CliRunner().invoke(
        main,
        ["export", *M, "--format", "latex", "--output", str(text_target)],
        catch_exceptions=False,
    )
    assert "Input/output error" in assert_one_error_line(result.stderr, result.exit_code)
    assert text_target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["solution.tex"]
    monkeypatch.setattr(os, "replace", real_replace)
    text_target.chmod(0o640)
    result = CliRunner().invoke(
        main, ["export", *M, "--format", "latex", "--output", str(text_target)]
    )
    assert result.exit_code == 0 and text_target.read_text() == "new\n"
    assert text_target.stat().st_mode & 0o777 == 0o640  # the replaced file's permissions
    fresh = tmp_path / "fresh.tex"
    assert CliRunner().invoke(main, ["export", *M, "--format", "latex", "--output", str(fresh)])
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0o600


# ----------------------------------------------------------------------------- the program
def _run(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [str(PROGRAM), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.skipif(not PROGRAM.exists(), reason="the clifflasso program is not installed")
def test_the_installed_program_prints_one_error_line_and_no_traceback(files, tmp_path):
    runs = {
        "fit-beta": _run("fit", *M, "--beta", "-1"),
        "npy": _run("fit", "--data", str(files / "garbage.npy")),
        "csv-overflow": _run("fit", "--data", str(files / "big.csv")),
        "export-beta": _run("export", *M, "--beta", "1/0", "--format", "json"),
        "depth-50": _run("derive", *M, "--activation", "abs", "--depth", "50"),
        "usage": _run("path", *M, "--num", "1"),
        "unwritable": _run("export", *M, "--format", "npz", "--output", str(files / "x" / "n.npz")),
    }
    for name, process in runs.items():
        stdout, stderr = process.communicate(timeout=120)
        line = assert_one_error_line(stderr, process.returncode, stdout)
        assert "Error: " in line, name
    good = _run("verify", "--quick", "--theorem", "beta_max", "--data", str(files / "thirds.csv"))
    stdout, stderr = good.communicate(timeout=120)
    assert good.returncode == 0 and "1 passed" in stdout, stderr


NATIVE_SOLVE = """
import time, sys
import numpy as np, cvxpy as cp
from cvxpy.reductions.solvers.conic_solvers.clarabel_conif import CLARABEL
from clifflasso.cli import install_interrupt_handler

install_interrupt_handler()
rng = np.random.default_rng(0)
A, y = rng.standard_normal((400, 4000)), rng.standard_normal(400)
z = cp.Variable(4000)
problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z - y) + 0.01 * cp.norm1(z)))
data, _, _ = problem.get_problem_data(cp.CLARABEL)
print("native", flush=True)
CLARABEL().solve_via_data(data, False, False, {})
print("solved", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
def test_ctrl_c_stops_inside_a_native_clarabel_solve_at_once(tmp_path):
    """Python-level signal handlers cannot run while Clarabel holds the main thread; the
    wakeup-socket thread of ``install_interrupt_handler`` stops the process anyway."""
    script = tmp_path / "native.py"
    script.write_text(textwrap.dedent(NATIVE_SOLVE))
    process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "native"
    time.sleep(0.5)  # inside the native solve (several seconds long)
    process.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    stdout, stderr = process.communicate(timeout=30)
    elapsed = time.perf_counter() - sent
    assert "solved" not in stdout, "the solve finished before the signal: make it longer"
    assert process.returncode == 130
    assert stderr.strip() == "Error: interrupted"
    # about 0.1 s on an idle machine; the uninterrupted solve takes 20 s there, so 5 s (room for
    # a loaded test machine) still tells the wakeup thread from a handler that waits for it
    assert elapsed < 5, elapsed


@pytest.mark.skipif(not PROGRAM.exists() or os.name != "posix", reason="POSIX, installed program")
def test_ctrl_c_stops_the_program_at_once(tmp_path):
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(-1, 1, 400))
    data = tmp_path / "many.csv"
    data.write_text("".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(x, np.sin(9 * x))))
    process = _run(
        "path", "--data", str(data), "--solver", "clarabel", "--num", "400",
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert "relu depth 2" in process.stdout.readline()  # the handler is installed by now
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    stdout, stderr = process.communicate(timeout=30)
    assert time.perf_counter() - sent < 5  # about 0.1 s on an idle machine
    assert process.returncode == 130
    assert stderr.strip().splitlines() == ["Error: interrupted"]
    assert "Traceback" not in stderr
