//! Which deployments are live, and why: named by a pointer object (`--live KEY`, or an
//! object directly under the root found by auto-detection), or copied into an alias
//! folder (`--live-alias NAME`).
//!
//! The alias folder itself (`current/`) is listed like any deployment. It is live by
//! definition, so it is never deleted, and it does not take one of the N places: it is
//! a copy, and an operator asking for `--keep 3` means three releases, not two releases
//! and the copy of one of them (the copy is usually the most recently written folder, so
//! counting it would cost the oldest kept release its place).
//!
//! Source labels, as shown in `live_from`: a pointer's key as the caller passes it
//! (`current.txt`, `index.html`), and `alias NAME/` for an alias, on both the alias
//! folder and the deployment it matches.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::deployment::Deployment;
use super::pointer::NameIndex;

/// Root objects up to this size are read by auto-detection; larger ones are skipped.
pub const MAX_DETECTED_BYTES: usize = 64 << 10;

/// Where to look for live deployments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LiveOptions {
    /// Pointer objects named by the operator (`--live KEY`, full keys). Each must exist
    /// and be readable, at most [`super::pointer::MAX_POINTER_BYTES`].
    pub pointers: Vec<String>,
    /// Read the objects directly under the root, up to [`MAX_DETECTED_BYTES`] each
    /// (`--no-live-detect` turns this off).
    pub detect: bool,
    /// Alias folders under the root (`--live-alias NAME`), without `/`.
    pub aliases: Vec<String>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            pointers: Vec::new(),
            detect: true,
            aliases: Vec::new(),
        }
    }
}

/// A pointer object and its content (at most [`super::pointer::MAX_POINTER_BYTES`]).
#[derive(Debug, Clone, Copy)]
pub struct PointerObject<'a> {
    /// The label shown in `live_from`, normally the key.
    pub key: &'a str,
    pub content: &'a [u8],
}

/// The live deployments with their sources, and the warnings found on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveSet {
    sources: BTreeMap<String, Vec<String>>,
    aliases: BTreeSet<String>,
    warnings: Vec<String>,
}

