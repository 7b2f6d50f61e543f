"""docs/plugins.md says exactly what the code offers a plugin: every name ``extranet.api``
exports and nothing else, every hook of ``extranet/hookspecs.py`` with its arguments, and an
example of each that implements it as its spec says."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from extranet import api, hookspecs

DOC = (Path(__file__).parent.parent / "docs" / "plugins.md").read_text()
SPECS = {name: fn for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("extranet_")}


def _section(title: str, level: str = "## ") -> str:
    """The text under the heading ``title`` up to the next heading of the same level."""
    match = re.search(rf"^{re.escape(level + title)}\n(.*?)(?=^{re.escape(level)}|\Z)", DOC, re.M | re.S)
    assert match, f"docs/plugins.md has no section {level}{title}"
    return match.group(1)


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)


def _hook_sections() -> dict[str, tuple[list[str], str]]:
    """Each hook heading of the Hooks section: its arguments as written, and its text."""
    hooks = _section("Hooks")
    found = {}
    for match in re.finditer(r"^### `(\w+)\(([^)]*)\)`\n(.*?)(?=^### |\Z)", hooks, re.M | re.S):
        name, args, text = match.groups()
        assert name not in found, f"{name} is documented twice"
        found[name] = ([a.strip() for a in args.split(",") if a.strip()], text)
    return found


def test_the_export_table_lists_exactly_what_the_api_exports():
    rows = re.findall(r"^\| `(\w+)` \|", _section("What `extranet.api` exports"), re.M)
    assert len(rows) == len(set(rows)), "a name is listed twice"
    assert sorted(rows) == sorted(api.__all__), (
        f"missing from the table: {sorted(set(api.__all__) - set(rows))}; "
        f"listed but not exported: {sorted(set(rows) - set(api.__all__))}"
    )


def test_every_exported_name_exists():
    assert [name for name in api.__all__ if not hasattr(api, name)] == []


def test_examples_are_python_and_import_only_what_the_api_exports():
    blocks = _python_blocks(DOC)
    assert len(blocks) >= len(SPECS)
    for block in blocks:
        tree = ast.parse(block)  # an example that does not parse teaches nothing
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "extranet.api":
                unknown = {alias.name for alias in node.names} - set(api.__all__)
                assert not unknown, f"the docs import {unknown} from extranet.api, which does not export it"


def test_every_hook_is_documented_once_with_the_arguments_of_its_spec():
    documented = _hook_sections()
    assert sorted(documented) == sorted(SPECS), (
        f"hooks without a section: {sorted(set(SPECS) - set(documented))}; "
        f"sections of no hook: {sorted(set(documented) - set(SPECS))}"
    )
    for name, (args, _text) in documented.items():
        assert args == list(inspect.signature(SPECS[name]).parameters), f"{name}: the docs say {args}"


def test_every_hook_has_an_example_implementation_as_its_spec_says():
    for name, (_args, text) in _hook_sections().items():
        implementations = [
            node
            for block in _python_blocks(text)
            for node in ast.walk(ast.parse(block))
            if isinstance(node, ast.FunctionDef) and node.name == name
            and any(isinstance(d, ast.Name) and d.id == "hookimpl" for d in node.decorator_list)
        ]
        assert implementations, f"{name} has no @hookimpl example in its section"
        for node in implementations:
            assert [a.arg for a in node.args.args] == list(inspect.signature(SPECS[name]).parameters), name


def test_historic_hooks_say_so():
    for name, (_args, text) in _hook_sections().items():
        historic = getattr(SPECS[name], f"{hookspecs.PROJECT}_spec", {}).get("historic", False)
        assert historic == ("historic" in text.lower()), name
