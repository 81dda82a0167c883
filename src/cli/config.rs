//! The policy file (`--config PATH`, `S3PRUNE_CONFIG`, else `./s3prune.toml` when it
//! exists): a `[defaults]` table and `[[target]]` tables whose keys are the global flags'
//! names with `_` for `-`. Each selected target becomes the `GlobalArgs` it amounts to:
//! a flag given on the command line (or by its environment variable) wins, then the
//! target's key, then `[defaults]`, then the flag's own default. Everything is checked
//! before any request; a bad file is a usage error naming the file, the line and the key.

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::args::{parse_price, GlobalArgs};
use super::session::{check_inventory, check_live_alias, check_live_key, target, Target};
use crate::engine::bucket_name::validate_bucket_name;
use crate::engine::deployment::AgeBy;
use crate::engine::name_time::NameTime;
use crate::engine::rule::{Rule, RuleError};
use crate::operations::duration::parse_duration;
use crate::operations::failure::Failure;

/// Read when neither `--config` nor `S3PRUNE_CONFIG` names a file, if it exists.
pub const DEFAULT_FILE: &str = "s3prune.toml";

/// The keys a table may hold: the global flags that describe a target.
const KEYS: &[&str] = &[
    "bucket",
    "prefix",
    "endpoint_url",
    "region",
    "profile",
    "keep",
    "older_than",
    "protect",
    "age_by",
    "name_time_format",
    "live",
    "no_live_detect",
    "live_alias",
    "timeout",
    "list_concurrency",
    "audit_log",
    "price_per_gb",
    "all_versions",
    "inventory",
];

/// One table as written: `[defaults]` or a `[[target]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    name: Option<Spanned<String>>,
    bucket: Option<Spanned<String>>,
    prefix: Option<Spanned<String>>,
    endpoint_url: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    keep: Option<Spanned<usize>>,
    older_than: Option<Spanned<String>>,
    protect: Option<Spanned<Vec<String>>>,
    age_by: Option<Spanned<String>>,
    name_time_format: Option<Spanned<String>>,
    live: Option<Spanned<Vec<String>>>,
    no_live_detect: Option<Spanned<bool>>,
    live_alias: Option<Spanned<Vec<String>>>,
    timeout: Option<Spanned<String>>,
    list_concurrency: Option<Spanned<usize>>,
    audit_log: Option<Spanned<PathBuf>>,
    price_per_gb: Option<Spanned<f64>>,
    all_versions: Option<Spanned<bool>>,
    inventory: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    defaults: Table,
    #[serde(default)]
    target: Vec<Spanned<Table>>,
}

/// A table's values, checked and typed as the flags hold them.
#[derive(Debug, Default, Clone)]
struct Layer {
    bucket: Option<String>,
    prefix: Option<String>,
    endpoint_url: Option<String>,
    region: Option<String>,
    profile: Option<String>,
    keep: Option<usize>,
    older_than: Option<Duration>,
    protect: Option<Vec<String>>,
    age_by: Option<AgeBy>,
    name_time_format: Option<String>,
    live: Option<Vec<String>>,
    no_live_detect: Option<bool>,
    live_alias: Option<Vec<String>>,
    timeout: Option<Duration>,
    list_concurrency: Option<usize>,
    audit_log: Option<PathBuf>,
    price_per_gb: Option<f64>,
    all_versions: Option<bool>,
    inventory: Option<String>,
}

/// One target of a run, as the flags it amounts to.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The `[[target]]`'s name; `None` for a run from flags (and `[defaults]`) alone.
    pub name: Option<String>,
    pub global: GlobalArgs,
    /// Where it is declared, for messages: `s3prune.toml line 7`.
    origin: Option<String>,
}

