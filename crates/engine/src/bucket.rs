use std::collections::HashMap;

use aws_sdk_s3::primitives::{ByteStream, DateTime as SmithyDateTime};
use aws_sdk_s3::types::{BucketVersioningStatus, Delete, EncodingType, ObjectIdentifier};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::connection::Connection;
use super::cost::StorageClass;
use super::error::{classify, EngineError, ErrorContext};
use super::request_count::{RequestCounter, RequestCounts};
use super::retry::{retried, Retry};

/// The one seam between s3prune and S3: every S3 call the engine, the CLI and the TUI
/// make goes through here, and every SDK error leaves it as an [`EngineError`].
#[derive(Debug, Clone)]
pub struct Bucket {
    client: aws_sdk_s3::Client,
    name: String,
    endpoint_label: String,
    region: String,
    retry: Retry,
    requests: RequestCounter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    pub key: String,
    pub size: u64,
    pub last_modified: DateTime<Utc>,
}

/// What a listing sees: the current objects (ListObjectsV2), or every object version and
/// delete marker (ListObjectVersions, `--all-versions`). Every listing step takes a scope
/// instead of having a twin per kind of listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    #[default]
    Current,
    AllVersions,
}

/// One entry of a listing page: a current object, or (in [`Scope::AllVersions`]) an
/// object version or a delete marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    /// 0 for delete markers.
    pub size: u64,
    pub last_modified: DateTime<Utc>,
    /// As the server sent it (quotes included); `None` for delete markers.
    pub etag: Option<String>,
    /// `None` in [`Scope::Current`].
    pub version_id: Option<String>,
    /// Always true in [`Scope::Current`].
    pub is_latest: bool,
    pub is_delete_marker: bool,
    /// STANDARD for delete markers and when the listing names no class.
    pub storage_class: StorageClass,
}

impl Entry {
    /// A current object that still has content.
    pub fn is_current_object(&self) -> bool {
        self.is_latest && !self.is_delete_marker
    }

    /// What to name in a delete request: the key in [`Scope::Current`] (a plain delete),
    /// the exact version otherwise.
    pub fn object_ref(&self, scope: Scope) -> ObjectRef {
        ObjectRef {
            key: self.key.clone(),
            version_id: match scope {
                Scope::Current => None,
                Scope::AllVersions => self.version_id.clone(),
            },
        }
    }
}

impl From<Entry> for ListedObject {
    fn from(entry: Entry) -> Self {
        ListedObject {
            key: entry.key,
            size: entry.size,
            last_modified: entry.last_modified,
        }
    }
}

/// One listing page, whichever the scope.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub common_prefixes: Vec<String>,
    /// Whether another page follows (set by [`crate::pages`]).
    pub more: bool,
}

impl Page {
    /// Entries and prefixes together: what the page cost the server to produce.
    pub fn len(&self) -> usize {
        self.entries.len() + self.common_prefixes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where the next page of a listing starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Start,
    /// The first page of a listing that starts after this key: ListObjectsV2's
    /// `StartAfter`, ListObjectVersions' `KeyMarker`.
    After(String),
    /// ListObjectsV2's continuation token.
    Token(String),
    /// ListObjectVersions' key and version-id markers.
    Marker(String, Option<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versioning {
    Enabled,
    Suspended,
    /// Never enabled: a delete removes the object for good.
    Disabled,
}

impl Versioning {
    pub fn as_str(self) -> &'static str {
        match self {
            Versioning::Enabled => "Enabled",
            Versioning::Suspended => "Suspended",
            Versioning::Disabled => "Disabled",
        }
    }

    /// Whether a plain delete only adds delete markers (and so reclaims nothing).
    pub fn keeps_old_versions(self) -> bool {
        !matches!(self, Versioning::Disabled)
    }
}

/// The start of an object, as [`Bucket::read_head`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    /// At most the limit asked for.
    pub bytes: Vec<u8>,
    /// The whole object's size.
    pub size: u64,
}

/// A multipart upload that was started and not completed or aborted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub key: String,
    pub upload_id: String,
    pub initiated: Option<DateTime<Utc>>,
}

