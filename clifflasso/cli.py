"""Command line: ``clifflasso fit``."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from clifflasso.architecture import ACTIVATIONS, Architecture
from clifflasso.dictionary import dictionary
from clifflasso.exact.cli import export
from clifflasso.examples import EXAMPLES, load_example
from clifflasso.experiments.cli import experiment
from clifflasso.numeric.lasso import solve


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


@click.group()
@click.version_option(package_name="clifflasso")
def main() -> None:
    """Train neural networks as convex Lasso problems over closed-form feature dictionaries."""


main.add_command(export)
main.add_command(experiment)


@main.command()
@click.option(
    "--example",
    type=click.Choice(sorted(EXAMPLES)),
    help="A built-in 1-D data set (exact rationals).",
)
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV (comma-separated, last column y) or .npy array with columns x..., y.",
)
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
    if (example is None) == (data_path is None):
        raise click.UsageError("give exactly one of --example or --data")
    if example is not None:
        X, y = load_example(example)
        click.echo(f"example {example!r}: {EXAMPLES[example][2]}")
    else:
        X, y = _read_data(data_path)
    labels = np.array([float(v) for v in y])
    solutions, titles = [], []
    for activation in [a.strip() for a in activations.split(",") if a.strip()]:
        for depth in _int_list(depths):
            try:
                arch = Architecture(activation, depth)
                D = dictionary(X, arch, dedupe=dedupe)
            except ValueError as exc:
                raise click.UsageError(str(exc)) from exc
            solution = solve(D, labels, beta)
            network_value = solution.network.objective(D.X, labels, beta)
            click.echo(
                f"\n{activation} depth {depth}: {D.shape[1]} columns (raw family {D.n_raw}, "
                f"{D.n_removed} removed), beta_max = {solution.beta_max:.6g}"
            )
            click.echo(
                f"  Lasso objective {solution.objective:.10g} | rebuilt network objective "
                f"{network_value:.10g} | {solution.support.size} active units, "
                f"||z||_1 = {solution.l1_norm:.6g}, xi = {solution.intercept:.6g}"
            )
            for j in solution.support:
                feature = D.features[int(j)]
                kinks = ", ".join(f"{b:g}" for b in feature.breakpoints)
                click.echo(
                    f"    z = {solution.z[j]:+.6f}  {feature.kind:<10} data {feature.indices}"
                    f"  kinks [{kinks}]"
                )
            solutions.append(solution)
            titles.append(f"{activation}, L={depth}, obj={solution.objective:.4g}")
    if plot_path is not None:
        from clifflasso.plot import plot_fits

        plot_fits(solutions, titles, str(plot_path))
        click.echo(f"\nwrote {plot_path}")


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
    try:
        reports = run(list(theorems) or None, quick=quick, seed=seed, data=data)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    for report in reports:
        click.echo(report.line())
        for failure in report.failures:
            click.echo(f"      {failure}")
    failed = sum(not r.passed for r in reports)
    click.echo(f"{len(reports) - failed} passed, {failed} failed")
    if failed:
        raise SystemExit(1)
