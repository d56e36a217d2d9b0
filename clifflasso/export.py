r"""Export a Lasso solution: LaTeX, a self-contained Python module, JSON, ``.npz``, PyTorch.

Every function takes an :class:`~clifflasso.exact.ExactLassoSolution` (exact numbers) or a float
:class:`~clifflasso.LassoSolution`.

* :func:`to_latex` - :math:`f^*(x) = \xi + \sum_j z_j F_j(x)`, the features with their
  generating data indices and coefficients, and the weights of every layer.
* :func:`to_python` - source of a module with ``f(x)`` (numpy, float64) and ``f_exact(x)``
  (the same formula over :class:`fractions.Fraction`, exact at rational points).
* :func:`to_json` / :func:`from_json` - the schema below; :func:`from_json` rebuilds the
  dictionary from the stored architecture and data and returns a solution of the same kind.
* :func:`to_npz` / :func:`load_npz` - the float network's arrays.
* :func:`to_torch` - a ``torch.nn.Module`` of the chain network (needs PyTorch).

JSON schema ``clifflasso.solution/1`` (exact values are strings ``"p/q"``; float inputs are
stored at their exact binary value, so a float solution also round-trips bit for bit)::

    {"schema": "clifflasso.solution/1", "exact": bool,
     "architecture": {"activation", "depth", "bias", "output_bias", "norm", "slope", "kind",
                      "widths"},
     "data": {"n_samples", "dim", "X": [[str]], "y": [str], "fingerprint": "sha256:<hex>"},
     "dictionary": {"family", "n_columns", "n_raw", "max_features", "seed"},
     "beta": str, "beta_max": str, "objective": str, "l1_norm": str, "intercept": str (xi),
     "formula": str (sympy),
     "features": [{"column": int (index in the raw family), "kind", "indices": [int],
                   "breakpoints": [float], "parameters": {name: float | [float] | [[float]]},
                   "z": str, "formula": str}],
     "network": {"exact": bool, "activation", "depth", "output_bias": str,
                 "units": [{"column", "layers": [{"weights": [[str]], "biases": [str]}],
                            "amplitude": str, "output_weight": str}]}}

In ``network`` the strings are exact sympy numbers (``"2**(1/3)"``) when ``exact`` is true
(exact solutions of 1-D families) and float reprs otherwise; ``fingerprint`` hashes the
architecture, X and y; ``max_features`` and ``seed`` repeat the sampling of d-D families.

**Loading is checking.** :func:`from_json` parses every number with
:func:`clifflasso._data.parse_number` (no ``eval``; at most :data:`MAX_EXACT_CHARS` characters
per number, exponents bounded, data within the float64 range), refuses ``beta < 0``, rebuilds
the dictionary and recomputes from the stored data and coefficients the objective, the l1 norm,
the optimal intercept :math:`\overline{y - Az}` (0 without an output bias) and
:math:`\beta_{\max}`: exactly for exact solutions, to a relative ``1e-8`` for float ones; any
mismatch (a changed ``z``, ``intercept``, ``beta``, ...) is a ``ValueError`` naming the field.
:func:`load_npz` reads without pickle, bounds the archive's unpacked size
(:data:`MAX_NPZ_BYTES`) before loading it and checks every array's type, shape and finiteness.
Files are written atomically (:func:`atomic_output`): a temporary file in the same directory,
moved onto the target only when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
import zipfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from clifflasso._data import MAX_EXACT_CHARS, parse_number
from clifflasso.architecture import KINDS, Architecture
from clifflasso.dictionary import dictionary
from clifflasso.exact.network import default_symbols, rational
from clifflasso.exact.path import ExactLassoSolution, exact_columns
from clifflasso.lasso.solution import LassoSolution
from clifflasso.numeric.network import ChainNetwork, SwitchingNetwork, SwitchingUnit

SCHEMA = "clifflasso.solution/1"

#: Largest unpacked size (bytes) of the arrays of an ``.npz`` archive that :func:`load_npz`
#: loads (read from the archive's directory before anything is unpacked).
MAX_NPZ_BYTES = 2**30

#: Relative tolerance of the consistency checks of float solutions in :func:`from_json`.
FLOAT_TOLERANCE = 1e-8


# ----------------------------------------------------------------------------- files
@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path next to ``path`` (same directory and suffix) to write to; moved onto
    ``path`` with :func:`os.replace` when the ``with`` block ends normally and removed when it
    raises, so ``path`` is either untouched or complete. The file gets the permissions of the
    file it replaces, else the default ones (``0o666`` less the umask)."""
    target = Path(path)
    directory = target.parent
    handle, name = tempfile.mkstemp(
        dir=directory, prefix=f".{target.name}.", suffix=f".tmp{target.suffix}"
    )
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        try:
            mode = target.stat().st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def check_writable(path: str | os.PathLike) -> Path:
    """``path`` if a file can be written there, else ``ValueError`` (one line): the path is a
    directory, its directory is missing or not a directory, the file exists read-only, or the
    directory refuses a new file (probed by creating and removing an empty temporary file,
    which is what :func:`atomic_output` will do)."""
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{target} is a directory")
    directory = target.parent
    if not directory.exists():
        raise ValueError(f"cannot write {target}: directory {directory} does not exist")
    if not directory.is_dir():
        raise ValueError(f"cannot write {target}: {directory} is not a directory")
    if target.exists() and not os.access(target, os.W_OK):
        raise ValueError(f"cannot write {target}: the file is read-only")
    try:
        handle, name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".probe")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ValueError(f"cannot write {target}: directory {directory}: {reason}") from exc
    os.close(handle)
    os.unlink(name)
    return target


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (:func:`atomic_output`)."""
    with atomic_output(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)


# ----------------------------------------------------------------------------- helpers
def _exact_string(value) -> str:
    """A number as an exact string ``"p/q"`` (floats at their binary value)."""
    if isinstance(value, sp.Rational):
        value = Fraction(int(value.p), int(value.q))
    return str(Fraction(value))


def _is_exact(solution) -> bool:
    if isinstance(solution, ExactLassoSolution):
        return True
    if isinstance(solution, LassoSolution):
        return False
    raise TypeError(f"expected a Lasso solution, got {type(solution).__name__}")


def formula(solution) -> sp.Expr:
    r""":math:`f^*(x)`: exact coefficients for exact solutions, sympy Floats (of the active
    coefficients) otherwise."""
    solution = solution.pruned()
    if _is_exact(solution):
        return solution.formula
    D = solution.dictionary
    support = [int(j) for j in solution.support]
    features = D.expressions(default_symbols(D), columns=support)
    return sp.Float(solution.intercept) + sp.Add(
        *(sp.Float(solution.z[j]) * feature for j, feature in zip(support, features))
    )


def _has_exact_weights(solution) -> bool:
    """Exact layer weights exist for exact solutions of 1-D families (see
    :mod:`clifflasso.exact.network`); d-D networks are exported with float weights."""
    return _is_exact(solution) and solution.dictionary.data.dim == 1


def _network_layers(solution) -> tuple[list[dict], str]:
    """Per unit: column, layers [(weights, biases)] as display strings, amplitude, output
    weight; and the output bias."""
    support = [int(j) for j in solution.support]
    if _has_exact_weights(solution):
        network = solution.exact_network
        units = [
            {
                "column": unit.column,
                "layers": [
                    (
                        [[str(w) for w in weights.row(i)] for i in range(weights.rows)],
                        [str(b) for b in biases],
                    )
                    for weights, biases in unit.layers
                ],
                "amplitude": str(unit.amplitude),
                "output_weight": str(unit.output_weight),
            }
            for unit in network.units
        ]
        return units, str(network.output_bias)
    network = solution.network
    if isinstance(network, ChainNetwork):
        units = []
        for i, column in enumerate(support):
            layers = [
                (
                    [[repr(float(w)) for w in network.first_weights[i]]],
                    [repr(float(network.first_biases[i]))],
                )
            ]
            layers += [
                (
                    [[repr(float(network.hidden_weights[i, k]))]],
                    [repr(float(network.hidden_biases[i, k]))],
                )
                for k in range(network.hidden_weights.shape[1])
            ]
            units.append(
                {
                    "column": column,
                    "layers": layers,
                    "amplitude": "1.0",
                    "output_weight": repr(float(network.output_weights[i])),
                }
            )
        return units, repr(float(network.output_bias))
    units = [
        {
            "column": column,
            "layers": [
                (
                    [[repr(float(w)) for w in row] for row in weights],
                    [repr(float(b)) for b in biases],
                )
                for weights, biases in unit.layers
            ],
            "amplitude": repr(float(unit.amplitude)),
            "output_weight": repr(float(alpha)),
        }
        for column, unit, alpha in zip(support, network.units, network.output_weights)
    ]
    return units, repr(float(network.output_bias))


def _param_key(array: np.ndarray, row: int):
    value = array[row]
    if array.dtype == object:
        return repr(value)
    return np.ascontiguousarray(value).tobytes()


def raw_columns(D) -> list[int]:
    """Index of each column of ``D`` in the raw (undeduplicated) family enumeration."""
    raw = D.family.enumerate()
    if len(raw) == len(D) and D.n_removed == 0:
        return list(range(len(D)))

    def key(table, row: int):
        names = sorted(table.params)
        return (
            str(table.kinds[row]),
            table.indices[row].tobytes(),
            tuple(_param_key(table.params[name], row) for name in names),
        )

    position = {}
    for i in range(len(raw)):
        position.setdefault(key(raw, i), i)
    return [position[key(D.table, j)] for j in range(len(D))]


def _fingerprint(architecture: dict, X: list, y: list) -> str:
    text = json.dumps({"architecture": architecture, "X": X, "y": y}, sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _architecture(arch: Architecture) -> dict:
    return {
        "activation": arch.activation,
        "depth": arch.depth,
        "bias": arch.bias,
        "output_bias": arch.output_bias,
        "norm": arch.norm,
        "slope": arch.slope,
        "kind": arch.kind,
        "widths": list(arch.widths) if arch.widths is not None else None,
    }


def _json_parameters(parameters: dict) -> dict:
    def convert(value):
        if isinstance(value, (tuple, list)):
            return [convert(v) for v in value]
        if isinstance(value, (float, int, np.floating, np.integer)):
            return float(value)
        return str(value)

    return {name: convert(value) for name, value in parameters.items()}


# ----------------------------------------------------------------------------- JSON
def to_json(solution, *, indent: int | None = 2) -> str:
    """The solution as JSON (module docstring: schema ``clifflasso.solution/1``); a float
    solution with its active coefficients only (:meth:`~clifflasso.LassoSolution.pruned`)."""
    solution = solution.pruned()
    exact = _is_exact(solution)
    D = solution.dictionary
    arch = _architecture(D.arch)
    X = [[_exact_string(v) for v in row] for row in D.data.exact]
    y = [_exact_string(v) for v in solution.y]
    support = [int(j) for j in solution.support]
    raw = raw_columns(D)
    expressions = D.expressions(default_symbols(D), columns=support)
    features = []
    for j, expression in zip(support, expressions):
        feature = D.features[j]
        features.append(
            {
                "column": raw[j],
                "kind": feature.kind,
                "indices": list(feature.indices),
                "breakpoints": [float(b) for b in feature.breakpoints],
                "parameters": _json_parameters(feature.parameters),
                "z": _exact_string(solution.z[j]),
                "formula": str(expression),
            }
        )
    units, output_bias = _network_layers(solution)
    document = {
        "schema": SCHEMA,
        "exact": exact,
        "architecture": arch,
        "data": {
            "n_samples": D.data.n_samples,
            "dim": D.data.dim,
            "X": X,
            "y": y,
            "fingerprint": _fingerprint(arch, X, y),
        },
        "dictionary": {
            "family": D.family.name,
            "n_columns": len(D),
            "n_raw": D.n_raw,
            "max_features": getattr(D.family, "max_features", None),
            "seed": getattr(D.family, "seed", 0),
        },
        "beta": _exact_string(solution.beta),
        "beta_max": _exact_string(solution.beta_max),
        "objective": _exact_string(solution.objective),
        "l1_norm": _exact_string(solution.l1_norm),
        "intercept": _exact_string(solution.intercept),
        "formula": str(formula(solution)),
        "features": features,
        "network": {
            "exact": _has_exact_weights(solution),
            "activation": D.arch.activation,
            "depth": D.arch.depth,
            "output_bias": output_bias,
            "units": [
                {
                    "column": raw[unit["column"]],
                    "layers": [{"weights": w, "biases": b} for w, b in unit["layers"]],
                    "amplitude": unit["amplitude"],
                    "output_weight": unit["output_weight"],
                }
                for unit in units
            ],
        },
    }
    return json.dumps(document, indent=indent)


class _Fields:
    """Typed access to the fields of a JSON document; errors name the field (``ValueError``)."""

    def __init__(self, document: object) -> None:
        self.document = document

    @staticmethod
    def error(name: str, message: str) -> ValueError:
        return ValueError(f"{SCHEMA}: field {name!r}: {message}")

    def raw(self, name: str, *, optional: bool = False):
        """The value of a (dotted) field, unchecked."""
        value = self.document
        for part in name.split("."):
            if not isinstance(value, dict):
                raise self.error(name, "expected an object above it")
            if part not in value:
                if optional:
                    return None
                raise ValueError(f"{SCHEMA}: missing field {name!r}")
            value = value[part]
        return value

    def get(self, name: str, kind: type | tuple[type, ...], *, optional: bool = False):
        value = self.raw(name, optional=optional)
        if optional and value is None:
            return None
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.error(name, f"expected {_kind_name(kind)}, got {value!r}")
        if not isinstance(value, kind):
            raise self.error(name, f"expected {_kind_name(kind)}, got {type(value).__name__}")
        return value

    def integer(self, name: str, minimum: int = 0, *, optional: bool = False) -> int | None:
        value = self.get(name, int, optional=optional)
        if value is not None and value < minimum:
            raise self.error(name, f"must be >= {minimum}, got {value}")
        return value

    def number(self, name: str, text: object, *, floating: bool = False) -> Fraction:
        if not isinstance(text, str):
            raise self.error(name, f"expected a number as a string, got {type(text).__name__}")
        try:
            return parse_number(
                text, f"field {name!r}", floating=floating, max_chars=MAX_EXACT_CHARS
            )
        except ValueError as exc:
            raise ValueError(f"{SCHEMA}: {exc}") from exc

    def exact(self, name: str, *, minimum: Fraction | None = None) -> Fraction:
        text = self.raw(name)
        value = self.number(name, text)
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be >= {minimum}, got {_short(text)}")
        return value


def _kind_name(kind) -> str:
    names = {
        str: "a string",
        int: "an integer",
        bool: "true or false",
        list: "a list",
        dict: "an object",
        float: "a number",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _no_constants(name: str):
    raise ValueError(f"{SCHEMA}: {name} is not allowed (numbers are exact strings)")


def _close(stored: float, recomputed: float, scale: float) -> bool:
    """Equal up to :data:`FLOAT_TOLERANCE` relative to the larger value or ``scale``."""
    size = max(abs(stored), abs(recomputed), scale)
    return abs(stored - recomputed) <= FLOAT_TOLERANCE * size


def _architecture_from(fields: _Fields) -> tuple[dict, Architecture]:
    spec = fields.get("architecture", dict)
    known = {"activation", "depth", "bias", "output_bias", "norm", "slope", "kind", "widths"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise fields.error("architecture", f"unknown keys {unknown}")
    values = {
        "activation": fields.get("architecture.activation", str),
        "depth": fields.integer("architecture.depth", 2),
        "bias": fields.get("architecture.bias", bool),
        "output_bias": fields.get("architecture.output_bias", bool),
        "norm": fields.integer("architecture.norm", 1),
        "slope": fields.get("architecture.slope", (int, float), optional=True),
        "kind": fields.get("architecture.kind", str),
    }
    widths = fields.get("architecture.widths", list, optional=True)
    if widths is not None:
        if not all(isinstance(m, int) and not isinstance(m, bool) for m in widths):
            raise fields.error("architecture.widths", "expected a list of integers")
        values["widths"] = tuple(widths)
    try:
        return spec, Architecture(**values)
    except ValueError as exc:
        raise fields.error("architecture", str(exc)) from exc


def _data_from(fields: _Fields, arch_spec: dict) -> tuple[list, list, int]:
    n = fields.integer("data.n_samples", 1)
    dim = fields.integer("data.dim", 1)
    rows = fields.get("data.X", list)
    labels = fields.get("data.y", list)
    if len(rows) != n:
        raise fields.error("data.X", f"{len(rows)} rows, but data.n_samples = {n}")
    if len(labels) != n:
        raise fields.error("data.y", f"{len(labels)} entries, but data.n_samples = {n}")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != dim:
            raise fields.error(f"data.X[{i}]", f"expected a list of {dim} numbers (data.dim)")
    fingerprint = fields.get("data.fingerprint", str)
    if _fingerprint(arch_spec, rows, labels) != fingerprint:
        raise fields.error("data.fingerprint", "mismatch: the architecture, X or y were changed")
    X = [
        [fields.number(f"data.X[{i}][{k}]", v, floating=True) for k, v in enumerate(row)]
        for i, row in enumerate(rows)
    ]
    y = [fields.number(f"data.y[{i}]", v, floating=True) for i, v in enumerate(labels)]
    return X, y, dim


def _as_float(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _mismatch(fields: _Fields, name: str, stored: str, recomputed: str) -> ValueError:
    return fields.error(
        name,
        f"{stored} does not match {recomputed} recomputed from the stored data and coefficients",
    )


def _check_exact(
    fields: _Fields, columns: list, z: list, y: list, output_bias: bool, stored: dict
) -> None:
    """Exact recomputation of the l1 norm, the optimal intercept and the objective."""
    n = len(y)
    support = [j for j, value in enumerate(z) if value != 0]
    fitted = [Fraction(0)] * n
    for j in support:
        fitted = [f + z[j] * a for f, a in zip(fitted, columns[j])]
    intercept = sum(y, Fraction(0)) / n - sum(fitted, Fraction(0)) / n if output_bias else 0
    l1_norm = sum((abs(v) for v in z), Fraction(0))
    residual = [f + stored["intercept"] - t for f, t in zip(fitted, y)]
    objective = sum((r * r for r in residual), Fraction(0)) / 2 + stored["beta"] * l1_norm
    for name, recomputed in (
        ("l1_norm", l1_norm),
        ("intercept", Fraction(intercept)),
        ("objective", objective),
    ):
        if stored[name] != recomputed:
            raise _mismatch(fields, name, _short(str(stored[name])), _short(str(recomputed)))


def _check_float(
    fields: _Fields, A: np.ndarray, z: np.ndarray, y: np.ndarray, output_bias: bool, stored: dict
) -> None:
    """The same checks in float64, to :data:`FLOAT_TOLERANCE` of the natural scales."""
    fitted = A @ z
    values = {name: _as_float(value) for name, value in stored.items()}
    largest = float(np.max(np.abs(A))) if A.size else 0.0
    size = max(float(np.max(np.abs(y))), abs(values["intercept"]), largest * np.sum(np.abs(z)))
    # rounding moves 1/2 ||r||^2 by about ||r|| ||dr||, ||dr|| a few ulps of the terms of r
    spread = float(np.linalg.norm(y) + np.linalg.norm(fitted)) + math.sqrt(len(y)) * abs(
        values["intercept"]
    )
    residual = fitted + values["intercept"] - y
    recomputed = {
        "l1_norm": (float(np.sum(np.abs(z))), 0.0),
        "intercept": (float(np.mean(y - fitted)) if output_bias else 0.0, float(size)),
        "objective": (
            float(0.5 * residual @ residual + values["beta"] * np.sum(np.abs(z))),
            0.5 * spread * spread,
        ),
    }
    for name, (value, scale) in recomputed.items():
        if not _close(values[name], value, scale):
            raise _mismatch(fields, name, repr(values[name]), repr(value))


def _check_beta_max(fields: _Fields, raw, y: np.ndarray, stored: Fraction) -> None:
    r""":math:`\beta_{\max} = \|A_c^\top y_c\|_\infty` over the rebuilt raw family."""
    A = raw.matrix
    if raw.arch.output_bias:
        A, y = A - A.mean(axis=0), y - y.mean()
    correlations = A.T @ y
    top = float(np.max(np.abs(correlations))) if correlations.size else 0.0
    bound = float(np.linalg.norm(y)) * (float(np.max(np.linalg.norm(A, axis=0))) if A.size else 0.0)
    if not _close(_as_float(stored), top, bound):
        raise fields.error(
            "beta_max",
            f"{_as_float(stored)!r} does not match {top!r} recomputed from the data over the "
            "rebuilt dictionary",
        )


def from_json(text: str | bytes):
    """Rebuild a solution from :func:`to_json` output: an
    :class:`~clifflasso.exact.ExactLassoSolution` or a :class:`~clifflasso.LassoSolution` over
    the stored columns of the raw family (rebuilt from the stored architecture and data).

    Every field is checked (module docstring, "Loading is checking"): malformed, oversized or
    inconsistent documents raise ``ValueError`` with a one-line message naming the field.
    """
    try:
        document = json.loads(text, parse_constant=_no_constants)
    except RecursionError as exc:
        raise ValueError(f"not a {SCHEMA} document: nested too deeply") from exc
    except ValueError as exc:
        if str(exc).startswith(SCHEMA):
            raise
        raise ValueError(f"not a {SCHEMA} document: {' '.join(str(exc).split())}") from exc
    if not isinstance(document, dict):
        raise ValueError(f"not a {SCHEMA} document (expected a JSON object)")
    fields = _Fields(document)
    if document.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} document (schema = {document.get('schema')!r})")
    exact = fields.get("exact", bool)
    arch_spec, arch = _architecture_from(fields)
    X, y, dim = _data_from(fields, arch_spec)
    max_features = fields.integer("dictionary.max_features", 1, optional=True)
    seed = fields.integer("dictionary.seed", 0)
    stored = {
        name: fields.exact(name, minimum=Fraction(0))
        for name in ("beta", "beta_max", "objective", "l1_norm")
    }
    stored["intercept"] = fields.exact("intercept")
    features = fields.get("features", list)
    try:
        raw = dictionary(
            X if dim > 1 else [row[0] for row in X],
            arch,
            dedupe=False,
            max_features=max_features,
            seed=seed,
        )
    except ValueError as exc:
        raise ValueError(f"{SCHEMA}: cannot rebuild the dictionary: {exc}") from exc
    columns, z = [], []
    for j, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise fields.error(f"features[{j}]", "expected an object")
        item = _Fields(feature)
        column = item.get("column", int)
        if not 0 <= column < len(raw):
            raise fields.error(
                f"features[{j}].column",
                f"{column} is not a column of the rebuilt family (0..{len(raw) - 1})",
            )
        if column in columns:
            raise fields.error(f"features[{j}].column", f"column {column} appears twice")
        columns.append(column)
        z.append(fields.number(f"features[{j}].z", item.raw("z")))
    D = raw.subset(columns)
    for j, feature in enumerate(features):
        rebuilt = D.features[j]
        if rebuilt.kind != feature.get("kind") or list(rebuilt.indices) != feature.get("indices"):
            raise fields.error(
                f"features[{j}]",
                f"raw column {feature['column']} does not match the rebuilt family: "
                f"{rebuilt.kind} {rebuilt.indices} vs {feature.get('kind')} "
                f"{feature.get('indices')}",
            )
    labels = np.array([_as_float(v) for v in y])
    _check_beta_max(fields, raw, labels, stored["beta_max"])
    if exact:
        try:
            exact_values = exact_columns(D)
        except ValueError as exc:
            raise fields.error("exact", str(exc)) from exc
        _check_exact(fields, exact_values, z, y, arch.output_bias, stored)
        return ExactLassoSolution(
            z=np.array(z, dtype=object),
            intercept=stored["intercept"],
            dictionary=D,
            y=np.array(y, dtype=object),
            beta=stored["beta"],
            beta_max=stored["beta_max"],
            method="from JSON",
            columns=exact_values,
        )
    coefficients = np.array([_as_float(v) for v in z])
    for name, value in [
        *((name, _as_float(value)) for name, value in stored.items()),
        *((f"features[{j}].z", v) for j, v in enumerate(coefficients)),
    ]:
        if not math.isfinite(value):
            raise fields.error(name, "overflows float64 in a float solution")
    _check_float(fields, D.matrix, coefficients, labels, arch.output_bias, stored)
    return LassoSolution(
        z=coefficients,
        intercept=_as_float(stored["intercept"]),
        dictionary=D,
        y=labels,
        beta=_as_float(stored["beta"]),
        beta_max=_as_float(stored["beta_max"]),
        method="from JSON",
    )


# ----------------------------------------------------------------------------- LaTeX
#: Visible characters (estimated by :func:`_visible_width`) of one line of a broken sum.
LATEX_LINE_WIDTH = 60

_LATEX_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\begin{document}
"""


