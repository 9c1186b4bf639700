"""Every notebook under ``notebooks/`` runs top to bottom, without Jupyter, and is stored clean.

A notebook is read as JSON and its code cells are executed in order in one fresh namespace, inside a temporary
working directory (notebooks write relative to it), the way a kernel would run "Run All". A cell that ends in
an expression is displayed as Jupyter would: its ``_repr_html_`` and ``_repr_svg_`` are called, and must
return text, so a display that raises fails here (IPython would only log it). The first failing cell fails the
test with its index and source. IPython magics have no meaning here: a cell magic skips the
cell, a line magic or shell escape is dropped (better: notebooks use none).
"""

from __future__ import annotations

import ast
import json
import linecache
import sys
import traceback
from pathlib import Path

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _without_magics(source: str) -> str | None:
    """The cell as plain Python: ``None`` for a cell magic (``%%time``...), line magics and ``!cmd``
    dropped."""
    if source.lstrip().startswith("%%"):
        return None
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))


def run_notebook(path: Path) -> dict:
    """Execute ``path``'s code cells in order in one namespace (the current directory as the kernel's)."""
    namespace: dict = {"__name__": "__main__"}
    for index, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = _source(cell)
        code = _without_magics(source)
        if code is None or not code.strip():
            continue
        filename = f"{path.name}:cell{index}"
        # So tracebacks show the cell's lines.
        linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
        error = None
        try:
            shown = _run_cell(code, filename, namespace)
            if shown is not None:
                _display(shown)
        except Exception:
            error = traceback.format_exc()
        finally:
            linecache.cache.pop(filename, None)
        if error is not None:
            pytest.fail(
                f"{path.name}: cell {index} (counting all cells from 0) failed\n"
                f"--- source ---\n{source}\n--- error ---\n{error}",
                pytrace=False,
            )
    return namespace


def _run_cell(code: str, filename: str, namespace: dict):
    """Run the cell; the value of its last statement when that is an expression (what Jupyter displays)."""
    tree = ast.parse(code, filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), filename, "eval"), namespace)


def _display(value) -> None:
    """What a notebook front end asks of a displayed value: its rich reprs (each text or ``None``) and its
    plain repr."""
    for method in ("_repr_html_", "_repr_svg_"):
        if hasattr(value, method):
            data = getattr(value, method)()
            assert data is None or isinstance(data, str), f"{type(value).__name__}.{method} gave {type(data)}"
    repr(value)


def _hide_ipython(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import IPython`` fail, as on a machine without it (``None`` in sys.modules halts the import)."""
    for name in [m for m in sys.modules if m == "IPython" or m.startswith("IPython.")] + ["IPython"]:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(NOTEBOOKS_DIR)) for p in NOTEBOOKS])
def test_notebook_is_stored_clean(path: Path) -> None:
    """nbformat 4, a python3 kernelspec, no outputs or execution counts: diffs show only what was written."""
    notebook = _load(path)
    assert notebook["nbformat"] == 4
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {index} stores outputs"
            assert cell.get("execution_count") is None, f"cell {index} stores an execution count"


def _runs() -> list:
    """Every notebook as installed; those that import IPython also without it (for the others the two runs
    are the same)."""
    runs = []
    for path in NOTEBOOKS:
        name = str(path.relative_to(NOTEBOOKS_DIR))
        runs.append(pytest.param(path, False, id=f"{name}-as-installed"))
        if "IPython" in "".join(_source(c) for c in _load(path)["cells"] if c["cell_type"] == "code"):
            runs.append(pytest.param(path, True, id=f"{name}-without-ipython"))
    return runs


@pytest.mark.parametrize(("path", "without_ipython"), _runs())
def test_notebook_runs(
    path: Path, without_ipython: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run All succeeds in a fresh directory, with IPython (as in Jupyter) and, for a notebook that imports
    it, without it."""
    if without_ipython:
        _hide_ipython(monkeypatch)
    monkeypatch.chdir(tmp_path)
    run_notebook(path)
