// What a frontend does with the generated documents and types; `tsc --strict` checks it
// (tests/clients/test_typescript.py). Nothing here runs: it is the types that are under test.
import { print } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import {
  CreateRunDocument,
  HubSearchDocument,
  ModelPageDocument,
  OrganizationPageDocument,
  PromoteRunDocument,
  RunLineageDocument,
  TransitionModelVersionStageDocument,
  ViewerDocument,
} from "./generated/graphql";
import type {
  ModelVersionSummaryFragment,
  OrganizationRole,
  Stage,
  UserErrorFieldsFragment,
} from "./generated/graphql";
import type { Stage as SchemaStage, UpdateModelVersionInput } from "./generated/schema";

/** The schema's types and the operations' agree (both are string unions). */
export const everyStage: readonly SchemaStage[] = ["TESTING", "STAGING", "PRODUCTION", "DISABLED"];
export const sameStages: readonly Stage[] = everyStage;
export const describe: UpdateModelVersionInput = { id: "TW9kZWxWZXJzaW9uOjE=", description: "x" };

/** A minimal typed fetcher: the document fixes both the variables and the result. */
export async function request<TResult, TVariables>(
  url: string,
  token: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: TResult; errors?: { message: string }[] };
  if (body.errors !== undefined || body.data === undefined) {
    throw new Error(body.errors?.map((e) => e.message).join("; ") ?? "no data");
  }
  return body.data;
}

function unwrap<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is null`);
  return value;
}

function checkUserErrors(errors: readonly UserErrorFieldsFragment[]): void {
  if (errors.length > 0) {
    throw new Error(errors.map((e) => `${e.field ?? ""}: ${e.code} ${e.message}`).join("; "));
  }
}

const stageLabels: Record<Stage, string> = {
  TESTING: "Testing",
  STAGING: "Staging",
  PRODUCTION: "Production",
  DISABLED: "Disabled",
};

export async function viewerName(url: string, token: string): Promise<string> {
  const data = await request(url, token, ViewerDocument, {});
  // @ts-expect-error `viewer` is null for the anonymous viewer: the types must say so.
  const unchecked: string = data.viewer.username;
  void unchecked;
  const viewer = unwrap(data.viewer, "viewer");
  const organizations: string[] = viewer.organizations.edges.map((e) => e.node.organization.name);
  return `${viewer.displayName ?? viewer.username} (${organizations.join(", ")})`;
}

export async function owners(url: string, token: string, name: string): Promise<string[]> {
  const data = await request(url, token, OrganizationPageDocument, { name, first: 50 });
  const organization = unwrap(data.organization, "organization");
  const role: OrganizationRole | null = organization.viewerRole;
  void role;
  const members = unwrap(organization.members, "organization.members");
  return members.edges.filter((e) => e.node.role === "OWNER").map((e) => e.node.user.username);
}

export async function modelPage(url: string, token: string, run: string): Promise<string[]> {
  const data = await request(url, token, ModelPageDocument, {
    owner: "acme",
    name: "fraud",
    stage: ["PRODUCTION", "STAGING"],
    run,
  });
  const project = unwrap(data.project, "project");
  const versions: ModelVersionSummaryFragment[] = project.modelVersions.edges.map((e) => e.node);
  // The button to promote into PRODUCTION shows only where the policy would allow it.
  const promotable: boolean[] = project.modelVersions.edges.map((e) => e.node.viewerCan.toProduction);
  return versions.map(
    (v, i) => `${v.reference} ${stageLabels[v.stage]} ${v.digest.slice(0, 8)} ${promotable[i] ?? false}`,
  );
}

export async function promoteAndStage(
  url: string,
  token: string,
  projectId: string,
  training: string,
): Promise<Stage> {
  const created = await request(url, token, CreateRunDocument, {
    input: { projectId: training, name: "train", status: "SUCCEEDED", tags: [], artifacts: [] },
  });
  const createRun = unwrap(created.createRun, "createRun");
  checkUserErrors(createRun.userErrors);
  const run = unwrap(createRun.run, "createRun.run");
  const promoted = await request(url, token, PromoteRunDocument, {
    input: { projectId, runId: run.id, name: "v1", artifacts: ["model"], tags: [] },
  });
  const payload = unwrap(promoted.promoteRun, "promoteRun");
  checkUserErrors(payload.userErrors);
  const version = unwrap(payload.modelVersion, "modelVersion");
  const source: string | undefined = version.lineage.sourceProject?.fullName;
  void source;
  const moved = await request(url, token, TransitionModelVersionStageDocument, {
    input: { id: version.id, stage: "STAGING", archiveOthers: false },
  });
  const transition = unwrap(moved.transitionModelVersionStage, "transition");
  checkUserErrors(transition.userErrors);
  return unwrap(transition.modelVersion, "modelVersion").stage;
}

export async function lineage(url: string, token: string, id: string): Promise<string[]> {
  const data = await request(url, token, RunLineageDocument, { id });
  const node = unwrap(data.node, "node");
  if (node.__typename !== "Run") return [];
  return node.upstream.map((run) => `${run.project.fullName}/${run.name ?? run.uuid}`);
}

export async function search(url: string, token: string, text: string): Promise<string[]> {
  const data = await request(url, token, HubSearchDocument, {
    filter: { nameContains: text },
    first: 10,
  });
  return data.hub.edges.map(
    (e) => `${e.node.reference} (${e.node.inputs.map((i) => i.name).join(", ")})`,
  );
}
