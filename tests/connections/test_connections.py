"""Connections over HTTP (api.md, 2026-11-30, "Connections"): an organization's catalogue, kept by
its OWNERs, MANAGERs and ADMINs, read by its members; the connections each project may use, set
by the project's ADMINs and read by everyone who reads the project; settings that never hold a
secret; and the activity each change writes.

`acme` has `vision` (PUBLIC) and `secret` (PRIVATE); `globex` is another organization with a
connection of its own. `ada` is acme's OWNER (and globex's), `adam` an ADMIN, `mem` a MEMBER,
`otto` an OUTSIDER, `stan` signed in but no member.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from app.connections.models import ConnectionKind
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectVisibility
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

CONNECTION = "connection { name kind description settings organization { name } }"
CREATE = f"""
mutation ($input: CreateConnectionInput!) {{
  createConnection(input: $input) {{ {CONNECTION} userErrors {{ field code message }} }}
}}
"""
UPDATE = f"""
mutation ($input: UpdateConnectionInput!) {{
  updateConnection(input: $input) {{ {CONNECTION} userErrors {{ field code message }} }}
}}
"""
DELETE = """
mutation ($input: DeleteConnectionInput!) {
  deleteConnection(input: $input) { deletedId userErrors { field code message } }
}
"""
SET = """
mutation ($input: SetProjectConnectionsInput!) {
  setProjectConnections(input: $input) {
    project { name connections { totalCount edges { node { name } } } }
    userErrors { field code message }
  }
}
"""
CATALOGUE = """
query ($org: String!) {
  organization(name: $org) {
    viewerCan { manageConnections }
    connections(first: 50) {
      totalCount
      edges { node { id name kind settings viewerCan { update delete } } }
    }
  }
}
"""
PROJECT = """
query ($org: String!, $name: String!) {
  project(owner: $org, name: $name) {
    viewerCan { setConnections }
    connections(first: 50) { totalCount edges { node { id name kind description settings } } }
  }
}
"""
ACTIVITY = """
query ($org: String!) {
  organization(name: $org) {
    activity(first: 50) { edges { node { verb details } } }
  }
}
"""


@dataclass
class Acme:
    ada: Person
    adam: Person
    mem: Person
    otto: Person
    stan: Person
    acme: int
    globex: int
    vision: int
    secret: int

    @property
    def organization(self) -> str:
        return global_id("Organization", self.acme)


@pytest.fixture
async def world(factory: Factory) -> Acme:
    ada, adam, mem, otto, stan = [
        await factory.user(name) for name in ("ada", "adam", "mem", "otto", "stan")
    ]
    acme = await factory.organization("acme", owner=ada)
    globex = await factory.organization("globex", owner=ada)
    await factory.member(acme, adam, OrganizationRole.ADMIN)
    await factory.member(acme, mem, OrganizationRole.MEMBER)
    await factory.member(acme, otto, OrganizationRole.OUTSIDER)
    vision = await factory.project(acme, "vision", visibility=ProjectVisibility.PUBLIC)
    secret = await factory.project(acme, "secret", visibility=ProjectVisibility.PRIVATE)
    return Acme(ada, adam, mem, otto, stan, acme, globex, vision, secret)


async def create(
    gql: GraphQLClient, who: Person, organization: str, **fields: Any
) -> dict[str, Any]:
    body = await gql(CREATE, {"input": {"organizationId": organization, **fields}}, as_=who)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["createConnection"]
    return payload


async def created(gql: GraphQLClient, who: Person, organization: str, **fields: Any) -> str:
    """A new connection's global id (read back from the catalogue)."""
    payload = await create(gql, who, organization, **fields)
    assert payload["userErrors"] == [], payload
    data = await gql.data(
        "query($org: String!) { organization(name: $org) { connections(first: 50) {"
        " edges { node { id name } } } } }",
        {"org": payload["connection"]["organization"]["name"]},
        as_=who,
    )
    edges = data["organization"]["connections"]["edges"]
    found: str = next(e["node"]["id"] for e in edges if e["node"]["name"] == fields["name"])
    return found


async def set_connections(
    gql: GraphQLClient, who: Person | None, project_id: int, ids: list[str]
) -> dict[str, Any]:
    return await gql(
        SET,
        {"input": {"projectId": global_id("Project", project_id), "connectionIds": ids}},
        as_=who,
    )


