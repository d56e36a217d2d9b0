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
                f"X contains the symbolic entry {value}; numeric dictionaries need numbers "
                "(use clifflasso.symbolic for formulas in symbols)"
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
def _rows_from_csv(path: Path) -> list[list[Fraction]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: not a UTF-8 text file (byte {exc.start}); expected CSV rows x..., y or an "
            ".npy array"
        ) from exc
    rows: list[list[Fraction]] = []
    width = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split(",")
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            raise ValueError(
                f"{path}:{number}: {len(cells)} values, but the first row has {width} "
                "(every row is x..., y)"
            )
        rows.append(
            [
                parse_number(cell, f"{path}:{number}: column {k}", floating=True)
                for k, cell in enumerate(cells, start=1)
            ]
        )
    return rows


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
    if dtype.hasobject:
        raise ValueError(f"{path}: holds Python objects (pickled data), which are never loaded")
    if dtype.kind not in "iuf":
        raise ValueError(
            f"{path}: the array must hold real numbers (integer or float), got dtype {dtype}"
        )
    if len(shape) != 2:
        raise ValueError(f"{path}: expected a 2-D array with columns x..., y, got shape {shape}")
    if math.prod(shape) > MAX_TABLE_ENTRIES:
        raise ValueError(
            f"{path}: {math.prod(shape):,} entries, more than the limit of {MAX_TABLE_ENTRIES:,}"
        )
    try:
        values = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{path}: unreadable .npy file: {' '.join(str(exc).split())}") from exc
    if values.dtype.kind == "f":
        bad = np.argwhere(~np.isfinite(values))
        if bad.size:
            row, column = (int(v) + 1 for v in bad[0])
            raise ValueError(
                f"{path}: row {row}, column {column}: NaN and infinite values are not allowed"
            )
        return [[Fraction(float(v)) for v in row] for row in values]
    return [[Fraction(int(v)) for v in row] for row in values]


def read_table(path: str | Path) -> tuple[list, list]:
    """Read a data table ``x..., y``: ``X`` (a list of Fractions for one input column, else of
    tuples) and ``y`` (a list of Fractions).

    A ``.npy`` file holds a 2-D array of integers or floats (read without pickle, floats at
    their exact binary value); any other file is CSV text, one row per line, values separated
    by commas, each an integer, a decimal or a ratio such as ``1/3`` (read exactly by
    :func:`parse_number`, within the float64 range); blank lines and lines starting with ``#``
    are skipped. Every row has the same number (at least 2) of values. Errors are
    ``ValueError`` with a one-line message naming the file, line and column.
    """
    path = Path(path)
    rows = _rows_from_npy(path) if path.suffix.lower() == ".npy" else _rows_from_csv(path)
    if not rows:
        raise ValueError(f"{path}: no data rows (expected lines x..., y)")
    if len(rows[0]) < 2:
        raise ValueError(
            f"{path}: {len(rows[0])} column; need at least 2 (inputs x..., then the label y)"
        )
    X = [tuple(r[:-1]) if len(r) > 2 else r[0] for r in rows]
    return X, [r[-1] for r in rows]


#: Cells that :func:`read_column` reads as a missing value (case-insensitive, blanks stripped).
MISSING_MARKERS = frozenset({"", "na", "nan", "n/a", "null", "none", "."})


def _csv_cells(line: str, path: Path, number: int) -> list[str]:
    import csv

    try:
        return next(csv.reader([line], skipinitialspace=True))
    except csv.Error as exc:
        raise ValueError(f"{path}:{number}: malformed CSV line: {exc}") from exc


def read_column(path: str | Path, column: str | int) -> tuple[str, np.ndarray]:
    """Read one column of a CSV table with a header line: ``(name, values)``.

    The first line that is neither blank nor a ``#`` comment is the header (names may be
    quoted). ``column`` is a header name or, when no name matches, a position counted from 1
    (an ``int`` or its decimal text). Every row has as many cells as the header; only the
    chosen column is parsed, so the others may hold dates or text. Its cells are numbers read by
    :func:`parse_number` (size bounded before parsing, within the float64 range) and rounded to
    float64; an empty cell or one of :data:`MISSING_MARKERS` (``NA``, ``NaN``, ...) is a missing
    value, returned as ``nan``. Infinite values are refused. Errors are ``ValueError`` with a
    one-line message naming the file, line and column.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: not a UTF-8 text file (byte {exc.start}); expected a CSV table with a "
            "header line"
        ) from exc
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise ValueError(f"{path}: empty (expected a header line, then rows of values)")
    header = [name.strip() for name in _csv_cells(lines[0][1], path, lines[0][0])]
    if isinstance(column, (bool, np.bool_)):
        raise ValueError(f"column must be a name or a position, got {column!r}")
    given = str(column).strip()
    if given in header:
        position = header.index(given)
    elif given.isdecimal() and len(given) <= 18 and 1 <= int(given) <= len(header):
        position = int(given) - 1
    else:
        names = ", ".join(repr(name) for name in header[:20])
        raise ValueError(
            f"{path}: no column {_shown(given)}; the header has {len(header)} column(s): "
            f"{names}{', ...' if len(header) > 20 else ''} (give a name or a position from 1)"
        )
    if len(lines) - 1 > MAX_TABLE_ENTRIES:
        raise ValueError(f"{path}: more than {MAX_TABLE_ENTRIES:,} rows")
    values = np.empty(len(lines) - 1)
    for row, (number, line) in enumerate(lines[1:]):
        cells = _csv_cells(line, path, number)
        if len(cells) != len(header):
            raise ValueError(
                f"{path}:{number}: {len(cells)} values, but the header has {len(header)}"
            )
        cell = cells[position].strip()
        if cell.lower() in MISSING_MARKERS:
            values[row] = np.nan
            continue
        where = f"{path}:{number}: column {header[position]!r}"
        values[row] = float(parse_number(cell, where, floating=True))
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
