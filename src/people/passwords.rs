//! Password hashing with argon2id. Hashing is deliberately slow, so it runs on the
//! blocking pool and never stalls the request threads.

use std::sync::OnceLock;

use anyhow::Context;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};

use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 1024;

/// A password people can choose: long enough to resist guessing, short enough to hash.
pub fn check_strength(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        Err(format!("Use at least {MIN_LENGTH} characters."))
    } else if length > MAX_LENGTH {
        Err(format!("Use at most {MAX_LENGTH} characters."))
    } else {
        Ok(())
    }
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|err| anyhow::anyhow!("argon2: {err}"))?
        .to_string())
}

pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .context("the password hashing task failed")
        .and_then(|result| result)
        .map_err(AppError::internal)
}

/// Checks a password against a stored hash. Without a stored hash the password is
/// checked against a throwaway one, so that an unknown email takes as long as a known one.
pub async fn verify(password: &str, stored: Option<&str>) -> AppResult<bool> {
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
        let Some(stored) = stored else {
            let dummy = dummy_hash()?;
            let parsed =
                PasswordHash::new(dummy).map_err(|err| anyhow::anyhow!("argon2: {err}"))?;
            let _ = Argon2::default().verify_password(password.as_bytes(), &parsed);
            return Ok(false);
        };
        let parsed = PasswordHash::new(&stored)
            .map_err(|err| anyhow::anyhow!("stored password hash: {err}"))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .context("the password checking task failed")
    .and_then(|result| result)
    .map_err(AppError::internal)
}

fn dummy_hash() -> anyhow::Result<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let hash = hash_blocking("a password that nobody has")?;
    Ok(DUMMY.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hash = hash("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&hash)).await.unwrap());
        assert!(!verify("correct horse batterY", Some(&hash)).await.unwrap());
        assert!(!verify("correct horse battery", None).await.unwrap());
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength(&"x".repeat(MAX_LENGTH + 1)).is_err());
        assert!(check_strength("long enough!").is_ok());
    }
}
