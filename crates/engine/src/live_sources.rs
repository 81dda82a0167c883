//! Reading what says which deployments are live: the pointer objects the operator named
//! (`--live KEY`) and, with auto-detection, the small objects directly under the root.
//! What their contents name is decided by [`crate::pointer`] and [`crate::live`].

use futures::stream::{self, StreamExt, TryStreamExt};

use super::bucket::Bucket;
use super::error::EngineError;
use super::live::{LiveOptions, MAX_DETECTED_BYTES};
use super::pointer::MAX_POINTER_BYTES;

/// Pointer objects read at once.
const READS_IN_FLIGHT: usize = 16;

/// At most this many root objects are read by auto-detection. With more, the run stops
/// rather than guess: an unread one could be the page that names the live deployment.
pub const MAX_DETECTED_OBJECTS: usize = 1000;

/// A pointer object's key and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointerContent {
    pub key: String,
    pub content: Vec<u8>,
}

/// Reads the named pointers (each must exist and be at most 1 MiB, or the whole read
/// fails: a pointer the operator named never silently counts as "nothing is live") and,
/// when `options.detect`, the root objects in `detected` (keys of objects of at most
/// 64 KiB; one deleted meanwhile is skipped).
pub async fn read_pointers(
    bucket: &Bucket,
    options: &LiveOptions,
    detected: &[String],
) -> Result<Vec<PointerContent>, EngineError> {
    let mut reads: Vec<(String, bool)> = options
        .pointers
        .iter()
        .map(|key| (key.clone(), true))
        .collect();
    if options.detect {
        let candidates: Vec<&String> = detected
            .iter()
            .filter(|key| !options.pointers.contains(key))
            .collect();
        if candidates.len() > MAX_DETECTED_OBJECTS {
            return Err(EngineError::Other(format!(
                "s3://{}/ has {} objects of at most 64 KiB directly under the root, more than \
                 the {MAX_DETECTED_OBJECTS} live detection reads, so it cannot tell which \
                 deployment is live. Name the object that says so with --live KEY and pass \
                 --no-live-detect. Nothing was deleted",
                bucket.name(),
                candidates.len()
            )));
        }
        reads.extend(candidates.into_iter().map(|key| (key.clone(), false)));
    }
    let reads: Vec<Option<PointerContent>> = stream::iter(reads)
        .map(|(key, named)| read_one(bucket, key, named))
        .buffered(READS_IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(reads.into_iter().flatten().collect())
}

async fn read_one(
    bucket: &Bucket,
    key: String,
    named: bool,
) -> Result<Option<PointerContent>, EngineError> {
    if named {
        read_named(bucket, key).await.map(Some)
    } else {
        read_detected(bucket, key).await
    }
}

async fn read_named(bucket: &Bucket, key: String) -> Result<PointerContent, EngineError> {
    let place = format!("s3://{}/{key}", bucket.name());
    let head = bucket
        .read_head(&key, MAX_POINTER_BYTES as u64 + 1)
        .await
        .map_err(|e| {
            EngineError::Other(format!(
                "cannot read the live pointer {place}: {e}; nothing was deleted"
            ))
        })?
        .ok_or_else(|| {
            EngineError::Other(format!(
                "the live pointer {place} (--live) does not exist. A pointer you name must \
                 say what is live; check the key (it is the full key, including any \
                 --prefix). Nothing was deleted"
            ))
        })?;
    if head.size > MAX_POINTER_BYTES as u64 {
        return Err(EngineError::Other(format!(
            "the live pointer {place} (--live) is {} bytes, more than the 1 MiB s3prune reads; \
             point --live at a small object that names the live deployment. Nothing was deleted",
            head.size
        )));
    }
    Ok(PointerContent {
        key,
        content: head.bytes,
    })
}

async fn read_detected(
    bucket: &Bucket,
    key: String,
) -> Result<Option<PointerContent>, EngineError> {
    let head = bucket
        .read_head(&key, MAX_DETECTED_BYTES as u64)
        .await
        .map_err(|e| {
            EngineError::Other(format!(
                "cannot read s3://{}/{key} to look for live deployments: {e}. Allow \
                 s3:GetObject on the root objects, or pass --no-live-detect to rely on \
                 --live and --live-alias only",
                bucket.name()
            ))
        })?;
    Ok(head.map(|head| PointerContent {
        key,
        content: head.bytes,
    }))
}
