use crate::operations::failure::Failure;

/// Why an invocation returned no report: one paragraph, and a type a caller (or an
/// alarm) can tell apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionError {
    /// Bad input found before any request that changes anything: the event, the policy
    /// file, a guard. Nothing was deleted.
    Refused(String),
    /// A failure while working (S3 unreachable, access denied, deletions that failed);
    /// the report is in the function's log.
    Failed(String),
}

impl FunctionError {
    pub fn error_type(&self) -> &'static str {
        match self {
            FunctionError::Refused(_) => "S3pruneRefused",
            FunctionError::Failed(_) => "S3pruneFailed",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            FunctionError::Refused(m) | FunctionError::Failed(m) => m,
        }
    }
}

impl From<Failure> for FunctionError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Usage(m) => FunctionError::Refused(m),
            Failure::Runtime(m) => FunctionError::Failed(m),
        }
    }
}

#[cfg(feature = "lambda")]
impl From<FunctionError> for lambda_runtime::Diagnostic {
    fn from(error: FunctionError) -> lambda_runtime::Diagnostic {
        lambda_runtime::Diagnostic {
            error_type: error.error_type().to_string(),
            error_message: error.message().to_string(),
        }
    }
}

impl std::fmt::Display for FunctionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}
