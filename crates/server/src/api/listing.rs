//! Listings: ListObjects (v1), ListObjectsV2 and ListObjectVersions.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};

use super::errors::{invalid_argument, store_error};
use super::versions::NULL_VERSION;
use super::wire::{
    decode_token, encode_token, encoder, encoding_type, etag, opt_list, owner, timestamp,
    url_encoding,
};
use crate::backend::Backend;
use crate::store::{ListEntry, ListPage, ListQuery, ListStart, StoredObject};

const MAX_KEYS: i32 = 1000;

pub(super) fn list_objects_v2(
    backend: &Backend,
    req: S3Request<ListObjectsV2Input>,
) -> S3Result<S3Response<ListObjectsV2Output>> {
    let input = req.input;
    let max_keys = max_keys(input.max_keys)?;
    let url = url_encoding(input.encoding_type.as_ref())?;
    let enc = encoder(url);
    let start_after = non_empty(input.start_after);
    let start = match (&input.continuation_token, &start_after) {
        (Some(token), _) => ListStart::Resume(decode_token(token)?),
        (None, Some(after)) => ListStart::AfterKey(after.clone()),
        (None, None) => ListStart::Beginning,
    };
    let delimiter = non_empty(input.delimiter);
    let query = ListQuery {
        prefix: input.prefix.unwrap_or_default(),
        delimiter: delimiter.clone(),
        start,
        max_keys,
    };
    let with_owner = input.fetch_owner.unwrap_or(false);

    let state = backend.read();
    let page = state
        .store
        .list(&input.bucket, &query)
        .map_err(store_error)?;
    backend.count_listed(page.entries.len());
    let dto = page_dto(&page, &enc, |key, o| list_object(key, o, with_owner));
    let output = ListObjectsV2Output {
        name: Some(input.bucket.clone()),
        prefix: Some(enc(&query.prefix)),
        delimiter: delimiter.as_deref().map(&enc),
        max_keys: Some(max_keys as i32),
        key_count: Some(page.entries.len() as i32),
        continuation_token: input.continuation_token,
        start_after: start_after.as_deref().map(&enc),
        is_truncated: Some(page.is_truncated),
        next_continuation_token: page.next_marker().map(encode_token),
        contents: opt_list(dto.objects),
        common_prefixes: opt_list(dto.common_prefixes),
        encoding_type: encoding_type(url),
        ..ListObjectsV2Output::default()
    };
    Ok(S3Response::new(output))
}

pub(super) fn list_objects(
    backend: &Backend,
    req: S3Request<ListObjectsInput>,
) -> S3Result<S3Response<ListObjectsOutput>> {
    let input = req.input;
    let max_keys = max_keys(input.max_keys)?;
    let url = url_encoding(input.encoding_type.as_ref())?;
    let enc = encoder(url);
    let marker = non_empty(input.marker);
    let delimiter = non_empty(input.delimiter);
    let query = ListQuery {
        prefix: input.prefix.unwrap_or_default(),
        delimiter: delimiter.clone(),
        start: marker
            .clone()
            .map_or(ListStart::Beginning, ListStart::Resume),
        max_keys,
    };

    let state = backend.read();
    let page = state
        .store
        .list(&input.bucket, &query)
        .map_err(store_error)?;
    backend.count_listed(page.entries.len());
    let dto = page_dto(&page, &enc, |key, o| list_object(key, o, true));
    let output = ListObjectsOutput {
        name: Some(input.bucket.clone()),
        prefix: Some(enc(&query.prefix)),
        delimiter: delimiter.as_deref().map(&enc),
        marker: Some(marker.as_deref().map(&enc).unwrap_or_default()),
        max_keys: Some(max_keys as i32),
        is_truncated: Some(page.is_truncated),
        next_marker: page.next_marker().map(&enc),
        contents: opt_list(dto.objects),
        common_prefixes: opt_list(dto.common_prefixes),
        encoding_type: encoding_type(url),
        ..ListObjectsOutput::default()
    };
    Ok(S3Response::new(output))
}

