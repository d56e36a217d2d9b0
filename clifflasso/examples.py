"""Built-in 1-D examples of "A Library of Mirrors" (code `pilancilab/1d-convex-nn`)."""

from __future__ import annotations

from fractions import Fraction

EXAMPLES: dict[str, tuple[tuple[Fraction, ...], tuple[Fraction, ...], str]] = {
    "mirrors": (
        tuple(Fraction(v) for v in (0, 4, 5, 7, 10, 11)),
        tuple(Fraction(v) for v in (0, 0, 0, 2, 3, 3)),
        "the 'opt' data of Fig. 3: min-l1 interpolants cost 2 (L=2), 1 (L=3), 1 (L=4, one "
        "reflection feature capped[5, 8] with 8 = 2*4 - 0)",
    ),
    "zshape": (
        tuple(Fraction(v) for v in (0, 2, 6, 7)),
        tuple(Fraction(v) for v in (0, 0, 3, 3)),
        "Fig. 2/19 data: the depth-4 optimum is the capped ramp [2, 6] with l1 cost 0.75",
    ),
    "bounce": (
        tuple(Fraction(v) for v in (0, 2, 6, 7)),
        tuple(Fraction(v) for v in (0, 0, 3, 7)),
        "Fig. 18 data: min-l1 cost 4 at every depth",
    ),
}


def load_example(name: str) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """Exact ``(x, y)`` of a built-in example."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; available: {', '.join(EXAMPLES)}")
    x, y, _ = EXAMPLES[name]
    return x, y
