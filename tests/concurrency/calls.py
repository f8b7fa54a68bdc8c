"""The mutations the race tests send, as calls that read like the domain: `leave(org, ann)`."""

from app.versions.models import Stage
from tests.concurrency.racing import Call
from tests.helpers import Person, global_id


def mutation(field: str, input_type: str, selection: str) -> str:
    return (
        f"mutation($input: {input_type}!) {{ {field}(input: $input) {{"
        f" {selection} userErrors {{ field code message }} }} }}"
    )


CHANGE_ROLE = mutation("updateOrganizationMemberRole", "OrganizationMemberInput", "member { role }")
REMOVE_MEMBER = mutation(
    "removeOrganizationMember", "RemoveOrganizationMemberInput", "organization { id }"
)
TRANSITION = mutation(
    "transitionModelVersionStage", "TransitionModelVersionStageInput", "modelVersion { stage }"
)
ARCHIVE = mutation("archiveProject", "ProjectIdInput", "project { archivedAt }")
CREATE_RUN = mutation("createRun", "CreateRunInput", "run { id }")
PROMOTE = mutation("promoteRun", "PromoteRunInput", "modelVersion { id }")


def demote(organization_id: int, by: Person, whom: Person) -> Call:
    """`by` makes `whom` a MEMBER of the organization."""
    return Call(
        "updateOrganizationMemberRole",
        CHANGE_ROLE,
        {
            "organizationId": global_id("Organization", organization_id),
            "username": whom.username,
            "role": "MEMBER",
        },
        by,
    )


def leave(organization_id: int, who: Person) -> Call:
    return Call(
        "removeOrganizationMember",
        REMOVE_MEMBER,
        {"organizationId": global_id("Organization", organization_id), "username": who.username},
        who,
    )


def move(version_id: int, by: Person, stage: Stage) -> Call:
    """`by` moves the model version to `stage`."""
    return Call(
        "transitionModelVersionStage",
        TRANSITION,
        {"id": global_id("ModelVersion", version_id), "stage": stage.value, "reason": "race"},
        by,
    )


def archive(project_id: int, by: Person) -> Call:
    return Call("archiveProject", ARCHIVE, {"id": global_id("Project", project_id)}, by)


def create_run(project_id: int, by: Person) -> Call:
    return Call(
        "createRun",
        CREATE_RUN,
        {"projectId": global_id("Project", project_id), "name": "train"},
        by,
    )


def promote(project_id: int, run_id: int, by: Person) -> Call:
    """`by` promotes the run to version `v1` of the project."""
    return Call(
        "promoteRun",
        PROMOTE,
        {
            "projectId": global_id("Project", project_id),
            "runId": global_id("Run", run_id),
            "name": "v1",
        },
        by,
    )


SET_ALIAS = mutation(
    "setModelVersionAlias",
    "SetModelVersionAliasInput",
    "modelVersion { name } previousModelVersion { name }",
)
DELETE_ALIAS = mutation(
    "deleteModelVersionAlias", "DeleteModelVersionAliasInput", "modelVersion { name }"
)


def set_alias(version_id: int, by: Person, alias: str) -> Call:
    """`by` gives the model version the alias (moving it from the version holding it)."""
    return Call(
        "setModelVersionAlias",
        SET_ALIAS,
        {"versionId": global_id("ModelVersion", version_id), "alias": alias},
        by,
    )


def delete_alias(project_id: int, by: Person, alias: str) -> Call:
    return Call(
        "deleteModelVersionAlias",
        DELETE_ALIAS,
        {"projectId": global_id("Project", project_id), "alias": alias},
        by,
    )


DELETE_VERSION = mutation("deleteModelVersion", "DeleteModelVersionInput", "deletedId")


def delete_version(version_id: int, by: Person) -> Call:
    return Call(
        "deleteModelVersion", DELETE_VERSION, {"id": global_id("ModelVersion", version_id)}, by
    )
