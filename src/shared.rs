//! Read-mostly results shared by every reader for a moment: the portal's first page, the
//! department's skill figures. A copy is used while it is younger than its time to live
//! and no write transaction has committed through this instance since it was read (see
//! `Db::generation`), so a writer always sees what it wrote; another instance sharing the
//! database shows the change within the time to live.
//!
//! When a copy is merely old, one request reads it again while the others keep using it
//! for that moment, so a busy page never sends a crowd of identical reads at once. With
//! `get_or_refresh` not even that request waits: it is answered the old copy too, and a
//! task of its own reads the new one (the portal's first page, whose reading took the
//! p99 of a busy portal to 20 ms). Only an empty slot or a local write makes a request
//! read and wait, so a writer still sees what it wrote.

use std::{
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{db::Db, error::AppResult};

pub struct Shared<T> {
    ttl: Duration,
    slot: Mutex<Option<Snapshot<T>>>,
    refreshing: AtomicBool,
}

struct Snapshot<T> {
    taken: Instant,
    generation: u64,
    value: Arc<T>,
}

/// This request reads the value again for everyone; dropping it (done or failed) lets the
/// next one try.
struct RefreshClaim<'a>(&'a AtomicBool);

impl Drop for RefreshClaim<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

enum Lookup<T> {
    Use(Arc<T>),
    /// The copy is old and this caller, alone, reads it again (the claim is taken: the
    /// caller holds a `RefreshClaim` until done); the others use the old copy meanwhile.
    Refresh(Arc<T>),
    /// None is usable: read it, with anyone else who asks now.
    Read,
}

impl<T> Shared<T> {
    pub fn new(ttl: Duration) -> Self {
        Shared {
            ttl,
            slot: Mutex::new(None),
            refreshing: AtomicBool::new(false),
        }
    }

    /// The shared value, or `read`'s, which is then shared.
    pub async fn get_or_read<F>(&self, db: &Db, read: impl FnOnce() -> F) -> AppResult<Arc<T>>
    where
        F: Future<Output = AppResult<T>>,
    {
        let generation = db.generation();
        let _claim = match self.lookup(generation) {
            Lookup::Use(value) => return Ok(value),
            Lookup::Refresh(_) => Some(RefreshClaim(&self.refreshing)),
            Lookup::Read => None,
        };
        self.read_and_store(generation, read()).await
    }

    /// Reads `read`'s value and shares it. The generation was read before the data: a
    /// write landing meanwhile makes the copy stale at once.
    async fn read_and_store<F>(&self, generation: u64, read: F) -> AppResult<Arc<T>>
    where
        F: Future<Output = AppResult<T>>,
    {
        let taken = Instant::now();
        let value = Arc::new(read.await?);
        self.store(generation, taken, value.clone());
        Ok(value)
    }

    fn lookup(&self, generation: u64) -> Lookup<T> {
        let Ok(slot) = self.slot.lock() else {
            return Lookup::Read;
        };
        let Some(snapshot) = slot.as_ref().filter(|s| s.generation == generation) else {
            return Lookup::Read;
        };
        let age = snapshot.taken.elapsed();
        if age < self.ttl {
            return Lookup::Use(snapshot.value.clone());
        }
        // A copy that could not be refreshed for this long is not answered any more: the
        // request reads (and shows the error, if reading still fails).
        if age >= self.ttl * STALE_LIMIT {
            return Lookup::Read;
        }
        match self
            .refreshing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Lookup::Refresh(snapshot.value.clone()),
            Err(_) => Lookup::Use(snapshot.value.clone()),
        }
    }

    /// Waits while a refresh runs in the background (`get_or_refresh`), so a test that
    /// counts statements counts only its own.
    pub async fn settled(&self) {
        while self.refreshing.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    fn store(&self, generation: u64, taken: Instant, value: Arc<T>) {
        if let Ok(mut slot) = self.slot.lock() {
            // Two readers may race to refill it; keep the copy of the latest generation
            // taken last (a late background read must not replace a newer copy).
            if slot
                .as_ref()
                .is_none_or(|s| (s.generation, s.taken) <= (generation, taken))
            {
                *slot = Some(Snapshot {
                    taken,
                    generation,
                    value,
                });
            }
        }
    }
}

/// How many times its time to live an old copy is still answered while it cannot be
/// refreshed (`get_or_refresh`).
const STALE_LIMIT: u32 = 10;

/// How long a background refresh may take before it gives up its claim.
const REFRESH_LIMIT: Duration = Duration::from_secs(30);

