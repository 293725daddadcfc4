//! Value types that validate when they are deserialised, so a handler never sees an
//! invalid one. Each failure message names the rule; the API layer adds the property path.

use serde::{Deserialize, Serialize};
use std::fmt;
use validator::ValidateEmail;

/// The OpenAPI schema of a string value type: what its check enforces, stated so that a
/// client (or a generated SDK) refuses what the server would.
pub struct StringRules {
    pub description: &'static str,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<&'static str>,
    pub format: Option<&'static str>,
}

impl StringRules {
    pub fn schema(&self) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(self.description))
            .min_length(self.min_length)
            .max_length(self.max_length)
            .pattern(self.pattern)
            .format(self.format.map(|f| SchemaFormat::Custom(f.to_string())))
            .into()
    }
}

/// A string value type's schema, for `#[schema(value_type = ...)]`.
#[macro_export]
macro_rules! string_schema {
    ($name:ty, $rules:expr) => {
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $rules.schema()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

/// A character that is not a control character (Rust's `char::is_control`), as a JSON
/// Schema (ECMA 262) character class.
macro_rules! no_control {
    () => {
        "[^\\u0000-\\u001F\\u007F-\\u009F]"
    };
}

/// Characters that show nothing and are not white space: the soft hyphen, the combining
/// grapheme joiner, the Hangul fillers, the Mongolian vowel separator, zero-width spaces and
/// joiners, direction marks and embeddings, the word joiner and invisible operators, the
/// braille blank, variation selectors and the byte order mark. A name may hold them (a
/// zero-width joiner inside an emoji, say), but not only them. As a JSON Schema (ECMA 262)
/// character class body; [`is_invisible`] is the same list.
macro_rules! invisible {
    () => {
        "\\u00AD\\u034F\\u115F\\u1160\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u2800\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0"
    };
}

/// Whether a character is in [`invisible!`]'s list.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{34F}' | '\u{115F}' | '\u{1160}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}')
}

string_schema!(
    Name,
    StringRules {
        description: "A display name: trimmed, 1 to 256 characters, no control characters, and \
            at least one visible character (not only white space, zero-width or other invisible \
            characters).",
        min_length: Some(1),
        max_length: Some(MAX_NAME_CHARS),
        pattern: Some(concat!(
            "^",
            no_control!(),
            "*[^\\s\\u0000-\\u001F\\u007F-\\u009F",
            invisible!(),
            "]",
            no_control!(),
            "*$"
        )),
        format: None,
    }
);
string_schema!(
    Email,
    StringRules {
        description: "An email address.",
        min_length: Some(3),
        max_length: Some(254),
        pattern: Some("^[^@\\s]+@[^@\\s]+$"),
        format: Some("email"),
    }
);
string_schema!(
    HttpUrl,
    StringRules {
        description: "An absolute http or https URL, without control characters (CR, LF).",
        min_length: Some(8),
        max_length: None,
        pattern: Some("^\\s*[hH][tT][tT][pP][sS]?://[^/?#\\s]+"),
        format: Some("uri"),
    }
);
string_schema!(
    WebhookUrl,
    StringRules {
        description:
            "An absolute http or https URL that events are posted to, at most 2048 characters, \
             without control characters (CR, LF).",
        min_length: Some(8),
        max_length: Some(MAX_WEBHOOK_URL_CHARS),
        pattern: Some("^\\s*[hH][tT][tT][pP][sS]?://[^/?#\\s]+"),
        format: Some("uri"),
    }
);
string_schema!(
    DockerRepository,
    StringRules {
        description: "A docker repository such as airbyte/source-faker: lowercase letters, digits, '.', '_', '-', '/' or ':', starting with a letter or digit.",
        min_length: Some(1),
        max_length: Some(255),
        pattern: Some("^[a-z0-9][a-z0-9._/:-]*$"),
        format: None,
    }
);
string_schema!(
    DockerImageTag,
    StringRules {
        description: "A docker image tag such as 0.1.0 or latest: letters, digits, '.', '_' or '-', not starting with '.' or '-'.",
        min_length: Some(1),
        max_length: Some(128),
        pattern: Some("^[A-Za-z0-9_][A-Za-z0-9._-]*$"),
        format: None,
    }
);

string_schema!(
    DomainName,
    StringRules {
        description: "A host name such as data.example.com: dot-separated labels of 1 to 63 letters, digits or '-' (not at a label's start or end), at most 253 characters; stored lowercased.",
        min_length: Some(1),
        max_length: Some(MAX_DOMAIN_NAME_CHARS),
        pattern: Some(
            "^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
        ),
        format: Some("hostname"),
    }
);

macro_rules! string_value {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(value: String) -> Result<Self, String> {
                $check(value).map(Self)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// The longest display name Ferry stores.
pub const MAX_NAME_CHARS: usize = 256;

string_value!(
    /// A display name: trimmed, 1 to 256 characters.
    Name,
    check_name
);
string_value!(
    /// An email address.
    Email,
    check_email
);
string_value!(
    /// An absolute http(s) URL.
    HttpUrl,
    check_http_url
);
string_value!(
    /// An absolute http(s) URL a webhook posts to, at most 2048 characters.
    WebhookUrl,
    check_webhook_url
);
string_value!(
    /// A docker repository such as `airbyte/source-faker` or `registry:5000/team/image`.
    DockerRepository,
    check_docker_repository
);
string_value!(
    /// A docker image tag such as `0.1.0` or `latest`.
    DockerImageTag,
    check_docker_image_tag
);

string_value!(
    /// A host name (RFC 1123) such as `data.example.com`, lowercased.
    DomainName,
    check_domain_name
);

/// The longest host name (RFC 1123).
pub const MAX_DOMAIN_NAME_CHARS: usize = 253;

fn check_domain_name(value: String) -> Result<String, String> {
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if value.is_empty() || value.len() > MAX_DOMAIN_NAME_CHARS || !value.split('.').all(label_ok) {
        return Err(format!(
            "must be a host name: dot-separated labels of 1 to 63 letters, digits or '-' (not \
             at a label's start or end), at most {MAX_DOMAIN_NAME_CHARS} characters"
        ));
    }
    Ok(value.to_ascii_lowercase())
}

fn check_name(value: String) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("must not be blank".into());
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(format!("must be at most {MAX_NAME_CHARS} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    if trimmed
        .chars()
        .all(|c| c.is_whitespace() || is_invisible(c))
    {
        return Err("must contain a visible character, not only invisible ones".into());
    }
    Ok(trimmed.to_string())
}

fn check_email(value: String) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.validate_email() {
        Ok(trimmed.to_string())
    } else {
        Err("must be a valid email address".into())
    }
}

fn check_http_url(value: String) -> Result<String, String> {
    // The URL parser drops tabs and line breaks, but the stored text would keep them, to be
    // sent on as a header or a log line.
    if value.trim().chars().any(char::is_control) {
        return Err("must not contain control characters (such as CR or LF)".into());
    }
    let parsed = url::Url::parse(value.trim()).map_err(|e| format!("must be a valid URL ({e})"))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(value.trim().to_string()),
        _ => Err("must be an absolute http or https URL".into()),
    }
}

impl WebhookUrl {
    /// The host it posts to.
    pub fn host(&self) -> String {
        url::Url::parse(&self.0)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// The longest webhook URL Ferry stores.
pub const MAX_WEBHOOK_URL_CHARS: usize = 2048;

fn check_webhook_url(value: String) -> Result<String, String> {
    if value.trim().chars().count() > MAX_WEBHOOK_URL_CHARS {
        return Err(format!(
            "must be at most {MAX_WEBHOOK_URL_CHARS} characters"
        ));
    }
    check_http_url(value)
}

fn check_docker_repository(value: String) -> Result<String, String> {
    let valid_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/:".contains(c);
    let starts_well = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !starts_well || value.len() > 255 || !value.chars().all(valid_char) {
        return Err(
            "must be a docker repository: lowercase letters, digits, '.', '_', '-', '/' or ':', \
             starting with a letter or digit, at most 255 characters"
                .into(),
        );
    }
    Ok(value)
}

fn check_docker_image_tag(value: String) -> Result<String, String> {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    let starts_well = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if !starts_well || value.len() > 128 || !value.chars().all(valid_char) {
        return Err(
            "must be a docker tag: letters, digits, '.', '_' or '-', not starting with '.' or \
             '-', at most 128 characters"
                .into(),
        );
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, String> {
        serde_json::from_value(serde_json::Value::String(s.into())).map_err(|e| e.to_string())
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse::<Name>("  Sales  ").unwrap().as_str(), "Sales");
        assert!(parse::<Name>("   ").unwrap_err().contains("blank"));
        assert!(parse::<Name>(&"x".repeat(257)).is_err());
        assert!(parse::<Name>(&"é".repeat(256)).is_ok());
        assert!(parse::<Name>("a\u{7}b").is_err());
        for invisible in [
            "\u{200B}",
            "\u{200B}\u{FEFF}\u{2060}",
            " \u{3164} ",
            "\u{AD}",
            "\u{FE0F}",
        ] {
            let refusal = parse::<Name>(invisible).unwrap_err();
            assert!(refusal.contains("visible"), "{invisible:?}: {refusal}");
        }
        // Inside a name they are kept: an emoji sequence joins with U+200D.
        assert!(parse::<Name>("team \u{1F469}\u{200D}\u{1F4BB}").is_ok());
    }

    #[test]
    fn emails_are_checked() {
        assert!(parse::<Email>("ops@example.com").is_ok());
        assert!(parse::<Email>("not-an-email")
            .unwrap_err()
            .contains("email"));
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(parse::<HttpUrl>("https://docs.airbyte.io/integrations").is_ok());
        assert!(parse::<HttpUrl>("ftp://example.com").is_err());
        assert!(parse::<HttpUrl>("not a url").is_err());
        assert!(parse::<HttpUrl>("/relative").is_err());
        assert!(parse::<WebhookUrl>("http://127.0.0.1:9000/hook?x=1").is_ok());
        for injected in [
            "http://a.example/x\r\nX-Injected: 1",
            "http://a.example/\nx",
            "http://a\t.example/",
        ] {
            assert!(
                parse::<WebhookUrl>(injected)
                    .unwrap_err()
                    .contains("control"),
                "{injected:?}"
            );
            assert!(parse::<HttpUrl>(injected).is_err(), "{injected:?}");
        }
        assert!(parse::<WebhookUrl>("ftp://example.com").is_err());
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert!(parse::<WebhookUrl>(&long).is_err());
    }

    #[test]
    fn domain_names_are_host_names() {
        assert_eq!(
            parse::<DomainName>("Data.Example.COM").unwrap().as_str(),
            "data.example.com"
        );
        assert!(parse::<DomainName>("localhost").is_ok());
        assert!(parse::<DomainName>("a-b.c1").is_ok());
        for bad in [
            "",
            "-a.com",
            "a-.com",
            "a..com",
            "a.com.",
            "a_b.com",
            "a b",
            "exa mple.com",
        ] {
            assert!(parse::<DomainName>(bad).is_err(), "{bad:?}");
        }
        assert!(parse::<DomainName>(&format!("{}.com", "a".repeat(64))).is_err());
        let long = vec!["a".repeat(63); 4].join(".");
        assert!(parse::<DomainName>(&long).is_err());
    }

    #[test]
    fn docker_names_follow_docker_rules() {
        assert!(parse::<DockerRepository>("airbyte/source-faker").is_ok());
        assert!(parse::<DockerRepository>("registry:5000/team/img").is_ok());
        assert!(parse::<DockerRepository>("Airbyte/Source").is_err());
        assert!(parse::<DockerRepository>("").is_err());
        assert!(parse::<DockerImageTag>("0.1.0").is_ok());
        assert!(parse::<DockerImageTag>("latest").is_ok());
        assert!(parse::<DockerImageTag>("-bad").is_err());
        assert!(parse::<DockerImageTag>("has space").is_err());
    }
}
