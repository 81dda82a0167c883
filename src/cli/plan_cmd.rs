use super::args::{GlobalArgs, PlanArgs, PlanFormat};
use super::failure::{CommandResult, Failure};
use super::plan_output::{write_csv, write_json, write_table};
use super::reviewed_plan::{plan_document, write_plan_file, PlanFileMeta};
use super::session::{plan_target, target};

pub async fn run(global: &GlobalArgs, args: &PlanArgs) -> CommandResult {
    let mut target = target(global)?;
    target.digests = args.out.is_some();
    let planned = plan_target(&target).await?;
    let view = planned.view(&target);
    if let Some(path) = &args.out {
        let meta = PlanFileMeta {
            created: planned.now,
            endpoint: planned.listed.bucket.endpoint_label(),
            region: planned.listed.bucket.region(),
            scope: target.scope,
            live_sources: &target.live,
            target: None,
        };
        let document = plan_document(&view, &meta, &planned.listed.inventory.digests);
        write_plan_file(path, vec![document])?;
        eprintln!(
            "Wrote the plan to {}; apply it with: s3prune prune --plan {}",
            path.display(),
            path.display()
        );
    }
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        PlanFormat::Table => write_table(&mut stdout, &view),
        PlanFormat::Json => write_json(&mut stdout, &view),
        PlanFormat::Csv => write_csv(&mut stdout, &view),
    };
    written.map_err(|e| Failure::Runtime(format!("cannot write the plan: {e}")))
}
