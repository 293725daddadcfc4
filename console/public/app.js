// The console's shell: who is signed in, the current workspace and the caller's role in it,
// and which page the address (`#/connections`, `#/jobs/12`, ...) shows.

import { html, render, useEffect, useState, useCallback } from "./vendor/htm-preact-standalone.mjs";
import { api, ApiError, currentToken, onUnauthorized, setToken, tokenUser } from "./api.js";
import {
  ActorForm,
  ActorsPage,
  ConnectionPage,
  ConnectionsPage,
  ErrorBanner,
  JobPage,
  NewConnectionPage,
  WorkspacesPage,
} from "./pages.js";

const WORKSPACE_KEY = "ferry.console.workspace";

/// Each workspace role and the roles it includes, strongest first.
const WORKSPACE_ROLES = ["workspace_admin", "workspace_editor", "workspace_runner", "workspace_reader"];

/// What a role may do, as docs/API-DESIGN.md's table says.
export function abilities(role) {
  const rank = role === "instance_admin" ? 0 : WORKSPACE_ROLES.indexOf(role);
  const has = (needed) => rank >= 0 && rank <= WORKSPACE_ROLES.indexOf(needed);
  return {
    read: has("workspace_reader"),
    run: has("workspace_runner"),
    edit: has("workspace_editor"),
    admin: has("workspace_admin"),
  };
}

function roleName(role) {
  if (!role) return "no role";
  return role.replace(/_/g, " ");
}

