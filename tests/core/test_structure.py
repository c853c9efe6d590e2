"""The code's shape: no import cycles, and access decided only by the permission table."""

import ast
import re
from pathlib import Path

import wenming
from wenming.core.permissions import TABLE, Grant
from wenming.regions.roles import Role

PACKAGE = Path(wenming.__file__).resolve().parent
ROOT = PACKAGE.parent
# Where role codes may be written out: the enum and the permission table's rows.
ROLE_HOMES = {"regions/roles.py"}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(ROOT).with_suffix("")
        if "migrations" in relative.parts:
            continue
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _module_level_imports(path: Path, known: set[str]) -> set[str]:
    """Project modules imported at module level (imports inside functions are deferred)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name in known:
                found.add(name)
    return found


def test_the_import_graph_of_the_package_has_no_cycle():
    modules = _modules()
    graph = {name: _module_level_imports(path, set(modules)) for name, path in modules.items()}
    cycles = []
    state = {}

    def visit(name, trail):
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append(" → ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_function_local_import_of_project_code_outside_app_start_up():
    """Deferred imports hide cycles; only AppConfig.ready() and settings may need them."""
    offenders = []
    for name, path in _modules().items():
        if name.endswith((".apps", "settings", ".celery")) or name == "wenming.celery":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for top in tree.body:
            for node in ast.walk(top) if not isinstance(top, ast.Import | ast.ImportFrom) else ():
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wenming"):
                    offenders.append(f"{name}:{node.lineno} {node.module}")
    assert offenders == []


def test_role_codes_are_written_only_in_the_permission_table():
    pattern = re.compile("|".join(rf"[\"']{re.escape(role.value)}[\"']" for role in Role))
    offenders = []
    for path in PACKAGE.rglob("*"):
        if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
            continue
        relative = str(path.relative_to(PACKAGE))
        if relative in ROLE_HOMES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_every_grant_names_a_real_role_and_every_action_has_a_label():
    roles = set(Role.values)
    for action in TABLE:
        assert str(action.label), action.name
        assert set(action.grants) <= roles, action.name
        assert all(
            isinstance(grant, Grant) for grants in action.grants.values() for grant in grants
        )


def test_the_permissions_command_prints_every_action_with_its_grants():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("permissions", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("| action | Description | Office admin | Office staff |")
    assert len(lines) == 2 + len(list(TABLE))
    review = next(line for line in lines if line.startswith("| framework.review |"))
    assert review == (
        "| framework.review | Review ledger evidence | subtree | subtree |  |  |  |  |  |"
    )
    audit = next(line for line in lines if line.startswith("| core.view_auditentry |"))
    assert "| people (top), own | own | own | own | own |  |  |" in audit


def test_core_imports_no_domain_app():
    """Core is the ground floor: domain apps plug into it (scoper, clean-ups), never back."""
    modules = _modules()
    domain = ("wenming.regions", "wenming.framework", "wenming.accounts", "wenming.dashboard")
    domain += ("wenming.portal", "wenming.demo", "wenming.api")
    upward = sorted(
        f"{name} → {target}"
        for name, path in modules.items()
        if name.startswith("wenming.core")
        for target in _module_level_imports(path, set(modules))
        if target.startswith(domain)
    )
    assert upward == []
