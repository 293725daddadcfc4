// The console's one door to Ferry: every call is `POST /api/v1/<operation>` of the public
// API (docs/openapi.json), with the signed-in caller's token. Call sites name the operation
// as a string literal, `api("workspaces/list", body)`, so a test can list every operation
// the console uses and check each against the document (crates/api/tests/api/console.rs).

const TOKEN_KEY = "ferry.console.token";

/// A refusal from Ferry: its status and the error envelope (docs/API-DESIGN.md, "Errors").
export class ApiError extends Error {
  constructor(status, envelope) {
    super((envelope && envelope.message) || `Ferry answered ${status}`);
    this.status = status;
    this.envelope = envelope || {};
  }

  /// The validation errors by `propertyPath` (each a list of messages).
  get fieldErrors() {
    const out = {};
    for (const violation of this.envelope.validationErrors || []) {
      (out[violation.propertyPath] ||= []).push(violation.message);
    }
    return out;
  }
}

export function currentToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let unauthorizedListener = () => {};

/// Called when Ferry answers 401 (no token, or one that expired or was revoked).
export function onUnauthorized(listener) {
  unauthorizedListener = listener;
}

export async function api(operation, body) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const token = currentToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`/api/v1/${operation}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body ?? {}),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, { message: `Ferry could not be reached (${error.message})` });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const envelope = data && typeof data === "object" ? data : { message: text || response.statusText };
    // A token Ferry no longer accepts (expired, or its application deleted) ends the session.
    if (response.status === 401 && token) unauthorizedListener(envelope);
    throw new ApiError(response.status, envelope);
  }
  return data;
}

/// The user id (`sub`) an access token names, or null.
export function tokenUser(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
    return JSON.parse(atob(padded)).sub || null;
  } catch {
    return null;
  }
}