def _latex_number(text: str) -> str:
    return sp.latex(sp.sympify(text))


def _visible_width(latex: str) -> int:
    r"""A rough count of the characters a LaTeX math string prints: ``\left``/``\right`` and
    braces count 0, ``\max``/``\min`` 3, any other command 1."""
    text = latex.replace(r"\left", "").replace(r"\right", "")
    width, i = 0, 0
    while i < len(text):
        if text[i] == "\\":
            j = i + 1
            while j < len(text) and text[j].isalpha():
                j += 1
            name = text[i + 1 : j]
            width += 3 if name in ("max", "min") else 1
            i = max(j, i + 2)
        else:
            width += text[i] not in "{} "
            i += 1
    return width


def latex_lines(expression: sp.Expr, width: int = LATEX_LINE_WIDTH) -> list[str]:
    r"""The sum ``expression`` as LaTeX lines of at most about ``width`` visible characters
    each (a term longer than that gets a line of its own): its terms in sympy's order, every
    line after the first starting with its ``+`` or ``-``; joined they read as the sum."""
    lines: list[str] = []
    current = ""
    for term in expression.as_ordered_terms():
        text = sp.latex(term)
        piece = (
            text
            if not current and not lines
            else (f" - {text[1:].lstrip()}" if text.startswith("-") else f" + {text}")
        )
        if current and _visible_width(current + piece) > width:
            lines.append(current)
            current = piece.lstrip()
        else:
            current += piece
    lines.append(current)
    return lines


