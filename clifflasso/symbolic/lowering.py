r"""Lowering: derived formulas printed once as code, compiled, cached per key.

A :class:`~clifflasso.symbolic.derivation.ChainDerivation` is turned into one generated Python
module (inspectable: :attr:`LoweredChain.source`, ``Dictionary.kernel_source()``):

* ``normal`` and ``parameters``: the formulas of the first-layer normal and of the unit's
  parameters, common subexpressions eliminated (``sympy.cse``) and printed once. The printed
  text is executed in three namespaces (:data:`BACKENDS`): numpy (vectorised over columns),
  exact (:class:`fractions.Fraction`) and sympy, which differ only in what the names ``Max``,
  ``Min``, ``sqrt`` and ``R`` (a rational constant) mean;
* ``feature``: the feature formula printed the same way (exact and sympy values of a column);
* ``kernel``: the feature formula printed into a batched numba kernel, blocks of columns in
  parallel, the layers unrolled into one expression per entry, parameters stored
  column-contiguous.

Generated modules are written to a cache directory (``CLIFFLASSO_KERNEL_CACHE``, default
``~/.cache/clifflasso/kernels``) so numba can cache their machine code between processes.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import math
import os
import sys
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from clifflasso.symbolic.derivation import ChainDerivation, ChainSpec

#: bump when the generated code changes shape (part of every cache key)
GENERATOR_VERSION = 3
#: columns per block of the chain kernel: their parameters (a few KiB) stay in the L1 cache
#: while every row is written, instead of streaming all parameters once per row
KERNEL_BLOCK = 256
#: up to this many entries the feature is evaluated with numpy: a parallel kernel's thread
#: start costs milliseconds when the cores are busy, far more than the work
SMALL_KERNEL_ENTRIES = 4096


class _Printer(PythonCodePrinter):
    """Python source with the back-end-neutral names ``Max``, ``Min``, ``sqrt``, ``R(p, q)``."""

    def _print_Max(self, expr):
        return "Max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "Min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Rational(self, expr):
        return f"R({expr.p}, {expr.q})"

    def _print_Half(self, expr):
        return "R(1, 2)"

    def _print_Pow(self, expr, rational=False):
        if expr.exp == sp.Rational(1, 2):
            return f"sqrt({self._print(expr.base)})"
        if expr.exp == -1:
            return f"(1/({self._print(expr.base)}))"
        return super()._print_Pow(expr, rational=rational)


class _KernelPrinter(PythonCodePrinter):
    """Scalar float source for numba: ``max``, ``min``, ``math.sqrt``, float constants."""

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Integer(self, expr):
        return f"{int(expr)}.0"

    def _print_Pow(self, expr, rational=False):
        if expr.exp == sp.Rational(1, 2):
            return f"math.sqrt({self._print(expr.base)})"
        return super()._print_Pow(expr, rational=rational)


def _exact_sqrt(value):
    value = Fraction(value)
    num, den = math.isqrt(value.numerator), math.isqrt(value.denominator)
    if num * num != value.numerator or den * den != value.denominator:
        raise ValueError(f"sqrt({value}) is irrational: use the sympy back-end")
    return Fraction(num, den)


def _reduce(function):
    return lambda *args: functools.reduce(function, args)


def _numpy_det(rows):
    """Determinants of a matrix of equally shaped arrays (batched, partially pivoted LU)."""
    stacked = np.stack([np.stack(np.broadcast_arrays(*row), axis=-1) for row in rows], axis=-2)
    return np.linalg.det(stacked)


def _exact_det(rows):
    from clifflasso.symbolic.rational import determinant

    return determinant(rows)


def _integer_det(rows):
    from clifflasso.symbolic.rational import integer_determinant

    return integer_determinant(rows)


#: what the printed names mean in each back-end ("integer": Python ints, exact for formulas
#: with integer coefficients such as the cross product, faster than Fractions)
BACKENDS = {
    "numpy": {
        "Max": _reduce(np.maximum),
        "Min": _reduce(np.minimum),
        "sqrt": np.sqrt,
        "R": lambda p, q: p / q,
        "abs": np.abs,
        "det": _numpy_det,
    },
    "exact": {
        "Max": max,
        "Min": min,
        "sqrt": _exact_sqrt,
        "R": Fraction,
        "abs": abs,
        "det": _exact_det,
    },
    "integer": {
        "Max": max,
        "Min": min,
        "R": Fraction,
        "abs": abs,
        "det": _integer_det,
    },
    "sympy": {
        "Max": sp.Max,
        "Min": sp.Min,
        "sqrt": sp.sqrt,
        "R": sp.Rational,
        "abs": sp.Abs,
        "det": lambda rows: sp.Matrix(rows).det(),
    },
}


def _with_inputs_as(function, backend: str):
    """``function`` with its arguments converted to the back-end's numbers first (so that a
    printed ``a/b`` of two integers is an exact rational, not a float)."""
    convert = {"exact": Fraction, "sympy": sp.sympify}.get(backend)
    if convert is None:
        return function

    @functools.wraps(function)
    def converted(*args):
        return function(*(convert(a) for a in args))

    return converted


def _assignments(stages, printer, indent: str) -> list[str]:
    """Lines assigning each expression to its symbol: ``stages`` is a list of lists of
    ``(symbol, expression)``; the subexpressions common to one stage are eliminated together,
    and a later stage may use the symbols of earlier ones."""
    names = iter(sp.numbered_symbols("t"))
    lines = []
    for pairs in stages:
        symbols = [symbol for symbol, _ in pairs]
        replacements, reduced = sp.cse([sp.sympify(e) for _, e in pairs], symbols=names)
        for temporary, value in replacements:
            lines.append(f"{indent}{temporary} = {printer.doprint(value)}")
        for symbol, expression in zip(symbols, reduced):
            lines.append(f"{indent}{symbol} = {printer.doprint(expression)}")
    return lines


def function_source(name: str, inputs, stages) -> str:
    """``def name(inputs): ...; return (outputs,)`` printed with the neutral names
    (``stages`` as in :func:`_assignments`)."""
    printer = _Printer()
    header = f"def {name}({', '.join(str(s) for s in inputs)}):"
    body = _assignments(stages, printer, "    ")
    outputs = ", ".join(str(symbol) for pairs in stages for symbol, _ in pairs)
    return "\n".join([header, *body, f"    return ({outputs},)"])


def kernel_source(derivation: ChainDerivation) -> str:
    """The batched numba kernel of the feature: ``kernel(X, W, B1, S, B, out)`` with ``X``
    (N, d), ``W`` (d, P), ``B1`` (P,), ``S`` and ``B`` (L-2, P), ``out`` (N, P)."""
    spec = derivation.spec
    printer = _KernelPrinter()
    loads = [f"            {w} = W[{k}, j]" for k, w in enumerate(derivation.weight_symbols)]
    loads.append(f"            {derivation.bias_symbol} = B1[j]")
    for level, (s, b) in enumerate(zip(derivation.hidden_signs, derivation.hidden_bias_symbols)):
        loads.append(f"            {s} = S[{level}, j]")
        loads.append(f"            {b} = B[{level}, j]")
    value = sp.Symbol("value")
    body = _assignments([[(value, derivation.feature)]], printer, "            ")
    rows = [f"            {x} = X[i, {k}]" for k, x in enumerate(derivation.x)]
    loads = ["    " + line for line in loads]
    body = ["    " + line for line in body]
    return "\n".join(
        [
            "@njit(parallel=True, cache=True)",
            "def kernel(X, W, B1, S, B, out):",
            f'    """{spec.activation.name} chain, d = {spec.dim}, depth {spec.depth}: the'
            " feature formula at every (row, column), in blocks of",
            f"    {KERNEL_BLOCK} columns whose parameters stay in cache while every row is"
            ' written."""',
            "    n = X.shape[0]",
            "    p = B1.shape[0]",
            f"    for block in prange((p + {KERNEL_BLOCK - 1}) // {KERNEL_BLOCK}):",
            f"        start = block * {KERNEL_BLOCK}",
            f"        stop = min(p, start + {KERNEL_BLOCK})",
            "        for i in range(n):",
            *rows,
            "            for j in range(start, stop):",
            *loads,
            *body,
            "                out[i, j] = value",
            "    return out",
        ]
    )


