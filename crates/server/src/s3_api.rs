//! The S3 operations, implemented on the in-memory store for `s3s`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::StreamExt;
use s3s::checksum::ChecksumHasher;
use s3s::crypto::{Checksum as _, Crc32, Crc32c, Crc64Nvme, Sha1, Sha256};
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result, TrailingHeaders, S3};

use super::faults::{FaultInjector, RequestFault};
use super::persist::{Blobs, Disk, Record};
use super::store::{ListEntry, ListPage, ListQuery, ListStart, Store, StoreError, StoredObject};
use super::BACKDATE_METADATA_KEY;

const MAX_KEYS: i32 = 1000;
const MAX_DELETE_KEYS: usize = 1000;
/// The version id S3 reports for objects in an unversioned bucket.
const NULL_VERSION: &str = "null";
const OWNER_ID: &str = "s3prune";

struct State {
    store: Store,
    disk: Option<Disk>,
}

/// The store plus everything request handling shares (faults, persistence).
pub(crate) struct Backend {
    state: RwLock<State>,
    blobs: Option<Blobs>,
    pub(crate) faults: FaultInjector,
    region: String,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Backend {
    pub(crate) fn new(store: Store, disk: Option<Disk>, region: String) -> Self {
        let blobs = disk.as_ref().map(Disk::blobs);
        Self {
            state: RwLock::new(State { store, disk }),
            blobs,
            faults: FaultInjector::default(),
            region,
        }
    }

    // Handlers never panic while holding the lock in a way that breaks the
    // store's invariants (every mutation is a single map operation), so a
    // poisoned lock is still usable.
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes a fresh snapshot when on disk (used at shutdown).
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        let mut state = self.write();
        let State { store, disk } = &mut *state;
        match disk {
            Some(disk) => disk.compact(store),
            None => Ok(()),
        }
    }
}

impl State {
    /// Journals records before the caller applies them in memory.
    fn journal(&mut self, records: &[Record]) -> S3Result<()> {
        let Some(disk) = &mut self.disk else {
            return Ok(());
        };
        disk.append(records)
            .map_err(|e| internal("cannot write the journal", e))?;
        if let Err(e) = disk.maybe_compact(&self.store) {
            tracing::warn!(error = %e, "journal compaction failed");
        }
        Ok(())
    }
}

fn internal(context: &str, e: impl std::fmt::Display) -> S3Error {
    S3Error::with_message(S3ErrorCode::InternalError, format!("{context}: {e}"))
}

fn store_error(e: StoreError) -> S3Error {
    let (code, msg) = match e {
        StoreError::NoSuchBucket => (
            S3ErrorCode::NoSuchBucket,
            "The specified bucket does not exist",
        ),
        StoreError::NoSuchKey => (S3ErrorCode::NoSuchKey, "The specified key does not exist."),
        StoreError::BucketNotEmpty => (
            S3ErrorCode::BucketNotEmpty,
            "The bucket you tried to delete is not empty",
        ),
        StoreError::BucketAlreadyOwnedByYou => (
            S3ErrorCode::BucketAlreadyOwnedByYou,
            "Your previous request to create the named bucket succeeded and you already own it.",
        ),
    };
    S3Error::with_message(code, msg)
}

fn invalid_argument(msg: impl Into<String>) -> S3Error {
    S3Error::with_message(S3ErrorCode::InvalidArgument, msg.into())
}

fn timestamp(t: DateTime<Utc>) -> Timestamp {
    Timestamp::from(SystemTime::from(t))
}

fn etag(object: &StoredObject) -> ETag {
    ETag::Strong(object.meta.md5.clone())
}

fn owner() -> Owner {
    Owner {
        display_name: Some(OWNER_ID.to_owned()),
        id: Some(OWNER_ID.to_owned()),
    }
}

fn check_version_id(version_id: Option<&str>) -> S3Result<()> {
    match version_id {
        None | Some(NULL_VERSION) => Ok(()),
        Some(_) => Err(invalid_argument("Invalid version id specified")),
    }
}

fn max_keys(requested: Option<i32>) -> S3Result<usize> {
    match requested {
        None => Ok(MAX_KEYS as usize),
        Some(n) if n < 0 => Err(invalid_argument("max-keys must be non-negative")),
        Some(n) => Ok(n.min(MAX_KEYS) as usize),
    }
}

