//! Optional on-disk form of the store.
//!
//! Layout of `data_dir`:
//! - `blobs/<md5 hex>`: object bytes, content-addressed (keys never become paths);
//! - `index.json`: snapshot of all buckets and object metadata;
//! - `journal.jsonl`: one JSON record per mutation since the snapshot.
//!
//! Every mutation appends to the journal before it is applied in memory, so a
//! restarted server sees every acknowledged request. Appending keeps a mutation
//! O(1); the snapshot is rewritten (and the journal emptied) on load, on
//! shutdown and when the journal grows large. Unreferenced blobs are removed on
//! load only, when no request can be writing one concurrently.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::store::{Lifecycle, ObjectMeta, Store, StoredObject};
use super::uploads::{Part, PartMeta, UploadMeta};

const INDEX_FILE: &str = "index.json";
const JOURNAL_FILE: &str = "journal.jsonl";
const BLOB_DIR: &str = "blobs";
const FORMAT_VERSION: u32 = 1;
/// Compact once the journal holds this many records more than twice the object count.
const COMPACT_SLACK: usize = 10_000;

#[derive(Debug, Serialize, Deserialize)]
struct Index {
    version: u32,
    buckets: Vec<IndexBucket>,
}

#[derive(Debug, Serialize, Deserialize)]
struct IndexBucket {
    name: String,
    created: DateTime<Utc>,
    objects: Vec<IndexObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lifecycle: Option<Lifecycle>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    uploads: Vec<IndexUpload>,
}

#[derive(Debug, Serialize, Deserialize)]
struct IndexUpload {
    key: String,
    upload_id: String,
    #[serde(flatten)]
    meta: UploadMeta,
    parts: Vec<IndexPart>,
}

#[derive(Debug, Serialize, Deserialize)]
struct IndexPart {
    number: i32,
    #[serde(flatten)]
    meta: PartMeta,
}

#[derive(Debug, Serialize, Deserialize)]
struct IndexObject {
    key: String,
    #[serde(flatten)]
    meta: ObjectMeta,
}

/// One journal line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Record {
    CreateBucket {
        bucket: String,
        created: DateTime<Utc>,
    },
    DeleteBucket {
        bucket: String,
    },
    Put {
        bucket: String,
        key: String,
        #[serde(flatten)]
        meta: ObjectMeta,
    },
    Delete {
        bucket: String,
        key: String,
    },
    /// PutBucketLifecycleConfiguration (`Some`) or DeleteBucketLifecycle (`None`).
    SetLifecycle {
        bucket: String,
        lifecycle: Option<Lifecycle>,
    },
    CreateUpload {
        bucket: String,
        key: String,
        upload_id: String,
        #[serde(flatten)]
        meta: UploadMeta,
    },
    PutPart {
        bucket: String,
        key: String,
        upload_id: String,
        number: i32,
        #[serde(flatten)]
        part: PartMeta,
    },
    /// An upload aborted, or completed (after the `Put` of its object).
    RemoveUpload {
        bucket: String,
        key: String,
        upload_id: String,
    },
}

/// Content-addressed blob directory. Cheap to clone; needs no lock.
#[derive(Debug, Clone)]
pub(crate) struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    fn path(&self, md5: &str) -> PathBuf {
        self.dir.join(md5)
    }

    /// Writes the bytes unless a blob with this md5 and size already exists.
    pub(crate) fn write(&self, md5: &str, data: &[u8]) -> io::Result<()> {
        let path = self.path(md5);
        if fs::metadata(&path).is_ok_and(|m| m.len() == data.len() as u64) {
            return Ok(());
        }
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(data)?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    fn read(&self, meta: &ObjectMeta) -> io::Result<Bytes> {
        self.read_blob(&meta.md5, meta.size)
    }

    fn read_part(&self, meta: PartMeta) -> io::Result<Part> {
        let data = self.read_blob(&meta.md5, meta.size)?;
        Ok(Part { data, meta })
    }

    fn read_blob(&self, md5: &str, size: u64) -> io::Result<Bytes> {
        let data = fs::read(self.path(md5))
            .map_err(|e| io::Error::new(e.kind(), format!("blob {md5}: {e}")))?;
        if data.len() as u64 != size {
            return Err(invalid_data(format!(
                "blob {md5} has {} bytes, index says {size}",
                data.len(),
            )));
        }
        Ok(Bytes::from(data))
    }
}

/// Index + journal writer. Callers serialise access (it lives under the store lock).
#[derive(Debug)]
pub(crate) struct Disk {
    dir: PathBuf,
    blobs: Blobs,
    journal: File,
    journal_records: usize,
}

