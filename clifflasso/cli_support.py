"""The pieces every command-line verb shares: the data reader, number options, output files
checked before the work and written atomically, and the size check of a dictionary before it
is built."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import click

from clifflasso._data import parse_number, read_table
from clifflasso.architecture import ACTIVATIONS, Architecture

#: Deepest network the command line builds: the rebuilt sign/threshold networks recurse once
#: per layer (Python's recursion limit fails near depth 1000), and no dictionary of this
#: package changes beyond a few layers.
MAX_DEPTH = 500

#: Most symbolic points of ``derive --symbols`` (the same as
#: ``clifflasso.exact.symbolic_data.MAX_DICTIONARY_SAMPLES``, which imports sympy).
MAX_SYMBOLIC_POINTS = 6


# ----------------------------------------------------------------------------- data
def read_exact_table(
    path: Path, x_columns: str | None = None, y_column: str | None = None
) -> tuple[list, list]:
    """``(X, y)`` of a data table, the columns chosen by ``--x``/``--y`` (default ``x..., y``):
    a CSV/TSV text (separator and header line detected; entries parsed exactly: ``0.1`` is
    1/10, ``1/3`` allowed), an ``.npy`` array or an ``.npz`` archive (floats at their binary
    value) - :func:`clifflasso._data.read_table`, the one reader of every verb, whose
    ``ValueError`` is reported as one ``Error:`` line."""
    return read_table(path, x_columns, y_column)


# ----------------------------------------------------------------------------- numbers
class Number(click.ParamType):
    """A number option read exactly by :func:`clifflasso._data.parse_number` (``1/3``,
    ``0.25``, ``1e-3``; size bounded before parsing; no NaN or infinity), within
    ``[minimum, maximum]`` (``open_minimum``: minimum excluded). Converts to a ``Fraction``,
    or to a ``float`` with ``floating=True`` (then within the float64 range)."""

    name = "number"

    def __init__(
        self,
        *,
        floating: bool = True,
        minimum: Fraction | None = Fraction(0),
        open_minimum: bool = False,
        maximum: Fraction | None = None,
    ) -> None:
        self.floating = floating
        self.minimum = minimum
        self.open_minimum = open_minimum
        self.maximum = maximum

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
            number = Fraction(value)  # a default
        else:
            try:
                number = parse_number(str(value), floating=self.floating)
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
        low = self.minimum
        if low is not None and (number < low or (self.open_minimum and number == low)):
            self.fail(
                f"must be {'>' if self.open_minimum else '>='} {low}, got {value}", param, ctx
            )
        if self.maximum is not None and number > self.maximum:
            self.fail(f"must be <= {self.maximum}, got {value}", param, ctx)
        return float(number) if self.floating else number


class ActivationList(click.ParamType):
    """A comma-separated list of activations, each one of
    :data:`clifflasso.architecture.ACTIVATIONS` (a fixed choice, completed by the shell)."""

    name = "activations"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return f"[{'|'.join(ACTIVATIONS)}][,...]"

    def convert(self, value, param, ctx) -> list[str]:
        if isinstance(value, list):
            return value
        names = [item.strip() for item in str(value).split(",") if item.strip()]
        if not names:
            self.fail(f"no activations in {value!r}", param, ctx)
        for name in names:
            if name not in ACTIVATIONS:
                self.fail(
                    f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}",
                    param,
                    ctx,
                )
        return names

    def shell_complete(self, ctx, param, incomplete: str) -> list:
        from click.shell_completion import CompletionItem

        done, _, last = incomplete.rpartition(",")
        prefix = done + "," if done else ""
        return [CompletionItem(prefix + a) for a in ACTIVATIONS if a.startswith(last)]


def parse_numbers(text: str, option: str) -> list[float]:
    """A comma-separated list of numbers >= 0 (floats), e.g. ``--betas 0.5,1/3``."""
    values = []
    for k, item in enumerate(text.split(","), start=1):
        if not item.strip():
            continue
        value = parse_number(item, f"{option} item {k}", floating=True)
        if value < 0:
            raise click.BadParameter(
                f"item {k} must be >= 0, got {item.strip()}", param_hint=option
            )
        values.append(float(value))
    if not values:
        raise click.BadParameter(f"no numbers in {text!r}", param_hint=option)
    return values


# ----------------------------------------------------------------------------- output files
def _plot_formats() -> dict[str, str]:
    from matplotlib.backend_bases import FigureCanvasBase

    return FigureCanvasBase.get_supported_filetypes()


def _check_output(plot: bool) -> Callable:
    def callback(ctx: click.Context, param: click.Parameter, value: Path | None):
        if value is None:
            return None
        from clifflasso.export import check_writable

        try:
            check_writable(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx, param) from exc
        if plot:
            formats = _plot_formats()
            suffix = value.suffix.lower().lstrip(".")
            if suffix not in formats:
                raise click.BadParameter(
                    f"{value}: the file name must end in an image format, one of "
                    f"{', '.join(sorted(formats))} (got {value.suffix or 'no extension'!r})",
                    ctx,
                    param,
                )
        return value

    return callback


def output_option(*declarations: str, help: str, plot: bool = False) -> Callable:
    """An output file option checked when the command line is parsed, before any work: not a
    directory, an existing writable directory, and for plots a known image format."""
    return click.option(
        *declarations,
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_check_output(plot),
        help=help,
    )


def write_plot(draw: Callable[[str], object], path: Path) -> None:
    """Call ``draw(file_name)`` (a plot function saving with matplotlib) on a temporary file
    next to ``path`` and move it onto ``path`` only when complete."""
    from clifflasso.export import atomic_output

    with atomic_output(path) as temporary:
        draw(str(temporary))


# ----------------------------------------------------------------------------- sizes
def check_dictionary_size(X, arch: Architecture, max_features: int | None = None) -> None:
    """:func:`clifflasso.dictionary.size_problem` as a ``click.UsageError``: every request is
    checked before the first heavy one."""
    from clifflasso.dictionary import size_problem

    try:
        problem = size_problem(X, arch, max_features=max_features)
    except ValueError as exc:  # no family for this architecture, bad data
        raise click.UsageError(str(exc)) from exc
    if problem is not None:
        raise click.UsageError(problem)


def architecture(activation: str, depth: int, **options) -> Architecture:
    """:class:`~clifflasso.Architecture` with its ``ValueError`` as a usage error."""
    try:
        return Architecture(activation, depth, **options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def certificate_line(certificate) -> str:
    """One line for a :class:`~clifflasso.Certificate`: verdict, kind and the proven numbers
    (``exact``: rational arithmetic; ``bounded``: rigorous float bounds; ``sampled``: evidence
    from a search over units, not a proof)."""
    text = (
        f"{certificate.verdict.upper()} ({certificate.kind}): objective "
        f"{certificate.objective:.10g}, lower bound {certificate.lower_bound:.10g}"
    )
    if certificate.kind == "sampled":
        return text + " (a search over units, not a proof)"
    if certificate.verdict == "not optimal" and certificate.improved_objective is not None:
        return text + f"; a better network reaches {certificate.improved_objective:.10g}"
    return text
