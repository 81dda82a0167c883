//! Bucket operations: list, create, head, delete, location and versioning status.

use chrono::Utc;
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};

use super::errors::{journal_failed, store_error};
use super::wire::{owner, timestamp};
use crate::backend::Backend;
use crate::persist::Record;
use crate::store::StoreError;

pub(super) fn require_bucket(backend: &Backend, bucket: &str) -> S3Result<()> {
    backend
        .read()
        .store
        .bucket(bucket)
        .map(|_| ())
        .map_err(store_error)
}

pub(super) fn list_buckets(
    backend: &Backend,
    req: S3Request<ListBucketsInput>,
) -> S3Result<S3Response<ListBucketsOutput>> {
    let prefix = req.input.prefix.unwrap_or_default();
    let state = backend.read();
    let buckets = state
        .store
        .buckets()
        .filter(|(name, _)| name.starts_with(&prefix))
        .map(|(name, bucket)| Bucket {
            name: Some(name.clone()),
            creation_date: Some(timestamp(bucket.created)),
            bucket_region: Some(backend.region.clone()),
        })
        .collect();
    Ok(S3Response::new(ListBucketsOutput {
        buckets: Some(buckets),
        owner: Some(owner()),
        ..ListBucketsOutput::default()
    }))
}

pub(super) fn create_bucket(
    backend: &Backend,
    req: S3Request<CreateBucketInput>,
) -> S3Result<S3Response<CreateBucketOutput>> {
    let bucket = req.input.bucket;
    let created = Utc::now();
    {
        let mut state = backend.write();
        if state.store.bucket(&bucket).is_ok() {
            return Err(store_error(StoreError::BucketAlreadyOwnedByYou));
        }
        state
            .journal(&[Record::CreateBucket {
                bucket: bucket.clone(),
                created,
            }])
            .map_err(journal_failed)?;
        state
            .store
            .create_bucket(&bucket, created)
            .map_err(store_error)?;
    }
    Ok(S3Response::new(CreateBucketOutput {
        location: Some(format!("/{bucket}")),
    }))
}

pub(super) fn head_bucket(
    backend: &Backend,
    req: S3Request<HeadBucketInput>,
) -> S3Result<S3Response<HeadBucketOutput>> {
    require_bucket(backend, &req.input.bucket)?;
    Ok(S3Response::new(HeadBucketOutput {
        bucket_region: Some(backend.region.clone()),
        ..HeadBucketOutput::default()
    }))
}

pub(super) fn delete_bucket(
    backend: &Backend,
    req: S3Request<DeleteBucketInput>,
) -> S3Result<S3Response<DeleteBucketOutput>> {
    let bucket = req.input.bucket;
    let mut state = backend.write();
    if !state
        .store
        .bucket(&bucket)
        .map_err(store_error)?
        .objects
        .is_empty()
    {
        return Err(store_error(StoreError::BucketNotEmpty));
    }
    state
        .journal(&[Record::DeleteBucket {
            bucket: bucket.clone(),
        }])
        .map_err(journal_failed)?;
    state.store.delete_bucket(&bucket).map_err(store_error)?;
    Ok(S3Response::new(DeleteBucketOutput::default()))
}

pub(super) fn get_bucket_location(
    backend: &Backend,
    req: S3Request<GetBucketLocationInput>,
) -> S3Result<S3Response<GetBucketLocationOutput>> {
    require_bucket(backend, &req.input.bucket)?;
    // S3 reports us-east-1 as an empty location constraint.
    let region = &backend.region;
    let location_constraint =
        (region != "us-east-1").then(|| BucketLocationConstraint::from(region.clone()));
    Ok(S3Response::new(GetBucketLocationOutput {
        location_constraint,
    }))
}

pub(super) fn get_bucket_versioning(
    backend: &Backend,
    req: S3Request<GetBucketVersioningInput>,
) -> S3Result<S3Response<GetBucketVersioningOutput>> {
    require_bucket(backend, &req.input.bucket)?;
    // No status element: versioning has never been enabled.
    Ok(S3Response::new(GetBucketVersioningOutput::default()))
}
