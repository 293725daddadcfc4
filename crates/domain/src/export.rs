//! Workspace export and import (`workspaces/export`, `workspaces/import`): a versioned JSON
//! document of a workspace's sources, destinations and connections, referring to
//! definitions by docker repository and tag. Secret values are left out (the mask stands in
//! their place), or encrypted under a key derived from a passphrase when an admin asks.

use crate::connection::{ConnectionStatus, SourceSchema, SyncMode};
use crate::ids::{OrganizationId, WorkspaceId};
use crate::schedule::{ConnectionScheduleData, ConnectionScheduleType};
use crate::secrets::SecretPath;
use crate::values::{DockerImageTag, DockerRepository, DomainName, Email, Name};
use crate::workspace::{Tag, WorkspaceRead, WorkspaceStatus, WorkspaceType};
use crate::{Error, Violation};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

/// The document version this server writes and reads.
pub const EXPORT_VERSION: i64 = 1;

/// The shortest passphrase accepted, in characters.
pub const MIN_PASSPHRASE_CHARS: u64 = 12;

/// `workspaces/export`.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
#[validate(schema(function = "passphrase_given"))]
pub struct WorkspaceExportRequestBody {
    pub workspace_id: WorkspaceId,
    /// Carry secret values, encrypted under `passphrase` (workspace admins only). Default
    /// false: secrets are left out.
    pub include_secrets: Option<bool>,
    /// Required with `includeSecrets`: at least 12 characters.
    #[validate(length(min = 12, max = 1024, message = "must be 12 to 1024 characters"))]
    #[schema(min_length = 12, max_length = 1024)]
    pub passphrase: Option<String>,
}

fn passphrase_given(body: &WorkspaceExportRequestBody) -> Result<(), ValidationError> {
    if body.include_secrets == Some(true) && body.passphrase.is_none() {
        let mut error = ValidationError::new("passphrase");
        error.message = Some("is required when includeSecrets is true".into());
        error.add_param("field".into(), &"passphrase");
        return Err(error);
    }
    Ok(())
}

impl WorkspaceExportRequestBody {
    pub fn includes_secrets(&self) -> bool {
        self.include_secrets == Some(true)
    }
}

/// The document `workspaces/export` answers and `workspaces/import` reads.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceExport {
    /// The document's format; this server reads and writes version 1.
    #[schema(minimum = 1, maximum = 1)]
    pub ferry_export_version: i64,
    pub exported_at: DateTime<Utc>,
    pub workspace: ExportedWorkspace,
    /// How the secret values in it are encrypted; absent when they were left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets_encryption: Option<SecretsEncryption>,
    /// Live sources, in a stable order (name, image, configuration).
    pub sources: Vec<ExportedActor>,
    pub destinations: Vec<ExportedActor>,
    /// Live connections (deleted ones are not exported).
    pub connections: Vec<ExportedConnection>,
}

/// The workspace's own settings.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExportedWorkspace {
    /// Its id where it was exported (an import creates a new one).
    pub workspace_id: WorkspaceId,
    #[schema(value_type = Name)]
    pub name: Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Email>)]
    pub email: Option<Email>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub status: WorkspaceStatus,
    #[schema(value_type = Vec<Tag>, max_items = 50)]
    pub tags: Vec<Tag>,
    pub region: String,
    pub workspace_type: WorkspaceType,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DomainName>)]
    pub domain_name: Option<DomainName>,
    pub anonymous_data_collection: bool,
    pub news: bool,
    pub security_updates: bool,
}

/// A source or destination. Each value at one of its `secretPaths` is either the mask
/// `**********` (left out) or `ferry:enc:v1:<keyId>:<base64>` (encrypted under the
/// passphrase's key).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExportedActor {
    /// Its id where it was exported; connections refer to it.
    pub actor_id: Uuid,
    #[schema(value_type = Name)]
    pub name: Name,
    pub definition: ExportedDefinition,
    #[schema(value_type = Object, additional_properties = true)]
    pub connection_configuration: Value,
    /// Where its configuration holds secrets: object keys and array indexes from the root.
    #[schema(value_type = Vec<Vec<String>>)]
    pub secret_paths: Vec<SecretPath>,
}

