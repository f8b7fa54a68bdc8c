"""authz.md: "Code never compares role names; it asks the enforcer."

Every module under `app/` except `app/authz/` (which turns database facts into Casbin subject
names) is parsed and checked for decisions made from role names instead of the policy:

1. a comparison (`==`, `!=`, `is`, `in`, `<`, ...) with a role enum member
   (`OrganizationRole.OWNER`) or a role-name literal (`"OWNER"`, `"org:owner"`) on either side;
2. a comparison of something named like a role (`member.role`, `new_role.value`) with a string
   literal or a display of literals, in any case (`role.value in ("owner", "manager")`);
3. an ordering comparison involving something named like a role (ranking roles in code, e.g.
   `ORDER.index(granter) <= ORDER.index(role)`), other than comparing a `len(...)`;
4. a role-name literal anywhere except as an enum member's value (`OWNER = "OWNER"`);
5. a role enum member used anywhere except to *assign* a role: a `role=` keyword argument (the
   creator of an organization becomes its OWNER), an assignment to `.role`, or a default value
   (a GraphQL input's default team role). `match` cases on roles fall under this rule.

The checks read the syntax tree, not lines, so `for user_id, role in rows` or a description that
mentions OWNER in a sentence are not mistaken for comparisons.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
EXCLUDED = APP / "authz"

ROLE_NAMES = frozenset(
    {"OWNER", "MANAGER", "ADMIN", "MEMBER", "VIEWER", "OUTSIDER", "BILLING", "MAINTAINER", "WRITER"}
)
# Casbin subjects and objects named after roles: org:owner, team:maintainer, org_role:admin, ...
SUBJECT = re.compile(r"(org|team|project|user|visibility|org_role):[a-z_@]+")
ROLE_ENUM = re.compile(r"Role$")
ROLE_ISH = re.compile(r"role", re.IGNORECASE)

EQUALITY = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _is_role_literal(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (node.value in ROLE_NAMES or SUBJECT.fullmatch(node.value) is not None)
    )


def _terminal_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_role_member(node: ast.AST) -> bool:
    """`OrganizationRole.OWNER`, `models.TeamRole.MEMBER`, ..."""
    if not isinstance(node, ast.Attribute) or not node.attr.isupper():
        return False
    owner = _terminal_name(node.value)
    return owner is not None and ROLE_ENUM.search(owner) is not None


def _names_a_role(node: ast.AST) -> bool:
    """Something named like a role: `role`, `member.role`, `new_role.value`, `granter_role`."""
    while isinstance(node, ast.Attribute) and node.attr in {"value", "name"}:
        node = node.value
    name = _terminal_name(node)
    return name is not None and ROLE_ISH.search(name) is not None


def _is_string_literal_or_display(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_string_literal_or_display(element) for element in node.elts)
    if isinstance(node, ast.Dict):
        return any(key is not None and _is_string_literal_or_display(key) for key in node.keys)
    return False


def _is_len_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"


def _enum_member_values(tree: ast.AST) -> set[int]:
    """ids of the literal values of enum members (`OWNER = "OWNER"` in a class ...(StrEnum))."""
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        if not any((_terminal_name(base) or "").endswith("Enum") for base in node.bases):
            continue
        for statement in node.body:
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant):
                allowed.add(id(statement.value))
    return allowed


def _role_assignments(tree: ast.AST) -> set[int]:
    """ids of role enum members that assign a role rather than decide on one."""
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            # `role=…`, and a field's `default=…` (a GraphQL input's default team role).
            allowed.update(id(kw.value) for kw in node.keywords if kw.arg in {"role", "default"})
        elif isinstance(node, ast.Assign):
            if all(isinstance(t, ast.Attribute) and t.attr == "role" for t in node.targets):
                allowed.add(id(node.value))
        elif isinstance(node, ast.ClassDef):
            allowed.update(
                id(statement.value)
                for statement in node.body
                if isinstance(statement, ast.AnnAssign) and statement.value is not None
            )
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defaults = [*node.args.defaults, *node.args.kw_defaults]
            allowed.update(id(default) for default in defaults if default is not None)
    return allowed


def _comparison_violations(node: ast.Compare) -> Iterator[str]:
    operands = [node.left, *node.comparators]
    if any(_is_role_member(n) or _is_role_literal(n) for o in operands for n in ast.walk(o)):
        yield "compares with a role name"
        return
    if any(isinstance(op, EQUALITY) for op in node.ops):
        role_sides = [operand for operand in operands if _names_a_role(operand)]
        if role_sides and any(_is_string_literal_or_display(operand) for operand in operands):
            yield "compares a role with a string literal"
            return
    if any(isinstance(op, ORDERING) for op in node.ops):
        for operand in operands:
            if _is_len_call(operand):
                continue
            if any(_names_a_role(n) for n in ast.walk(operand)):
                yield "orders roles in code"
                return


def violations(source: str, filename: str = "<snippet>") -> list[str]:
    """Every place in `source` that decides from a role name, as `file:line: why: code`."""
    tree = ast.parse(source, filename)
    lines = source.splitlines()
    enum_values = _enum_member_values(tree)
    assignments = _role_assignments(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            found.extend((node.lineno, why) for why in _comparison_violations(node))
        elif isinstance(node, ast.expr):
            if _is_role_literal(node) and id(node) not in enum_values:
                found.append((node.lineno, "role name literal"))
            elif _is_role_member(node) and id(node) not in assignments:
                found.append((node.lineno, "uses a role enum member to decide"))
    # A comparison with a literal or member is reported once, as a comparison.
    compared = {line for line, why in found if why.startswith("compares")}
    return [
        f"{filename}:{line}: {why}: {lines[line - 1].strip()}"
        for line, why in sorted(set(found))
        if not (line in compared and not why.startswith("compares"))
    ]


def app_modules() -> list[Path]:
    return sorted(path for path in APP.rglob("*.py") if EXCLUDED not in path.parents)


def test_app_code_never_decides_from_role_names() -> None:
    modules = app_modules()
    assert len(modules) > 10, "the walk found too few modules; did app/ move?"
    found = [
        violation
        for path in modules
        for violation in violations(path.read_text(), str(path.relative_to(APP.parent)))
    ]
    assert found == [], "ask the enforcer instead:\n" + "\n".join(found)


# ---- the checker itself -------------------------------------------------------------------------

FLAGGED = {
    "equals a member": "if member.role == OrganizationRole.OWNER:\n    pass",
    "is a member": "maintains = role is TeamRole.MAINTAINER",
    "in members": "ok = role in (OrganizationRole.OWNER, OrganizationRole.MANAGER)",
    "member not in": "ok = models.OrganizationRole.ADMIN not in roles",
    "equals a literal": "if role == 'OWNER':\n    pass",
    "subject in roles": "ok = 'org:owner' in roles",
    "lowercase values": "ok = member.role.value not in {'owner', 'manager'}",
    "literal table": "RANK = {'OWNER': 6, 'MANAGER': 5}",
    "literal argument": "statement = members_statement('ADMIN')",
    "match on a member": "match role:\n    case OrganizationRole.OWNER:\n        pass",
    "list of members": "owners = [OrganizationRole.OWNER]",
    "ranking": "ok = ORDER.index(granter_role) <= ORDER.index(role)",
}

ALLOWED = {
    "enum definition": "class TeamRole(StrEnum):\n    MAINTAINER = 'MAINTAINER'",
    "creator becomes owner": "m = Member(user_id=1, role=OrganizationRole.OWNER)",
    "assign a role": "member.role = OrganizationRole.VIEWER",
    "input default": "class TeamMemberInput:\n    role: TeamRole = models.TeamRole.MEMBER",
    "parameter default": "def add(role: TeamRole = TeamRole.MEMBER) -> None:\n    pass",
    "filter by a role variable": "s = select(M).where(M.role == role)",
    "roles from the enforcer": "s = select(M).where(M.role.in_(reading_roles))",
    "iterating rows": "for user_id, role in rows:\n    pass",
    "role sets from the policy": "ok = new_role is not None and new_role in owner_roles",
    "a sentence": "d = 'Create an organization; the viewer becomes its OWNER.'",
    "counting roles": "ok = len(roles) > 1",
    "enum name": "E = strawberry.enum(models.TeamRole, name='TeamRole')",
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_checker_flags(source: str) -> None:
    assert len(violations(source)) == 1, violations(source)


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_checker_allows(source: str) -> None:
    assert violations(source) == []
