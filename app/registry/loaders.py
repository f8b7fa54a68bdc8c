from collections import defaultdict
from collections.abc import Hashable

from aiodataloader import DataLoader
from sqlalchemy import Select, func, literal, select

from app.authz import filters
from app.context import Context
from app.loaders import GroupedRowsLoader, RelatedRowsLoader
from app.projects.models import Project
from app.registry.models import ModelVersion
from app.runs.models import Run, RunEdge
from app.versions.models import Stage

LINEAGE_DEPTH = 5


class LatestVersionLoader(DataLoader[tuple[int, Stage | None], ModelVersion | None]):
    """Each project's newest version (in a stage, if given): one window query per batch."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    async def batch_load_fn(
        self, keys: list[tuple[int, Stage | None]]
    ) -> list[ModelVersion | None]:
        by_stage: dict[Stage | None, list[int]] = defaultdict(list)
        for project_id, stage in keys:
            by_stage[stage].append(project_id)
        found: dict[Hashable, ModelVersion] = {}
        session = self._ctx.session
        for stage, project_ids in by_stage.items():
            rank = (
                func.row_number()
                .over(
                    partition_by=ModelVersion.project_id,
                    order_by=(ModelVersion.created_at.desc(), ModelVersion.id.desc()),
                )
                .label("rank")
            )
            inner = select(ModelVersion.id, rank).where(ModelVersion.project_id.in_(project_ids))
            if stage is not None:
                inner = inner.where(ModelVersion.stage == stage)
            ranked = inner.subquery()
            rows = await session.scalars(
                select(ModelVersion)
                .join(ranked, ranked.c.id == ModelVersion.id)
                .where(ranked.c.rank == 1)
            )
            for row in rows.all():
                found[(row.project_id, stage)] = row
        return [found.get(key) for key in keys]


class RegistryLoaders:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.of_run: GroupedRowsLoader[int | None, ModelVersion] = GroupedRowsLoader(
            ctx,
            select(ModelVersion)
            .join(Project, Project.id == ModelVersion.project_id)
            .where(filters.readable_projects(ctx))
            .order_by(ModelVersion.created_at, ModelVersion.id),
            ModelVersion.run_id,
        )
        self.latest = LatestVersionLoader(ctx)
        self.lineage_upstream: RelatedRowsLoader[int, Run] = RelatedRowsLoader(
            ctx, self._upstream_closure
        )

    def _upstream_closure(self, run_ids: list[int]) -> Select[Run, int]:
        """Every run upstream of each run, up to LINEAGE_DEPTH edges away, reached through runs
        the viewer may read (a walk stops at a run they may not: it never passes through it,
        authz.md), in one recursive statement for all of them."""
        readable = filters.readable_projects(self._ctx)
        walk = (
            select(
                RunEdge.downstream_id.label("origin"),
                RunEdge.upstream_id.label("run_id"),
                literal(1).label("depth"),
            )
            .join(Run, Run.id == RunEdge.upstream_id)
            .join(Project, Project.id == Run.project_id)
            .where(RunEdge.downstream_id.in_(run_ids), readable)
            .cte("lineage", recursive=True)
        )
        walk = walk.union(
            select(walk.c.origin, RunEdge.upstream_id, walk.c.depth + 1)
            .join(RunEdge, RunEdge.downstream_id == walk.c.run_id)
            .join(Run, Run.id == RunEdge.upstream_id)
            .join(Project, Project.id == Run.project_id)
            .where(walk.c.depth < LINEAGE_DEPTH, readable)
        )
        nearest = (
            select(walk.c.origin, walk.c.run_id, func.min(walk.c.depth).label("depth"))
            .group_by(walk.c.origin, walk.c.run_id)
            .subquery()
        )
        return (
            select(Run, nearest.c.origin)
            .join(nearest, nearest.c.run_id == Run.id)
            .order_by(nearest.c.origin, nearest.c.depth, Run.created_at, Run.id)
        )
