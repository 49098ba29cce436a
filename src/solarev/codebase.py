"""Which solarev source files a workflow script runs: its import closure, read from the source text.

Snakemake watches a rule's `script:` file but not the modules it imports, so each rule lists those as inputs
(a code edit then reruns exactly the jobs that run the edited code). Deriving the list from the imports,
instead of typing it, keeps it right as the code changes.
"""

import ast
from functools import cache
from pathlib import Path

PACKAGE = "solarev"


def is_type_checking_block(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): imports for type checkers only, never run."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def run_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of `tree` except those inside `if TYPE_CHECKING:` blocks."""
    nodes, pending = [], [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(child for child in ast.iter_child_nodes(node) if not is_type_checking_block(child))
    return nodes


def imported_names(source: Path) -> set[str]:
    """Dotted names of every module `source` imports when it runs, at any depth of the file
    (function-level imports count, type-checking-only ones do not); `from package import name` yields both
    `package` and `package.name`, since the name may be a submodule."""
    names: set[str] = set()
    for node in run_nodes(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_file(name: str, src_root: Path) -> Path | None:
    """The source file of module `name` under `src_root` (a package's __init__.py), None if not ours."""
    if name != PACKAGE and not name.startswith(f"{PACKAGE}."):
        return None
    path = src_root.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def parent_packages(name: str) -> list[str]:
    """`solarev.env.fast` -> [`solarev`, `solarev.env`]: importing a module runs its packages' __init__."""
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


@cache
def solarev_closure(script: Path, src_root: Path) -> tuple[Path, ...]:
    """Every solarev source file that running `script` imports, directly or through other solarev modules
    (packages' __init__ files included), sorted."""
    seen: set[Path] = set()
    pending = [script]
    while pending:
        for name in imported_names(pending.pop()):
            for module in [*parent_packages(name), name]:
                path = module_file(module, src_root)
                if path is not None and path not in seen:
                    seen.add(path)
                    pending.append(path)
    return tuple(sorted(seen))
