//! How many listing requests are in flight at once.
//!
//! Small pages (a site of a hundred files) are bound by latency: the more listed at once,
//! the sooner done. Full 1000-key pages are bound by CPU and memory: each costs time to
//! parse and ~0.4 MiB while held, and past 32 at once on two cores more in flight only
//! adds memory (the measurements are in bench/README-performance.md). So a request takes one slot
//! while replies come back small and two once a reply came back large. Only first pages
//! count: the last page of a large listing is short (or empty), and says nothing about
//! the next deployment. Before any reply,
//! requests count as large, unless the deployments to list are known from a plan.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Semaphore;

use super::deployment::Deployment;
use super::error::EngineError;

/// A reply with at least this many entries counts as large.
pub const LARGE_REPLY_ENTRIES: usize = 500;
/// The most entries S3 returns in one listing page.
const PAGE_ENTRIES: u64 = 1000;

#[derive(Debug)]
pub struct ListingGate {
    slots: Semaphore,
    capacity: u32,
    replies_are_large: AtomicBool,
}

impl ListingGate {
    /// `concurrency` requests at once while replies are small, half as many while large.
    pub fn new(concurrency: usize) -> Self {
        let capacity = concurrency.clamp(1, u32::MAX as usize) as u32;
        ListingGate {
            slots: Semaphore::new(capacity as usize),
            capacity,
            replies_are_large: AtomicBool::new(true),
        }
    }

    /// A gate for listing deployments already counted once: it starts from their
    /// typical page size rather than assuming large pages.
    pub fn for_deployments(concurrency: usize, deployments: &[Deployment]) -> Self {
        let gate = ListingGate::new(concurrency);
        if !deployments.is_empty() {
            let first_pages: u64 = deployments
                .iter()
                .map(|d| d.objects.min(PAGE_ENTRIES))
                .sum();
            gate.observe((first_pages / deployments.len() as u64) as usize);
        }
        gate
    }

    /// Whether the latest reply (or the expected one) was small.
    pub fn replies_are_small(&self) -> bool {
        !self.replies_are_large.load(Ordering::Relaxed)
    }

    fn slots_per_request(&self) -> u32 {
        let slots = if self.replies_are_large.load(Ordering::Relaxed) {
            2
        } else {
            1
        };
        slots.min(self.capacity)
    }

    /// A later page follows a full one: it is large whatever other listings saw.
    fn slots_for(&self, first_page: bool) -> u32 {
        if first_page {
            self.slots_per_request()
        } else {
            2.min(self.capacity)
        }
    }

    fn observe(&self, entries: usize) {
        self.replies_are_large
            .store(entries >= LARGE_REPLY_ENTRIES, Ordering::Relaxed);
    }

    /// Runs one listing request once its slots are free; a first page's size tells
    /// whether replies are small or large.
    pub(crate) async fn through<T>(
        &self,
        first_page: bool,
        request: impl Future<Output = Result<T, EngineError>>,
        entries: impl Fn(&T) -> usize,
    ) -> Result<T, EngineError> {
        let _slots = self
            .slots
            .acquire_many(self.slots_for(first_page))
            .await
            .expect("the gate's semaphore is never closed");
        let page = request.await?;
        if first_page {
            self.observe(entries(&page));
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_replies_take_two_slots_small_ones_one() {
        let gate = ListingGate::new(64);
        assert_eq!(gate.slots_per_request(), 2, "unknown counts as large");
        gate.observe(100);
        assert_eq!(gate.slots_per_request(), 1);
        gate.observe(1000);
        assert_eq!(gate.slots_per_request(), 2);
    }

    #[test]
    fn a_gate_for_known_deployments_starts_from_their_page_size() {
        let sized = |objects: u64| Deployment {
            name: "d".into(),
            prefix: "d/".into(),
            objects,
            bytes: 0,
            newest: chrono::DateTime::UNIX_EPOCH,
            oldest: chrono::DateTime::UNIX_EPOCH,
            storage: Default::default(),
            incomplete_uploads: 0,
        };
        let small = [sized(100), sized(120)];
        assert_eq!(
            ListingGate::for_deployments(64, &small).slots_per_request(),
            1
        );
        let large = [sized(1000), sized(50_000)];
        assert_eq!(
            ListingGate::for_deployments(64, &large).slots_per_request(),
            2
        );
        assert_eq!(ListingGate::for_deployments(64, &[]).slots_per_request(), 2);
    }

    #[test]
    fn a_later_page_is_large_even_while_other_listings_are_small() {
        let gate = ListingGate::new(64);
        gate.observe(100);
        assert_eq!(gate.slots_for(true), 1);
        assert_eq!(gate.slots_for(false), 2);
    }

    #[test]
    fn a_gate_of_one_never_asks_for_more_than_it_has() {
        let gate = ListingGate::new(1);
        assert_eq!(gate.slots_per_request(), 1);
        assert_eq!(gate.slots_for(false), 1);
        let gate = ListingGate::new(0);
        assert_eq!(gate.slots_per_request(), 1);
        let gate = ListingGate::new(usize::MAX);
        assert_eq!(
            gate.capacity,
            u32::MAX,
            "never truncated to a gate that admits all"
        );
    }
}
