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
"""

from __future__ import annotations

import functools
import hashlib
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from clifflasso.architecture import Architecture
from clifflasso.dictionary import dictionary
from clifflasso.exact.network import default_symbols, rational
from clifflasso.exact.path import ExactLassoSolution, exact_columns
from clifflasso.numeric.lasso import LassoSolution
from clifflasso.numeric.network import ChainNetwork, SwitchingNetwork, SwitchingUnit

SCHEMA = "clifflasso.solution/1"


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
    r""":math:`f^*(x)`: exact coefficients for exact solutions, sympy Floats otherwise."""
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
    """The solution as JSON (module docstring: schema ``clifflasso.solution/1``)."""
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


def from_json(text: str):
    """Rebuild a solution from :func:`to_json` output: an
    :class:`~clifflasso.exact.ExactLassoSolution` or a :class:`~clifflasso.LassoSolution` over
    the stored columns of the raw family (rebuilt from the stored architecture and data)."""
    document = json.loads(text)
    if document.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} document (schema = {document.get('schema')!r})")
    data = document["data"]
    if _fingerprint(document["architecture"], data["X"], data["y"]) != data["fingerprint"]:
        raise ValueError("data fingerprint mismatch: the architecture, X or y were changed")
    spec = dict(document["architecture"])
    if spec["widths"] is not None:
        spec["widths"] = tuple(spec["widths"])
    arch = Architecture(**spec)
    X = [[Fraction(v) for v in row] for row in data["X"]]
    sampling = document["dictionary"]
    raw = dictionary(
        X if data["dim"] > 1 else [row[0] for row in X],
        arch,
        max_features=sampling["max_features"],
        seed=sampling["seed"],
    )
    columns = [feature["column"] for feature in document["features"]]
    D = raw.subset(columns)
    for j, feature in enumerate(document["features"]):
        rebuilt = D.features[j]
        if rebuilt.kind != feature["kind"] or list(rebuilt.indices) != feature["indices"]:
            raise ValueError(
                f"feature {j} (raw column {feature['column']}) does not match the rebuilt "
                f"family: {rebuilt.kind} {rebuilt.indices} vs {feature['kind']} "
                f"{feature['indices']}"
            )
    z = [Fraction(feature["z"]) for feature in document["features"]]
    y = [Fraction(v) for v in data["y"]]
    beta, beta_max = Fraction(document["beta"]), Fraction(document["beta_max"])
    intercept = Fraction(document["intercept"])
    if document["exact"]:
        return ExactLassoSolution(
            z=np.array(z, dtype=object),
            intercept=intercept,
            dictionary=D,
            y=np.array(y, dtype=object),
            beta=beta,
            beta_max=beta_max,
            method="from JSON",
            columns=exact_columns(D),
        )
    return LassoSolution(
        z=np.array([float(v) for v in z]),
        intercept=float(intercept),
        dictionary=D,
        y=np.array([float(v) for v in y]),
        beta=float(beta),
        beta_max=float(beta_max),
        method="from JSON",
    )


# ----------------------------------------------------------------------------- LaTeX
def _latex_number(text: str) -> str:
    return sp.latex(sp.sympify(text))


def to_latex(solution) -> str:
    r"""A LaTeX fragment: the formula :math:`f^*(x)`, a table of the active features
    (generating data indices, closed form, coefficient) and the weights of every layer."""
    D = solution.dictionary
    exact = _is_exact(solution)
    support = [int(j) for j in solution.support]
    expressions = D.expressions(default_symbols(D), columns=support)
    show = _exact_string if exact else (lambda v: f"{float(v):.10g}")
    lines = [
        f"% clifflasso: {D.arch.activation} network, depth {D.arch.depth}, "
        f"N = {D.data.n_samples}, {D.family.name} dictionary ({len(D)} columns), "
        f"{'exact' if exact else 'float'} solution",
        r"\begin{equation*}",
        r"f^*(x) = " + sp.latex(formula(solution)),
        r"\end{equation*}",
        rf"\noindent $\beta = {_latex_number(show(solution.beta))}$, "
        rf"$\xi = {_latex_number(show(solution.intercept))}$, "
        rf"$\|z\|_1 = {_latex_number(show(solution.l1_norm))}$, "
        rf"objective ${_latex_number(show(solution.objective))}$.",
        "",
        r"\begin{tabular}{rllll}",
        r"$j$ & kind & data indices & $F_j(x)$ & $z_j$ \\ \hline",
    ]
    for j, expression in zip(support, expressions):
        feature = D.features[j]
        indices = ", ".join(str(i) for i in feature.indices)
        lines.append(
            rf"{j} & {feature.kind} & $({indices})$ & ${sp.latex(expression)}$ & "
            rf"${_latex_number(show(solution.z[j]))}$ \\"
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
            matrix = sp.latex(sp.Matrix([[sp.sympify(w) for w in row] for row in weights]))
            vector = sp.latex(sp.Matrix([sp.sympify(b) for b in biases]))
            lines.append(rf"{unit['column']} & {level} & ${matrix}$ & ${vector}$ \\")
        output = sp.sympify(unit["output_weight"]) * sp.sympify(unit["amplitude"])
        lines.append(rf"{unit['column']} & output & ${sp.latex(output)}$ & \\")
    lines += [
        rf"\multicolumn{{4}}{{l}}{{output bias $\xi = {_latex_number(output_bias)}$}} \\",
        r"\end{tabular}",
    ]
    return "\n".join(lines) + "\n"


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
    and ``FORMULA`` (the sympy formula as text)."""
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
    """Write the float network's arrays to ``file`` (a path or a binary file object)."""
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
    if isinstance(file, (str, Path)):
        with open(file, "wb") as handle:
            np.savez(handle, **arrays)
    else:
        np.savez(file, **arrays)


