"""config/README.md, the configuration reference, generated from config/schema.yaml: every key by section
with its type, its value in config/config.yaml (the default site), what it allows and what it means.
`python -m solarev.config_reference` writes it; tests/test_config_reference.py keeps it current."""

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from solarev.config import load_yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "config" / "schema.yaml"
DEFAULTS = REPO / "config" / "config.yaml"
REFERENCE = REPO / "config" / "README.md"
DEFAULT_CHARS = 60  # longer defaults (lists of windows, monthly factors) are cut: config/config.yaml has them
BOUNDS = (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<"))


@dataclass(frozen=True)
class Entry:
    key: str  # dotted, '<name>' for a mapping's own names, '[]' for a list's items
    node: Mapping[str, Any]  # its schema, $ref resolved
    default: Any  # its value in config/config.yaml; None where it has none to show (inside lists, <name>)


def resolve(node: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """`node` with its `$ref` (to #/$defs/...) merged in, its own keys winning."""
    if "$ref" not in node:
        return dict(node)
    target = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return {**resolve(target, schema), **{k: v for k, v in node.items() if k != "$ref"}}


def entries(
    node: Mapping[str, Any], schema: Mapping[str, Any], key: str = "", default: Any = None
) -> Iterator[Entry]:
    """Every key below `node`, depth first in the schema's order."""
    for name, child in node.get("properties", {}).items():
        child = resolve(child, schema)
        child_key = f"{key}{name}"
        value = default.get(name) if isinstance(default, Mapping) else None
        yield Entry(child_key, child, value)
        yield from entries(child, schema, f"{child_key}.", value)
        extra = child.get("additionalProperties")
        if isinstance(extra, Mapping):
            yield from entries(resolve(extra, schema), schema, f"{child_key}.<name>.")
        items = resolve(child.get("items", {}), schema)
        if "properties" in items:
            yield from entries(items, schema, f"{child_key}[].")


ENUM_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}


def type_text(node: Mapping[str, Any]) -> str:
    if "oneOf" in node:
        return " or ".join(type_text(branch) for branch in node["oneOf"])
    kinds = node.get("type")
    if kinds is None and "enum" in node:  # the values say it
        kinds = list(dict.fromkeys(ENUM_TYPES[type(value)] for value in node["enum"]))
    if isinstance(kinds, list):
        return " or ".join(kinds)
    if kinds == "array" and "type" in node.get("items", {}):
        return f"list of {'mappings' if node['items']['type'] == 'object' else node['items']['type']}"
    return "mapping" if kinds == "object" else kinds or ""


def allowed_text(node: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    if "oneOf" in node:
        return " or ".join(
            allowed_text(resolve(branch, schema), schema) or type_text(branch) for branch in node["oneOf"]
        )
    parts = []
    if "enum" in node:
        parts.append(", ".join(f"`{value}`" for value in node["enum"]))
    parts += [f"{sign} {node[bound]}" for bound, sign in BOUNDS if bound in node]
    if "pattern" in node:
        parts.append(f"matches `{node['pattern']}`")
    if "minItems" in node or "maxItems" in node:
        low, high = node.get("minItems", 0), node.get("maxItems")
        parts.append(f"{low} values" if low == high else f"{low}{'–' + str(high) if high else '+'} values")
    if node.get("uniqueItems"):
        parts.append("no repeats")
    items = resolve(node["items"], schema) if "items" in node else {"properties": {}}
    if "properties" not in items and (inner := allowed_text(items, schema)):
        parts.append(f"each {inner}")
    return "; ".join(parts)


def default_text(entry: Entry) -> str:
    if entry.default is None:
        return (
            "null"
            if "<name>" not in entry.key and "[]" not in entry.key and entry.node.get("type") != "object"
            else ""
        )
    if isinstance(entry.default, Mapping):
        return ""  # its keys are listed one by one
    text = (
        yaml.safe_dump(entry.default, default_flow_style=True, width=10_000)
        .strip()
        .removesuffix("...")
        .strip()
    )
    return f"`{text if len(text) <= DEFAULT_CHARS else text[: DEFAULT_CHARS - 1] + '…'}`"


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def reference(schema: Mapping[str, Any], defaults: Mapping[str, Any]) -> str:
    """The Markdown reference: top-level keys, then one table per section."""
    lines = [
        "# Configuration reference",
        "",
        "Generated from config/schema.yaml by `python -m solarev.config_reference`; do not edit by hand.",
        cell(schema.get("description", "")) + " Default: the value in config/config.yaml (the Iquitos mall). "
        "`<name>` stands for a name of your own (e.g. a vehicle class), `[]` for each item of a list.",
        "",
    ]
    header = ["| Key | Type | Default | Allowed | Description |", "|---|---|---|---|---|"]
    sections: dict[str, list[str]] = {"": []}
    descriptions = {"": "Keys at the top of the file, beside the sections."}
    for entry in entries(schema, schema, default=defaults):
        section, _, rest = entry.key.partition(".")
        if not rest and entry.node.get("type") == "object":
            sections[section] = []
            descriptions[section] = cell(entry.node.get("description", ""))
            continue
        row = [f"`{entry.key}`", type_text(entry.node), default_text(entry), allowed_text(entry.node, schema)]
        sections[section if rest else ""].append(
            "| " + " | ".join(map(cell, [*row, entry.node.get("description", "")])) + " |"
        )
    for section, rows in sections.items():
        lines += [
            f"## {f'`{section}`' if section else 'Top level'}",
            "",
            descriptions[section],
            "",
            *header,
            *rows,
            "",
        ]
    return "\n".join(lines)


def main(arguments: list[str]) -> None:
    """`python -m solarev.config_reference [--check]`: write config/README.md, or fail if it is stale."""
    text = reference(load_yaml(SCHEMA), load_yaml(DEFAULTS))
    if arguments == ["--check"]:
        if REFERENCE.read_text() != text:
            sys.exit(f"solarev: {REFERENCE} is not current: run python -m solarev.config_reference")
    else:
        REFERENCE.write_text(text)


if __name__ == "__main__":
    main(sys.argv[1:])
