//! Which deployments a pointer object (`current.txt`, `index.html`, `release.json`, …)
//! names.
//!
//! A deployment is named when
//! - the whole content, trimmed of whitespace (and a UTF-8 byte order mark), is its name;
//! - its name is a path segment: followed by `/` (or `\/`, as JSON may escape it) and
//!   preceded by the start of the content or a boundary byte. That covers
//!   `src="/d1/app.js"`, `href='d1/x.css'`, `https://cdn.example.com/prefix/d1/app.js`
//!   and `d1/` on its own;
//! - its name is a whole quoted string, `"d1"` or `'d1'` (JSON values, HTML attributes).
//!
//! Boundary bytes are ASCII whitespace and control bytes and
//! ``/ \ " ' ` = ( ) [ ] { } < > , ; : | ? & # @ ! * ^ $``. Not boundaries: letters,
//! digits, `-`, `_`, `.`, `~`, `+`, `%` and non-ASCII bytes, which names are made of; so
//! `xd1/`, `release-d1/` and `v1.d1/` do not name `d1`, and `d1x/` does not either.
//!
//! A name may itself contain boundary bytes (`2026-11-20T10:00:00Z`): every candidate
//! that starts after a boundary is looked up, not only the shortest.
//!
//! Work is linear in the content (times the longest name at worst), and names are looked
//! up in a hash set, so 10^4 names against 1 MiB is cheap.

use std::collections::{BTreeSet, HashSet};

/// The most of a `--live` object that is read; a larger one is an error.
pub const MAX_POINTER_BYTES: usize = 1 << 20;

/// The deployment names, indexed for lookups. Build it once per plan and ask it about
/// every pointer.
#[derive(Debug, Clone, Default)]
pub struct NameIndex<'a> {
    names: HashSet<&'a [u8]>,
    longest: usize,
}

impl<'a> NameIndex<'a> {
    pub fn new(names: impl IntoIterator<Item = &'a str>) -> Self {
        let names: HashSet<&[u8]> = names
            .into_iter()
            .filter(|n| !n.is_empty())
            .map(str::as_bytes)
            .collect();
        let longest = names.iter().map(|n| n.len()).max().unwrap_or(0);
        NameIndex { names, longest }
    }

    /// The names `content` points at, sorted. `content` need not be UTF-8.
    pub fn names_in(&self, content: &[u8]) -> BTreeSet<&'a str> {
        let mut found = BTreeSet::new();
        if self.longest == 0 {
            return found;
        }
        let whole = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
        self.check(whole.trim_ascii(), &mut found);

        let mut last_quote: [Option<usize>; 2] = [None, None];
        for (i, &c) in content.iter().enumerate() {
            match c {
                b'/' => {
                    let end = if i > 0 && content[i - 1] == b'\\' {
                        i - 1
                    } else {
                        i
                    };
                    self.segments_ending_at(content, end, &mut found);
                }
                b'"' | b'\'' => {
                    let slot = usize::from(c == b'\'');
                    if let Some(open) = last_quote[slot] {
                        if i - open - 1 <= self.longest {
                            self.check(&content[open + 1..i], &mut found);
                        }
                    }
                    last_quote[slot] = Some(i);
                }
                _ => {}
            }
        }
        found
    }

    /// Every `content[j..end]` that starts after a boundary byte (or at the start) and
    /// is no longer than the longest name. Stops at the previous `/`: names have none.
    fn segments_ending_at(&self, content: &[u8], end: usize, found: &mut BTreeSet<&'a str>) {
        let lowest = end.saturating_sub(self.longest);
        let mut start = end;
        loop {
            if start == 0 {
                self.check(&content[..end], found);
                return;
            }
            let before = content[start - 1];
            if is_boundary(before) {
                self.check(&content[start..end], found);
                if before == b'/' {
                    return;
                }
            }
            if start == lowest {
                return;
            }
            start -= 1;
        }
    }

    fn check(&self, candidate: &[u8], found: &mut BTreeSet<&'a str>) {
        if let Some(&name) = self.names.get(candidate) {
            // The index holds only `&str`s, so this is valid UTF-8.
            found.insert(std::str::from_utf8(name).expect("names are strings"));
        }
    }
}

fn is_boundary(c: u8) -> bool {
    c.is_ascii_whitespace()
        || c.is_ascii_control()
        || matches!(
            c,
            b'/' | b'\\'
                | b'"'
                | b'\''
                | b'`'
                | b'='
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'<'
                | b'>'
                | b','
                | b';'
                | b':'
                | b'|'
                | b'?'
                | b'&'
                | b'#'
                | b'@'
                | b'!'
                | b'*'
                | b'^'
                | b'$'
        )
}