def normal_kernel_source(derivation: ChainDerivation) -> str:
    """The batched numba kernel of the normal: ``normals(V, out)`` with ``V`` (P, D-1, D) the
    spanning vectors and ``out`` (P, D), or a plain determinant loop for large D."""
    spec = derivation.spec
    D = spec.span_dim
    lines = [
        "@njit(parallel=True, cache=True)",
        "def normals(V, out):",
        f'    """Generalized cross products of {D - 1} vectors of R^{D}, one per row of V."""',
        "    for j in prange(V.shape[0]):",
    ]
    if D > EXPANDED_CROSS_LIMIT or D == 1:
        if D == 1:
            lines.append("        out[j, 0] = 1.0")
        else:
            lines += [
                f"        for k in range({D}):",
                f"            minor = np.empty(({D - 1}, {D - 1}))",
                f"            for i in range({D - 1}):",
                "                c = 0",
                f"                for m in range({D}):",
                "                    if m != k:",
                "                        minor[i, c] = V[j, i, m]",
                "                        c += 1",
                "            out[j, k] = np.linalg.det(minor) * (1.0 if k % 2 == 0 else -1.0)",
            ]
        lines.append("    return out")
        return "\n".join(lines)
    for k, vector in enumerate(derivation.generators):
        for i, symbol in enumerate(vector):
            lines.append(f"        {symbol} = V[j, {k}, {i}]")
    pairs = list(zip(derivation.normal_symbols, derivation.normal))
    lines += _assignments([pairs], _KernelPrinter(), "        ")
    lines += [f"        out[j, {i}] = {g}" for i, g in enumerate(derivation.normal_symbols)]
    lines.append("    return out")
    return "\n".join(lines)


