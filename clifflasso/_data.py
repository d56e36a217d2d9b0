"""Validation and conversion of user data (X, y) into float and exact-rational form, and the
one reader of data tables (CSV with exact rationals, or ``.npy``) that every verb of the command
line uses.

Numbers given as text (CSV cells, command-line options, JSON fields) are parsed by
:func:`parse_number`, which bounds their size *before* converting them: at most
:data:`MAX_NUMBER_CHARS` characters, decimal exponents that keep the exact value within
:data:`MAX_NUMBER_CHARS` digits and, where floats are meant, within the range of float64.
"""

from __future__ import annotations

import math
import numbers
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

#: Longest text of one number (characters, surrounding blanks excluded) that
#: :func:`parse_number` converts; longer strings are refused unparsed (a number with millions
#: of digits would take minutes to convert).
MAX_NUMBER_CHARS = 1000

#: Longest text of one *exact* number in a stored solution (``clifflasso.solution/1``): two
#: integers of 4300 digits (Python's default limit for converting integers to and from text,
#: so the longest that :func:`clifflasso.export.to_json` can write) and a slash.
MAX_EXACT_CHARS = 2 * 4300 + 1

#: Most entries of a ``.npy`` table read by :func:`read_table` (checked from the header,
#: before the array is loaded).
MAX_TABLE_ENTRIES = 10**8

_FLOAT_MAX = float(np.finfo(np.float64).max)
#: Largest Euclidean norm of the labels: its square, which the Lasso objective contains, must
#: not overflow float64.
MAX_LABEL_NORM = math.sqrt(_FLOAT_MAX)

_NUMBER = re.compile(
    r"(?P<sign>[-+]?)(?:(?P<num>\d+)/(?P<den>\d+)"
    r"|(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[-+]?\d+))?)"
)


@dataclass(frozen=True)
class Data:
    """Validated training inputs.

    ``values`` is the float64 array of shape (N, d); ``exact`` holds the same entries as
    :class:`fractions.Fraction` (floats are converted to their exact binary value), so
    symbolic evaluation is exact for every input.
    """

    values: np.ndarray
    exact: tuple[tuple[Fraction, ...], ...]
    given_exactly: bool

    @property
    def n_samples(self) -> int:
        return self.values.shape[0]

    @property
    def dim(self) -> int:
        return self.values.shape[1]

    def column(self, k: int = 0) -> tuple[Fraction, ...]:
        """Exact values of coordinate ``k`` of every sample."""
        return tuple(row[k] for row in self.exact)