def _latex_scalar_or_matrix(rows: list[list[str]]) -> str:
    """A 1 x 1 array as a scalar, anything else as a bracketed matrix."""
    if len(rows) == 1 and len(rows[0]) == 1:
        return sp.latex(sp.sympify(rows[0][0]))
    return sp.latex(sp.Matrix([[sp.sympify(w) for w in row] for row in rows]), mat_delim="[")


def to_latex(solution, *, standalone: bool = False) -> str:
    r"""LaTeX of the solution: the formula :math:`f^*(x)` (a sum broken across lines of about
    :data:`LATEX_LINE_WIDTH` characters, ``aligned``), a table of the active features
    (generating data indices, closed form, coefficient) and the weights of every layer
    (scalars as scalars, larger layers as matrices). Needs ``amsmath``.

    ``standalone``: a complete document (``article``, ``amsmath``, ``geometry``) that compiles
    with ``pdflatex`` as it is. A float solution of rational data whose rationalised
    coefficients pass the exact KKT check (:attr:`~clifflasso.LassoSolution.rationalised`) is
    written with those fractions; only active coefficients are written
    (:data:`~clifflasso.lasso.solution.ACTIVE_TOLERANCE`)."""
    solution = solution.pruned()
    D = solution.dictionary
    exact = _is_exact(solution)
    rational = None if exact else solution.rationalised
    support = [int(j) for j in solution.active]
    expressions = D.expressions(default_symbols(D), columns=support)
    values = {
        "beta": solution.beta,
        "xi": solution.intercept,
        "l1": solution.l1_norm,
        "objective": solution.objective,
    }
    coefficient = solution.z.__getitem__
    if exact:
        show, expression, kind = _exact_string, formula(solution), "exact solution"
    elif rational is not None:
        show, expression = _exact_string, solution.formula
        kind = "float solution, coefficients rationalised (exact KKT check passed)"
        coefficient = rational.z.__getitem__
        values = {
            "beta": rational.beta,
            "xi": rational.intercept,
            "l1": sum((abs(v) for v in rational.z), Fraction(0)),
            "objective": rational.objective,
        }
    else:
        show, expression, kind = (lambda v: f"{float(v):.10g}"), formula(solution), "float solution"
    pieces = latex_lines(expression)
    lines = [
        f"% clifflasso: {D.arch.activation} network, depth {D.arch.depth}, "
        f"N = {D.data.n_samples}, {D.family.name} dictionary ({len(D)} columns), {kind}",
        r"\begin{equation*}",
        r"\begin{aligned}",
        r"f^*(x) = {} & " + pieces[0] + (r" \\" if len(pieces) > 1 else ""),
        *(
            rf"& {{}} {piece}" + (r" \\" if k < len(pieces) - 2 else "")
            for k, piece in enumerate(pieces[1:])
        ),
        r"\end{aligned}",
        r"\end{equation*}",
        rf"\noindent $\beta = {_latex_number(show(values['beta']))}$, "
        rf"$\xi = {_latex_number(show(values['xi']))}$, "
        rf"$\|z\|_1 = {_latex_number(show(values['l1']))}$, "
        rf"objective ${_latex_number(show(values['objective']))}$.",
        "",
        r"\begin{tabular}{rllll}",
        r"$j$ & kind & data indices & $F_j(x)$ & $z_j$ \\ \hline",
    ]
    for j, feature_formula in zip(support, expressions):
        feature = D.features[j]
        indices = ", ".join(str(i) for i in feature.indices)
        lines.append(
            rf"{j} & {feature.kind} & $({indices})$ & ${sp.latex(feature_formula)}$ & "
            rf"${_latex_number(show(coefficient(j)))}$ \\"
        )
    lines += [
        r"\end{tabular}",
        "",
        r"\begin{tabular}{rlll}",
        r"unit & layer & weight & bias \\ \hline",
    ]
    units, output_bias = _network_layers(solution)
    for unit in units:
        for level, (weights, biases) in enumerate(unit["layers"], start=1):
            matrix = _latex_scalar_or_matrix(weights)
            vector = _latex_scalar_or_matrix([[b] for b in biases])
            lines.append(rf"{unit['column']} & {level} & ${matrix}$ & ${vector}$ \\")
        output = sp.sympify(unit["output_weight"]) * sp.sympify(unit["amplitude"])
        lines.append(rf"{unit['column']} & output & ${sp.latex(output)}$ & \\")
    lines += [
        rf"\multicolumn{{4}}{{l}}{{output bias $\xi = {_latex_number(output_bias)}$}} \\",
        r"\end{tabular}",
    ]
    text = "\n".join(lines) + "\n"
    if standalone:
        return _LATEX_PREAMBLE + text + "\\end{document}\n"
    return text


