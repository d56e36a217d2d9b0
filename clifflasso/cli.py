"""Command line: ``clifflasso derive | fit | path | verify | export | experiment``.

Steps that can take longer than a second (solving several architectures, a solution path,
the symbolic closed forms of a large dictionary, the theorem checks) show a tqdm progress bar
on standard error when it is a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path

import click
import numpy as np
import sympy as sp
from tqdm import tqdm

from clifflasso.architecture import ACTIVATIONS, Architecture
from clifflasso.dictionary import Dictionary, dictionary
from clifflasso.exact.cli import export, read_exact_table
from clifflasso.exact.path import lasso_path
from clifflasso.examples import EXAMPLES, load_example
from clifflasso.experiments.cli import experiment
from clifflasso.numeric.lasso import beta_max, solve


def _read_data(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if path.suffix == ".npy":
        table = np.load(path)
    else:
        table = np.loadtxt(path, delimiter=",", ndmin=2)
    if table.ndim != 2 or table.shape[1] < 2:
        raise click.BadParameter(f"{path} must hold columns x..., y (got shape {table.shape})")
    return table[:, :-1], table[:, -1]


def _int_list(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from exc


def _progress(items: Iterable, description: str, total: int | None = None) -> tqdm:
    """A progress bar on standard error, shown only when it is a terminal."""
    return tqdm(items, desc=description, total=total, leave=False, disable=None, file=sys.stderr)


def _echo(text: str = "") -> None:
    """``click.echo`` that clears the progress bars on the terminal first and redraws them."""
    with tqdm.external_write_mode():
        click.echo(text)


def _data_options(command: Callable) -> Callable:
    """The options ``--example`` and ``--data`` (exactly one of them is required)."""
    command = click.option(
        "--data",
        "data_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="CSV (comma-separated rows x..., y; entries such as 1/3 or 0.25 are read exactly) "
        "or .npy array with columns x..., y.",
    )(command)
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
                type=click.IntRange(min=2),
                default=2,
                show_default=True,
                help="Number of layers L >= 2 (L - 1 hidden layers and the linear output).",
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


def _exact_data(example: str | None, data_path: Path | None) -> tuple[list, list]:
    """``(X, y)`` from ``--example`` or ``--data`` in exact rationals."""
    if (example is None) == (data_path is None):
        raise click.UsageError("give exactly one of --example or --data")
    if example is not None:
        return load_example(example)
    return read_exact_table(data_path)


def _build(
    X, activation: str, depth: int, norm: str, dedupe: bool, max_features: int | None
) -> Dictionary:
    try:
        return dictionary(
            X,
            Architecture(activation, depth, norm=int(norm)),
            dedupe=dedupe,
            max_features=max_features,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def _summary(D: Dictionary) -> str:
    n, d = D.X.shape
    return (
        f"{D.arch.activation} depth {D.arch.depth} on N={n} points (d={d}): family "
        f"{D.family.name!r}, {len(D)} columns (raw {D.n_raw}, {D.n_removed} removed)"
    )


@click.group()
@click.version_option(package_name="clifflasso")
def main() -> None:
    """Train neural networks as convex Lasso problems over closed-form feature dictionaries."""


main.add_command(export)
main.add_command(experiment)


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
def derive(example, data_path, activation, depth, norm, dedupe, max_features, latex, limit) -> None:
    """Print the dictionary of one architecture on the data: each column's closed-form
    feature formula, kind, generating data points and kinks (labels y are not used)."""
    X, _ = _exact_data(example, data_path)
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


@main.command()
@_data_options
@click.option(
    "--activation",
    "activations",
    default="relu,abs",
    show_default=True,
    help=f"Comma-separated activations among {', '.join(ACTIVATIONS)}.",
)
@click.option("--depths", default="2,3,4", show_default=True, help="Comma-separated depths L >= 2.")
@click.option(
    "--beta",
    default=1e-3,
    show_default=True,
    type=float,
    help="Regularisation strength (0: minimum-l1 interpolant).",
)
@click.option(
    "--dedupe/--no-dedupe",
    default=True,
    show_default=True,
    help="Remove columns equal up to a constant before solving.",
)
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a PNG of the fitted functions with kinks marked.",
)
def fit(example, data_path, activations, depths, beta, dedupe, plot_path) -> None:
    """Fit the Lasso for each activation and depth, rebuild the networks and report them."""
    X, y = _exact_data(example, data_path)
    if example is not None:
        click.echo(f"example {example!r}: {EXAMPLES[example][2]}")
    labels = np.array([float(v) for v in y])
    combinations = [
        (activation, depth)
        for activation in [a.strip() for a in activations.split(",") if a.strip()]
        for depth in _int_list(depths)
    ]
    solutions, titles = [], []
    bar = _progress(combinations, "architectures")
    for activation, depth in bar:
        bar.set_postfix_str(f"{activation} L={depth}")
        try:
            arch = Architecture(activation, depth)
            D = dictionary(X, arch, dedupe=dedupe)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        solution = solve(D, labels, beta)
        network_value = solution.network.objective(D.X, labels, beta)
        lines = [
            f"\n{activation} depth {depth}: {D.shape[1]} columns (raw family {D.n_raw}, "
            f"{D.n_removed} removed), beta_max = {solution.beta_max:.6g}",
            f"  Lasso objective {solution.objective:.10g} | rebuilt network objective "
            f"{network_value:.10g} | {solution.support.size} active units, "
            f"||z||_1 = {solution.l1_norm:.6g}, xi = {solution.intercept:.6g}",
        ]
        for j in solution.support:
            feature = D.features[int(j)]
            kinks = ", ".join(f"{b:g}" for b in feature.breakpoints)
            lines.append(
                f"    z = {solution.z[j]:+.6f}  {feature.kind:<10} data {feature.indices}"
                f"  kinks [{kinks}]"
            )
        _echo("\n".join(lines))
        solutions.append(solution)
        titles.append(f"{activation}, L={depth}, obj={solution.objective:.4g}")
    if plot_path is not None:
        from clifflasso.plot import plot_fits

        plot_fits(solutions, titles, str(plot_path))
        click.echo(f"\nwrote {plot_path}")


def _beta_grid(D: Dictionary, labels: np.ndarray, betas: str | None, num: int, ratio: float):
    """Decreasing betas: the given list, or ``num`` values geometrically spaced from
    beta_max down to ``ratio * beta_max``."""
    if betas is not None:
        try:
            values = [float(v) for v in betas.split(",") if v.strip()]
        except ValueError as exc:
            raise click.BadParameter(f"expected comma-separated numbers, got {betas!r}") from exc
        if not values or any(not v >= 0 for v in values):
            raise click.BadParameter(f"betas must be numbers >= 0, got {betas!r}")
        return sorted(set(values), reverse=True)
    top = beta_max(D.matrix, labels, D.arch.output_bias)
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
@click.option(
    "--betas",
    help="Comma-separated betas of a numeric path (default: a geometric grid, see --num).",
)
@click.option(
    "--num",
    type=click.IntRange(min=2),
    default=25,
    show_default=True,
    help="Number of grid betas from beta_max down to --min-ratio * beta_max.",
)
@click.option(
    "--min-ratio",
    type=click.FloatRange(min=0, min_open=True, max=1),
    default=1e-3,
    show_default=True,
    help="Smallest grid beta relative to beta_max.",
)
@click.option(
    "--solver",
    type=click.Choice(["homotopy", "cd", "clarabel"]),
    default="homotopy",
    show_default=True,
    help="Numeric path: one homotopy sweep, warm-started coordinate descent, or one Clarabel "
    "solve per beta.",
)
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a PNG of the coefficient paths and the optimal objective.",
)
def path_command(
    example,
    data_path,
    activation,
    depth,
    norm,
    dedupe,
    max_features,
    exact,
    betas,
    num,
    min_ratio,
    solver,
    plot_file,
) -> None:
    """Compute the Lasso solution path over beta and print, per breakpoint (exact) or grid
    beta (numeric), the optimal objective, the number of active units and the l1 norm."""
    X, y = _exact_data(example, data_path)
    D = _build(X, activation, depth, norm, dedupe, max_features)
    _echo(_summary(D))
    if exact:
        if betas is not None:
            raise click.UsageError("--betas is for numeric paths; an exact path finds its own")
        with _progress(None, "exact homotopy", total=1) as bar:
            try:
                path = lasso_path(D, y, exact=True)
            except ValueError as exc:
                raise click.UsageError(str(exc)) from exc
            bar.update()
        _echo(f"exact path: {len(path)} breakpoints, beta_max = {path.beta_max}")
    else:
        labels = np.array([float(v) for v in y])
        grid = _beta_grid(D, labels, betas, num, min_ratio)
        with _progress(None, f"{solver} path", total=1) as bar:
            path = lasso_path(D, labels, grid, solver=solver)
            bar.update()
        _echo(f"numeric path ({solver}): {len(grid)} betas, beta_max = {grid[0]:.6g}")
    _echo(f"{'beta':>24} {'objective':>16} {'active':>6} {'||z||_1':>12}")
    for beta in _progress(path.breakpoints, "solutions"):
        solution = path.solution(beta)
        shown = f"{beta} ({float(beta):.6g})" if isinstance(beta, Fraction) else f"{beta:.6g}"
        _echo(
            f"{shown:>24} {float(solution.objective):>16.10g} {solution.support.size:>6} "
            f"{float(solution.l1_norm):>12.6g}"
        )
    if plot_file is not None:
        from clifflasso.plot import plot_path

        plot_path(path, str(plot_file))
        _echo(f"wrote {plot_file}")


@main.command()
@click.option("--quick", is_flag=True, help="Few small instances per theorem (under 30 s).")
@click.option(
    "--theorem",
    "theorems",
    multiple=True,
    help="Check only this theorem (repeatable); `--list` shows the names.",
)
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also check every theorem of matching dimension on this CSV/.npy data (x..., y).",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the random instances.")
@click.option("--list", "list_only", is_flag=True, help="List the theorems and their sources.")
def verify(quick, theorems, data_path, seed, list_only) -> None:
    """Check the theorems on seeded random instances; exit 1 if any fails.

    One line per theorem: status, name, kind (equality / bound / identity / structure /
    counterexample), instances checked and the largest gap measured.
    """
    from clifflasso.proofs.theorems import REGISTRY, run

    if list_only:
        for theorem in REGISTRY.values():
            click.echo(f"{theorem.name:<34} {theorem.kind:<15} {theorem.source}")
        return
    data = _read_data(data_path) if data_path is not None else None
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
