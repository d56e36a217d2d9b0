"""Command line: ``clifflasso experiment sentiment`` (registered on the main group)."""

from __future__ import annotations

from pathlib import Path

import click

from clifflasso.experiments.sentiment import format_table, plot_sentiment, run_sentiment_experiment


@click.group()
def experiment() -> None:
    """Experiments on the shipped real data sets."""


@experiment.command()
@click.option("--quick", is_flag=True, help="Small training sets and few restarts (seconds).")
@click.option("--seed", default=0, show_default=True, help="Seed of the split and the restarts.")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the figure (fitted 1-D functions, kinks, reflection pairs) as a PNG.",
)
def sentiment(quick: bool, seed: int, plot_path: Path | None) -> None:
    """LLM embeddings of human-rated sentiment words: Lasso networks (certified) against
    nonconvex training and linear baselines; prints Markdown tables. Exits with status 1 if a
    network is not certified or a nonconvex run falls below a certified optimum."""
    result = run_sentiment_experiment(quick=quick, seed=seed)
    click.echo(format_table(result))
    if plot_path is not None:
        plot_sentiment(result, str(plot_path))
        click.echo(f"\nwrote {plot_path}")
    if not result.passed:
        raise SystemExit(1)
