"""PostgreSQL plans a filter with its values in view.

hubql's data is skewed (one model with 100,000 versions beside models with a dozen, a tag on a
tenth of them), so a plan made without the values can be a hundred times slower than one made
with them: W2's page took 10 ms through a bitmap scan and a sort where an index walk takes
0.4 ms. Two things keep the values in view: the tags of a `tags:` filter are a plain bound
array (not unpacked in a sub-select the planner cannot look into), and every connection plans
each statement afresh (`plan_cache_mode`), so no generic plan sets in after five runs.
"""

import json
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.pql import JsonArrayHasAny
from app.registry.models import ModelVersion
from tests.databases import backend

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="PostgreSQL's planner and plan cache"
)


async def test_connections_plan_every_statement_with_its_values(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        mode = (await connection.execute(text("SHOW plan_cache_mode"))).scalar()
    assert mode == "force_custom_plan"


def _filters(plan: dict[str, Any]) -> list[str]:
    found = [plan[key] for key in ("Filter", "Recheck Cond", "Index Cond") if key in plan]
    for child in plan.get("Plans", []):
        found += _filters(child)
    return found


@pytest.mark.parametrize("tags", [["golden"], ["nlp", "tabular"]])
async def test_a_tags_filter_is_planned_with_its_tags(engine: AsyncEngine, tags: list[str]) -> None:
    statement = select(ModelVersion.id).where(JsonArrayHasAny(ModelVersion.tags, tags))
    compiled = statement.compile(dialect=engine.dialect)
    assert compiled.positiontup is not None
    parameters = tuple(compiled.params[name] for name in compiled.positiontup)
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql(
            f"EXPLAIN (FORMAT JSON) {compiled.string}", parameters
        )
        found = result.scalar_one()
    plan: list[dict[str, Any]] = json.loads(found) if isinstance(found, str) else list(found)
    conditions = " ".join(_filters(plan[0]["Plan"]))
    assert "InitPlan" not in json.dumps(plan)
    assert "{" + ",".join(tags) + "}" in conditions, conditions
