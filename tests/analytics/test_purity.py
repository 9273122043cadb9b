"""The analytics and evidence packages stay pure: no Django, so they run without a database."""

import ast
from pathlib import Path

import pytest

import orthoregen

SRC = Path(orthoregen.__file__).parent


def _imported_modules(path: Path):
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("package", ["analytics", "evidence"])
def test_core_package_never_imports_django(package):
    files = sorted((SRC / package).rglob("*.py"))
    assert files, f"no modules found under {package}"
    offenders = [
        f"{path.name}: {module}"
        for path in files
        for module in _imported_modules(path)
        if module.split(".")[0] == "django" or module.startswith("orthoregen.web")
    ]
    assert offenders == []
