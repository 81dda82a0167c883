//! Single-object operations: put, get (with ranges), head and delete.

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::buckets::require_bucket;
use super::checksums::verify_checksums;
use super::errors::{internal, invalid_argument, journal_failed, store_error};
use super::versions::check_version_id;
use super::wire::{etag, opt_metadata, timestamp};
use crate::backend::Backend;
use crate::persist::Record;
use crate::store::StoredObject;
use crate::BACKDATE_METADATA_KEY;

pub(super) async fn put_object(
    backend: &Backend,
    req: S3Request<PutObjectInput>,
) -> S3Result<S3Response<PutObjectOutput>> {
    let S3Request {
        mut input,
        trailing_headers,
        ..
    } = req;
    require_bucket(backend, &input.bucket)?;

    let data = collect_body(input.body.take()).await?;
    if let Some(len) = input.content_length {
        if u64::try_from(len).ok() != Some(data.len() as u64) {
            return Err(S3Error::with_message(
                S3ErrorCode::IncompleteBody,
                "You did not provide the number of bytes specified by the Content-Length HTTP header",
            ));
        }
    }
    let checksums = verify_checksums(&input, trailing_headers.as_ref(), &data)?;

    let metadata: BTreeMap<String, String> = input
        .metadata
        .take()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let last_modified = backdated_last_modified(&metadata)?;
    let storage_class = stored_class(input.storage_class.take())?;
    let mut object = StoredObject::new(data, last_modified, metadata, input.content_type.take());
    object.meta.storage_class = storage_class;
    let etag = etag(&object);

    if let Some(blobs) = backend.blobs.clone() {
        let (md5, data) = (object.meta.md5.clone(), object.data.clone());
        tokio::task::spawn_blocking(move || blobs.write(&md5, &data))
            .await
            .map_err(|e| internal("blob writer failed", e))?
            .map_err(|e| internal("cannot write the object", e))?;
    }
    {
        let mut state = backend.write();
        state.store.bucket(&input.bucket).map_err(store_error)?;
        state
            .journal(&[Record::Put {
                bucket: input.bucket.clone(),
                key: input.key.clone(),
                meta: object.meta.clone(),
            }])
            .map_err(journal_failed)?;
        state
            .store
            .put_object(&input.bucket, &input.key, object)
            .map_err(store_error)?;
    }
    Ok(S3Response::new(PutObjectOutput {
        e_tag: Some(etag),
        checksum_crc32: checksums.checksum_crc32,
        checksum_crc32c: checksums.checksum_crc32c,
        checksum_crc64nvme: checksums.checksum_crc64nvme,
        checksum_sha1: checksums.checksum_sha1,
        checksum_sha256: checksums.checksum_sha256,
        ..PutObjectOutput::default()
    }))
}

/// The storage classes S3 accepts at PUT.
const STORAGE_CLASSES: [&str; 11] = [
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "OUTPOSTS",
    "GLACIER_IR",
    "SNOW",
    "EXPRESS_ONEZONE",
];

/// What to store for an `x-amz-storage-class` header: nothing for STANDARD (the
/// default), the class otherwise; an unknown class is refused, as S3 does.
pub(super) fn stored_class(class: Option<StorageClass>) -> S3Result<Option<String>> {
    match class.as_ref().map(StorageClass::as_str) {
        None | Some("STANDARD") => Ok(None),
        Some(name) if STORAGE_CLASSES.contains(&name) => Ok(Some(name.to_owned())),
        Some(name) => Err(S3Error::with_message(
            S3ErrorCode::InvalidStorageClass,
            format!("The storage class you specified is not valid: {name}"),
        )),
    }
}