# ----------------------------------------------------------------------------- Python
class _ModulePrinter(NumPyPrinter):
    """numpy code whose rationals are ``q(p, d)`` (float or Fraction by the caller) and whose
    ``Piecewise`` is a nest of ``numpy.where`` (works for object arrays of Fractions)."""

    def _print_Rational(self, expr) -> str:
        return f"q({expr.p}, {expr.q})"

    def _print_Half(self, expr) -> str:
        return "q(1, 2)"

    def _print_Piecewise(self, expr) -> str:
        result = self._print(expr.args[-1].expr)
        if expr.args[-1].cond != sp.true:
            raise ValueError("Piecewise without a default branch")
        for piece in reversed(expr.args[:-1]):
            result = f"numpy.where({self._print(piece.cond)}, {self._print(piece.expr)}, {result})"
        return result


_MODULE_TEMPLATE = '''"""f*(x) exported by clifflasso: {description}.

f(x): float64 evaluation with numpy; f_exact(x): the same formula over fractions.Fraction,
exact at rational points. {shape_note}
"""

import functools  # noqa: F401 (used by Max/Min)
from fractions import Fraction

import numpy

Z = {z!r}
XI = {xi!r}
FORMULA = {formula!r}


def _formula({arguments}, q):
    return {body}


def _columns(x, convert):
    x = numpy.asarray(x, dtype=object)
    {unpack}


def f(x):
    """The fitted function in float64."""
    columns = _columns(x, float)
    return numpy.asarray(_formula(*columns, q=lambda p, d: p / d) + 0 * columns[0],
                         dtype=float)


def f_exact(x):
    """The fitted function over fractions.Fraction (exact at rational points)."""
    columns = _columns(x, Fraction)
    return _formula(*columns, q=Fraction) + Fraction(0) * columns[0]
'''


