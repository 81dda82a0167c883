use std::path::PathBuf;

use super::FunctionError;
use crate::cli::args::GlobalArgs;
use crate::cli::config::{select, select_text, Selection};
use crate::cli::session::connection_options;
use crate::engine::bucket::Bucket;
use crate::engine::connection::connect;

/// A policy file in S3 larger than this is refused (a policy is a few KiB).
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// Where an invocation's policy file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// `s3://BUCKET/KEY`, read with the function's own credentials.
    S3 { bucket: String, key: String },
    /// The TOML itself; `origin` says who gave it, for messages.
    Inline { text: String, origin: &'static str },
    /// A file in the function's package (relative to its folder, `/var/task`).
    Path(PathBuf),
}

impl PolicySource {
    /// Reads the event's `config`, else `S3PRUNE_CONFIG`. Text with a newline or an `=`
    /// is TOML; anything else that is not an `s3://` URI is a path.
    pub fn from_event(config: Option<&str>) -> Result<PolicySource, FunctionError> {
        let (text, origin) = match config {
            Some(text) => (text.to_string(), "the event's config"),
            None => match std::env::var("S3PRUNE_CONFIG") {
                Ok(text) if !text.trim().is_empty() => (text, "S3PRUNE_CONFIG"),
                _ => {
                    return Err(FunctionError::Refused(
                        "no policy file: give \"config\" in the event (an s3:// URI or inline \
                         TOML) or set the function's S3PRUNE_CONFIG variable"
                            .into(),
                    ))
                }
            },
        };
        PolicySource::parse(text, origin)
    }

    fn parse(text: String, origin: &'static str) -> Result<PolicySource, FunctionError> {
        let trimmed = text.trim();
        if let Some(rest) = trimmed.strip_prefix("s3://") {
            return match rest.split_once('/') {
                Some((bucket, key))
                    if !bucket.is_empty() && !key.is_empty() && !key.ends_with('/') =>
                {
                    Ok(PolicySource::S3 {
                        bucket: bucket.to_string(),
                        key: key.to_string(),
                    })
                }
                _ => Err(FunctionError::Refused(format!(
                    "{origin} {trimmed:?} is not the URI of one object: write s3://BUCKET/KEY, \
                     e.g. s3://my-config/s3prune.toml"
                ))),
            };
        }
        if trimmed.contains('\n') || trimmed.contains('=') {
            return Ok(PolicySource::Inline { text, origin });
        }
        if trimmed.is_empty() {
            return Err(FunctionError::Refused(format!(
                "{origin} is empty: give an s3:// URI or the policy's TOML"
            )));
        }
        Ok(PolicySource::Path(PathBuf::from(trimmed)))
    }

    /// How reports and messages name it.
    pub fn label(&self) -> String {
        match self {
            PolicySource::S3 { bucket, key } => format!("s3://{bucket}/{key}"),
            PolicySource::Inline { origin, .. } => format!("{origin} (inline TOML)"),
            PolicySource::Path(path) => path.display().to_string(),
        }
    }

    /// Reads the policy and the targets it selects for `global`, checked as `prune`
    /// checks a policy file.
    pub async fn select(&self, global: &GlobalArgs) -> Result<Selection, FunctionError> {
        let selection = match self {
            PolicySource::Path(path) => {
                let mut global = global.clone();
                global.config = Some(path.clone());
                select(&global)?
            }
            PolicySource::Inline { text, .. } => select_text(global, &self.label(), text.clone())?,
            PolicySource::S3 { bucket, key } => {
                let text = read_s3(global, bucket, key).await?;
                select_text(global, &self.label(), text)?
            }
        };
        selection.checked()?;
        Ok(selection)
    }
}

async fn read_s3(global: &GlobalArgs, bucket: &str, key: &str) -> Result<String, FunctionError> {
    let uri = format!("s3://{bucket}/{key}");
    let connection = connect(&connection_options(global)).await;
    let head = Bucket::new(&connection, bucket)
        .read_head(key, MAX_POLICY_BYTES + 1)
        .await
        .map_err(|e| FunctionError::Failed(format!("cannot read the policy file {uri}: {e}")))?;
    let Some(head) = head else {
        return Err(FunctionError::Refused(format!(
            "the policy file {uri} does not exist: check the event's config or S3PRUNE_CONFIG"
        )));
    };
    if head.size > MAX_POLICY_BYTES {
        return Err(FunctionError::Refused(format!(
            "the policy file {uri} is {} bytes, more than a policy file can be ({MAX_POLICY_BYTES} \
             bytes): check that the URI names the policy",
            head.size
        )));
    }
    String::from_utf8(head.bytes).map_err(|_| {
        FunctionError::Refused(format!(
            "the policy file {uri} is not UTF-8 text: a policy file is TOML"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PolicySource, FunctionError> {
        PolicySource::parse(text.to_string(), "the event's config")
    }

    #[test]
    fn uris_inline_toml_and_paths_are_told_apart() {
        assert_eq!(
            parse(" s3://policies/prod/s3prune.toml ").unwrap(),
            PolicySource::S3 {
                bucket: "policies".into(),
                key: "prod/s3prune.toml".into()
            }
        );
        assert!(matches!(
            parse("[[target]]\nname = \"prod\"").unwrap(),
            PolicySource::Inline { .. }
        ));
        assert!(matches!(
            parse("keep = 3").unwrap(),
            PolicySource::Inline { .. }
        ));
        assert_eq!(
            parse("s3prune.toml").unwrap(),
            PolicySource::Path("s3prune.toml".into())
        );
    }

    #[test]
    fn a_uri_that_names_no_object_is_refused() {
        for text in [
            "s3://",
            "s3://bucket",
            "s3://bucket/",
            "s3:///key",
            "s3://b/folder/",
        ] {
            let error = parse(text).unwrap_err();
            assert!(
                matches!(&error, FunctionError::Refused(m) if m.contains("s3://BUCKET/KEY")),
                "{text}: {error:?}"
            );
        }
        assert!(matches!(parse("  "), Err(FunctionError::Refused(_))));
    }
}
