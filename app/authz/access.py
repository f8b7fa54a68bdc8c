"""The viewer's standing on objects, for every kind: one door for reads and writes alike.

Facts come from the request's loaders (batched, memoised: one statement for all the objects of a
page); Casbin decides. `readable` filters rows a resolver found; `may` answers `viewerCan`;
`get` is how a mutation takes the object it acts on: locked (see `app.db.locked`), its facts read
afresh after the lock, NOT_FOUND when unreadable, FORBIDDEN when the role falls short, INVALID
when only the project's being archived stands in the way.
"""

from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, overload

from sqlalchemy import select

from app.authz.enforcer import NO_ATTRIBUTES, StageMove
from app.authz.roles import (
    ARCHIVED,
    Action,
    Kind,
    ProjectFacts,
    connection_roles,
    effective_project_role,
    organization_roles,
    project_roles,
    team_roles,
    user_roles,
)
from app.connections.models import Connection
from app.db import locked
from app.errors import Forbidden, Invalid, NotFound
from app.hub.models import ComponentVersion
from app.loaders import NOT_LOADED, peek
from app.organizations.models import Organization
from app.projects.models import Project, ProjectRole
from app.registry.models import ModelVersion
from app.runs.models import Run
from app.service_accounts.models import ServiceAccount
from app.teams.models import Team
from app.users.models import AccessToken, User
from app.versions.models import Stage

if TYPE_CHECKING:
    from app.context import Context

T = TypeVar("T")

# Actions that change the project itself hold its row alone; every other write into the project
# shares the row, so an archive, a visibility change or a new grant waits for writes in flight and
# they wait for it: each is decided on the project as it is when it commits.
_CHANGES_THE_PROJECT = frozenset(
    {Action.UPDATE, Action.ARCHIVE, Action.DELETE, Action.MANAGE_ACCESS,
     Action.SET_PROMOTION_SOURCES, Action.SET_CONNECTIONS}
)  # fmt: skip


@dataclass(frozen=True)
class Guard:
    """What a kind is: its rows, what a missing one is called, and where a refusal is."""

    model: type[Any]
    missing: str
    where: str


GUARDS: dict[Kind, Guard] = {
    Kind.ORGANIZATION: Guard(Organization, "No such organization.", "in this organization"),
    Kind.TEAM: Guard(Team, "No such team.", "on this team"),
    Kind.CONNECTION: Guard(Connection, "No such connection.", "in this organization"),
    Kind.PROJECT: Guard(Project, "No such project.", "in this project"),
    Kind.RUN: Guard(Run, "No such run.", "in this project"),
    Kind.MODEL_VERSION: Guard(ModelVersion, "No such model version.", "in this project"),
    Kind.COMPONENT_VERSION: Guard(
        ComponentVersion, "No such component version.", "in this project"
    ),
    Kind.USER: Guard(User, "No such user.", "for this user"),
    Kind.ACCESS_TOKEN: Guard(AccessToken, "No such access token.", "for this token"),
    Kind.SERVICE_ACCOUNT: Guard(
        ServiceAccount, "No such service account.", "for this service account"
    ),
}
# Kinds whose rows live in a project: the project's facts decide for them.
IN_A_PROJECT = frozenset({Kind.RUN, Kind.MODEL_VERSION, Kind.COMPONENT_VERSION})
VERSIONS = frozenset({Kind.MODEL_VERSION, Kind.COMPONENT_VERSION})


def _project_id(kind: Kind, row: Any) -> int:
    return int(row.id if kind is Kind.PROJECT else row.project_id)


class Decides(Protocol):
    """Whether the viewer may do `action` (with its ABAC attributes) on one row."""

    def __call__(self, action: Action, attributes: StageMove = ..., /) -> bool: ...


