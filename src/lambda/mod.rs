//! s3prune as an AWS Lambda function (`--features lambda`, runtime `provided.al2023`).
//! Inside Lambda the binary serves invocations instead of reading a command line: each
//! event names a policy file and whether to delete, and the function runs the same prune
//! as `s3prune prune --yes --format json` (or `--dry-run`) and returns its report.
//! Only serving needs the Lambda runtime crate; the rest builds (and is unit-tested)
//! without the feature.

mod event;
mod function_error;
mod invocation;
mod policy_source;

pub use event::Event;
pub use function_error::FunctionError;
pub use invocation::invoke;
pub use policy_source::PolicySource;

/// The variable Lambda sets to the Runtime API's address in every function sandbox.
pub const RUNTIME_API_VARIABLE: &str = "AWS_LAMBDA_RUNTIME_API";

/// Whether this process was started by Lambda (or an emulator of its Runtime API).
pub fn running_in_lambda() -> bool {
    std::env::var_os(RUNTIME_API_VARIABLE).is_some_and(|v| !v.is_empty())
}

/// Serves invocations until Lambda stops the sandbox.
#[cfg(feature = "lambda")]
pub fn serve() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("s3prune: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let served = runtime.block_on(lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<serde_json::Value>| async move {
            invoke(event.payload, &event.context.request_id).await
        },
    )));
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("s3prune: the Lambda runtime stopped: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
