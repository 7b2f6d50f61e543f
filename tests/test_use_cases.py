"""Where a use case lives (docs/architecture.md): a feature's service function builds the rows
and writes the audit record; its page validates, commits and calls the listeners. No page
writes an audit record itself, so that no change is recorded one way here and another there."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _audit_calls(path: Path) -> list[int]:
    """Lines of ``path`` that import ``record`` from the audit service or call it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "extranet.audit.service":
            found += [node.lineno for alias in node.names if alias.name == "record"]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "record":
            found.append(node.lineno)
    return found


def test_no_page_writes_an_audit_record():
    pages = [*ROOT.glob("extranet/**/views.py"), ROOT / "extranet" / "field_pages.py",
             *ROOT.glob("plugins/*/extranet_*/**/views.py")]
    assert len(pages) > 10
    offending = {str(p.relative_to(ROOT)): lines for p in pages if (lines := _audit_calls(p))}
    assert offending == {}


def test_the_check_finds_a_page_that_records(tmp_path):
    page = tmp_path / "views.py"
    page.write_text("from extranet.audit.service import record\n\ndef save():\n    record('x.changed')\n")
    assert _audit_calls(page) == [1, 4]
