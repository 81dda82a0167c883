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
