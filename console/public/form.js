// A form generated from a connector's spec (its connectionSpecification, a JSON Schema):
// required fields, enums, defaults, oneOf choices (an SSH tunnel method, say), and secrets
// (`airbyte_secret`) as password fields, which read back as Ferry's mask `**********` and are
// sent back as it to keep the stored secret. Errors sit beside the field their
// `propertyPath` names (`connectionConfiguration.tunnel_method.ssh_key`).

import { html } from "./vendor/htm-preact-standalone.mjs";

/// The first type a schema allows besides null.
function typeOf(schema) {
  if (!schema) return undefined;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type) return type;
  if (schema.properties) return "object";
  if (schema.enum) return "string";
  return undefined;
}

/// An id usable in HTML for a property path.
export function fieldId(path) {
  return "field-" + path.replace(/[^A-Za-z0-9_-]/g, "_");
}

function ordered(properties) {
  return Object.entries(properties || {}).sort(
    ([, a], [, b]) => (a.order ?? Number.MAX_SAFE_INTEGER) - (b.order ?? Number.MAX_SAFE_INTEGER),
  );
}

/// The properties of a oneOf option that only name the option (`"const"` or a one-value
/// enum): set by the choice, never shown.
function constants(option) {
  const out = {};
  for (const [name, schema] of Object.entries(option.properties || {})) {
    if (schema.const !== undefined) out[name] = schema.const;
    else if (Array.isArray(schema.enum) && schema.enum.length === 1) out[name] = schema.enum[0];
  }
  return out;
}

/// Which option of a oneOf a value is (its constants match), or 0.
function chosenOption(options, value) {
  const index = options.findIndex((option) => {
    const fixed = constants(option);
    const keys = Object.keys(fixed);
    return keys.length > 0 && value && keys.every((key) => value[key] === fixed[key]);
  });
  return index < 0 ? 0 : index;
}

/// `value` with the schema's defaults filled in where nothing is set (and the first choice
/// of each oneOf taken).
export function withDefaults(schema, value) {
  if (!schema) return value;
  if (Array.isArray(schema.oneOf) && schema.oneOf.length > 0) {
    const option = schema.oneOf[chosenOption(schema.oneOf, value)];
    return withDefaults({ ...option, type: "object" }, { ...(value || {}), ...constants(option) });
  }
  if (typeOf(schema) === "object" && schema.properties) {
    const out = { ...(value || {}) };
    for (const [name, property] of Object.entries(schema.properties)) {
      if (out[name] === undefined) {
        if (property.default !== undefined) out[name] = property.default;
        else if (property.oneOf || (typeOf(property) === "object" && property.properties)) {
          const nested = withDefaults(property, undefined);
          if (nested && Object.keys(nested).length > 0) out[name] = nested;
        }
      } else if (property.oneOf || typeOf(property) === "object") {
        out[name] = withDefaults(property, out[name]);
      }
    }
    return out;
  }
  return value === undefined ? schema.default : value;
}

function set(object, key, value) {
  const out = { ...(object || {}) };
  if (value === undefined) delete out[key];
  else out[key] = value;
  return out;
}

/// Errors for a path: its own messages.
function ErrorText({ id, messages, path }) {
  if (!messages || messages.length === 0) return null;
  return html`<p class="field-error" id=${id} data-property-path=${path}>${messages.join("; ")}</p>`;
}

function describedBy(...ids) {
  const list = ids.filter(Boolean);
  return list.length ? list.join(" ") : undefined;
}

