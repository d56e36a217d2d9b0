r"""Feature formulas derived once, in geometric algebra, over symbolic points.

Every chain family of this package is one statement about a deep-narrow unit whose parameters
are pinned to the data (Zeger & Pilanci's "data feature biases"; Pilanci's wedge features):

1. **First layer: a hyperplane spanned by generators.** With homogeneous coordinates
   :math:`\tilde x = (x, 1)` (:math:`D = d + 1`, or :math:`D = d` without a first-layer bias),
   the hyperplane through :math:`D - 1` generators :math:`v_1, \dots, v_{D-1}` (data points,
   differences, midpoints, axis vectors) has the normal

   .. math::

       \tilde g = (v_1 \wedge \cdots \wedge v_{D-1})\, I^{-1},\qquad
       \tilde g\cdot\tilde x = \det[\tilde x; v_1; \dots; v_{D-1}],

   the generalized cross product (:func:`clifflasso.symbolic.geometric.generalized_cross`;
   galgebra's dual in mode ``'Iinv+'`` gives the same vector). The unit normalises the weight
   part, :math:`(w, b) = s_1\,\tilde g/\|g_w\|_p`, :math:`s_1 = \pm 1`.
2. **Reflected first layer** (optional): the hyperplane reflected across the parallel one
   through a point :math:`q`; with the versor reflection :math:`R(x) = x - 2(w\cdot x - w\cdot
   q)\,w/\|w\|^2` the image is :math:`\{w\cdot x - 2 w\cdot q - b = 0\}` (same :math:`w`). In
   1-D this is the reflection :math:`2q - a` of a breakpoint :math:`a` about :math:`q`.
3. **Later layers: levels through reference points.** Layer :math:`l` has weight
   :math:`s_l = \pm 1` and the bias that puts its kink at the level of the reference point
   :math:`r_l`: :math:`h_l(x) = \sigma(s_l h_{l-1}(x) + b_l)`,
   :math:`b_l = -s_l h_{l-1}(r_l)`. For the absolute value (:math:`s_l = 1`) the zero set of
   :math:`h_l` is the orbit of the hyperplane through :math:`r_l` under the reflections across
   the earlier kinks: reflections of reflections, the multilevel symmetry of deep
   absolute-value networks.

The feature is :math:`F(x) = h_{L-1}(x)`. A :class:`ChainDerivation` holds these expressions
in sympy symbols; :mod:`clifflasso.symbolic.lowering` prints them once as code for every
back-end (numpy arrays, exact rationals, sympy, a numba kernel).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from clifflasso.symbolic.activations import Activation
from clifflasso.symbolic.geometric import generalized_cross, reflect_point


@dataclass(frozen=True)
class ChainSpec:
    """What a chain derivation depends on (also the key of its lowered code)."""

    activation: Activation
    dim: int
    depth: int
    bias: bool = True
    norm: int = 2
    reflected: bool = False

    @property
    def span_dim(self) -> int:
        """:math:`D`: the dimension the normals live in."""
        return self.dim + 1 if self.bias else self.dim

    @property
    def hidden(self) -> int:
        """Number of later layers, :math:`L - 2`."""
        return self.depth - 2

    @property
    def key(self) -> str:
        slope = "" if self.activation.slope is None else f"_{self.activation.slope}"
        return (
            f"{self.activation.name}{slope}_d{self.dim}_L{self.depth}_b{int(self.bias)}"
            f"_p{self.norm}_r{int(self.reflected)}"
        ).replace("/", "over")


def _vector(name: str, size: int) -> list[sp.Symbol]:
    return list(sp.symbols(f"{name}_0:{size}", real=True))


class ChainDerivation:
    """The symbolic statement of a chain family (module docstring)."""

    def __init__(self, spec: ChainSpec) -> None:
        self.spec = spec
        D, d = spec.span_dim, spec.dim
        #: generators: D - 1 homogeneous vectors spanning the first hyperplane
        self.generators = [_vector(f"v{k}", D) for k in range(D - 1)]
        #: the normal, an input of the parameter formulas (degenerate spans are filtered first)
        self.normal_symbols = _vector("g", D)
        self.first_sign = sp.Symbol("s_1", real=True)
        self.reflection_point = _vector("q", d) if spec.reflected else []
        self.hidden_signs = [sp.Symbol(f"s_{layer}", real=True) for layer in range(2, spec.depth)]
        self.references = [_vector(f"r{layer}", d) for layer in range(2, spec.depth)]
        #: the unit's parameters, inputs of the feature formula
        self.weight_symbols = _vector("w", d)
        self.bias_symbol = sp.Symbol("b_1", real=True)
        self.hidden_bias_symbols = [
            sp.Symbol(f"b_{layer}", real=True) for layer in range(2, spec.depth)
        ]
        self.x = _vector("x", d)

    # ------------------------------------------------------------------ step 1: the normal
    @cached_property
    def normal(self) -> list[sp.Expr]:
        r""":math:`\tilde g = (v_1\wedge\cdots\wedge v_{D-1})I^{-1}` in the generators."""
        if not self.generators:
            return [sp.Integer(1)]  # D = 1: the dual of the scalar 1 is e_1
        return list(generalized_cross(self.generators))

    # ------------------------------------------------------------------ steps 1-3: parameters
    def _norm(self, weights: list[sp.Expr]) -> sp.Expr:
        if self.spec.dim == 1 or self.spec.norm == 1:
            return sum((sp.Abs(w) for w in weights), sp.Integer(0))
        return sp.sqrt(sum((w**2 for w in weights), sp.Integer(0)))

    @cached_property
    def first_layer(self) -> tuple[list[sp.Expr], sp.Expr]:
        """``(w, b)`` in the normal symbols, the sign and the reflection point."""
        spec, g = self.spec, self.normal_symbols
        raw_w = g[: spec.dim]
        raw_b = g[spec.dim] if spec.bias else sp.Integer(0)
        scale = self.first_sign / self._norm(raw_w)
        w = [scale * v for v in raw_w]
        b = scale * raw_b
        if spec.reflected:
            b = self.reflected_bias(w, b, self.reflection_point)
        return w, b

    @staticmethod
    def reflected_bias(w: list[sp.Expr], b: sp.Expr, q: list[sp.Expr]) -> sp.Expr:
        r"""Offset of :math:`\{w\cdot x + b = 0\}` reflected across the parallel hyperplane through
        :math:`q`, derived with the versor reflection :math:`R` across that hyperplane: the
        image of the point :math:`p = -b\,w/\|w\|^2` of the hyperplane is :math:`R(p)`, and
        :math:`b' = -w\cdot R(p)`, which simplifies to :math:`-2\,w\cdot q - b` (derived on
        generic symbols, then applied to the unit's own)."""
        generic_w = list(sp.symbols(f"omega_0:{len(w)}", real=True))
        generic_b = sp.Symbol("beta_0", real=True)
        norm2 = sum((v**2 for v in generic_w), sp.Integer(0))
        foot = [-generic_b * v / norm2 for v in generic_w]
        q_offset = -sum((v * c for v, c in zip(generic_w, q)), sp.Integer(0))
        # the versor form -n x n (d >= 2) and the formula x - 2(n.x + c) n/|n|^2 agree
        # (clifflasso.symbolic.geometric, tested); the formula also covers d = 1
        image = reflect_point(
            foot, generic_w, q_offset, method="versor" if len(w) > 1 else "formula"
        )
        offset = sp.simplify(-sum((v * c for v, c in zip(generic_w, image)), sp.Integer(0)))
        return offset.subs({**dict(zip(generic_w, w)), generic_b: b}, simultaneous=True)

    def _level(self, point: list[sp.Expr], w, b, signs, biases) -> sp.Expr:
        """:math:`h_l` at ``point`` for the layers given (``signs``/``biases`` of layers 2..l)."""
        sigma = self.spec.activation.symbolic
        value = sigma(sum((wk * xk for wk, xk in zip(w, point)), sp.Integer(0)) + b)
        for s, c in zip(signs, biases):
            value = sigma(s * value + c)
        return value

    @cached_property
    def hidden_biases(self) -> list[sp.Expr]:
        r""":math:`b_l = -s_l h_{l-1}(r_l)`, each in terms of the earlier parameter symbols."""
        w, b = self.weight_symbols, self.bias_symbol
        out = []
        for count, (sign, reference) in enumerate(zip(self.hidden_signs, self.references)):
            level = self._level(
                reference, w, b, self.hidden_signs[:count], self.hidden_bias_symbols[:count]
            )
            out.append(-sign * level)
        return out

    # ------------------------------------------------------------------ the feature
    @cached_property
    def feature(self) -> sp.Expr:
        r""":math:`F(x) = h_{L-1}(x)` in the unit's parameter symbols."""
        return self._level(
            self.x,
            self.weight_symbols,
            self.bias_symbol,
            self.hidden_signs,
            self.hidden_bias_symbols,
        )

    def substituted_feature(self) -> sp.Expr:
        """The feature with every parameter replaced by its formula in the generators (for
        checks of the whole derivation at once; large for deep chains)."""
        w, b = self.first_layer
        mapping = dict(zip(self.normal_symbols, self.normal))
        w = [sp.sympify(v).subs(mapping) for v in w]
        b = sp.sympify(b).subs(mapping)
        values = dict(zip(self.weight_symbols, w))
        values[self.bias_symbol] = b
        for symbol, expression in zip(self.hidden_bias_symbols, self.hidden_biases):
            values[symbol] = sp.sympify(expression).subs(values)
        return self.feature.subs(values)


def abs_nest_display(expression: sp.Expr) -> sp.Expr:
    r"""A readable form of nested absolute values: :math:`\bigl||u| - c\bigr| =
    \min(|u - c|, |u + c|)` for a number :math:`c \ge 0` (distance to the nearer of a point and
    its mirror image), applied bottom-up."""

    def rewrite(node: sp.Expr) -> sp.Expr:
        if isinstance(node, sp.Abs):
            inner = node.args[0]
            if isinstance(inner, sp.Add):
                absolute = [t for t in inner.args if isinstance(t, sp.Abs)]
                rest = inner - sum(absolute, sp.Integer(0))
                if len(absolute) == 1 and rest.is_number and rest <= 0:
                    u, c = absolute[0].args[0], -rest
                    return sp.Min(sp.Abs(sp.expand(u - c)), sp.Abs(sp.expand(u + c)))
        return node

    return expression.replace(lambda node: isinstance(node, sp.Abs), rewrite)