def _is_sympy(value: object, kind: str) -> bool:
    """Whether ``value`` is an instance of ``sympy.<kind>``, without importing sympy (no sympy
    object exists before sympy is imported)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(value, getattr(sympy, kind))


def _to_fraction(value: object) -> tuple[Fraction, bool]:
    """Return (exact value, whether the input was already exact)."""
    if isinstance(value, bool):
        raise ValueError("X must be numeric, got a boolean")
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value)), True
    if isinstance(value, Fraction):
        return value, True
    if _is_sympy(value, "Basic"):
        if not value.is_number:
            raise ValueError(
                f"X contains the symbolic entry {value}; dictionaries need numbers (for "
                "data in symbols, x_1 < x_2 < ...: clifflasso.symbolic_lasso(arch, N) gives "
                "the Lasso solution for N <= 3 points, clifflasso.exact.symbolic_dictionary "
                "the columns for N <= 6)"
            )
        if value.is_Rational:
            return Fraction(int(value.p), int(value.q)), True
        value = float(value)
    if isinstance(value, numbers.Real):
        as_float = float(value)
        if not np.isfinite(as_float):
            raise ValueError("X contains NaN or infinite values")
        return Fraction(as_float), False
    raise ValueError(f"X contains a non-numeric entry {value!r}")


def as_data(X: object, *, min_samples: int = 2) -> Data:
    """Validate ``X`` of shape (N,) or (N, d) and return float and exact copies."""
    if _is_sympy(X, "MatrixBase"):
        X = X.tolist()
    array = np.asarray(X, dtype=object)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"X must have shape (N,) or (N, d), got an array of shape {array.shape}")
    n_samples, dim = array.shape
    if dim == 0:
        raise ValueError("X has no features (shape (N, 0))")
    if n_samples < min_samples:
        raise ValueError(f"need at least {min_samples} samples, got {n_samples}")
    exact_rows = []
    all_exact = True
    for row in array:
        converted = [_to_fraction(v) for v in row]
        exact_rows.append(tuple(f for f, _ in converted))
        all_exact &= all(flag for _, flag in converted)
    values = np.array([[float(f) for f in row] for row in exact_rows], dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("X contains NaN or infinite values (or values too large for float64)")
    return Data(values=values, exact=tuple(exact_rows), given_exactly=all_exact)


def as_labels(y: object, n_samples: int) -> np.ndarray:
    """Validate labels: a finite float vector of length ``n_samples`` whose squared Euclidean
    norm is a finite float64 (norm at most :data:`MAX_LABEL_NORM`, about 1.34e154)."""
    labels = np.asarray(y, dtype=np.float64)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"y must be a vector of shape (N,), got shape {labels.shape}")
    if labels.shape[0] != n_samples:
        raise ValueError(f"y has {labels.shape[0]} entries but X has {n_samples} samples")
    if not np.all(np.isfinite(labels)):
        raise ValueError("y contains NaN or infinite values")
    largest = float(np.max(np.abs(labels))) if labels.size else 0.0
    if largest > 0:
        norm = largest * float(np.sqrt(np.sum(np.square(labels / largest))))
        if not norm <= MAX_LABEL_NORM:
            raise ValueError(
                f"y is too large: ||y||_2 = {norm:.3g} exceeds {MAX_LABEL_NORM:.4g}, so the "
                "squared norm in the Lasso objective would overflow float64; rescale y"
            )
    return labels


def as_beta(beta: object) -> float:
    """Validate the regularisation strength: a finite number >= 0 (not a boolean)."""
    if isinstance(beta, (bool, np.bool_)):
        raise ValueError(f"beta must be a number, got the boolean {beta!r}")
    try:
        value = float(beta)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"beta must be a number, got {beta!r}") from exc
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"beta must be finite and >= 0, got {beta!r}")
    return value


# ----------------------------------------------------------------------------- numbers as text
def _shown(text: str, limit: int = 40) -> str:
    """``text`` for an error message: quoted, at most ``limit`` characters of it."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _integer(digits: str, what: str) -> int:
    try:
        return int(digits)
    except ValueError as exc:  # beyond Python's limit for converting long digit strings
        raise ValueError(f"{what}an integer of {len(digits):,} digits is too long") from exc


def parse_number(
    text: object,
    what: str = "",
    *,
    floating: bool = False,
    max_chars: int = MAX_NUMBER_CHARS,
) -> Fraction:
    """Parse a number given as text, exactly: an integer (``-3``), a decimal (``0.25``,
    ``1.5e-3``) or a ratio of integers (``1/3``).

    The size is bounded before anything is converted: text longer than ``max_chars`` characters
    is refused, and so is a decimal exponent that would give an exact value of more than
    ``max_chars`` digits. With ``floating=True`` (the value will be used as a float64) values
    beyond the float64 range are refused too: overflow (above about 1.8e308) and nonzero values
    that would round to 0. ``what`` names the value at the start of the messages
    (``ValueError``, one line). NaN and infinities are refused; nothing is evaluated.
    """
    if what:
        what += ": "
    if not isinstance(text, str):
        raise ValueError(f"{what}expected a number written as text, got {type(text).__name__}")
    stripped = text.strip()
    if len(stripped) > max_chars:
        raise ValueError(
            f"{what}a number of {len(stripped):,} characters is longer than the limit of "
            f"{max_chars:,}"
        )
    match = _NUMBER.fullmatch(stripped)
    if match is None or not (match["num"] or match["int"] or match["frac"]):
        if stripped.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise ValueError(f"{what}NaN and infinite values are not allowed, got {stripped!r}")
        if not stripped:
            raise ValueError(f"{what}empty, expected a number")
        raise ValueError(
            f"{what}not a number: {_shown(stripped)} (expected e.g. 3, -0.25, 1.5e-3 or 1/3)"
        )
    sign = -1 if match["sign"] == "-" else 1
    if match["num"] is not None:
        numerator, denominator = _integer(match["num"], what), _integer(match["den"], what)
        if denominator == 0:
            raise ValueError(f"{what}division by zero in {_shown(stripped)}")
        value = Fraction(sign * numerator, denominator)
    else:
        integer, fraction = match["int"] or "", match["frac"] or ""
        exponent = _integer(match["exp"], what) if match["exp"] else 0
        significant = (integer + fraction).lstrip("0")
        if not significant:
            return Fraction(0)
        # value = 0.d1d2... x 10**leading with d1 != 0
        leading = len(significant) - len(fraction) + exponent
        shift = exponent - len(fraction)
        if floating and leading > 309:
            raise ValueError(f"{what}{_shown(stripped)} overflows float64 (largest about 1.8e308)")
        if floating and leading < -323:
            raise ValueError(
                f"{what}{_shown(stripped)} underflows float64 (smallest nonzero about 4.9e-324)"
            )
        if abs(shift) > max_chars:
            raise ValueError(
                f"{what}the exponent of {_shown(stripped)} is out of range (the exact value "
                f"would have more than {max_chars:,} digits)"
            )
        digits = _integer(significant, what)
        value = sign * (
            Fraction(digits * 10**shift) if shift >= 0 else Fraction(digits, 10**-shift)
        )
    if floating:
        try:
            as_float = float(value)
        except OverflowError:
            as_float = math.inf
        if not math.isfinite(as_float):
            raise ValueError(f"{what}{_shown(stripped)} overflows float64 (largest about 1.8e308)")
        if as_float == 0 and value != 0:
            raise ValueError(
                f"{what}{_shown(stripped)} underflows float64 (smallest nonzero about 4.9e-324)"
            )
    return value