function Field({ schema, name, path, value, onChange, required, errors, disabled }) {
  const id = fieldId(path);
  const label = schema.title || name;
  const messages = errors[path];
  const errorId = messages ? `${id}-error` : null;
  const hintId = schema.description ? `${id}-hint` : null;
  const common = {
    id,
    name: path,
    disabled,
    "aria-invalid": messages ? "true" : undefined,
    "aria-required": required ? "true" : undefined,
    "aria-describedby": describedBy(hintId, errorId),
  };
  const labelText = html`${label}${required ? html`<span class="required" aria-hidden="true"> *</span>` : null}`;
  const hint = hintId ? html`<small class="hint" id=${hintId}>${schema.description}</small>` : null;
  const error = html`<${ErrorText} id=${errorId} messages=${messages} path=${path} />`;

  if (Array.isArray(schema.oneOf) && schema.oneOf.length > 0) {
    const options = schema.oneOf;
    const index = chosenOption(options, value);
    const option = options[index];
    const choose = (event) => {
      const next = options[Number(event.target.value)];
      onChange(withDefaults({ ...next, type: "object" }, constants(next)));
    };
    return html`<fieldset class="group">
      <legend>${labelText}</legend>
      ${hint}
      <div class="field">
        <label for=${id}>${label}: method</label>
        <select ...${common} value=${String(index)} onChange=${choose}>
          ${options.map((o, i) => html`<option value=${String(i)}>${o.title || Object.values(constants(o))[0] || `Option ${i + 1}`}</option>`)}
        </select>
        ${error}
      </div>
      <${Properties}
        schema=${option}
        path=${path}
        value=${value}
        onChange=${onChange}
        errors=${errors}
        disabled=${disabled}
        skip=${Object.keys(constants(option))}
      />
    </fieldset>`;
  }

  const type = typeOf(schema);
  if (type === "object" && schema.properties) {
    return html`<fieldset class="group">
      <legend>${labelText}</legend>
      ${hint} ${error}
      <${Properties} schema=${schema} path=${path} value=${value} onChange=${onChange} errors=${errors} disabled=${disabled} />
    </fieldset>`;
  }

  if (type === "boolean") {
    return html`<div class="field checkbox">
      <input type="checkbox" ...${common} checked=${value === true} onChange=${(e) => onChange(e.target.checked)} />
      <label for=${id}>${labelText}</label>
      ${hint} ${error}
    </div>`;
  }

  let control;
  if (Array.isArray(schema.enum)) {
    control = html`<select ...${common} value=${value === undefined ? "" : String(value)}
        onChange=${(e) => {
          const chosen = schema.enum.find((v) => String(v) === e.target.value);
          onChange(chosen);
        }}>
      ${required && value !== undefined ? null : html`<option value="">(none)</option>`}
      ${schema.enum.map((v) => html`<option value=${String(v)}>${String(v)}</option>`)}
    </select>`;
  } else if (type === "integer" || type === "number") {
    control = html`<input type="number" inputmode=${type === "integer" ? "numeric" : "decimal"}
      step=${type === "integer" ? "1" : "any"} min=${schema.minimum} max=${schema.maximum} ...${common}
      value=${value ?? ""}
      onInput=${(e) => {
        const text = e.target.value.trim();
        onChange(text === "" ? undefined : Number(text));
      }} />`;
  } else if (type === "array" && (!schema.items || typeOf(schema.items) === "string")) {
    control = html`<textarea rows="3" ...${common}
      value=${Array.isArray(value) ? value.join("\n") : ""}
      onInput=${(e) => {
        const items = e.target.value.split("\n").map((s) => s.trim()).filter(Boolean);
        onChange(items.length ? items : undefined);
      }}></textarea>`;
  } else if (type === "string" || type === undefined) {
    const secret = schema.airbyte_secret === true;
    const examples = Array.isArray(schema.examples) ? schema.examples : [];
    const props = {
      ...common,
      value: value ?? "",
      placeholder: examples.length ? String(examples[0]) : undefined,
      autocomplete: secret ? "new-password" : "off",
      onInput: (e) => onChange(e.target.value === "" ? undefined : e.target.value),
    };
    control = schema.multiline
      ? html`<textarea rows="4" ...${props}></textarea>`
      : html`<input type=${secret ? "password" : "text"} ...${props} />`;
  } else {
    // Anything else (an array of objects, say) as JSON text.
    control = html`<textarea rows="4" class="json" ...${common}
      value=${value === undefined ? "" : JSON.stringify(value, null, 2)}
      onChange=${(e) => {
        try {
          onChange(e.target.value.trim() === "" ? undefined : JSON.parse(e.target.value));
        } catch {
          onChange(e.target.value);
        }
      }}></textarea>`;
  }
  return html`<div class="field">
    <label for=${id}>${labelText}</label>
    ${control} ${hint} ${error}
  </div>`;
}

function Properties({ schema, path, value, onChange, errors, disabled, skip = [] }) {
  const required = new Set(schema.required || []);
  return html`${ordered(schema.properties)
    .filter(([name]) => !skip.includes(name))
    .map(
      ([name, property]) => html`<${Field}
        key=${name}
        schema=${property}
        name=${name}
        path=${`${path}.${name}`}
        value=${value ? value[name] : undefined}
        required=${required.has(name)}
        errors=${errors}
        disabled=${disabled}
        onChange=${(next) => onChange(set(value, name, next))}
      />`,
    )}`;
}

/// The whole form for a connection specification; `value` is the configuration object.
export function SpecForm({ schema, value, onChange, errors = {}, disabled = false }) {
  const path = "connectionConfiguration";
  const own = errors[path];
  return html`<div class="spec-form">
    ${own ? html`<${ErrorText} id="connectionConfiguration-error" messages=${own} path=${path} />` : null}
    <${Properties} schema=${schema} path=${path} value=${value} onChange=${onChange} errors=${errors} disabled=${disabled} />
  </div>`;
}
