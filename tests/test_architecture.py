"""The shape of bot/ that import-linter cannot see (docs/ARCHITECTURE.md).

import-linter holds the imports (`lint-imports`, contracts in pyproject.toml); these tests hold the rest:
the environment is read only at the edge, no code reads the tests' files, and every package names its API.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from conftest import ROOT

BOT = ROOT / "bot"
EDGE = {BOT / "config.py"} | set((BOT / "cli").rglob("*.py"))  # configuration is read once, here


def _sources() -> list[Path]:
    return sorted(BOT.rglob("*.py"))


def _reads_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb", "putenv"} \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os" \
                and any(alias.name in {"environ", "getenv"} for alias in node.names):
            lines.append(node.lineno)
    return lines


def test_the_environment_is_read_only_by_the_config_module_and_the_command_line():
    found = {str(path.relative_to(ROOT)): lines for path in _sources() if path not in EDGE
             if (lines := _reads_environment(ast.parse(path.read_text(encoding="utf-8"))))}
    assert found == {}, f"os.environ read outside bot/config.py and bot/cli: {found}"


def test_the_environment_check_finds_a_read():
    assert _reads_environment(ast.parse("import os\nx = os.environ.get('A')\n")) == [2]
    assert _reads_environment(ast.parse("from os import getenv\n")) == [1]


def test_no_code_under_bot_reads_the_tests_folder():
    offenders = [str(path.relative_to(ROOT)) for path in _sources()
                 if any(isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value == "tests"
                        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))]
    assert offenders == []


PACKAGES = sorted(path.parent.relative_to(ROOT).as_posix().replace("/", ".")
                  for path in BOT.glob("*/__init__.py"))


@pytest.mark.parametrize("package", [p for p in PACKAGES if p not in {"bot.telegram"}])
def test_every_package_names_its_public_api(package):
    module = importlib.import_module(package)
    names = getattr(module, "__all__", None)
    assert names, f"{package}/__init__.py has no __all__"
    missing = [name for name in names if not hasattr(module, name)]
    assert missing == [], f"{package}.__all__ names what it does not hold: {missing}"
