"""Command line: ``clifflasso derive | fit | path | verify | export | forecast | experiment``.

Steps that can take longer than a second (solving several architectures, a solution path,
the symbolic closed forms of a large dictionary, the theorem checks) show a tqdm progress bar
on standard error when it is a terminal.

Errors: every failure - a bad option or file, malformed or oversized data, a dictionary too
large to build, a solver that fails, an output that cannot be written - ends the program with
exit status 2 and one line ``Error: <message>`` on standard error, never a traceback (set
``CLIFFLASSO_DEBUG=1`` to get one). ``verify`` exits with status 1 when a theorem fails (a
verdict, not an error). Output files (``--output``, ``--plot``) are checked when the command
line is parsed, before any work, and written atomically. Ctrl-C stops the program at once,
even inside a native solver: ``Error: interrupted``, exit status 130. Warnings are one line
``Warning: <message>``.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np
from tqdm import tqdm

import clifflasso
from clifflasso.architecture import ACTIVATIONS
from clifflasso.cli_forecast import forecast
from clifflasso.cli_support import (
    MAX_DEPTH,
    MAX_SYMBOLIC_POINTS,
    ActivationList,
    Number,
    architecture,
    certificate_line,
    check_dictionary_size,
    output_option,
    parse_numbers,
    read_exact_table,
    write_plot,
)
from clifflasso.examples import EXAMPLES, load_example
from clifflasso.experiments.cli import experiment

if TYPE_CHECKING:
    from clifflasso.dictionary import Dictionary

#: Exit status of every error (click's usage errors included).
ERROR_STATUS = 2
#: Exit status after Ctrl-C (128 + SIGINT).
INTERRUPT_STATUS = 130


# ----------------------------------------------------------------------------- errors
def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _error_message(exc: BaseException) -> str:
    """The text after ``Error: `` for an exception, on one line."""
    if isinstance(exc, click.UsageError):
        text = exc.format_message()
        if exc.ctx is not None:
            text += f" (see '{exc.ctx.command_path} --help')"
    elif isinstance(exc, click.ClickException):
        text = exc.format_message()
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    elif isinstance(exc, MemoryError):
        text = "out of memory" + (f" ({exc})" if str(exc) else "")
    elif isinstance(exc, (ValueError, RuntimeError, OSError, ArithmeticError)):
        text = str(exc) or type(exc).__name__
    else:
        text = (
            f"unexpected {type(exc).__name__}: {exc} (a bug: CLIFFLASSO_DEBUG=1 shows the "
            "traceback)"
        )
    return _one_line(text)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line on standard error."""
    with contextlib.suppress(OSError, ValueError):
        click.echo(f"Warning: {_one_line(message)}", err=True)


_STOPPING = threading.Lock()
_WAKEUP: list[socket.socket] = []


def _flush_stdout() -> None:
    with contextlib.suppress(Exception):
        sys.stdout.flush()


def _stop_now(*_args) -> None:
    """Ctrl-C: flush what was printed, write ``Error: interrupted`` and end the process at once
    (``os._exit``: no clean-up that a native solver could block)."""
    if not _STOPPING.acquire(blocking=False):
        return  # already stopping
    flusher = threading.Thread(target=_flush_stdout, daemon=True)
    flusher.start()
    flusher.join(0.5)  # a full pipe must not keep the process alive
    with contextlib.suppress(OSError):
        prefix = b"\n" if os.isatty(2) else b""
        os.write(2, prefix + b"Error: interrupted\n")
    os._exit(INTERRUPT_STATUS)


def _watch(reader: socket.socket) -> None:
    """Thread: wait for the signal numbers that Python's C-level handler writes to the wakeup
    socket; it runs while the main thread is inside native code (Clarabel, HiGHS, BLAS, numba
    release the GIL), where Python-level handlers cannot run."""
    while True:
        try:
            received = reader.recv(64)
        except OSError:
            return
        if not received:
            return
        if signal.SIGINT in received:
            _stop_now()


def install_interrupt_handler() -> None:
    """Make Ctrl-C stop the program within a moment even inside a long native solve: a SIGINT
    handler, plus a thread woken through :func:`signal.set_wakeup_fd` that does not need the
    main thread. Called by the ``clifflasso`` program (not when a test invokes the group)."""
    if threading.current_thread() is not threading.main_thread() or _WAKEUP:
        return
    signal.signal(signal.SIGINT, _stop_now)
    try:
        reader, writer = socket.socketpair()
        writer.setblocking(False)
        signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except (OSError, ValueError):
        return  # the Python-level handler alone
    _WAKEUP.extend([reader, writer])
    threading.Thread(target=_watch, args=(reader,), name="clifflasso-sigint", daemon=True).start()


