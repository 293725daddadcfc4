// Ferry's SDK scenario, TypeScript side.
//
// Drives a live Ferry server through openapi-fetch typed by openapi-typescript's output for
// docs/openapi.json (generated/ferry.ts): every path, body and answer is typed from the document,
// and `tsc --noEmit` (sdk/run.sh runs it first) fails when a body the wire accepts does not fit
// the document. Each body is also checked with `satisfies` against its schema, because
// openapi-fetch's inferred body type does not reject every unknown property by itself. The only hand-written JSON is connectionConfiguration, which the document types
// as a free-form object.
//
//   npx tsx scenario.ts http://127.0.0.1:8001/api
//
// Prints a line per step; exits 1 when any step fails. The parts (pipeline, pagination, optional
// bodies, errors) are independent, so a failure in one is reported without hiding the others.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/ferry.js";

type Schemas = components["schemas"];
type ErrorResponse = Schemas["ErrorResponse"];
type Client = ReturnType<typeof createClient<paths>>;

// How long the sync may take before the scenario fails: generous, for a machine loaded four to
// ten times over; a quiet one uses a small part of it.
const PATIENCE_MS = 300_000;
// How often the scenario asks again while it waits.
const POLL_INTERVAL_MS = 500;
const EXTRA_WORKSPACES = 7;
const PAGE_SIZE = 3;

class Mismatch extends Error {}

function step(message: string): void {
  console.log(`[typescript] ${message}`);
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Mismatch(message);
}

/** The body of a 200 answer. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  expect(
    result.response.status === 200 && result.data !== undefined,
    `${what}: HTTP ${result.response.status}, expected 200: ${JSON.stringify(result.error)}`,
  );
  return result.data;
}

/** The body of an error answer, typed as the document's ErrorResponse. */
function failure(
  result: { data?: unknown; error?: ErrorResponse; response: Response },
  status: number,
  what: string,
): ErrorResponse {
  expect(
    result.response.status === status && result.error !== undefined,
    `${what}: HTTP ${result.response.status}, expected ${status}: ${JSON.stringify(result.data)}`,
  );
  const error: ErrorResponse = result.error;
  expect(error.statusCode === status, `${what}: statusCode ${error.statusCode}, expected ${status}`);
  expect(typeof error.message === "string" && typeof error.timestamp === "string", `${what}: envelope ${JSON.stringify(error)}`);
  return error;
}

