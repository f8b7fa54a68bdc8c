from functools import partial

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from app.authz import filters
from app.context import Context
from app.loaders import GroupedRowsLoader, RelatedRowsLoader
from app.projects.models import Project
from app.runs.models import Run, RunArtifact, RunEdge


class RunLoaders:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.artifacts: GroupedRowsLoader[int, RunArtifact] = GroupedRowsLoader(
            ctx, select(RunArtifact).order_by(RunArtifact.id), RunArtifact.run_id
        )
        # A run's upstream runs are the rows at an edge's upstream end, keyed by its downstream.
        self.upstream: RelatedRowsLoader[int, Run] = RelatedRowsLoader(
            ctx, partial(self._across, RunEdge.upstream_id, RunEdge.downstream_id)
        )
        self.downstream: RelatedRowsLoader[int, Run] = RelatedRowsLoader(
            ctx, partial(self._across, RunEdge.downstream_id, RunEdge.upstream_id)
        )

    def _across(
        self, end: InstrumentedAttribute[int], key: InstrumentedAttribute[int], run_ids: list[int]
    ) -> Select[Run, int]:
        """The readable runs at `end` of the edges whose `key` end is one of `run_ids`."""
        return (
            select(Run)
            .join(Project, Project.id == Run.project_id)
            .where(filters.readable_projects(self._ctx))
            .join(RunEdge, end == Run.id)
            .add_columns(key)
            .where(key.in_(run_ids))
            .order_by(Run.created_at, Run.id)
        )