pub(super) fn list_object_versions(
    backend: &Backend,
    req: S3Request<ListObjectVersionsInput>,
) -> S3Result<S3Response<ListObjectVersionsOutput>> {
    let input = req.input;
    let max_keys = max_keys(input.max_keys)?;
    let url = url_encoding(input.encoding_type.as_ref())?;
    let enc = encoder(url);
    let key_marker = non_empty(input.key_marker);
    let delimiter = non_empty(input.delimiter);
    let query = ListQuery {
        prefix: input.prefix.unwrap_or_default(),
        delimiter: delimiter.clone(),
        // Every key has exactly one version, so the version-id marker adds nothing.
        start: key_marker
            .clone()
            .map_or(ListStart::Beginning, ListStart::Resume),
        max_keys,
    };

    let state = backend.read();
    let page = state
        .store
        .list(&input.bucket, &query)
        .map_err(store_error)?;
    backend.count_listed(page.entries.len());
    let dto = page_dto(&page, &enc, |key, o| ObjectVersion {
        key: Some(key),
        version_id: Some(NULL_VERSION.to_owned()),
        is_latest: Some(true),
        size: Some(o.meta.size as i64),
        last_modified: Some(timestamp(o.meta.last_modified)),
        e_tag: Some(etag(o)),
        storage_class: Some(ObjectVersionStorageClass::from(
            o.storage_class().to_owned(),
        )),
        owner: Some(owner()),
        ..ObjectVersion::default()
    });
    let next_key_marker = page.next_marker().map(&enc);
    let output = ListObjectVersionsOutput {
        name: Some(input.bucket.clone()),
        prefix: Some(enc(&query.prefix)),
        delimiter: delimiter.as_deref().map(&enc),
        key_marker: Some(key_marker.as_deref().map(&enc).unwrap_or_default()),
        version_id_marker: Some(input.version_id_marker.unwrap_or_default()),
        max_keys: Some(max_keys as i32),
        is_truncated: Some(page.is_truncated),
        next_version_id_marker: next_key_marker.as_ref().map(|_| NULL_VERSION.to_owned()),
        next_key_marker,
        versions: opt_list(dto.objects),
        common_prefixes: opt_list(dto.common_prefixes),
        encoding_type: encoding_type(url),
        ..ListObjectVersionsOutput::default()
    };
    Ok(S3Response::new(output))
}

fn max_keys(requested: Option<i32>) -> S3Result<usize> {
    match requested {
        None => Ok(MAX_KEYS as usize),
        Some(n) if n < 0 => Err(invalid_argument("max-keys must be non-negative")),
        Some(n) => Ok(n.min(MAX_KEYS) as usize),
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// Keys and common prefixes of a page, as DTOs.
struct PageDto<T> {
    objects: Vec<T>,
    common_prefixes: Vec<CommonPrefix>,
}

fn page_dto<T>(
    page: &ListPage<'_>,
    enc: &impl Fn(&str) -> String,
    object: impl Fn(String, &StoredObject) -> T,
) -> PageDto<T> {
    let mut dto = PageDto {
        objects: Vec::new(),
        common_prefixes: Vec::new(),
    };
    for entry in &page.entries {
        match entry {
            ListEntry::Object(key, o) => dto.objects.push(object(enc(key), o)),
            ListEntry::CommonPrefix(p) => dto.common_prefixes.push(CommonPrefix {
                prefix: Some(enc(p)),
            }),
        }
    }
    dto
}

fn list_object(key: String, o: &StoredObject, with_owner: bool) -> Object {
    Object {
        key: Some(key),
        size: Some(o.meta.size as i64),
        last_modified: Some(timestamp(o.meta.last_modified)),
        e_tag: Some(etag(o)),
        storage_class: Some(ObjectStorageClass::from(o.storage_class().to_owned())),
        owner: with_owner.then(owner),
        ..Object::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_keys_defaults_and_caps() {
        assert_eq!(max_keys(None).unwrap(), 1000);
        assert_eq!(max_keys(Some(5000)).unwrap(), 1000);
        assert_eq!(max_keys(Some(7)).unwrap(), 7);
        assert!(max_keys(Some(-1)).is_err());
    }
}
