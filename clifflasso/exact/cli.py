"""Command line: ``clifflasso export`` (registered on the main group by ``clifflasso.cli``)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import click
import numpy as np

from clifflasso.architecture import ACTIVATIONS, Architecture
from clifflasso.dictionary import dictionary
from clifflasso.exact.path import as_exact_beta, exact_solve
from clifflasso.examples import EXAMPLES, load_example
from clifflasso.numeric.lasso import solve

FORMATS = ("latex", "python", "json", "npz")


def read_exact_table(path: Path) -> tuple[list, list]:
    """Columns ``x..., y`` of a CSV (entries parsed exactly: ``0.1`` is 1/10, ``1/3`` allowed)
    or an ``.npy`` array (floats at their binary value)."""
    if path.suffix == ".npy":
        rows = [[Fraction(float(v)) for v in row] for row in np.atleast_2d(np.load(path))]
    else:
        rows = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                rows.append([Fraction(v.strip()) for v in line.split(",")])
            except ValueError as exc:
                raise click.BadParameter(f"{path}:{number}: not a rational number: {exc}") from exc
    if not rows or len({len(r) for r in rows}) != 1 or len(rows[0]) < 2:
        raise click.BadParameter(f"{path} must hold rows x..., y of equal length (at least 2)")
    X = [r[:-1] if len(r) > 2 else r[0] for r in rows]
    return X, [r[-1] for r in rows]


@click.command("export")
@click.option("--example", type=click.Choice(sorted(EXAMPLES)), help="A built-in 1-D data set.")
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV (x..., y; rationals such as 1/3 or 0.25 read exactly) or .npy array.",
)
@click.option(
    "--activation",
    type=click.Choice(ACTIVATIONS),
    default="relu",
    show_default=True,
    help="Activation of every hidden layer.",
)
@click.option("--depth", type=int, default=2, show_default=True, help="Number of layers L >= 2.")
@click.option(
    "--beta",
    default="1/1000",
    show_default=True,
    help="Regularisation strength, an exact rational such as 1/10 (0: min-l1 interpolant).",
)
@click.option(
    "--exact/--numeric",
    default=True,
    show_default=True,
    help="Exact rational homotopy, or the float solver (cvxpy/Clarabel).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="latex, python (module source), json (clifflasso.solution/1) or npz (network).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (default: standard output; required for npz).",
)
def export(example, data_path, activation, depth, beta, exact, fmt, output) -> None:
    """Solve the Lasso of one architecture and export the solution."""
    from clifflasso import export as exporter

    if (example is None) == (data_path is None):
        raise click.UsageError("give exactly one of --example or --data")
    if fmt == "npz" and output is None:
        raise click.UsageError("--format npz needs --output FILE")
    X, y = load_example(example) if example is not None else read_exact_table(data_path)
    try:
        value = as_exact_beta(beta)
        D = dictionary(X, Architecture(activation, depth))
        solution = exact_solve(D, y, value) if exact else solve(D, y, float(value))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if fmt == "npz":
        exporter.to_npz(solution, output)
        click.echo(f"wrote {output}", err=True)
        return
    text = {
        "latex": exporter.to_latex,
        "python": exporter.to_python,
        "json": exporter.to_json,
    }[fmt](solution)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
        click.echo(f"wrote {output}", err=True)