impl<T: Send + Sync + 'static> Shared<T> {
    /// Like `get_or_read`, except that an old copy is answered at once, also to the
    /// request that finds it old, while a task reads the new copy for the next requests.
    /// An empty slot, or a write through this instance since the copy was read, is read
    /// while the caller waits, as in `get_or_read`. `read` is handed its own `Db`, so the
    /// task outlives the request.
    pub async fn get_or_refresh<F>(
        self: &Arc<Self>,
        db: &Db,
        read: impl FnOnce(Db) -> F + Send + 'static,
    ) -> AppResult<Arc<T>>
    where
        F: Future<Output = AppResult<T>> + Send + 'static,
    {
        let generation = db.generation();
        match self.lookup(generation) {
            Lookup::Use(value) => Ok(value),
            Lookup::Read => self.read_and_store(generation, read(db.clone())).await,
            Lookup::Refresh(old) => {
                let (shared, db) = (self.clone(), db.clone());
                tokio::spawn(async move {
                    let _claim = RefreshClaim(&shared.refreshing);
                    let refresh = shared.read_and_store(generation, read(db));
                    // The old copy stays for its readers; the next request tries again. A
                    // read that hangs gives its claim up, so it cannot stop every refresh.
                    match tokio::time::timeout(REFRESH_LIMIT, refresh).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(err)) => {
                            tracing::warn!(error = %err, "could not refresh a shared copy");
                        }
                        Err(_) => tracing::warn!(
                            limit_seconds = REFRESH_LIMIT.as_secs(),
                            "refreshing a shared copy took too long; given up"
                        ),
                    }
                });
                Ok(old)
            }
        }
    }
}

/// What is made once from a shared snapshot (its JSON, its rendered lists) and kept beside
/// it, for each variant `K` readers need (signed in or not, may give kudos or not). Keyed
/// by the snapshot itself (`Arc::ptr_eq`; the entry holds the snapshot, so its address is
/// never reused meanwhile), so what is handed out is always exactly the snapshot's, never
/// older, and a new snapshot (a write, or its time to live) is made afresh once.
pub struct PerSnapshot<S, K, V> {
    /// At most `PER_SNAPSHOT_KEPT`, oldest first.
    entries: Mutex<Vec<Kept<S, K, V>>>,
}

struct Kept<S, K, V> {
    snapshot: Arc<S>,
    variant: K,
    value: V,
}

/// Snapshots differ by reader (the cio's, everyone else's, anonymous visitors') and so
/// do variants: a few are kept, the oldest dropped first.
const PER_SNAPSHOT_KEPT: usize = 4;

impl<S, K, V> Default for PerSnapshot<S, K, V> {
    fn default() -> Self {
        PerSnapshot {
            entries: Mutex::new(Vec::new()),
        }
    }
}

impl<S, K: PartialEq, V: Clone> PerSnapshot<S, K, V> {
    pub fn get(&self, snapshot: &Arc<S>, variant: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .iter()
            .find(|kept| Arc::ptr_eq(&kept.snapshot, snapshot) && kept.variant == *variant)
            .map(|kept| kept.value.clone())
    }

    pub fn keep(&self, snapshot: &Arc<S>, variant: K, value: &V) {
        if let Ok(mut entries) = self.entries.lock() {
            // Several requests may have made the same new snapshot's value at once: keep one.
            if entries
                .iter()
                .any(|kept| Arc::ptr_eq(&kept.snapshot, snapshot) && kept.variant == variant)
            {
                return;
            }
            // A snapshot no cache hands out any more is held only here: let it go.
            entries.retain(|kept| Arc::strong_count(&kept.snapshot) > 1);
            if entries.len() >= PER_SNAPSHOT_KEPT {
                entries.remove(0);
            }
            entries.push(Kept {
                snapshot: snapshot.clone(),
                variant,
                value: value.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_copy_is_read_again_by_one_request_while_the_others_use_it() {
        let ttl = Duration::from_secs(1);
        let shared = Shared::new(ttl);
        assert!(matches!(shared.lookup(0), Lookup::Read), "empty");
        shared.store(0, Instant::now(), Arc::new(1));
        assert!(matches!(shared.lookup(0), Lookup::Use(_)), "fresh");
        assert!(
            matches!(shared.lookup(1), Lookup::Read),
            "after a local write nobody uses it"
        );
        let shared = Shared::new(ttl);
        shared.store(0, Instant::now() - ttl * 2, Arc::new(1));
        assert!(
            matches!(shared.lookup(0), Lookup::Refresh(_)),
            "one request reads it again"
        );
        let claim = RefreshClaim(&shared.refreshing);
        assert!(
            matches!(shared.lookup(0), Lookup::Use(_)),
            "the others use the old copy meanwhile"
        );
        drop(claim);
        assert!(
            matches!(shared.lookup(0), Lookup::Refresh(_)),
            "a failed read lets the next one try"
        );
        let shared = Shared::new(ttl);
        shared.store(0, Instant::now() - ttl * (STALE_LIMIT + 1), Arc::new(1));
        assert!(
            matches!(shared.lookup(0), Lookup::Read),
            "a copy that could not be refreshed for long is not answered"
        );
        let shared = Shared::new(ttl);
        shared.store(1, Instant::now() - ttl * 2, Arc::new(2));
        shared.store(0, Instant::now(), Arc::new(1));
        assert!(
            matches!(shared.lookup(1), Lookup::Refresh(v) if *v == 2),
            "a late read of an older generation does not replace a newer copy"
        );
    }
}
