"""Command line: ``clifflasso experiment sentiment | forecast`` (registered on the main group)."""

from __future__ import annotations

import click

from clifflasso.cli_support import output_option, write_plot


@click.group()
def experiment() -> None:
    """Experiments on the shipped real data sets."""


@experiment.command()
@click.option("--quick", is_flag=True, help="Small training sets and few restarts (seconds).")
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**32 - 1),
    default=0,
    show_default=True,
    help="Seed of the split and the restarts.",
)
@output_option(
    "--plot",
    "plot_path",
    plot=True,
    help="Write the figure (fitted 1-D functions, kinks, reflection pairs) as an image "
    "(PNG, PDF, SVG, ...).",
)
def sentiment(quick: bool, seed: int, plot_path) -> None:
    """LLM embeddings of human-rated sentiment words: Lasso networks (certified) against
    nonconvex training and linear baselines; prints Markdown tables. Exits with status 1 if a
    network is not certified or a nonconvex run falls below a certified optimum."""
    from clifflasso.experiments.sentiment import (
        format_table,
        plot_sentiment,
        run_sentiment_experiment,
    )

    result = run_sentiment_experiment(quick=quick, seed=seed)
    click.echo(format_table(result))
    if plot_path is not None:
        write_plot(lambda name: plot_sentiment(result, name), plot_path)
        click.echo(f"\nwrote {plot_path}")
    if not result.passed:
        raise SystemExit(1)


@experiment.command()
@click.option("--quick", is_flag=True, help="The Nile only, depths 2 and 3, one width (seconds).")
def forecast(quick: bool) -> None:
    """Autoregressive networks on the shipped yearly series (sunspots, Nile): certified Lasso
    networks against nonconvex training of the same networks, linear AR and persistence;
    prints Markdown tables. Exits with status 1 if a network is not certified or a nonconvex
    run falls below a certified optimum."""
    from clifflasso.experiments.forecast import format_table, run_forecast_experiment

    result = run_forecast_experiment(quick=quick)
    click.echo(format_table(result))
    if not result.passed:
        raise SystemExit(1)
