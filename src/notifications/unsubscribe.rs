//! Unsubscribe links: one per person and topic (an event kind, or the weekly digest), signed so that nobody can turn off
//! someone else's notifications, and usable without signing in (from the email, or by the
//! mail program's one-click `List-Unsubscribe-Post`).
//!
//! The signature is an HMAC-SHA256 under the installation's key (the one private links
//! use, under a purpose of its own), so every instance checks a link the same way and a
//! restart changes nothing. A link only ever turns one kind off for one person: the worst
//! a leaked one does is what its owner would do with it.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Topic;
use crate::error::{AppError, AppResult};

/// Separates this use of the key from private links.
const PURPOSE: &str = "staffdev unsubscribe v1";

/// The path of a person's unsubscribe link for one topic, below the site's address.
pub fn path(key: &str, person_id: i32, kind: Topic) -> AppResult<String> {
    let signature = URL_SAFE_NO_PAD.encode(mac(key, person_id, kind)?.finalize().into_bytes());
    Ok(format!(
        "/notifications/unsubscribe/{person_id}/{}/{signature}",
        kind.as_str()
    ))
}

/// The person and topic a link names, when its signature is right; anything else (an
/// unknown topic, a changed person, a signature that does not match) is a 404.
pub fn verify(key: &str, person_id: i32, kind: &str, signature: &str) -> AppResult<Topic> {
    let kind = Topic::parse(kind).ok_or(AppError::NotFound)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| AppError::NotFound)?;
    mac(key, person_id, kind)?
        .verify_slice(&signature)
        .map_err(|_| AppError::NotFound)?;
    Ok(kind)
}

fn mac(key: &str, person_id: i32, kind: Topic) -> AppResult<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(|err| {
        AppError::internal(anyhow::anyhow!("the installation key is unusable: {err}"))
    })?;
    for part in [PURPOSE, &person_id.to_string(), kind.as_str()] {
        mac.update(part.as_bytes());
        mac.update(b"\n");
    }
    Ok(mac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifications::EventKind;

    #[test]
    fn a_link_opens_only_for_its_person_and_kind() {
        let key = "k".repeat(43);
        let link = path(&key, 7, Topic::Event(EventKind::KudosReceived)).unwrap();
        let signature = link.rsplit('/').next().unwrap();
        assert_eq!(
            verify(&key, 7, "kudos_received", signature).unwrap(),
            Topic::Event(EventKind::KudosReceived)
        );
        assert!(verify(&key, 8, "kudos_received", signature).is_err());
        assert!(verify(&key, 7, "trophy_received", signature).is_err());
        assert!(verify("another key", 7, "kudos_received", signature).is_err());
        assert!(verify(&key, 7, "kudos_received", "not base64!").is_err());
        assert!(verify(&key, 7, "no_such_kind", signature).is_err());
        assert!(verify(&key, 7, "weekly_digest", signature).is_err());
        let digest = path(&key, 7, Topic::WeeklyDigest).unwrap();
        let signature = digest.rsplit('/').next().unwrap();
        assert_eq!(
            verify(&key, 7, "weekly_digest", signature).unwrap(),
            Topic::WeeklyDigest
        );
    }
}
