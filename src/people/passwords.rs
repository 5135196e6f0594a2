//! Password hashing with argon2id. Hashing is deliberately slow, so it runs on the
//! blocking pool and never stalls the request threads. Each hash or check holds 19 MiB
//! while it runs, so only as many run at once as there are cores; the others wait their
//! turn (a burst of sign-ins costs time, not memory), and the 19 MiB go back to the
//! system as soon as the hash is done (`return_large_blocks`).

use std::{num::NonZeroUsize, sync::OnceLock};

use anyhow::Context;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 1024;

/// A password someone chose to set: long enough to resist guessing, short enough to hash.
/// It is never trimmed (every character counts), and its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<NewPassword, String> {
        let length = raw.chars().count();
        if length < MIN_LENGTH {
            Err(format!("Use at least {MIN_LENGTH} characters."))
        } else if length > MAX_LENGTH {
            Err(format!("Use at most {MAX_LENGTH} characters."))
        } else {
            Ok(NewPassword(raw.to_owned()))
        }
    }

    /// A password field that may be left empty: empty (or not sent) sets no password.
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<NewPassword>, String> {
        match raw {
            None | Some("") => Ok(None),
            Some(raw) => NewPassword::parse(raw).map(Some),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The argon2id hash to store.
    pub async fn hash(&self) -> AppResult<String> {
        hash(&self.0).await
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|err| anyhow::anyhow!("argon2: {err}"))?
        .to_string())
}

/// The turns for hashing: one per core. More at once would not finish sooner (argon2 is
/// bound by the cores) but would each hold their 19 MiB.
fn hashing_turns() -> &'static Semaphore {
    static TURNS: OnceLock<Semaphore> = OnceLock::new();
    TURNS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
    })
}

/// Runs `work` on the blocking pool once one of `turns` is free. The turn travels with
/// the work, so a request that gives up waiting for the answer still holds it until the
/// hash is done: the bound counts running hashes, not waiting requests.
async fn in_turn<T: Send + 'static>(
    turns: &'static Semaphore,
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> AppResult<T> {
    return_large_blocks();
    let turn = turns
        .acquire()
        .await
        .context("the password hashing turns are closed")
        .map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .context("the password hashing task failed")
    .and_then(|result| result)
    .map_err(AppError::internal)
}

/// Makes freed blocks of a megabyte or more go back to the system at once. glibc's malloc
/// serves such a block with its own mapping, unmapped when freed, until the first one is
/// freed: then it raises that threshold to the block's size (up to 32 MiB) and keeps
/// later ones in the heap of the freeing thread's arena, which holds on to freed memory
/// (its trim threshold rises to twice as much). Every thread that ever hashed then kept
/// 19 MiB or more: 496 MB of RSS after 200 concurrent sign-ins, 41 MB with a fixed
/// threshold (`benches/signin_memory.sh`). A fixed threshold also fixes the trim one; the
/// cost is a mapping and its page faults per hash, small beside the hash itself.
fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only sets malloc's tuning parameters; it may be called at
            // any time, from any thread.
            let done = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20) };
            if done != 1 {
                tracing::warn!("could not set malloc's mmap threshold; hashing memory may stay");
            }
        });
    }
}

pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    in_turn(hashing_turns(), move || hash_blocking(&password)).await
}

/// Checks a password against a stored hash. Without a stored hash the password is
/// checked against a throwaway one, so that an unknown email takes as long as a known one.
pub async fn verify(password: &str, stored: Option<&str>) -> AppResult<bool> {
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    in_turn(hashing_turns(), move || -> anyhow::Result<bool> {
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_turns() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::Duration;
        static TURNS: Semaphore = Semaphore::const_new(2);
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                tokio::spawn(in_turn(&TURNS, || {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    MOST.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                }))
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(
            MOST.load(Ordering::SeqCst),
            2,
            "two turns, two at once, never more"
        );
    }

    #[tokio::test]
    async fn hashing_and_checking_wait_for_a_free_turn() {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let stored = hash("correct horse battery").await.unwrap();
        let all = hashing_turns().acquire_many(cores as u32).await.unwrap();
        let waiting = tokio::spawn(async move {
            let checked = verify("correct horse battery", Some(&stored))
                .await
                .unwrap();
            let hashed = hash("correct horse battery").await.unwrap();
            (checked, hashed)
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !waiting.is_finished(),
            "no turn is free, so nothing is hashed"
        );
        drop(all);
        let (checked, hashed) = waiting.await.unwrap();
        assert!(checked && hashed.starts_with("$argon2id$"));
    }

    #[test]
    fn new_passwords_are_long_enough_to_resist_guessing_and_short_enough_to_hash() {
        let huge = "x".repeat(MAX_LENGTH + 1);
        let cases: [(&str, Result<(), &str>); 5] = [
            ("", Err("Use at least 10 characters.")),
            ("short", Err("Use at least 10 characters.")),
            ("nine char", Err("Use at least 10 characters.")),
            (huge.as_str(), Err("Use at most 1024 characters.")),
            ("long enough!", Ok(())),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                NewPassword::parse(raw).map(|_| ()),
                expected.map_err(str::to_owned),
                "{raw:?}"
            );
        }
        assert_eq!(
            NewPassword::parse("  spaces count  ").map(|p| p.as_str().to_owned()),
            Ok("  spaces count  ".to_owned()),
            "never trimmed"
        );
        assert_eq!(NewPassword::parse_optional(None), Ok(None));
        assert_eq!(NewPassword::parse_optional(Some("")), Ok(None));
        assert!(NewPassword::parse_optional(Some("short")).is_err());
        assert!(!format!("{:?}", NewPassword::parse("long enough!")).contains("long enough"));
    }
}