class _Group(click.Group):
    """The ``clifflasso`` group: every error as one ``Error:`` line and exit status 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        if args is None:  # run as the program
            install_interrupt_handler()
        debug = bool(os.environ.get("CLIFFLASSO_DEBUG"))
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _show_warning
                result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help())
            self._fail(_one_line(f"missing command (see '{exc.ctx.command_path} --help')"))
        except click.exceptions.Abort:
            click.echo("Error: interrupted", err=True)
            sys.exit(INTERRUPT_STATUS)
        except click.ClickException as exc:
            self._fail(_error_message(exc))
        except (KeyboardInterrupt, EOFError):
            click.echo("Error: interrupted", err=True)
            sys.exit(INTERRUPT_STATUS)
        except Exception as exc:
            if debug:
                raise
            self._fail(_error_message(exc))
        sys.exit(result if isinstance(result, int) else 0)

    @staticmethod
    def _fail(message: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        click.echo(f"Error: {message}", err=True)
        sys.exit(ERROR_STATUS)


# ----------------------------------------------------------------------------- helpers
def _int_list(text: str, option: str) -> list[int]:
    items = [v.strip() for v in text.split(",") if v.strip()]
    if not items:
        raise click.BadParameter(f"no integers in {text!r}", param_hint=option)
    for item in items:
        if not item.lstrip("+-").isdecimal():
            shown = item if len(item) <= 40 else item[:40] + "..."
            raise click.BadParameter(f"{shown!r} is not an integer", param_hint=option)
        if len(item) > 30:
            raise click.BadParameter(f"{item[:10]}... is too large", param_hint=option)
    return [int(v) for v in items]


def _depths(text: str) -> list[int]:
    """The depths of ``fit --depth``, a comma-separated list, each ``2 <= L <= MAX_DEPTH``."""
    depths = _int_list(text, "--depth")
    for depth in depths:
        if not 2 <= depth <= MAX_DEPTH:
            raise click.BadParameter(
                f"{depth} is not in the range 2 <= L <= {MAX_DEPTH}", param_hint="--depth"
            )
    return depths


def _progress(items: Iterable, description: str, total: int | None = None) -> tqdm:
    """A progress bar on standard error, shown only when it is a terminal."""
    return tqdm(items, desc=description, total=total, leave=False, disable=None, file=sys.stderr)


def _echo(text: str = "") -> None:
    """``click.echo`` that clears the progress bars on the terminal first and redraws them."""
    with tqdm.external_write_mode():
        click.echo(text)


#: Help of ``--data``, the same for every verb (one reader: :func:`read_exact_table`).
DATA_HELP = (
    "Data table: CSV/TSV text (separated by commas, semicolons, tabs or blanks, detected; an "
    "optional header line of names; entries such as 1/3 or 0.25 are read exactly), a .npy "
    "array, or a .npz archive with arrays X (or x) and y. Columns x..., y unless --x/--y say."
)


def _table_options(command: Callable) -> Callable:
    """The options ``--data``, ``--x`` and ``--y``: the data table and its columns."""
    command = click.option(
        "--y",
        "y_column",
        metavar="COLUMN",
        help="Label column of --data: a header name or a position counted from 1 (default: "
        "the last column; in a .npz archive, the array name, default y).",
    )(command)
    command = click.option(
        "--x",
        "x_columns",
        metavar="COLUMN[,COLUMN...]",
        help="Input columns of --data: header names or positions counted from 1, "
        "comma-separated (default: every column but the label; in a .npz archive, the array "
        "name, default X or x).",
    )(command)
    return click.option(
        "--data",
        "data_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=DATA_HELP,
    )(command)


def _data_options(command: Callable) -> Callable:
    """The options ``--example`` and ``--data`` (exactly one of them is required), with the
    column choice ``--x``, ``--y``."""
    command = _table_options(command)
    return click.option(
        "--example",
        type=click.Choice(sorted(EXAMPLES)),
        help="A built-in 1-D data set (exact rationals).",
    )(command)


def _architecture_options(command: Callable) -> Callable:
    """The options ``--activation``, ``--depth``, ``--norm``, ``--dedupe`` and
    ``--max-features`` of a single dictionary."""
    for option in reversed(
        [
            click.option(
                "--activation",
                type=click.Choice(ACTIVATIONS),
                default="relu",
                show_default=True,
                help="Activation of every hidden layer.",
            ),
            click.option(
                "--depth",
                type=click.IntRange(min=2, max=MAX_DEPTH),
                default=2,
                show_default=True,
                help=f"Number of layers, 2 <= L <= {MAX_DEPTH} (L - 1 hidden layers and the "
                "linear output).",
            ),
            click.option(
                "--norm",
                type=click.Choice(["1", "2"]),
                default="2",
                show_default=True,
                help="First-layer norm p of the penalty (matters for d >= 2 only).",
            ),
            click.option(
                "--dedupe/--no-dedupe",
                default=True,
                show_default=True,
                help="Remove columns equal up to a constant (and constant columns).",
            ),
            click.option(
                "--max-features",
                type=click.IntRange(min=1),
                help="For d >= 2: a seeded random sample of about this many columns.",
            ),
        ]
    ):
        command = option(command)
    return command


def _exact_data(
    example: str | None,
    data_path: Path | None,
    x_columns: str | None = None,
    y_column: str | None = None,
) -> tuple[list, list]:
    """``(X, y)`` from ``--example`` or ``--data`` (columns ``--x``, ``--y``) in exact
    rationals."""
    if (example is None) == (data_path is None):
        raise click.UsageError("give exactly one of --example or --data")
    if example is not None:
        if x_columns is not None or y_column is not None:
            raise click.UsageError("--x and --y choose columns of --data, not of --example")
        return load_example(example)
    return read_exact_table(data_path, x_columns, y_column)


def _labels(X, y) -> np.ndarray:
    """Float labels, validated (finite, squared norm within float64)."""
    from clifflasso._data import as_data, as_labels

    return as_labels([float(v) for v in y], as_data(X).n_samples)


def _build(
    X, activation: str, depth: int, norm: str, dedupe: bool, max_features: int | None
) -> Dictionary:
    arch = architecture(activation, depth, norm=int(norm))
    check_dictionary_size(X, arch, max_features)
    return clifflasso.dictionary(X, arch, dedupe=dedupe, max_features=max_features)


def _summary(D: Dictionary) -> str:
    n, d = D.X.shape
    return (
        f"{D.arch.activation} depth {D.arch.depth} on N={n} points (d={d}): family "
        f"{D.family.name!r}, {len(D)} columns (raw {D.n_raw}, {D.n_removed} removed)"
    )


def _solver_error(where: str, exc: Exception) -> click.ClickException:
    return click.ClickException(f"{where}: the solver failed: {exc}")


@click.group(cls=_Group)
@click.version_option(package_name="clifflasso")
def main() -> None:
    """Train neural networks as convex Lasso problems over closed-form feature dictionaries."""


main.add_command(experiment)
main.add_command(forecast)


@main.command()
@_data_options
@_architecture_options
@click.option(
    "--latex",
    is_flag=True,
    help="Print the formulas as a LaTeX align* environment instead of sympy text.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Print only the first LIMIT columns (default: all).",
)
@click.option(
    "--symbols",
    type=click.IntRange(min=2, max=MAX_SYMBOLIC_POINTS),
    metavar="N",
    help=f"Instead of data: N symbolic points x_1 < ... < x_N, 2 <= N <= "
    f"{MAX_SYMBOLIC_POINTS} (1-D; the Lasso solution in symbols, N <= 3, is "
    "clifflasso.symbolic_lasso in Python).",
)
def derive(
    example,
    data_path,
    x_columns,
    y_column,
    activation,
    depth,
    norm,
    dedupe,
    max_features,
    latex,
    limit,
    symbols,
) -> None:
    """Print the dictionary of one architecture on the data: each column's closed-form
    feature formula, kind, generating data points and kinks (labels y are not used). With
    --symbols N, the columns on N symbolic points instead."""
    import sympy as sp

    if symbols is not None:
        if example is not None or data_path is not None:
            raise click.UsageError("--symbols replaces --example and --data")
        _derive_symbolic(architecture(activation, depth), symbols, dedupe, latex, limit)
        return
    X, _ = _exact_data(example, data_path, x_columns, y_column)
    D = _build(X, activation, depth, norm, dedupe, max_features)
    columns = range(len(D) if limit is None else min(limit, len(D)))
    symbols = (
        sp.symbols(f"x_1:{D.data.dim + 1}", real=True)
        if D.family.vector_input
        else sp.Symbol("x", real=True)
    )
    variables = ", ".join(sp.latex(s) for s in (symbols if D.family.vector_input else [symbols]))
    formulas = [
        D.expressions(symbols, columns=[j])[0]
        for j in _progress(columns, "closed forms", total=len(columns))
    ]
    _echo(("% " if latex else "") + _summary(D))
    features = D.features
    if latex:
        _echo(r"\begin{align*}")
    for j, formula in zip(columns, formulas):
        feature = features[j]
        kinks = ", ".join(f"{b:g}" for b in feature.breakpoints)
        indices = ", ".join(str(i) for i in feature.indices)
        where = f"{feature.kind}, data ({indices})" + (f", kinks {kinks}" if kinks else "")
        if latex:
            _echo(rf"F_{{{j}}}({variables}) &= {sp.latex(formula)} && \text{{{where}}}\\")
        else:
            _echo(f"[{j}] {where}: {formula}")
    if latex:
        _echo(r"\end{align*}")
    if len(columns) < len(D):
        _echo(("% " if latex else "") + f"... {len(D) - len(columns)} more columns")


def _derive_symbolic(
    arch: clifflasso.Architecture, n_points: int, dedupe: bool, latex: bool, limit: int | None
) -> None:
    """``derive --symbols N``: the columns of ``arch`` on N symbolic points."""
    import sympy as sp

    from clifflasso.exact import symbolic_dictionary

    try:
        D = symbolic_dictionary(arch, n_points, dedupe=dedupe)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    shown = len(D.features) if limit is None else min(limit, len(D.features))
    gaps = ", ".join(
        f"x_{n} = x_1 + " + " + ".join(f"d_{k}" for k in range(1, n))
        for n in range(2, n_points + 1)
    )
    prefix = "% " if latex else ""
    _echo(
        f"{prefix}{arch.activation} depth {arch.depth} on N={n_points} symbolic points "
        f"x_1 < ... < x_{n_points} ({gaps}; gaps d_k > 0): family {D.family_name!r}, "
        f"{len(D.features)} columns (raw {D.n_raw}, {D.n_raw - len(D.features)} removed)"
    )
    if latex:
        _echo(r"\begin{align*}")
    for j, formula in enumerate(D.features[:shown]):
        if latex:
            _echo(rf"F_{{{j}}}(x) &= {sp.latex(formula)}\\")
        else:
            _echo(f"[{j}] {formula}")
    if latex:
        _echo(r"\end{align*}")
    if shown < len(D.features):
        _echo(f"{prefix}... {len(D.features) - shown} more columns")


@main.command()
@_data_options
@click.option(
    "--activation",
    "activations",
    type=ActivationList(),
    default="relu,abs",
    show_default=True,
    help=f"Activations of the hidden layers, comma-separated, among {', '.join(ACTIVATIONS)}.",
)
@click.option(
    "--depth",
    "depths",
    metavar="L[,L...]",
    default="2,3,4",
    show_default=True,
    help=f"Number of layers, 2 <= L <= {MAX_DEPTH}, as in the other verbs; here a "
    "comma-separated list fits several.",
)
@click.option("--depths", "depths_alias", hidden=True, help="The former name of --depth.")
@click.option(
    "--norm",
    type=click.Choice(["1", "2"]),
    default="2",
    show_default=True,
    help="First-layer norm p of the penalty (matters for d >= 2 only; 1 makes the d-D "
    "families exact).",
)
@click.option(
    "--beta",
    default=1e-3,
    show_default=True,
    type=Number(floating=True),
    help="Regularisation strength >= 0, e.g. 0.01 or 1/100 (0: minimum-l1 interpolant).",
)
@click.option(
    "--dedupe/--no-dedupe",
    default=True,
    show_default=True,
    help="Remove columns equal up to a constant before solving.",
)
@click.option(
    "--certify/--no-certify",
    default=True,
    show_default=True,
    help="Certify each fit: is it the global optimum of the training problem? (one line each)",
)
@output_option(
    "--plot",
    "plot_path",
    plot=True,
    help="Write an image (PNG, PDF, SVG, ...) of the fitted functions with kinks marked.",
)
def fit(
    example,
    data_path,
    x_columns,
    y_column,
    activations,
    depths,
    depths_alias,
    norm,
    beta,
    dedupe,
    certify,
    plot_path,
) -> None:
    """Fit the Lasso for each activation and depth, rebuild the networks and report them.

    Each fit is f(x) = xi + sum_j z_j F_j(x): xi is the output bias (intercept), F_j column j
    of the dictionary, numbered from 0 as `clifflasso derive` and `clifflasso export` number
    it (same --dedupe). Only active units are listed (|z_j| > 1e-7 max|z|); coefficients are
    shown as fractions when the data are rational and the fractions pass an exact KKT check.
    """
    from clifflasso.lasso.solution import ACTIVE_TOLERANCE

    if depths_alias is not None:
        source = click.get_current_context().get_parameter_source("depths")
        if source is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError("give --depth (or its former name --depths) once")
        depths = depths_alias
    combinations = [(a, depth) for a in activations for depth in _depths(depths)]
    architectures = [architecture(a, depth, norm=int(norm)) for a, depth in combinations]
    X, y = _exact_data(example, data_path, x_columns, y_column)
    labels = _labels(X, y)
    for arch in architectures:  # every size is checked before the first solve
        check_dictionary_size(X, arch)
    if example is not None:
        click.echo(f"example {example!r}: {EXAMPLES[example][2]}")
    solutions, titles = [], []
    bar = _progress(architectures, "architectures")
    for arch in bar:
        activation, depth = arch.activation, arch.depth
        bar.set_postfix_str(f"{activation} L={depth}")
        D = clifflasso.dictionary(X, arch, dedupe=dedupe)
        try:
            solution = clifflasso.solve(D, labels, beta)
        except clifflasso.SolverError as exc:
            raise _solver_error(f"{activation} depth {depth}", exc) from exc
        network_value = solution.network.objective(D.X, labels, beta)
        exact = solution.rationalised
        active = solution.active
        intercept = exact.intercept if exact is not None else f"{solution.intercept:.6g}"
        lines = [
            f"\n{activation} depth {depth}: {D.shape[1]} columns F_0..F_{D.shape[1] - 1} "
            f"(raw family {D.n_raw}, {D.n_removed} removed), beta_max = {solution.beta_max:.6g}",
            f"  Lasso objective {solution.objective:.10g} | rebuilt network objective "
            f"{network_value:.10g} | {active.size} active units (|z_j| > "
            f"{ACTIVE_TOLERANCE:g} max|z|), ||z||_1 = {solution.l1_norm:.6g}",
            f"  f(x) = xi + sum_j z_j F_j(x), output bias xi = {intercept}"
            + (" (fractions: exactly optimal)" if exact is not None else "")
            + "; j and data indices count from 0",
        ]
        for j in active:
            feature = D.features[int(j)]
            kinks = ", ".join(f"{b:g}" for b in feature.breakpoints)
            z = str(exact.z[j]) if exact is not None else f"{solution.z[j]:+.6g}"
            # d-D features have kink hyperplanes, not kink points: the data indices say it
            lines.append(
                f"    j = {int(j):<4} z = {z:<12} {feature.kind:<10} data {feature.indices}"
                + (f"  kinks [{kinks}]" if D.X.shape[1] == 1 else "")
            )
        if certify:
            lines.append(f"  certificate: {certificate_line(clifflasso.certify(solution))}")
        _echo("\n".join(lines))
        solutions.append(solution)
        titles.append(f"{activation}, L={depth}, obj={solution.objective:.4g}")
    if plot_path is not None:
        from clifflasso.plot import plot_fits

        write_plot(lambda name: plot_fits(solutions, titles, name), plot_path)
        click.echo(f"\nwrote {plot_path}")


def _exact_cost_options(command: Callable) -> Callable:
    """The options ``--force`` and ``--limit-denominator`` of exact work (``path --exact``,
    ``export --exact``)."""
    command = click.option(
        "--limit-denominator",
        type=click.IntRange(min=1),
        metavar="K",
        help="Round every input and label to the nearest fraction with denominator <= K "
        "(Fraction.limit_denominator) before anything else; a line on standard error says so.",
    )(command)
    return click.option(
        "--force",
        is_flag=True,
        help="Run exact work even when its estimated time (from N, the number of columns and "
        "the size of the data's fractions) is above the limit of one minute.",
    )(command)


def _rounded(X: list, y: list, limit: int, *, err: bool) -> tuple[list, list]:
    """``X`` and ``y`` rounded entrywise by ``Fraction.limit_denominator(limit)``, with a line
    that says so and gives the largest change (on standard error with ``err``)."""
    changes = [0.0]

    def round_one(value: Fraction) -> Fraction:
        rounded = Fraction(value).limit_denominator(limit)
        changes.append(float(abs(rounded - value)))
        return rounded

    rounded_X = [tuple(map(round_one, x)) if isinstance(x, tuple) else round_one(x) for x in X]
    rounded_y = [round_one(v) for v in y]
    note = (
        f"data rounded to fractions with denominators <= {limit} (Fraction.limit_denominator): "
        f"largest change {max(changes):.3g}"
    )
    if err:
        click.echo(note, err=True)
    else:
        _echo(note)
    return rounded_X, rounded_y


def _check_exact_cost(X: list, y: list, arch: clifflasso.Architecture) -> None:
    """Refuse exact work estimated above the limit, before the dictionary is built
    (:func:`clifflasso.exact.exact_path_cost`); an exact solve at one beta runs the path down to
    that beta, so the same bound applies."""
    from clifflasso.exact import exact_path_cost

    try:
        problem = exact_path_cost(X, y, arch=arch).problem()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if problem is not None:
        raise click.UsageError(problem)


def _beta_grid(D: Dictionary, labels: np.ndarray, betas: str | None, num: int, ratio: float):
    """Decreasing betas: the given list, or ``num`` values geometrically spaced from
    beta_max down to ``ratio * beta_max``."""
    if betas is not None:
        return sorted(set(parse_numbers(betas, "--betas")), reverse=True)
    top = clifflasso.beta_max(D.matrix, labels, D.arch.output_bias)
    if top == 0:
        return [0.0]
    return sorted({float(v) for v in top * np.geomspace(1.0, ratio, num)}, reverse=True)


@main.command("path")
@_data_options
@_architecture_options
@click.option(
    "--exact",
    is_flag=True,
    help="The exact piecewise-linear path (rational homotopy): its breakpoints are found, "
    "not chosen. Needs rational feature values (1-D data, or --norm 1 in d-D).",
)
@_exact_cost_options
@click.option(
    "--betas",
    help="Comma-separated betas >= 0 of a numeric path (default: a geometric grid, see --num).",
)
@click.option(
    "--num",
    type=click.IntRange(min=2, max=100_000),
    default=25,
    show_default=True,
    help="Number of grid betas from beta_max down to --min-ratio * beta_max.",
)
@click.option(
    "--min-ratio",
    type=Number(floating=True, open_minimum=True, maximum=Fraction(1)),
    default=1e-3,
    show_default=True,
    help="Smallest grid beta relative to beta_max, in (0, 1].",
)
@click.option(
    "--solver",
    type=click.Choice(["homotopy", "cd", "clarabel"]),
    default="homotopy",
    show_default=True,
    help="Numeric path: one homotopy sweep, warm-started coordinate descent, or one Clarabel "
    "solve per beta.",
)
@output_option(
    "--plot",
    "plot_file",
    plot=True,
    help="Write an image (PNG, PDF, SVG, ...) of the coefficient paths and the optimal objective.",
)
def path_command(
    example,
    data_path,
    x_columns,
    y_column,
    activation,
    depth,
    norm,
    dedupe,
    max_features,
    exact,
    force,
    limit_denominator,
    betas,
    num,
    min_ratio,
    solver,
    plot_file,
) -> None:
    """Compute the Lasso solution path over beta and print, per breakpoint (exact) or grid
    beta (numeric), the optimal objective, the number of active units and the l1 norm.

    An exact path's cost is estimated first; above a minute it is refused (say --force, or
    round the data with --limit-denominator K) and otherwise shows each breakpoint as found.
    """
    from clifflasso.exact import ExactPath

    if exact and betas is not None:
        raise click.UsageError("--betas is for numeric paths; an exact path finds its own")
    grid = None if betas is None else sorted(set(parse_numbers(betas, "--betas")), reverse=True)
    X, y = _exact_data(example, data_path, x_columns, y_column)
    if limit_denominator is not None:
        X, y = _rounded(X, y, limit_denominator, err=False)
    labels = _labels(X, y)
    if exact and not force:  # the size first: a dictionary too large to build says so
        arch = architecture(activation, depth, norm=int(norm))
        check_dictionary_size(X, arch, max_features)
        _check_exact_cost(X, y, arch)
    D = _build(X, activation, depth, norm, dedupe, max_features)
    _echo(_summary(D))
    if exact:
        with _progress(None, "exact homotopy: breakpoints") as bar:

            def found(count: int, beta: Fraction) -> None:
                """One breakpoint more, shown with its beta."""
                bar.update()
                bar.set_postfix_str(f"beta = {float(beta):.6g}")

            try:
                path = ExactPath(D, y, force=True, progress=found)  # the cost is checked above
            except ValueError as exc:
                raise click.UsageError(str(exc)) from exc
        _echo(f"exact path: {len(path)} breakpoints, beta_max = {path.beta_max}")
    else:
        if grid is None:
            grid = _beta_grid(D, labels, None, num, min_ratio)
        with _progress(None, f"{solver} path", total=1) as bar:
            try:
                path = clifflasso.lasso_path(D, labels, grid, solver=solver)
            except clifflasso.SolverError as exc:
                raise _solver_error(f"{solver} path", exc) from exc
            bar.update()
        _echo(f"numeric path ({solver}): {len(grid)} betas, beta_max = {grid[0]:.6g}")
    _echo(f"{'beta':>24} {'objective':>16} {'active':>6} {'||z||_1':>12}")
    for beta in _progress(path.breakpoints, "solutions"):
        try:
            solution = path.solution(beta)
        except clifflasso.SolverError as exc:
            raise _solver_error(f"beta = {beta}", exc) from exc
        shown = f"{beta} ({float(beta):.6g})" if isinstance(beta, Fraction) else f"{beta:.6g}"
        _echo(
            f"{shown:>24} {float(solution.objective):>16.10g} {solution.active.size:>6} "
            f"{float(solution.l1_norm):>12.6g}"
        )
    if plot_file is not None:
        from clifflasso.plot import plot_path

        write_plot(lambda name: plot_path(path, name), plot_file)
        _echo(f"wrote {plot_file}")


def _read_data(
    path: Path, x_columns: str | None, y_column: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` in float64 from the shared reader (exact rationals rounded once)."""
    X, y = read_exact_table(path, x_columns, y_column)
    rows = [list(x) if isinstance(x, tuple) else [x] for x in X]
    return np.array([[float(v) for v in row] for row in rows]), np.array([float(v) for v in y])


