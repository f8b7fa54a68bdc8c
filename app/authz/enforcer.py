"""The Casbin enforcer, loaded once, and the only door to its decisions."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import casbin

ROLE_SEPARATOR = ","


@dataclass(frozen=True, slots=True)
class StageMove:
    """The attributes an ABAC rule reads (`r.attr.from_stage`); empty for plain requests.

    A stage move's stages; for an alias, the stages of the version it leaves and of the one it
    reaches ("" for none: an alias set anew, or deleted)."""

    from_stage: str = ""
    to_stage: str = ""


NO_ATTRIBUTES = StageMove()


class Authorizer:
    """Answers "may someone holding these roles do this action on this kind of object?".

    Decisions depend only on the policy, which is loaded once at start-up, so they are cached for
    the life of the process (safe to lose, identical in every process).
    """

    def __init__(self, policy_dir: Path) -> None:
        self._enforcer = casbin.Enforcer(
            str(policy_dir / "model.conf"), str(policy_dir / "policy.csv")
        )
        self._role_manager = self._enforcer.get_role_manager()
        self._enforcer.add_function("holds", self._holds)
        self._decisions: dict[tuple[frozenset[str], str, str, StageMove], bool] = {}
        self.role_names: frozenset[str] = frozenset(self._collect_role_names())

    def _collect_role_names(self) -> Iterable[str]:
        for rule in self._enforcer.get_policy():
            yield rule[0]
        for link in self._enforcer.get_grouping_policy():
            yield link[0]
            yield link[1]

    def _holds(self, request_roles: str, policy_subject: str) -> bool:
        return any(
            self._role_manager.has_link(role, policy_subject)
            for role in request_roles.split(ROLE_SEPARATOR)
            if role
        )

    def allows(
        self, roles: Iterable[str], kind: str, action: str, attributes: StageMove = NO_ATTRIBUTES
    ) -> bool:
        key = (frozenset(roles), kind, action, attributes)
        decision = self._decisions.get(key)
        if decision is None:
            subject = ROLE_SEPARATOR.join(sorted(key[0]))
            decision = bool(subject) and bool(
                self._enforcer.enforce(subject, kind, action, attributes)
            )
            self._decisions[key] = decision
        return decision

    def roles_allowing(self, kind: str, action: str) -> frozenset[str]:
        """Every role name in the policy that, held alone, allows the action.

        Casbin's get_implicit_users_for_permission leaves out names that are roles themselves, so
        each known name is enforced on its own instead.
        """
        return frozenset(name for name in self.role_names if self.allows([name], kind, action))

    def implies(self, role: str, other: str) -> bool:
        """Whether holding `role` includes everything `other` holds (role inheritance)."""
        return bool(self._role_manager.has_link(role, other))

    @property
    def enforcer(self) -> Any:
        return self._enforcer