/// A definition, by the image it runs: an import uses the live definition of the same
/// type, repository and tag.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExportedDefinition {
    #[schema(value_type = DockerRepository)]
    pub docker_repository: DockerRepository,
    #[schema(value_type = DockerImageTag)]
    pub docker_image_tag: DockerImageTag,
}

impl std::fmt::Display for ExportedDefinition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.docker_repository, self.docker_image_tag)
    }
}

/// A connection between two of the document's actors.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExportedConnection {
    /// Its id where it was exported.
    pub connection_id: Uuid,
    #[schema(value_type = Name)]
    pub name: Name,
    /// The `actorId` of one of the document's sources.
    pub source_id: Uuid,
    /// The `actorId` of one of the document's destinations.
    pub destination_id: Uuid,
    pub sync_mode: SyncMode,
    pub sync_schema: SourceSchema,
    pub schedule_type: ConnectionScheduleType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_data: Option<ConnectionScheduleData>,
    /// `active` or `inactive`.
    pub status: ConnectionStatus,
}

/// How the secret values of a document are encrypted: AES-256-GCM under a key derived from
/// the passphrase with Argon2id and this salt and these costs.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SecretsEncryption {
    /// `argon2id`.
    pub kdf: String,
    /// Base64 of 16 random bytes.
    pub salt: String,
    /// Argon2's memory cost in KiB (at most 262144).
    #[schema(minimum = 8, maximum = 262144)]
    pub memory_kib: u32,
    /// Argon2's time cost (at most 16).
    #[schema(minimum = 1, maximum = 16)]
    pub iterations: u32,
    /// Argon2's lanes (at most 8).
    #[schema(minimum = 1, maximum = 8)]
    pub parallelism: u32,
    /// `aes-256-gcm`.
    pub cipher: String,
    /// The first 8 hex digits of the SHA-256 of the derived key: every encrypted value names
    /// it, and a passphrase deriving another key is wrong.
    pub key_id: String,
}

/// The KDF and cipher names a document states.
pub const KDF_ARGON2ID: &str = "argon2id";
pub const CIPHER_AES_256_GCM: &str = "aes-256-gcm";

/// Argon2id's costs for new documents (OWASP's recommendation: 19 MiB, two passes, one
/// lane), and the most an imported document may ask for.
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_PARALLELISM: u32 = 1;
pub const MAX_ARGON2_MEMORY_KIB: u32 = 262_144;
pub const MAX_ARGON2_ITERATIONS: u32 = 16;
pub const MAX_ARGON2_PARALLELISM: u32 = 8;

impl SecretsEncryption {
    /// Refuses a KDF, cipher or cost this server does not use or would not spend: a 422
    /// naming `document.secretsEncryption.<field>`.
    pub fn check(&self) -> Result<(), Error> {
        let field = |name: &str, message: String, value: String| {
            Err(Error::invalid(
                Violation::new(format!("document.secretsEncryption.{name}"), message)
                    .with_value(value),
            ))
        };
        if self.kdf != KDF_ARGON2ID {
            return field("kdf", format!("must be {KDF_ARGON2ID}"), self.kdf.clone());
        }
        if self.cipher != CIPHER_AES_256_GCM {
            return field(
                "cipher",
                format!("must be {CIPHER_AES_256_GCM}"),
                self.cipher.clone(),
            );
        }
        let bounds = [
            ("memoryKib", self.memory_kib, 8, MAX_ARGON2_MEMORY_KIB),
            ("iterations", self.iterations, 1, MAX_ARGON2_ITERATIONS),
            ("parallelism", self.parallelism, 1, MAX_ARGON2_PARALLELISM),
        ];
        for (name, value, min, max) in bounds {
            if !(min..=max).contains(&value) {
                return field(name, format!("must be {min} to {max}"), value.to_string());
            }
        }
        Ok(())
    }
}

