// The console's pages. Each loads what it shows with documented operations (see api.js) and
// shows what the caller's role allows: `can.read`, `can.run`, `can.edit`, `can.admin`.

import { html, useEffect, useState, useCallback, useRef } from "./vendor/htm-preact-standalone.mjs";
import { api, ApiError } from "./api.js";
import { SpecForm, withDefaults, fieldId } from "./form.js";

const PAGE_SIZE = 10;
const ENDED = ["succeeded", "failed", "cancelled"];

/// A message carried to the next page (a save, say), shown once.
let flash = null;

function takeFlash() {
  const message = flash;
  flash = null;
  return message;
}

function go(hash, message) {
  flash = message || null;
  location.hash = hash;
}

// ---------------------------------------------------------------------------------------
// Small pieces

/// An error as Ferry's envelope words it (its message; the code and status beside it).
export function ErrorBanner({ error }) {
  if (!error) return null;
  const envelope = error instanceof ApiError ? error.envelope : {};
  return html`<div class="error-banner" role="alert" data-testid="error">
    <strong>${error.message}</strong>
    ${envelope.error ? html` <span class="code">(${envelope.error}, ${error.status})</span>` : null}
  </div>`;
}

function Notice({ message }) {
  if (!message) return null;
  return html`<p class="notice" role="status">${message}</p>`;
}

function FieldError({ errors, path }) {
  const messages = errors && errors[path];
  if (!messages) return null;
  return html`<p class="field-error" id=${`${fieldId(path)}-error`} data-property-path=${path}>${messages.join("; ")}</p>`;
}

function errorProps(errors, path) {
  const messages = errors && errors[path];
  return messages
    ? { "aria-invalid": "true", "aria-describedby": `${fieldId(path)}-error` }
    : {};
}

/// `load` run now and again when `deps` change: `{data, error, loading, reload}`.
function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const generation = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      if (mine === generation.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === generation.current) setState({ data: null, error, loading: false });
    }
  }, deps);
  useEffect(() => {
    reload();
  }, [reload]);
  return { ...state, reload };
}

/// Keyset paging: a stack of cursors, the last the current page's.
function usePaging(resetKey) {
  const [cursors, setCursors] = useState([null]);
  useEffect(() => setCursors([null]), [resetKey]);
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length,
    next: (cursor) => setCursors([...cursors, cursor]),
    previous: () => setCursors(cursors.slice(0, -1)),
  };
}

function Pager({ paging, nextCursor, total, label }) {
  return html`<nav class="pager" aria-label=${`${label} pages`}>
    <button type="button" disabled=${paging.page <= 1} onClick=${paging.previous}>Previous</button>
    <span>Page ${paging.page}${total !== undefined ? ` · ${total} in all` : ""}</span>
    <button type="button" disabled=${!nextCursor} onClick=${() => paging.next(nextCursor)}>Next</button>
  </nav>`;
}

function time(epochSeconds) {
  if (epochSeconds === undefined || epochSeconds === null) return "—";
  return new Date(epochSeconds * 1000).toLocaleString();
}

function Status({ value }) {
  return html`<span class=${`status status-${value}`}>${value}</span>`;
}

function schedule(connection) {
  const data = connection.scheduleData || {};
  if (connection.scheduleType === "basic" && data.basicSchedule) {
    return `Every ${data.basicSchedule.units} ${data.basicSchedule.timeUnit}`;
  }
  if (connection.scheduleType === "cron" && data.cron) {
    return `Cron ${data.cron.cronExpression} (${data.cron.cronTimeZone})`;
  }
  return "Manual";
}

function records(job) {
  return job.attempts.reduce((sum, a) => sum + ((a.attempt || a).recordsSynced || 0), 0);
}

function Main({ title, children, actions }) {
  return html`<main id="main">
    <div class="page-head">
      <h1 tabindex="-1">${title}</h1>
      ${actions ? html`<div class="actions">${actions}</div>` : null}
    </div>
    ${children}
  </main>`;
}

function Loading({ state }) {
  if (state.error) return html`<${ErrorBanner} error=${state.error} />`;
  if (state.loading && !state.data) return html`<p aria-busy="true">Loading…</p>`;
  return null;
}

// ---------------------------------------------------------------------------------------
// Workspaces