fn invalid_data(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn apply(store: &mut Store, blobs: &Blobs, record: Record) -> io::Result<()> {
    // Replay is lenient so that replaying a journal over a snapshot that already
    // contains it (crash between snapshot rename and journal reset) is a no-op.
    match record {
        Record::CreateBucket { bucket, created } => {
            let _ = store.create_bucket(&bucket, created);
        }
        Record::DeleteBucket { bucket } => store.force_delete_bucket(&bucket),
        Record::Put { bucket, key, meta } => {
            if store.bucket(&bucket).is_ok() {
                let data = blobs.read(&meta)?;
                let _ = store.put_object(&bucket, &key, StoredObject { data, meta });
            }
        }
        Record::Delete { bucket, key } => {
            let _ = store.delete_object(&bucket, &key);
        }
        Record::SetLifecycle { bucket, lifecycle } => {
            let _ = store.set_lifecycle(&bucket, lifecycle);
        }
        Record::CreateUpload {
            bucket,
            key,
            upload_id,
            meta,
        } => {
            let _ = store.create_upload(&bucket, &key, &upload_id, meta);
        }
        Record::PutPart {
            bucket,
            key,
            upload_id,
            number,
            part,
        } => {
            if store.upload(&bucket, &key, &upload_id).is_ok() {
                let part = blobs.read_part(part)?;
                let _ = store.put_part(&bucket, &key, &upload_id, number, part);
            }
        }
        Record::RemoveUpload {
            bucket,
            key,
            upload_id,
        } => {
            let _ = store.remove_upload(&bucket, &key, &upload_id);
        }
    }
    Ok(())
}

impl Disk {
    /// Opens (creating if needed) `dir`, loads the store, compacts and removes
    /// unreferenced blobs.
    pub(crate) fn open(dir: &Path) -> io::Result<(Disk, Store)> {
        let blobs = Blobs {
            dir: dir.join(BLOB_DIR),
        };
        fs::create_dir_all(&blobs.dir)?;

        let mut store = Store::default();
        let index_path = dir.join(INDEX_FILE);
        match fs::read(&index_path) {
            Ok(bytes) => {
                let index: Index = serde_json::from_slice(&bytes)
                    .map_err(|e| invalid_data(format!("{}: {e}", index_path.display())))?;
                if index.version != FORMAT_VERSION {
                    return Err(invalid_data(format!(
                        "{}: unsupported format version {}",
                        index_path.display(),
                        index.version
                    )));
                }
                for bucket in index.buckets {
                    let _ = store.create_bucket(&bucket.name, bucket.created);
                    for IndexObject { key, meta } in bucket.objects {
                        let data = blobs.read(&meta)?;
                        let _ = store.put_object(&bucket.name, &key, StoredObject { data, meta });
                    }
                    let _ = store.set_lifecycle(&bucket.name, bucket.lifecycle);
                    for upload in bucket.uploads {
                        let (key, id) = (&upload.key, &upload.upload_id);
                        let _ = store.create_upload(&bucket.name, key, id, upload.meta);
                        for IndexPart { number, meta } in upload.parts {
                            let part = blobs.read_part(meta)?;
                            let _ = store.put_part(&bucket.name, key, id, number, part);
                        }
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }

        let journal_path = dir.join(JOURNAL_FILE);
        match File::open(&journal_path) {
            Ok(file) => {
                let lines: Vec<String> = BufReader::new(file).lines().collect::<io::Result<_>>()?;
                let last = lines.len().saturating_sub(1);
                for (n, line) in lines.iter().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    match serde_json::from_str::<Record>(line) {
                        Ok(record) => apply(&mut store, &blobs, record)?,
                        // A torn final line is a write the client never saw acknowledged.
                        Err(_) if n == last => {}
                        Err(e) => {
                            return Err(invalid_data(format!(
                                "{} line {}: {e}",
                                journal_path.display(),
                                n + 1
                            )));
                        }
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }

        let journal = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal_path)?;
        let mut disk = Disk {
            dir: dir.to_owned(),
            blobs,
            journal,
            journal_records: 0,
        };
        disk.compact(&store)?;
        disk.remove_unreferenced_blobs(&store)?;
        Ok((disk, store))
    }

    pub(crate) fn blobs(&self) -> Blobs {
        self.blobs.clone()
    }

    /// Appends records as one write. The caller applies them in memory only on success.
    pub(crate) fn append(&mut self, records: &[Record]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for record in records {
            serde_json::to_writer(&mut buf, record).map_err(io::Error::other)?;
            buf.push(b'\n');
        }
        self.journal.write_all(&buf)?;
        self.journal_records += records.len();
        Ok(())
    }

    /// Compacts if the journal has grown large relative to the store.
    pub(crate) fn maybe_compact(&mut self, store: &Store) -> io::Result<()> {
        if self.journal_records > COMPACT_SLACK + 2 * store.object_count() {
            self.compact(store)?;
        }
        Ok(())
    }

    /// Writes a fresh snapshot, then empties the journal.
    pub(crate) fn compact(&mut self, store: &Store) -> io::Result<()> {
        let index = Index {
            version: FORMAT_VERSION,
            buckets: store
                .buckets()
                .map(|(name, bucket)| IndexBucket {
                    name: name.clone(),
                    created: bucket.created,
                    objects: bucket
                        .objects
                        .iter()
                        .map(|(key, object)| IndexObject {
                            key: key.clone(),
                            meta: object.meta.clone(),
                        })
                        .collect(),
                    lifecycle: bucket.lifecycle.clone(),
                    uploads: bucket
                        .uploads
                        .iter()
                        .map(|((key, upload_id), upload)| IndexUpload {
                            key: key.clone(),
                            upload_id: upload_id.clone(),
                            meta: upload.meta.clone(),
                            parts: upload
                                .parts
                                .iter()
                                .map(|(&number, part)| IndexPart {
                                    number,
                                    meta: part.meta.clone(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        };
        let json = serde_json::to_vec(&index).map_err(io::Error::other)?;
        write_atomically(&self.dir.join(INDEX_FILE), &json)?;
        self.journal.set_len(0)?;
        self.journal_records = 0;
        Ok(())
    }

    fn remove_unreferenced_blobs(&self, store: &Store) -> io::Result<()> {
        let refs = store.blob_refs();
        for entry in fs::read_dir(&self.blobs.dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let keep = name.to_str().is_some_and(|n| refs.contains_key(n));
            if !keep {
                // Also removes temp files left by an interrupted write.
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    type MetadataMap = BTreeMap<String, String>;

    fn object(data: &'static [u8], metadata: MetadataMap) -> StoredObject {
        StoredObject::new(
            Bytes::from_static(data),
            Utc::now(),
            metadata,
            Some("text/plain".into()),
        )
    }

    fn put(disk: &mut Disk, store: &mut Store, bucket: &str, key: &str, obj: StoredObject) {
        disk.blobs().write(&obj.meta.md5, &obj.data).unwrap();
        disk.append(&[Record::Put {
            bucket: bucket.into(),
            key: key.into(),
            meta: obj.meta.clone(),
        }])
        .unwrap();
        store.put_object(bucket, key, obj).unwrap();
    }

    #[test]
    fn journal_and_snapshot_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let created = Utc::now();
        let meta: MetadataMap = [("a".to_owned(), "b".to_owned())].into();
        {
            let (mut disk, mut store) = Disk::open(dir.path()).unwrap();
            disk.append(&[Record::CreateBucket {
                bucket: "b".into(),
                created,
            }])
            .unwrap();
            store.create_bucket("b", created).unwrap();
            put(
                &mut disk,
                &mut store,
                "b",
                "../../x",
                object(b"one", meta.clone()),
            );
            put(
                &mut disk,
                &mut store,
                "b",
                "d/",
                object(b"", MetadataMap::new()),
            );
            put(
                &mut disk,
                &mut store,
                "b",
                "gone",
                object(b"bye", MetadataMap::new()),
            );
            disk.append(&[Record::Delete {
                bucket: "b".into(),
                key: "gone".into(),
            }])
            .unwrap();
            store.delete_object("b", "gone").unwrap();
            // No compaction: the reopened store must come from the journal.
        }
        // Simulate a torn last write.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(JOURNAL_FILE))
            .unwrap();
        f.write_all(b"{\"op\":\"put\",\"buck").unwrap();
        drop(f);

        let (disk, store) = Disk::open(dir.path()).unwrap();
        let o = store.get_object("b", "../../x").unwrap();
        assert_eq!(&o.data[..], b"one");
        assert_eq!(o.meta.metadata, meta);
        assert_eq!(o.meta.content_type.as_deref(), Some("text/plain"));
        assert_eq!(store.get_object("b", "d/").unwrap().meta.size, 0);
        assert!(store.get_object("b", "gone").is_err());
        assert_eq!(store.bucket("b").unwrap().created, created);
        // The blob of the deleted object was collected; the key never became a path.
        let mut blobs: Vec<_> = fs::read_dir(dir.path().join(BLOB_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        blobs.sort();
        let mut expected = vec![
            super::super::store::md5_hex(b"one"),
            super::super::store::md5_hex(b""),
        ];
        expected.sort();
        assert_eq!(blobs, expected);
        assert_eq!(
            fs::metadata(dir.path().join(JOURNAL_FILE)).unwrap().len(),
            0
        );
        drop(disk);

        // Reopen from the snapshot alone.
        let (_disk, again) = Disk::open(dir.path()).unwrap();
        assert_eq!(again.object_count(), 2);
    }

    #[test]
    fn replaying_a_journal_over_its_own_snapshot_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let (mut disk, mut store) = Disk::open(dir.path()).unwrap();
        let t = Utc::now();
        let records = vec![
            Record::CreateBucket {
                bucket: "b".into(),
                created: t,
            },
            Record::DeleteBucket { bucket: "b".into() },
            Record::CreateBucket {
                bucket: "b".into(),
                created: t,
            },
        ];
        disk.append(&records).unwrap();
        store.create_bucket("b", t).unwrap();
        put(
            &mut disk,
            &mut store,
            "b",
            "k",
            object(b"v", MetadataMap::new()),
        );
        let journal = fs::read(dir.path().join(JOURNAL_FILE)).unwrap();
        disk.compact(&store).unwrap();
        drop(disk);
        // Crash between snapshot rename and journal reset: the old journal is still there.
        fs::write(dir.path().join(JOURNAL_FILE), journal).unwrap();
        let (_disk, reopened) = Disk::open(dir.path()).unwrap();
        assert_eq!(&reopened.get_object("b", "k").unwrap().data[..], b"v");
        assert_eq!(reopened.object_count(), 1);
    }
}