def to_python(solution) -> str:
    """Source of a self-contained module (numpy and the standard library only) defining
    ``f(x)`` (float64) and ``f_exact(x)`` (Fractions), plus ``Z`` (column: coefficient), ``XI``
    and ``FORMULA`` (the sympy formula as text); active coefficients only."""
    solution = solution.pruned()
    D = solution.dictionary
    symbols = default_symbols(D)
    symbols = list(symbols) if isinstance(symbols, tuple) else [symbols]
    names = [str(s) for s in symbols]
    expression = formula(solution)
    if not _is_exact(solution):
        expression = expression.xreplace(
            {f: rational(Fraction(float(f))) for f in expression.atoms(sp.Float)}
        )
    body = _ModulePrinter({"fully_qualified_modules": True}).doprint(expression)
    if len(names) == 1:
        unpack = (
            "values = numpy.vectorize(convert, otypes=[object])(x.reshape(-1))\n"
            "    return (values.astype(float) if convert is float else values,)"
        )
        shape_note = "x: shape (n,)."
    else:
        unpack = (
            f"values = numpy.vectorize(convert, otypes=[object])(x.reshape(-1, {len(names)}))\n"
            "    values = values.astype(float) if convert is float else values\n"
            f"    return tuple(values[:, k] for k in range({len(names)}))"
        )
        shape_note = f"x: shape (n, {len(names)})."
    description = (
        f"{D.arch.activation} network, depth {D.arch.depth}, beta = {solution.beta}, "
        f"{'exact' if _is_exact(solution) else 'float'} solution"
    )
    return _MODULE_TEMPLATE.format(
        description=description,
        shape_note=shape_note,
        z={int(j): _exact_string(solution.z[j]) for j in solution.support},
        xi=_exact_string(solution.intercept),
        formula=str(formula(solution)),
        arguments=", ".join(names),
        body=body,
        unpack=unpack,
    )


