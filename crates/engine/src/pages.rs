//! The one way s3prune pages through a listing: a stream of pages in a [`Scope`], each
//! request optionally through a [`ListingGate`]. Every listing step (discovery, tallies,
//! the re-check, the deletion's listing, the preview) consumes this stream.

use std::sync::atomic::{AtomicU16, Ordering};

use futures::stream::{self, Stream, TryStreamExt};

use super::bucket::{Bucket, Cursor, Entry, Page, Scope};
use super::error::EngineError;
use super::listing_gate::ListingGate;
use super::retry::retried;

/// What to list.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest<'a> {
    pub scope: Scope,
    pub prefix: &'a str,
    /// `Some("/")` for a delimiter listing (deployment discovery).
    pub delimiter: Option<&'a str>,
    /// Start after this key instead of at the prefix's first (a range of a listing).
    pub start_after: Option<&'a str>,
    /// How many entries each request asks for (`None`: the server's 1000).
    pub page_size: Option<&'a PageSize>,
}

/// The number of entries the next request of a listing asks for, which its consumer
/// may change between pages: a range lowers it for the page that should end it, so the
/// server does not read a page of keys past the range's end.
#[derive(Debug)]
pub struct PageSize(AtomicU16);

impl PageSize {
    /// The most entries S3 returns in one page.
    pub const FULL: u16 = 1000;

    pub fn full() -> Self {
        PageSize(AtomicU16::new(Self::FULL))
    }

    pub fn get(&self) -> u16 {
        self.0.load(Ordering::Relaxed)
    }

    /// Asks for `entries` (1 to [`PageSize::FULL`]) from the next request on.
    pub fn set(&self, entries: u64) {
        let entries = entries.clamp(1, u64::from(Self::FULL)) as u16;
        self.0.store(entries, Ordering::Relaxed);
    }
}

impl<'a> PageRequest<'a> {
    /// Every entry under `prefix`, in `scope`.
    pub fn flat(scope: Scope, prefix: &'a str) -> Self {
        PageRequest {
            scope,
            prefix,
            delimiter: None,
            start_after: None,
            page_size: None,
        }
    }
}

/// The pages of `request`, in order. Entries and common prefixes outside the requested
/// prefix (a misbehaving server) are dropped here, so no consumer can see them.
pub fn pages<'a>(
    bucket: &'a Bucket,
    request: PageRequest<'a>,
    gate: Option<&'a ListingGate>,
) -> impl Stream<Item = Result<Page, EngineError>> + Send + 'a {
    let start = match request.start_after {
        Some(key) => Cursor::After(key.to_string()),
        None => Cursor::Start,
    };
    stream::try_unfold(Some(start), move |cursor| async move {
        let Some(cursor) = cursor else {
            return Ok(None);
        };
        let first = matches!(cursor, Cursor::Start | Cursor::After(_));
        let max_keys = request
            .page_size
            .map(PageSize::get)
            .filter(|&size| size < PageSize::FULL);
        let listed = retried(bucket.retry(), || {
            bucket.list(
                request.scope,
                request.prefix,
                request.delimiter,
                cursor.clone(),
                max_keys,
            )
        });
        let (mut page, next) = match gate {
            Some(gate) => gate.through(first, listed, |(page, _)| page.len()).await?,
            None => listed.await?,
        };
        page.entries.retain(|e| e.key.starts_with(request.prefix));
        page.common_prefixes
            .retain(|p| p.starts_with(request.prefix));
        page.more = next.is_some();
        Ok(Some((page, next)))
    })
}

/// The entries of `request`, page after page.
pub fn entries<'a>(
    bucket: &'a Bucket,
    request: PageRequest<'a>,
    gate: Option<&'a ListingGate>,
) -> impl Stream<Item = Result<Vec<Entry>, EngineError>> + Send + 'a {
    pages(bucket, request, gate).map_ok(|page| page.entries)
}

/// The first `cap` current objects under `prefix` (for a preview), and whether there are
/// more.
pub async fn first_objects(
    bucket: &Bucket,
    prefix: &str,
    cap: usize,
) -> Result<(Vec<Entry>, bool), EngineError> {
    let mut found = Vec::new();
    let stream = entries(bucket, PageRequest::flat(Scope::Current, prefix), None);
    futures::pin_mut!(stream);
    while let Some(page) = stream.try_next().await? {
        found.extend(page);
        if found.len() > cap {
            found.truncate(cap);
            return Ok((found, true));
        }
    }
    Ok((found, false))
}
