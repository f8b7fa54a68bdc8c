"""Every loader of one request, built on first use. Never shared: cached rows belong to one
viewer, and to one moment (a mutation resets them: read your writes)."""

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import select

from app.connections.loaders import ExternalConnectionLoaders
from app.context import Context
from app.loaders import ConnectionLoaders, GroupedRowsLoader, RowsByKeyLoader
from app.organizations.loaders import OrganizationLoaders
from app.projects.loaders import ProjectLoaders
from app.registry.loaders import RegistryLoaders
from app.runs.loaders import RunLoaders
from app.service_accounts.loaders import ServiceAccountLoaders
from app.teams.loaders import TeamLoaders
from app.users.loaders import UserLoaders
from app.versions.service import KINDS_BY_MODEL

if TYPE_CHECKING:
    from app.graphql.kit import Listing

T = TypeVar("T")


class Loaders:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._rows: dict[type[Any], RowsByKeyLoader[int, Any]] = {}
        self._connections: dict[int, ConnectionLoaders[Any, Any]] = {}
        self._conditions: dict[type[Any], GroupedRowsLoader[int, Any]] = {}
        self._aliases: dict[type[Any], GroupedRowsLoader[int, Any]] = {}

    def release(self) -> None:
        """Empty every loader built so far, once the request is answered. Some loaders sit in a
        reference cycle (a group whose loader's statement is the group's own method), and the
        rows they cached would otherwise wait for the collector's slowest generation."""
        for loader in _loaders_in(self):
            loader.clear_all()

    def rows(self, model: type[T]) -> RowsByKeyLoader[int, T]:
        """Rows of one model by id: one `IN` statement per batch, every kind alike."""
        loader = self._rows.get(model)
        if loader is None:
            loader = self._rows[model] = RowsByKeyLoader(self._ctx, model, model.id)  # type: ignore[attr-defined]
        return loader

    def conditions(self, model: type[Any]) -> GroupedRowsLoader[int, Any]:
        """A version's stage history, oldest first, by the version's id (either kind)."""
        loader = self._conditions.get(model)
        if loader is None:
            of = KINDS_BY_MODEL[model]
            condition: Any = of.condition
            loader = self._conditions[model] = GroupedRowsLoader(
                self._ctx,
                select(condition).order_by(condition.at, condition.id),
                getattr(condition, of.condition_key),
            )
        return loader

    def aliases(self, model: type[Any]) -> GroupedRowsLoader[int, Any]:
        """A version's aliases, in alphabetical order, by the version's id (either kind)."""
        loader = self._aliases.get(model)
        if loader is None:
            alias: Any = KINDS_BY_MODEL[model].alias
            loader = self._aliases[model] = GroupedRowsLoader(
                self._ctx, select(alias).order_by(alias.alias), alias.version_id
            )
        return loader

    def connections(self, listing: "Listing") -> ConnectionLoaders[Any, Any]:
        """The page and count loaders of one listing under many parents."""
        loaders = self._connections.get(id(listing))
        if loaders is None:
            loaders = ConnectionLoaders(self._ctx, listing.model, listing.parent)
            self._connections[id(listing)] = loaders
        return loaders

    @cached_property
    def users(self) -> UserLoaders:
        return UserLoaders(self._ctx)

    @cached_property
    def organizations(self) -> OrganizationLoaders:
        return OrganizationLoaders(self._ctx)

    @cached_property
    def external_connections(self) -> ExternalConnectionLoaders:
        """Connections' facts (`connections` is the listings' page loaders)."""
        return ExternalConnectionLoaders(self._ctx)

    @cached_property
    def teams(self) -> TeamLoaders:
        return TeamLoaders(self._ctx)

    @cached_property
    def service_accounts(self) -> ServiceAccountLoaders:
        return ServiceAccountLoaders(self._ctx)

    @cached_property
    def projects(self) -> ProjectLoaders:
        return ProjectLoaders(self._ctx)

    @cached_property
    def runs(self) -> RunLoaders:
        return RunLoaders(self._ctx)

    @cached_property
    def registry(self) -> RegistryLoaders:
        return RegistryLoaders(self._ctx)


def _loaders_in(holder: object, depth: int = 3) -> Iterator[DataLoader[Any, Any]]:
    """The loaders `holder` holds: its attributes, the values of its dicts, and so on down."""
    values = holder.values() if isinstance(holder, dict) else vars(holder).values()
    for value in values:
        if isinstance(value, DataLoader):
            yield value
        elif depth > 1 and _holds_loaders(value):
            yield from _loaders_in(value, depth - 1)


def _holds_loaders(value: object) -> bool:
    """A dict of loaders or a group of them (one of ours, never the context they point back to)."""
    if isinstance(value, dict):
        return True
    return type(value).__module__.startswith("app.") and not isinstance(value, Context)