async function pipeline(client: Client, run: string): Promise<void> {
  const health = ok(await client.GET("/v1/health"), "health");
  expect(health.db === true, `health: db is ${health.db}`);
  expect(health.storageFull === false, `health: storageFull is ${health.storageFull}`);
  step("health: db true");

  const organization = ok(
    await client.POST("/v1/organizations/create", {
      body: { organizationName: `SDK TypeScript ${run}`, email: "sdk@example.com" } satisfies Schemas["OrganizationCreateRequestBody"],
    }),
    "organizations/create",
  );
  step(`organization ${organization.organizationId}`);

  const workspace = ok(
    await client.POST("/v1/workspaces/create", {
      body: {
        name: `SDK TypeScript ${run}`,
        email: "sdk@example.com",
        organizationId: organization.organizationId,
        tags: ["sdk", "typescript"],
      } satisfies Schemas["WorkspaceCreate"],
    }),
    "workspaces/create",
  );
  expect(workspace.organizationId === organization.organizationId, `workspace organizationId ${workspace.organizationId}`);
  step(`workspace ${workspace.workspaceId} (slug ${workspace.slug})`);

  const definition = ok(
    await client.POST("/v1/source_definitions/create", {
      body: {
        name: `Faker ${run}`,
        dockerRepository: "airbyte/source-faker",
        dockerImageTag: "7.2.1",
        documentationUrl: "https://docs.airbyte.com",
      } satisfies Schemas["SourceDefinitionCreate"],
    }),
    "source_definitions/create",
  );
  step(`source definition ${definition.sourceDefinitionId}`);

  const source = ok(
    await client.POST("/v1/sources/create", {
      body: {
        workspaceId: workspace.workspaceId,
        sourceDefinitionId: definition.sourceDefinitionId,
        connectionConfiguration: { count: 50, seed: 1, parallelism: 1 },
        name: "faker",
      } satisfies Schemas["SourceCreate"],
    }),
    "sources/create",
  );
  const sourceConfiguration: Record<string, unknown> = source.connectionConfiguration;
  expect(sourceConfiguration["count"] === 50, "source configuration count");
  step(`source ${source.sourceId}`);

  const definitions = ok(await client.POST("/v1/destination_definitions/list"), "destination_definitions/list");
  const localJson = definitions.destinationDefinitions.filter(
    (d) => d.dockerRepository === "ferry/destination-local-json",
  );
  expect(localJson.length === 1, "destination_definitions/list: no ferry/destination-local-json");
  const destination = ok(
    await client.POST("/v1/destinations/create", {
      body: {
        workspaceId: workspace.workspaceId,
        destinationDefinitionId: localJson[0].destinationDefinitionId,
        connectionConfiguration: { destination_path: "sdk-scenario/typescript" },
        name: "local json",
      } satisfies Schemas["DestinationCreate"],
    }),
    "destinations/create",
  );
  step(`destination ${destination.destinationId}`);

  const discovered = ok(
    await client.POST("/v1/sources/discover_schema", { body: { sourceId: source.sourceId } satisfies Schemas["SourceIdRequestBody"] }),
    "sources/discover_schema",
  );
  const streams = discovered.schema.streams;
  expect(streams.length > 0, "sources/discover_schema: no streams");
  const dataTypes: Schemas["DataType"][] = [...new Set(streams.flatMap((s) => s.fields.map((f) => f.dataType)))].sort();
  const fieldCount = streams.reduce((n, s) => n + s.fields.length, 0);
  step(
    `discovered ${streams.length} streams (${streams.map((s) => s.name).join(", ")}), ` +
      `${fieldCount} fields typed ${dataTypes.join(", ")}`,
  );

  const syncMode: Schemas["SyncMode"] = "full_refresh";
  const status: Schemas["ConnectionStatus"] = "active";
  const schedule: Schemas["ConnectionSchedule"] = { units: 24, timeUnit: "hours" };
  const connection = ok(
    await client.POST("/v1/connections/create", {
      body: {
        sourceId: source.sourceId,
        destinationId: destination.destinationId,
        syncMode,
        status,
        schedule,
        syncSchema: {
          streams: streams.map((s) => ({
            name: s.name,
            fields: s.fields.map((f) => ({ name: f.name, dataType: f.dataType, selected: f.selected })),
            selected: true,
            syncMode,
          })),
        },
      } satisfies Schemas["ConnectionCreate"],
    }),
    "connections/create",
  );
  expect(connection.syncMode === "full_refresh", `syncMode ${connection.syncMode}`);
  expect(connection.status === "active", `status ${connection.status}`);
  expect(
    connection.schedule?.units === 24 && connection.schedule.timeUnit === "hours",
    `schedule ${JSON.stringify(connection.schedule)}`,
  );
  expect(
    JSON.stringify(connection.syncSchema.streams.map((s) => s.name)) === JSON.stringify(streams.map((s) => s.name)),
    "connection streams differ from the discovered ones",
  );
  step(`connection ${connection.connectionId} (${connection.name})`);

  const started = ok(
    await client.POST("/v1/connections/sync", { body: { connectionId: connection.connectionId } satisfies Schemas["ConnectionIdRequestBody"] }),
    "connections/sync",
  );
  const jobId = started.job.id;
  expect(started.job.configType === "sync", `configType ${started.job.configType}`);
  step(`sync job ${jobId} ${started.job.status}`);

  const deadline = Date.now() + PATIENCE_MS;
  let last: Schemas["JobStatus"] = started.job.status;
  for (;;) {
    const info = ok(await client.POST("/v1/jobs/get", { body: { id: jobId } satisfies Schemas["JobIdRequestBody"] }), "jobs/get");
    if (info.job.status !== last) {
      step(`job ${jobId} ${info.job.status}`);
      last = info.job.status;
    }
    if (info.job.status === "succeeded") {
      const records = info.attempts.reduce((n, a) => n + a.attempt.recordsSynced, 0);
      expect(records > 0, `job ${jobId}: no records synced`);
      step(`job ${jobId} succeeded: ${records} records in ${info.attempts.length} attempt(s)`);
      return;
    }
    if (info.job.status === "failed" || info.job.status === "cancelled") {
      const tail = info.attempts.flatMap((a) => a.logs.logLines).slice(-20);
      throw new Mismatch(`job ${jobId} ended ${info.job.status}:\n${tail.join("\n")}`);
    }
    const moved = info.attempts.reduce((n, a) => n + a.attempt.recordsSynced, 0);
    expect(
      Date.now() < deadline,
      `timed out after ${PATIENCE_MS / 1000} s waiting for sync job ${jobId} to succeed; ` +
        `last saw: ${info.job.status}, ${moved} records in ${info.attempts.length} attempt(s)`,
    );
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function pagination(client: Client, run: string): Promise<void> {
  const organization = ok(
    await client.POST("/v1/organizations/create", { body: { organizationName: `SDK TypeScript pages ${run}` } satisfies Schemas["OrganizationCreateRequestBody"] }),
    "organizations/create",
  );
  const created = new Set<string>();
  for (let i = 0; i <= EXTRA_WORKSPACES; i++) {
    const workspace = ok(
      await client.POST("/v1/workspaces/create", {
        body: { name: `SDK TypeScript page ${run} ${i}`, organizationId: organization.organizationId } satisfies Schemas["WorkspaceCreate"],
      }),
      "workspaces/create",
    );
    created.add(workspace.workspaceId);
  }
  step(`created ${created.size} workspaces in organization ${organization.organizationId}`);

  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = ok(
      await client.POST("/v1/workspaces/list", {
        // Every other page counts the total: a page costs the page unless asked.
        body: { organizationId: organization.organizationId, pageSize: PAGE_SIZE, cursor, includeTotal: pages % 2 === 0 } satisfies Schemas["WorkspaceListRequestBody"],
      }),
      "workspaces/list",
    );
    pages += 1;
    expect(page.workspaces.length <= PAGE_SIZE, `page ${pages}: ${page.workspaces.length} items`);
    const expectedTotal = pages % 2 === 1 ? created.size : undefined;
    expect(page.total === expectedTotal, `page ${pages}: total ${page.total}, expected ${expectedTotal}`);
    seen.push(...page.workspaces.map((w) => w.workspaceId));
    step(`page ${pages}: ${page.workspaces.length} workspaces, hasMore ${page.hasMore}`);
    const next = page.nextCursor ?? undefined;
    expect(page.hasMore === (next !== undefined), `page ${pages}: hasMore vs nextCursor`);
    if (next === undefined) break;
    expect(pages < 10, "more pages than workspaces");
    cursor = next;
  }
  expect(new Set(seen).size === seen.length, `a workspace was listed twice: ${seen.join(", ")}`);
  expect(
    seen.length === created.size && seen.every((id) => created.has(id)),
    `listed ${new Set(seen).size} of ${created.size} workspaces`,
  );
  step(`paged ${seen.length} workspaces in ${pages} pages, each exactly once`);
}

async function optionalBodies(client: Client): Promise<void> {
  // The 2020 contract's lists take no body; Ferry's keep the body optional.
  const all = ok(await client.POST("/v1/workspaces/list"), "workspaces/list (no body)");
  expect(all.total === all.workspaces.length && !all.hasMore, `workspaces/list (no body): ${all.total} total`);
  step(`workspaces/list without a body: ${all.total} workspaces`);
  const stats = ok(await client.POST("/v1/workspaces/stats"), "workspaces/stats (no body)");
  expect(stats.totalCount === stats.activeCount + stats.inactiveCount, `stats ${JSON.stringify(stats)}`);
  step(`workspaces/stats without a body: ${stats.totalCount} workspaces`);
}

async function errors(client: Client): Promise<void> {
  const missing = crypto.randomUUID();
  const notFound = failure(
    await client.POST("/v1/workspaces/get", { body: { workspaceId: missing } satisfies Schemas["WorkspaceIdRequestBody"] }),
    404,
    "workspaces/get (unknown id)",
  );
  expect(notFound.error === "RESOURCE_NOT_FOUND", `404 error ${notFound.error}`);
  expect(notFound.id === missing, `404 id ${notFound.id}`);
  step(`404 ${notFound.error}: ${notFound.message}`);

  const invalid = failure(
    await client.POST("/v1/workspaces/create", { body: { name: "" } satisfies Schemas["WorkspaceCreate"] }),
    422,
    "workspaces/create (empty name)",
  );
  expect(invalid.error === "VALIDATION_ERROR", `422 error ${invalid.error}`);
  const problems: Schemas["InvalidInputProperty"][] = invalid.validationErrors ?? [];
  expect(
    problems.length === 1 && problems[0].propertyPath === "name",
    `422 validationErrors ${JSON.stringify(problems)}`,
  );
  step(`422 ${invalid.error}: ${problems[0].propertyPath}: ${problems[0].message}`);
}

async function main(): Promise<number> {
  const baseUrl = process.argv[2];
  if (!baseUrl || process.argv.length !== 3) {
    console.error("usage: scenario.ts BASE_URL (e.g. http://127.0.0.1:8001/api)");
    return 2;
  }
  const run = crypto.randomUUID().slice(0, 8);
  const client: Client = createClient<paths>({ baseUrl });
  const parts: [string, () => Promise<void>][] = [
    ["pipeline", () => pipeline(client, run)],
    ["pagination", () => pagination(client, run)],
    ["optional bodies", () => optionalBodies(client)],
    ["errors", () => errors(client)],
  ];
  let failed = 0;
  for (const [name, part] of parts) {
    try {
      await part();
      step(`${name}: ok`);
    } catch (e) {
      failed += 1;
      step(`${name}: FAILED: ${e instanceof Mismatch ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
  console.log(`typescript: ${parts.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exit(await main());
