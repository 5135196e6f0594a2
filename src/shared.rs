//! Read-mostly results shared by every reader for a moment: the portal's first page, the
//! department's skill figures. A copy is used while it is younger than its time to live
//! and no write transaction has committed through this instance since it was read (see
//! `Db::generation`), so a writer always sees what it wrote; another instance sharing the
//! database shows the change within the time to live.
//!
//! When a copy is merely old, one request reads it again while the others keep using it
//! for that moment, so a busy page never sends a crowd of identical reads at once.

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

enum Lookup<'a, T> {
    Use(Arc<T>),
    /// Read it: alone when `Some` (the copy is old), or with anyone else (none is usable).
    Read(Option<RefreshClaim<'a>>),
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
            Lookup::Read(claim) => claim,
        };
        // The generation was read before the data: a write landing meanwhile makes it stale.
        let taken = Instant::now();
        let value = Arc::new(read().await?);
        self.store(generation, taken, value.clone());
        Ok(value)
    }

    fn lookup(&self, generation: u64) -> Lookup<'_, T> {
        let Ok(slot) = self.slot.lock() else {
            return Lookup::Read(None);
        };
        let Some(snapshot) = slot.as_ref().filter(|s| s.generation == generation) else {
            return Lookup::Read(None);
        };
        if snapshot.taken.elapsed() < self.ttl {
            return Lookup::Use(snapshot.value.clone());
        }
        match self
            .refreshing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Lookup::Read(Some(RefreshClaim(&self.refreshing))),
            Err(_) => Lookup::Use(snapshot.value.clone()),
        }
    }

    fn store(&self, generation: u64, taken: Instant, value: Arc<T>) {
        if let Ok(mut slot) = self.slot.lock() {
            // Two readers may race to refill it; keep the copy taken last.
            if slot.as_ref().is_none_or(|s| s.taken <= taken) {
                *slot = Some(Snapshot {
                    taken,
                    generation,
                    value,
                });
            }
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
        assert!(matches!(shared.lookup(0), Lookup::Read(None)), "empty");
        shared.store(0, Instant::now(), Arc::new(1));
        assert!(matches!(shared.lookup(0), Lookup::Use(_)), "fresh");
        assert!(
            matches!(shared.lookup(1), Lookup::Read(None)),
            "after a local write nobody uses it"
        );
        let shared = Shared::new(ttl);
        shared.store(0, Instant::now() - ttl * 2, Arc::new(1));
        let first = shared.lookup(0);
        assert!(
            matches!(first, Lookup::Read(Some(_))),
            "one request reads it again"
        );
        assert!(
            matches!(shared.lookup(0), Lookup::Use(_)),
            "the others use the old copy meanwhile"
        );
        drop(first);
        assert!(
            matches!(shared.lookup(0), Lookup::Read(Some(_))),
            "a failed read lets the next one try"
        );
    }
}