def _cache_directory() -> Path | None:
    candidates = [os.environ.get("CLIFFLASSO_KERNEL_CACHE")]
    candidates += [str(Path.home() / ".cache" / "clifflasso" / "kernels")]
    candidates += [str(Path(tempfile.gettempdir()) / "clifflasso-kernels")]
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate)
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / f".probe-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
            return path
        except OSError:
            continue
    return None


def compile_module(name: str, source: str) -> ModuleType:
    """Import generated ``source`` as a module (written to the cache directory, atomically,
    so numba can cache its machine code; in memory when no directory is writable)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    module_name = f"clifflasso_generated_{name}_{digest}"
    directory = _cache_directory()
    if directory is None:
        module = ModuleType(module_name)
        exec(compile(source, module_name, "exec"), module.__dict__)  # noqa: S102
        return module
    path = directory / f"{module_name}.py"
    if not path.exists() or path.read_text() != source:
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(source)
        os.replace(temporary, path)
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    # registered first: numba's cache re-imports the module by name when it loads a kernel
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class LoweredChain:
    """Generated code of one :class:`~clifflasso.symbolic.derivation.ChainSpec`."""

    spec: ChainSpec
    source: str
    formulas: str
    module: ModuleType

    def _function(self, name: str, backend: str):
        namespace = dict(BACKENDS[backend])
        exec(compile(self.formulas, f"<{self.spec.key}>", "exec"), namespace)  # noqa: S102
        return _with_inputs_as(namespace[name], backend)

    @functools.cached_property
    def _numpy(self) -> dict:
        return {n: self._function(n, "numpy") for n in ("normal", "parameters", "feature")}

    @functools.cached_property
    def _exact(self) -> dict:
        return {n: self._function(n, "exact") for n in ("normal", "parameters", "feature")}

    @functools.cached_property
    def _sympy(self) -> dict:
        return {n: self._function(n, "sympy") for n in ("normal", "parameters", "feature")}

    def backend(self, name: str) -> dict:
        """``{"normal", "parameters"[, "feature"]}`` functions of a back-end."""
        return {"numpy": self._numpy, "exact": self._exact, "sympy": self._sympy}[name]

    def normals(self, V) -> np.ndarray:
        """Homogeneous normals (P, D) of stacked spanning vectors ``V`` (P, D-1, D)."""
        V = np.ascontiguousarray(V, dtype=np.float64)
        out = np.empty((V.shape[0], self.spec.span_dim))
        return self.module.normals(V, out)

    def kernel(self, X, W, B1, S, B) -> np.ndarray:
        """Feature values (N, P) from the compiled kernel (module docstring); up to
        :data:`SMALL_KERNEL_ENTRIES` entries (one unit in a local search, say) from the same
        formula on numpy arrays, which starts no threads."""
        arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in (X, W, B1, S, B)]
        out = np.empty((arrays[0].shape[0], arrays[2].shape[0]))
        if out.size > SMALL_KERNEL_ENTRIES:
            return self.module.kernel(*arrays, out)
        X, W, B1, S, B = arrays
        (out[...],) = self._numpy["feature"](*X.T[:, :, None], *W, B1, *S, *B)
        return out


#: above this many dimensions the cofactors are printed as determinants, not expanded
#: (an expanded D x D cofactor has (D - 1)! terms)
EXPANDED_CROSS_LIMIT = 5


def _cofactor_source(span_dim: int, generators) -> str:
    r"""The generalized cross product by its definition :math:`g_k = (-1)^k\det B_{\hat k}`,
    the minors left to the back-end's ``det``."""
    rows = [
        list(map(str, generators[i * span_dim : (i + 1) * span_dim])) for i in range(span_dim - 1)
    ]
    lines = [f"def normal({', '.join(str(g) for g in generators)}):"]
    outputs = []
    for k in range(span_dim):
        minor = (
            "["
            + ", ".join(
                "[" + ", ".join(v for j, v in enumerate(row) if j != k) + "]" for row in rows
            )
            + "]"
        )
        sign = "" if k % 2 == 0 else "-"
        lines.append(f"    g_{k} = {sign}det({minor})")
        outputs.append(f"g_{k}")
    lines.append(f"    return ({', '.join(outputs)},)")
    return "\n".join(lines)