def names(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


BUCKET = {"kind": "S3", "settings": {"bucket": "s3://acme-data", "secretName": "aws-creds"}}


class TestCatalogue:
    async def test_an_admin_keeps_it_and_every_member_reads_it(
        self, gql: GraphQLClient, factory: Factory, world: Acme
    ) -> None:
        payload = await create(
            gql, world.adam, world.organization, name="Data", description="Raw data", **BUCKET
        )
        assert payload == {
            "connection": {
                "name": "data",  # names are case-insensitive: stored in lowercase
                "kind": "S3",
                "description": "Raw data",
                "settings": {"bucket": "s3://acme-data", "secretName": "aws-creds"},
                "organization": {"name": "acme"},
            },
            "userErrors": [],
        }
        for member, manages in ((world.ada, True), (world.mem, False), (world.otto, False)):
            catalogue = (await gql.data(CATALOGUE, {"org": "acme"}, as_=member))["organization"]
            assert catalogue["viewerCan"] == {"manageConnections": manages}
            assert catalogue["connections"]["totalCount"] == 1
            node = catalogue["connections"]["edges"][0]["node"]
            assert (node["name"], node["kind"]) == ("data", "S3")
            assert node["viewerCan"] == {"update": manages, "delete": manages}

    async def test_update_changes_only_what_is_given(self, gql: GraphQLClient, world: Acme) -> None:
        connection = await created(gql, world.adam, world.organization, name="data", **BUCKET)
        body = await gql(
            UPDATE,
            {"input": {"id": connection, "settings": {"bucket": "s3://elsewhere"}}},
            as_=world.ada,
        )
        assert body["data"]["updateConnection"]["connection"]["settings"] == {
            "bucket": "s3://elsewhere"
        }
        body = await gql(
            UPDATE, {"input": {"id": connection, "name": "raw", "description": "x"}}, as_=world.ada
        )
        assert body["data"]["updateConnection"]["connection"] == {
            "name": "raw",
            "kind": "S3",
            "description": "x",
            "settings": {"bucket": "s3://elsewhere"},
            "organization": {"name": "acme"},
        }

    async def test_a_new_kind_must_suit_the_settings(
        self, gql: GraphQLClient, factory: Factory, world: Acme
    ) -> None:
        connection = await created(gql, world.adam, world.organization, name="data", **BUCKET)
        before = await factory.row_counts()
        body = await gql(UPDATE, {"input": {"id": connection, "kind": "GIT"}}, as_=world.adam)
        payload = body["data"]["updateConnection"]
        assert payload["connection"] is None
        assert payload["userErrors"] == [
            {
                "field": "settings",
                "code": "INVALID",
                "message": "settings.url is required for GIT connections (and 1 more).",
            }
        ]
        assert await factory.row_counts() == before
        body = await gql(
            UPDATE,
            {"input": {"id": connection, "kind": "GIT", "settings": {"url": "https://git.x/r"}}},
            as_=world.adam,
        )
        assert body["data"]["updateConnection"]["connection"]["kind"] == "GIT"

    @pytest.mark.parametrize("name", ["two words", "-dash", "x" * 65, "", "ünïcode", "a/b"])
    async def test_a_name_is_a_slug(
        self, gql: GraphQLClient, factory: Factory, world: Acme, name: str
    ) -> None:
        before = await factory.row_counts()
        payload = await create(gql, world.adam, world.organization, name=name, **BUCKET)
        assert payload["connection"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("name", "INVALID")]
        assert await factory.row_counts() == before

    async def test_a_name_is_taken_once_in_an_organization(
        self, gql: GraphQLClient, factory: Factory, world: Acme
    ) -> None:
        await created(gql, world.adam, world.organization, name="data", **BUCKET)
        other = await created(gql, world.adam, world.organization, name="other", **BUCKET)
        before = await factory.row_counts()
        payload = await create(gql, world.ada, world.organization, name="DATA", **BUCKET)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("name", "TAKEN")]
        body = await gql(UPDATE, {"input": {"id": other, "name": "data"}}, as_=world.ada)
        errors = body["data"]["updateConnection"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [("name", "TAKEN")]
        assert await factory.row_counts() == before
        # Another organization's catalogue is its own.
        elsewhere = await create(
            gql, world.ada, global_id("Organization", world.globex), name="data", **BUCKET
        )
        assert elsewhere["userErrors"] == []

    @pytest.mark.parametrize(
        ("kind", "given", "key"),
        [
            ("S3", {"bucket": "s3://d", "accessKey": "AKIAIOSFODNN7EXAMPLE"}, "accessKey"),
            ("S3", {"bucket": "s3://d", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI"}, "AWS_SECRET"),
            ("GIT", {"url": "https://git.x/r", "password": "hunter2"}, "password"),
            ("GIT", {"url": "https://ada:hunter2@git.x/r"}, "settings.url"),
            ("REGISTRY", {"url": "r.x", "token": "abc"}, "token"),
            ("CUSTOM", {"apiKey": "abc"}, "apiKey"),
            ("CUSTOM", {"client-secret": "abc"}, "client-secret"),
            ("CUSTOM", {"note": "ghp_0123456789abcdefghij0123"}, "settings.note"),
            ("CUSTOM", {"pem": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl"}, "settings.pem"),
        ],
    )
    async def test_settings_never_hold_a_secret(
        self,
        gql: GraphQLClient,
        factory: Factory,
        world: Acme,
        kind: str,
        given: dict[str, str],
        key: str,
    ) -> None:
        before = await factory.row_counts()
        payload = await create(
            gql, world.adam, world.organization, name="leaky", kind=kind, settings=given
        )
        assert payload["connection"] is None
        [error] = payload["userErrors"]
        assert (error["field"], error["code"]) == ("settings", "INVALID")
        assert key in error["message"]
        assert "Kubernetes secret" in error["message"]
        # The value is never said back: it may be the secret itself.
        assert not any(value in error["message"] for value in given.values())
        assert "hunter2" not in error["message"]
        assert await factory.row_counts() == before

    async def test_a_reference_to_a_secret_is_fine(self, gql: GraphQLClient, world: Acme) -> None:
        payload = await create(
            gql,
            world.adam,
            world.organization,
            name="custom",
            kind="CUSTOM",
            settings={"endpoint": "https://api.x", "tokenSecretName": "api-token"},
        )
        assert payload["userErrors"] == []

    @pytest.mark.parametrize(
        ("kind", "given", "message"),
        [
            ("S3", {}, "settings.bucket is required for S3 connections."),
            ("S3", {"bucket": "s3://d", "colour": "red"}, "settings.colour is not a setting"),
            ("GCS", {"bucket": 7}, "settings.bucket must be a string."),
            ("GCS", {"bucket": "gs://a b"}, "settings.bucket must be one word"),
            (
                "VOLUME_CLAIM",
                {"volumeClaim": "data", "mountPath": "data"},
                "settings.mountPath must be an absolute path",
            ),
            (
                "HOST_PATH",
                {"hostPath": "/d", "mountPath": "/d", "readOnly": "yes"},
                "settings.readOnly must be true or false.",
            ),
            ("GIT", {"url": "https://git.x/r", "secretName": "Not_A_Name"}, "Kubernetes name"),
            ("CUSTOM", {"x": {"nested": "object"}}, "settings.x must be a string."),
            ("CUSTOM", ["a", "list"], "settings must be an object"),
        ],
    )
    async def test_settings_follow_the_kind(
        self,
        gql: GraphQLClient,
        factory: Factory,
        world: Acme,
        kind: str,
        given: Any,
        message: str,
    ) -> None:
        before = await factory.row_counts()
        payload = await create(
            gql, world.adam, world.organization, name="x", kind=kind, settings=given
        )
        [error] = payload["userErrors"]
        assert (error["field"], error["code"]) == ("settings", "INVALID")
        assert message in error["message"]
        assert await factory.row_counts() == before

    async def test_every_kind_takes_its_own_settings(self, gql: GraphQLClient, world: Acme) -> None:
        examples = {
            "S3": {"bucket": "s3://d", "region": "eu-west-1", "endpointUrl": "http://minio:9000"},
            "GCS": {"bucket": "gs://d/prefix"},
            "WASB": {"bucket": "wasbs://box@acct.blob.core.windows.net/"},
            "VOLUME_CLAIM": {"volumeClaim": "data-pvc", "mountPath": "/data", "readOnly": True},
            "HOST_PATH": {"hostPath": "/mnt/d", "mountPath": "/d"},
            "GIT": {"url": "git@github.com:acme/models.git", "revision": "main"},
            "REGISTRY": {"url": "registry.acme.test/ml", "insecure": False},
            "CUSTOM": {"endpoint": "https://x.test"},
        }
        assert set(examples) == {kind.value for kind in ConnectionKind}
        for kind, settings in examples.items():
            payload = await create(
                gql, world.adam, world.organization, name=kind.lower(), kind=kind, settings=settings
            )
            assert payload["userErrors"] == [], payload
            assert payload["connection"]["settings"] == settings

    async def test_an_unknown_kind_is_bad_input(
        self, gql: GraphQLClient, factory: Factory, world: Acme
    ) -> None:
        before = await factory.row_counts()
        body = await gql(
            CREATE,
            {"input": {"organizationId": world.organization, "name": "x", "kind": "FTP"}},
            as_=world.adam,
        )
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert await factory.row_counts() == before

    @pytest.mark.parametrize("who", ["mem", "otto"])
    async def test_members_below_admin_may_not_keep_it(
        self, gql: GraphQLClient, factory: Factory, world: Acme, who: str
    ) -> None:
        connection = await created(gql, world.adam, world.organization, name="data", **BUCKET)
        person: Person = getattr(world, who)
        before = await factory.row_counts()
        create_body = await gql(
            CREATE,
            {"input": {"organizationId": world.organization, "name": "mine", **BUCKET}},
            as_=person,
        )
        update_body = await gql(UPDATE, {"input": {"id": connection, "name": "x"}}, as_=person)
        delete_body = await gql(DELETE, {"input": {"id": connection}}, as_=person)
        for body in (create_body, update_body, delete_body):
            assert error_codes(body) == ["FORBIDDEN"], body
        assert await factory.row_counts() == before


class TestProjectConnections:
    async def test_an_admin_sets_them_and_every_reader_of_the_project_sees_them(
        self, gql: GraphQLClient, factory: Factory, world: Acme
    ) -> None:
        data = await created(gql, world.adam, world.organization, name="data", **BUCKET)
        models = await created(
            gql,
            world.adam,
            world.organization,
            name="models",
            kind="GIT",
            description="Model code",
            settings={"url": "https://git.acme.test/models"},
        )
        hidden = await created(gql, world.adam, world.organization, name="hidden", **BUCKET)
        body = await set_connections(gql, world.adam, world.vision, [models, data, data])
        payload = body["data"]["setProjectConnections"]
        assert payload["userErrors"] == []
        assert names(payload["project"]["connections"]) == ["data", "models"]
        await set_connections(gql, world.adam, world.secret, [hidden])

        # Anyone reads a PUBLIC project, and so its connections, settings and all.
        for reader in (None, world.stan):
            project = (await gql.data(PROJECT, {"org": "acme", "name": "vision"}, as_=reader))[
                "project"
            ]
            assert project["viewerCan"] == {"setConnections": False}
            assert project["connections"]["totalCount"] == 2
            git = project["connections"]["edges"][1]["node"]
            assert git == {
                "id": models,
                "name": "models",
                "kind": "GIT",
                "description": "Model code",
                "settings": {"url": "https://git.acme.test/models"},
            }
            # The same connection by its id; the catalogue shows them what projects they read use.
            node = await gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": models})
            assert node["node"] == {"id": models}
            catalogue = await gql.data(CATALOGUE, {"org": "acme"}, as_=reader)
            assert names(catalogue["organization"]["connections"]) == ["data", "models"]
            assert catalogue["organization"]["connections"]["totalCount"] == 2
            hidden_node = await gql.data(
                "query($id: ID!) { node(id: $id) { id } }", {"id": hidden}, as_=reader
            )
            assert hidden_node["node"] is None

        # Members read the whole catalogue.
        catalogue = await gql.data(CATALOGUE, {"org": "acme"}, as_=world.otto)
        assert names(catalogue["organization"]["connections"]) == ["data", "hidden", "models"]

        # The set is replaced whole.
        body = await set_connections(gql, world.ada, world.vision, [data])
        assert names(body["data"]["setProjectConnections"]["project"]["connections"]) == ["data"]
        body = await set_connections(gql, world.ada, world.vision, [])
        assert names(body["data"]["setProjectConnections"]["project"]["connections"]) == []
        anonymous = await gql.data(CATALOGUE, {"org": "acme"})
        assert anonymous["organization"]["connections"]["totalCount"] == 0

    async def test_a_connection_of_another_organization_is_named_and_refused(
        self, gql: GraphQLClient, factory: Factory, world: Acme
    ) -> None:
        ours = await factory.connection(world.acme, "ours")
        theirs = await factory.connection(world.globex, "theirs")
        before = await factory.row_counts()
        # ada reads globex's catalogue: the error names the connection.
        body = await set_connections(
            gql,
            world.ada,
            world.vision,
            [global_id("ExternalConnection", ours), global_id("ExternalConnection", theirs)],
        )
        payload = body["data"]["setProjectConnections"]
        assert payload["project"] is None
        assert payload["userErrors"] == [
            {
                "field": "connectionIds[1]",
                "code": "INVALID",
                "message": "connectionIds[1]: 'theirs' is a connection of another organization;"
                " a project uses its own organization's.",
            }
        ]
        # adam does not: for him it is nothing, and the error says no more than where.
        body = await set_connections(
            gql, world.adam, world.vision, [global_id("ExternalConnection", theirs)]
        )
        assert body["data"]["setProjectConnections"]["userErrors"] == [
            {
                "field": "connectionIds[0]",
                "code": "NOT_FOUND",
                "message": "connectionIds[0] names no connection you may read.",
            }
        ]
        body = await set_connections(
            gql, world.adam, world.vision, [global_id("ExternalConnection", 999_999)]
        )
        assert error_codes(body) == [], body
        assert body["data"]["setProjectConnections"]["userErrors"][0]["code"] == "NOT_FOUND"
        body = await set_connections(gql, world.adam, world.vision, [global_id("Project", 1)])
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert await factory.row_counts() == before

    async def test_only_project_admins_set_them_and_not_while_archived(
        self, gql: GraphQLClient, factory: Factory, world: Acme
    ) -> None:
        data = global_id("ExternalConnection", await factory.connection(world.acme, "data"))
        archived = await factory.project(
            world.acme, "old", visibility=ProjectVisibility.INTERNAL, archived=True
        )
        before = await factory.row_counts()
        body = await set_connections(gql, world.mem, world.vision, [data])  # a WRITER there
        assert error_codes(body) == ["FORBIDDEN"]
        body = await set_connections(gql, world.stan, world.secret, [data])
        assert error_codes(body) == ["NOT_FOUND"]
        body = await set_connections(gql, world.adam, archived, [data])
        errors = body["data"]["setProjectConnections"]["userErrors"]
        assert [e["code"] for e in errors] == ["INVALID"]
        assert "archived" in errors[0]["message"]
        assert await factory.row_counts() == before

    async def test_deleting_a_connection_takes_it_from_its_projects_and_says_so(
        self, gql: GraphQLClient, factory: Factory, world: Acme
    ) -> None:
        data = await created(gql, world.adam, world.organization, name="data", **BUCKET)
        await set_connections(gql, world.adam, world.vision, [data])
        await set_connections(gql, world.adam, world.secret, [data])
        body = await gql(DELETE, {"input": {"id": data}}, as_=world.adam)
        assert body["data"]["deleteConnection"] == {"deletedId": data, "userErrors": []}
        for project in ("vision", "secret"):
            found = await gql.data(PROJECT, {"org": "acme", "name": project}, as_=world.ada)
            assert found["project"]["connections"]["totalCount"] == 0
        rows = await factory.row_counts()
        assert (rows["connections"], rows["project_connections"]) == (0, 0)

        feed = await gql.data(ACTIVITY, {"org": "acme"}, as_=world.ada)
        entries = [e["node"] for e in feed["organization"]["activity"]["edges"]]
        verbs = [entry["verb"] for entry in entries]
        assert verbs[:3] == [
            "project.connection_removed",
            "project.connection_removed",
            "connection.deleted",
        ]
        assert verbs[3:] == [
            "project.connections_set",
            "project.connections_set",
            "connection.created",
        ]
        deleted = entries[2]["details"]
        assert deleted == {"connection": "data", "kind": "S3", "projects": ["vision", "secret"]}
        assert entries[0]["details"] == {"connection": "data", "kind": "S3"}
        # The set's entries named a connection that is gone: nothing left to name.
        assert entries[3]["details"] == {"name": "secret", "connections": []}

        # A MEMBER sees the deletion, naming only the projects they may read.
        feed = await gql.data(ACTIVITY, {"org": "acme"}, as_=world.mem)
        entries = [e["node"] for e in feed["organization"]["activity"]["edges"]]
        mine = [e for e in entries if e["verb"] == "connection.deleted"]
        assert mine == [
            {
                "verb": "connection.deleted",
                "details": {"connection": "data", "kind": "S3", "projects": ["vision"]},
            }
        ]
        removed = [e for e in entries if e["verb"] == "project.connection_removed"]
        assert len(removed) == 1  # vision's; secret is not theirs to read

    async def test_the_activity_of_a_set_names_what_the_viewer_may_read(
        self, gql: GraphQLClient, factory: Factory, world: Acme
    ) -> None:
        data = await created(gql, world.adam, world.organization, name="data", **BUCKET)
        await set_connections(gql, world.adam, world.vision, [data])
        feed = await gql.data(ACTIVITY, {"org": "acme"}, as_=world.ada)
        entries = [e["node"] for e in feed["organization"]["activity"]["edges"]]
        assert entries[0] == {
            "verb": "project.connections_set",
            "details": {"name": "vision", "connections": ["data"]},
        }
        assert entries[1]["verb"] == "connection.created"
        assert entries[1]["details"] == {"connection": "data", "kind": "S3"}