@main.command()
@click.option("--quick", is_flag=True, help="Few small instances per theorem (under 30 s).")
@click.option(
    "--theorem",
    "theorems",
    multiple=True,
    help="Check only this theorem (repeatable); `--list` shows the names.",
)
@_table_options
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=0,
    show_default=True,
    help="Seed of the random instances.",
)
@click.option("--list", "list_only", is_flag=True, help="List the theorems and their sources.")
def verify(quick, theorems, data_path, x_columns, y_column, seed, list_only) -> None:
    """Check the theorems on seeded random instances (and, with --data, on that data table,
    for every theorem of matching dimension); exit 1 if any fails.

    One line per theorem: status, name, kind (equality / bound / identity / structure /
    counterexample), instances checked and the largest gap measured.
    """
    from clifflasso.proofs.theorems import REGISTRY, run

    if list_only:
        for theorem in REGISTRY.values():
            click.echo(f"{theorem.name:<34} {theorem.kind:<15} {theorem.source}")
        return
    unknown = [name for name in theorems if name not in REGISTRY]
    if unknown:
        raise click.BadParameter(
            f"unknown theorem {unknown[0]!r}; `clifflasso verify --list` shows the names",
            param_hint="--theorem",
        )
    if data_path is None and (x_columns is not None or y_column is not None):
        raise click.UsageError("--x and --y choose columns of --data")
    data = _read_data(data_path, x_columns, y_column) if data_path is not None else None
    names = list(theorems) or list(REGISTRY)
    started: list[str] = []
    with _progress(None, "theorems", total=len(names)) as bar:

        def advance(name: str) -> None:
            """Called as each theorem starts: count the previous one as done."""
            if started:
                bar.update()
            started.append(name)
            bar.set_postfix_str(name)

        try:
            reports = run(names, quick=quick, seed=seed, data=data, progress=advance)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        bar.update()
    for report in reports:
        click.echo(report.line())
        for failure in report.failures:
            click.echo(f"      {failure}")
    failed = sum(not r.passed for r in reports)
    click.echo(f"{len(reports) - failed} passed, {failed} failed")
    if failed:
        raise SystemExit(1)


