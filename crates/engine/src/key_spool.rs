//! The keys a re-check listed, kept for the deletion so that nothing is listed twice.
//! A deployment can only be deleted once its whole re-check listing is in (the check
//! needs all of it), so its keys must wait somewhere: in memory up to
//! [`KEYS_IN_MEMORY`] keys across the whole re-check, then in an anonymous temporary
//! file, so a prune of a million objects stays within a few MiB.
//!
//! Each [`KeyList`] buffers what it spools and writes it as one segment of the shared
//! file at a time; the file is created on the first spill and vanishes when the last
//! list using it is dropped.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::bucket::{Entry, ObjectRef, Scope};

/// Keys held in memory by one re-check, at most (about 100 bytes each).
pub const KEYS_IN_MEMORY: usize = 50_000;

/// Bytes a list buffers before writing them to the file as one segment.
const SEGMENT_BYTES: usize = 64 * 1024;

/// An object (or version) to delete, as the re-check listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedKey {
    pub object: ObjectRef,
    pub size: u64,
}

/// The memory budget and the spool file shared by the lists of one re-check.
#[derive(Debug)]
pub struct KeySpool {
    memory_left: AtomicUsize,
    file: Mutex<Option<SpoolFile>>,
}

#[derive(Debug)]
struct SpoolFile {
    file: File,
    end: u64,
}

impl KeySpool {
    pub fn new(keys_in_memory: usize) -> Arc<KeySpool> {
        Arc::new(KeySpool {
            memory_left: AtomicUsize::new(keys_in_memory),
            file: Mutex::new(None),
        })
    }

    fn take_memory(&self) -> bool {
        self.memory_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }

    /// Appends `bytes` to the file; returns where they start.
    fn write(&self, bytes: &[u8]) -> io::Result<u64> {
        let mut guard = self.file.lock().expect("spool lock");
        if guard.is_none() {
            *guard = Some(SpoolFile {
                file: tempfile::tempfile()?,
                end: 0,
            });
        }
        let spool = guard.as_mut().expect("spool file");
        spool.file.seek(SeekFrom::Start(spool.end))?;
        spool.file.write_all(bytes)?;
        let offset = spool.end;
        spool.end += bytes.len() as u64;
        Ok(offset)
    }

    fn read(&self, segment: &Segment) -> io::Result<Vec<u8>> {
        let mut guard = self.file.lock().expect("spool lock");
        let spool = guard
            .as_mut()
            .ok_or_else(|| io::Error::other("the key spool file is missing"))?;
        spool.file.seek(SeekFrom::Start(segment.offset))?;
        let mut bytes = vec![0; segment.bytes];
        spool.file.read_exact(&mut bytes)?;
        Ok(bytes)
    }
}

#[derive(Debug, Clone)]
struct Segment {
    offset: u64,
    bytes: usize,
}

/// One deployment's keys (or one part of it), in listing order.
#[derive(Debug)]
pub struct KeyList {
    spool: Arc<KeySpool>,
    memory: Vec<ListedKey>,
    segments: Vec<Segment>,
    buffer: Vec<u8>,
    len: u64,
}