# ----------------------------------------------------------------------------- npz / torch
def to_npz(solution, file) -> None:
    """Write the float network's arrays to ``file`` (a path or a binary file object), one unit
    per active coefficient."""
    solution = solution.pruned()
    network = solution.network
    if isinstance(network, ChainNetwork):
        arrays = {
            "type": np.array("chain"),
            "activation": np.array(network.activation),
            "depth": np.array(network.depth),
            "norm": np.array(network.norm),
            "slope": np.array(np.nan if network.slope is None else network.slope),
            "first_weights": network.first_weights,
            "first_biases": network.first_biases,
            "hidden_weights": network.hidden_weights,
            "hidden_biases": network.hidden_biases,
            "output_weights": network.output_weights,
            "output_bias": np.array(network.output_bias),
        }
    else:
        arrays = {
            "type": np.array("switching"),
            "activation": np.array(network.activation),
            "depth": np.array(network.depth),
            "kind": np.array(network.kind),
            "input_dim": np.array(network.input_dim),
            "widths": np.array(network.widths or (), dtype=np.int64),
            "amplitudes": np.array([unit.amplitude for unit in network.units]),
            "output_weights": network.output_weights,
            "output_bias": np.array(network.output_bias),
        }
        for i, unit in enumerate(network.units):
            for level, (weights, biases) in enumerate(unit.layers):
                arrays[f"unit{i}_W{level}"] = weights
                arrays[f"unit{i}_b{level}"] = biases
    if isinstance(file, (str, os.PathLike)):
        with atomic_output(file) as temporary, open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
    else:
        np.savez(file, **arrays)


