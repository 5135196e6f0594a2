//! Random secrets (session ids, API tokens, CSRF tokens) and their stored digests.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// 32 random bytes from the operating system, URL-safe base64.
pub fn random_token() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|err| AppError::internal(anyhow::anyhow!("no randomness: {err}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored in place of a secret: its SHA-256, hex. The secrets are random and
/// long, so a fast hash is enough; a database leak does not hand out live credentials.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_different() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 64);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
    }
}
