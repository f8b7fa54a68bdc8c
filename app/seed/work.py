"""A generated population's work, written in bulk: runs with params, metrics, artifacts and lineage
in the training projects, and model versions promoted from them with their whole stage history.

Every row is one the services could have written: a run's times agree with its status and its
upstream runs finished before it was created; a version's run succeeded in one of its registry's
promotion sources, its artifacts are the run's, its digest is the registry's; and its stage is
where its conditions end (a version entering PRODUCTION sends the one there back to STAGING, as
`archiveOthers` does). Bulk rows write no activity: they were loaded, not done.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.projects.models import Project
from app.registry.models import ModelVersion, StageCondition
from app.registry.service import content, digest
from app.runs.models import ArtifactKind, Run, RunArtifact, RunEdge, RunStatus
from app.seed import names
from app.seed.bulk import Row, insert_keyed, insert_rows
from app.seed.people import Place, Shape, weighted
from app.seed.progress import Phases
from app.versions.models import Stage

# Runs land over this long, after the organizations exist.
SPAN = timedelta(days=150)
ENDED = {RunStatus.SUCCEEDED: 80, RunStatus.FAILED: 13, RunStatus.STOPPED: 7}
# A version's path through the stages, and how often each is taken.
PATHS = {
    (Stage.STAGING,): 30,
    (Stage.STAGING, Stage.PRODUCTION): 17,
    (Stage.DISABLED,): 8,
    (): 45,
}


@dataclass
class Made:
    """A generated run: its row, its artifacts' rows and its upstream runs."""

    kind: str  # "data", "train" or "evaluate"
    row: Row
    artifacts: list[Row]
    upstream: list["Made"] = field(default_factory=list)
    id: int = 0

    def done_by(self, moment: datetime) -> bool:
        finished: datetime | None = self.row["finished_at"]
        return (
            self.row["status"] is RunStatus.SUCCEEDED
            and finished is not None
            and (finished <= moment)
        )


@dataclass
class Version:
    row: Row
    run: Made
    moves: list["Move"] = field(default_factory=list)


@dataclass
class Move:
    at: datetime
    version: Version
    stage: Stage
    reason: str
    actor_id: int
    message: str | None = None