pub(super) fn get_object(
    backend: &Backend,
    req: S3Request<GetObjectInput>,
) -> S3Result<S3Response<GetObjectOutput>> {
    let input = req.input;
    let object = lookup(
        backend,
        &input.bucket,
        &input.key,
        input.version_id.as_deref(),
    )?;
    let size = object.meta.size;
    let (body, content_range) = match input.range {
        None => (object.data.clone(), None),
        Some(range) => {
            let r = range.check(size)?;
            let slice = object.data.slice(r.start as usize..r.end as usize);
            (
                slice,
                Some(format!("bytes {}-{}/{size}", r.start, r.end - 1)),
            )
        }
    };
    Ok(S3Response::new(GetObjectOutput {
        content_length: Some(body.len() as i64),
        body: Some(StreamingBlob::from(s3s::Body::from(body))),
        content_range,
        accept_ranges: Some("bytes".to_owned()),
        content_type: object.meta.content_type.clone(),
        e_tag: Some(etag(&object)),
        last_modified: Some(timestamp(object.meta.last_modified)),
        metadata: opt_metadata(&object.meta.metadata),
        ..GetObjectOutput::default()
    }))
}

pub(super) fn head_object(
    backend: &Backend,
    req: S3Request<HeadObjectInput>,
) -> S3Result<S3Response<HeadObjectOutput>> {
    let input = req.input;
    let object = lookup(
        backend,
        &input.bucket,
        &input.key,
        input.version_id.as_deref(),
    )?;
    Ok(S3Response::new(HeadObjectOutput {
        content_length: Some(object.meta.size as i64),
        accept_ranges: Some("bytes".to_owned()),
        content_type: object.meta.content_type.clone(),
        e_tag: Some(etag(&object)),
        last_modified: Some(timestamp(object.meta.last_modified)),
        metadata: opt_metadata(&object.meta.metadata),
        storage_class: object.meta.storage_class.clone().map(StorageClass::from),
        ..HeadObjectOutput::default()
    }))
}

pub(super) fn delete_object(
    backend: &Backend,
    req: S3Request<DeleteObjectInput>,
) -> S3Result<S3Response<DeleteObjectOutput>> {
    let input = req.input;
    check_version_id(input.version_id.as_deref())?;
    let mut state = backend.write();
    let bucket = state.store.bucket(&input.bucket).map_err(store_error)?;
    if bucket.objects.contains_key(&input.key) {
        state
            .journal(&[Record::Delete {
                bucket: input.bucket.clone(),
                key: input.key.clone(),
            }])
            .map_err(journal_failed)?;
        state
            .store
            .delete_object(&input.bucket, &input.key)
            .map_err(store_error)?;
    }
    Ok(S3Response::new(DeleteObjectOutput {
        version_id: input.version_id,
        ..DeleteObjectOutput::default()
    }))
}

fn lookup(
    backend: &Backend,
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
) -> S3Result<StoredObject> {
    check_version_id(version_id)?;
    // Cloning is cheap: the bytes are reference counted.
    backend
        .read()
        .store
        .get_object(bucket, key)
        .cloned()
        .map_err(store_error)
}

pub(super) async fn collect_body(body: Option<StreamingBlob>) -> S3Result<Bytes> {
    let Some(mut body) = body else {
        return Ok(Bytes::new());
    };
    let mut buf = BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            S3Error::with_message(
                S3ErrorCode::IncompleteBody,
                format!("reading the body failed: {e}"),
            )
        })?;
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

pub(super) fn backdated_last_modified(
    metadata: &BTreeMap<String, String>,
) -> S3Result<DateTime<Utc>> {
    match metadata.get(BACKDATE_METADATA_KEY) {
        None => Ok(Utc::now()),
        Some(value) => DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                invalid_argument(format!(
                    "x-amz-meta-{BACKDATE_METADATA_KEY} is not an RFC 3339 timestamp: {e}"
                ))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backdate_parses_rfc3339() {
        let mut m = BTreeMap::new();
        m.insert(
            BACKDATE_METADATA_KEY.to_owned(),
            "2020-01-02T03:04:05Z".to_owned(),
        );
        assert_eq!(
            backdated_last_modified(&m).unwrap().to_rfc3339(),
            "2020-01-02T03:04:05+00:00"
        );
        m.insert(BACKDATE_METADATA_KEY.to_owned(), "yesterday".to_owned());
        assert!(backdated_last_modified(&m).is_err());
    }
}