def load_npz(file) -> ChainNetwork | SwitchingNetwork:
    """The network written by :func:`to_npz`."""
    with np.load(file) as archive:
        a = {name: archive[name] for name in archive.files}
    if str(a["type"]) == "chain":
        slope = float(a["slope"])
        return ChainNetwork(
            activation=str(a["activation"]),
            depth=int(a["depth"]),
            norm=int(a["norm"]),
            first_weights=a["first_weights"],
            first_biases=a["first_biases"],
            hidden_weights=a["hidden_weights"],
            hidden_biases=a["hidden_biases"],
            output_weights=a["output_weights"],
            output_bias=float(a["output_bias"]),
            slope=None if np.isnan(slope) else slope,
        )
    depth = int(a["depth"])
    units = tuple(
        SwitchingUnit(
            layers=tuple(
                (a[f"unit{i}_W{level}"], a[f"unit{i}_b{level}"]) for level in range(depth - 1)
            ),
            amplitude=float(amplitude),
        )
        for i, amplitude in enumerate(a["amplitudes"])
    )
    widths = tuple(int(w) for w in a["widths"]) or None
    return SwitchingNetwork(
        activation=str(a["activation"]),
        depth=depth,
        kind=str(a["kind"]),
        units=units,
        output_weights=a["output_weights"],
        output_bias=float(a["output_bias"]),
        input_dim=int(a["input_dim"]),
        widths=widths,
    )


def to_torch(solution):
    """A ``torch.nn.Module`` (float64) computing the chain network of ``solution``.

    PyTorch is imported only here; without it this raises ``ImportError``.
    """
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            "clifflasso.export.to_torch needs PyTorch (pip install torch); the LaTeX, Python, "
            "JSON and npz exports do not"
        ) from exc
    network = solution.network
    if not isinstance(network, ChainNetwork):
        raise ValueError("to_torch exports chain networks (ReLU, leaky ReLU, abs) only")
    activation = {
        "relu": torch.relu,
        "abs": torch.abs,
        "leaky_relu": functools.partial(
            torch.nn.functional.leaky_relu, negative_slope=network.slope or 0.0
        ),
    }[network.activation]

    class ChainModule(torch.nn.Module):
        """Parallel deep-narrow chains: f(x) = xi + sum_i alpha_i u_i(x)."""

        def __init__(self) -> None:
            super().__init__()
            for name in (
                "first_weights",
                "first_biases",
                "hidden_weights",
                "hidden_biases",
                "output_weights",
            ):
                value = torch.as_tensor(np.asarray(getattr(network, name), dtype=np.float64))
                setattr(self, name, torch.nn.Parameter(value))
            self.output_bias = torch.nn.Parameter(
                torch.tensor(float(network.output_bias), dtype=torch.float64)
            )

        def forward(self, x):
            x = x.reshape(x.shape[0], -1).to(torch.float64)
            hidden = activation(x @ self.first_weights.T + self.first_biases)
            for k in range(self.hidden_weights.shape[1]):
                hidden = activation(hidden * self.hidden_weights[:, k] + self.hidden_biases[:, k])
            return hidden @ self.output_weights + self.output_bias

    return ChainModule()
