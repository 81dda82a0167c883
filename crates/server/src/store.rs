//! In-memory object store: buckets of opaque string keys in ordered maps, and
//! the S3 listing logic (prefix, delimiter, paging) over them.
//!
//! Keys are never interpreted as paths: `d`, `d/` and `d/x` are three
//! independent keys.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use crate::uploads::PendingUpload;

/// Everything about an object except its bytes; this is also what the
/// on-disk index records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    /// Lower-case hex md5 of the content (the unquoted ETag).
    pub md5: String,
    pub size: u64,
    pub last_modified: DateTime<Utc>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// As given at PUT (`x-amz-storage-class`); `None` is STANDARD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredObject {
    pub data: Bytes,
    pub meta: ObjectMeta,
}

impl StoredObject {
    /// The class listings name: the one given at PUT, else STANDARD.
    pub(crate) fn storage_class(&self) -> &str {
        self.meta.storage_class.as_deref().unwrap_or("STANDARD")
    }

    pub(crate) fn new(
        data: Bytes,
        last_modified: DateTime<Utc>,
        metadata: BTreeMap<String, String>,
        content_type: Option<String>,
    ) -> Self {
        let md5 = md5_hex(&data);
        let size = data.len() as u64;
        Self {
            data,
            meta: ObjectMeta {
                md5,
                size,
                last_modified,
                metadata,
                content_type,
                storage_class: None,
            },
        }
    }
}

pub(crate) fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Bucket {
    pub created: DateTime<Utc>,
    pub objects: BTreeMap<String, StoredObject>,
    pub lifecycle: Option<Lifecycle>,
    /// Multipart uploads started and not completed or aborted, by (key, upload id).
    pub uploads: BTreeMap<(String, String), PendingUpload>,
}

/// A bucket's lifecycle configuration, kept exactly as it was put.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Lifecycle {
    pub rules: Vec<s3s::dto::LifecycleRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition_default_minimum_object_size: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreError {
    NoSuchBucket,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    NoSuchKey,
    NoSuchUpload,
}

/// Where a listing starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ListStart {
    Beginning,
    /// `start-after`: strictly after this key.
    AfterKey(String),
    /// A continuation token / marker: the last key or common prefix returned
    /// by the previous page. If it rolls up into a common prefix under the same
    /// prefix and delimiter, that whole common prefix is skipped.
    Resume(String),
}

#[derive(Debug, Clone)]
pub(crate) struct ListQuery {
    pub prefix: String,
    /// `None` or empty: no roll-up.
    pub delimiter: Option<String>,
    pub start: ListStart,
    pub max_keys: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ListEntry<'a> {
    Object(&'a str, &'a StoredObject),
    CommonPrefix(String),
}

impl ListEntry<'_> {
    /// The string a following page resumes after.
    pub(crate) fn marker(&self) -> &str {
        match self {
            ListEntry::Object(key, _) => key,
            ListEntry::CommonPrefix(prefix) => prefix,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListPage<'a> {
    /// Keys and common prefixes in key order; both count toward `max_keys`.
    pub entries: Vec<ListEntry<'a>>,
    pub is_truncated: bool,
}

impl ListPage<'_> {
    /// Resume point for the next page, when truncated.
    pub(crate) fn next_marker(&self) -> Option<&str> {
        if self.is_truncated {
            self.entries.last().map(ListEntry::marker)
        } else {
            None
        }
    }
}

/// The smallest string greater than every string starting with `prefix`,
/// if it can be formed by bumping the last character.
fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars = prefix.chars();
    let last = chars.next_back()?;
    let bumped = char::from_u32(u32::from(last) + 1)?;
    let mut out = chars.as_str().to_owned();
    out.push(bumped);
    Some(out)
}

/// The common prefix `key` rolls up into, if any.
fn common_prefix_of<'k>(key: &'k str, prefix: &str, delimiter: Option<&str>) -> Option<&'k str> {
    let delimiter = delimiter?;
    let rest = key.strip_prefix(prefix)?;
    let idx = rest.find(delimiter)?;
    Some(&key[..prefix.len() + idx + delimiter.len()])
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    buckets: BTreeMap<String, Bucket>,
}

impl Store {
    pub(crate) fn buckets(&self) -> impl Iterator<Item = (&String, &Bucket)> {
        self.buckets.iter()
    }

