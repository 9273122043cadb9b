"""The web layer's apps import only the pathway stages before them (web/stages.py).

A later stage may read an earlier one's records and call its services; an earlier stage
learns of a later one only through the hooks the later one declares in web/stages.py.
"""

import ast
from pathlib import Path

import pytest

from orthoregen.web.stages import FOUNDATION, STAGE_ORDER

WEB = Path(__file__).resolve().parents[1] / "src" / "orthoregen" / "web"
# Modules of the web package itself that any app may use: none imports an app at load time.
SHARED = {"stages", "mail", "environment", "django_setup", "parsing", "errors", "row_text",
          "bulk_load"}
ORDER = [*FOUNDATION, *(app for app in STAGE_ORDER if app not in FOUNDATION)]
# Synthetic data (demo and tests only) comes after every stage, outside STAGES: it fills
# each stage's tables, so it may import them all.
APPS = [*ORDER, "synthetic"]


def imports_of(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def web_target(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if parts[:2] == ["orthoregen", "web"] and len(parts) > 2 else None


def test_every_app_is_a_declared_stage():
    apps = {path.parent.name for path in WEB.glob("*/apps.py")}
    assert apps == set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_stages_before_it(app):
    allowed = set(APPS[:APPS.index(app) + 1]) | SHARED
    offenders = sorted(
        f"{path.relative_to(WEB)} imports {module}"
        for path in (WEB / app).rglob("*.py") if "migrations" not in path.parts
        for module in imports_of(path)
        if (target := web_target(module)) is not None and target not in allowed)
    assert offenders == []


def test_the_shared_modules_import_no_app():
    offenders = [f"{name}.py imports {module}" for name in sorted(SHARED)
                 for module in imports_of(WEB / f"{name}.py")
                 if (target := web_target(module)) is not None and target not in ("accounts",)]
    assert offenders == []
