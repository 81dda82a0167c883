//! Multipart uploads in the store: started, their parts uploaded, then completed into
//! one object or aborted. Until then they are no object: no object listing shows them,
//! only ListMultipartUploads does. Parts keep their bytes like objects (and, on disk,
//! in the same content-addressed blob directory).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{md5_hex, ObjectMeta, Store, StoreError, StoredObject};

/// What an upload was started with; this is also what the journal records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UploadMeta {
    pub initiated: DateTime<Utc>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub storage_class: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PartMeta {
    /// Lower-case hex md5 of the part (its ETag).
    pub md5: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub data: Bytes,
    pub meta: PartMeta,
}

impl Part {
    pub(crate) fn new(data: Bytes) -> Part {
        let meta = PartMeta {
            md5: md5_hex(&data),
            size: data.len() as u64,
        };
        Part { data, meta }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingUpload {
    pub meta: UploadMeta,
    pub parts: BTreeMap<i32, Part>,
}

/// Upload ids sort in the order the uploads were started, as S3 lists them.
pub(crate) fn new_upload_id(initiated: DateTime<Utc>) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = initiated.timestamp_nanos_opt().unwrap_or_default().max(0);
    format!("{nanos:020}{n:010}{:08x}", rand::random::<u32>())
}

/// Where a ListMultipartUploads page starts: after this key, or after this upload of it.
#[derive(Debug, Clone, Default)]
pub(crate) struct UploadQuery {
    pub prefix: String,
    pub key_marker: Option<String>,
    pub upload_id_marker: Option<String>,
    pub max_uploads: usize,
}

pub(crate) struct UploadPage<'a> {
    pub uploads: Vec<(&'a str, &'a str, &'a UploadMeta)>,
    pub is_truncated: bool,
}

impl Store {
    pub(crate) fn create_upload(
        &mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        meta: UploadMeta,
    ) -> Result<(), StoreError> {
        self.bucket_mut(bucket)?.uploads.insert(
            (key.to_owned(), upload_id.to_owned()),
            PendingUpload {
                meta,
                parts: BTreeMap::new(),
            },
        );
        Ok(())
    }

    pub(crate) fn upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<&PendingUpload, StoreError> {
        self.bucket(bucket)?
            .uploads
            .get(&(key.to_owned(), upload_id.to_owned()))
            .ok_or(StoreError::NoSuchUpload)
    }

    pub(crate) fn put_part(
        &mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        number: i32,
        part: Part,
    ) -> Result<(), StoreError> {
        self.bucket_mut(bucket)?
            .uploads
            .get_mut(&(key.to_owned(), upload_id.to_owned()))
            .ok_or(StoreError::NoSuchUpload)?
            .parts
            .insert(number, part);
        Ok(())
    }

    /// Removes the upload (abort, or the end of a complete) and returns it.
    pub(crate) fn remove_upload(
        &mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<PendingUpload, StoreError> {
        self.bucket_mut(bucket)?
            .uploads
            .remove(&(key.to_owned(), upload_id.to_owned()))
            .ok_or(StoreError::NoSuchUpload)
    }

    /// Uploads under the prefix in key order, then by upload id (the order they were
    /// started), after the markers.
    pub(crate) fn list_uploads(
        &self,
        bucket: &str,
        query: &UploadQuery,
    ) -> Result<UploadPage<'_>, StoreError> {
        let uploads = &self.bucket(bucket)?.uploads;
        let after = |key: &str, id: &str| match (&query.key_marker, &query.upload_id_marker) {
            (None, _) => true,
            (Some(marker), None) => key > marker.as_str(),
            (Some(marker), Some(id_marker)) => {
                key > marker.as_str() || (key == marker && id > id_marker.as_str())
            }
        };
        let mut page = UploadPage {
            uploads: Vec::new(),
            is_truncated: false,
        };
        let start = (query.prefix.clone(), String::new());
        for ((key, id), upload) in uploads.range(start..) {
            if !key.starts_with(&query.prefix) {
                break;
            }
            if !after(key, id) {
                continue;
            }
            if page.uploads.len() == query.max_uploads {
                page.is_truncated = true;
                break;
            }
            page.uploads.push((key, id, &upload.meta));
        }
        Ok(page)
    }
}

/// The object a completed upload becomes: its parts, in the order named, joined.
pub(crate) fn assemble(
    upload: &PendingUpload,
    numbers: &[i32],
    last_modified: DateTime<Utc>,
) -> Option<StoredObject> {
    let mut data = BytesMut::new();
    for number in numbers {
        data.extend_from_slice(&upload.parts.get(number)?.data);
    }
    let meta = &upload.meta;
    let mut object = StoredObject::new(
        data.freeze(),
        last_modified,
        meta.metadata.clone(),
        meta.content_type.clone(),
    );
    object.meta = ObjectMeta {
        storage_class: meta.storage_class.clone(),
        ..object.meta
    };
    Some(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> UploadMeta {
        UploadMeta {
            initiated: Utc::now(),
            metadata: BTreeMap::new(),
            content_type: None,
            storage_class: None,
        }
    }

    #[test]
    fn uploads_list_by_key_then_start_order_and_page_by_markers() {
        let mut store = Store::default();
        store.create_bucket("b", Utc::now()).unwrap();
        let ids: Vec<String> = (0..3).map(|_| new_upload_id(Utc::now())).collect();
        store.create_upload("b", "d2/x", &ids[0], meta()).unwrap();
        store.create_upload("b", "d1/x", &ids[1], meta()).unwrap();
        store.create_upload("b", "d1/x", &ids[2], meta()).unwrap();
        store.create_upload("b", "e/x", &ids[2], meta()).unwrap();
        let query = UploadQuery {
            prefix: "d".into(),
            max_uploads: 2,
            ..UploadQuery::default()
        };
        let page = store.list_uploads("b", &query).unwrap();
        let seen: Vec<(&str, &str)> = page.uploads.iter().map(|(k, i, _)| (*k, *i)).collect();
        assert_eq!(
            seen,
            vec![("d1/x", ids[1].as_str()), ("d1/x", ids[2].as_str())]
        );
        assert!(page.is_truncated);
        let next = UploadQuery {
            key_marker: Some("d1/x".into()),
            upload_id_marker: Some(ids[2].clone()),
            ..query
        };
        let page = store.list_uploads("b", &next).unwrap();
        let seen: Vec<&str> = page.uploads.iter().map(|(k, _, _)| *k).collect();
        assert_eq!(seen, vec!["d2/x"]);
        assert!(!page.is_truncated);
    }

    #[test]
    fn a_completed_upload_joins_the_parts_named() {
        let mut store = Store::default();
        store.create_bucket("b", Utc::now()).unwrap();
        store.create_upload("b", "k", "u", meta()).unwrap();
        store
            .put_part("b", "k", "u", 2, Part::new(Bytes::from_static(b"world")))
            .unwrap();
        store
            .put_part("b", "k", "u", 1, Part::new(Bytes::from_static(b"hello ")))
            .unwrap();
        let upload = store.remove_upload("b", "k", "u").unwrap();
        let object = assemble(&upload, &[1, 2], Utc::now()).unwrap();
        assert_eq!(&object.data[..], b"hello world");
        assert!(assemble(&upload, &[3], Utc::now()).is_none());
        assert_eq!(
            store.remove_upload("b", "k", "u"),
            Err(StoreError::NoSuchUpload)
        );
    }
}
