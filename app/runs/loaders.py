from sqlalchemy import Select, select

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
        self.upstream: RelatedRowsLoader[int, Run] = RelatedRowsLoader(ctx, self._upstream)
        self.downstream: RelatedRowsLoader[int, Run] = RelatedRowsLoader(ctx, self._downstream)

    def _readable_runs(self) -> Select[Run]:
        return (
            select(Run)
            .join(Project, Project.id == Run.project_id)
            .where(filters.readable_projects(self._ctx))
        )

    def _upstream(self, run_ids: list[int]) -> Select[Run, int]:
        return (
            self._readable_runs()
            .join(RunEdge, RunEdge.upstream_id == Run.id)
            .add_columns(RunEdge.downstream_id)
            .where(RunEdge.downstream_id.in_(run_ids))
            .order_by(Run.created_at, Run.id)
        )

    def _downstream(self, run_ids: list[int]) -> Select[Run, int]:
        return (
            self._readable_runs()
            .join(RunEdge, RunEdge.downstream_id == Run.id)
            .add_columns(RunEdge.upstream_id)
            .where(RunEdge.upstream_id.in_(run_ids))
            .order_by(Run.created_at, Run.id)
        )
