"""The house rules of docs/architecture.md, enforced on the source (``ast``, no import needed).

* Imports run one way: base (errors, schema, _frames, _version) ← ground floor (io, metrics,
  charts, report) ← analyses (journey, satisfaction, experiment, sample) ← top (__init__, cli,
  __main__). Analysis packages never import one another; nothing inside imports the root.
* A ``_private`` module is imported only inside the package that holds it.
* No module over about 500 lines; no function over about 80 lines of code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "cxkit"
FLOORS = {
    "errors": 0,
    "schema": 0,
    "_frames": 0,
    "_version": 0,
    "io": 1,
    "metrics": 1,
    "charts": 1,
    "report": 1,
    "journey": 2,
    "satisfaction": 2,
    "experiment": 2,
    "sample": 2,
    "loyalty": 2,
    "cli": 3,
    "__main__": 3,
    "__init__": 3,
}
# ground-floor packages that may use another ground-floor package (and why)
GROUND_ALLOWED: set[tuple[str, str]] = set()
MAX_MODULE_LINES = 520
MAX_FUNCTION_CODE_LINES = 80


def _modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, text: str | None = None) -> list[tuple[int, str]]:
    """(line, dotted cxkit module) for every import of cxkit in the file, lazy ones included."""
    tree = ast.parse(path.read_text() if text is None else text)
    own = _dotted(path).split(".")
    pkg = own if path.name == "__init__.py" else own[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "cxkit"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "cxkit":
                continue
            for a in node.names:
                # ``from cxkit.x import y`` imports cxkit.x.y when y is a module, else cxkit.x
                cand = f"{base}.{a.name}"
                found.append((node.lineno, cand if _is_module(cand) else base))
    return found


def _private_names(path: Path, text: str | None = None) -> list[tuple[int, str, str]]:
    """(line, module, name) for every ``from cxkit.m import _name`` in the file."""
    tree = ast.parse(path.read_text() if text is None else text)
    own = _dotted(path).split(".")
    pkg = own if path.name == "__init__.py" else own[:-1]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
        if base.split(".")[0] == "cxkit":
            found += [
                (node.lineno, base, a.name)
                for a in node.names
                if a.name.startswith("_") and not a.name.startswith("__")
            ]
    return found


def _is_module(dotted: str) -> bool:
    p = PKG.parent.joinpath(*dotted.split("."))
    return p.with_suffix(".py").exists() or (p / "__init__.py").exists()


def _top(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _violations(overrides: dict[Path, str] | None = None) -> list[str]:
    """Every broken rule; ``overrides`` replaces the source of some files (for the self-test)."""
    overrides = overrides or {}
    bad = []
    for path in _modules():
        me = _dotted(path)
        my_top = _top(me) if path.name != "__main__.py" else "__main__"
        if me == "cxkit":
            my_top = "__init__"
        my_floor = FLOORS[my_top]
        for line, target in _imports(path, overrides.get(path)):
            where = f"{path.relative_to(PKG.parent)}:{line} imports {target}"
            if target == "cxkit" and my_floor < 3:
                bad.append(f"{where}: nothing inside the package imports the root")
                continue
            t_top = _top(target)
            if t_top == my_top:
                pass
            elif FLOORS[t_top] > my_floor or (FLOORS[t_top] == my_floor and my_floor == 2):
                bad.append(f"{where}: {my_top} (floor {my_floor}) may not import {t_top}")
            elif FLOORS[t_top] == my_floor == 1 and (my_top, t_top) not in GROUND_ALLOWED:
                bad.append(f"{where}: ground-floor {my_top} may not import {t_top}")
            # private modules: only from inside the package that holds them
            parts = target.split(".")
            for i, part in enumerate(parts):
                if part.startswith("_") and not part.startswith("__"):
                    holder = ".".join(parts[:i])
                    if not (me == holder or me.startswith(holder + ".")):
                        bad.append(f"{where}: private module of {holder}")
                    break
        # private names: only from inside the package of the module that defines them
        for line, module, name in _private_names(path, overrides.get(path)):
            is_package = (PKG.parent / module.replace(".", "/") / "__init__.py").exists()
            holder = module if is_package else module.rsplit(".", 1)[0]
            if not (me == holder or me.startswith(holder + ".")):
                where = f"{path.relative_to(PKG.parent)}:{line} imports {name} from {module}"
                bad.append(f"{where}: private name of {holder}")
    return bad


def test_imports_run_one_way_and_private_modules_stay_home():
    assert _violations() == []


def test_rules_catch_a_violation():
    """The checker itself can fail: an analysis importing another analysis, a private module
    from outside its package, and the root from inside are all flagged."""
    src = (
        "from cxkit.satisfaction import scores\nfrom cxkit.io._checks import x\nimport cxkit\n"
        "from cxkit.metrics.scores import _secret\n"
    )
    bad = _violations({PKG / "journey" / "__init__.py": src})
    assert any("journey (floor 2) may not import satisfaction" in b for b in bad)
    assert any("private module of cxkit.io" in b for b in bad)
    assert any("nothing inside the package imports the root" in b for b in bad)
    assert any("_secret from cxkit.metrics.scores: private name of cxkit.metrics" in b for b in bad)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG.parent)))
def test_module_and_function_size(path):
    text = path.read_text()
    n_lines = text.count("\n")
    assert n_lines <= MAX_MODULE_LINES, f"{path.name}: {n_lines} lines; split it by responsibility"
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        doc = set()
        body0 = node.body[0]
        if isinstance(body0, ast.Expr) and isinstance(getattr(body0, "value", None), ast.Constant):
            doc = set(range(body0.lineno, body0.end_lineno + 1))
        code = [
            i
            for i in range(node.lineno, node.end_lineno + 1)
            if i not in doc and lines[i - 1].strip() and not lines[i - 1].strip().startswith("#")
        ]
        assert len(code) <= MAX_FUNCTION_CODE_LINES, (
            f"{path.name}:{node.lineno} {node.name}() has {len(code)} lines of code"
        )


def test_architecture_doc_names_every_module():
    """docs/architecture.md is the map: every module of the package appears in it."""
    doc = (PKG.parent / "docs" / "architecture.md").read_text()
    missing = []
    for path in _modules():
        rel = path.relative_to(PKG)
        name = rel.name if len(rel.parts) == 1 else f"{rel.parent.name}/{rel.name}"
        short = rel.name
        # a module counts as named when "pkg/module.py" appears, or "module.py" in its package's row
        if name not in doc and not (len(rel.parts) > 1 and f"`{short}`" in doc):
            missing.append(str(rel))
    assert missing == []