/// Whether `encoding-type=url` was requested (the only value S3 accepts).
fn url_encoding(encoding_type: Option<&EncodingType>) -> S3Result<bool> {
    match encoding_type.map(EncodingType::as_str) {
        None => Ok(false),
        Some(EncodingType::URL) => Ok(true),
        Some(_) => Err(invalid_argument(
            "Invalid Encoding Method specified in Request",
        )),
    }
}

/// Percent-encodes everything except unreserved characters and `/`. Decoders
/// using either `unquote` or `unquote_plus` recover the exact key.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn encoder(url: bool) -> impl Fn(&str) -> String {
    move |s: &str| if url { url_encode(s) } else { s.to_owned() }
}

fn encode_token(marker: &str) -> String {
    hex::encode(marker.as_bytes())
}

fn decode_token(token: &str) -> S3Result<String> {
    hex::decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| invalid_argument("The continuation token provided is incorrect"))
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
        storage_class: Some(ObjectStorageClass::from_static(
            ObjectStorageClass::STANDARD,
        )),
        owner: with_owner.then(owner),
        ..Object::default()
    }
}

fn opt_list<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// Collects a request body.
async fn collect_body(body: Option<StreamingBlob>) -> S3Result<Bytes> {
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

/// Verifies the flexible checksums the client sent (as headers, or as trailers
/// of an `aws-chunked` body) and returns the computed ones.
fn verify_checksums(
    input: &PutObjectInput,
    trailers: Option<&TrailingHeaders>,
    data: &[u8],
) -> S3Result<Checksum> {
    let trailer = |name: &str| {
        trailers
            .and_then(|t| t.read(|h| h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)))
            .flatten()
    };
    let expected = Checksum {
        checksum_crc32: input
            .checksum_crc32
            .clone()
            .or_else(|| trailer("x-amz-checksum-crc32")),
        checksum_crc32c: input
            .checksum_crc32c
            .clone()
            .or_else(|| trailer("x-amz-checksum-crc32c")),
        checksum_crc64nvme: input
            .checksum_crc64nvme
            .clone()
            .or_else(|| trailer("x-amz-checksum-crc64nvme")),
        checksum_sha1: input
            .checksum_sha1
            .clone()
            .or_else(|| trailer("x-amz-checksum-sha1")),
        checksum_sha256: input
            .checksum_sha256
            .clone()
            .or_else(|| trailer("x-amz-checksum-sha256")),
        ..Checksum::default()
    };
    let mut hasher = ChecksumHasher {
        crc32: expected.checksum_crc32.is_some().then(Crc32::new),
        crc32c: expected.checksum_crc32c.is_some().then(Crc32c::new),
        sha1: expected.checksum_sha1.is_some().then(Sha1::new),
        sha256: expected.checksum_sha256.is_some().then(Sha256::new),
        crc64nvme: expected.checksum_crc64nvme.is_some().then(Crc64Nvme::new),
    };
    hasher.update(data);
    let actual = hasher.finalize();
    let pairs = [
        ("CRC32", &expected.checksum_crc32, &actual.checksum_crc32),
        ("CRC32C", &expected.checksum_crc32c, &actual.checksum_crc32c),
        (
            "CRC64NVME",
            &expected.checksum_crc64nvme,
            &actual.checksum_crc64nvme,
        ),
        ("SHA1", &expected.checksum_sha1, &actual.checksum_sha1),
        ("SHA256", &expected.checksum_sha256, &actual.checksum_sha256),
    ];
    for (name, expected, actual) in pairs {
        if expected.is_some() && expected != actual {
            return Err(S3Error::with_message(
                S3ErrorCode::BadDigest,
                format!("The {name} you specified did not match the calculated checksum."),
            ));
        }
    }
    Ok(actual)
}