impl Selected {
    /// A failure about this target, saying which target and where it is declared.
    pub fn locate(&self, failure: Failure) -> Failure {
        let (Some(name), Some(origin)) = (&self.name, &self.origin) else {
            return failure;
        };
        let message = format!("target {name:?} ({origin}): {}", failure.message());
        match failure {
            Failure::Usage(_) => Failure::Usage(message),
            Failure::Runtime(_) => Failure::Runtime(message),
        }
    }

    /// The checked target for `plan` and `prune`, which need a bucket and `keep`.
    pub fn checked(&self) -> Result<Target, Failure> {
        if let (Some(name), Some(origin)) = (&self.name, &self.origin) {
            if self.global.keep.is_none() {
                return Err(Failure::Usage(format!(
                    "target {name:?} ({origin}): key keep is missing: add keep = N to the target \
                     or to [defaults], or pass --keep N"
                )));
            }
        }
        target(&self.global).map_err(|f| self.locate(f))
    }
}

/// The targets of one run.
#[derive(Debug)]
pub struct Selection {
    /// The targets are `[[target]]`s of a policy file (outputs then name them).
    pub from_file: bool,
    pub targets: Vec<Selected>,
}

impl Selection {
    /// Every target checked for `plan` and `prune`, before any request.
    pub fn checked(&self) -> Result<Vec<Target>, Failure> {
        self.targets.iter().map(Selected::checked).collect()
    }
}

/// The targets the flags and the policy file select. Without a file: the flags alone.
/// With one: `--target` picks `[[target]]`s (file order); otherwise `--bucket` means the
/// flags with `[defaults]`, and no `--bucket` means every `[[target]]`.
pub fn select(global: &GlobalArgs) -> Result<Selection, Failure> {
    let path = match &global.config {
        Some(path) => Some(path.clone()),
        None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.is_file()),
    };
    let Some(path) = path else {
        if let Some(name) = global.targets.first() {
            return Err(Failure::Usage(format!(
                "--target {name:?} needs a policy file: pass --config PATH, set S3PRUNE_CONFIG, \
                 or put an {DEFAULT_FILE} in the current directory"
            )));
        }
        return Ok(Selection {
            from_file: false,
            targets: vec![Selected {
                name: None,
                global: global.clone(),
                origin: None,
            }],
        });
    };
    Policy::read(&path)?.select(global)
}

/// The targets a policy file already read selects (one given inline or kept in S3, for
/// the Lambda function); `label` names it in messages where a file's path would.
pub fn select_text(global: &GlobalArgs, label: &str, source: String) -> Result<Selection, Failure> {
    Policy::parse(Path::new(label), source)?.select(global)
}

/// A parsed, checked policy file.
struct Policy {
    path: PathBuf,
    source: String,
    defaults: Layer,
    /// Name, line of the name (or of the table), values.
    targets: Vec<(String, usize, Layer)>,
}

impl Policy {
    fn read(path: &Path) -> Result<Policy, Failure> {
        let source = std::fs::read_to_string(path).map_err(|e| {
            Failure::Usage(format!(
                "cannot read the policy file {}: {e}",
                path.display()
            ))
        })?;
        Policy::parse(path, source)
    }

    fn parse(path: &Path, source: String) -> Result<Policy, Failure> {
        let mut policy = Policy {
            path: path.to_path_buf(),
            source,
            defaults: Layer::default(),
            targets: Vec::new(),
        };
        let file: File = toml::from_str(&policy.source).map_err(|e| policy.toml_error(&e))?;
        if let Some(name) = &file.defaults.name {
            return Err(policy.error(
                name.span(),
                "name",
                "a name belongs in a [[target]] table, not in [defaults]",
            ));
        }
        policy.defaults = policy.layer(&file.defaults)?;
        let mut seen = HashSet::new();
        for table in &file.target {
            let Some(name) = &table.get_ref().name else {
                return Err(policy.error(
                    table.span(),
                    "name",
                    "this [[target]] has no name: add name = \"…\" (unique in the file)",
                ));
            };
            let text = name.get_ref().trim();
            if text.is_empty() {
                return Err(policy.error(name.span(), "name", "a target's name cannot be empty"));
            }
            if !seen.insert(text.to_string()) {
                return Err(policy.error(
                    name.span(),
                    "name",
                    &format!("a second target named {text:?}: each target's name must be unique"),
                ));
            }
            let layer = policy.layer(table.get_ref())?;
            let line = policy.line(name.span().start);
            policy.targets.push((text.to_string(), line, layer));
        }
        Ok(policy)
    }