# ----------------------------------------------------------------------------- tables
#: Cells that :func:`read_column` reads as a missing value (case-insensitive, blanks stripped).
MISSING_MARKERS = frozenset({"", "na", "nan", "n/a", "null", "none", "."})

#: Separators a text table may use, in the order preferred when several fit every line
#: (semicolon first: a file separated by semicolons may write decimals with commas).
DELIMITERS = (";", "\t", ",")

#: Lines of a text table looked at to choose its separator.
_SNIFFED_LINES = 20

_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class _TextTable:
    """The lines of a text table: its separator (``None``: blanks), header names (``None``:
    no header) and the numbered data lines, blank lines and ``#`` comments left out."""

    path: Path
    delimiter: str | None
    header: list[str] | None
    lines: list[tuple[int, str]]

    def cells(self, number: int, line: str) -> list[str]:
        """The cells of one line, blanks around them stripped."""
        return _split(line, self.delimiter, self.path, number)

    @property
    def separator(self) -> str:
        return {None: "blanks", "\t": "tabs", ";": "semicolons", ",": "commas"}[self.delimiter]


def _split(line: str, delimiter: str | None, path: Path, number: int) -> list[str]:
    import csv

    if delimiter is None:
        return line.split()
    if '"' not in line:  # no quoting: plain splitting, and no field-size limit of csv
        return [cell.strip() for cell in line.split(delimiter)]
    try:
        cells = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
    except csv.Error as exc:
        raise ValueError(f"{path}:{number}: malformed CSV line: {exc}") from exc
    return [cell.strip() for cell in cells]


def _delimiter(lines: list[tuple[int, str]]) -> str | None:
    """The separator of a text table: the first of :data:`DELIMITERS` that occurs equally often
    (at least once) on each of the first lines; else the one most frequent on the first line
    (rows of other lengths are then reported); else blanks."""
    sample = [line for _, line in lines[:_SNIFFED_LINES]]
    for delimiter in DELIMITERS:
        counts = {line.count(delimiter) for line in sample}
        if len(counts) == 1 and counts.pop() > 0:
            return delimiter
    first = sample[0] if sample else ""
    best = max(DELIMITERS, key=first.count)
    return best if first.count(best) else None


def _is_number(cell: str) -> bool:
    try:
        parse_number(cell)
    except ValueError:
        return False
    return True