def _artifact(name: str, kind: ArtifactKind, path: str) -> Row:
    return {"name": name, "kind": kind, "path": path, "summary": None}


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` shared unevenly among `parts`, adding up exactly."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    shares = [int(total * weight / sum(weights)) for weight in weights]
    for index in range(total - sum(shares)):
        shares[index % parts] += 1
    return shares


class Runs:
    """One training project's runs, in time order: data preparation now and then, training on
    the latest prepared data, and evaluations of trained models."""

    def __init__(self, rng: random.Random, place: Place, project: Project, start: datetime) -> None:
        self.rng = rng
        self.place = place
        self.project = project
        self.start = start
        self.base = f"s3://{place.name}/{project.name}"
        self.skill = rng.uniform(0.72, 0.86)  # how good this project's models get
        self.made: list[Made] = []

    def generate(self, count: int) -> list[Made]:
        end = self.start + SPAN
        for created in sorted(self.start + SPAN * self.rng.random() for _ in range(count)):
            live = end - created < timedelta(days=1)  # the last day's runs have not finished
            data = [run for run in self.made if run.kind == "data" and run.done_by(created)]
            trained = [run for run in self.made if run.kind == "train" and run.done_by(created)]
            if not data or self.rng.random() < 0.04:
                self.made.append(self._prepare(created))
            elif trained and self.rng.random() < 0.1:
                self.made.append(self._evaluate(created, self.rng.choice(trained), live))
            else:
                self.made.append(self._train(created, data[-1], live))
        return self.made

    def _row(
        self, name: str, status: RunStatus, created: datetime, minutes: int, **values: Any
    ) -> Row:
        started = created + timedelta(seconds=self.rng.randint(5, 120))
        finished = started + timedelta(minutes=minutes)
        times = {
            RunStatus.CREATED: (None, None, created),
            RunStatus.RUNNING: (started, None, started),
        }.get(status, (started, finished, finished))
        return {
            "uuid": f"{self.rng.getrandbits(128):032x}",
            "project_id": self.project.id,
            "name": f"{name}-{len(self.made) + 1}",
            "status": status,
            "created_by_id": self.rng.choice(self.place.holding(self.place.workers)),
            "created_at": created,
            "started_at": times[0],
            "finished_at": times[1],
            "updated_at": times[2],
            **values,
        }

    def _prepare(self, created: datetime) -> Made:
        rng = self.rng
        row = self._row(
            "prepare-data",
            RunStatus.SUCCEEDED,
            created,
            rng.randint(5, 40),
            tags=["data"],
            inputs={"source": f"{self.base}/raw", "sample": rng.choice([0.1, 0.5, 1.0])},
            outputs={"rows": rng.randrange(10_000, 5_000_000, 1_000)},
        )
        path = f"{self.base}/datasets/{len(self.made) + 1}"
        return Made("data", row, [_artifact("dataset", ArtifactKind.DATASET, path)])

    def _evaluate(self, created: datetime, model: Made, live: bool) -> Made:
        status = RunStatus.RUNNING if live else RunStatus.SUCCEEDED
        row = self._row(
            "evaluate",
            status,
            created,
            self.rng.randint(2, 30),
            tags=[],
            inputs={"split": self.rng.choice(["test", "holdout", "shadow"])},
            outputs=None if live else {"test_accuracy": round(self.rng.uniform(0.6, 0.97), 4)},
        )
        path = f"{self.base}/reports/{len(self.made) + 1}.html"
        artifacts = [] if live else [_artifact("report", ArtifactKind.FILE, path)]
        return Made("evaluate", row, artifacts, [model])

    def _train(self, created: datetime, data: Made, live: bool) -> Made:
        rng = self.rng
        status = (
            rng.choice([RunStatus.RUNNING, RunStatus.CREATED]) if live else weighted(rng, ENDED)
        )
        # Models get better over the months.
        accuracy = min(0.995, self.skill + 0.1 * (created - self.start) / SPAN + rng.gauss(0, 0.02))
        outputs: dict[str, float] | None = None
        if status is RunStatus.SUCCEEDED:
            outputs = {
                "accuracy": round(accuracy, 4),
                "loss": round(1.1 * (1 - accuracy) + rng.uniform(0, 0.05), 4),
                "f1": round(accuracy - rng.uniform(0, 0.03), 4),
            }
        elif status is RunStatus.FAILED:
            outputs = {"loss": round(rng.uniform(0.8, 3.0), 4)}
        inputs = {
            "learning_rate": rng.choice([1e-4, 3e-4, 1e-3, 3e-3, 1e-2]),
            "batch_size": rng.choice([32, 64, 128, 256]),
            "epochs": rng.randint(5, 100),
            "optimizer": rng.choice(names.OPTIMIZERS),
        }
        golden = status is RunStatus.SUCCEEDED and accuracy >= 0.95
        row = self._row(
            "train",
            status,
            created,
            rng.randint(20, 600),
            tags=["golden"] if golden else [],
            inputs=inputs,
            outputs=outputs,
        )
        artifacts = []
        if status is RunStatus.SUCCEEDED:
            number = len(self.made) + 1
            artifacts = [
                _artifact("model", ArtifactKind.MODEL, f"{self.base}/models/{row['uuid'][:12]}"),
                _artifact("metrics", ArtifactKind.METRICS, f"{self.base}/metrics/{number}.json"),
            ]
        return Made("train", row, artifacts, [data])


class Registry:
    """One registry's versions, promoted from successful training runs of its sources, and
    their moves between stages."""

    def __init__(self, rng: random.Random, place: Place, project: Project) -> None:
        self.rng = rng
        self.place = place
        self.project = project

    def generate(self, count: int, candidates: list[Made]) -> list[Version]:
        rng = self.rng
        chosen = rng.sample(candidates, min(count, len(candidates)))
        promoted = sorted(
            (
                (run.row["finished_at"] + timedelta(hours=rng.uniform(0.5, 48)), run)
                for run in chosen
            ),
            key=lambda pair: pair[0],
        )
        versions = [self._version(number, at, run) for number, (at, run) in enumerate(promoted, 1)]
        moves = [move for version in versions for move in self._planned(version)]
        self._replay(sorted(moves, key=lambda move: move.at))
        return versions

    def _version(self, number: int, at: datetime, run: Made) -> Version:
        rng = self.rng
        [model] = [artifact for artifact in run.artifacts if artifact["kind"] is ArtifactKind.MODEL]
        artifacts = [{**model, "kind": model["kind"].value}]
        metadata = {
            "framework": rng.choice(names.FRAMEWORKS),
            "accuracy": run.row["outputs"]["accuracy"],
        }
        author = rng.choice(self.place.holding(self.place.workers))
        version = Version(
            {
                "project_id": self.project.id,
                "name": f"v{number}",
                "description": None if rng.random() < 0.7 else f"Trained by {run.row['name']}",
                "tags": list(run.row["tags"]),
                "stage": Stage.TESTING,
                "artifacts": artifacts,
                "metadata": metadata,
                "digest": digest(content(artifacts, metadata, run.row["uuid"])),
                "created_by_id": author,
                "created_at": at,
                "updated_at": at,
            },
            run,
        )
        version.moves.append(Move(at, version, Stage.TESTING, "created", author))
        return version

    def _planned(self, version: Version) -> list[Move]:
        """Where the version goes after TESTING, as moves not yet made."""
        rng, at = self.rng, version.row["created_at"]
        planned = []
        for stage in weighted(rng, PATHS):
            at += timedelta(hours=rng.uniform(2, 96))
            who = self.place.deciders if stage is Stage.PRODUCTION else self.place.workers
            reason = "promoted" if stage is not Stage.DISABLED else "superseded"
            planned.append(Move(at, version, stage, reason, rng.choice(self.place.holding(who))))
        return planned

    def _replay(self, moves: list[Move]) -> None:
        """Make the moves in time order; entering PRODUCTION archives the version there."""
        in_production: Version | None = None
        for move in moves:
            if move.stage is Stage.PRODUCTION:
                if in_production is not None and in_production.row["stage"] is Stage.PRODUCTION:
                    name = move.version.row["name"]
                    self._make(
                        Move(
                            move.at,
                            in_production,
                            Stage.STAGING,
                            "archived",
                            move.actor_id,
                            f"replaced by {name}",
                        )
                    )
                in_production = move.version
            self._make(move)

    @staticmethod
    def _make(move: Move) -> None:
        move.version.moves.append(move)
        move.version.row["stage"], move.version.row["updated_at"] = move.stage, move.at


async def build(
    connection: AsyncConnection,
    places: list[Place],
    rng: random.Random,
    shape: Shape,
    start: datetime,
    phases: Phases,
) -> None:
    trainings = [(place, project) for place in places for project in place.training]
    runs: list[Made] = []
    by_place: dict[str, list[Made]] = {}
    for (place, project), count in zip(
        trainings, _split(shape.runs, len(trainings), rng), strict=True
    ):
        made = Runs(rng, place, project, start).generate(count)
        runs.extend(made)
        by_place.setdefault(place.name, []).extend(made)
    with phases.phase("runs", len(runs)) as advance:
        ids = await insert_keyed(connection, Run, [run.row for run in runs], ("uuid",), advance)
    for run, run_id in zip(runs, ids, strict=True):
        run.id = run_id
    lineage = [{**artifact, "run_id": run.id} for run in runs for artifact in run.artifacts]
    edges = [
        {"upstream_id": upstream.id, "downstream_id": run.id}
        for run in runs
        for upstream in run.upstream
    ]
    with phases.phase("artifacts and lineage", len(lineage) + len(edges)) as advance:
        await insert_rows(connection, RunArtifact, lineage, advance)
        await insert_rows(connection, RunEdge, edges, advance)

    registries = [(place, project) for place in places for project in place.registries]
    versions: list[Version] = []
    for (place, project), count in zip(
        registries, _split(shape.versions, len(registries), rng), strict=True
    ):
        candidates = [
            run
            for run in by_place[place.name]
            if run.kind == "train" and run.row["status"] is RunStatus.SUCCEEDED
        ]
        versions.extend(Registry(rng, place, project).generate(count, candidates))
    for version in versions:
        version.row["run_id"] = version.run.id
    with phases.phase("model versions", len(versions)) as advance:
        ids = await insert_keyed(
            connection, ModelVersion, [v.row for v in versions], ("project_id", "name"), advance
        )
    conditions = [
        {
            "model_version_id": version_id,
            "stage": move.stage,
            "reason": move.reason,
            "message": move.message,
            "actor_id": move.actor_id,
            "at": move.at,
        }
        for version, version_id in zip(versions, ids, strict=True)
        for move in version.moves
    ]
    with phases.phase("stage conditions", len(conditions)) as advance:
        await insert_rows(connection, StageCondition, conditions, advance)
