//! The command line: each command checks its flags, drives the engine, and prints.

pub mod args;
pub mod config;
pub mod confirmation;
pub mod demo_cmd;
pub mod lifecycle_cmd;
pub mod plan_cmd;
pub mod plan_output;
pub mod prune_cmd;
pub mod prune_report;
pub mod reviewed_plan;
pub mod seed_cmd;
pub mod seed_inventory;
pub mod serve_cmd;
pub mod session;
pub mod tui_cmd;
pub mod undo_cmd;

use std::process::ExitCode;

use clap::CommandFactory;

use crate::operations::failure::{CommandResult, Failure};
use args::{Cli, Command};

/// Runs the parsed command line and turns the result into an exit code, printing a
/// failure as one paragraph on stderr.
pub fn dispatch(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "s3prune",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Some(Command::Man) => write_man_page(),
        command => run_async(cli.global, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("s3prune: {}", failure.message());
            failure.exit_code()
        }
    }
}

fn run_async(global: args::GlobalArgs, command: Option<Command>) -> CommandResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        match command {
            Some(Command::Plan(args)) => plan_cmd::run(&global, &args).await,
            Some(Command::Prune(args)) => match &args.plan {
                Some(path) => reviewed_plan::apply(&global, &args, path).await,
                None => prune_cmd::run(&global, &args).await,
            },
            Some(Command::Serve(args)) => serve_cmd::run(&args).await,
            Some(Command::Seed(args)) => seed_cmd::run(&global, &args).await,
            Some(Command::Tui) | None => tui_cmd::run(&global).await,
            Some(Command::Demo(args)) => demo_cmd::run(&global, &args).await,
            Some(Command::Undo(args)) => undo_cmd::run(&global, &args).await,
            Some(Command::Lifecycle(args)) => lifecycle_cmd::run(&global, &args).await,
            Some(Command::Completions { .. } | Command::Man) => {
                unreachable!("handled before the runtime starts")
            }
        }
    })
}

/// The main page: the options, and every command with its summary. The `.TH` line is
/// moved first (clap_mangen opens with a string definition), where `man` and tools that
/// sniff for a title look for it.
fn write_man_page() -> CommandResult {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Failure::Runtime(format!("cannot render the man page: {e}")))?;
    let page = String::from_utf8_lossy(&page);
    let (title, rest): (Vec<&str>, Vec<&str>) = page.lines().partition(|l| l.starts_with(".TH "));
    let text = title.into_iter().chain(rest).collect::<Vec<_>>().join("\n") + "\n";
    std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())
        .map_err(|e| Failure::Runtime(format!("cannot write the man page: {e}")))
}