def _read_text_table(path: Path, *, header: bool | None, expected: str) -> _TextTable:
    """Decode a UTF-8 text table, choose its separator and split off its header line.

    ``header=None`` detects it: the first line is a header when none of its cells is a number.
    ``expected`` describes the table in the message for a file that is not text.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: not a UTF-8 text file (byte {exc.start}); expected {expected}"
        ) from exc
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    delimiter = _delimiter(lines)
    names = None
    if lines:
        first = _split(lines[0][1], delimiter, path, lines[0][0])
        if header or (header is None and not any(_is_number(cell) for cell in first)):
            names, lines = first, lines[1:]
    return _TextTable(path, delimiter, names, lines)


def _column_position(table: _TextTable, given: str | int, width: int, option: str) -> int:
    """Position (from 0) of the column named ``given`` in the header or, when no name matches,
    numbered ``given`` counting from 1."""
    if isinstance(given, (bool, np.bool_)):
        raise ValueError(f"{option}: a column is a name or a position, got {given!r}")
    text = str(given).strip()
    if table.header is not None and text in table.header:
        return table.header.index(text)
    if text.isdecimal() and len(text) <= 18 and 1 <= int(text) <= width:
        return int(text) - 1
    if table.header is None:
        raise ValueError(
            f"{table.path}: no column {_shown(text)}{option}: the table has no header and "
            f"{width} column(s) (give a position from 1 to {width})"
        )
    names = ", ".join(repr(name) for name in table.header[:20])
    raise ValueError(
        f"{table.path}: no column {_shown(text)}{option}; the header has {len(table.header)} "
        f"column(s): {names}{', ...' if len(table.header) > 20 else ''} (give a name or a "
        "position from 1)"
    )


def _number_cell(table: _TextTable, cell: str, where: str) -> Fraction:
    """A cell read exactly, within the float64 range (a decimal comma is read as a point in a
    table separated by semicolons)."""
    if table.delimiter == ";" and _DECIMAL_COMMA.fullmatch(cell):
        cell = cell.replace(",", ".")
    return parse_number(cell, where, floating=True)


def _selection(
    width: int,
    position: Callable[[str | int, str], int],
    x: Sequence[str | int] | str | int | None,
    y: str | int | None,
) -> tuple[list[int], int]:
    """Positions (from 0) of the input columns and of the label column: by default the label
    is the last column and the inputs are all the others."""
    label = width - 1 if y is None else position(y, " (--y)")
    if x is None:
        inputs = [k for k in range(width) if k != label]
    else:
        items = [x] if isinstance(x, (str, int)) else list(x)
        if isinstance(x, str):
            items = [item for item in x.split(",") if item.strip()]
        inputs = [position(item, " (--x)") for item in items]
        if not inputs:
            raise ValueError("--x: no columns given")
    if label in inputs:
        raise ValueError(f"column {label + 1} is both an input (--x) and the label (--y)")
    if len(set(inputs)) != len(inputs):
        raise ValueError("--x: a column is given twice")
    return inputs, label


def _table_from_text(path: Path, x, y) -> tuple[list[list[Fraction]], list[Fraction]]:
    table = _read_text_table(
        path, header=None, expected="a table of rows x..., y (CSV/TSV), .npy or .npz"
    )
    if not table.lines:
        raise ValueError(f"{path}: no data rows (expected lines x..., y)")
    width = len(table.header) if table.header is not None else None
    if width is None:
        width = len(table.cells(*table.lines[0]))
    if width < 2:
        raise ValueError(f"{path}: {width} column; need at least 2 (inputs x..., then the label y)")
    inputs, label = _selection(
        width, lambda given, option: _column_position(table, given, width, option), x, y
    )
    first = "the header" if table.header is not None else "the first row"
    rows: list[list[Fraction]] = []
    labels: list[Fraction] = []
    for number, line in table.lines:
        cells = table.cells(number, line)
        if len(cells) != width:
            raise ValueError(
                f"{path}:{number}: {len(cells)} values, but {first} has {width} (separated by "
                f"{table.separator})"
            )
        rows.append(
            [_number_cell(table, cells[k], f"{path}:{number}: column {k + 1}") for k in inputs]
        )
        labels.append(_number_cell(table, cells[label], f"{path}:{number}: column {label + 1}"))
    return rows, labels


def _check_array_header(path: Path, what: str, shape: tuple, dtype: np.dtype) -> None:
    """Refuse pickled, non-real or oversized arrays from their header, before loading."""
    if dtype.hasobject:
        raise ValueError(f"{path}: holds Python objects (pickled data), which are never loaded")
    if dtype.kind not in "iuf":
        raise ValueError(
            f"{path}: {what}must hold real numbers (integer or float), got dtype {dtype}"
        )
    if math.prod(shape) > MAX_TABLE_ENTRIES:
        raise ValueError(
            f"{path}: {math.prod(shape):,} entries, more than the limit of {MAX_TABLE_ENTRIES:,}"
        )


def _exact_entries(path: Path, values: np.ndarray, what: str = "") -> list[list[Fraction]]:
    """Rows of a 2-D real array as Fractions (floats at their binary value, integers exactly)."""
    if values.dtype.kind == "f":
        bad = np.argwhere(~np.isfinite(values))
        if bad.size:
            row, column = (int(v) + 1 for v in bad[0])
            raise ValueError(
                f"{path}: {what}row {row}, column {column}: NaN and infinite values are not allowed"
            )
        return [[Fraction(float(v)) for v in row] for row in values]
    return [[Fraction(int(v)) for v in row] for row in values]


def _rows_from_npy(path: Path) -> list[list[Fraction]]:
    """Rows of a ``.npy`` array; its header (dtype, shape) is checked before the data is read
    and pickled data is never loaded."""
    with open(path, "rb") as handle:
        try:
            version = np.lib.format.read_magic(handle)
        except ValueError as exc:
            raise ValueError(
                f"{path}: not a .npy file (no NumPy header); .csv files are read as text"
            ) from exc
        try:
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
        except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
            message = " ".join(str(exc).split())
            raise ValueError(f"{path}: unreadable .npy header: {message}") from exc
    _check_array_header(path, "the array ", shape, dtype)
    if len(shape) != 2:
        raise ValueError(f"{path}: expected a 2-D array with columns x..., y, got shape {shape}")
    try:
        values = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{path}: unreadable .npy file: {' '.join(str(exc).split())}") from exc
    return _exact_entries(path, values)


def _table_from_npy(path: Path, x, y) -> tuple[list[list[Fraction]], list[Fraction]]:
    rows = _rows_from_npy(path)
    width = len(rows[0]) if rows else 0
    if rows and width < 2:
        raise ValueError(f"{path}: {width} column; need at least 2 (inputs x..., then the label y)")

    def position(given: str | int, option: str) -> int:
        text = str(given).strip()
        if text.isdecimal() and len(text) <= 18 and 1 <= int(text) <= width:
            return int(text) - 1
        raise ValueError(
            f"{path}: no column {_shown(text)}{option}: a .npy array has no column names and "
            f"{width} column(s) (give a position from 1 to {width})"
        )

    inputs, label = _selection(width, position, x, y) if rows else ([], 0)
    return [[row[k] for k in inputs] for row in rows], [row[label] for row in rows]


def _table_from_npz(path: Path, x, y) -> tuple[list[list[Fraction]], list[Fraction]]:
    """Arrays of a ``.npz`` archive: inputs ``X`` (or ``x``; shape (N,) or (N, d)) and labels
    ``y`` (shape (N,)), or the arrays named by ``x`` and ``y``."""
    import zipfile

    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a .npz archive: {' '.join(str(exc).split())}") from exc
    with archive:
        names = list(archive.files)

        def array(given: object, defaults: tuple[str, ...], option: str) -> np.ndarray:
            wanted = [str(given).strip()] if given is not None else list(defaults)
            found = next((name for name in wanted if name in names), None)
            if found is None:
                shown = ", ".join(repr(name) for name in names[:20]) or "none"
                raise ValueError(
                    f"{path}: no array {' or '.join(repr(w) for w in wanted)} ({option}); the "
                    f"archive holds: {shown}"
                )
            size = archive.zip.getinfo(f"{found}.npy").file_size
            if size > 16 * MAX_TABLE_ENTRIES:
                raise ValueError(f"{path}: array {found!r} is too large ({size:,} bytes)")
            try:
                values = archive[found]
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
                message = " ".join(str(exc).split())
                raise ValueError(f"{path}: unreadable array {found!r}: {message}") from exc
            _check_array_header(path, f"array {found!r} ", values.shape, values.dtype)
            return values

        if not isinstance(x, (str, type(None))) or (isinstance(x, str) and "," in x):
            raise ValueError(f"{path}: --x names one array of a .npz archive")
        inputs = array(x, ("X", "x"), "--x")
        labels = array(y, ("y",), "--y")
    if inputs.ndim == 1:
        inputs = inputs.reshape(-1, 1)
    if inputs.ndim != 2:
        raise ValueError(f"{path}: the inputs must have shape (N,) or (N, d), got {inputs.shape}")
    if labels.ndim != 1:
        raise ValueError(f"{path}: the labels y must have shape (N,), got {labels.shape}")
    if labels.shape[0] != inputs.shape[0]:
        raise ValueError(f"{path}: {inputs.shape[0]} input rows but {labels.shape[0]} labels")
    label_rows = _exact_entries(path, labels.reshape(-1, 1), "y: ")
    return _exact_entries(path, inputs, "X: "), [row[0] for row in label_rows]


def read_table(
    path: str | Path,
    x: Sequence[str | int] | str | int | None = None,
    y: str | int | None = None,
) -> tuple[list, list]:
    """Read a data table: ``X`` (a list of Fractions for one input column, else of tuples) and
    ``y`` (a list of Fractions). The one reader of ``--data`` for every command-line verb.

    * Text (any name but ``.npy``/``.npz``): one row per line; values separated by semicolons,
      tabs or commas (the separator that occurs equally often on the first lines; else blanks);
      an optional header line of names (the first line, when none of its cells is a number);
      blank lines and lines starting with ``#`` skipped. Each value is an integer, a decimal or
      a ratio such as ``1/3``, read exactly by :func:`parse_number` within the float64 range
      (with semicolons, ``0,25`` is read as 0.25). Only the chosen columns are read, so others
      may hold text.
    * ``.npy``: a 2-D array of integers or floats (read without pickle, floats at their exact
      binary value).
    * ``.npz``: arrays ``X`` (or ``x``) of shape (N,) or (N, d) and ``y`` of shape (N,); ``x``
      and ``y`` name other arrays.

    Columns: by default the label ``y`` is the last column and the inputs are all the others;
    ``x`` (a list, or comma-separated text) and ``y`` choose them by header name or by position
    counted from 1 (as in the error messages). Every row has the same number of values (at
    least 2). Errors are ``ValueError`` with a one-line message naming the file, line and
    column.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        rows, labels = _table_from_npz(path, x, y)
    elif suffix == ".npy":
        rows, labels = _table_from_npy(path, x, y)
    else:
        rows, labels = _table_from_text(path, x, y)
    if not rows:
        raise ValueError(f"{path}: no data rows (expected lines x..., y)")
    X = [tuple(row) if len(row) > 1 else row[0] for row in rows]
    return X, labels