/// The names among `names` that `content` points at, sorted. For many pointers against
/// the same names, build a [`NameIndex`] once instead.
pub fn names_in<'a>(content: &[u8], names: &'a [String]) -> Vec<&'a str> {
    NameIndex::new(names.iter().map(String::as_str))
        .names_in(content)
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        [
            "d1",
            "d2",
            "release-7",
            "2026-11-20T10:00:00Z",
            "v1.2.3",
            "été",
        ]
        .map(String::from)
        .to_vec()
    }

    fn found(content: &str) -> Vec<String> {
        let names = names();
        names_in(content.as_bytes(), &names)
            .into_iter()
            .map(String::from)
            .collect()
    }

    fn one(name: &str) -> Vec<String> {
        vec![name.to_string()]
    }

    #[test]
    fn whole_trimmed_content() {
        assert_eq!(found("d1\n"), one("d1"));
        assert_eq!(found("  release-7\r\n"), one("release-7"));
        assert_eq!(found("\u{feff}d2"), one("d2"));
        assert_eq!(found("d1/\n"), one("d1"));
        assert_eq!(found("v1.2.3"), one("v1.2.3"));
        assert_eq!(found("été\n"), one("été"));
    }

    #[test]
    fn html_attributes() {
        assert_eq!(found(r#"<script src="/d1/app.js"></script>"#), one("d1"));
        assert_eq!(found("<link href='d1/x.css'>"), one("d1"));
        assert_eq!(found("<img src=d2/logo.png>"), one("d2"));
        assert_eq!(found(r#"<meta name="release" content="d2">"#), one("d2"));
        assert_eq!(
            found("<div style=\"background:url(/release-7/bg.png)\">"),
            one("release-7")
        );
    }

    #[test]
    fn urls() {
        assert_eq!(found("https://cdn.example.com/prefix/d1/app.js"), one("d1"));
        assert_eq!(found("//cdn.example.com/d2/"), one("d2"));
        assert_eq!(
            found("s3://bucket/sites/2026-11-20T10:00:00Z/index.html"),
            one("2026-11-20T10:00:00Z")
        );
    }

    #[test]
    fn json() {
        assert_eq!(found(r#"{"current": "d1"}"#), one("d1"));
        assert_eq!(found(r#"{"assets": "/d2/main.js"}"#), one("d2"));
        assert_eq!(found(r#"{"assets": "\/d2\/main.js"}"#), one("d2"));
        assert_eq!(
            found(r#"{"current": "d1", "previous": "release-7"}"#),
            vec!["d1".to_string(), "release-7".to_string()]
        );
        // A key equal to a name is a quoted string too; pointing at it is the safe side.
        assert_eq!(found(r#"{"d2": true}"#), one("d2"));
    }

    #[test]
    fn several_references_are_all_found() {
        assert_eq!(
            found("<script src=/d1/a.js></script>\n<script src=/d2/b.js></script>"),
            vec!["d1".to_string(), "d2".to_string()]
        );
    }

    #[test]
    fn names_inside_longer_words_are_not_references() {
        for content in [
            "xd1/",
            "d1x/",
            "/xd1/app.js",
            "/d1x/app.js",
            "release-d1/app.js",
            "v1.d1/app.js",
            "d1 is not live",
            "the d1 release",
            "xd1",
            "\"d1x\"",
            "\"xd1\"",
            "prefix/d1",
            "/d1.js",
            "release-77/",
            "xrelease-7/",
        ] {
            assert_eq!(found(content), Vec::<String>::new(), "{content:?}");
        }
    }

    #[test]
    fn content_need_not_be_utf8() {
        let names = names();
        let mut content = b"\xff\xfe garbage \x80 src=\"/d1/a.js\" \xc3".to_vec();
        content.extend_from_slice(b"'d2'");
        assert_eq!(names_in(&content, &names), vec!["d1", "d2"]);
    }

    #[test]
    fn no_names_find_nothing() {
        assert!(names_in(b"d1/", &[]).is_empty());
        assert!(names_in(b"", &names()).is_empty());
    }

    #[test]
    fn ten_thousand_names_against_a_mebibyte() {
        let names: Vec<String> = (0..10_000).map(|i| format!("deploy-{i:05}")).collect();
        let index = NameIndex::new(names.iter().map(String::as_str));
        let mut content = String::new();
        let mut i = 0usize;
        while content.len() < MAX_POINTER_BYTES {
            // References to names that do not exist, and one per 500 lines that does.
            let name = if i.is_multiple_of(500) {
                format!("deploy-{:05}", i / 500)
            } else {
                format!("deploy-{:05}x", i)
            };
            content +=
                &format!("<script src=\"https://cdn.example.com/a/b/{name}/app.js\"></script>\n");
            i += 1;
        }
        let hits = index.names_in(content.as_bytes());
        assert_eq!(hits.len(), i.div_ceil(500));
        assert!(hits.contains("deploy-00000"));
    }
}