    pub(crate) fn bucket(&self, name: &str) -> Result<&Bucket, StoreError> {
        self.buckets.get(name).ok_or(StoreError::NoSuchBucket)
    }

    pub(crate) fn bucket_mut(&mut self, name: &str) -> Result<&mut Bucket, StoreError> {
        self.buckets.get_mut(name).ok_or(StoreError::NoSuchBucket)
    }

    pub(crate) fn create_bucket(
        &mut self,
        name: &str,
        created: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if self.buckets.contains_key(name) {
            return Err(StoreError::BucketAlreadyOwnedByYou);
        }
        self.buckets.insert(
            name.to_owned(),
            Bucket {
                created,
                objects: BTreeMap::new(),
                lifecycle: None,
                uploads: BTreeMap::new(),
            },
        );
        Ok(())
    }

    pub(crate) fn delete_bucket(&mut self, name: &str) -> Result<(), StoreError> {
        if !self.bucket(name)?.objects.is_empty() {
            return Err(StoreError::BucketNotEmpty);
        }
        self.buckets.remove(name);
        Ok(())
    }

    /// Removes a bucket whatever it holds (journal replay only).
    pub(crate) fn force_delete_bucket(&mut self, name: &str) {
        self.buckets.remove(name);
    }

    pub(crate) fn get_object(&self, bucket: &str, key: &str) -> Result<&StoredObject, StoreError> {
        self.bucket(bucket)?
            .objects
            .get(key)
            .ok_or(StoreError::NoSuchKey)
    }

    pub(crate) fn put_object(
        &mut self,
        bucket: &str,
        key: &str,
        object: StoredObject,
    ) -> Result<(), StoreError> {
        self.bucket_mut(bucket)?
            .objects
            .insert(key.to_owned(), object);
        Ok(())
    }

    /// Returns whether the key existed (deleting a missing key is not an error in S3).
    pub(crate) fn delete_object(&mut self, bucket: &str, key: &str) -> Result<bool, StoreError> {
        Ok(self.bucket_mut(bucket)?.objects.remove(key).is_some())
    }

    /// Replaces (`Some`) or removes (`None`) the bucket's lifecycle configuration.
    pub(crate) fn set_lifecycle(
        &mut self,
        bucket: &str,
        lifecycle: Option<Lifecycle>,
    ) -> Result<(), StoreError> {
        self.bucket_mut(bucket)?.lifecycle = lifecycle;
        Ok(())
    }

    /// Number of objects per md5, across all buckets.
    pub(crate) fn blob_refs(&self) -> HashMap<&str, usize> {
        let mut refs = HashMap::new();
        for bucket in self.buckets.values() {
            for object in bucket.objects.values() {
                *refs.entry(object.meta.md5.as_str()).or_insert(0) += 1;
            }
            for part in bucket.uploads.values().flat_map(|u| u.parts.values()) {
                *refs.entry(part.meta.md5.as_str()).or_insert(0) += 1;
            }
        }
        refs
    }

    pub(crate) fn object_count(&self) -> usize {
        self.buckets.values().map(|b| b.objects.len()).sum()
    }

    pub(crate) fn list(&self, bucket: &str, query: &ListQuery) -> Result<ListPage<'_>, StoreError> {
        Ok(list_objects(&self.bucket(bucket)?.objects, query))
    }
}