impl KeyList {
    pub fn new(spool: &Arc<KeySpool>) -> KeyList {
        KeyList {
            spool: Arc::clone(spool),
            memory: Vec::new(),
            segments: Vec::new(),
            buffer: Vec::new(),
            len: 0,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds one key: in memory while the spool's budget lasts, to the file after.
    pub fn push(&mut self, key: ListedKey) -> io::Result<()> {
        self.len += 1;
        if self.segments.is_empty() && self.buffer.is_empty() && self.spool.take_memory() {
            self.memory.push(key);
            return Ok(());
        }
        encode(&key, &mut self.buffer);
        if self.buffer.len() >= SEGMENT_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes what is buffered, so the list can be read or handed over.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let offset = self.spool.write(&self.buffer)?;
        self.segments.push(Segment {
            offset,
            bytes: self.buffer.len(),
        });
        self.buffer = Vec::new();
        Ok(())
    }

    /// Takes `other`'s keys too (another part of the same deployment, same spool).
    pub fn append(&mut self, mut other: KeyList) -> io::Result<()> {
        self.flush()?;
        other.flush()?;
        self.len += other.len;
        self.memory.append(&mut other.memory);
        self.segments.append(&mut other.segments);
        Ok(())
    }

    /// The keys in chunks of at most `chunk`: those in memory, then each segment read
    /// back from the file (one segment in memory at a time).
    pub fn chunks(&self, chunk: usize) -> impl Iterator<Item = io::Result<Vec<ListedKey>>> + '_ {
        let chunk = chunk.max(1);
        let from_memory = self.memory.chunks(chunk).map(|keys| Ok(keys.to_vec()));
        let unflushed = (!self.buffer.is_empty()).then(|| Ok(self.buffer.clone()));
        let segments = self
            .segments
            .iter()
            .map(|segment| self.spool.read(segment))
            .chain(unflushed);
        let from_file = segments.flat_map(move |bytes| {
            let decoded = bytes.and_then(|bytes| decode_all(&bytes));
            let chunks: Vec<io::Result<Vec<ListedKey>>> = match decoded {
                Ok(keys) => keys.chunks(chunk).map(|keys| Ok(keys.to_vec())).collect(),
                Err(e) => vec![Err(e)],
            };
            chunks
        });
        from_memory.chain(from_file)
    }
}

/// Adds `entry` to `kept`, dropping the list if the spool cannot take it (the deletion
/// then lists that deployment again).
pub fn keep_entry(kept: &mut Option<KeyList>, scope: Scope, entry: &Entry) {
    if let Some(list) = kept {
        let key = ListedKey {
            object: entry.object_ref(scope),
            size: entry.size,
        };
        if list.push(key).is_err() {
            *kept = None;
        }
    }
}

/// `kept` with everything written, or none if the spool cannot take it.
pub fn flushed(kept: Option<KeyList>) -> Option<KeyList> {
    let mut list = kept?;
    list.flush().ok()?;
    Some(list)
}

// Keys may hold any character, newlines included: every field is length-prefixed.
fn encode(key: &ListedKey, out: &mut Vec<u8>) {
    let name = key.object.key.as_bytes();
    out.extend_from_slice(&(name.len() as u32).to_le_bytes());
    out.extend_from_slice(name);
    match &key.object.version_id {
        Some(version) => {
            out.extend_from_slice(&(version.len() as u32 + 1).to_le_bytes());
            out.extend_from_slice(version.as_bytes());
        }
        None => out.extend_from_slice(&0u32.to_le_bytes()),
    }
    out.extend_from_slice(&key.size.to_le_bytes());
}

fn decode_all(mut bytes: &[u8]) -> io::Result<Vec<ListedKey>> {
    let mut keys = Vec::new();
    while !bytes.is_empty() {
        let key = read_text(&mut bytes, 0)?.unwrap_or_default();
        let version_id = read_text(&mut bytes, 1)?;
        let size = u64::from_le_bytes(take(&mut bytes, 8)?.try_into().expect("8 bytes"));
        keys.push(ListedKey {
            object: ObjectRef { key, version_id },
            size,
        });
    }
    Ok(keys)
}

/// A length-prefixed string; a length below `bias` means none.
fn read_text(bytes: &mut &[u8], bias: u32) -> io::Result<Option<String>> {
    let len = u32::from_le_bytes(take(bytes, 4)?.try_into().expect("4 bytes"));
    if len < bias {
        return Ok(None);
    }
    let text = take(bytes, (len - bias) as usize)?;
    String::from_utf8(text.to_vec())
        .map(Some)
        .map_err(|_| io::Error::other("the key spool file is damaged"))
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> io::Result<&'a [u8]> {
    if bytes.len() < n {
        return Err(io::Error::other("the key spool file is damaged"));
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> ListedKey {
        ListedKey {
            object: ObjectRef {
                key: format!("d/line\nbreak-{i}"),
                version_id: i.is_multiple_of(2).then(|| format!("v{i}")),
            },
            size: i as u64,
        }
    }

    fn read_all(list: &KeyList, chunk: usize) -> Vec<ListedKey> {
        let chunks: Vec<Vec<ListedKey>> = list.chunks(chunk).collect::<io::Result<_>>().unwrap();
        assert!(chunks.iter().all(|c| !c.is_empty() && c.len() <= chunk));
        chunks.concat()
    }

    #[test]
    fn keys_past_the_memory_budget_come_back_from_the_file_in_order() {
        let spool = KeySpool::new(10);
        let mut list = KeyList::new(&spool);
        let keys: Vec<ListedKey> = (0..30_000).map(key).collect();
        for k in &keys {
            list.push(k.clone()).unwrap();
        }
        assert_eq!(list.memory.len(), 10);
        assert!(list.segments.len() > 1, "spooled in several segments");
        assert_eq!(list.len(), 30_000);
        assert_eq!(read_all(&list, 1000), keys, "unflushed keys are read too");
        list.flush().unwrap();
        assert_eq!(read_all(&list, 777), keys);
    }

    #[test]
    fn parts_sharing_a_spool_are_joined_without_losing_a_key() {
        let spool = KeySpool::new(5);
        let mut first = KeyList::new(&spool);
        let mut second = KeyList::new(&spool);
        for i in 0..100 {
            let list = if i % 3 == 0 { &mut second } else { &mut first };
            list.push(key(i)).unwrap();
        }
        let (mut a, b) = (read_all(&first, 10), read_all(&second, 10));
        first.append(second).unwrap();
        assert_eq!(first.len(), 100);
        a.extend(b);
        let mut joined = read_all(&first, 1000);
        let sort = |v: &mut Vec<ListedKey>| v.sort_by_key(|k| k.size);
        sort(&mut a);
        sort(&mut joined);
        assert_eq!(joined, a);
    }

    #[test]
    fn a_list_within_the_budget_never_creates_a_file() {
        let spool = KeySpool::new(100);
        let mut list = KeyList::new(&spool);
        for i in 0..100 {
            list.push(key(i)).unwrap();
        }
        list.flush().unwrap();
        assert!(spool.file.lock().unwrap().is_none());
        assert_eq!(read_all(&list, 1000).len(), 100);
    }
}
