"""The domain packages never import Django, so they can be read, tested and reused alone."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "orthoregen"
CORE = ["instruments", "pathways", "scheduling", "products", "analytics", "evidence", "synth",
        "vocabulary"]


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("package", CORE)
def test_core_package_does_not_import_django_or_the_web_layer(package):
    module = SRC / f"{package}.py"
    files = [module] if module.exists() else sorted((SRC / package).rglob("*.py"))
    assert files, f"no Python source found for core package {package}"
    offenders = [f"{path.relative_to(SRC)} imports {name}" for path in files
                 for name in imported_modules(path)
                 if name.split(".")[0] == "django" or name.startswith("orthoregen.web")]
    assert offenders == []