/// One thing to delete: a key, or one version of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    pub key: String,
    pub version_id: Option<String>,
}

/// One entry of a ListObjectVersions page: an object version or a delete marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectVersion {
    pub key: String,
    pub version_id: Option<String>,
    /// 0 for delete markers.
    pub size: u64,
    pub last_modified: DateTime<Utc>,
    pub is_latest: bool,
    pub is_delete_marker: bool,
}

#[derive(Debug, Clone, Default)]
pub struct VersionPage {
    pub versions: Vec<ObjectVersion>,
    pub common_prefixes: Vec<String>,
    /// Key and version-id markers for the next page.
    pub next: Option<(String, Option<String>)>,
}

/// The outcome of one DeleteObjects request, object by object.
#[derive(Debug, Clone, Default)]
pub struct DeleteReply {
    pub deleted: Vec<ObjectRef>,
    /// For plain deletes in a versioned bucket: the version id of the delete marker each
    /// one created (what `undo` removes to restore the object).
    pub markers: HashMap<ObjectRef, String>,
    pub errors: Vec<(ObjectRef, KeyError)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub key: String,
    pub code: String,
    pub message: String,
}

/// At most this many keys per DeleteObjects request (S3's limit; some servers accept
/// more, so s3prune enforces it itself).
pub const DELETE_BATCH_LIMIT: usize = 1000;

impl Bucket {
    pub fn new(connection: &Connection, name: impl Into<String>) -> Bucket {
        Bucket {
            client: connection.client.clone(),
            name: name.into(),
            endpoint_label: connection.endpoint_label.clone(),
            region: connection.region.clone(),
            retry: connection.retry,
            requests: connection.requests.clone(),
        }
    }

    /// Another bucket on the same connection (an inventory report's destination bucket).
    pub fn sibling(&self, name: impl Into<String>) -> Bucket {
        Bucket {
            name: name.into(),
            ..self.clone()
        }
    }

    /// How listing pages and pointer reads are retried (from the connection options).
    pub fn retry(&self) -> &Retry {
        &self.retry
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The requests sent so far through this bucket's connection (every clone of it).
    pub fn requests(&self) -> RequestCounts {
        self.requests.counts()
    }

    /// The counter behind [`Bucket::requests`], to read later.
    pub fn request_counter(&self) -> &RequestCounter {
        &self.requests
    }

    pub fn endpoint_label(&self) -> &str {
        &self.endpoint_label
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// The SDK client, for the S3 calls that live with their own concept
    /// ([`crate::lifecycle`]); they turn errors into [`EngineError`]s the same way.
    pub(crate) fn client(&self) -> &aws_sdk_s3::Client {
        &self.client
    }

    pub(crate) fn context(&self) -> ErrorContext<'_> {
        ErrorContext {
            bucket: &self.name,
            endpoint: &self.endpoint_label,
        }
    }

    /// Fails with a clear error if the bucket is missing or not ours to read.
    pub async fn check_access(&self) -> Result<(), EngineError> {
        self.client
            .head_bucket()
            .bucket(&self.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, &self.context()))
    }

    pub async fn versioning(&self) -> Result<Versioning, EngineError> {
        let reply = self
            .client
            .get_bucket_versioning()
            .bucket(&self.name)
            .send()
            .await
            .map_err(|e| classify(e, &self.context()))?;
        Ok(match reply.status() {
            Some(BucketVersioningStatus::Enabled) => Versioning::Enabled,
            Some(BucketVersioningStatus::Suspended) => Versioning::Suspended,
            _ => Versioning::Disabled,
        })
    }

