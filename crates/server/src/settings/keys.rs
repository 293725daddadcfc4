//! Which configuration keys exist, so that a typo is an error at start rather than a setting
//! that silently keeps its default.
//!
//! The built-in defaults (config/default.toml) hold every key Ferry reads, so they are the list
//! of known keys: a key in the configuration file or a `FERRY_<SECTION>__<KEY>` variable that is
//! not among them is refused with the closest known one. A table that is empty in the defaults
//! (`connectors.commands`, `connectors.container.labels`) is a map whose keys the operator
//! chooses, so anything under it is accepted.

use figment::value::{Dict, Value};
use figment::Figment;

/// `FERRY_*` variables that are not settings: the configuration file's path and the new key of
/// `ferry secrets rotate`, which ferry reads itself; the commit a build is stamped with
/// (build.rs); docker-compose.yml's inputs, which an operator exports in the same shell; and
/// the test suite's and benchmarks' own knobs, which a ferry started by them inherits.
const NOT_SETTINGS: [&str; 6] = [
    "FERRY_CONFIG",
    "FERRY_SECRETS_NEW_KEY",
    "FERRY_COMMIT",
    "FERRY_ADMIN_USER",
    "FERRY_ADMIN_PASSWORD",
    "FERRY_SECRETS_KEY",
];
const NOT_SETTINGS_PREFIXES: [&str; 3] = ["FERRY_TEST_", "FERRY_BENCH_", "FERRY_FUZZ_"];

/// The dotted keys of the defaults, and which of them are open maps.
pub struct KnownKeys {
    keys: Vec<String>,
    open_maps: Vec<String>,
}

impl KnownKeys {
    pub fn of(defaults: &Dict) -> Self {
        let mut known = KnownKeys {
            keys: Vec::new(),
            open_maps: Vec::new(),
        };
        known.collect("", defaults);
        known
    }

    fn collect(&mut self, prefix: &str, dict: &Dict) {
        for (name, value) in dict {
            let key = join(prefix, name);
            if let Value::Dict(_, inner) = value {
                if inner.is_empty() {
                    self.open_maps.push(key.clone());
                }
                self.collect(&key, inner);
            }
            self.keys.push(key);
        }
    }

    fn accepts(&self, key: &str) -> bool {
        self.keys.iter().any(|known| known == key)
            || self.open_maps.iter().any(|map| {
                key.strip_prefix(map.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
            })
    }

    /// The known key nearest to `key` by edit distance.
    fn closest(&self, key: &str) -> &str {
        self.keys
            .iter()
            .min_by_key(|known| strsim::levenshtein(known, key))
            .map_or("", String::as_str)
    }

    /// Every key of `effective` (the merged configuration) that is not known, as a message
    /// naming where it came from and the closest known key; the first one only, as an operator
    /// fixes one at a time.
    pub fn check(&self, figment: &Figment, effective: &Dict) -> Result<(), String> {
        match self.first_unknown("", effective) {
            None => Ok(()),
            Some(key) => {
                let origin = origin(figment, &key);
                Err(format!(
                    "unknown setting `{key}`{origin}; did you mean `{}`? (config/default.toml \
                     lists every setting)",
                    self.closest(&key)
                ))
            }
        }
    }

    fn first_unknown(&self, prefix: &str, dict: &Dict) -> Option<String> {
        dict.iter().find_map(|(name, value)| {
            let key = join(prefix, name);
            if !self.accepts(&key) {
                return Some(key);
            }
            match value {
                Value::Dict(_, inner) => self.first_unknown(&key, inner),
                _ => None,
            }
        })
    }

    /// A `FERRY_` variable that cannot be a setting, since a setting's name has a section and a
    /// key (`FERRY_DATABASE__URL`), and that is none of the variables ferry or its tests read
    /// otherwise: `FERRY_DATABASE_URL`, say.
    pub fn check_variables<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        for name in names {
            let Some(rest) = name.strip_prefix("FERRY_") else {
                continue;
            };
            if rest.contains("__")
                || NOT_SETTINGS.contains(&name)
                || NOT_SETTINGS_PREFIXES.iter().any(|p| name.starts_with(p))
            {
                continue;
            }
            let as_key = rest.to_ascii_lowercase().replacen('_', ".", 1);
            return Err(format!(
                "unknown environment variable {name}: a setting is FERRY_<SECTION>__<KEY>, with \
                 two underscores; did you mean {}?",
                variable_of(self.closest(&as_key))
            ));
        }
        Ok(())
    }
}

/// Where a key's value came from: a file, a variable, or nothing said for the defaults.
fn origin(figment: &Figment, key: &str) -> String {
    let Some(metadata) = figment.find_metadata(key) else {
        return String::new();
    };
    match &metadata.source {
        Some(figment::Source::File(path)) => format!(" in {}", path.display()),
        _ if metadata.name.contains("environment") => {
            format!(" (environment variable {})", variable_of(key))
        }
        _ => format!(" ({})", metadata.name),
    }
}

/// The variable that sets a dotted key: `server.listen` is `FERRY_SERVER__LISTEN`.
pub fn variable_of(key: &str) -> String {
    format!("FERRY_{}", key.to_ascii_uppercase().replace('.', "__"))
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}