impl LiveSet {
    /// Combines every source. `digests` holds each deployment's
    /// [`super::digest::DigestAccumulator`] hex by name (the alias folders' included); a
    /// deployment without one can match no alias. `aliases` are folder names under the
    /// root, without `/`.
    pub fn from_sources(
        deployments: &[Deployment],
        digests: &HashMap<String, String>,
        pointers: &[PointerObject<'_>],
        aliases: &[String],
    ) -> LiveSet {
        let mut live = LiveSet::default();
        let index = NameIndex::new(deployments.iter().map(|d| d.name.as_str()));
        for pointer in pointers {
            for name in index.names_in(pointer.content) {
                live.add(name, pointer.key);
            }
        }

        let present: BTreeSet<&str> = deployments.iter().map(|d| d.name.as_str()).collect();
        for alias in aliases {
            let label = format!("alias {alias}/");
            if !present.contains(alias.as_str()) {
                live.warnings.push(format!(
                    "--live-alias {alias}: there is no folder {alias}/ under the root (or it is empty); nothing is live by it"
                ));
                continue;
            }
            live.aliases.insert(alias.clone());
            live.add(alias, &label);
            let copies: Vec<&str> = match digests.get(alias) {
                Some(digest) => deployments
                    .iter()
                    .filter(|d| !aliases.contains(&d.name))
                    .filter(|d| digests.get(&d.name) == Some(digest))
                    .map(|d| d.name.as_str())
                    .collect(),
                None => Vec::new(),
            };
            if copies.is_empty() {
                live.warnings.push(format!(
                    "--live-alias {alias}: {alias}/ matches no deployment (none has the same keys, sizes and ETags); only {alias}/ itself is kept as live"
                ));
            }
            for name in copies {
                live.add(name, &label);
            }
        }
        live
    }

    fn add(&mut self, name: &str, source: &str) {
        let sources = self.sources.entry(name.to_string()).or_default();
        if !sources.iter().any(|s| s == source) {
            sources.push(source.to_string());
        }
    }

    /// Every live deployment with its sources, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.sources
            .iter()
            .map(|(name, sources)| (name.as_str(), sources.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    pub fn is_live(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    /// Why `name` is live, in the order the sources were given; empty if it is not.
    pub fn sources(&self, name: &str) -> &[String] {
        self.sources.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether `name` is an alias folder (`--live-alias`) that exists.
    pub fn is_alias(&self, name: &str) -> bool {
        self.aliases.contains(name)
    }

    /// Aliases that point nowhere, for the plan to show. Never errors: a stale alias
    /// must not stop a prune whose other sources are fine.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::digest::DigestAccumulator;

    fn dep(name: &str) -> Deployment {
        Deployment {
            name: name.into(),
            prefix: format!("{name}/"),
            objects: 1,
            bytes: 1,
            newest: Utc::now(),
            oldest: Utc::now(),
            storage: Default::default(),
            incomplete_uploads: 0,
        }
    }

    fn deployments(names: &[&str]) -> Vec<Deployment> {
        names.iter().map(|n| dep(n)).collect()
    }

    fn digest_of(objects: &[(&str, u64, &str)]) -> String {
        let mut acc = DigestAccumulator::new();
        for (key, size, etag) in objects {
            acc.add(key, *size, etag);
        }
        acc.hex()
    }

    fn digests(pairs: &[(&str, String)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(n, d)| (n.to_string(), d.clone()))
            .collect()
    }

    #[test]
    fn pointers_name_deployments_with_their_key_as_source() {
        let ds = deployments(&["d1", "d2", "d3"]);
        let live = LiveSet::from_sources(
            &ds,
            &HashMap::new(),
            &[
                PointerObject {
                    key: "current.txt",
                    content: b"d2\n",
                },
                PointerObject {
                    key: "index.html",
                    content: b"<script src=\"/d2/app.js\"></script><link href=\"/d3/a.css\">",
                },
            ],
            &[],
        );
        assert_eq!(live.sources("d2"), ["current.txt", "index.html"]);
        assert_eq!(live.sources("d3"), ["index.html"]);
        assert!(!live.is_live("d1"));
        assert!(live.sources("d1").is_empty());
        assert!(live.warnings().is_empty());
    }

    #[test]
    fn the_same_source_is_listed_once() {
        let ds = deployments(&["d1"]);
        let pointer = PointerObject {
            key: "index.html",
            content: b"/d1/a.js /d1/b.js",
        };
        let live = LiveSet::from_sources(&ds, &HashMap::new(), &[pointer, pointer], &[]);
        assert_eq!(live.sources("d1"), ["index.html"]);
    }

    #[test]
    fn an_alias_makes_its_copy_and_itself_live() {
        let site = [("index.html", 10, "\"a\""), ("app.js", 20, "\"b\"")];
        let other = [("index.html", 10, "\"a\""), ("app.js", 21, "\"c\"")];
        let ds = deployments(&["d1", "d2", "current"]);
        let digests = digests(&[
            ("d1", digest_of(&other)),
            ("d2", digest_of(&site)),
            ("current", digest_of(&[site[1], site[0]])),
        ]);
        let live = LiveSet::from_sources(&ds, &digests, &[], &["current".to_string()]);
        assert_eq!(live.sources("d2"), ["alias current/"]);
        assert_eq!(live.sources("current"), ["alias current/"]);
        assert!(live.is_alias("current"));
        assert!(!live.is_alias("d2"));
        assert!(!live.is_live("d1"));
        assert!(live.warnings().is_empty());
    }

    #[test]
    fn an_alias_that_matches_nothing_is_a_warning_not_an_error() {
        let ds = deployments(&["d1", "current"]);
        let digests = digests(&[
            ("d1", digest_of(&[("a", 1, "x")])),
            ("current", digest_of(&[("a", 1, "y")])),
        ]);
        let live = LiveSet::from_sources(
            &ds,
            &digests,
            &[],
            &["current".to_string(), "live".to_string()],
        );
        assert!(!live.is_live("d1"));
        assert_eq!(live.sources("current"), ["alias current/"]);
        assert!(!live.is_alias("live"));
        assert_eq!(live.warnings().len(), 2);
        assert!(live.warnings()[0].contains("current/ matches no deployment"));
        assert!(live.warnings()[1].contains("no folder live/"));
    }

    #[test]
    fn aliases_match_deployments_not_each_other() {
        let site = [("index.html", 10, "\"a\"")];
        let ds = deployments(&["current", "live", "d1"]);
        let same = digest_of(&site);
        let digests = digests(&[
            ("current", same.clone()),
            ("live", same.clone()),
            ("d1", same),
        ]);
        let aliases = ["current".to_string(), "live".to_string()];
        let live = LiveSet::from_sources(&ds, &digests, &[], &aliases);
        assert_eq!(live.sources("d1"), ["alias current/", "alias live/"]);
        assert_eq!(live.sources("live"), ["alias live/"]);
        assert!(live.warnings().is_empty());
    }

    #[test]
    fn pointers_and_aliases_combine() {
        let site = [("index.html", 10, "\"a\"")];
        let ds = deployments(&["d1", "d2", "current"]);
        let digests = digests(&[("d2", digest_of(&site)), ("current", digest_of(&site))]);
        let live = LiveSet::from_sources(
            &ds,
            &digests,
            &[PointerObject {
                key: "index.html",
                content: b"<script src=/current/app.js>",
            }],
            &["current".to_string()],
        );
        assert_eq!(live.sources("current"), ["index.html", "alias current/"]);
        assert_eq!(live.sources("d2"), ["alias current/"]);
        assert!(!live.is_live("d1"));
    }
}