def read_column(path: str | Path, column: str | int) -> tuple[str, np.ndarray]:
    """Read one column of a text table with a header line: ``(name, values)``.

    The first line that is neither blank nor a ``#`` comment is the header (names may be
    quoted); values are separated as :func:`read_table` finds (semicolons, tabs, commas or
    blanks). ``column`` is a header name or, when no name matches, a position counted from 1
    (an ``int`` or its decimal text). Every row has as many cells as the header; only the
    chosen column is parsed, so the others may hold dates or text. Its cells are numbers read by
    :func:`parse_number` (size bounded before parsing, within the float64 range) and rounded to
    float64; an empty cell or one of :data:`MISSING_MARKERS` (``NA``, ``NaN``, ...) is a missing
    value, returned as ``nan``. Infinite values are refused. Errors are ``ValueError`` with a
    one-line message naming the file, line and column.
    """
    path = Path(path)
    table = _read_text_table(path, header=True, expected="a CSV table with a header line")
    if table.header is None:
        raise ValueError(f"{path}: empty (expected a header line, then rows of values)")
    header = table.header
    position = _column_position(table, column, len(header), "")
    if len(table.lines) > MAX_TABLE_ENTRIES:
        raise ValueError(f"{path}: more than {MAX_TABLE_ENTRIES:,} rows")
    values = np.empty(len(table.lines))
    for row, (number, line) in enumerate(table.lines):
        cells = table.cells(number, line)
        if len(cells) != len(header):
            raise ValueError(
                f"{path}:{number}: {len(cells)} values, but the header has {len(header)}"
            )
        cell = cells[position]
        if cell.lower() in MISSING_MARKERS:
            values[row] = np.nan
            continue
        where = f"{path}:{number}: column {header[position]!r}"
        values[row] = float(_number_cell(table, cell, where))
    if values.size == 0:
        raise ValueError(f"{path}: a header but no data rows")
    return header[position], values


def merge_repeated(
    X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    r"""Merge repeated inputs into weighted points, exactly.

    For the samples :math:`n \in G` sharing one input,
    :math:`\sum_{n\in G}\omega_n(f - y_n)^2 = W_G(f - \bar y_G)^2 + \sum_{n\in G}\omega_n(y_n -
    \bar y_G)^2` with :math:`W_G = \sum\omega_n` and :math:`\bar y_G` the weighted mean, so the
    weighted least squares over the distinct inputs has the same minimisers; the second term is
    the constant returned. Returns ``(distinct X, merged y, merged weights, inverse, constant)``
    with ``X[i] == distinct[inverse[i]]``.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.ones(y.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    distinct, inverse = np.unique(X.reshape(X.shape[0], -1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    mass = np.bincount(inverse, weights=w)
    means = np.bincount(inverse, weights=w * y) / mass
    constant = 0.5 * float(np.sum(w * (y - means[inverse]) ** 2))
    return distinct.reshape((-1,) + X.shape[1:]), means, mass, inverse, constant
