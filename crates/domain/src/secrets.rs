//! Secrets in connector configurations: the values a spec marks `airbyte_secret: true`
//! (in nested objects, arrays and `oneOf`/`anyOf`/`allOf` options too). Reads return them as
//! [`MASK`]; an update that sends the mask back keeps the stored value.

use serde_json::Value;

/// What every read shows in place of a secret.
pub const MASK: &str = "**********";

/// A path from a configuration's root: object keys and array indexes.
pub type SecretPath = Vec<String>;

/// The paths of the values in `config` that `spec` (a JSON Schema) marks secret.
pub fn secret_paths(spec: &Value, config: &Value) -> Vec<SecretPath> {
    let mut paths = Vec::new();
    walk(&[spec], config, &mut Vec::new(), &mut paths);
    paths
}

fn walk(schemas: &[&Value], value: &Value, path: &mut Vec<String>, out: &mut Vec<SecretPath>) {
    let schemas = expand_options(schemas);
    if !value.is_null()
        && schemas
            .iter()
            .any(|s| s["airbyte_secret"] == Value::Bool(true))
    {
        out.push(path.clone());
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let children: Vec<&Value> = schemas
                    .iter()
                    .filter_map(|s| s.get("properties").and_then(|p| p.get(key)))
                    .collect();
                if !children.is_empty() {
                    path.push(key.clone());
                    walk(&children, child, path, out);
                    path.pop();
                }
            }
        }
        Value::Array(items) => {
            let children: Vec<&Value> = schemas.iter().filter_map(|s| s.get("items")).collect();
            if !children.is_empty() {
                for (index, child) in items.iter().enumerate() {
                    path.push(index.to_string());
                    walk(&children, child, path, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// A schema with the options of its `oneOf`, `anyOf` and `allOf`, recursively: a value is
/// secret when any option that could describe it says so.
fn expand_options<'a>(schemas: &[&'a Value]) -> Vec<&'a Value> {
    let mut all = Vec::new();
    let mut pending: Vec<&Value> = schemas.to_vec();
    while let Some(schema) = pending.pop() {
        all.push(schema);
        for combinator in ["oneOf", "anyOf", "allOf"] {
            if let Some(options) = schema.get(combinator).and_then(Value::as_array) {
                pending.extend(options.iter());
            }
        }
    }
    all
}

fn get_mut<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |node, key| match node {
        Value::Object(map) => map.get_mut(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

fn get<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |node, key| match node {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// The value at `path`, if there is one.
pub fn value_at<'a>(config: &'a Value, path: &[String]) -> Option<&'a Value> {
    get(config, path)
}

/// Replaces the value at `path` (which must exist); false when there is none.
pub fn set_at(config: &mut Value, path: &[String], value: Value) -> bool {
    match get_mut(config, path) {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

/// Sets the value at `path`, adding the last key to its object when it is missing; false
/// when the path leads nowhere.
pub fn insert_at(config: &mut Value, path: &[String], value: Value) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match get_mut(config, parent) {
        Some(Value::Object(map)) => {
            map.insert(last.clone(), value);
            true
        }
        Some(Value::Array(items)) => {
            match last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(item) => {
                    *item = value;
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

/// Removes the value at `path`: an object's key is dropped, an array item becomes null (so
/// that the other items keep their indexes).
pub fn remove_at(config: &mut Value, path: &[String]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    match get_mut(config, parent) {
        Some(Value::Object(map)) => {
            map.remove(last);
        }
        Some(Value::Array(items)) => {
            if let Some(item) = last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

/// `config` with every secret replaced by the mask.
pub fn mask(config: &Value, paths: &[SecretPath]) -> Value {
    let mut masked = config.clone();
    for path in paths {
        if let Some(value) = get_mut(&mut masked, path) {
            *value = Value::String(MASK.to_string());
        }
    }
    masked
}

/// `incoming` with each secret that came back as the mask replaced by the stored value.
/// Returns the path of a mask that has no stored value to stand for, if any.
pub fn restore(
    incoming: &mut Value,
    stored: &Value,
    paths: &[SecretPath],
) -> Result<(), SecretPath> {
    for path in paths {
        let masked = get(incoming, path).is_some_and(|v| v == MASK);
        if masked {
            let original = get(stored, path).cloned().ok_or_else(|| path.clone())?;
            if let Some(slot) = get_mut(incoming, path) {
                *slot = original;
            }
        }
    }
    Ok(())
}

/// A path as the API names properties: `connectionConfiguration.tunnel.password`.
pub fn property_path(prefix: &str, path: &[String]) -> String {
    path.iter().fold(prefix.to_string(), |mut out, key| {
        if key.parse::<usize>().is_ok() {
            out.push_str(&format!("[{key}]"));
        } else {
            out.push('.');
            out.push_str(key);
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "type": "object",
            "properties": {
                "host": {"type": "string"},
                "password": {"type": "string", "airbyte_secret": true},
                "tunnel": {
                    "oneOf": [
                        {"properties": {"method": {"const": "none"}}},
                        {"properties": {"method": {"const": "key"}, "ssh_key": {"type": "string", "airbyte_secret": true}}}
                    ]
                },
                "extra_keys": {"type": "array", "items": {"type": "object", "properties": {
                    "token": {"type": "string", "airbyte_secret": true}, "label": {"type": "string"}
                }}}
            }
        })
    }

    fn config() -> Value {
        json!({
            "host": "db", "password": "hunter2",
            "tunnel": {"method": "key", "ssh_key": "-----BEGIN"},
            "extra_keys": [{"token": "t1", "label": "a"}, {"label": "b"}],
            "unknown": {"password": "not in the spec"}
        })
    }

    #[test]
    fn secrets_are_found_in_nested_objects_arrays_and_options() {
        let mut paths = secret_paths(&spec(), &config());
        paths.sort();
        assert_eq!(
            paths,
            vec![
                vec!["extra_keys".to_string(), "0".into(), "token".into()],
                vec!["password".to_string()],
                vec!["tunnel".to_string(), "ssh_key".into()],
            ]
        );
    }

    #[test]
    fn masking_and_restoring() {
        let paths = secret_paths(&spec(), &config());
        let masked = mask(&config(), &paths);
        assert_eq!(masked["password"], MASK);
        assert_eq!(masked["tunnel"]["ssh_key"], MASK);
        assert_eq!(masked["extra_keys"][0]["token"], MASK);
        assert_eq!(masked["host"], "db");
        assert!(!masked.to_string().contains("hunter2"));
        // Sending the masks back keeps the stored values; a new value replaces one.
        let mut incoming = masked.clone();
        incoming["tunnel"]["ssh_key"] = json!("new key");
        let incoming_paths = secret_paths(&spec(), &incoming);
        restore(&mut incoming, &config(), &incoming_paths).unwrap();
        assert_eq!(incoming["password"], "hunter2");
        assert_eq!(incoming["tunnel"]["ssh_key"], "new key");
        assert_eq!(incoming["extra_keys"][0]["token"], "t1");
        // A mask with nothing stored behind it is an error naming its path.
        let mut orphan = json!({"password": MASK});
        let error = restore(&mut orphan, &json!({}), &[vec!["password".to_string()]]).unwrap_err();
        assert_eq!(
            property_path("connectionConfiguration", &error),
            "connectionConfiguration.password"
        );
        assert_eq!(
            property_path("c", &["a".into(), "0".into(), "b".into()]),
            "c.a[0].b"
        );
    }
}
