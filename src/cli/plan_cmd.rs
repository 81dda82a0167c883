use chrono::Utc;

use super::args::{GlobalArgs, PlanArgs, PlanFormat};
use super::failure::{CommandResult, Failure};
use super::plan_output::{write_csv, write_json, write_table, PlanView};
use super::session::{list_target, target};
use crate::engine::plan::Plan;

pub async fn run(global: &GlobalArgs, args: &PlanArgs) -> CommandResult {
    let target = target(global)?;
    let listed = list_target(&target).await?;
    let now = Utc::now();
    let plan = Plan::build(listed.inventory.deployments, &target.rule, now);
    let view = PlanView {
        bucket: &target.bucket_name,
        root: &target.root,
        endpoint: listed.bucket.endpoint_label(),
        versioning: listed.versioning,
        rule: &target.rule,
        plan: &plan,
        root_objects: &listed.inventory.root_objects,
        now,
        current: listed.current.as_ref(),
    };
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        PlanFormat::Table => write_table(&mut stdout, &view),
        PlanFormat::Json => write_json(&mut stdout, &view),
        PlanFormat::Csv => write_csv(&mut stdout, &view),
    };
    written.map_err(|e| Failure::Runtime(format!("cannot write the plan: {e}")))
}