class _Arrays:
    """The arrays of an ``.npz`` network, checked as they are taken (``ValueError`` naming the
    array)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays

    @staticmethod
    def error(name: str, message: str) -> ValueError:
        return ValueError(f"npz network: array {name!r}: {message}")

    def raw(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            raise ValueError(f"npz network: missing array {name!r}")
        return self.arrays[name]

    def text(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.raw(name)
        if value.dtype.kind != "U" or value.ndim != 0:
            raise self.error(
                name, f"expected a string, got dtype {value.dtype} shape {value.shape}"
            )
        if str(value) not in choices:
            raise self.error(name, f"expected one of {', '.join(choices)}, got {str(value)!r}")
        return str(value)

    def integer(self, name: str, minimum: int) -> int:
        value = self.raw(name)
        if value.dtype.kind not in "iu" or value.ndim != 0:
            raise self.error(
                name, f"expected an integer, got dtype {value.dtype} shape {value.shape}"
            )
        if int(value) < minimum:
            raise self.error(name, f"must be >= {minimum}, got {int(value)}")
        return int(value)

    def floats(self, name: str, shape: tuple, *, nan: bool = False) -> np.ndarray:
        """A float array of ``shape`` (``None`` entries free), finite (NaN allowed if ``nan``)."""
        value = self.raw(name)
        if value.dtype.kind not in "iuf":
            raise self.error(name, f"expected real numbers, got dtype {value.dtype}")
        if value.ndim != len(shape) or any(
            want is not None and got != want for got, want in zip(value.shape, shape)
        ):
            wanted = tuple("*" if w is None else w for w in shape)
            raise self.error(name, f"expected shape {wanted}, got {value.shape}")
        value = value.astype(np.float64)
        finite = np.isfinite(value) | (np.isnan(value) if nan else False)
        if not np.all(finite):
            raise self.error(name, "contains NaN or infinite values")
        return value


def _npz_arrays(file) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive: no pickle, unpacked size bounded before loading."""
    try:
        archive = np.load(file, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"not an .npz archive: {' '.join(str(exc).split())}") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError("not an .npz archive (a single .npy array)")
    with archive:
        try:
            total = sum(info.file_size for info in archive.zip.infolist())
        except AttributeError:  # not backed by a zip file object
            total = 0
        if total > MAX_NPZ_BYTES:
            raise ValueError(
                f"npz network: {total:,} bytes unpacked, more than the limit of {MAX_NPZ_BYTES:,}"
            )
        try:
            return {name: archive[name] for name in archive.files}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"unreadable .npz archive: {' '.join(str(exc).split())}") from exc


