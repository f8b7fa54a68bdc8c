"""Publishing component versions over HTTP (api.md "Versions are immutable in meaning", "Stages"):
real specs go in as they stand and come back by reference; republishing is idempotent, a changed
spec is TAKEN, every invalid spec is INVALID_SPEC on `spec` with nothing written; the stage rules
are the registry's.
"""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from app.hub import spec as specs
from app.main import create_app
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectVisibility
from app.settings import Settings
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id
from tests.hub.test_specs import INVALID_SPECS, REAL_SPECS, TWO_MIB, Bad, real, reference_of

COMPONENT = frozenset({ProjectFeature.COMPONENT})
VERSION_FIELDS = """
  id name reference stage digest runKind spec specYaml description tags
  inputs { name type description isOptional isList value }
  outputs { name type isOptional }
  stageConditions { stage reason actor { username } }
  createdBy { username }
  project { fullName }
"""
PUBLISH = f"""
mutation($project: ID!, $name: String!, $spec: String!, $description: String, $tags: [String!]) {{
  publishComponentVersion(input: {{projectId: $project, name: $name, spec: $spec,
                                   description: $description, tags: $tags}}) {{
    componentVersion {{ {VERSION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""
BY_REFERENCE = (
    f"query($ref: String!) {{ componentVersion(reference: $ref) {{ {VERSION_FIELDS} }} }}"
)
TRANSITION = """
mutation($id: ID!, $stage: Stage!, $archiveOthers: Boolean) {
  transitionComponentVersionStage(input: {id: $id, stage: $stage, reason: "review",
                                          archiveOthers: $archiveOthers}) {
    componentVersion { stage } userErrors { field code message }
  }
}
"""
HISTORY = """
query($id: ID!) { node(id: $id) { ... on ComponentVersion {
  stage stageConditions { stage reason actor { username } }
} } }
"""
UPDATE = """
mutation($id: ID!, $description: String, $tags: [String!]) {
  updateComponentVersion(input: {id: $id, description: $description, tags: $tags}) {
    componentVersion { name description tags digest spec specYaml runKind inputs { name } }
    userErrors { field code }
  }
}
"""
DELETE = "mutation($id: ID!) { deleteComponentVersion(input: {id: $id}) { deletedId } }"


@dataclass
class Hub:
    """`acme/kaniko` (INTERNAL, a hub project), with a WRITER, an ADMIN and a VIEWER of `acme`."""

    owner: Person
    admin: Person
    writer: Person
    viewer: Person
    organization_id: int
    project_id: int

    @property
    def project(self) -> str:
        return global_id("Project", self.project_id)


@pytest.fixture
async def hub(factory: Factory) -> Hub:
    owner = await factory.user("owner")
    admin = await factory.user("admin")
    writer = await factory.user("writer")
    viewer = await factory.user("viewer")
    organization = await factory.organization("acme", owner=owner)
    await factory.member(organization, admin, OrganizationRole.ADMIN)
    await factory.member(organization, writer, OrganizationRole.MEMBER)
    await factory.member(organization, viewer, OrganizationRole.VIEWER)
    project = await factory.project(
        organization, "kaniko", visibility=ProjectVisibility.INTERNAL, features=COMPONENT
    )
    return Hub(owner, admin, writer, viewer, organization, project)


async def publish(
    gql: GraphQLClient,
    who: Person,
    project: str,
    name: str,
    spec: str,
    **extra: Any,
) -> dict[str, Any]:
    data = await gql.data(
        PUBLISH, {"project": project, "name": name, "spec": spec, **extra}, as_=who
    )
    payload: dict[str, Any] = data["publishComponentVersion"]
    return payload


async def published(
    gql: GraphQLClient, who: Person, project: str, name: str, spec: str
) -> dict[str, Any]:
    payload = await publish(gql, who, project, name, spec)
    assert payload["userErrors"] == [], payload
    version: dict[str, Any] = payload["componentVersion"]
    return version


async def by_reference(
    gql: GraphQLClient, reference: str, who: Person | None = None
) -> dict[str, Any] | None:
    data = await gql.data(BY_REFERENCE, {"ref": reference}, as_=who)
    version: dict[str, Any] | None = data["componentVersion"]
    return version


def io_pairs(section: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(io["name"], io.get("type")) for io in section]


class TestPublishComponentVersion:
    async def test_a_real_spec_is_published_as_it_stands(
        self, gql: GraphQLClient, hub: Hub
    ) -> None:
        text = real("kaniko/1.2")
        version = await published(gql, hub.writer, hub.project, "1.2", text)
        canonical, _ = specs.validate(text)
        assert version["reference"] == "acme/kaniko:1.2"
        assert version["stage"] == "TESTING"
        assert version["runKind"] == "job"
        assert version["digest"] == specs.digest(canonical)
        assert version["spec"] == canonical == json.loads(json.dumps(yaml.safe_load(text)))
        assert yaml.safe_load(version["specYaml"]) == canonical
        assert version["inputs"] == [
            {
                "name": "context",
                "type": "str",
                "description": canonical["inputs"][0]["description"],
                "isOptional": True,
                "isList": False,
                "value": None,
            },
            {
                "name": "cache",
                "type": "bool",
                "description": canonical["inputs"][1]["description"],
                "isOptional": True,
                "isList": False,
                "value": True,
            },
            {
                "name": "cache_ttl",
                "type": "str",
                "description": None,
                "isOptional": True,
                "isList": False,
                "value": "1h",
            },
        ]
        assert version["outputs"] == [{"name": "destination", "type": "image", "isOptional": False}]
        assert version["stageConditions"] == [
            {"stage": "TESTING", "reason": "published", "actor": {"username": "writer"}}
        ]
        assert version["createdBy"] == {"username": "writer"}
        assert version["project"] == {"fullName": "acme/kaniko"}

    async def test_spec_yaml_is_the_same_on_every_read_and_database(
        self, gql: GraphQLClient, hub: Hub
    ) -> None:
        """PostgreSQL's JSONB reorders keys; the YAML is sorted, so it never changes."""
        text = real("kaniko/1.2")
        version = await published(gql, hub.writer, hub.project, "1.2", text)
        stored = await by_reference(gql, "acme/kaniko:1.2", hub.viewer)
        assert stored is not None
        canonical, _ = specs.validate(text)
        assert (
            version["specYaml"] == stored["specYaml"] == yaml.safe_dump(canonical, sort_keys=True)
        )

    async def test_all_57_real_specs_are_published(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        projects: dict[str, str] = {"kaniko": hub.project}
        for path in REAL_SPECS:
            component, name = path.parent.name, path.stem
            if component not in projects:
                project_id = await factory.project(
                    hub.organization_id,
                    component,
                    visibility=ProjectVisibility.PUBLIC,
                    features=COMPONENT,
                )
                projects[component] = global_id("Project", project_id)
            declared = yaml.safe_load(path.read_text())
            version = await published(gql, hub.writer, projects[component], name, path.read_text())
            assert version["reference"] == f"acme/{component}:{name}"
            assert version["runKind"] == declared["run"]["kind"], reference_of(path)
            assert io_pairs(version["inputs"]) == io_pairs(declared.get("inputs") or [])
            assert io_pairs(version["outputs"]) == io_pairs(declared.get("outputs") or [])
        hub_list = await gql.data("{ hub(first: 100) { totalCount } }", as_=hub.writer)
        assert hub_list["hub"]["totalCount"] == 57
        public = await gql.data("{ hub(first: 100) { totalCount } }")  # all but kaniko are PUBLIC
        assert public["hub"]["totalCount"] == 57 - 5

    async def test_a_project_without_the_component_feature_refuses(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        runtime = await factory.project(
            hub.organization_id,
            "training",
            visibility=ProjectVisibility.INTERNAL,
            features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL}),
        )
        before = await factory.row_counts()
        payload = await publish(
            gql, hub.writer, global_id("Project", runtime), "1.2", real("kaniko/1.2")
        )
        assert payload["componentVersion"] is None
        assert [e["code"] for e in payload["userErrors"]] == ["INVALID"]
        assert "COMPONENT" in payload["userErrors"][0]["message"]
        assert await factory.row_counts() == before

    async def test_a_viewer_is_forbidden(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        before = await factory.row_counts()
        body = await gql(
            PUBLISH,
            {"project": hub.project, "name": "1.2", "spec": real("kaniko/1.2")},
            as_=hub.viewer,
        )
        assert error_codes(body) == ["FORBIDDEN"]
        assert body["data"] == {"publishComponentVersion": None}
        assert await factory.row_counts() == before

    async def test_an_outsider_finds_no_internal_project(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        stranger = await factory.user("stranger")
        await factory.organization("elsewhere", owner=stranger)
        before = await factory.row_counts()
        body = await gql(
            PUBLISH,
            {"project": hub.project, "name": "1.2", "spec": real("kaniko/1.2")},
            as_=stranger,
        )
        assert error_codes(body) == ["NOT_FOUND"]
        assert await factory.row_counts() == before

    async def test_an_invalid_version_name_is_invalid_on_name(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        before = await factory.row_counts()
        payload = await publish(gql, hub.writer, hub.project, "Not A Slug!", real("kaniko/1.2"))
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("name", "INVALID")]
        assert await factory.row_counts() == before


class TestIdempotence:
    async def test_the_same_spec_again_is_the_same_version(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        first = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        before = await factory.row_counts()
        again = await published(gql, hub.admin, hub.project, "1.2", real("kaniko/1.2"))
        assert again["id"] == first["id"]
        assert again["digest"] == first["digest"]
        assert again["createdBy"] == {"username": "writer"}
        assert await factory.row_counts() == before

    @pytest.mark.parametrize(
        "dump",
        [
            json.dumps,
            lambda spec: json.dumps(spec, indent="\t"),
            lambda spec: json.dumps(spec, separators=(",", ":"), ensure_ascii=True),
            lambda spec: yaml.safe_dump(spec, sort_keys=True),
            lambda spec: "# the same spec, other text\n" + yaml.safe_dump(spec, indent=4),
        ],
        ids=["json", "json-tab-indented", "json-compact", "yaml-sorted", "yaml-commented"],
    )
    async def test_the_same_spec_as_json_is_the_same_version(
        self, gql: GraphQLClient, factory: Factory, hub: Hub, dump: Any
    ) -> None:
        first = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        before = await factory.row_counts()
        again = await published(gql, hub.writer, hub.project, "1.2", dump(first["spec"]))
        assert (again["id"], again["digest"]) == (first["id"], first["digest"])
        assert await factory.row_counts() == before

    async def test_json_numbers_in_exponent_form_are_numbers(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        text = (
            "kind: component\ninputs: [{name: lr, type: float, value: 1.0e-07}]\nrun: {kind: job}\n"
        )
        first = await published(gql, hub.writer, hub.project, "lr", text)
        assert first["inputs"][0]["value"] == 1e-07
        before = await factory.row_counts()
        as_json = json.dumps(first["spec"])
        assert "1e-07" in as_json
        again = await published(gql, hub.writer, hub.project, "lr", as_json)
        assert again["id"] == first["id"]
        assert await factory.row_counts() == before

    @pytest.mark.parametrize(
        "other",
        [
            pytest.param(real("kaniko/1.1"), id="another-spec"),
            pytest.param(
                real("kaniko/1.2").replace("with Kaniko", "with kaniko"), id="description"
            ),
            pytest.param(real("kaniko/1.2").replace("value: 1h", "value: 2h"), id="a-default"),
        ],
    )
    async def test_another_spec_under_the_name_is_taken(
        self, gql: GraphQLClient, factory: Factory, hub: Hub, other: str
    ) -> None:
        await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        assert other != real("kaniko/1.2")
        before = await factory.row_counts()
        payload = await publish(gql, hub.writer, hub.project, "1.2", other)
        assert payload["componentVersion"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("name", "TAKEN")]
        assert await factory.row_counts() == before
        stored = await by_reference(gql, "acme/kaniko:1.2", hub.writer)
        assert stored is not None
        assert stored["spec"] == specs.validate(real("kaniko/1.2"))[0]

    async def test_the_same_spec_under_another_name_is_another_version(
        self, gql: GraphQLClient, hub: Hub
    ) -> None:
        first = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        latest = await published(gql, hub.writer, hub.project, "latest", real("kaniko/1.2"))
        assert latest["id"] != first["id"]
        assert latest["digest"] == first["digest"]


class TestInvalidSpecs:
    @pytest.mark.parametrize(
        "bad", [b for b in INVALID_SPECS if b.text is not TWO_MIB], ids=lambda b: b.id
    )
    async def test_is_invalid_spec_and_writes_nothing(
        self, gql: GraphQLClient, factory: Factory, hub: Hub, bad: Bad
    ) -> None:
        before = await factory.row_counts()
        payload = await publish(gql, hub.writer, hub.project, "1.0", bad.text)
        assert payload["componentVersion"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            ("spec", "INVALID_SPEC")
        ]
        message = payload["userErrors"][0]["message"]
        for fragment in bad.says:
            assert fragment in message, (bad.id, message)
        assert await factory.row_counts() == before
        assert await by_reference(gql, "acme/kaniko", hub.writer) is None


@pytest.fixture
async def roomy_gql(settings: Settings, engine: AsyncEngine) -> AsyncIterator[GraphQLClient]:
    """The app with a 4 MiB body limit, so a 2 MiB spec reaches the validator."""
    roomy = Settings(database_url=settings.database_url, max_body_bytes=4 * 1024 * 1024)
    transport = httpx.ASGITransport(app=create_app(roomy, engine=engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
        yield GraphQLClient(client)


class TestATwoMebibyteSpec:
    async def test_past_a_larger_body_limit_it_is_an_invalid_spec(
        self, roomy_gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        before = await factory.row_counts()
        payload = await publish(roomy_gql, hub.writer, hub.project, "1.0", TWO_MIB)
        assert payload["componentVersion"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            ("spec", "INVALID_SPEC")
        ]
        assert "512 KiB" in payload["userErrors"][0]["message"]
        assert await factory.row_counts() == before

    async def test_with_the_default_settings_the_body_is_refused_with_413(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        before = await factory.row_counts()
        response = await gql.post(
            PUBLISH, {"project": hub.project, "name": "1.0", "spec": TWO_MIB}, as_=hub.writer
        )
        assert response.status_code == 413
        assert error_codes(response.json()) == ["QUERY_TOO_COMPLEX"]
        assert await factory.row_counts() == before


class TestFindByReference:
    async def test_with_and_without_tag_and_owner(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        old = await published(gql, hub.writer, hub.project, "1.1", real("kaniko/1.1"))
        new = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        for reference, expected in [
            ("acme/kaniko:1.1", old),
            ("acme/kaniko:1.2", new),
            ("acme/kaniko", new),  # no tag: the latest published
            ("kaniko:1.1", old),  # no owner: the one readable `kaniko`
            ("kaniko", new),
            ("ACME/Kaniko:1.1", old),  # names are case-insensitive
        ]:
            found = await by_reference(gql, reference, hub.viewer)
            assert found is not None, reference
            assert (found["id"], found["reference"]) == (expected["id"], expected["reference"])
        assert await by_reference(gql, "acme/kaniko:9.9", hub.viewer) is None
        assert await by_reference(gql, "acme/nothing", hub.viewer) is None
        assert await by_reference(gql, "nothing:1.1", hub.viewer) is None
        # the latest is the latest published, even when an older name sorts after it
        zzz = await published(gql, hub.writer, hub.project, "0.1", real("kaniko/0.19.0"))
        latest = await by_reference(gql, "acme/kaniko", hub.viewer)
        assert latest is not None
        assert latest["id"] == zzz["id"]

    async def test_internal_versions_are_not_found_by_outsiders(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        stranger = await factory.user("stranger")
        for reference in ("acme/kaniko:1.2", "acme/kaniko", "kaniko"):
            assert await by_reference(gql, reference, stranger) is None
            assert await by_reference(gql, reference) is None

    async def test_two_readable_components_of_one_name_need_the_owner(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        mine = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        rival = await factory.user("rival")
        other = await factory.organization("globex", owner=rival)
        public = await factory.project(
            other, "kaniko", visibility=ProjectVisibility.PUBLIC, features=COMPONENT
        )
        theirs = await published(
            gql, rival, global_id("Project", public), "1.2", real("kaniko/1.2")
        )

        for reference in ("kaniko", "kaniko:1.2"):
            body = await gql(BY_REFERENCE, {"ref": reference}, as_=hub.writer)
            assert error_codes(body) == ["BAD_USER_INPUT"]
            assert "acme/kaniko" in body["errors"][0]["message"]
            assert "globex/kaniko" in body["errors"][0]["message"]
        for reference, expected in [("acme/kaniko", mine), ("globex/kaniko:1.2", theirs)]:
            found = await by_reference(gql, reference, hub.writer)
            assert found is not None
            assert found["id"] == expected["id"]
        # the anonymous viewer reads only the public one: no ambiguity, and no leak of acme's
        found = await by_reference(gql, "kaniko")
        assert found is not None
        assert found["reference"] == "globex/kaniko:1.2"

    async def test_a_malformed_reference_is_bad_user_input(
        self, gql: GraphQLClient, hub: Hub
    ) -> None:
        body = await gql(BY_REFERENCE, {"ref": "a/b/c:d"}, as_=hub.writer)
        assert error_codes(body) == ["BAD_USER_INPUT"]


async def move(
    gql: GraphQLClient, who: Person, version: str, stage: str, *, archive_others: bool = False
) -> dict[str, Any]:
    return await gql(
        TRANSITION, {"id": version, "stage": stage, "archiveOthers": archive_others}, as_=who
    )


def moved(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["transitionComponentVersionStage"]
    return payload


class TestTransitionComponentVersionStage:
    async def test_the_production_gate_and_archive_others(
        self, gql: GraphQLClient, hub: Hub
    ) -> None:
        v1 = await published(gql, hub.writer, hub.project, "1.1", real("kaniko/1.1"))
        v2 = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))

        assert moved(await move(gql, hub.writer, v1["id"], "STAGING")) == {
            "componentVersion": {"stage": "STAGING"},
            "userErrors": [],
        }
        assert error_codes(await move(gql, hub.writer, v1["id"], "PRODUCTION")) == ["FORBIDDEN"]
        assert moved(await move(gql, hub.admin, v1["id"], "PRODUCTION"))["userErrors"] == []
        assert error_codes(await move(gql, hub.writer, v1["id"], "DISABLED")) == ["FORBIDDEN"]
        assert error_codes(
            await move(gql, hub.writer, v2["id"], "PRODUCTION", archive_others=True)
        ) == ["FORBIDDEN"]
        assert error_codes(await move(gql, hub.viewer, v2["id"], "STAGING")) == ["FORBIDDEN"]

        done = moved(await move(gql, hub.admin, v2["id"], "PRODUCTION", archive_others=True))
        assert done == {"componentVersion": {"stage": "PRODUCTION"}, "userErrors": []}
        old = await gql.data(HISTORY, {"id": v1["id"]}, as_=hub.viewer)
        assert old["node"]["stage"] == "STAGING"
        assert [
            (c["stage"], c["reason"], c["actor"]["username"])
            for c in old["node"]["stageConditions"]
        ] == [
            ("TESTING", "published", "writer"),
            ("STAGING", "review", "writer"),
            ("PRODUCTION", "review", "admin"),
            ("STAGING", "archived", "admin"),
        ]
        new = await gql.data(HISTORY, {"id": v2["id"]}, as_=hub.viewer)
        assert [(c["stage"], c["actor"]["username"]) for c in new["node"]["stageConditions"]] == [
            ("TESTING", "writer"),
            ("PRODUCTION", "admin"),
        ]

    async def test_without_archive_others_two_versions_may_be_in_production(
        self, gql: GraphQLClient, hub: Hub
    ) -> None:
        v1 = await published(gql, hub.writer, hub.project, "1.1", real("kaniko/1.1"))
        v2 = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        await move(gql, hub.admin, v1["id"], "PRODUCTION")
        await move(gql, hub.admin, v2["id"], "PRODUCTION")
        for version in (v1, v2):
            node = await gql.data(HISTORY, {"id": version["id"]}, as_=hub.viewer)
            assert node["node"]["stage"] == "PRODUCTION"

    async def test_moving_to_the_current_stage_is_an_invalid_transition(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        v1 = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        before = await factory.row_counts()
        payload = moved(await move(gql, hub.writer, v1["id"], "TESTING"))
        assert payload["componentVersion"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            ("stage", "INVALID_TRANSITION")
        ]
        await move(gql, hub.admin, v1["id"], "PRODUCTION")
        before = await factory.row_counts()
        again = moved(await move(gql, hub.admin, v1["id"], "PRODUCTION", archive_others=True))
        assert [(e["field"], e["code"]) for e in again["userErrors"]] == [
            ("stage", "INVALID_TRANSITION")
        ]
        assert await factory.row_counts() == before

    async def test_archive_others_only_applies_to_production(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        v1 = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        before = await factory.row_counts()
        payload = moved(await move(gql, hub.writer, v1["id"], "STAGING", archive_others=True))
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            ("archiveOthers", "INVALID")
        ]
        assert await factory.row_counts() == before


class TestUpdateComponentVersion:
    async def test_changes_description_and_tags_never_the_spec(
        self, gql: GraphQLClient, hub: Hub
    ) -> None:
        v1 = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        data = await gql.data(
            UPDATE,
            {"id": v1["id"], "description": "Kaniko, pinned", "tags": ["build", "golden"]},
            as_=hub.writer,
        )
        updated = data["updateComponentVersion"]
        assert updated["userErrors"] == []
        assert updated["componentVersion"] == {
            "name": "1.2",
            "description": "Kaniko, pinned",
            "tags": ["build", "golden"],
            "digest": v1["digest"],
            "spec": v1["spec"],
            "specYaml": v1["specYaml"],
            "runKind": "job",
            "inputs": [{"name": "context"}, {"name": "cache"}, {"name": "cache_ttl"}],
        }
        # only the given fields change
        data = await gql.data(
            "mutation($id: ID!) { updateComponentVersion(input: {id: $id, tags: []}) {"
            " componentVersion { description tags digest } } }",
            {"id": v1["id"]},
            as_=hub.writer,
        )
        assert data["updateComponentVersion"]["componentVersion"] == {
            "description": "Kaniko, pinned",
            "tags": [],
            "digest": v1["digest"],
        }

    async def test_the_input_has_no_way_to_change_the_spec(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        v1 = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        before = await factory.row_counts()
        for field in ("spec", "name", "digest"):
            body = await gql(
                f'mutation($id: ID!) {{ updateComponentVersion(input: {{id: $id, {field}: "x"}}) {{'
                " componentVersion { digest } } }",
                {"id": v1["id"]},
                as_=hub.writer,
            )
            assert body.get("data") is None
            assert body["errors"], field
        assert await factory.row_counts() == before
        stored = await by_reference(gql, "acme/kaniko:1.2", hub.writer)
        assert stored is not None
        assert (stored["digest"], stored["spec"]) == (v1["digest"], v1["spec"])

    async def test_a_viewer_is_forbidden(
        self, gql: GraphQLClient, factory: Factory, hub: Hub
    ) -> None:
        v1 = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        before = await factory.row_counts()
        body = await gql(UPDATE, {"id": v1["id"], "description": "mine"}, as_=hub.viewer)
        assert error_codes(body) == ["FORBIDDEN"]
        assert await factory.row_counts() == before


class TestDeleteComponentVersion:
    async def test_only_admins_delete(self, gql: GraphQLClient, factory: Factory, hub: Hub) -> None:
        v1 = await published(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
        assert error_codes(await gql(DELETE, {"id": v1["id"]}, as_=hub.writer)) == ["FORBIDDEN"]
        data = await gql.data(DELETE, {"id": v1["id"]}, as_=hub.admin)
        assert data["deleteComponentVersion"]["deletedId"] == v1["id"]
        assert await by_reference(gql, "acme/kaniko:1.2", hub.writer) is None
        assert error_codes(await gql(DELETE, {"id": v1["id"]}, as_=hub.admin)) == ["NOT_FOUND"]
