use std::process::ExitCode;

use crate::engine::error::EngineError;
use crate::engine::rule::RuleError;

/// Why a command ended without success. `Usage` is bad input found before anything was
/// done (exit 2); `Runtime` is a failure while working (exit 1).
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Runtime(String),
}

impl Failure {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(2),
            Failure::Runtime(_) => ExitCode::from(1),
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Usage(m) | Failure::Runtime(m) => m,
        }
    }
}

impl From<EngineError> for Failure {
    fn from(error: EngineError) -> Self {
        Failure::Runtime(error.to_string())
    }
}

impl From<RuleError> for Failure {
    fn from(error: RuleError) -> Self {
        Failure::Usage(error.to_string())
    }
}

pub type CommandResult = Result<(), Failure>;

/// The worst of the targets' failures (usage before runtime), naming every failed target.
pub fn worst_of_targets<'a>(
    failures: impl Iterator<Item = (&'a str, Failure)>,
    total: usize,
) -> CommandResult {
    let failures: Vec<(&str, Failure)> = failures.collect();
    if failures.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = failures.iter().map(|(name, _)| *name).collect();
    let message = format!(
        "{} of {total} targets failed: {} (see above)",
        failures.len(),
        names.join(", ")
    );
    if failures.iter().any(|(_, f)| matches!(f, Failure::Usage(_))) {
        Err(Failure::Usage(message))
    } else {
        Err(Failure::Runtime(message))
    }
}
