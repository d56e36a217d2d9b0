"""Execute every notebook in ``notebooks/`` in place, so they are committed with their outputs.

    make notebooks            # or: .venv/bin/python scripts/run_notebooks.py [names...]

Each notebook runs in a fresh kernel from its own directory (figures are written next to it);
outputs replace the previous ones. ``make test`` executes the same notebooks (nbmake) without
writing them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    client.execute()
    for cell in notebook.cells:
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(notebook, path)
    print(f"{path.name}: {time.perf_counter() - started:.1f} s")


def main(names: list[str]) -> None:
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if any(name in p.name for name in names)]
    for path in paths:
        run(path)


if __name__ == "__main__":
    main(sys.argv[1:])