def _formulas(derivation: ChainDerivation) -> str:
    generators = [v for vector in derivation.generators for v in vector]
    D = derivation.spec.span_dim
    if D > EXPANDED_CROSS_LIMIT:
        normal_text = _cofactor_source(D, generators)
    else:
        normal_stage = list(zip(derivation.normal_symbols, derivation.normal))
        normal_text = function_source("normal", generators, [normal_stage])
    w, b = derivation.first_layer
    first_stage = list(zip(derivation.weight_symbols, w)) + [(derivation.bias_symbol, b)]
    hidden_stages = [
        [(symbol, expression)]
        for symbol, expression in zip(derivation.hidden_bias_symbols, derivation.hidden_biases)
    ]
    parameter_inputs = (
        derivation.normal_symbols
        + [derivation.first_sign]
        + derivation.reflection_point
        + derivation.hidden_signs
        + [c for r in derivation.references for c in r]
    )
    feature_inputs = (
        derivation.x
        + derivation.weight_symbols
        + [derivation.bias_symbol]
        + derivation.hidden_signs
        + derivation.hidden_bias_symbols
    )
    value = sp.Symbol("value")
    return "\n\n\n".join(
        [
            normal_text,
            function_source("parameters", parameter_inputs, [first_stage, *hidden_stages]),
            function_source("feature", feature_inputs, [[(value, derivation.feature)]]),
        ]
    )