export function WorkspacesPage({ workspace, can, setWorkspace, updateWorkspace }) {
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState("");
  const paging = usePaging(search);
  const list = useLoad(
    () =>
      api("workspaces/list", {
        pageSize: PAGE_SIZE,
        includeTotal: true,
        sortBy: "name",
        nameContains: search || undefined,
        cursor: paging.cursor || undefined,
      }),
    [search, paging.cursor],
  );
  return html`<${Main} title="Workspaces">
    ${workspace ? html`<${WorkspaceSummary} workspace=${workspace} can=${can} updateWorkspace=${updateWorkspace} />` : null}
    <section aria-labelledby="pick-heading">
      <h2 id="pick-heading">Pick a workspace</h2>
      <form class="search" role="search" onSubmit=${(e) => { e.preventDefault(); setSearch(query.trim()); }}>
        <label for="workspace-search">Name contains</label>
        <input id="workspace-search" type="search" value=${query} onInput=${(e) => setQuery(e.target.value)} />
        <button type="submit">Search</button>
      </form>
      <${Loading} state=${list} />
      ${list.data
        ? html`<ul class="workspace-list">
              ${list.data.workspaces.map(
                (w) => html`<li key=${w.workspaceId}>
                  <button type="button" class="link" aria-current=${workspace && w.workspaceId === workspace.workspaceId ? "true" : undefined}
                    onClick=${async () => { await setWorkspace(w); go("#/connections"); }}>${w.name}</button>
                  <span class="muted"> ${w.slug} · <${Status} value=${w.status} /></span>
                </li>`,
              )}
              ${list.data.workspaces.length === 0 ? html`<li>No workspace matches.</li>` : null}
            </ul>
            <${Pager} paging=${paging} nextCursor=${list.data.nextCursor} total=${list.data.total} label="Workspace" />`
        : null}
    </section>
  </${Main}>`;
}