/// S3 listing semantics over an ordered map (see `ListQuery`).
pub(crate) fn list_objects<'a>(
    objects: &'a BTreeMap<String, StoredObject>,
    query: &ListQuery,
) -> ListPage<'a> {
    let prefix = query.prefix.as_str();
    let delimiter = query.delimiter.as_deref().filter(|d| !d.is_empty());
    let mut page = ListPage {
        entries: Vec::new(),
        is_truncated: false,
    };
    if query.max_keys == 0 {
        return page;
    }

    // Keys under `skip` are inside a common prefix already returned.
    let mut skip: Option<String> = None;
    let mut lower: Bound<String> = match &query.start {
        ListStart::Beginning => Bound::Included(prefix.to_owned()),
        ListStart::AfterKey(after) => Bound::Excluded(after.clone()),
        ListStart::Resume(after) => match common_prefix_of(after, prefix, delimiter) {
            Some(cp) => match prefix_successor(cp) {
                Some(next) => Bound::Included(next),
                None => {
                    skip = Some(cp.to_owned());
                    Bound::Excluded(after.clone())
                }
            },
            None => Bound::Excluded(after.clone()),
        },
    };
    // Never start before the prefix.
    let below_prefix = match &lower {
        Bound::Included(s) | Bound::Excluded(s) => s.as_str() < prefix,
        Bound::Unbounded => true,
    };
    if below_prefix {
        lower = Bound::Included(prefix.to_owned());
    }

    'scan: loop {
        let range = objects.range::<str, _>((lower.as_ref().map(String::as_str), Bound::Unbounded));
        for (key, object) in range {
            // Keys with a given prefix are contiguous in key order.
            if !key.starts_with(prefix) {
                break 'scan;
            }
            if let Some(s) = &skip {
                if key.starts_with(s.as_str()) {
                    continue;
                }
                skip = None;
            }
            let entry = match common_prefix_of(key, prefix, delimiter) {
                Some(cp) => ListEntry::CommonPrefix(cp.to_owned()),
                None => ListEntry::Object(key, object),
            };
            if page.entries.len() == query.max_keys {
                page.is_truncated = true;
                break 'scan;
            }
            if let ListEntry::CommonPrefix(cp) = &entry {
                // Jump over the rest of this common prefix instead of walking it.
                match prefix_successor(cp) {
                    Some(next) => {
                        lower = Bound::Included(next);
                        page.entries.push(entry);
                        continue 'scan;
                    }
                    None => skip = Some(cp.clone()),
                }
            }
            page.entries.push(entry);
        }
        break;
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(data: &str) -> StoredObject {
        StoredObject::new(
            Bytes::copy_from_slice(data.as_bytes()),
            DateTime::<Utc>::UNIX_EPOCH,
            BTreeMap::new(),
            None,
        )
    }

    fn store_with(keys: &[&str]) -> Store {
        let mut s = Store::default();
        s.create_bucket("b", Utc::now()).unwrap();
        for k in keys {
            s.put_object("b", k, obj(k)).unwrap();
        }
        s
    }

    fn q(prefix: &str, delimiter: Option<&str>, start: ListStart, max_keys: usize) -> ListQuery {
        ListQuery {
            prefix: prefix.into(),
            delimiter: delimiter.map(Into::into),
            start,
            max_keys,
        }
    }

    /// Renders entries as strings, common prefixes suffixed with " (cp)".
    fn render(page: &ListPage<'_>) -> Vec<String> {
        page.entries
            .iter()
            .map(|e| match e {
                ListEntry::Object(k, _) => (*k).to_owned(),
                ListEntry::CommonPrefix(p) => format!("{p} (cp)"),
            })
            .collect()
    }

    /// Follows continuation markers until the end; returns all entries and the page count.
    fn list_all(
        store: &Store,
        prefix: &str,
        delimiter: Option<&str>,
        max_keys: usize,
    ) -> (Vec<String>, usize) {
        let mut out = Vec::new();
        let mut start = ListStart::Beginning;
        let mut pages = 0;
        loop {
            let page = store
                .list("b", &q(prefix, delimiter, start, max_keys))
                .unwrap();
            pages += 1;
            assert!(page.entries.len() <= max_keys);
            out.extend(render(&page));
            match page.next_marker() {
                Some(m) => start = ListStart::Resume(m.to_owned()),
                None => return (out, pages),
            }
        }
    }

    #[test]
    fn folder_marker_and_plain_key_coexist_with_children() {
        let s = store_with(&["d", "d/", "d/x", "e/"]);
        assert_eq!(
            s.get_object("b", "d/").unwrap().data,
            Bytes::from_static(b"d/")
        );
        assert_eq!(
            s.get_object("b", "d").unwrap().data,
            Bytes::from_static(b"d")
        );
        let page = s
            .list("b", &q("", None, ListStart::Beginning, 1000))
            .unwrap();
        assert_eq!(render(&page), ["d", "d/", "d/x", "e/"]);
        let page = s
            .list("b", &q("", Some("/"), ListStart::Beginning, 1000))
            .unwrap();
        assert_eq!(render(&page), ["d", "d/ (cp)", "e/ (cp)"]);
        // Listing inside the folder shows the marker itself and the child.
        let page = s
            .list("b", &q("d/", Some("/"), ListStart::Beginning, 1000))
            .unwrap();
        assert_eq!(render(&page), ["d/", "d/x"]);
        // Deleting the marker leaves the child.
        let mut s = s;
        assert!(s.delete_object("b", "d/").unwrap());
        assert!(!s.delete_object("b", "d/").unwrap());
        assert!(s.get_object("b", "d/x").is_ok());
        assert_eq!(s.get_object("b", "d/"), Err(StoreError::NoSuchKey));
    }

    #[test]
    fn delimiter_rolls_up_each_prefix_once() {
        let s = store_with(&["a/1", "a/2", "a/b/3", "b", "c/x/y", "c/z", "ca"]);
        let page = s
            .list("b", &q("", Some("/"), ListStart::Beginning, 1000))
            .unwrap();
        assert_eq!(render(&page), ["a/ (cp)", "b", "c/ (cp)", "ca"]);
        assert!(!page.is_truncated);
        let page = s
            .list("b", &q("c", Some("/"), ListStart::Beginning, 1000))
            .unwrap();
        assert_eq!(render(&page), ["c/ (cp)", "ca"]);
        let page = s
            .list("b", &q("c/", Some("/"), ListStart::Beginning, 1000))
            .unwrap();
        assert_eq!(render(&page), ["c/x/ (cp)", "c/z"]);
        // Multi-character delimiter.
        let s = store_with(&["x--1--2", "x--3", "y"]);
        let page = s
            .list("b", &q("x--", Some("--"), ListStart::Beginning, 1000))
            .unwrap();
        assert_eq!(render(&page), ["x--1-- (cp)", "x--3"]);
    }

    #[test]
    fn paging_with_small_pages_matches_single_page() {
        let keys = [
            "a/1", "a/2", "a/b/3", "b", "b/", "b/c", "c/x/y", "c/z", "ca", "d",
        ];
        let s = store_with(&keys);
        for delimiter in [None, Some("/")] {
            for prefix in ["", "a/", "b", "c", "zz"] {
                let full = render(
                    &s.list("b", &q(prefix, delimiter, ListStart::Beginning, 1000))
                        .unwrap(),
                );
                for max in 1..=4 {
                    let (paged, _) = list_all(&s, prefix, delimiter, max);
                    assert_eq!(
                        paged, full,
                        "prefix {prefix:?} delimiter {delimiter:?} max {max}"
                    );
                }
            }
        }
    }

    #[test]
    fn paging_past_1000_common_prefixes() {
        let mut s = store_with(&[]);
        for i in 0..1500 {
            for leaf in ["a", "b", "c"] {
                let key = format!("deploy/{i:05}/{leaf}");
                s.put_object("b", &key, obj(&key)).unwrap();
            }
            let marker = format!("deploy/{i:05}/");
            s.put_object("b", &marker, obj("")).unwrap();
        }
        s.put_object("b", "deploy/readme", obj("r")).unwrap();

        let first = s
            .list("b", &q("deploy/", Some("/"), ListStart::Beginning, 1000))
            .unwrap();
        assert_eq!(first.entries.len(), 1000);
        assert!(first.is_truncated);
        assert_eq!(first.next_marker(), Some("deploy/00999/"));

        let (all, pages) = list_all(&s, "deploy/", Some("/"), 1000);
        assert_eq!(pages, 2);
        assert_eq!(all.len(), 1501);
        let mut expected: Vec<String> = (0..1500).map(|i| format!("deploy/{i:05}/ (cp)")).collect();
        expected.push("deploy/readme".into());
        assert_eq!(all, expected);

        // Exactly 1000 entries: a single page, not truncated.
        s.delete_object("b", "deploy/readme").unwrap();
        let (all, pages) = list_all(&s, "deploy/", Some("/"), 1500);
        assert_eq!((all.len(), pages), (1500, 1));
    }

    #[test]
    fn page_boundary_exactly_at_end_is_not_truncated() {
        let s = store_with(&["a", "b", "c"]);
        let page = s.list("b", &q("", None, ListStart::Beginning, 3)).unwrap();
        assert!(!page.is_truncated);
        assert_eq!(page.next_marker(), None);
        let page = s.list("b", &q("", None, ListStart::Beginning, 2)).unwrap();
        assert!(page.is_truncated);
        assert_eq!(page.next_marker(), Some("b"));
        let page = s.list("b", &q("", None, ListStart::Beginning, 0)).unwrap();
        assert!(page.entries.is_empty() && !page.is_truncated);
    }

    #[test]
    fn start_after_is_a_plain_exclusive_key_bound() {
        let s = store_with(&["a/1", "a/2", "b/1", "c"]);
        let page = s
            .list("b", &q("", None, ListStart::AfterKey("a/1".into()), 1000))
            .unwrap();
        assert_eq!(render(&page), ["a/2", "b/1", "c"]);
        // Start-after below the prefix starts at the prefix.
        let page = s
            .list("b", &q("b/", None, ListStart::AfterKey("a".into()), 1000))
            .unwrap();
        assert_eq!(render(&page), ["b/1"]);
        // Start-after past the prefix range yields nothing.
        let page = s
            .list("b", &q("a/", None, ListStart::AfterKey("b".into()), 1000))
            .unwrap();
        assert!(page.entries.is_empty());
        // With a delimiter, a start-after inside a common prefix still rolls up the rest.
        let page = s
            .list(
                "b",
                &q("", Some("/"), ListStart::AfterKey("a/1".into()), 1000),
            )
            .unwrap();
        assert_eq!(render(&page), ["a/ (cp)", "b/ (cp)", "c"]);
    }

    #[test]
    fn resume_skips_whole_common_prefix_even_without_successor() {
        // '\u{10FFFF}' cannot be bumped, so the walk-and-skip path is used.
        let cp = "p\u{10FFFF}/";
        let keys = [format!("{cp}1"), format!("{cp}2"), "q".to_owned()];
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let s = store_with(&refs);
        let (all, pages) = list_all(&s, "", Some("/"), 1);
        assert_eq!(all, [format!("{cp} (cp)"), "q".to_owned()]);
        assert_eq!(pages, 2);
        assert_eq!(prefix_successor("a/"), Some("a0".to_owned()));
        assert_eq!(prefix_successor("\u{D7FF}"), None);
        assert_eq!(prefix_successor(""), None);
    }

    #[test]
    fn odd_keys_are_opaque() {
        let long = "k".repeat(1024);
        let keys = [
            "with space",
            "ünïcødé/ключ",
            "a+b",
            "100%",
            "#hash",
            "what?",
            "../etc/passwd",
            "/lead",
            "a//b",
            long.as_str(),
        ];
        let s = store_with(&keys);
        for k in keys {
            assert_eq!(
                s.get_object("b", k).unwrap().data,
                Bytes::copy_from_slice(k.as_bytes())
            );
        }
        let page = s
            .list("b", &q("", None, ListStart::Beginning, 1000))
            .unwrap();
        let mut sorted: Vec<&str> = keys.to_vec();
        sorted.sort_unstable();
        assert_eq!(render(&page), sorted);
    }

    #[test]
    fn bucket_errors_and_etag() {
        let mut s = Store::default();
        assert_eq!(
            s.list("nope", &q("", None, ListStart::Beginning, 1)),
            Err(StoreError::NoSuchBucket)
        );
        assert_eq!(
            s.put_object("nope", "k", obj("x")),
            Err(StoreError::NoSuchBucket)
        );
        assert_eq!(s.delete_object("nope", "k"), Err(StoreError::NoSuchBucket));
        s.create_bucket("b", Utc::now()).unwrap();
        assert_eq!(
            s.create_bucket("b", Utc::now()),
            Err(StoreError::BucketAlreadyOwnedByYou)
        );
        s.put_object("b", "k", obj("hello")).unwrap();
        assert_eq!(s.delete_bucket("b"), Err(StoreError::BucketNotEmpty));
        assert_eq!(
            s.get_object("b", "k").unwrap().meta.md5,
            "5d41402abc4b2a76b9719d911017c592"
        );
        assert_eq!(s.object_count(), 1);
        s.delete_object("b", "k").unwrap();
        s.delete_bucket("b").unwrap();
        assert_eq!(s.delete_bucket("b"), Err(StoreError::NoSuchBucket));
    }
}