function useRoute() {
  const read = () => (location.hash.replace(/^#\/?/, "") || "connections").split("/");
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

function SignIn({ onSignedIn, notice }) {
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setToken(null);
    try {
      const answer = await api("applications/token", { client_id: clientId.trim(), client_secret: clientSecret });
      setToken(answer.access_token);
      onSignedIn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="signin">
    <h1 tabindex="-1">Sign in to Ferry</h1>
    <p>Authentication is on. Sign in with an application's client credentials
      (<code>applications/create</code>, or <code>ferry applications create</code>).</p>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    <${ErrorBanner} error=${error} />
    <form onSubmit=${submit} novalidate>
      <div class="field">
        <label for="client-id">Client id</label>
        <input id="client-id" name="client_id" autocomplete="username" value=${clientId}
          onInput=${(e) => setClientId(e.target.value)} required aria-required="true" />
      </div>
      <div class="field">
        <label for="client-secret">Client secret</label>
        <input id="client-secret" name="client_secret" type="password" autocomplete="current-password"
          value=${clientSecret} onInput=${(e) => setClientSecret(e.target.value)} required aria-required="true" />
      </div>
      <button type="submit" disabled=${busy}>${busy ? "Signing in…" : "Sign in"}</button>
    </form>
  </main>`;
}

/// The caller: `{authOn, userId, user, instanceAdmin}`; null while unknown.
async function whoAmI() {
  const token = currentToken();
  const userId = token ? tokenUser(token) : null;
  if (!userId) {
    // No token: this works only with auth off, where every call acts as the administrator.
    await api("workspaces/list", { pageSize: 1 });
    return { authOn: false, userId: null, user: null, instanceAdmin: true };
  }
  const [user, permissions] = await Promise.all([
    api("users/get", { userId }),
    api("permissions/list_by_user", { userId }),
  ]);
  const instanceAdmin = permissions.permissions.some((p) => p.permissionType === "instance_admin");
  return { authOn: true, userId, user, instanceAdmin };
}

/// The caller's strongest role in a workspace (permissions/check decides, so organization
/// roles count as the server counts them).
async function roleIn(session, workspaceId) {
  if (session.instanceAdmin) return "instance_admin";
  const checks = await Promise.all(
    WORKSPACE_ROLES.map((permissionType) =>
      api("permissions/check", { permissionType, userId: session.userId, workspaceId }),
    ),
  );
  const held = WORKSPACE_ROLES.filter((_, i) => checks[i].status === "succeeded");
  return held[0] || null;
}

/// The workspace to show first: the last one picked, if the caller still sees it, else the
/// first the caller sees.
async function firstWorkspace() {
  const remembered = localStorage.getItem(WORKSPACE_KEY);
  if (remembered) {
    try {
      const workspace = await api("workspaces/get", { workspaceId: remembered });
      if (!workspace.tombstone) return workspace;
    } catch (e) {
      if (!(e instanceof ApiError) || e.status === 401) throw e;
    }
  }
  const list = await api("workspaces/list", { pageSize: 1 });
  return list.workspaces[0] || null;
}

function Header({ session, workspace, role, onSignOut, section }) {
  const link = (name, label) =>
    html`<li><a href=${`#/${name}`} aria-current=${section === name ? "page" : undefined}>${label}</a></li>`;
  const who = session.authOn
    ? `${session.user.name} (${session.user.email})`
    : "Instance administrator (authentication is off)";
  return html`<header class="top">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
    <div class="brand"><img src="favicon.svg" alt="" width="24" height="24" /> Ferry</div>
    <nav aria-label="Main">
      <ul>
        ${link("workspaces", "Workspaces")} ${link("connections", "Connections")}
        ${link("sources", "Sources")} ${link("destinations", "Destinations")}
      </ul>
    </nav>
    <div class="who" aria-label="Signed in">
      <span class="user" data-testid="signed-in-user">${who}</span>
      ${workspace
        ? html`<span class="role" data-testid="role">${roleName(role)} in <a href="#/workspaces">${workspace.name}</a></span>`
        : null}
      ${session.authOn ? html`<button type="button" class="link" onClick=${onSignOut}>Sign out</button>` : null}
    </div>
  </header>`;
}

function Page({ route, context }) {
  const [first, second] = route;
  if (!context.workspace && first !== "workspaces") {
    return html`<main id="main" tabindex="-1"><h1>No workspace</h1>
      <p>You see no workspace yet. <a href="#/workspaces">Workspaces</a></p></main>`;
  }
  switch (first) {
    case "workspaces":
      return html`<${WorkspacesPage} ...${context} />`;
    case "connections":
      if (second === "new") return html`<${NewConnectionPage} ...${context} />`;
      if (second) return html`<${ConnectionPage} key=${second} connectionId=${second} ...${context} />`;
      return html`<${ConnectionsPage} ...${context} />`;
    case "jobs":
      return html`<${JobPage} key=${second} jobId=${Number(second)} ...${context} />`;
    case "sources":
    case "destinations": {
      const family = first === "sources" ? "source" : "destination";
      if (second === "new") return html`<${ActorForm} key=${`${family}-new`} family=${family} ...${context} />`;
      if (second) return html`<${ActorForm} key=${second} family=${family} actorId=${second} ...${context} />`;
      return html`<${ActorsPage} key=${family} family=${family} ...${context} />`;
    }
    default:
      return html`<main id="main" tabindex="-1"><h1>Not found</h1><p>No page at this address. <a href="#/connections">Connections</a></p></main>`;
  }
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState(null);
  const [signIn, setSignIn] = useState(null);
  const [workspace, setWorkspaceState] = useState(null);
  const [role, setRole] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(true);

  const start = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      const me = await whoAmI();
      const chosen = await firstWorkspace();
      const held = chosen ? await roleIn(me, chosen.workspaceId) : null;
      setSession(me);
      setWorkspaceState(chosen);
      setRole(held);
      setSignIn(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setSession(null);
        setSignIn({ notice: currentToken() ? "Your session ended; sign in again." : null });
        setToken(null);
      } else {
        setError(e);
      }
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    onUnauthorized(() => {
      setToken(null);
      setSession(null);
      setSignIn({ notice: "Your session ended; sign in again." });
    });
    start();
  }, []);

  // Each page's heading takes the focus, so keyboard and screen reader users land on it.
  useEffect(() => {
    const heading = document.querySelector("main h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: false });
      document.title = `${heading.textContent} · Ferry`;
    }
  }, [route.join("/"), loading, signIn, workspace && workspace.workspaceId]);

  const chooseWorkspace = async (next) => {
    localStorage.setItem(WORKSPACE_KEY, next.workspaceId);
    const held = await roleIn(session, next.workspaceId);
    setWorkspaceState(next);
    setRole(held);
  };

  const signOut = () => {
    setToken(null);
    setSession(null);
    setWorkspaceState(null);
    setSignIn({ notice: "Signed out." });
  };

  if (loading) return html`<main id="main" aria-busy="true"><p>Loading…</p></main>`;
  if (signIn) return html`<${SignIn} notice=${signIn.notice} onSignedIn=${start} />`;
  if (!session) {
    return html`<main id="main"><h1>Ferry console</h1><${ErrorBanner} error=${error} />
      <button type="button" onClick=${start}>Try again</button></main>`;
  }
  const context = {
    session,
    workspace,
    role,
    can: abilities(role),
    setWorkspace: chooseWorkspace,
    updateWorkspace: setWorkspaceState,
  };
  return html`<div class="shell">
    <${Header} session=${session} workspace=${workspace} role=${role} onSignOut=${signOut} section=${route[0]} />
    <${Page} route=${route} context=${context} />
  </div>`;
}

render(html`<${App} />`, document.getElementById("app"));
