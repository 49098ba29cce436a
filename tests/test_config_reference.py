"""config/README.md is what solarev.config_reference generates from config/schema.yaml; it lists every key."""

from solarev.config import load_yaml
from solarev.config_reference import DEFAULTS, REFERENCE, SCHEMA, reference


def schema_keys(node: dict, path: str = "") -> list[str]:
    """Every key of the schema, walked independently of the generator: properties, a mapping's own names
    (<name>) and the keys of a list's items ([]), through $defs."""
    defs = load_yaml(SCHEMA)["$defs"]
    if "$ref" in node:
        node = {**defs[node["$ref"].rsplit("/", 1)[1]], **node}
    keys = []
    for name, child in node.get("properties", {}).items():
        keys.append(f"{path}{name}")
        keys += schema_keys(child, f"{path}{name}.")
        if isinstance(child.get("additionalProperties"), dict):
            keys += schema_keys(child["additionalProperties"], f"{path}{name}.<name>.")
        if isinstance(child.get("items"), dict):
            keys += schema_keys(child["items"], f"{path}{name}[].")
    return keys


def test_the_committed_reference_is_current():
    assert REFERENCE.read_text() == reference(load_yaml(SCHEMA), load_yaml(DEFAULTS)), (
        "config/README.md is stale: run python -m solarev.config_reference"
    )


def test_the_reference_lists_every_key_of_the_schema():
    text = REFERENCE.read_text()
    keys = schema_keys(load_yaml(SCHEMA))
    assert len(keys) > 100
    assert [key for key in keys if f"`{key}`" not in text] == []


def test_the_defaults_are_the_default_sites():
    text = REFERENCE.read_text()
    assert "| `study` | string | `iquitos` |" in text
    assert "| `site.time_step_minutes` | integer | `30` | `15`, `30`, `60` |" in text
