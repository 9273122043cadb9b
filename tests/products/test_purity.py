"""The products and scheduling cores stay pure: no Django, no web layer (imports go web -> core)."""

import ast
from pathlib import Path

import pytest

import orthoregen

SRC = Path(orthoregen.__file__).parent


@pytest.mark.parametrize("package", ["products", "scheduling"])
def test_core_package_never_imports_django_or_the_web_layer(package):
    files = sorted((SRC / package).rglob("*.py"))
    assert files, f"no modules found under {package}"
    imported = [
        (path.name, node.module if isinstance(node, ast.ImportFrom) else alias.name)
        for path in files
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [node])
    ]
    offenders = [
        (name, module)
        for name, module in imported
        if module and (module.split(".")[0] == "django" or module.startswith("orthoregen.web"))
    ]
    assert offenders == []
