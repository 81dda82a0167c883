use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

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
            // 501 Not Implemented is the server saying it never will.
            EngineError::Service { status, code, .. } => {
                (*status >= 500 && *status != 501) || is_retryable_code(code)
            }
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
    let detail = chain(&err);
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
            if claims_to_be_s3(response.raw()) && !(400..500).contains(&status) {
                // An XML reply that could not be read: cut off mid-body, most likely.
                EngineError::Unreachable {
                    endpoint,
                    detail: format!(
                        "a reply (HTTP {status}) broke off before its end ({innermost})"
                    ),
                }
            } else if status == 404 {
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
        // I/O, and also "other" (e.g. a connection closed before the reply began).
        SdkError::DispatchFailure(dispatch) if !dispatch.is_user() => EngineError::Unreachable {
            endpoint,
            detail: innermost.clone(),
        },
        _ if mentions_credentials(&detail) => EngineError::NoCredentials {
            detail: innermost.clone(),
        },
        _ => EngineError::Other(chain(&err)),
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

/// Whether a reply says it carries XML, as every S3 reply with a body does; a web page
/// or a proxy's error page does not.
fn claims_to_be_s3(reply: &aws_sdk_s3::config::http::HttpResponse) -> bool {
    reply
        .headers()
        .get("content-type")
        .is_some_and(|t| t.contains("xml"))
}

/// Every message in the error's chain, outermost first, joined by ": ", without the
/// repeats some layers add and without any debug output.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cause = Some(err);
    while let Some(error) = cause {
        let text = error.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = error.source();
    }
    parts.join(": ")
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

#[cfg(test)]
mod tests {
    use aws_sdk_s3::config::http::HttpResponse;
    use aws_sdk_s3::error::ConnectorError;
    use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;
    use aws_sdk_s3::primitives::SdkBody;

    use super::*;

    const CTX: ErrorContext<'static> = ErrorContext {
        bucket: "b",
        endpoint: "http://127.0.0.1:9090",
    };

    /// hyper's error for a connection closed before any reply, as the SDK wraps it.
    #[derive(Debug)]
    struct Closed;
    impl std::fmt::Display for Closed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("connection closed before message completed")
        }
    }
    impl std::error::Error for Closed {}

    #[derive(Debug)]
    struct SendRequest(Closed);
    impl std::fmt::Display for SendRequest {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (SendRequest)")
        }
    }
    impl std::error::Error for SendRequest {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    fn reply(status: u16, content_type: &str) -> HttpResponse {
        let mut reply = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        reply
            .headers_mut()
            .insert("content-type", content_type.to_string());
        reply
    }

    fn assert_one_clean_paragraph(error: &EngineError) {
        let text = error.to_string();
        assert!(text.contains(CTX.endpoint), "{text}");
        assert!(!text.contains('\n'), "{text}");
        for debug in ["DispatchFailure(", "Error {", "ConnectorError", "Some("] {
            assert!(!text.contains(debug), "{text}");
        }
    }

    #[test]
    fn a_connection_closed_before_the_reply_is_unreachable_and_retryable() {
        let err: SdkError<ListObjectsV2Error, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(Box::new(SendRequest(Closed)), None));
        let error = classify(err, &CTX);
        assert!(
            matches!(&error, EngineError::Unreachable { detail, .. }
                if detail == "connection closed before message completed"),
            "{error:?}"
        );
        assert!(error.is_retryable());
        assert_one_clean_paragraph(&error);
    }

    #[test]
    fn an_io_failure_is_unreachable_and_retryable() {
        let err: SdkError<ListObjectsV2Error, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(Closed)));
        let error = classify(err, &CTX);
        assert!(
            matches!(error, EngineError::Unreachable { .. }),
            "{error:?}"
        );
        assert!(error.is_retryable());
        assert_one_clean_paragraph(&error);
    }

    #[test]
    fn an_xml_reply_cut_mid_body_is_unreachable_and_retryable() {
        let err: SdkError<ListObjectsV2Error, HttpResponse> =
            SdkError::response_error(Box::new(Closed), reply(200, "application/xml"));
        let error = classify(err, &CTX);
        assert!(
            matches!(error, EngineError::Unreachable { .. }),
            "{error:?}"
        );
        assert!(error.is_retryable());
        assert_one_clean_paragraph(&error);
        assert!(error.to_string().contains("broke off"), "{error}");
    }

    #[test]
    fn a_web_page_is_not_s3_and_not_retried() {
        let err: SdkError<ListObjectsV2Error, HttpResponse> =
            SdkError::response_error(Box::new(Closed), reply(200, "text/html"));
        let error = classify(err, &CTX);
        assert!(
            matches!(error, EngineError::NotS3 { status: 200, .. }),
            "{error:?}"
        );
        assert!(!error.is_retryable());
    }
}