function WorkspaceSummary({ workspace, can, updateWorkspace }) {
  const id = workspace.workspaceId;
  const counts = useLoad(async () => {
    const body = { workspaceId: id, pageSize: 1, includeTotal: true };
    const [sources, destinations, connections] = await Promise.all([
      api("sources/list", body),
      api("destinations/list", body),
      api("connections/list", body),
    ]);
    return { sources: sources.total, destinations: destinations.total, connections: connections.total };
  }, [id, workspace.version]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      const status = workspace.status === "active" ? "inactive" : "active";
      const changed = await api("workspaces/update", { workspaceId: id, status, expectedVersion: workspace.version });
      updateWorkspace(changed);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="summary-heading" class="card">
    <h2 id="summary-heading">${workspace.name}</h2>
    <${ErrorBanner} error=${error} />
    <dl class="summary">
      <dt>Status</dt><dd data-testid="workspace-status"><${Status} value=${workspace.status} /></dd>
      <dt>Slug</dt><dd>${workspace.slug}</dd>
      <dt>Region</dt><dd>${workspace.region}</dd>
      <dt>Sources</dt><dd>${counts.data ? counts.data.sources : "…"}</dd>
      <dt>Destinations</dt><dd>${counts.data ? counts.data.destinations : "…"}</dd>
      <dt>Connections</dt><dd>${counts.data ? counts.data.connections : "…"}</dd>
      <dt>Created</dt><dd>${new Date(workspace.createdAt).toLocaleString()}</dd>
    </dl>
    <${Loading} state=${{ ...counts, data: counts.data || {} }} />
    ${can.admin
      ? html`<button type="button" onClick=${toggle} disabled=${busy}>
          ${workspace.status === "active" ? "Deactivate workspace" : "Reactivate workspace"}
        </button>
        <p class="hint">An inactive workspace schedules no syncs; its connections become inactive.</p>`
      : null}
  </section>`;
}

// ---------------------------------------------------------------------------------------
// Connections

function CreateButtons({ can }) {
  if (!can.edit) return null;
  return html`<a class="button" href="#/connections/new">New connection</a>
    <a class="button secondary" href="#/sources/new">New source</a>
    <a class="button secondary" href="#/destinations/new">New destination</a>`;
}

export function ConnectionsPage({ workspace, can }) {
  const paging = usePaging(workspace.workspaceId);
  const list = useLoad(async () => {
    const page = await api("web_backend/connections/list", {
      workspaceId: workspace.workspaceId,
      pageSize: PAGE_SIZE,
      includeTotal: true,
      sortBy: "name",
      cursor: paging.cursor || undefined,
    });
    // The last sync of each connection on the page: its newest sync job, a page of one.
    const jobs = await Promise.all(
      page.connections.map((c) =>
        api("jobs/list", { configType: "sync", configId: c.connectionId, sortOrder: "desc", pageSize: 1 }),
      ),
    );
    const last = jobs.map((j) => j.jobs[0] || null);
    return { ...page, last };
  }, [workspace.workspaceId, paging.cursor]);
  const [flashed] = useState(takeFlash);
  return html`<${Main} title="Connections" actions=${html`<${CreateButtons} can=${can} />`}>
    <${Notice} message=${flashed} />
    <${Loading} state=${list} />
    ${list.data
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Connections table">
            <table>
              <thead><tr>
                <th scope="col">Name</th><th scope="col">Source</th><th scope="col">Destination</th>
                <th scope="col">Status</th><th scope="col">Schedule</th><th scope="col">Last sync</th>
              </tr></thead>
              <tbody>
                ${list.data.connections.map((c, i) => {
                  const last = list.data.last[i];
                  return html`<tr key=${c.connectionId}>
                    <td><a href=${`#/connections/${c.connectionId}`}>${c.name}</a></td>
                    <td>${c.source.name} <span class="muted">(${c.source.sourceName})</span></td>
                    <td>${c.destination.name} <span class="muted">(${c.destination.destinationName})</span></td>
                    <td><${Status} value=${c.status} />${c.isSyncing ? html` <${Status} value="syncing" />` : null}</td>
                    <td>${schedule(c)}</td>
                    <td>${last ? html`<${Status} value=${last.job.status} /> ${time(c.lastSync ?? last.job.updatedAt)}` : "never"}</td>
                  </tr>`;
                })}
                ${list.data.connections.length === 0
                  ? html`<tr><td colspan="6">No connections yet.${can.edit ? html` <a href="#/connections/new">Create one</a>.` : null}</td></tr>`
                  : null}
              </tbody>
            </table>
          </div>
          <${Pager} paging=${paging} nextCursor=${list.data.nextCursor} total=${list.data.total} label="Connection" />`
      : null}
  </${Main}>`;
}

export function ConnectionPage({ connectionId, can }) {
  const state = useLoad(async () => {
    const [connection, jobs] = await Promise.all([
      api("web_backend/connections/get", { connectionId }),
      api("jobs/list", { configType: "sync", configId: connectionId, sortOrder: "desc", pageSize: 20, includeTotal: true }),
    ]);
    return { connection, jobs: jobs.jobs, moreJobs: jobs.total - jobs.jobs.length };
  }, [connectionId]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const sync = async () => {
    setBusy(true);
    setError(null);
    try {
      const job = await api("connections/sync", { connectionId });
      go(`#/jobs/${job.job.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  const cancel = async (id) => {
    setError(null);
    try {
      await api("jobs/cancel", { id });
      state.reload();
    } catch (e) {
      setError(e);
    }
  };
  const c = state.data && state.data.connection;
  return html`<${Main} title=${c ? c.name : "Connection"}
      actions=${can.run && c ? html`<button type="button" onClick=${sync} disabled=${busy}>Sync now</button>` : null}>
    <p><a href="#/connections">← Connections</a></p>
    <${ErrorBanner} error=${error} />
    <${Loading} state=${state} />
    ${c
      ? html`<dl class="summary">
            <dt>Source</dt><dd><a href=${`#/sources/${c.sourceId}`}>${c.source.name}</a></dd>
            <dt>Destination</dt><dd><a href=${`#/destinations/${c.destinationId}`}>${c.destination.name}</a></dd>
            <dt>Status</dt><dd><${Status} value=${c.status} /></dd>
            <dt>Schedule</dt><dd>${schedule(c)}</dd>
            <dt>Last sync</dt><dd>${time(c.lastSync)}</dd>
          </dl>
          <section aria-labelledby="streams-heading">
            <h2 id="streams-heading">Streams</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Streams table">
              <table>
                <thead><tr><th scope="col">Stream</th><th scope="col">Selected</th><th scope="col">Sync mode</th><th scope="col">Cursor</th></tr></thead>
                <tbody>
                  ${c.syncSchema.streams.map(
                    (s) => html`<tr key=${s.name}><td>${s.name}</td><td>${s.selected === false ? "no" : "yes"}</td>
                      <td>${s.syncMode || "—"}</td><td>${(s.cursorField || s.defaultCursorField || []).join(".") || "—"}</td></tr>`,
                  )}
                </tbody>
              </table>
            </div>
          </section>
          <section aria-labelledby="jobs-heading">
            <h2 id="jobs-heading">Jobs</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Jobs table">
              <table>
                <thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Attempts</th><th scope="col">Records</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
                <tbody>
                  ${state.data.jobs.map(
                    (j) => html`<tr key=${j.job.id}>
                      <td><a href=${`#/jobs/${j.job.id}`}>Job ${j.job.id}</a></td>
                      <td><${Status} value=${j.job.status} /></td>
                      <td>${time(j.job.createdAt)}</td>
                      <td>${j.attempts.length}</td>
                      <td>${records(j)}</td>
                      <td>${can.run && !ENDED.includes(j.job.status)
                        ? html`<button type="button" class="secondary" onClick=${() => cancel(j.job.id)}>Cancel job ${j.job.id}</button>`
                        : null}</td>
                    </tr>`,
                  )}
                  ${state.data.jobs.length === 0 ? html`<tr><td colspan="6">No syncs yet.</td></tr>` : null}
                </tbody>
              </table>
            </div>
            ${state.data.moreJobs > 0 ? html`<p class="muted">The newest ${state.data.jobs.length} of ${state.data.jobs.length + state.data.moreJobs} jobs.</p>` : null}
          </section>`
      : null}
  </${Main}>`;
}

// ---------------------------------------------------------------------------------------
// A job, watched until it ends

export function JobPage({ jobId, can }) {
  const [info, setInfo] = useState(null);
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0);
  const logRef = useRef(null);
  useEffect(() => {
    let stopped = false;
    let timer = null;
    const poll = async () => {
      try {
        const answer = await api("jobs/get", { id: jobId });
        if (stopped) return;
        setInfo(answer);
        setError(null);
        if (!ENDED.includes(answer.job.status)) timer = setTimeout(poll, 1000);
      } catch (e) {
        if (!stopped) setError(e);
      }
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [jobId, tick]);
  const lines = info ? info.attempts.flatMap((a, i) => a.logs.logLines.map((line) => `[attempt ${i + 1}] ${line}`)) : [];
  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [lines.length]);
  const cancel = async () => {
    try {
      await api("jobs/cancel", { id: jobId });
      setTick(tick + 1);
    } catch (e) {
      setError(e);
    }
  };
  const job = info && info.job;
  const running = job && !ENDED.includes(job.status);
  return html`<${Main} title=${`Job ${jobId}`}
      actions=${running && can.run ? html`<button type="button" class="secondary" onClick=${cancel}>Cancel</button>` : null}>
    ${job && job.configType === "sync" ? html`<p><a href=${`#/connections/${job.configId}`}>← Connection</a></p>` : null}
    <${ErrorBanner} error=${error} />
    ${!info && !error ? html`<p aria-busy="true">Loading…</p>` : null}
    ${info
      ? html`<dl class="summary">
            <dt>Status</dt><dd data-testid="job-status" aria-live="polite"><${Status} value=${job.status} /></dd>
            <dt>Kind</dt><dd>${job.configType.replace(/_/g, " ")}</dd>
            <dt>Created</dt><dd>${time(job.createdAt)}</dd>
            <dt>Records synced</dt><dd data-testid="job-records">${records(info)}</dd>
            ${job.cancelReason ? html`<dt>Cancelled</dt><dd>${job.cancelReason}</dd>` : null}
          </dl>
          <section aria-labelledby="attempts-heading">
            <h2 id="attempts-heading">Attempts</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Attempts table">
              <table>
                <thead><tr><th scope="col">Attempt</th><th scope="col">Status</th><th scope="col">Records</th><th scope="col">Bytes</th><th scope="col">Started</th><th scope="col">Ended</th></tr></thead>
                <tbody>
                  ${info.attempts.map(
                    ({ attempt }, i) => html`<tr key=${attempt.id}><td>${i + 1}</td><td><${Status} value=${attempt.status} /></td>
                      <td>${attempt.recordsSynced}</td><td>${attempt.bytesSynced}</td><td>${time(attempt.createdAt)}</td><td>${time(attempt.endedAt)}</td></tr>`,
                  )}
                  ${info.attempts.length === 0 ? html`<tr><td colspan="6">No attempt yet: the job waits for a worker.</td></tr>` : null}
                </tbody>
              </table>
            </div>
          </section>
          <section aria-labelledby="log-heading">
            <h2 id="log-heading">Log</h2>
            <pre class="log" ref=${logRef} tabindex="0" aria-label="Job log" data-testid="job-log">${lines.join("\n") || "(no log lines yet)"}</pre>
          </section>`
      : null}
  </${Main}>`;
}

// ---------------------------------------------------------------------------------------
// Sources and destinations

const WORDS = {
  source: { one: "source", many: "sources", Title: "Source", Titles: "Sources" },
  destination: { one: "destination", many: "destinations", Title: "Destination", Titles: "Destinations" },
};

function listActors(family, body) {
  return family === "source" ? api("sources/list", body) : api("destinations/list", body);
}

function checkActor(family, id) {
  return family === "source"
    ? api("sources/check_connection", { sourceId: id })
    : api("destinations/check_connection", { destinationId: id });
}

export function ActorsPage({ family, workspace, can }) {
  const words = WORDS[family];
  const paging = usePaging(workspace.workspaceId);
  const list = useLoad(
    () => listActors(family, { workspaceId: workspace.workspaceId, pageSize: PAGE_SIZE, includeTotal: true, sortBy: "name", cursor: paging.cursor || undefined }),
    [family, workspace.workspaceId, paging.cursor],
  );
  const [checks, setChecks] = useState({});
  const check = async (id) => {
    setChecks({ ...checks, [id]: { status: "checking…" } });
    try {
      const result = await checkActor(family, id);
      setChecks((c) => ({ ...c, [id]: result }));
    } catch (e) {
      setChecks((c) => ({ ...c, [id]: { status: "failed", message: e.message } }));
    }
  };
  const rows = list.data ? list.data[words.many] : [];
  return html`<${Main} title=${words.Titles}
      actions=${can.edit ? html`<a class="button" href=${`#/${words.many}/new`}>New ${words.one}</a>` : null}>
    <${Loading} state=${list} />
    ${list.data
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label=${`${words.Titles} table`}>
            <table>
              <thead><tr><th scope="col">Name</th><th scope="col">Connector</th><th scope="col">Check</th></tr></thead>
              <tbody>
                ${rows.map((a) => {
                  const id = a[`${family}Id`];
                  const result = checks[id];
                  return html`<tr key=${id}>
                    <td><a href=${`#/${words.many}/${id}`}>${a.name}</a></td>
                    <td>${a[`${family}Name`]}</td>
                    <td>
                      ${can.run ? html`<button type="button" class="secondary" onClick=${() => check(id)}>Check ${a.name}</button>` : null}
                      ${result ? html` <span role="status"><${Status} value=${result.status} /> ${result.message || ""}</span>` : null}
                    </td>
                  </tr>`;
                })}
                ${rows.length === 0 ? html`<tr><td colspan="3">No ${words.many} yet.</td></tr>` : null}
              </tbody>
            </table>
          </div>
          <${Pager} paging=${paging} nextCursor=${list.data.nextCursor} total=${list.data.total} label=${words.Title} />`
      : null}
  </${Main}>`;
}

async function loadDefinitions(family) {
  if (family === "source") return (await api("source_definitions/list", {})).sourceDefinitions;
  return (await api("destination_definitions/list", {})).destinationDefinitions;
}

async function loadSpec(family, definitionId) {
  return family === "source"
    ? api("source_definition_specifications/get", { sourceDefinitionId: definitionId })
    : api("destination_definition_specifications/get", { destinationDefinitionId: definitionId });
}

async function loadActor(family, id) {
  return family === "source"
    ? api("sources/get", { sourceId: id })
    : api("destinations/get", { destinationId: id });
}

/// Creates (checking the connection first: `web_backend/*/create`) or updates an actor.
function saveActor(family, workspace, definitionId, actor, name, configuration) {
  if (family === "source") {
    return actor
      ? api("sources/update", { sourceId: actor.sourceId, name, connectionConfiguration: configuration, expectedVersion: actor.version })
      : api("web_backend/sources/create", { workspaceId: workspace.workspaceId, sourceDefinitionId: definitionId, name, connectionConfiguration: configuration });
  }
  return actor
    ? api("destinations/update", { destinationId: actor.destinationId, name, connectionConfiguration: configuration, expectedVersion: actor.version })
    : api("web_backend/destinations/create", { workspaceId: workspace.workspaceId, destinationDefinitionId: definitionId, name, connectionConfiguration: configuration });
}

/// The form of a new source or destination (`actorId` absent) or of an existing one.
export function ActorForm({ family, actorId, workspace, can }) {
  const words = WORDS[family];
  const definitionKey = `${family}DefinitionId`;
  const [definitionId, setDefinitionId] = useState("");
  const [name, setName] = useState("");
  const [configuration, setConfiguration] = useState({});
  const [actor, setActor] = useState(null);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(takeFlash);
  const [busy, setBusy] = useState(false);
  const [checkResult, setCheckResult] = useState(null);
  // The spec whose defaults `configuration` holds: a new form shows its fields only then, so
  // nobody (a quick user, or the browser test) sees an empty field the defaults fill a render
  // later, and types into it only to have the value replaced.
  const [seededBy, setSeededBy] = useState(null);

  const definitions = useLoad(() => loadDefinitions(family), [family]);
  const existing = useLoad(async () => {
    if (!actorId) return null;
    const read = await loadActor(family, actorId);
    setActor(read);
    setName(read.name);
    setConfiguration(read.connectionConfiguration);
    setDefinitionId(read[definitionKey]);
    return read;
  }, [family, actorId]);
  const spec = useLoad(async () => {
    if (!definitionId) return null;
    return loadSpec(family, definitionId);
  }, [family, definitionId]);

  const chooseDefinition = (id) => {
    setDefinitionId(id);
    setConfiguration({});
    setSeededBy(null);
    setErrors({});
    const chosen = (definitions.data || []).find((d) => d[definitionKey] === id);
    if (chosen && !name) setName(chosen.name);
  };
  // A new form starts from the spec's defaults.
  useEffect(() => {
    if (!actorId && spec.data) {
      setConfiguration((c) => withDefaults(spec.data.connectionSpecification, c));
      setSeededBy(spec.data);
    }
  }, [spec.data]);

  const save = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    setNotice(null);
    setCheckResult(null);
    try {
      const saved = await saveActor(family, workspace, definitionId, actor, name, configuration);
      const id = saved[`${family}Id`];
      if (actor) {
        setActor(saved);
        setConfiguration(saved.connectionConfiguration);
        setNotice(`Saved ${saved.name}.`);
      } else {
        go(`#/${words.many}/${id}`, `Created ${saved.name}: its connection check succeeded.`);
      }
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) setErrors(e.fieldErrors);
    } finally {
      setBusy(false);
    }
  };
  const check = async () => {
    setCheckResult({ status: "checking…" });
    try {
      setCheckResult(await checkActor(family, actor[`${family}Id`]));
    } catch (e) {
      setCheckResult(null);
      setError(e);
    }
  };

  const title = actor ? actor.name : `New ${words.one}`;
  const readOnly = !can.edit;
  const schema = spec.data && (actorId || seededBy === spec.data) ? spec.data.connectionSpecification : null;
  return html`<${Main} title=${title}>
    <p><a href=${`#/${words.many}`}>← ${words.Titles}</a></p>
    <${Notice} message=${notice} />
    <${ErrorBanner} error=${error} />
    <${Loading} state=${existing} />
    <${Loading} state=${definitions} />
    ${readOnly ? html`<p class="notice">Your role may read this ${words.one} but not change it.</p>` : null}
    <form onSubmit=${save} novalidate class="actor-form">
      <fieldset disabled=${readOnly || busy} class="plain">
        <div class="field">
          <label for="definition">Connector</label>
          <select id="definition" value=${definitionId} disabled=${!!actor}
            onChange=${(e) => chooseDefinition(e.target.value)} ...${errorProps(errors, definitionKey)}>
            <option value="">Choose a connector…</option>
            ${(definitions.data || []).map(
              (d) => html`<option value=${d[definitionKey]}>${d.name} (${d.dockerRepository}:${d.dockerImageTag})</option>`,
            )}
          </select>
          <${FieldError} errors=${errors} path=${definitionKey} />
        </div>
        <div class="field">
          <label for=${fieldId("name")}>Name<span class="required" aria-hidden="true"> *</span></label>
          <input id=${fieldId("name")} value=${name} aria-required="true" onInput=${(e) => setName(e.target.value)} ...${errorProps(errors, "name")} />
          <${FieldError} errors=${errors} path="name" />
        </div>
        <${Loading} state=${spec} />
        ${schema
          ? html`<h2>${schema.title || "Configuration"}</h2>
              <${SpecForm} schema=${schema} value=${configuration} onChange=${setConfiguration} errors=${errors} disabled=${readOnly || busy} />`
          : null}
      </fieldset>
      <div class="form-actions">
        ${!readOnly && schema
          ? html`<button type="submit" disabled=${busy}>${busy ? "Checking…" : actor ? "Save" : "Test and save"}</button>`
          : null}
        ${actor && can.run ? html`<button type="button" class="secondary" onClick=${check}>Check connection</button>` : null}
        ${checkResult ? html`<span role="status" data-testid="check-result"><${Status} value=${checkResult.status} /> ${checkResult.message || ""}</span>` : null}
      </div>
      ${!actor && !readOnly ? html`<p class="hint">Ferry runs the connector's check before it saves.</p>` : null}
    </form>
  </${Main}>`;
}

// ---------------------------------------------------------------------------------------
// A new connection

const TIME_UNITS = ["minutes", "hours", "days", "weeks", "months"];

export function NewConnectionPage({ workspace, can }) {
  const actors = useLoad(async () => {
    const body = { workspaceId: workspace.workspaceId, pageSize: 100, sortBy: "name" };
    const [sources, destinations] = await Promise.all([api("sources/list", body), api("destinations/list", body)]);
    return { sources: sources.sources, destinations: destinations.destinations };
  }, [workspace.workspaceId]);
  const [sourceId, setSourceId] = useState("");
  const [destinationId, setDestinationId] = useState("");
  const [name, setName] = useState("");
  const [streams, setStreams] = useState(null);
  const [scheduleType, setScheduleType] = useState("manual");
  const [units, setUnits] = useState("24");
  const [timeUnit, setTimeUnit] = useState("hours");
  const [cron, setCron] = useState("0 0 2 * * ?");
  const [timeZone, setTimeZone] = useState("UTC");
  const [error, setError] = useState(null);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);

  // Defaults once the lists arrive, as updates of the current value: this effect runs after
  // the render that showed the options, so a choice made in between must not be overwritten by
  // the value this closure saw (a quick user, or the browser test, then discovered the wrong
  // source).
  useEffect(() => {
    const data = actors.data;
    if (!data) return;
    if (data.sources[0]) setSourceId((current) => current || data.sources[0].sourceId);
    if (data.destinations[0]) setDestinationId((current) => current || data.destinations[0].destinationId);
  }, [actors.data]);

  const discover = async () => {
    setBusy(true);
    setError(null);
    setStreams(null);
    try {
      const found = await api("sources/discover_schema", { sourceId });
      setStreams(
        found.schema.streams.map((s) => ({
          ...s,
          selected: s.selected !== false,
          syncMode: s.syncMode || (s.supportedSyncModes || ["full_refresh"])[0],
        })),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const change = (i, patch) => setStreams(streams.map((s, j) => (i === j ? { ...s, ...patch } : s)));

  const create = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const selected = streams.filter((s) => s.selected);
      const body = {
        sourceId,
        destinationId,
        name: name.trim() || undefined,
        status: "active",
        syncMode: selected.length && selected.every((s) => s.syncMode === "incremental") ? "incremental" : "full_refresh",
        syncSchema: {
          streams: streams.map((s) => ({
            ...s,
            cursorField: s.syncMode === "incremental" ? s.cursorField || s.defaultCursorField || [] : s.cursorField,
          })),
        },
        scheduleType,
      };
      if (scheduleType === "basic") body.scheduleData = { basicSchedule: { units: Number(units), timeUnit } };
      if (scheduleType === "cron") body.scheduleData = { cron: { cronExpression: cron, cronTimeZone: timeZone } };
      const created = await api("connections/create", body);
      go(`#/connections/${created.connectionId}`);
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) setErrors(e.fieldErrors);
    } finally {
      setBusy(false);
    }
  };

  if (!can.edit) {
    return html`<${Main} title="New connection"><p class="notice">Your role may not create connections here.</p></${Main}>`;
  }
  const data = actors.data;
  return html`<${Main} title="New connection">
    <p><a href="#/connections">← Connections</a></p>
    <${ErrorBanner} error=${error} />
    <${Loading} state=${actors} />
    ${data && (data.sources.length === 0 || data.destinations.length === 0)
      ? html`<p class="notice">A connection needs a source and a destination:
          <a href="#/sources/new">new source</a>, <a href="#/destinations/new">new destination</a>.</p>`
      : null}
    ${data
      ? html`<form onSubmit=${create} novalidate>
          <fieldset class="plain" disabled=${busy}>
            <div class="field">
              <label for=${fieldId("sourceId")}>Source</label>
              <select id=${fieldId("sourceId")} value=${sourceId} onChange=${(e) => { setSourceId(e.target.value); setStreams(null); }} ...${errorProps(errors, "sourceId")}>
                ${data.sources.map((s) => html`<option value=${s.sourceId}>${s.name} (${s.sourceName})</option>`)}
              </select>
              <${FieldError} errors=${errors} path="sourceId" />
            </div>
            <div class="field">
              <label for=${fieldId("destinationId")}>Destination</label>
              <select id=${fieldId("destinationId")} value=${destinationId} onChange=${(e) => setDestinationId(e.target.value)} ...${errorProps(errors, "destinationId")}>
                ${data.destinations.map((d) => html`<option value=${d.destinationId}>${d.name} (${d.destinationName})</option>`)}
              </select>
              <${FieldError} errors=${errors} path="destinationId" />
            </div>
            <div class="field">
              <label for=${fieldId("name")}>Name</label>
              <input id=${fieldId("name")} value=${name} placeholder="source → destination" onInput=${(e) => setName(e.target.value)} ...${errorProps(errors, "name")} />
              <${FieldError} errors=${errors} path="name" />
            </div>
            <button type="button" class="secondary" onClick=${discover} disabled=${!sourceId || busy}>Discover streams</button>
            ${streams
              ? html`<h2>Streams</h2>
                  <div class="table-wrap" tabindex="0" role="region" aria-label="Streams to sync">
                    <table>
                      <thead><tr><th scope="col">Sync</th><th scope="col">Stream</th><th scope="col">Sync mode</th></tr></thead>
                      <tbody>
                        ${streams.map(
                          (s, i) => html`<tr key=${s.name}>
                            <td><input type="checkbox" id=${`stream-${i}`} checked=${s.selected} onChange=${(e) => change(i, { selected: e.target.checked })} />
                              <label for=${`stream-${i}`} class="visually-hidden">Sync stream ${s.name}</label></td>
                            <td>${s.name}</td>
                            <td><label for=${`mode-${i}`} class="visually-hidden">Sync mode of ${s.name}</label>
                              <select id=${`mode-${i}`} value=${s.syncMode} onChange=${(e) => change(i, { syncMode: e.target.value })}>
                                ${(s.supportedSyncModes || ["full_refresh"]).map((m) => html`<option value=${m}>${m.replace("_", " ")}</option>`)}
                              </select></td>
                          </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>
                  <${FieldError} errors=${errors} path="syncSchema" />
                  <fieldset class="group">
                    <legend>Schedule</legend>
                    <div class="field">
                      <label for="schedule-type">Runs</label>
                      <select id="schedule-type" value=${scheduleType} onChange=${(e) => setScheduleType(e.target.value)}>
                        <option value="manual">Manually (Sync now)</option>
                        <option value="basic">Every…</option>
                        <option value="cron">On a cron schedule</option>
                      </select>
                    </div>
                    ${scheduleType === "basic"
                      ? html`<div class="inline">
                          <div class="field">
                            <label for=${fieldId("scheduleData.basicSchedule.units")}>Every</label>
                            <input type="number" min="1" id=${fieldId("scheduleData.basicSchedule.units")} value=${units}
                              onInput=${(e) => setUnits(e.target.value)} ...${errorProps(errors, "scheduleData.basicSchedule.units")} />
                            <${FieldError} errors=${errors} path="scheduleData.basicSchedule.units" />
                          </div>
                          <div class="field">
                            <label for="time-unit">Unit</label>
                            <select id="time-unit" value=${timeUnit} onChange=${(e) => setTimeUnit(e.target.value)}>
                              ${TIME_UNITS.map((u) => html`<option value=${u}>${u}</option>`)}
                            </select>
                          </div>
                        </div>`
                      : null}
                    ${scheduleType === "cron"
                      ? html`<div class="inline">
                          <div class="field">
                            <label for=${fieldId("scheduleData.cron.cronExpression")}>Cron expression (Quartz)</label>
                            <input id=${fieldId("scheduleData.cron.cronExpression")} value=${cron} onInput=${(e) => setCron(e.target.value)}
                              ...${errorProps(errors, "scheduleData.cron.cronExpression")} />
                            <${FieldError} errors=${errors} path="scheduleData.cron.cronExpression" />
                          </div>
                          <div class="field">
                            <label for=${fieldId("scheduleData.cron.cronTimeZone")}>Time zone</label>
                            <input id=${fieldId("scheduleData.cron.cronTimeZone")} value=${timeZone} onInput=${(e) => setTimeZone(e.target.value)}
                              ...${errorProps(errors, "scheduleData.cron.cronTimeZone")} />
                            <${FieldError} errors=${errors} path="scheduleData.cron.cronTimeZone" />
                          </div>
                        </div>`
                      : null}
                  </fieldset>
                  <div class="form-actions"><button type="submit" disabled=${busy}>Create connection</button></div>`
              : null}
          </fieldset>
        </form>`
      : null}
  </${Main}>`;
}
