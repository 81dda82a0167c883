//! `undo`: remove the delete markers a plain prune left in a versioned bucket, as the
//! audit log recorded them, which restores the previous versions.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use super::args::{GlobalArgs, UndoArgs};
use super::session::{connection_options, default_audit_path, require_bucket};
use crate::engine::audit::AuditLog;
use crate::engine::bucket::Bucket;
use crate::engine::connection::connect;
use crate::engine::listing::normalise_root;
use crate::engine::undo::{
    check, read_audit_log, restore, select, Restorable, Selection, UndoError,
};
use crate::format::{count, printable};
use crate::operations::failure::{CommandResult, Failure};

/// Version listings at once while checking the selected keys.
const CHECK_CONCURRENCY: usize = 16;

pub async fn run(global: &GlobalArgs, args: &UndoArgs) -> CommandResult {
    let bucket_name = require_bucket(global)?;
    if global.all_versions {
        return Err(Failure::Usage(
            "undo takes no --all-versions: deletions made with --all-versions removed the \
             versions for good and cannot be undone; undo only removes the delete markers of \
             plain deletions"
                .into(),
        ));
    }
    let interactive = std::io::stdin().is_terminal();
    if !args.yes && !args.dry_run && !interactive {
        return Err(Failure::Usage(
            "refusing to restore without confirmation: stdin is not a terminal, so pass --yes \
             (or --dry-run to only list what would be restored)"
                .into(),
        ));
    }
    let audit_path = global.audit_log.clone().unwrap_or_else(default_audit_path);
    let file = read_audit_log(&audit_path).map_err(undo_failure)?;
    if !file.malformed.is_empty() {
        let lines: Vec<String> = file
            .malformed
            .iter()
            .take(5)
            .map(usize::to_string)
            .collect();
        eprintln!(
            "warning: {} lines of {} are not audit records and were ignored (line {}{})",
            file.malformed.len(),
            audit_path.display(),
            lines.join(", "),
            if file.malformed.len() > 5 {
                ", …"
            } else {
                ""
            }
        );
    }
    let root = normalise_root(global.prefix.as_deref());
    let selection = Selection {
        bucket: bucket_name.clone(),
        root: root.clone(),
        since: args.since,
        deployments: args.deployment.clone(),
    };
    let selected = select(&file, &selection).map_err(undo_failure)?;

    let connection = connect(&connection_options(global)).await;
    let bucket = Bucket::new(&connection, &bucket_name);
    bucket.check_access().await?;
    let checked = check(&bucket, selected, CHECK_CONCURRENCY).await?;

    println!(
        "Undo in s3://{bucket_name}/{} from the audit log {}:",
        printable(&root),
        audit_path.display()
    );
    if !checked.restorable.is_empty() {
        println!(
            "  to restore: {} in {}",
            keys(checked.restorable.len()),
            by_deployment(&checked.restorable)
        );
    }
    if !checked.written_since.is_empty() {
        println!(
            "  skipped, written again since the deletion (left as they are): {}: {}",
            keys(checked.written_since.len()),
            key_names(&checked.written_since, 10)
        );
    }
    if !checked.already_restored.is_empty() {
        println!(
            "  already restored (their delete markers are gone): {}",
            keys(checked.already_restored.len())
        );
    }
    if checked.restorable.is_empty() {
        if checked.written_since.is_empty() {
            println!(
                "Nothing to restore: every delete marker selected from the audit log was already removed."
            );
        } else {
            println!("Nothing to restore.");
        }
        return Ok(());
    }
    if args.dry_run {
        println!("Dry run: nothing was restored.");
        return Ok(());
    }
    if !args.yes && !confirm(&checked.restorable)? {
        println!("Not confirmed: nothing was restored.");
        return Err(Failure::Runtime("undo not confirmed".into()));
    }

    let audit = AuditLog::open(&audit_path).map_err(|e| {
        Failure::Runtime(format!(
            "cannot open the audit log {} for writing: {e}; nothing was restored",
            audit_path.display()
        ))
    })?;
    let restored = restore(&bucket, &checked.restorable, &audit).await?;
    println!(
        "Restored {} in {} {}. Audit log: {}",
        keys(restored.restored.len()),
        count(restored.deployments() as u64),
        if restored.deployments() == 1 {
            "deployment"
        } else {
            "deployments"
        },
        audit_path.display()
    );
    if restored.failed.is_empty() {
        return Ok(());
    }
    let mut lines = Vec::new();
    for (item, error) in restored.failed.iter().take(5) {
        lines.push(format!(
            "  {} ({}: {})",
            printable(&item.key),
            error.code,
            error.message
        ));
    }
    if restored.failed.len() > 5 {
        lines.push(format!(
            "  … and {} more (see the audit log)",
            restored.failed.len() - 5
        ));
    }
    println!("Not restored:\n{}", lines.join("\n"));
    Err(Failure::Runtime(format!(
        "{} delete markers could not be removed (listed above); run the same command again to retry",
        count(restored.failed.len() as u64)
    )))
}

fn undo_failure(error: UndoError) -> Failure {
    if error.is_usage() {
        Failure::Usage(error.to_string())
    } else {
        Failure::Runtime(error.to_string())
    }
}

fn keys(n: usize) -> String {
    format!("{} key{}", count(n as u64), if n == 1 { "" } else { "s" })
}

/// `site-a (12), site-b (3)`, the first few deployments by name.
fn by_deployment(items: &[Restorable]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for item in items {
        *counts.entry(&item.deployment).or_default() += 1;
    }
    let n = counts.len();
    let mut text = format!(
        "{} {}: ",
        count(n as u64),
        if n == 1 { "deployment" } else { "deployments" }
    );
    let shown: Vec<String> = counts
        .iter()
        .take(8)
        .map(|(name, n)| format!("{} ({n})", printable(name)))
        .collect();
    text.push_str(&shown.join(", "));
    if n > 8 {
        text.push_str(&format!(" and {} more", n - 8));
    }
    text
}

fn key_names(items: &[Restorable], limit: usize) -> String {
    let mut names: Vec<String> = items
        .iter()
        .take(limit)
        .map(|i| printable(&i.key).into_owned())
        .collect();
    if items.len() > limit {
        names.push(format!("… and {} more", items.len() - limit));
    }
    names.join(", ")
}

fn confirm(items: &[Restorable]) -> Result<bool, Failure> {
    super::confirmation::confirmed(&format!(
        "Restore {} in {} by removing their delete markers?\nType yes to restore: ",
        keys(items.len()),
        by_deployment(items)
    ))
}
