"""Production code never imports the synthetic-data package, and production never installs it.

Only the package itself, the demo clinic (web/demo.py) and the `orthoregen synth` handler
(the `synth` function of web/commands.py) may import orthoregen.web.synthetic; tests and
bench/ live outside src/ and may too.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "orthoregen.web.synthetic"
# File: the one top-level function it may import the package in (None: anywhere).
ALLOWED = {"orthoregen/web/demo.py": None, "orthoregen/web/commands.py": "synth"}


def imported_modules(node: ast.AST, module: str) -> list[str]:
    """Return every module an import statement may name, relative imports resolved."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = module.split(".")[:-node.level] if node.level else []
    source = ".".join([*base, node.module] if node.module else base)
    return [source, *(f"{source}.{alias.name}" for alias in node.names)]


def synthetic_imports(text: str, module: str) -> list[tuple[str, str]]:
    """Return (enclosing top-level function or "", module) for each import of the package."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        found.extend((function, name) for name in imported_modules(node, module)
                     if name == PACKAGE or name.startswith(PACKAGE + "."))
        for child in ast.iter_child_nodes(node):
            is_function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            visit(child, function or (child.name if is_function else ""))

    visit(ast.parse(text), "")
    return found


def test_no_production_module_imports_the_synthetic_package():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative.parts[:3] == ("orthoregen", "web", "synthetic"):
            continue
        module = ".".join(relative.with_suffix("").parts)
        for function, name in synthetic_imports(path.read_text(), module):
            key = relative.as_posix()
            if key not in ALLOWED or ALLOWED[key] not in (None, function):
                offenders.append(f"{key} ({function or 'module level'}) imports {name}")
    assert offenders == []


def test_the_check_sees_imports_in_functions_from_the_package_and_relative_ones():
    text = ("from orthoregen.web import synthetic\n"
            "def handler():\n    from orthoregen.web.synthetic.clinic import synth_load\n"
            "from .synthetic import bulk\n"
            "from orthoregen.web import synthesis\n")
    assert set(synthetic_imports(text, "orthoregen.web.probe")) == {
        ("", "orthoregen.web.synthetic"), ("handler", "orthoregen.web.synthetic.clinic"),
        ("handler", "orthoregen.web.synthetic.clinic.synth_load"),
        ("", "orthoregen.web.synthetic.bulk")}


@pytest.mark.parametrize(("mode", "installed"), [("production", False), ("demo", True),
                                                 ("test", True)])
def test_only_demo_and_test_settings_install_the_synthetic_app(mode, installed, tmp_path):
    environment = {**os.environ, "ORTHOREGEN_ENV": mode, "SECRET_KEY": "x" * 50,
                   "ALLOWED_HOSTS": "clinic.example", "ORTHOREGEN_DATA_DIR": str(tmp_path)}
    probe = f"import orthoregen.web.settings as s; print({PACKAGE!r} in s.INSTALLED_APPS)"
    result = subprocess.run([sys.executable, "-c", probe], env=environment,
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == str(installed)