@functools.cache
def lower(spec: ChainSpec) -> LoweredChain:
    """Derive (:class:`~clifflasso.symbolic.derivation.ChainDerivation`) and lower ``spec``,
    once per process; the numba kernel is cached on disk as well."""
    derivation = ChainDerivation(spec)
    formulas = _formulas(derivation)
    kernel = kernel_source(derivation) + "\n\n\n" + normal_kernel_source(derivation)
    module_text = "\n".join(
        [
            f'"""Generated by clifflasso.symbolic.lowering (version {GENERATOR_VERSION}): the',
            f'numba kernels of {spec.key}."""',
            "",
            "import math",
            "",
            "import numpy as np",
            "from numba import njit, prange",
            "",
            "",
            kernel,
            "",
        ]
    )
    module = compile_module(spec.key, module_text)
    source = "\n".join(
        [
            f"# {spec}",
            "# normal / parameters / feature: derived formulas, one text for every back-end",
            "# (numpy, exact Fraction, sympy: Max, Min, sqrt and R(p, q) differ per back-end)",
            "",
            formulas,
            "",
            "",
            "# the batched numba kernel of the feature",
            kernel,
            "",
        ]
    )
    return LoweredChain(spec=spec, source=source, formulas=formulas, module=module)


@functools.cache
def lower_cross(span_dim: int) -> str:
    r"""The printed generalized cross product of :math:`D - 1` vectors of
    :math:`\mathbb{R}^D` (:func:`clifflasso.symbolic.geometric.generalized_cross`), the
    ``normal`` formula of every chain derivation in :math:`D` dimensions."""
    from clifflasso.symbolic.activations import activation

    return _formulas(ChainDerivation(ChainSpec(activation("abs"), span_dim, 2, bias=False)))


@functools.cache
def cross_product(span_dim: int, backend: str):
    """The generalized cross product of :func:`lower_cross` for a back-end: a function of the
    :math:`(D-1)D` coordinates (row by row) returning the :math:`D` coordinates."""
    namespace = dict(BACKENDS[backend])
    exec(compile(lower_cross(span_dim), f"<cross {span_dim}>", "exec"), namespace)  # noqa: S102
    return _with_inputs_as(namespace["normal"], backend)


@dataclass(frozen=True)
class LoweredSwitch:
    """Generated kernel of a switching (sign / threshold) family."""

    source: str
    module: ModuleType

    def kernel(self, X, thresholds) -> np.ndarray:
        """Feature values (N, P); ``thresholds`` (K, P), NaN where a pattern has fewer."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        T = np.ascontiguousarray(thresholds, dtype=np.float64)
        out = np.empty((X.shape[0], T.shape[1]))
        return self.module.kernel(X, T, out)


@functools.cache
def lower_switch(name: str) -> LoweredSwitch:
    r"""The switching feature :math:`h(x) = \text{high}` if :math:`\#\{k : x < t_k\}` is even,
    else low (a staircase of the sign or threshold activation, thresholds sorted), printed as a
    batched numba kernel (NaN thresholds never count)."""
    from clifflasso.symbolic.activations import activation

    high, low = activation(name).levels
    source = "\n".join(
        [
            f'"""Generated by clifflasso.symbolic.lowering (version {GENERATOR_VERSION}): the',
            f'{name} switching kernel."""',
            "",
            "from numba import njit, prange",
            "",
            "",
            "@njit(parallel=True, cache=True)",
            "def kernel(X, T, out):",
            f'    """{name} switching patterns: {float(high)!r} right of the last threshold,'
            ' alternating leftwards."""',
            "    n = X.shape[0]",
            "    k, p = T.shape",
            "    for i in prange(n):",
            "        x = X[i, 0]",
            "        for j in range(p):",
            "            crossings = 0",
            "            for t in range(k):",
            "                if x < T[t, j]:",
            "                    crossings += 1",
            f"            out[i, j] = {float(high)!r} if crossings % 2 == 0 else {float(low)!r}",
            "    return out",
            "",
        ]
    )
    return LoweredSwitch(source, compile_module(f"switch_{name}", source))
