"""The family registry: which feature family serves an architecture on data.

Every family module registers its class with a predicate over ``(architecture, data)`` and a
line saying what it serves; the predicates are mutually exclusive (a test checks it), so
:func:`family_for` does not depend on the order the modules were imported in. Adding a family is
adding one module that calls :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clifflasso._data import Data
from clifflasso.architecture import Architecture


@dataclass(frozen=True)
class Registration:
    """A family class, when it applies, what it serves, and the options it takes."""

    family: type
    applies: Callable[[Architecture, Data], bool]
    serves: str
    options: tuple[str, ...] = ()


REGISTRY: list[Registration] = []


def register(serves: str, applies: Callable[[Architecture, Data], bool], options=()):
    """Class decorator: register a family (see the module docstring)."""

    def decorate(family: type) -> type:
        REGISTRY.append(Registration(family, applies, serves, tuple(options)))
        return family

    return decorate


def _load() -> None:
    """Import every family module, so each registers itself (once)."""
    import clifflasso.families.abs_mirrors  # noqa: F401
    import clifflasso.families.abs_vertices  # noqa: F401
    import clifflasso.families.hyperplanes  # noqa: F401
    import clifflasso.families.lifted_vertices  # noqa: F401
    import clifflasso.families.ramps  # noqa: F401
    import clifflasso.families.relu_chains  # noqa: F401
    import clifflasso.families.switching  # noqa: F401


def available(dim: int) -> list[str]:
    """What the registered families serve for inputs of dimension ``dim`` (1 or d >= 2)."""
    _load()
    probe = 1 if dim == 1 else 2
    return [r.serves for r in REGISTRY if ("d >= 2" in r.serves) == (probe > 1)]


def family_for(arch: Architecture, data: Data, **options):
    """An instance of the registered family that serves ``arch`` on ``data``
    (``options`` such as ``max_features`` and ``seed`` go to the families that take them)."""
    _load()
    matches = [r for r in REGISTRY if r.applies(arch, data)]
    if len(matches) > 1:
        names = ", ".join(r.family.__name__ for r in matches)
        raise RuntimeError(f"several families claim {arch} on d = {data.dim}: {names}")
    for registration in matches:
        given = {k: v for k, v in options.items() if k in registration.options}
        return registration.family(arch, data, **given)
    where = "d = 1" if data.dim == 1 else f"d = {data.dim}"
    raise ValueError(
        f"no dictionary for {arch.activation} depth {arch.depth}"
        f"{'' if arch.bias else ' without bias'} (norm={arch.norm}, {arch.kind}) on {where}; "
        f"available: {'; '.join(available(data.dim))}"
    )
