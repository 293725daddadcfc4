//! Access tokens: compact JWTs signed with HMAC-SHA256 under the instance's key. A token
//! names the user it acts for and the application it was issued to; both are checked to be
//! live on every request, so deleting either ends the token at once.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ferry_domain::ids::{ApplicationId, UserId};
use ferry_domain::Error;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const ISSUER: &str = "ferry";
/// The only header Ferry issues and accepts (no `alg` negotiation, so no `none`).
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The user the token acts for.
    pub sub: UserId,
    /// The application it was issued to.
    pub app: ApplicationId,
    pub iat: i64,
    pub exp: i64,
}

/// The instance's signing key.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    pub fn new(bytes: Vec<u8>) -> Self {
        SigningKey(bytes)
    }

    /// The key's bytes, for the other things the instance signs (list cursors).
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes a key of any length; this cannot fail.
        <HmacSha256 as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }

    /// A token for `user` through `application`, valid for `lifetime_secs` from `now`.
    pub fn issue(
        &self,
        user: UserId,
        application: ApplicationId,
        now: i64,
        lifetime_secs: u64,
    ) -> String {
        let claims = Claims {
            iss: ISSUER.to_string(),
            sub: user,
            app: application,
            iat: now,
            exp: now.saturating_add(i64::try_from(lifetime_secs).unwrap_or(i64::MAX)),
        };
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    /// The claims of a token this key signed that has not expired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, Error> {
        let malformed = || unauthenticated("the access token is malformed");
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| malformed())?;
        let mut mac = self.mac();
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        // Constant-time comparison.
        mac.verify_slice(&signature)
            .map_err(|_| unauthenticated("the access token's signature is not valid"))?;
        let header = URL_SAFE_NO_PAD.decode(header).map_err(|_| malformed())?;
        if header != HEADER.as_bytes() {
            return Err(malformed());
        }
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| malformed())?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| malformed())?;
        if claims.iss != ISSUER {
            return Err(malformed());
        }
        if claims.exp <= now {
            return Err(unauthenticated("the access token has expired"));
        }
        Ok(claims)
    }
}

pub fn unauthenticated(message: &str) -> Error {
    Error::Unauthenticated {
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SigningKey {
        SigningKey::new(vec![byte; 32])
    }

    #[test]
    fn a_token_round_trips_until_it_expires() {
        let (user, app) = (UserId::random(), ApplicationId::random());
        let token = key(1).issue(user, app, 1_000, 60);
        let claims = key(1).verify(&token, 1_059).expect("valid");
        assert_eq!((claims.sub, claims.app), (user, app));
        let expired = key(1).verify(&token, 1_060).expect_err("expired");
        assert!(expired.client_message().contains("expired"));
    }

    #[test]
    fn tampered_foreign_and_malformed_tokens_fail() {
        let token = key(1).issue(UserId::random(), ApplicationId::random(), 1_000, 60);
        let wrong_key = key(2).verify(&token, 1_001).expect_err("wrong key");
        assert!(wrong_key.client_message().contains("signature"));
        // Swap in another payload (another user) under the original signature.
        let parts: Vec<&str> = token.split('.').collect();
        let other = key(1).issue(UserId::random(), ApplicationId::random(), 1_000, 60);
        let other_payload = other.split('.').nth(1).expect("payload");
        let tampered = format!("{}.{}.{}", parts[0], other_payload, parts[2]);
        assert!(key(1).verify(&tampered, 1_001).is_err());
        for bad in ["", "a.b", "a.b.c.d", "x.y.z", &format!("{token}x")] {
            assert!(key(1).verify(bad, 1_001).is_err(), "{bad}");
        }
        // An unsigned ("alg": "none") token is not accepted.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert!(key(1).verify(&none, 1_001).is_err());
    }
}
