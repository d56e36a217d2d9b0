"""``import clifflasso`` and the command line start without the heavy dependencies.

The public names are imported on first use (a module ``__getattr__``); these tests look at
``sys.modules`` of a fresh interpreter, not at timings.
"""

from __future__ import annotations

import json
import subprocess
import sys

import clifflasso

HEAVY = ("cvxpy", "numba", "sklearn", "torch", "matplotlib", "sympy", "galgebra", "scipy.stats")


def _loaded_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_import_clifflasso_loads_no_heavy_dependency():
    loaded = _loaded_after("import clifflasso")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_command_line_starts_without_heavy_dependencies():
    loaded = _loaded_after("import clifflasso.cli")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_one_dimensional_fit_and_its_certificate_need_no_conic_solver():
    loaded = _loaded_after(
        "import clifflasso as cl\n"
        "D = cl.dictionary([0, 4, 5, 7, 10, 11], cl.Architecture('abs', 3))\n"
        "assert cl.certify(cl.solve(D, [0, 0, 0, 2, 3, 3], 1e-3)).optimal"
    )
    unused = {"cvxpy", "sklearn", "torch", "matplotlib", "galgebra", "scipy.optimize"}
    assert not loaded & unused, sorted(loaded & unused)


def test_every_public_name_resolves_and_is_listed():
    assert set(clifflasso.__all__) <= set(dir(clifflasso))
    for name in clifflasso.__all__:
        assert getattr(clifflasso, name) is not None


def test_the_function_dictionary_keeps_its_name_after_its_module_is_imported():
    code = (
        "import clifflasso, clifflasso.dictionary\n"
        "from clifflasso.dictionary import Dictionary\n"
        "import sys\n"
        "print(callable(clifflasso.dictionary), clifflasso.dictionary is "
        "sys.modules['clifflasso.dictionary'].dictionary)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["True", "True"]
