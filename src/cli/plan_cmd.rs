use super::args::{GlobalArgs, PlanArgs, PlanFormat};
use super::failure::{CommandResult, Failure};
use super::plan_output::{write_csv, write_json, write_table};
use super::session::{plan_target, target};

pub async fn run(global: &GlobalArgs, args: &PlanArgs) -> CommandResult {
    let target = target(global)?;
    let planned = plan_target(&target).await?;
    let view = planned.view(&target);
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        PlanFormat::Table => write_table(&mut stdout, &view),
        PlanFormat::Json => write_json(&mut stdout, &view),
        PlanFormat::Csv => write_csv(&mut stdout, &view),
    };
    written.map_err(|e| Failure::Runtime(format!("cannot write the plan: {e}")))
}