    /// One listing page (up to 1000 entries) in `scope`, and where the next one starts
    /// (`None` after the last). [`crate::pages`] turns this into a page stream; nothing
    /// else pages.
    pub async fn list(
        &self,
        scope: Scope,
        prefix: &str,
        delimiter: Option<&str>,
        cursor: Cursor,
        max_keys: Option<u16>,
    ) -> Result<(Page, Option<Cursor>), EngineError> {
        let max_keys = max_keys.map(i32::from);
        match scope {
            Scope::Current => self.list_objects(prefix, delimiter, cursor, max_keys).await,
            Scope::AllVersions => {
                self.list_versions(prefix, delimiter, cursor, max_keys)
                    .await
            }
        }
    }

    async fn list_objects(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        cursor: Cursor,
        max_keys: Option<i32>,
    ) -> Result<(Page, Option<Cursor>), EngineError> {
        let (token, start_after) = match cursor {
            Cursor::Token(token) => (Some(token), None),
            Cursor::After(key) => (None, Some(key)),
            Cursor::Start | Cursor::Marker(..) => (None, None),
        };
        let reply = self
            .client
            .list_objects_v2()
            .bucket(&self.name)
            .prefix(prefix)
            .set_delimiter(delimiter.map(str::to_string))
            .set_continuation_token(token)
            .set_start_after(start_after)
            .set_max_keys(max_keys)
            // Keys may hold characters XML 1.0 cannot carry (ESC, other controls); with
            // url encoding every key survives the trip and is decoded here.
            .encoding_type(EncodingType::Url)
            .send()
            .await
            .map_err(|e| classify(e, &self.context()))?;
        let decode = key_decoder(reply.encoding_type() == Some(&EncodingType::Url));
        let mut entries = Vec::with_capacity(reply.contents().len());
        for object in reply.contents() {
            if let (Some(key), Some(modified)) = (object.key(), object.last_modified()) {
                entries.push(Entry {
                    key: decode(key)?,
                    size: object.size().unwrap_or(0).max(0) as u64,
                    last_modified: to_chrono(modified),
                    etag: object.e_tag().map(str::to_string),
                    version_id: None,
                    is_latest: true,
                    is_delete_marker: false,
                    storage_class: StorageClass::parse(object.storage_class().map(|c| c.as_str())),
                });
            }
        }
        let common_prefixes = reply
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix().map(decode))
            .collect::<Result<Vec<_>, _>>()?;
        let next = if reply.is_truncated().unwrap_or(false) {
            reply
                .next_continuation_token()
                .map(|token| Cursor::Token(token.to_string()))
        } else {
            None
        };
        Ok((
            Page {
                entries,
                common_prefixes,
                more: false,
            },
            next,
        ))
    }

    async fn list_versions(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        cursor: Cursor,
        max_keys: Option<i32>,
    ) -> Result<(Page, Option<Cursor>), EngineError> {
        let (key_marker, version_marker) = match cursor {
            Cursor::Marker(key, version) => (Some(key), version),
            Cursor::After(key) => (Some(key), None),
            Cursor::Start | Cursor::Token(_) => (None, None),
        };
        let reply = self
            .client
            .list_object_versions()
            .bucket(&self.name)
            .prefix(prefix)
            .set_delimiter(delimiter.map(str::to_string))
            .set_key_marker(key_marker)
            .set_version_id_marker(version_marker)
            .set_max_keys(max_keys)
            .encoding_type(EncodingType::Url)
            .send()
            .await
            .map_err(|e| classify(e, &self.context()))?;
        let decode = key_decoder(reply.encoding_type() == Some(&EncodingType::Url));
        let mut entries = Vec::new();
        for v in reply.versions() {
            if let (Some(key), Some(modified)) = (v.key(), v.last_modified()) {
                entries.push(Entry {
                    key: decode(key)?,
                    size: v.size().unwrap_or(0).max(0) as u64,
                    last_modified: to_chrono(modified),
                    etag: v.e_tag().map(str::to_string),
                    version_id: v.version_id().map(str::to_string),
                    is_latest: v.is_latest().unwrap_or(false),
                    is_delete_marker: false,
                    storage_class: StorageClass::parse(v.storage_class().map(|c| c.as_str())),
                });
            }
        }
        for m in reply.delete_markers() {
            if let (Some(key), Some(modified)) = (m.key(), m.last_modified()) {
                entries.push(Entry {
                    key: decode(key)?,
                    size: 0,
                    last_modified: to_chrono(modified),
                    etag: None,
                    version_id: m.version_id().map(str::to_string),
                    is_latest: m.is_latest().unwrap_or(false),
                    is_delete_marker: true,
                    storage_class: StorageClass::Standard,
                });
            }
        }
        let common_prefixes = reply
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix().map(decode))
            .collect::<Result<Vec<_>, _>>()?;
        let next = match (
            reply.is_truncated().unwrap_or(false),
            reply.next_key_marker(),
        ) {
            (true, Some(key)) => Some(Cursor::Marker(
                decode(key)?,
                reply.next_version_id_marker().map(str::to_string),
            )),
            _ => None,
        };
        Ok((
            Page {
                entries,
                common_prefixes,
                more: false,
            },
            next,
        ))
    }

    /// The versions and delete markers of exactly `key`, from one ListObjectVersions page
    /// with the key as prefix. The key sorts before every longer key that starts with it
    /// and S3 lists a key's versions newest first, so its newest version is on that page.
    /// Retried like every listing page.
    pub async fn versions_of_key(&self, key: &str) -> Result<Vec<Entry>, EngineError> {
        let (page, _) = retried(&self.retry, || {
            self.list_versions(key, None, Cursor::Start, None)
        })
        .await?;
        Ok(page.entries.into_iter().filter(|e| e.key == key).collect())
    }

    /// The first `limit` bytes of an object and its whole size, with one ranged GET
    /// (live pointers are read this way). `Ok(None)` if the key does not exist.
    pub async fn read_head(
        &self,
        key: &str,
        limit: u64,
    ) -> Result<Option<ObjectHead>, EngineError> {
        retried(&self.retry, || self.read_head_once(key, limit)).await
    }

    async fn read_head_once(
        &self,
        key: &str,
        limit: u64,
    ) -> Result<Option<ObjectHead>, EngineError> {
        let reply = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .range(format!("bytes=0-{}", limit.saturating_sub(1)))
            .send()
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(e)
                if matches!(
                    e.as_service_error().and_then(|s| s.meta().code()),
                    Some("NoSuchKey")
                ) =>
            {
                return Ok(None)
            }
            // An empty object has no byte 0 to start a range at.
            Err(e)
                if matches!(
                    e.as_service_error().and_then(|s| s.meta().code()),
                    Some("InvalidRange")
                ) =>
            {
                return Ok(Some(ObjectHead {
                    bytes: Vec::new(),
                    size: 0,
                }))
            }
            Err(e) => return Err(classify(e, &self.context())),
        };
        let size = reply
            .content_range()
            .and_then(|range| range.rsplit('/').next())
            .and_then(|total| total.parse::<u64>().ok())
            .or_else(|| reply.content_length().map(|n| n.max(0) as u64))
            .unwrap_or(0);
        let body = reply
            .body
            .collect()
            .await
            .map_err(|e| EngineError::Unreachable {
                endpoint: self.endpoint_label.clone(),
                detail: format!(
                    "the reply to reading s3://{}/{key} broke off: {e}",
                    self.name
                ),
            })?
            .into_bytes();
        let mut bytes = body.to_vec();
        // A server that ignores Range sends everything.
        bytes.truncate(limit as usize);
        Ok(Some(ObjectHead { bytes, size }))
    }

    /// A whole object's body as a stream (inventory reports are read this way), or
    /// `Ok(None)` if the key does not exist.
    pub async fn get_object(&self, key: &str) -> Result<Option<ByteStream>, EngineError> {
        let reply = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await;
        match reply {
            Ok(reply) => Ok(Some(reply.body)),
            Err(e)
                if matches!(
                    e.as_service_error().and_then(|s| s.meta().code()),
                    Some("NoSuchKey")
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(classify(e, &self.context())),
        }
    }

    /// Deletes the current version of each key (see [`Bucket::delete_objects`]).
    pub async fn delete_batch(&self, keys: &[String]) -> Result<DeleteReply, EngineError> {
        let refs: Vec<ObjectRef> = keys
            .iter()
            .map(|key| ObjectRef {
                key: key.clone(),
                version_id: None,
            })
            .collect();
        self.delete_objects(&refs).await
    }

    /// One DeleteObjects request in verbose mode, so that every object comes back either
    /// deleted or with an error; objects the reply does not mention are reported as
    /// errors (a 200 reply whose body is an error mentions none).
    pub async fn delete_objects(&self, objects: &[ObjectRef]) -> Result<DeleteReply, EngineError> {
        assert!(
            objects.len() <= DELETE_BATCH_LIMIT,
            "a DeleteObjects batch holds at most {DELETE_BATCH_LIMIT} keys"
        );
        let identifiers = objects
            .iter()
            .map(|o| {
                ObjectIdentifier::builder()
                    .key(&o.key)
                    .set_version_id(o.version_id.clone())
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EngineError::Other(e.to_string()))?;
        let delete = Delete::builder()
            .set_objects(Some(identifiers))
            .quiet(false)
            .build()
            .map_err(|e| EngineError::Other(e.to_string()))?;
        let reply = self
            .client
            .delete_objects()
            .bucket(&self.name)
            .delete(delete)
            .send()
            .await
            .map_err(|e| classify(e, &self.context()))?;

        // Match replies to requests by key, and by version where both name one. Servers
        // differ: some omit the version in replies to plain deletes, some omit "null".
        let identity = |key: &str, version: Option<&str>, asked: &ObjectRef| {
            asked.key == key
                && match (asked.version_id.as_deref(), version) {
                    (Some(asked), Some(replied)) => asked == replied,
                    _ => true,
                }
        };
        let mut by_key: HashMap<&str, Vec<usize>> = HashMap::with_capacity(objects.len());
        for (i, object) in objects.iter().enumerate() {
            by_key.entry(object.key.as_str()).or_default().push(i);
        }
        let mut answered = vec![false; objects.len()];
        let mut outcome = DeleteReply::default();
        let mut claim = |key: &str, version: Option<&str>| -> Option<usize> {
            let i = *by_key
                .get(key)?
                .iter()
                .find(|&&i| !answered[i] && identity(key, version, &objects[i]))?;
            answered[i] = true;
            Some(i)
        };
        for error in reply.errors() {
            if let Some(i) = error.key().and_then(|k| claim(k, error.version_id())) {
                outcome.errors.push((
                    objects[i].clone(),
                    KeyError {
                        key: objects[i].key.clone(),
                        code: error.code().unwrap_or("Unknown").to_string(),
                        message: error.message().unwrap_or("").to_string(),
                    },
                ));
            }
        }
        // A reply may name keys we did not send; they must not count as deleted.
        for deleted in reply.deleted() {
            if let Some(i) = deleted.key().and_then(|k| claim(k, deleted.version_id())) {
                let marker = created_marker(
                    &objects[i],
                    deleted.delete_marker(),
                    deleted.delete_marker_version_id(),
                );
                if let Some(marker) = marker {
                    outcome.markers.insert(objects[i].clone(), marker);
                }
                outcome.deleted.push(objects[i].clone());
            }
        }
        for (i, object) in objects.iter().enumerate() {
            if !answered[i] {
                outcome.errors.push((
                    object.clone(),
                    KeyError {
                        key: object.key.clone(),
                        code: "InternalError".into(),
                        message: "the DeleteObjects reply did not mention this key".into(),
                    },
                ));
            }
        }
        Ok(outcome)
    }

    /// One DeleteObject request: the key travels in the URL path, so this works for keys
    /// that an XML body cannot carry (see [`is_xml_safe`]). Returns the version id of the
    /// delete marker a plain delete created in a versioned bucket.
    pub async fn delete_one(&self, object: &ObjectRef) -> Result<Option<String>, EngineError> {
        let reply = self
            .client
            .delete_object()
            .bucket(&self.name)
            .key(&object.key)
            .set_version_id(object.version_id.clone())
            .send()
            .await
            .map_err(|e| classify(e, &self.context()))?;
        Ok(created_marker(
            object,
            reply.delete_marker(),
            reply.version_id(),
        ))
    }

    /// One ListMultipartUploads page under `prefix`: the uploads started and never
    /// completed or aborted, and the key and upload-id markers of the next page (`None`
    /// after the last). [`crate::uploads`] pages through it.
    pub async fn list_uploads(
        &self,
        prefix: &str,
        marker: Option<(String, String)>,
    ) -> Result<(Vec<Upload>, Option<(String, String)>), EngineError> {
        let (key_marker, upload_id_marker) = marker.unzip();
        let reply = self
            .client
            .list_multipart_uploads()
            .bucket(&self.name)
            .prefix(prefix)
            .set_key_marker(key_marker)
            .set_upload_id_marker(upload_id_marker)
            .encoding_type(EncodingType::Url)
            .send()
            .await
            .map_err(|e| classify(e, &self.context()))?;
        let decode = key_decoder(reply.encoding_type() == Some(&EncodingType::Url));
        let mut uploads = Vec::with_capacity(reply.uploads().len());
        for upload in reply.uploads() {
            if let (Some(key), Some(upload_id)) = (upload.key(), upload.upload_id()) {
                uploads.push(Upload {
                    key: decode(key)?,
                    upload_id: upload_id.to_string(),
                    initiated: upload.initiated().map(to_chrono),
                });
            }
        }
        let next = match (
            reply.is_truncated().unwrap_or(false),
            reply.next_key_marker(),
            reply.next_upload_id_marker(),
        ) {
            (true, Some(key), Some(id)) => Some((decode(key)?, id.to_string())),
            // A server that pages without markers would repeat the page forever.
            (true, _, _) => {
                return Err(EngineError::Other(format!(
                    "the multipart upload listing of s3://{}/{prefix} was cut short without saying where it goes on",
                    self.name
                )))
            }
            _ => None,
        };
        Ok((uploads, next))
    }

    /// Aborts one multipart upload; its parts are freed. An upload already gone
    /// (`NoSuchUpload`) counts as aborted.
    pub async fn abort_upload(&self, key: &str, upload_id: &str) -> Result<(), EngineError> {
        let reply = self
            .client
            .abort_multipart_upload()
            .bucket(&self.name)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await;
        match reply {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error().and_then(|s| s.meta().code()),
                    Some("NoSuchUpload")
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(classify(e, &self.context())),
        }
    }

    pub async fn create_if_missing(&self) -> Result<(), EngineError> {
        match self.check_access().await {
            Ok(()) => return Ok(()),
            Err(EngineError::NoSuchBucket { .. }) => {}
            Err(other) => return Err(other),
        }
        match self.client.create_bucket().bucket(&self.name).send().await {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error().and_then(|s| s.meta().code()),
                    Some("BucketAlreadyOwnedByYou")
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(classify(e, &self.context())),
        }
    }

    /// Uploads one object; `metadata` becomes `x-amz-meta-*` headers, `storage_class`
    /// (`STANDARD_IA`, `GLACIER`, …) the `x-amz-storage-class` header.
    pub async fn put_object(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
        metadata: &[(&str, String)],
        storage_class: Option<&str>,
    ) -> Result<(), EngineError> {
        let mut request = self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .set_storage_class(storage_class.map(aws_sdk_s3::types::StorageClass::from))
            .body(ByteStream::from(body));
        for (name, value) in metadata {
            request = request.metadata(*name, value);
        }
        request
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, &self.context()))
    }

    /// Starts a multipart upload of `key`, uploads `part` as its first part and leaves
    /// it unfinished, as a deploy that died mid-upload does (sample data). Returns the
    /// upload id.
    pub async fn start_upload(
        &self,
        key: &str,
        part: Vec<u8>,
        metadata: &[(&str, String)],
    ) -> Result<String, EngineError> {
        let mut request = self
            .client
            .create_multipart_upload()
            .bucket(&self.name)
            .key(key);
        for (name, value) in metadata {
            request = request.metadata(*name, value);
        }
        let created = request
            .send()
            .await
            .map_err(|e| classify(e, &self.context()))?;
        let upload_id = created
            .upload_id()
            .ok_or_else(|| {
                EngineError::Other("CreateMultipartUpload returned no upload id".into())
            })?
            .to_string();
        self.client
            .upload_part()
            .bucket(&self.name)
            .key(key)
            .upload_id(&upload_id)
            .part_number(1)
            .body(ByteStream::from(part))
            .send()
            .await
            .map_err(|e| classify(e, &self.context()))?;
        Ok(upload_id)
    }
}