    fn select(&self, global: &GlobalArgs) -> Result<Selection, Failure> {
        for wanted in &global.targets {
            if !self.targets.iter().any(|(name, ..)| name == wanted) {
                let names: Vec<&str> = self.targets.iter().map(|(n, ..)| n.as_str()).collect();
                return Err(Failure::Usage(format!(
                    "--target {wanted:?}: {} has no such target (its targets: {})",
                    self.path.display(),
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            }
        }
        let from_file = !global.targets.is_empty()
            || (!global.given.contains("bucket") && !self.targets.is_empty());
        if !from_file {
            return Ok(Selection {
                from_file,
                targets: vec![Selected {
                    name: None,
                    global: merge(global, &[&self.defaults]),
                    origin: None,
                }],
            });
        }
        let targets = self
            .targets
            .iter()
            .filter(|(name, ..)| global.targets.is_empty() || global.targets.contains(name))
            .map(|(name, line, layer)| {
                let merged = merge(global, &[layer, &self.defaults]);
                let origin = format!("{} line {line}", self.path.display());
                if merged.bucket.is_none() {
                    return Err(Failure::Usage(format!(
                        "target {name:?} ({origin}): key bucket is missing: add bucket = \"NAME\" \
                         to the target or to [defaults]"
                    )));
                }
                Ok(Selected {
                    name: Some(name.clone()),
                    global: merged,
                    origin: Some(origin),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Selection { from_file, targets })
    }

    /// Checks every value of `table` as its flag would, naming the line of a bad one.
    fn layer(&self, table: &Table) -> Result<Layer, Failure> {
        let plain = |value: &Option<Spanned<String>>| value.as_ref().map(|v| v.get_ref().clone());
        let duration = |key: &str, value: &Option<Spanned<String>>| {
            value
                .as_ref()
                .map(|v| parse_duration(v.get_ref()).map_err(|e| self.error(v.span(), key, &e)))
                .transpose()
        };
        let list = |key: &str,
                    value: &Option<Spanned<Vec<String>>>,
                    check: &dyn Fn(&str) -> Result<(), String>| {
            value
                .as_ref()
                .map(|v| {
                    for item in v.get_ref() {
                        check(item).map_err(|e| self.error(v.span(), key, &e))?;
                    }
                    Ok::<_, Failure>(v.get_ref().clone())
                })
                .transpose()
        };
        if let Some(bucket) = &table.bucket {
            validate_bucket_name(bucket.get_ref())
                .map_err(|e| self.error(bucket.span(), "bucket", &e))?;
        }
        let age_by = table
            .age_by
            .as_ref()
            .map(|v| {
                v.get_ref().parse::<AgeBy>().map_err(|e| {
                    self.error(
                        v.span(),
                        "age_by",
                        &format!("{e} (one of {})", AgeBy::NAMES.join(", ")),
                    )
                })
            })
            .transpose()?;
        if let Some(format) = &table.name_time_format {
            NameTime::with_format(format.get_ref())
                .map_err(|e| self.error(format.span(), "name_time_format", &e.to_string()))?;
        }
        let price_per_gb = table
            .price_per_gb
            .as_ref()
            .map(|v| {
                parse_price(&v.get_ref().to_string())
                    .map_err(|e| self.error(v.span(), "price_per_gb", &e))
            })
            .transpose()?;
        let glob =
            |pattern: &str| match Rule::new(1, None, vec![pattern.to_string()], AgeBy::Newest) {
                Err(RuleError::BadGlob { reason, .. }) => {
                    Err(format!("{pattern:?} is not a valid glob: {reason}"))
                }
                _ => Ok(()),
            };
        let live_alias =
            |alias: &str| check_live_alias(alias).map_err(|e| e.replacen("--live-alias ", "", 1));
        let live_key = |key: &str| check_live_key(key).map_err(|e| e.replacen("--live ", "", 1));
        Ok(Layer {
            bucket: plain(&table.bucket),
            prefix: plain(&table.prefix),
            endpoint_url: plain(&table.endpoint_url),
            region: plain(&table.region),
            profile: plain(&table.profile),
            keep: table.keep.as_ref().map(|v| *v.get_ref()),
            older_than: duration("older_than", &table.older_than)?,
            protect: list("protect", &table.protect, &glob)?,
            age_by,
            name_time_format: plain(&table.name_time_format),
            live: list("live", &table.live, &live_key)?,
            no_live_detect: table.no_live_detect.as_ref().map(|v| *v.get_ref()),
            live_alias: list("live_alias", &table.live_alias, &live_alias)?,
            timeout: duration("timeout", &table.timeout)?,
            list_concurrency: table.list_concurrency.as_ref().map(|v| *v.get_ref()),
            audit_log: table.audit_log.as_ref().map(|v| v.get_ref().clone()),
            price_per_gb,
            all_versions: table.all_versions.as_ref().map(|v| *v.get_ref()),
            inventory: table
                .inventory
                .as_ref()
                .map(|v| {
                    check_inventory(v.get_ref())
                        .map(|()| v.get_ref().clone())
                        .map_err(|e| self.error(v.span(), "inventory", &e))
                })
                .transpose()?,
        })
    }

    fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.source.len());
        self.source.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn error(&self, span: Range<usize>, key: &str, what: &str) -> Failure {
        Failure::Usage(format!(
            "{} line {}, key {key}: {what}",
            self.path.display(),
            self.line(span.start)
        ))
    }

    /// A syntax or type error from the TOML reader, as one paragraph naming the line and
    /// the key (read from the line itself: the reader's message does not name it).
    fn toml_error(&self, error: &toml::de::Error) -> Failure {
        let message = error.message().trim().replace('\n', " ");
        let Some(span) = error.span() else {
            return Failure::Usage(format!("{}: {message}", self.path.display()));
        };
        let line = self.line(span.start);
        let text = self.source.lines().nth(line - 1).unwrap_or("");
        let key = text
            .split_once('=')
            .map(|(key, _)| key.trim().trim_matches('"'))
            .filter(|key| !key.is_empty() && !key.starts_with('['));
        let where_ = format!("{} line {line}", self.path.display());
        if let Some(unknown) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
        {
            let hint = if unknown.contains('-') {
                format!(" (write {})", unknown.replace('-', "_"))
            } else {
                String::new()
            };
            return Failure::Usage(format!(
                "{where_}, key {unknown}: unknown key{hint}; a table's keys are the global flags' \
                 names with _ for - ({}), and name for a [[target]]",
                KEYS.join(", ")
            ));
        }
        let message = message
            .replace("expected usize", "expected a whole number (0 or more)")
            .replace("expected f64", "expected a number")
            .replace(
                "expected a sequence",
                "expected a list such as [\"a\", \"b\"]",
            );
        match key {
            Some(key) => Failure::Usage(format!("{where_}, key {key}: {message}")),
            None => Failure::Usage(format!("{where_}: {message}")),
        }
    }
}

/// `global` with every flag that was not given taken from the first layer that has it.
fn merge(global: &GlobalArgs, layers: &[&Layer]) -> GlobalArgs {
    let mut out = global.clone();
    macro_rules! take {
        ($($field:ident),* ; $($optional:ident),*) => {
            $(if !global.given.contains(stringify!($field)) {
                if let Some(value) = layers.iter().find_map(|l| l.$field.clone()) {
                    out.$field = value;
                }
            })*
            $(if !global.given.contains(stringify!($optional)) {
                if let Some(value) = layers.iter().find_map(|l| l.$optional.clone()) {
                    out.$optional = Some(value);
                }
            })*
        };
    }
    take!(
        protect, live, no_live_detect, live_alias, timeout, list_concurrency,
        price_per_gb, all_versions;
        bucket, prefix, endpoint_url, region, profile, keep, older_than, age_by,
        name_time_format, audit_log, inventory
    );
    out
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::args::Cli;

    fn global(args: &[&str]) -> GlobalArgs {
        let mut argv = vec!["s3prune"];
        argv.extend_from_slice(args);
        Cli::try_parse_from_with_sources(argv).unwrap().global
    }

    fn policy(source: &str) -> Result<Policy, Failure> {
        Policy::parse(Path::new("p.toml"), source.to_string())
    }

    const TWO: &str = r#"
[defaults]
endpoint_url = "http://127.0.0.1:4566"
older_than = "30d"

[[target]]
name = "prod"
bucket = "my-site"
prefix = "prod/"
keep = 10
protect = ["release-*"]
live = ["prod/current.txt"]

[[target]]
name = "staging"
bucket = "my-site"
prefix = "staging/"
keep = 3
older_than = "1d"
"#;

    #[test]
    fn every_target_takes_defaults_and_its_own_keys() {
        let selection = policy(TWO).unwrap().select(&global(&[])).unwrap();
        assert!(selection.from_file);
        let [prod, staging] = &selection.targets[..] else {
            panic!("two targets")
        };
        assert_eq!(prod.name.as_deref(), Some("prod"));
        assert_eq!(prod.global.keep, Some(10));
        assert_eq!(prod.global.protect, ["release-*"]);
        assert_eq!(
            prod.global.older_than,
            Some(Duration::from_secs(30 * 86400))
        );
        assert_eq!(
            staging.global.endpoint_url.as_deref(),
            Some("http://127.0.0.1:4566")
        );
        assert_eq!(staging.global.older_than, Some(Duration::from_secs(86400)));
        assert_eq!(staging.global.prefix.as_deref(), Some("staging/"));
        assert!(staging.global.protect.is_empty());
        assert_eq!(prod.origin.as_deref(), Some("p.toml line 7"));
    }

    #[test]
    fn the_command_line_wins_over_the_file_for_every_target() {
        let args = global(&[
            "plan",
            "--keep",
            "1",
            "--protect",
            "x",
            "--target",
            "staging",
        ]);
        let selection = policy(TWO).unwrap().select(&args).unwrap();
        let [staging] = &selection.targets[..] else {
            panic!("one target")
        };
        assert_eq!(staging.name.as_deref(), Some("staging"));
        assert_eq!(staging.global.keep, Some(1));
        assert_eq!(staging.global.protect, ["x"]);
        // Not given: the file's, not the flag's default.
        assert_eq!(staging.global.prefix.as_deref(), Some("staging/"));
    }

    #[test]
    fn a_bucket_on_the_command_line_means_the_flags_with_the_defaults() {
        let selection = policy(TWO)
            .unwrap()
            .select(&global(&["--bucket", "other", "--keep", "2"]))
            .unwrap();
        assert!(!selection.from_file);
        let [only] = &selection.targets[..] else {
            panic!("one target")
        };
        assert_eq!(only.name, None);
        assert_eq!(only.global.bucket.as_deref(), Some("other"));
        assert_eq!(
            only.global.endpoint_url.as_deref(),
            Some("http://127.0.0.1:4566")
        );
    }

    #[test]
    fn an_unknown_target_is_refused_naming_the_targets() {
        let error = policy(TWO)
            .unwrap()
            .select(&global(&["--target", "qa"]))
            .unwrap_err();
        assert!(
            error.message().contains("its targets: prod, staging"),
            "{}",
            error.message()
        );
    }

    fn refused(source: &str) -> String {
        match policy(source) {
            Ok(_) => panic!("accepted: {source}"),
            Err(Failure::Usage(message)) => message,
            Err(other) => panic!("not a usage error: {other:?}"),
        }
    }

    #[test]
    fn bad_files_name_the_file_the_line_and_the_key() {
        let cases = [
            (
                "[[target]]\nname = \"a\"\nkep = 3\n",
                "p.toml line 3, key kep: unknown key",
            ),
            (
                "[defaults]\nolder-than = \"3d\"\n",
                "p.toml line 2, key older-than: unknown key (write older_than)",
            ),
            (
                "[[target]]\nname = \"a\"\n[[target]]\nname = \"a\"\n",
                "p.toml line 4, key name: a second target named \"a\"",
            ),
            (
                "[defaults]\nolder_than = \"30x\"\n",
                "p.toml line 2, key older_than: \"30x\" is not a duration",
            ),
            (
                "[[target]]\nname = \"a\"\nprotect = [\"release-[\"]\n",
                "p.toml line 3, key protect: \"release-[\" is not a valid glob",
            ),
            (
                "[[target]]\nname = \"a\"\nkeep = \"ten\"\n",
                "p.toml line 3, key keep: invalid type: string \"ten\", expected a whole number",
            ),
            (
                "[[target]]\nname = \"a\"\nprotect = \"x\"\n",
                "p.toml line 3, key protect: invalid type: string \"x\", expected a list",
            ),
            (
                "[[target]]\nname = \"a\"\nbucket = \"Bad_Bucket\"\n",
                "p.toml line 3, key bucket: ",
            ),
            (
                "[defaults]\nage_by = \"middle\"\n",
                "p.toml line 2, key age_by: ",
            ),
            (
                "[defaults]\nname = \"x\"\n",
                "p.toml line 2, key name: a name belongs in a [[target]]",
            ),
            (
                "[[target]]\nbucket = \"b\"\n",
                "p.toml line 1, key name: this [[target]] has no name",
            ),
            ("[defaults]\nkeep = 1\nkeep = 2\n", "p.toml line 3"),
            (
                "[defaults]\nlive_alias = [\"a/b\"]\n",
                "p.toml line 2, key live_alias: \"a/b\": give one folder name",
            ),
            (
                "[defaults]\nprice_per_gb = -1.0\n",
                "p.toml line 2, key price_per_gb: ",
            ),
        ];
        for (source, expected) in cases {
            let message = refused(source);
            assert!(
                message.starts_with(expected),
                "{source:?}\n  gave: {message}\n  want: {expected}…"
            );
            assert!(!message.contains('\n'), "one paragraph: {message}");
        }
    }

    #[test]
    fn a_target_without_a_bucket_or_keep_names_the_key() {
        let policy = policy(
            "[[target]]\nname = \"a\"\nkeep = 1\n[[target]]\nname = \"b\"\nbucket = \"bbb\"\n",
        )
        .unwrap();
        let error = policy.select(&global(&["plan"])).unwrap_err();
        assert!(
            error
                .message()
                .starts_with("target \"a\" (p.toml line 2): key bucket is missing"),
            "{}",
            error.message()
        );
        let selection = policy.select(&global(&["plan", "--target", "b"])).unwrap();
        let error = selection.checked().err().expect("no keep");
        assert!(
            error
                .message()
                .starts_with("target \"b\" (p.toml line 5): key keep is missing"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn given_flags_are_found_before_and_after_the_command() {
        let args = global(&["--keep", "3", "plan", "--prefix", "x/"]);
        assert!(args.given.contains("keep"));
        assert!(args.given.contains("prefix"));
        assert!(!args.given.contains("timeout"));
        assert!(!Cli::parse_from(["s3prune"])
            .global
            .given
            .contains("timeout"));
    }
}
