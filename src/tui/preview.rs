//! The preview of one deployment: its objects as a tree with sizes and exact times.
//! Loading happens in the background (see the runtime); this is the state and the
//! pure tree building.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::engine::bucket::ListedObject;
use crate::engine::deployment::Deployment;
use crate::format::printable;

/// At most this many objects are loaded for a preview (the listing counted them all;
/// the preview is for looking, not for auditing).
pub const PREVIEW_CAP: usize = 5_000;

/// What the background loader hands back.
#[derive(Debug, Clone, Default)]
pub struct PreviewData {
    /// In key order.
    pub objects: Vec<ListedObject>,
    /// More objects exist than were loaded.
    pub truncated: bool,
}

#[derive(Debug, Clone)]
pub enum PreviewStatus {
    Loading,
    Loaded {
        lines: Vec<TreeLine>,
        shown: usize,
        truncated: bool,
    },
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct PreviewState {
    /// Matches the `PreviewLoaded` answer to this request; stale answers are ignored.
    pub request: u64,
    pub deployment: Deployment,
    pub status: PreviewStatus,
    /// First visible line.
    pub scroll: usize,
}

impl PreviewState {
    pub fn line_count(&self) -> usize {
        match &self.status {
            PreviewStatus::Loaded { lines, .. } => lines.len(),
            _ => 0,
        }
    }
}

/// One line of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeLine {
    /// Tree glyphs before the label (`│  ├─ `).
    pub guide: String,
    /// The path segment, safe to print; folders end in `/`.
    pub label: String,
    pub is_dir: bool,
    pub bytes: u64,
    /// Objects inside a folder (1 for a file).
    pub objects: u64,
    /// An object's LastModified; for folders, the newest inside.
    pub time: Option<DateTime<Utc>>,
}

#[derive(Default)]
struct Node {
    children: BTreeMap<String, Node>,
    /// The object stored at exactly this path, if any (a key can be both a file and
    /// the start of longer keys: `a` and `a/b`).
    file: Option<(u64, DateTime<Utc>)>,
    bytes: u64,
    objects: u64,
    newest: Option<DateTime<Utc>>,
}

/// Builds the tree lines for `objects` under `prefix`: folders first, then files, each
/// alphabetical; folders carry the total size and object count of what was loaded.
pub fn build_tree(prefix: &str, objects: &[ListedObject]) -> Vec<TreeLine> {
    let mut root = Node::default();
    let mut marker: Option<(u64, DateTime<Utc>)> = None;
    for object in objects {
        let rest = object.key.strip_prefix(prefix).unwrap_or(&object.key);
        if rest.is_empty() {
            // The folder-marker object `name/` itself.
            marker = Some((object.size, object.last_modified));
            continue;
        }
        let mut node = &mut root;
        node.add(object.size, object.last_modified);
        let segments: Vec<&str> = rest.split('/').collect();
        for (i, segment) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let key = if last {
                segment.to_string()
            } else {
                format!("{segment}/")
            };
            node = node.children.entry(key).or_default();
            node.add(object.size, object.last_modified);
            if last {
                node.file = Some((object.size, object.last_modified));
            }
        }
    }
    let mut lines = Vec::new();
    if let Some((size, time)) = marker {
        lines.push(TreeLine {
            guide: String::new(),
            label: "(folder marker object)".into(),
            is_dir: false,
            bytes: size,
            objects: 1,
            time: Some(time),
        });
    }
    flatten(&root, "", &mut lines);
    lines
}

impl Node {
    fn add(&mut self, bytes: u64, time: DateTime<Utc>) {
        self.bytes += bytes;
        self.objects += 1;
        self.newest = Some(self.newest.map_or(time, |t| t.max(time)));
    }
}

fn flatten(node: &Node, indent: &str, out: &mut Vec<TreeLine>) {
    // Folders (names ending in `/`) first, then files; BTreeMap keeps each group sorted.
    let mut entries: Vec<(&String, &Node)> = node.children.iter().collect();
    entries.sort_by_key(|(name, _)| !name.ends_with('/'));
    let count = entries.len();
    for (i, (name, child)) in entries.into_iter().enumerate() {
        let last = i + 1 == count;
        let branch = if last { "└─ " } else { "├─ " };
        let is_dir = name.ends_with('/');
        let label = if name.is_empty() {
            // `sub/` inside the deployment: the marker object of a subfolder.
            "(folder marker object)".to_string()
        } else if name == "/" {
            // `d//x`: an empty path segment.
            "(empty name)/".to_string()
        } else {
            printable(name).into_owned()
        };
        if is_dir {
            out.push(TreeLine {
                guide: format!("{indent}{branch}"),
                label,
                is_dir: true,
                bytes: child.bytes,
                objects: child.objects,
                time: child.newest,
            });
            // An object stored exactly at the folder's path without the slash is a
            // separate key; it appears as a file entry of the parent.
            let next = format!("{indent}{}", if last { "   " } else { "│  " });
            flatten(child, &next, out);
        } else if let Some((size, time)) = child.file {
            out.push(TreeLine {
                guide: format!("{indent}{branch}"),
                label,
                is_dir: false,
                bytes: size,
                objects: 1,
                time: Some(time),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn obj(key: &str, size: u64, minute: u32) -> ListedObject {
        ListedObject {
            key: key.into(),
            size,
            last_modified: Utc.with_ymd_and_hms(2026, 5, 1, 12, minute, 0).unwrap(),
        }
    }

    #[test]
    fn folders_first_with_totals() {
        let objects = vec![
            obj("d/", 0, 0),
            obj("d/css/a.css", 10, 1),
            obj("d/css/b.css", 20, 2),
            obj("d/index.html", 5, 3),
            obj("d/img/x/y.png", 7, 4),
            obj("d/evil\u{1b}[2J", 1, 5),
        ];
        let lines = build_tree("d/", &objects);
        let text: Vec<String> = lines
            .iter()
            .map(|l| format!("{}{} {} {}", l.guide, l.label, l.bytes, l.objects))
            .collect();
        assert_eq!(
            text,
            vec![
                "(folder marker object) 0 1",
                "├─ css/ 30 2",
                "│  ├─ a.css 10 1",
                "│  └─ b.css 20 1",
                "├─ img/ 7 1",
                "│  └─ x/ 7 1",
                "│     └─ y.png 7 1",
                "├─ evil\\u{1b}[2J 1 1",
                "└─ index.html 5 1",
            ]
        );
        assert_eq!(
            lines[1].time,
            Some(Utc.with_ymd_and_hms(2026, 5, 1, 12, 2, 0).unwrap())
        );
    }

    #[test]
    fn a_key_can_be_file_and_folder() {
        let lines = build_tree("d/", &[obj("d/a", 1, 0), obj("d/a/b", 2, 0)]);
        let labels: Vec<&str> = lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, vec!["a/", "b", "a"]);
    }
}
