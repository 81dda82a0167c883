//! `s3prune` / `s3prune tui`: check the flags, then hand over to the explorer.

use super::args::GlobalArgs;
use super::session::default_audit_path;
use super::session::{connection_options, require_bucket};
use crate::engine::connection::resolve_endpoint;
use crate::engine::deletion::DeleteOptions;
use crate::engine::listing::normalise_root;
use crate::engine::rule::Rule;
use crate::operations::failure::{CommandResult, Failure};
use crate::tui::{SessionInfo, TuiOptions, DEFAULT_KEEP};

pub async fn run(global: &GlobalArgs) -> CommandResult {
    let selection = super::config::select(global)?;
    let targets = selection
        .targets
        .iter()
        .map(|selected| {
            let options = options(&selected.global).map_err(|f| selected.locate(f))?;
            Ok((selected.name.clone().unwrap_or_default(), options))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    crate::tui::run_targets(targets)
        .await
        .map_err(Failure::Runtime)
}

/// The explorer's options for one target (checked: no request is made).
fn options(global: &GlobalArgs) -> Result<TuiOptions, Failure> {
    let bucket = require_bucket(global)?;
    let keep_is_default = global.keep.is_none();
    let rule = Rule::new(
        global.keep.unwrap_or(DEFAULT_KEEP),
        global.older_than,
        global.protect.clone(),
        super::session::age_by(global)?,
    )?;
    let connection = connection_options(global);
    let info = SessionInfo {
        bucket,
        root: normalise_root(global.prefix.as_deref()),
        endpoint: resolve_endpoint(connection.endpoint_url.as_deref())
            .unwrap_or_else(|| "AWS S3".into()),
        region: connection.region.clone(),
        price_per_gb: global.price_per_gb,
        audit_path: global.audit_log.clone().unwrap_or_else(default_audit_path),
        log_path: None,
        color: use_color(),
    };
    Ok(TuiOptions {
        info,
        rule,
        keep_is_default,
        connection,
        list_concurrency: global.list_concurrency,
        delete_options: DeleteOptions::default(),
        scope: super::session::scope(global),
        live: super::session::live_options(global)?,
        inventory: super::session::inventory(global)?,
    })
}

/// Colours unless `NO_COLOR` is set (https://no-color.org).
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
