"""Command line: ``clifflasso export`` (registered on the main group by ``clifflasso.cli``), and
the pieces every verb shares: the data reader, number options, output files checked before the
work and written atomically, and the size check of a dictionary before it is built."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import click

from clifflasso._data import as_data, parse_number, read_table
from clifflasso.architecture import ACTIVATIONS, Architecture
from clifflasso.examples import EXAMPLES, load_example

FORMATS = ("latex", "python", "json", "npz")

#: Deepest network the command line builds: the rebuilt sign/threshold networks recurse once
#: per layer (Python's recursion limit fails near depth 1000), and no dictionary of this
#: package changes beyond a few layers.
MAX_DEPTH = 500

#: Most candidate tuples of event normals the abs-vertex family may examine before the size of
#: its dictionary is known (C(63, 6) = 67,945,521 at depth 7 takes minutes; C(31, 5) at depth 6
#: under a second).
MAX_EXAMINED_TUPLES = 10**7


# ----------------------------------------------------------------------------- data
def read_exact_table(path: Path) -> tuple[list, list]:
    """Columns ``x..., y`` of a CSV (entries parsed exactly: ``0.1`` is 1/10, ``1/3`` allowed)
    or an ``.npy`` array (floats at their binary value): :func:`clifflasso._data.read_table`,
    whose ``ValueError`` is reported as one ``Error:`` line."""
    return read_table(path)


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
def _magnitude(log10: float) -> str:
    """``10**log10`` for a message: exact digits when small, else ``~1.2e+392``."""
    if log10 < 15:
        return f"{round(10**log10):,}"
    exponent = math.floor(log10)
    return f"about {10 ** (log10 - exponent):.2g}e+{exponent}"


def _memory_limit() -> int:
    """The default ``memory_limit`` of :func:`clifflasso.dictionary`."""
    try:
        from clifflasso.dictionary import DEFAULT_MEMORY_LIMIT
    except ImportError:
        return 2 * 2**30
    return int(DEFAULT_MEMORY_LIMIT)


def dictionary_size_problem(X, arch: Architecture, max_features: int | None = None) -> str | None:
    """Why the dictionary of ``arch`` on ``X`` is too large to build, or None; decided before
    anything is enumerated (this is not a command-line function: ``from_json`` uses it too).

    The column count is the family's ``size()`` where that is cheap, and for deep
    absolute-value chains (1-D, depth >= 4) the closed-form lower bound
    :math:`2^{(L-1)(L-2)/2} N^{L-1}` (one event normal per level, a triangular system with
    unit diagonal, times the data points per free parameter) together with the number
    :math:`\\binom{2^{L-1}-1}{L-1}` of normal tuples that computing ``size()`` itself examines.
    Dictionaries needing more than the default memory limit of :func:`clifflasso.dictionary`
    (3 x 8 bytes per entry) are reported, as it would refuse them, but at once.
    """
    from clifflasso.dictionary import family_for

    data = as_data(X)
    n, limit = data.n_samples, _memory_limit()
    where = f"{arch.activation} depth {arch.depth} on N={n} points"
    deep_abs = (
        data.dim == 1
        and arch.activation == "abs"
        and (arch.depth >= 4 or (arch.depth == 3 and not arch.bias))
    )
    if deep_abs:
        L = arch.depth
        free = L - 1 if arch.bias else L - 2
        log_columns = (L - 1) * (L - 2) / 2 * math.log10(2) + free * math.log10(n)
        log_bytes = log_columns + math.log10(24 * n)
        if log_bytes > math.log10(limit):
            return (
                f"{where}: the abs-vertex dictionary would have at least "
                f"{_magnitude(log_columns)} columns (2^{(L - 1) * (L - 2) // 2} x {n}^{free}) "
                f"and need {_magnitude(log_bytes)} bytes, above the limit of {limit / 2**30:g} "
                "GiB; use a smaller depth or fewer points"
            )
        normals = 2 ** (L - 1) - (1 if arch.bias else 2)
        examined = math.comb(normals, free)
        if examined > MAX_EXAMINED_TUPLES:
            return (
                f"{where}: sizing the abs-vertex dictionary examines C({normals}, {free}) = "
                f"{examined:,} tuples of event normals, above the limit of "
                f"{MAX_EXAMINED_TUPLES:,}; use a smaller depth"
            )
        return None
    family = family_for(arch, data, max_features=max_features)
    columns = family.size()
    if max_features is not None:
        columns = min(columns, max_features + n)
    needed = 24 * n * columns
    if needed > limit:
        return (
            f"{where}: the {family.name} dictionary has up to {columns:,} columns and needs "
            f"about {needed / 2**30:.3g} GiB, above the limit of {limit / 2**30:g} GiB; use "
            "fewer points or a smaller depth" + (", or --max-features" if data.dim > 1 else "")
        )
    return None


def check_dictionary_size(X, arch: Architecture, max_features: int | None = None) -> None:
    """:func:`dictionary_size_problem` as a ``click.UsageError``."""
    try:
        problem = dictionary_size_problem(X, arch, max_features)
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


# ----------------------------------------------------------------------------- export
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
    help="Exact rational homotopy, or the float solver.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="latex, python (module source), json (clifflasso.solution/1) or npz (network).",
)
@output_option(
    "--output", help="Output file, written atomically (default: standard output; required for npz)."
)
def export(example, data_path, activation, depth, beta, exact, fmt, output) -> None:
    """Solve the Lasso of one architecture and export the solution."""
    import clifflasso
    from clifflasso import export as exporter

    if (example is None) == (data_path is None):
        raise click.UsageError("give exactly one of --example or --data")
    if fmt == "npz" and output is None:
        raise click.UsageError("--format npz needs --output FILE")
    if not exact:
        beta = _float_beta(beta)
    X, y = load_example(example) if example is not None else read_exact_table(data_path)
    arch = architecture(activation, depth)
    check_dictionary_size(X, arch)
    D = clifflasso.dictionary(X, arch, dedupe=False)
    if exact:
        solution = clifflasso.solve(D, y, beta, exact=True)
    else:
        solution = clifflasso.solve(D, [float(v) for v in y], float(beta))
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
        exporter.write_text(output, text)
        click.echo(f"wrote {output}", err=True)
