"""Benchmark: the LLM-embedding experiment on the shipped sentiment words.

Prints the Markdown tables of :func:`clifflasso.experiments.format_table` (the README's results)
and writes ``sentiment.png``. Usage: ``python benchmarks/sentiment.py [--quick] [--seed S]``.
"""

from __future__ import annotations

import argparse

from clifflasso.experiments import format_table, plot_sentiment, run_sentiment_experiment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few restarts")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and restarts")
    parser.add_argument("--plot", default="sentiment.png", help="PNG of the fitted functions")
    args = parser.parse_args()
    result = run_sentiment_experiment(quick=args.quick, seed=args.seed)
    print(format_table(result))
    plot_sentiment(result, args.plot)
    print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