def load_npz(file) -> ChainNetwork | SwitchingNetwork:
    """The network written by :func:`to_npz`, checked: read without pickle, unpacked size at
    most :data:`MAX_NPZ_BYTES`, every array of the expected type, shape and finite values
    (``ValueError`` naming the array otherwise)."""
    a = _Arrays(_npz_arrays(file))
    kind = a.text("type", ("chain", "switching"))
    depth = a.integer("depth", 2)
    output_bias = float(a.floats("output_bias", ()))
    if kind == "chain":
        activation = a.text("activation", ("relu", "leaky_relu", "abs"))
        norm = a.integer("norm", 1)
        if norm not in (1, 2):
            raise a.error("norm", f"must be 1 or 2, got {norm}")
        slope = float(a.floats("slope", (), nan=True))
        output_weights = a.floats("output_weights", (None,))
        m = output_weights.shape[0]
        first_weights = a.floats("first_weights", (m, None))
        if first_weights.shape[1] < 1:
            raise a.error("first_weights", "needs at least one input column")
        if activation == "leaky_relu" and not 0 < slope < 1:
            raise a.error("slope", f"leaky_relu needs 0 < slope < 1, got {slope}")
        return ChainNetwork(
            activation=activation,
            depth=depth,
            norm=norm,
            first_weights=first_weights,
            first_biases=a.floats("first_biases", (m,)),
            hidden_weights=a.floats("hidden_weights", (m, depth - 2)),
            hidden_biases=a.floats("hidden_biases", (m, depth - 2)),
            output_weights=output_weights,
            output_bias=output_bias,
            slope=None if np.isnan(slope) else slope,
        )
    activation = a.text("activation", ("sign", "threshold"))
    network_kind = a.text("kind", KINDS)
    input_dim = a.integer("input_dim", 1)
    widths_array = a.raw("widths")
    if widths_array.dtype.kind not in "iu" or widths_array.ndim != 1 or np.any(widths_array < 1):
        raise a.error("widths", "expected a list of positive integers")
    amplitudes = a.floats("amplitudes", (None,))
    m = amplitudes.shape[0]
    output_weights = a.floats("output_weights", (m,))
    units = []
    for i in range(m):
        layers, inputs = [], input_dim
        for level in range(depth - 1):
            weights = a.floats(f"unit{i}_W{level}", (None, inputs))
            biases = a.floats(f"unit{i}_b{level}", (weights.shape[0],))
            layers.append((weights, biases))
            inputs = weights.shape[0]
        units.append(SwitchingUnit(layers=tuple(layers), amplitude=float(amplitudes[i])))
    return SwitchingNetwork(
        activation=activation,
        depth=depth,
        kind=network_kind,
        units=tuple(units),
        output_weights=output_weights,
        output_bias=output_bias,
        input_dim=input_dim,
        widths=tuple(int(w) for w in widths_array) or None,
    )


def to_torch(solution):
    """A ``torch.nn.Module`` (float64) computing the chain network of ``solution`` (its active
    units): a :class:`clifflasso.export_torch.ChainModule`, defined at module level, so
    ``torch.save(module, file)`` works.

    PyTorch is imported only here; without it this raises ``ImportError``.
    """
    try:
        from clifflasso.export_torch import ChainModule
    except ImportError as exc:
        raise ImportError(
            "clifflasso.export.to_torch needs PyTorch (pip install torch); the LaTeX, Python, "
            "JSON and npz exports do not"
        ) from exc
    network = solution.pruned().network
    if not isinstance(network, ChainNetwork):
        raise ValueError("to_torch exports chain networks (ReLU, leaky ReLU, abs) only")
    return ChainModule(network)
