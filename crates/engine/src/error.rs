use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// A failure the operator can act on, with a message that says what to do. The engine
/// turns every SDK error into one of these at the seam.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    #[error("bucket {bucket:?} does not exist at {endpoint} (check --bucket, --endpoint-url and --region)")]
    NoSuchBucket { bucket: String, endpoint: String },
    #[error("access denied to bucket {bucket:?}: {detail}. Check that the credentials in use may list and delete objects there.")]
    AccessDenied { bucket: String, detail: String },
    #[error("no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, use --profile, or run `aws sso login` ({detail})")]
    NoCredentials { detail: String },
    #[error(
        "cannot reach the S3 endpoint {endpoint}: {detail}. Check --endpoint-url and the network."
    )]
    Unreachable { endpoint: String, detail: String },
    #[error("the S3 endpoint {endpoint} did not answer in time ({detail}); raise --timeout if it is just slow")]
    Timeout { endpoint: String, detail: String },
    #[error("the S3 endpoint {endpoint} answered with something that is not an S3 reply (HTTP {status}). Is --endpoint-url an S3 endpoint?")]
    NotS3 { endpoint: String, status: u16 },
    #[error("S3 is throttling requests ({code}) and retries did not get through; try again later or lower the concurrency")]
    Throttled { code: String },
    #[error("S3 error {code} (HTTP {status}): {message}")]
    Service {
        code: String,
        status: u16,
        message: String,
    },
    #[error("{0}")]
    Other(String),
}

impl EngineError {
    /// Worth another attempt later: throttling, server errors, timeouts, dropped connections.
    pub fn is_retryable(&self) -> bool {
        match self {
            EngineError::Throttled { .. }
            | EngineError::Timeout { .. }
            | EngineError::Unreachable { .. } => true,
            EngineError::Service { status, code, .. } => *status >= 500 || is_retryable_code(code),
            _ => false,
        }
    }
}

/// S3 error codes (whole-request or per-key) that mean "try again".
pub fn is_retryable_code(code: &str) -> bool {
    matches!(
        code,
        "SlowDown"
            | "Throttling"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TooManyRequests"
            | "InternalError"
            | "ServiceUnavailable"
            | "RequestTimeout"
            | "OperationAborted"
    )
}

/// What an error happened on, to name it in the message.
pub struct ErrorContext<'a> {
    pub bucket: &'a str,
    pub endpoint: &'a str,
}

pub fn classify<E>(
    err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    ctx: &ErrorContext<'_>,
) -> EngineError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = DisplayErrorContext(&err).to_string();
    let innermost = innermost_cause(&err);
    let endpoint = ctx.endpoint.to_string();
    let bucket = ctx.bucket.to_string();
    match &err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = err.code().unwrap_or("").to_string();
            let message = err.message().unwrap_or("").to_string();
            classify_service(code, status, message, bucket, endpoint)
        }
        SdkError::ResponseError(response) => {
            let status = response.raw().status().as_u16();
            if status == 404 {
                EngineError::NoSuchBucket { bucket, endpoint }
            } else if status == 403 {
                EngineError::AccessDenied {
                    bucket,
                    detail: "HTTP 403".into(),
                }
            } else {
                EngineError::NotS3 { endpoint, status }
            }
        }
        SdkError::TimeoutError(_) => EngineError::Timeout {
            endpoint,
            detail: innermost.clone(),
        },
        SdkError::DispatchFailure(dispatch) if mentions_credentials(&detail) => {
            let _ = dispatch;
            EngineError::NoCredentials {
                detail: innermost.clone(),
            }
        }
        SdkError::DispatchFailure(dispatch) if dispatch.is_timeout() => EngineError::Timeout {
            endpoint,
            detail: innermost.clone(),
        },
        SdkError::DispatchFailure(dispatch) if dispatch.is_io() => EngineError::Unreachable {
            endpoint,
            detail: innermost.clone(),
        },
        _ if mentions_credentials(&detail) => EngineError::NoCredentials {
            detail: innermost.clone(),
        },
        _ => EngineError::Other(detail),
    }
}

fn classify_service(
    code: String,
    status: u16,
    message: String,
    bucket: String,
    endpoint: String,
) -> EngineError {
    match code.as_str() {
        "NoSuchBucket" | "NotFound" => EngineError::NoSuchBucket { bucket, endpoint },
        "AccessDenied"
        | "AllAccessDisabled"
        | "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "Forbidden" => {
            let detail = if message.is_empty() {
                code
            } else {
                format!("{code}: {message}")
            };
            EngineError::AccessDenied { bucket, detail }
        }
        "ExpiredToken" | "InvalidToken" => EngineError::NoCredentials {
            detail: format!("{code}: {message}"),
        },
        c if is_retryable_code(c) && (status == 503 || status == 429 || c == "SlowDown") => {
            EngineError::Throttled { code }
        }
        _ if code.is_empty() && status == 404 => EngineError::NoSuchBucket { bucket, endpoint },
        _ if code.is_empty() && status == 403 => EngineError::AccessDenied {
            bucket,
            detail: "HTTP 403".into(),
        },
        // An S3 error reply always names its code; one without is some other server.
        _ if code.is_empty() && status < 500 => EngineError::NotS3 { endpoint, status },
        _ => EngineError::Service {
            code,
            status,
            message,
        },
    }
}

fn mentions_credentials(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    lower.contains("credential")
        && (lower.contains("no credentials")
            || lower.contains("load")
            || lower.contains("provider"))
}

/// The message of the innermost error in the chain (e.g. "Connection refused (os error
/// 111)"): the most specific part; the whole chain is noise for an operator.
fn innermost_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    // Some causes (the credential chain) list every attempt on its own line; the first
    // line says what matters and keeps the message one paragraph.
    let text = cause.to_string();
    text.lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_string()
}