class Access:
    def __init__(self, ctx: "Context") -> None:
        self._ctx = ctx

    # ---- facts -> role names ------------------------------------------------------------------

    async def roles(self, kind: Kind, rows: Sequence[Any]) -> list[set[str]]:
        """Every role name the viewer holds on each row (all of them read in one batch)."""
        ctx, loaders = self._ctx, self._ctx.loaders
        base = ctx.base_roles
        if kind is Kind.ORGANIZATION:
            ids = [row.id for row in rows]
            facts = await loaders.organizations.viewer_facts.load_many(ids)
            return [
                organization_roles(fact.membership, base, public_owner=fact.public_owner)
                for fact in facts
            ]
        if kind is Kind.TEAM:
            organizations = await loaders.organizations.viewer_facts.load_many(
                [row.organization_id for row in rows]
            )
            places = await loaders.teams.viewer_role.load_many([row.id for row in rows])
            return [
                team_roles(organization.membership, place, base)
                for organization, place in zip(organizations, places, strict=True)
            ]
        if kind is Kind.CONNECTION:
            connections = await loaders.external_connections.viewer_facts.load_many(
                [row.id for row in rows]
            )
            return [connection_roles(fact, base) for fact in connections]
        if kind is Kind.PROJECT or kind in IN_A_PROJECT:
            if kind is Kind.PROJECT:  # the rows in hand: their facts need not fetch them again
                for row in rows:
                    loaders.rows(Project).prime(row.id, row)
            project_ids = [_project_id(kind, row) for row in rows]
            held = await self.project_facts(project_ids)
            return [
                set()
                if fact is None
                else project_roles(fact, base, in_scope=ctx.token_reaches(pid))
                for pid, fact in zip(project_ids, held, strict=True)
            ]
        if kind is Kind.SERVICE_ACCOUNT:
            facts = await loaders.organizations.viewer_facts.load_many(
                [row.organization_id for row in rows]
            )
            return [organization_roles(fact.membership, base) for fact in facts]
        if kind is Kind.USER:
            shared = await loaders.users.shared_organization_roles.load_many(
                [row.id for row in rows]
            )
            return [
                user_roles(ctx.viewer.user_id, row.id, held, base)
                for row, held in zip(rows, shared, strict=True)
            ]
        if kind is Kind.ACCESS_TOKEN:
            # A service account's tokens: its managers hold their organization role on them.
            accounts = await loaders.users.service_accounts.load_many([r.user_id for r in rows])
            facts = await loaders.organizations.viewer_facts.load_many(
                [account.organization_id for account in accounts if account is not None]
            )
            managing = {
                account.user_id: fact.membership
                for account, fact in zip([a for a in accounts if a is not None], facts, strict=True)
                if fact.membership is not None
            }
            return [
                user_roles(
                    ctx.viewer.user_id,
                    row.user_id,
                    [managing[row.user_id]] if row.user_id in managing else [],
                    base,
                )
                for row in rows
            ]
        raise ValueError(f"no guard for {kind}")

    async def project_facts(self, project_ids: Sequence[int]) -> list[ProjectFacts | None]:
        return await self._ctx.loaders.projects.viewer_facts.load_many(list(project_ids))

    # ---- reads --------------------------------------------------------------------------------

    async def readable(self, kind: Kind, rows: Sequence[T | None]) -> list[T | None]:
        """The rows the viewer may read, in place; the others become None."""
        present = [row for row in rows if row is not None]
        allowed = {
            id(row)
            for row, roles in zip(present, await self.roles(kind, present), strict=True)
            if self._ctx.authz.allows(roles, kind, Action.READ)
        }
        return [row if row is not None and id(row) in allowed else None for row in rows]

    async def readable_one(self, kind: Kind, row: T | None) -> T | None:
        return (await self.readable(kind, [row]))[0]

    def readable_now(self, kind: Kind, row: T) -> "T | Awaitable[T | None] | None":
        """`readable_one`, answered at once when the project facts that decide it are loaded
        already (look-ahead loads them for a page), else the awaitable that decides it."""
        if kind is Kind.PROJECT or kind in IN_A_PROJECT:
            project_id = _project_id(kind, row)
            fact = peek(self._ctx.loaders.projects.viewer_facts, project_id)
            if fact is not NOT_LOADED:
                in_scope = self._ctx.token_reaches(project_id)
                roles = (
                    set()
                    if fact is None
                    else project_roles(fact, self._ctx.base_roles, in_scope=in_scope)
                )
                return row if self._ctx.authz.allows(roles, kind, Action.READ) else None
        return self.readable_one(kind, row)

    async def may(
        self, kind: Kind, row: Any, action: Action, attributes: StageMove = NO_ATTRIBUTES
    ) -> bool:
        """Whether the viewer may do `action` on the row (`viewerCan`, private fields)."""
        (roles,) = await self.roles(kind, [row])
        return self._ctx.authz.allows(roles, kind, action, attributes)

    async def allowed(self, kind: Kind, row: Any, actions: Iterable[Action]) -> set[Action]:
        """Which of `actions` the viewer may do on the row (`viewerCan`): its roles read once."""
        decides = await self.decider(kind, row)
        return {action for action in actions if decides(action)}

    async def decider(self, kind: Kind, row: Any) -> "Decides":
        """The policy's answers about one row for the viewer, attributes and all (a version's
        `viewerCan.transition(to:)`): its roles are read once, each question is Casbin's."""
        (roles,) = await self.roles(kind, [row])
        authz = self._ctx.authz

        def decides(action: Action, attributes: StageMove = NO_ATTRIBUTES) -> bool:
            return authz.allows(roles, kind, action, attributes)

        return decides

    async def project_role(self, project: Project) -> ProjectRole | None:
        """The viewer's effective role on the project: the strongest that applies."""
        (roles,) = await self.roles(Kind.PROJECT, [project])
        return effective_project_role(self._ctx.authz, roles)

    # ---- writes -------------------------------------------------------------------------------

    @overload
    async def get(
        self, kind: Literal[Kind.ORGANIZATION], row_id: int, action: Action
    ) -> Organization: ...
    @overload
    async def get(self, kind: Literal[Kind.TEAM], row_id: int, action: Action) -> Team: ...
    @overload
    async def get(
        self, kind: Literal[Kind.PROJECT], row_id: int, action: Action, *, decide_as: Kind = ...
    ) -> Project: ...
    @overload
    async def get(self, kind: Literal[Kind.RUN], row_id: int, action: Action) -> Run: ...
    @overload
    async def get(
        self, kind: Literal[Kind.CONNECTION], row_id: int, action: Action
    ) -> Connection: ...
    @overload
    async def get(
        self, kind: Literal[Kind.ACCESS_TOKEN], row_id: int, action: Action
    ) -> AccessToken: ...

    @overload  # the versions: either kind
    async def get(self, kind: Kind, row_id: int, action: Action) -> Any: ...

    async def get(
        self, kind: Kind, row_id: int, action: Action, *, decide_as: Kind | None = None
    ) -> Any:
        """The row a mutation acts on, locked, if the viewer may do `action` on it.

        Rows in a project lock their project first (shared, or alone for actions that change
        it), then themselves; an organization locks its own row."""
        if kind is Kind.ORGANIZATION:
            organization = await self._locked(Organization, row_id, shared=False)
            if organization is None:
                raise NotFound(GUARDS[kind].missing)
            self._ctx.loaders.organizations.viewer_facts.clear(organization.id)
            await self._authorize(kind, organization, action)
            return organization
        if kind is Kind.CONNECTION:
            return await self._get_connection(row_id, action)
        if kind is Kind.PROJECT or kind in IN_A_PROJECT:
            # Actions that change the project itself (archive, settings, delete) hold it alone.
            # So does deleting a version: its aliases go with it, and an alias move holds the
            # project shared, then the alias, then the versions it names; waiting for the
            # project, the deletion never holds a version a mover waits for while it waits for
            # the mover's alias.
            alone = (kind is Kind.PROJECT and action in _CHANGES_THE_PROJECT) or (
                kind in VERSIONS and action is Action.DELETE
            )
            return await self._get_in_project(kind, row_id, action, None, alone, decide_as or kind)
        row = await self._ctx.session.get(GUARDS[kind].model, row_id)
        if row is None:
            raise NotFound(GUARDS[kind].missing)
        await self._authorize(kind, row, action)
        return row

    async def get_to_move(
        self, kind: Kind, version_id: int, to_stage: Stage, *, whole_project: bool
    ) -> Any:
        """The version a stage move acts on, locked, if the viewer may move it to `to_stage`:
        decided on the stage the locked row holds. `whole_project` locks the project alone (the
        move changes its other versions too)."""
        return await self._get_in_project(
            kind, version_id, Action.TRANSITION, to_stage, whole_project, kind
        )

    async def hold_project(
        self,
        kind: Kind,
        row_id: int,
        action: Action,
        attributes: StageMove = NO_ATTRIBUTES,
        *,
        decide_as: Kind | None = None,
    ) -> Project:
        """The project of `kind`'s row `row_id` (a project: itself), held shared as every write
        into it is, if the viewer may do `action` (with `attributes`) there: NOT_FOUND,
        FORBIDDEN or INVALID as `get`. The row is read again under the project's lock (it
        cannot go while that is held: deleting a version holds the project alone) but not
        locked: the caller locks what it changes in its own order (an alias before the versions
        it names) and decides on those rows with `authorize`."""
        guard = GUARDS[kind]
        project_id = row_id
        if kind is not Kind.PROJECT:
            found = await self._ctx.session.get(guard.model, row_id)
            if found is None:
                raise NotFound(guard.missing)
            project_id = found.project_id
        project = await self._locked(Project, project_id, shared=True)
        row = project
        if kind is not Kind.PROJECT:
            row = await self._ctx.session.scalar(
                select(guard.model)
                .where(guard.model.id == row_id)
                .execution_options(populate_existing=True)
            )
        if project is None or row is None:
            raise NotFound(guard.missing)  # gone while this request waited for the lock
        self._ctx.loaders.projects.viewer_facts.clear(project.id)
        await self._authorize(kind, row, action, attributes, decide_as)
        return project

    async def authorize(
        self, kind: Kind, row: Any, action: Action, attributes: StageMove = NO_ATTRIBUTES
    ) -> None:
        """Whether the viewer may do `action` on a row the caller has locked (an alias move,
        decided on the stages its locked versions hold): NOT_FOUND, FORBIDDEN or INVALID as
        `get`."""
        await self._authorize(kind, row, action, attributes)

    async def project_of(self, row: Run | ModelVersion | ComponentVersion) -> Project:
        """The project of a row `get` handed out: locked with it, so the session has it (no
        statement)."""
        project = await self._ctx.session.get(Project, row.project_id)
        assert project is not None
        return project

    async def _get_connection(self, connection_id: int, action: Action) -> Connection:
        """A connection, its organization held shared (a change to who is a member waits for
        this write, and it for them) and itself alone (`setProjectConnections` holds it shared
        while it links it to a project: a deletion waits for that, and names every project it
        takes the connection from)."""
        guard = GUARDS[Kind.CONNECTION]
        found = await self._ctx.session.get(Connection, connection_id)
        if found is None:
            raise NotFound(guard.missing)
        organization = await self._locked(Organization, found.organization_id, shared=True)
        connection = await self._locked(Connection, connection_id)
        if organization is None or connection is None:
            raise NotFound(guard.missing)  # gone while this request waited for the lock
        self._ctx.loaders.external_connections.viewer_facts.clear(connection.id)
        await self._authorize(Kind.CONNECTION, connection, action)
        return connection

    async def _get_in_project(
        self,
        kind: Kind,
        row_id: int,
        action: Action,
        to_stage: Stage | None,
        whole_project: bool,
        decide_as: Kind,
    ) -> Any:
        """`decide_as`: the kind the action is on (a model version created in the project)."""
        guard = GUARDS[kind]
        project_id = row_id
        if kind is not Kind.PROJECT:
            found = await self._ctx.session.get(guard.model, row_id)
            if found is None:
                raise NotFound(guard.missing)
            project_id = found.project_id
        project = await self._locked(Project, project_id, shared=not whole_project)
        row: Any = project if kind is Kind.PROJECT else await self._locked(guard.model, row_id)
        if project is None or row is None:
            raise NotFound(guard.missing)  # gone while this request waited for the lock
        self._ctx.loaders.projects.viewer_facts.clear(project.id)
        move = NO_ATTRIBUTES
        if to_stage is not None:
            move = StageMove(from_stage=row.stage.value, to_stage=to_stage.value)
        await self._authorize(kind, row, action, move, decide_as)
        return row

    async def _locked(self, model: type[T], row_id: int, *, shared: bool = False) -> T | None:
        row_key: Any = model.id  # type: ignore[attr-defined]
        return await self._ctx.session.scalar(
            locked(select(model).where(row_key == row_id), shared=shared)
        )

    async def _authorize(
        self,
        kind: Kind,
        row: Any,
        action: Action,
        move: StageMove = NO_ATTRIBUTES,
        decide_as: Kind | None = None,
    ) -> None:
        guard, authz = GUARDS[kind], self._ctx.authz
        (roles,) = await self.roles(kind, [row])
        if not authz.allows(roles, kind, Action.READ):
            raise NotFound(guard.missing)
        decided = decide_as or kind
        if authz.allows(roles, decided, action, move):
            return
        if ARCHIVED in roles and authz.allows(roles - {ARCHIVED}, decided, action, move):
            raise Invalid("The project is archived: it is read-only until it is unarchived.")
        raise Forbidden(f"You may not {action.value.replace('_', ' ')} {guard.where}.")
