//! Client credentials: random identifiers and secrets, and the hash that is all Ferry keeps.

use ferry_domain::Error;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `n` random bytes from the operating system.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, Error> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new client id (public) and client secret (shown once).
pub fn new_credentials() -> Result<(String, String), Error> {
    Ok((
        format!(
            "{CLIENT_ID_PREFIX}{}",
            hex(&random_bytes(CLIENT_ID_HEX / 2)?)
        ),
        hex(&random_bytes(32)?),
    ))
}

const CLIENT_ID_PREFIX: &str = "ferry-";
const CLIENT_ID_HEX: usize = 24;

/// Whether `text` has the shape of a client id this server issues.
pub fn is_client_id(text: &str) -> bool {
    text.strip_prefix(CLIENT_ID_PREFIX)
        .is_some_and(|hex| hex.len() == CLIENT_ID_HEX && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// What is stored of a secret. Secrets are 256 random bits, so a plain SHA-256 cannot be
/// reversed by guessing; no slow hash is needed.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` hashes to `stored`, in constant time.
pub fn secret_matches(secret: &str, stored: &str) -> bool {
    hash_secret(secret)
        .as_bytes()
        .ct_eq(stored.as_bytes())
        .into()
}

/// Compares two configured or presented strings without leaking where they differ.
pub fn same(presented: &str, expected: &str) -> bool {
    let (a, b) = (Sha256::digest(presented), Sha256::digest(expected));
    a.ct_eq(&b).into()
}

/// A new signing key, hex-encoded for storage.
pub fn new_signing_key() -> Result<String, Error> {
    Ok(hex(&random_bytes(32)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_checked_by_hash() {
        let (id1, secret1) = new_credentials().expect("credentials");
        let (id2, secret2) = new_credentials().expect("credentials");
        assert_ne!(id1, id2);
        assert_ne!(secret1, secret2);
        assert_eq!(secret1.len(), 64);
        let stored = hash_secret(&secret1);
        assert!(!stored.contains(&secret1));
        assert!(secret_matches(&secret1, &stored));
        assert!(!secret_matches(&secret2, &stored));
        assert!(same("admin", "admin") && !same("admin", "admin2"));
        assert!(is_client_id(&id1));
        assert!(!is_client_id(&secret1), "a secret is no client id");
        assert!(!is_client_id("ferry-xyz") && !is_client_id(""));
    }
}