/// The delete marker a delete created: only a plain delete (no version named) creates
/// one. Deleting a marker by its version id also replies "delete marker", but removes it.
fn created_marker(
    asked: &ObjectRef,
    is_marker: Option<bool>,
    marker_version: Option<&str>,
) -> Option<String> {
    match (&asked.version_id, is_marker, marker_version) {
        (None, Some(true), Some(id)) if !id.is_empty() => Some(id.to_string()),
        _ => None,
    }
}

/// Whether a key can travel in a DeleteObjects XML body unchanged. XML 1.0 cannot carry
/// most control characters, and parsers normalise CR and LF, so such keys are deleted one
/// by one instead.
pub fn is_xml_safe(key: &str) -> bool {
    !key.chars()
        .any(|c| c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// Turns listed keys and prefixes back into the exact key: url-decoded when the reply
/// says it is `encoding-type=url`, as is otherwise.
fn key_decoder(encoded: bool) -> impl Fn(&str) -> Result<String, EngineError> + Copy {
    move |text: &str| {
        if encoded {
            url_decode(text).ok_or_else(|| {
                EngineError::Other(format!("the server sent a badly encoded key: {text:?}"))
            })
        } else {
            Ok(text.to_string())
        }
    }
}

/// Decodes S3's `encoding-type=url` form: `%XX` escapes and `+` for a space (a literal
/// `+` arrives as `%2B`), as botocore does. `None` for a malformed escape or a result
/// that is not UTF-8.
pub(crate) fn url_decode(text: &str) -> Option<String> {
    let well_formed = text
        .split('%')
        .skip(1)
        .all(|rest| rest.len() >= 2 && rest.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit));
    if !well_formed {
        return None;
    }
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

fn to_chrono(time: &SmithyDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::url_decode;

    #[test]
    fn url_decoding_follows_s3() {
        assert_eq!(url_decode("a%20b+c%2Bd").as_deref(), Some("a b c+d"));
        assert_eq!(
            url_decode("evil%1B%5B2J/x").as_deref(),
            Some("evil\u{1b}[2J/x")
        );
        assert_eq!(url_decode("%E6%97%A5").as_deref(), Some("日"));
        assert_eq!(url_decode("bad%2"), None);
        assert_eq!(url_decode("bad%zz"), None);
        assert_eq!(url_decode("%FF"), None);
    }
}