# ----------------------------------------------------------------------------- export
EXPORT_FORMATS = ("latex", "python", "json", "npz", "torch")


def _float_beta(beta: Fraction) -> float:
    """An exact ``--beta`` for the float solver: within the float64 range."""
    try:
        value = float(beta)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or (value == 0 and beta != 0):
        raise click.BadParameter(
            "outside the float64 range of the numeric solver (use --exact)", param_hint="'--beta'"
        )
    return value


@main.command("export")
@_data_options
@click.option(
    "--activation",
    type=click.Choice(ACTIVATIONS),
    default="relu",
    show_default=True,
    help="Activation of every hidden layer.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=2, max=MAX_DEPTH),
    default=2,
    show_default=True,
    help=f"Number of layers, 2 <= L <= {MAX_DEPTH}.",
)
@click.option(
    "--beta",
    type=Number(floating=False),
    default="1/1000",
    show_default=True,
    help="Regularisation strength, an exact rational such as 1/10 (0: min-l1 interpolant).",
)
@click.option(
    "--exact/--numeric",
    default=True,
    show_default=True,
    help="Exact rational homotopy (its cost estimated first), or the float solver.",
)
@_exact_cost_options
@click.option(
    "--dedupe/--no-dedupe",
    default=True,
    show_default=True,
    help="Remove columns equal up to a constant (and constant columns); the column numbers j "
    "are those `clifflasso derive` prints with the same choice.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    required=True,
    help="latex, python (module source), json (clifflasso.solution/1), npz (network arrays) or "
    "torch (torch.save of the chain network's nn.Module; needs PyTorch).",
)
@click.option(
    "--standalone",
    is_flag=True,
    help="latex: a complete document that compiles with pdflatex (the default when --output "
    "ends in .tex).",
)
@output_option(
    "--output",
    help="Output file, written atomically (default: standard output; needed for npz, torch).",
)
def export(
    example,
    data_path,
    x_columns,
    y_column,
    activation,
    depth,
    beta,
    exact,
    force,
    limit_denominator,
    dedupe,
    fmt,
    standalone,
    output,
):
    """Solve the Lasso of one architecture and export the solution (only its active units:
    |z_j| > 1e-7 max|z|). Columns j count from 0, as in `clifflasso derive`."""
    import clifflasso
    from clifflasso import export as exporter

    if fmt in ("npz", "torch") and output is None:
        raise click.UsageError(f"--format {fmt} needs --output FILE")
    if not exact:
        beta = _float_beta(beta)
    X, y = _exact_data(example, data_path, x_columns, y_column)
    if limit_denominator is not None:
        X, y = _rounded(X, y, limit_denominator, err=True)
    arch = architecture(activation, depth)
    check_dictionary_size(X, arch)
    if exact and not force:
        _check_exact_cost(X, y, arch)
    D = clifflasso.dictionary(X, arch, dedupe=dedupe)
    if exact:
        solution = clifflasso.solve(D, y, beta, exact=True)
    else:
        solution = clifflasso.solve(D, [float(v) for v in y], float(beta))
    if fmt == "npz":
        exporter.to_npz(solution, output)
        click.echo(f"wrote {output}", err=True)
        return
    if fmt == "torch":
        try:
            module = exporter.to_torch(solution)
        except ImportError as exc:
            raise click.ClickException(str(exc)) from exc
        import torch

        with exporter.atomic_output(output) as temporary:
            torch.save(module, temporary)
        click.echo(f"wrote {output}", err=True)
        return
    if fmt == "latex" and (standalone or (output is not None and output.suffix == ".tex")):
        text = exporter.to_latex(solution, standalone=True)
    else:
        text = {
            "latex": exporter.to_latex,
            "python": exporter.to_python,
            "json": exporter.to_json,
        }[fmt](solution)
    if output is None:
        click.echo(text, nl=False)
    else:
        exporter.write_text(output, text)
        click.echo(f"wrote {output}", err=True)