fn backdated_last_modified(metadata: &BTreeMap<String, String>) -> S3Result<DateTime<Utc>> {
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

/// The `s3s::S3` implementation.
#[derive(Clone)]
pub(crate) struct S3Api {
    pub(crate) backend: Arc<Backend>,
}

impl S3Api {
    /// Applies injected latency and request-level faults.
    async fn gate(&self, operation: &str) -> S3Result<()> {
        let (latency, fault) = self.backend.faults.on_request(operation);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fault {
            None => Ok(()),
            Some(RequestFault::SlowDown) => Err(S3Error::with_message(
                S3ErrorCode::SlowDown,
                "Please reduce your request rate. (injected fault)",
            )),
            Some(RequestFault::InternalError) => Err(S3Error::with_message(
                S3ErrorCode::InternalError,
                "We encountered an internal error. Please try again. (injected fault)",
            )),
        }
    }

    fn bucket_exists(&self, bucket: &str) -> S3Result<()> {
        self.backend
            .read()
            .store
            .bucket(bucket)
            .map(|_| ())
            .map_err(store_error)
    }

    async fn handle_list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        self.gate("ListBuckets").await?;
        let prefix = req.input.prefix.unwrap_or_default();
        let state = self.backend.read();
        let buckets = state
            .store
            .buckets()
            .filter(|(name, _)| name.starts_with(&prefix))
            .map(|(name, bucket)| Bucket {
                name: Some(name.clone()),
                creation_date: Some(timestamp(bucket.created)),
                bucket_region: Some(self.backend.region.clone()),
            })
            .collect();
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(buckets),
            owner: Some(owner()),
            ..ListBucketsOutput::default()
        }))
    }

    async fn handle_create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        self.gate("CreateBucket").await?;
        let bucket = req.input.bucket;
        let created = Utc::now();
        {
            let mut state = self.backend.write();
            if state.store.bucket(&bucket).is_ok() {
                return Err(store_error(StoreError::BucketAlreadyOwnedByYou));
            }
            state.journal(&[Record::CreateBucket {
                bucket: bucket.clone(),
                created,
            }])?;
            state
                .store
                .create_bucket(&bucket, created)
                .map_err(store_error)?;
        }
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{bucket}")),
        }))
    }

    async fn handle_head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.gate("HeadBucket").await?;
        self.bucket_exists(&req.input.bucket)?;
        Ok(S3Response::new(HeadBucketOutput {
            bucket_region: Some(self.backend.region.clone()),
            ..HeadBucketOutput::default()
        }))
    }

    async fn handle_delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        self.gate("DeleteBucket").await?;
        let bucket = req.input.bucket;
        let mut state = self.backend.write();
        if !state
            .store
            .bucket(&bucket)
            .map_err(store_error)?
            .objects
            .is_empty()
        {
            return Err(store_error(StoreError::BucketNotEmpty));
        }
        state.journal(&[Record::DeleteBucket {
            bucket: bucket.clone(),
        }])?;
        state.store.delete_bucket(&bucket).map_err(store_error)?;
        Ok(S3Response::new(DeleteBucketOutput::default()))
    }

    async fn handle_get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.gate("GetBucketLocation").await?;
        self.bucket_exists(&req.input.bucket)?;
        // S3 reports us-east-1 as an empty location constraint.
        let region = &self.backend.region;
        let location_constraint =
            (region != "us-east-1").then(|| BucketLocationConstraint::from(region.clone()));
        Ok(S3Response::new(GetBucketLocationOutput {
            location_constraint,
        }))
    }

    async fn handle_get_bucket_versioning(
        &self,
        req: S3Request<GetBucketVersioningInput>,
    ) -> S3Result<S3Response<GetBucketVersioningOutput>> {
        self.gate("GetBucketVersioning").await?;
        self.bucket_exists(&req.input.bucket)?;
        // No status element: versioning has never been enabled.
        Ok(S3Response::new(GetBucketVersioningOutput::default()))
    }

    async fn handle_put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        self.gate("PutObject").await?;
        let S3Request {
            mut input,
            trailing_headers,
            ..
        } = req;
        self.bucket_exists(&input.bucket)?;

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
        let object = StoredObject::new(data, last_modified, metadata, input.content_type.take());
        let etag = etag(&object);

        if let Some(blobs) = self.backend.blobs.clone() {
            let (md5, data) = (object.meta.md5.clone(), object.data.clone());
            tokio::task::spawn_blocking(move || blobs.write(&md5, &data))
                .await
                .map_err(|e| internal("blob writer failed", e))?
                .map_err(|e| internal("cannot write the object", e))?;
        }
        {
            let mut state = self.backend.write();
            state.store.bucket(&input.bucket).map_err(store_error)?;
            state.journal(&[Record::Put {
                bucket: input.bucket.clone(),
                key: input.key.clone(),
                meta: object.meta.clone(),
            }])?;
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

    fn lookup(&self, bucket: &str, key: &str, version_id: Option<&str>) -> S3Result<StoredObject> {
        check_version_id(version_id)?;
        // Cloning is cheap: the bytes are reference counted.
        self.backend
            .read()
            .store
            .get_object(bucket, key)
            .cloned()
            .map_err(store_error)
    }

    async fn handle_get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.gate("GetObject").await?;
        let input = req.input;
        let object = self.lookup(&input.bucket, &input.key, input.version_id.as_deref())?;
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
            metadata: opt_map(&object.meta.metadata),
            ..GetObjectOutput::default()
        }))
    }

    async fn handle_head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.gate("HeadObject").await?;
        let input = req.input;
        let object = self.lookup(&input.bucket, &input.key, input.version_id.as_deref())?;
        Ok(S3Response::new(HeadObjectOutput {
            content_length: Some(object.meta.size as i64),
            accept_ranges: Some("bytes".to_owned()),
            content_type: object.meta.content_type.clone(),
            e_tag: Some(etag(&object)),
            last_modified: Some(timestamp(object.meta.last_modified)),
            metadata: opt_map(&object.meta.metadata),
            ..HeadObjectOutput::default()
        }))
    }

    async fn handle_delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.gate("DeleteObject").await?;
        let input = req.input;
        check_version_id(input.version_id.as_deref())?;
        let mut state = self.backend.write();
        let bucket = state.store.bucket(&input.bucket).map_err(store_error)?;
        if bucket.objects.contains_key(&input.key) {
            state.journal(&[Record::Delete {
                bucket: input.bucket.clone(),
                key: input.key.clone(),
            }])?;
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

    async fn handle_delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        self.gate("DeleteObjects").await?;
        let input = req.input;
        let objects = input.delete.objects;
        let quiet = input.delete.quiet.unwrap_or(false);
        if objects.is_empty() || objects.len() > MAX_DELETE_KEYS {
            return Err(S3Error::with_message(
                S3ErrorCode::MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }

        let mut to_delete = Vec::new();
        let mut errors = Vec::new();
        for id in objects {
            let failure = match id.version_id.as_deref() {
                None | Some(NULL_VERSION) => None,
                Some(_) => Some(("NoSuchVersion", "The specified version does not exist.")),
            };
            let failure = failure.or_else(|| {
                self.backend.faults.delete_key_fails().then_some((
                    "InternalError",
                    "We encountered an internal error. Please try again. (injected fault)",
                ))
            });
            match failure {
                Some((code, message)) => errors.push(Error {
                    code: Some(code.to_owned()),
                    key: Some(id.key),
                    message: Some(message.to_owned()),
                    version_id: id.version_id,
                }),
                None => to_delete.push(id),
            }
        }

        {
            let mut state = self.backend.write();
            let bucket = state.store.bucket(&input.bucket).map_err(store_error)?;
            let records: Vec<Record> = to_delete
                .iter()
                .filter(|id| bucket.objects.contains_key(&id.key))
                .map(|id| Record::Delete {
                    bucket: input.bucket.clone(),
                    key: id.key.clone(),
                })
                .collect();
            state.journal(&records)?;
            for id in &to_delete {
                state
                    .store
                    .delete_object(&input.bucket, &id.key)
                    .map_err(store_error)?;
            }
        }

        let deleted = if quiet {
            Vec::new()
        } else {
            to_delete
                .into_iter()
                .map(|id| DeletedObject {
                    key: Some(id.key),
                    version_id: id.version_id,
                    ..DeletedObject::default()
                })
                .collect()
        };
        Ok(S3Response::new(DeleteObjectsOutput {
            deleted: opt_list(deleted),
            errors: opt_list(errors),
            ..DeleteObjectsOutput::default()
        }))
    }

    async fn handle_list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.gate("ListObjectsV2").await?;
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

        let state = self.backend.read();
        let page = state
            .store
            .list(&input.bucket, &query)
            .map_err(store_error)?;
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
            encoding_type: url.then(|| EncodingType::from_static(EncodingType::URL)),
            ..ListObjectsV2Output::default()
        };
        Ok(S3Response::new(output))
    }

    async fn handle_list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        self.gate("ListObjects").await?;
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

        let state = self.backend.read();
        let page = state
            .store
            .list(&input.bucket, &query)
            .map_err(store_error)?;
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
            encoding_type: url.then(|| EncodingType::from_static(EncodingType::URL)),
            ..ListObjectsOutput::default()
        };
        Ok(S3Response::new(output))
    }

    async fn handle_list_object_versions(
        &self,
        req: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        self.gate("ListObjectVersions").await?;
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

        let state = self.backend.read();
        let page = state
            .store
            .list(&input.bucket, &query)
            .map_err(store_error)?;
        let dto = page_dto(&page, &enc, |key, o| ObjectVersion {
            key: Some(key),
            version_id: Some(NULL_VERSION.to_owned()),
            is_latest: Some(true),
            size: Some(o.meta.size as i64),
            last_modified: Some(timestamp(o.meta.last_modified)),
            e_tag: Some(etag(o)),
            storage_class: Some(ObjectVersionStorageClass::from_static(
                ObjectVersionStorageClass::STANDARD,
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
            encoding_type: url.then(|| EncodingType::from_static(EncodingType::URL)),
            ..ListObjectVersionsOutput::default()
        };
        Ok(S3Response::new(output))
    }
}

fn opt_map(metadata: &BTreeMap<String, String>) -> Option<Metadata> {
    (!metadata.is_empty()).then(|| {
        metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    })
}

/// Implements `S3` methods by delegating to the inherent handlers. Written out
/// by hand because `s3s::S3` is an `async_trait` and this crate does not
/// depend on `async-trait`: the signature below is what that macro generates.
macro_rules! delegate_s3 {
    ($($method:ident => $handler:ident($input:ty) -> $output:ty;)*) => {
        impl S3 for S3Api {
            $(
                fn $method<'life0, 'async_trait>(
                    &'life0 self,
                    req: S3Request<$input>,
                ) -> BoxFuture<'async_trait, S3Result<S3Response<$output>>>
                where
                    'life0: 'async_trait,
                    Self: 'async_trait,
                {
                    Box::pin(self.$handler(req))
                }
            )*
        }
    };
}

delegate_s3! {
    list_buckets => handle_list_buckets(ListBucketsInput) -> ListBucketsOutput;
    create_bucket => handle_create_bucket(CreateBucketInput) -> CreateBucketOutput;
    head_bucket => handle_head_bucket(HeadBucketInput) -> HeadBucketOutput;
    delete_bucket => handle_delete_bucket(DeleteBucketInput) -> DeleteBucketOutput;
    get_bucket_location => handle_get_bucket_location(GetBucketLocationInput) -> GetBucketLocationOutput;
    get_bucket_versioning => handle_get_bucket_versioning(GetBucketVersioningInput) -> GetBucketVersioningOutput;
    put_object => handle_put_object(PutObjectInput) -> PutObjectOutput;
    get_object => handle_get_object(GetObjectInput) -> GetObjectOutput;
    head_object => handle_head_object(HeadObjectInput) -> HeadObjectOutput;
    delete_object => handle_delete_object(DeleteObjectInput) -> DeleteObjectOutput;
    delete_objects => handle_delete_objects(DeleteObjectsInput) -> DeleteObjectsOutput;
    list_objects_v2 => handle_list_objects_v2(ListObjectsV2Input) -> ListObjectsV2Output;
    list_objects => handle_list_objects(ListObjectsInput) -> ListObjectsOutput;
    list_object_versions => handle_list_object_versions(ListObjectVersionsInput) -> ListObjectVersionsOutput;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoding_round_trips_odd_keys() {
        assert_eq!(url_encode("a b+c/%d#e?ü~"), "a%20b%2Bc/%25d%23e%3F%C3%BC~");
    }

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        let marker = "dir with space/ünï+%/";
        assert_eq!(decode_token(&encode_token(marker)).unwrap(), marker);
        assert!(decode_token("zz").is_err());
        assert!(decode_token("ff").is_err()); // not UTF-8
    }

    #[test]
    fn max_keys_defaults_and_caps() {
        assert_eq!(max_keys(None).unwrap(), 1000);
        assert_eq!(max_keys(Some(5000)).unwrap(), 1000);
        assert_eq!(max_keys(Some(7)).unwrap(), 7);
        assert!(max_keys(Some(-1)).is_err());
    }

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