/// `workspaces/import`.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceImportRequestBody {
    /// A document from `workspaces/export`. An unknown `ferryExportVersion` is a 422.
    #[schema(value_type = WorkspaceExport)]
    pub document: Value,
    /// Where the new workspace goes.
    pub organization_id: OrganizationId,
    /// Its name; defaults to the document's.
    #[schema(value_type = Option<Name>)]
    pub name: Option<Name>,
    /// Opens the document's encrypted secrets; required when it holds some.
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters"))]
    #[schema(min_length = 1, max_length = 1024)]
    pub passphrase: Option<String>,
    /// Values for secrets the document left out (or replacing those it carries).
    #[validate(length(max = 10000, message = "must hold at most 10000 secrets"))]
    #[schema(max_items = 10000)]
    pub secrets: Option<Vec<ImportedSecret>>,
}

/// One secret value given to an import.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportedSecret {
    /// The `actorId` of a source or destination in the document.
    pub actor_id: Uuid,
    /// One of that actor's `secretPaths`.
    #[schema(value_type = Vec<String>)]
    pub secret_path: SecretPath,
    /// The secret's value (a string, usually).
    pub value: Value,
}

impl std::fmt::Debug for ImportedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportedSecret")
            .field("actor_id", &self.actor_id)
            .field("secret_path", &self.secret_path)
            .finish_non_exhaustive()
    }
}

/// What `workspaces/import` made.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceImportRead {
    pub workspace: WorkspaceRead,
    #[schema(format = Int64)]
    pub source_count: i64,
    #[schema(format = Int64)]
    pub destination_count: i64,
    #[schema(format = Int64)]
    pub connection_count: i64,
    /// Secrets the document left out and the request did not give: each source or
    /// destination was created without them (set them with `sources/update`).
    pub missing_secrets: Vec<MissingSecretRead>,
}

/// A secret an imported source or destination was created without.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MissingSecretRead {
    /// `source` or `destination`.
    pub actor_type: String,
    /// The new source's or destination's id.
    pub actor_id: Uuid,
    /// Its id in the document.
    pub document_actor_id: Uuid,
    pub name: String,
    #[schema(value_type = Vec<String>)]
    pub secret_path: SecretPath,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encryption() -> SecretsEncryption {
        SecretsEncryption {
            kdf: KDF_ARGON2ID.into(),
            salt: "AAAAAAAAAAAAAAAAAAAAAA==".into(),
            memory_kib: ARGON2_MEMORY_KIB,
            iterations: ARGON2_ITERATIONS,
            parallelism: ARGON2_PARALLELISM,
            cipher: CIPHER_AES_256_GCM.into(),
            key_id: "00000000".into(),
        }
    }

    #[test]
    fn encryption_costs_are_bounded() {
        assert!(encryption().check().is_ok());
        let greedy = SecretsEncryption {
            memory_kib: MAX_ARGON2_MEMORY_KIB + 1,
            ..encryption()
        };
        match greedy.check() {
            Err(Error::InvalidInput { violations, .. }) => assert_eq!(
                violations[0].property_path,
                "document.secretsEncryption.memoryKib"
            ),
            other => panic!("{other:?}"),
        }
        let other_kdf = SecretsEncryption {
            kdf: "scrypt".into(),
            ..encryption()
        };
        assert!(other_kdf.check().is_err());
    }

    #[test]
    fn secrets_need_a_passphrase() {
        let body: WorkspaceExportRequestBody = serde_json::from_value(serde_json::json!({
            "workspaceId": "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6", "includeSecrets": true
        }))
        .unwrap();
        assert!(body.validate().is_err());
    }
}
