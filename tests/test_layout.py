"""The library's stages import one way (site <- env <- control / rl <- evaluate <- report) and no module
imports itself back through others (docs/design.md, "The library's stages")."""

from pathlib import Path

from solarev.codebase import imported_names, module_file

SOURCE = Path(__file__).resolve().parents[1] / "src"
STAGE_ORDER = {"site": 0, "env": 1, "control": 2, "rl": 2, "evaluate": 3, "report": 4}


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGE_ORDER else None


def import_graph() -> dict[str, set[str]]:
    """solarev module -> the solarev modules it imports (packages as their __init__)."""
    graph = {}
    for path in sorted((SOURCE / "solarev").rglob("*.py")):
        targets = {name for name in imported_names(path) if module_file(name, SOURCE) is not None}
        graph[module_name(path)] = {name for name in targets if name != module_name(path)}
    return graph


def test_no_module_imports_a_later_stage():
    upward = [
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if stage(module) and stage(target) and STAGE_ORDER[stage(target)] > STAGE_ORDER[stage(module)]
    ]
    assert upward == []


def test_control_and_rl_do_not_import_each_other():
    graph = import_graph()
    crossing = [
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if {stage(module), stage(target)} == {"control", "rl"}
    ]
    assert crossing == []


def test_no_import_cycle():
    graph = import_graph()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for target in graph.get(module, ()):
            visit(target, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
