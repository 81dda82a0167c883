//! Version ids: buckets are never versioned, so every object's only version is
//! the one S3 calls `null`.

use s3s::S3Result;

use super::errors::invalid_argument;

/// The version id S3 reports for objects in an unversioned bucket.
pub(super) const NULL_VERSION: &str = "null";

/// Accepts no version id or `null`, the only ones an unversioned bucket has.
pub(super) fn check_version_id(version_id: Option<&str>) -> S3Result<()> {
    match version_id {
        None | Some(NULL_VERSION) => Ok(()),
        Some(_) => Err(invalid_argument("Invalid version id specified")),
    }
}
