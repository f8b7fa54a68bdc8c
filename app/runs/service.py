"""Runs: what models are later promoted from, with artifacts and a lineage graph."""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import aliased

from app import clock
from app.activity import service as activity
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import delete_now, utcnow
from app.errors import BadUserInput, Invalid, NotFoundInInput
from app.names import validate_text
from app.organizations import service as organizations
from app.projects import service as projects
from app.projects.models import Project, ProjectFeature
from app.runs.models import ArtifactKind, Run, RunArtifact, RunEdge, RunStatus
from app.unset import UNSET
from app.values import check_json, text_problem

MAX_JSON_BYTES = 64 * 1024
MAX_ARTIFACTS = 200
MAX_UPSTREAM = 100
UUID_PATTERN = re.compile(r"[0-9a-f]{32}")
FINISHED = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.STOPPED})


class ArtifactLike(Protocol):
    """An artifact as callers describe it (the graph's `ArtifactInput`, `ArtifactSpec`)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> ArtifactKind: ...
    @property
    def path(self) -> str: ...
    @property
    def summary(self) -> Any: ...


@dataclass(frozen=True)
class ArtifactSpec:
    name: str
    kind: ArtifactKind
    path: str
    summary: dict[str, Any] | None = None


def validate_json(value: Any, *, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid("Must be a JSON object.", field=field)
    try:
        check_json(value, field)
    except BadUserInput as error:
        raise Invalid(error.message, field=field) from error
    if len(json.dumps(value)) > MAX_JSON_BYTES:
        raise Invalid(f"Must be at most {MAX_JSON_BYTES // 1024} KiB of JSON.", field=field)
    return value


def validate_artifacts(specs: Sequence[ArtifactLike]) -> list[RunArtifact]:
    if len(specs) > MAX_ARTIFACTS:
        raise Invalid(f"At most {MAX_ARTIFACTS} artifacts.", field="artifacts")
    seen: set[str] = set()
    rows = []
    for index, spec in enumerate(specs):
        name = spec.name.strip()
        if not name or len(name) > 128 or text_problem(name):
            raise Invalid("An artifact name is 1-128 characters.", field=f"artifacts[{index}].name")
        if name in seen:
            raise Invalid(f"Two artifacts are named {name!r}.", field=f"artifacts[{index}].name")
        seen.add(name)
        path = validate_text(spec.path, field=f"artifacts[{index}].path", max_length=4096)
        if not path:
            raise Invalid("An artifact needs a path.", field=f"artifacts[{index}].path")
        rows.append(
            RunArtifact(
                name=name,
                kind=spec.kind,
                path=path,
                summary=validate_json(spec.summary, field=f"artifacts[{index}].summary"),
            )
        )
    return rows


def _apply_status(run: Run, status: RunStatus) -> None:
    now = utcnow()
    run.status = status
    if status is RunStatus.RUNNING and run.started_at is None:
        run.started_at = now
    if status in FINISHED:
        run.started_at = run.started_at or now
        run.finished_at = now
    else:
        run.finished_at = None


async def _upstream_runs(ctx: Context, project: Project, run_ids: Sequence[int]) -> list[Run]:
    if len(run_ids) > MAX_UPSTREAM:
        raise Invalid(f"At most {MAX_UPSTREAM} upstream runs.", field="upstream")
    runs = []
    for position, run_id in enumerate(dict.fromkeys(run_ids)):
        run = await ctx.access.readable_one(Kind.RUN, await ctx.session.get(Run, run_id))
        if run is None:
            raise NotFoundInInput(f"No run has the id at upstream[{position}].", field="upstream")
        upstream_project = await ctx.session.get(Project, run.project_id)
        assert upstream_project is not None
        if upstream_project.organization_id != project.organization_id:
            raise Invalid("Upstream runs must be in the same organization.", field="upstream")
        runs.append(run)
    return runs


async def _would_cycle(ctx: Context, run: Run, upstream: Sequence[Run]) -> bool:
    """Whether any upstream run is the run itself or already downstream of it."""
    if any(candidate.id == run.id for candidate in upstream):
        return True
    edges = aliased(RunEdge)
    downstream = (
        select(RunEdge.downstream_id.label("id"))
        .where(RunEdge.upstream_id == run.id)
        .cte("downstream", recursive=True)
    )
    downstream = downstream.union(
        select(edges.downstream_id).where(edges.upstream_id == downstream.c.id)
    )
    ids = set((await ctx.session.scalars(select(downstream.c.id))).all())
    return any(candidate.id in ids for candidate in upstream)


async def create_run(
    ctx: Context,
    project_id: int,
    *,
    name: str | None,
    status: RunStatus,
    tags: Sequence[str],
    inputs: Any,
    outputs: Any,
    artifacts: Sequence[ArtifactLike],
    upstream: Sequence[int],
) -> Run:
    project = await ctx.access.get(Kind.PROJECT, project_id, Action.CREATE_RUN)
    if ProjectFeature.RUNTIME not in project.features:
        raise Invalid("This project does not accept runs (it lacks the RUNTIME feature).")
    run = Run(
        uuid=clock.random_hex(),
        project_id=project.id,
        name=validate_text(name, field="name", max_length=128),
        tags=projects.validate_tags(tags),
        inputs=validate_json(inputs, field="inputs"),
        outputs=validate_json(outputs, field="outputs"),
        created_by_id=ctx.viewer.user_id,
    )
    _apply_status(run, status)
    rows = validate_artifacts(artifacts)
    parents = await _upstream_runs(ctx, project, upstream)
    ctx.session.add(run)
    await ctx.session.flush()
    for row in rows:
        row.run_id = run.id
    ctx.session.add_all(rows)
    ctx.session.add_all(RunEdge(upstream_id=p.id, downstream_id=run.id) for p in parents)
    await ctx.session.flush()
    await _record(ctx, "run.created", run, project)
    return run


async def _record(ctx: Context, verb: str, run: Run, project: Project) -> None:
    await activity.record(
        ctx,
        verb,
        ("Run", run.id),
        organization_id=project.organization_id,
        project_id=project.id,
        details={"uuid": run.uuid, "name": run.name},
    )


async def update_run(
    ctx: Context,
    run_id: int,
    *,
    name: str | None = UNSET,
    status: RunStatus | None = UNSET,
    tags: Sequence[str] | None = UNSET,
    inputs: Any = UNSET,
    outputs: Any = UNSET,
    artifacts: Sequence[ArtifactLike] | None = UNSET,
    upstream: Sequence[int] | None = UNSET,
) -> Run:
    run = await ctx.access.get(Kind.RUN, run_id, Action.UPDATE)
    project = await ctx.access.project_of(run)
    if name is not UNSET:
        run.name = validate_text(name, field="name", max_length=128)
    if status is not UNSET and status is not None:
        _apply_status(run, status)
    if tags is not UNSET:
        run.tags = projects.validate_tags(tags or [])
    if inputs is not UNSET:
        run.inputs = validate_json(inputs, field="inputs")
    if outputs is not UNSET:
        run.outputs = validate_json(outputs, field="outputs")
    if artifacts is not UNSET:
        rows = validate_artifacts(artifacts or [])
        await ctx.session.execute(delete(RunArtifact).where(RunArtifact.run_id == run.id))
        for row in rows:
            row.run_id = run.id
        ctx.session.add_all(rows)
    if upstream is not UNSET:
        # Lineage lives in one organization: changing edges holds it, so two changes can't each
        # pass the cycle check on a graph without the other's edge and then close a cycle.
        await organizations.lock(ctx, project.organization_id)
        parents = await _upstream_runs(ctx, project, upstream or [])
        if await _would_cycle(ctx, run, parents):
            raise Invalid(
                "That upstream run is downstream of this one (a cycle).", field="upstream"
            )
        await ctx.session.execute(delete(RunEdge).where(RunEdge.downstream_id == run.id))
        ctx.session.add_all(RunEdge(upstream_id=p.id, downstream_id=run.id) for p in parents)
    run.updated_at = utcnow()
    await ctx.session.flush()
    await _record(ctx, "run.updated", run, project)
    return run


async def delete_run(ctx: Context, run_id: int) -> int:
    run = await ctx.access.get(Kind.RUN, run_id, Action.DELETE)
    project = await ctx.access.project_of(run)
    await _record(ctx, "run.deleted", run, project)
    return await delete_now(ctx.session, run)


async def find_by_uuid(ctx: Context, run_uuid: str) -> Run | None:
    """SQL finds; whether the viewer may read it is `ctx.access`'s to say."""
    if not UUID_PATTERN.fullmatch(run_uuid.lower()):
        return None
    return await ctx.session.scalar(select(Run).where(Run.uuid == run_uuid.lower()))
