use std::io::Write;

use super::args::{GlobalArgs, PlanArgs, PlanFormat};
use super::config::{select, Selection};
use super::plan_output::{
    write_csv, write_csv_targets, write_json, write_json_targets, write_markdown, write_table,
    TargetPlan,
};
use super::reviewed_plan::{plan_document, write_plan_file, PlanFileMeta};
use super::session::{plan_target, Planned, Target};
use crate::operations::failure::{worst_of_targets, CommandResult, Failure};

pub async fn run(global: &GlobalArgs, args: &PlanArgs) -> CommandResult {
    let selection = select(global)?;
    let mut targets = selection.checked()?;
    for target in &mut targets {
        target.digests = args.out.is_some();
    }
    if !selection.from_file {
        let target = &targets[0];
        let planned = plan_target(target).await?;
        let view = planned.view(target);
        if let Some(path) = &args.out {
            write_plan_file(path, vec![document(&planned, target, None)])?;
            said_written(path);
        }
        let mut stdout = std::io::stdout().lock();
        let written = match args.format {
            PlanFormat::Table => write_table(&mut stdout, &view),
            PlanFormat::Json => write_json(&mut stdout, &view),
            PlanFormat::Csv => write_csv(&mut stdout, &view),
            PlanFormat::Markdown => write_markdown(&mut stdout, &view, None),
        };
        return written.map_err(cannot_write);
    }
    run_targets(&selection, &targets, args).await
}

/// The plan as a reviewed plan file's document.
fn document(planned: &Planned, target: &Target, name: Option<&str>) -> serde_json::Value {
    let meta = PlanFileMeta {
        created: planned.now,
        endpoint: planned.listed.bucket.endpoint_label(),
        region: planned.listed.bucket.region(),
        scope: target.scope,
        live_sources: &target.live,
        target: name,
    };
    plan_document(
        &planned.view(target),
        &meta,
        &planned.listed.inventory.digests,
    )
}

fn said_written(path: &std::path::Path) {
    eprintln!(
        "Wrote the plan to {}; apply it with: s3prune prune --plan {}",
        path.display(),
        path.display()
    );
}

/// Every target of a policy file, in file order: one document for all of them. A target
/// that cannot be listed is reported and the others still planned; the exit code is
/// the worst of them.
async fn run_targets(selection: &Selection, targets: &[Target], args: &PlanArgs) -> CommandResult {
    let format = args.format;
    let total = targets.len();
    let mut results: Vec<Result<Planned, Failure>> = Vec::with_capacity(total);
    let mut stdout = std::io::stdout().lock();
    for (i, (selected, target)) in selection.targets.iter().zip(targets).enumerate() {
        let name = selected.name.as_deref().unwrap_or_default();
        let result = plan_target(target).await.map_err(|f| selected.locate(f));
        if let Err(failure) = &result {
            eprintln!("s3prune: {}", failure.message());
        }
        // The table and Markdown go out as each target is planned; JSON and CSV are one
        // document.
        if format == PlanFormat::Markdown {
            let heading = format!("target {name} ({} of {total})", i + 1);
            let written = match &result {
                Ok(planned) => write_markdown(&mut stdout, &planned.view(target), Some(&heading)),
                Err(failure) => writeln!(
                    stdout,
                    "### {}\n\nnot planned: {}",
                    super::plan_output::markdown_text(&heading),
                    super::plan_output::markdown_text(failure.message())
                ),
            };
            written
                .and_then(|()| writeln!(stdout))
                .map_err(cannot_write)?;
        }
        if format == PlanFormat::Table {
            let heading = format!("== target {name} ({} of {total}) ==", i + 1);
            let written = match &result {
                Ok(planned) => writeln!(stdout, "{heading}")
                    .and_then(|()| write_table(&mut stdout, &planned.view(target))),
                Err(_) => writeln!(stdout, "{heading}\nnot planned (see the error above)"),
            };
            written
                .and_then(|()| writeln!(stdout))
                .map_err(cannot_write)?;
        }
        results.push(result);
    }
    let names: Vec<&str> = selection
        .targets
        .iter()
        .map(|s| s.name.as_deref().unwrap_or_default())
        .collect();
    let written = match format {
        PlanFormat::Table | PlanFormat::Markdown => Ok(()),
        PlanFormat::Json => {
            let plans: Vec<TargetPlan> = results
                .iter()
                .zip(targets)
                .zip(&names)
                .map(|((result, target), name)| TargetPlan {
                    name,
                    plan: result
                        .as_ref()
                        .map(|planned| planned.view(target))
                        .map_err(Failure::message),
                })
                .collect();
            write_json_targets(&mut stdout, &plans)
        }
        PlanFormat::Csv => {
            let views: Vec<_> = results
                .iter()
                .zip(targets)
                .filter_map(|(result, target)| Some(result.as_ref().ok()?.view(target)))
                .collect();
            let names = results
                .iter()
                .zip(&names)
                .filter(|(result, _)| result.is_ok())
                .map(|(_, name)| Some(*name));
            let plans: Vec<_> = names.zip(&views).collect();
            write_csv_targets(&mut stdout, &plans)
        }
    };
    written.map_err(cannot_write)?;
    if let Some(path) = &args.out {
        // One file for every target, or none: a partial plan would be applied as whole.
        if results.iter().all(Result::is_ok) {
            let documents = results
                .iter()
                .zip(targets)
                .zip(&names)
                .filter_map(|((result, target), name)| {
                    Some(document(result.as_ref().ok()?, target, Some(name)))
                })
                .collect();
            write_plan_file(path, documents)?;
            said_written(path);
        } else {
            eprintln!(
                "s3prune: the plan file {} was not written: not every target could be planned",
                path.display()
            );
        }
    }
    worst_of_targets(
        results
            .into_iter()
            .zip(names)
            .filter_map(|(result, name)| Some((name, result.err()?))),
        total,
    )
}

fn cannot_write(e: std::io::Error) -> Failure {
    Failure::Runtime(format!("cannot write the plan: {e}"))
}
