"""The apps depend one way: readings/ uses accounts/, never the other way round."""

import ast
from pathlib import Path

from django.conf import settings

from accounts.models import COUNT_UNITS
from readings.units import Unit


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_accounts_imports_nothing_from_readings():
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "readings"
        )
        for path in (settings.BASE_DIR / "accounts").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_records_units_are_the_count_units():
    assert [(unit.value, unit.label) for unit in Unit] == COUNT_UNITS
