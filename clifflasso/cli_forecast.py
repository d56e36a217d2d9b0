r"""Command line: ``clifflasso forecast`` (registered on the main group).

Fits an autoregressive network :math:`\hat y_t = f(y_{t-1}, \dots, y_{t-p})` to one column of
a CSV table (or a shipped series) by the convex Lasso
(:class:`~clifflasso.timeseries.ConvexAutoRegressor`), certifies it, prints the recursive
forecast and optionally plots the series, the forecast and the kinks. The time-series modules
are imported when the command runs, so the program starts without them.
"""

from __future__ import annotations

import math
from pathlib import Path

import click

from clifflasso.architecture import ACTIVATIONS
from clifflasso.cli_support import MAX_DEPTH, Number, output_option, write_plot

#: Shipped series the ``--series`` option offers.
SHIPPED = ("sunspots", "nile")


def _beta(ctx: click.Context, param: click.Parameter, value: str) -> float | str:
    if value.strip().lower() == "auto":
        return "auto"
    return Number(floating=True).convert(value, param, ctx)


def _load(data_path: Path | None, column: str | None, series: str | None):
    """``(values, times, name, description)`` of the chosen series; times may be None."""
    if (data_path is None) == (series is None):
        raise click.UsageError("give exactly one of --data and --series")
    if series is not None:
        if column is not None:
            raise click.UsageError("--column is for --data; a shipped series has one column")
        from clifflasso.datasets import shipped_series

        shipped = shipped_series(series)
        years = f"{shipped.years[0]}-{shipped.years[-1]}"
        return shipped.values, shipped.years, shipped.column, f"{series} ({years})"
    if column is None:
        raise click.UsageError("--data needs --column (a header name or a position from 1)")
    from clifflasso._data import read_column

    name, values = read_column(data_path, column)
    return values, None, name, f"{data_path} column {name!r}"


@click.command()
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV table with a header line; one column is the series (empty or NA = missing).",
)
@click.option("--column", help="The series column of --data: a header name or a position from 1.")
@click.option("--series", type=click.Choice(SHIPPED), help="A shipped yearly series instead.")
@click.option(
    "--lags",
    type=click.IntRange(min=1, max=50),
    default=1,
    show_default=True,
    help="Order p: the network sees y[t-1], ..., y[t-p].",
)
@click.option(
    "--activation",
    type=click.Choice(ACTIVATIONS),
    default="relu",
    show_default=True,
    help="Activation of every hidden layer (two lags or more: relu or abs).",
)
@click.option(
    "--depth",
    type=click.IntRange(min=2, max=MAX_DEPTH),
    default=2,
    show_default=True,
    help="Layers L of each chain.",
)
@click.option(
    "--beta",
    default="auto",
    show_default=True,
    callback=_beta,
    help="Regularisation strength >= 0, or 'auto' (chosen on the last quarter of the windows).",
)
@click.option(
    "--horizon",
    type=click.IntRange(min=1, max=10_000),
    default=12,
    show_default=True,
    help="Steps of the recursive forecast after the end of the series.",
)
@click.option(
    "--test",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Hold out the last TEST values: fit on the rest, report the one-step test RMSE.",
)
@click.option(
    "--certify/--no-certify",
    default=True,
    show_default=True,
    help="Prove (or refute) that the trained network is the global optimum.",
)
@output_option(
    "--plot",
    "plot_path",
    plot=True,
    help="Write an image (PNG, PDF, SVG, ...) of the series, forecast and kinks.",
)
def forecast(
    data_path, column, series, lags, activation, depth, beta, horizon, test, certify, plot_path
) -> None:
    """Fit an autoregressive network to a series by the convex Lasso, certify it and forecast
    HORIZON steps ahead."""
    import numpy as np

    from clifflasso.timeseries import ConvexAutoRegressor, kink_counts

    values, times, name, description = _load(data_path, column, series)
    if test >= values.shape[0] - lags - 1:
        raise click.UsageError(
            f"--test {test} leaves too few of the {values.shape[0]} values to train on"
        )
    train = values[: values.shape[0] - test]
    model = ConvexAutoRegressor(lags=lags, activation=activation, depth=depth, beta=beta)
    model.fit(train)
    click.echo(
        f"{description}: {values.shape[0]} values, {model.n_windows_} training windows of "
        f"AR({lags}), {model.n_distinct_} distinct inputs"
    )
    click.echo(f"{activation} depth {depth}: {model.method_} ({model.method_reason_})")
    chosen = " (chosen on held-out windows)" if beta == "auto" else ""
    click.echo(
        f"  beta = {model.beta_:.6g} = {model.beta_fraction_:.3g} beta_max{chosen}; objective "
        f"{model.objective_:.10g}; {model.active_units} active units; fit "
        f"{model.fit_seconds_:.2f} s"
    )
    if lags == 1:
        counts = kink_counts(model.kinks())
        click.echo("  kinks: " + ", ".join(f"{kind} {count}" for kind, count in counts.items()))
    if certify:
        certificate = model.certify()
        click.echo(f"  certificate: {certificate.verdict} ({certificate.kind})")
    if test:
        predicted = model.predict(values)[-test:]
        known = np.isfinite(predicted) & np.isfinite(values[-test:])
        if known.any():
            error = math.sqrt(float(np.mean((predicted[known] - values[-test:][known]) ** 2)))
            click.echo(f"  one-step test RMSE over the last {test} values: {error:.6g}")
    ahead = model.forecast(horizon, history=values)
    click.echo(f"forecast ({horizon} steps): " + ", ".join(f"{v:.6g}" for v in ahead))
    if plot_path is not None:
        from clifflasso.timeseries.plot import plot_forecast

        write_plot(
            lambda target: plot_forecast(
                model,
                values,
                horizon,
                target,
                times=times,
                name=name,
                time_label="year" if times is not None else "index",
            ),
            plot_path,
        )
        click.echo(f"wrote {plot_path}")
