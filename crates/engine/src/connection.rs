use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_s3::config::Region;

use super::request_count::RequestCounter;
use super::retry::Retry;

/// Where and how to reach S3. Everything not given here comes from the standard AWS
/// chain (environment, `~/.aws` profiles, SSO, IMDS), as in the AWS CLI.
#[derive(Debug, Clone)]
pub struct ConnectionOptions {
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Bound on each HTTP attempt (connect + reply); a hanging server fails, not hangs.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts per request, including the first, for throttling, 5xx and I/O errors.
    pub max_attempts: u32,
    /// Fixed credentials instead of the AWS chain (s3prune's own server, tests).
    pub static_credentials: Option<StaticCredentials>,
    /// The engine's retries of listing pages and pointer reads, after the SDK's attempts.
    pub retry: Retry,
    /// The SDK's first pause between attempts, when not its own default (tests).
    pub sdk_initial_backoff: Option<Duration>,
}

#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for StaticCredentials {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            endpoint_url: None,
            region: None,
            profile: None,
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            max_attempts: 4,
            static_credentials: None,
            retry: Retry::default(),
            sdk_initial_backoff: None,
        }
    }
}

/// An S3 client plus what was resolved for it, for headers and messages.
#[derive(Debug, Clone)]
pub struct Connection {
    pub client: aws_sdk_s3::Client,
    /// The endpoint actually used, for display (`AWS S3 (region)` when not overridden).
    pub endpoint_label: String,
    pub region: String,
    pub retry: Retry,
    /// Every request the client sends, by operation.
    pub requests: RequestCounter,
}

pub const DEFAULT_REGION: &str = "us-east-1";

/// The endpoint override: the flag, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`.
pub fn resolve_endpoint(flag: Option<&str>) -> Option<String> {
    flag.map(str::to_string)
        .or_else(|| non_empty_env("AWS_ENDPOINT_URL_S3"))
        .or_else(|| non_empty_env("AWS_ENDPOINT_URL"))
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Endpoints other than AWS's own need path-style addressing (`host/bucket/key`):
/// S3-compatible servers rarely resolve `bucket.host`.
pub fn is_aws_endpoint(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
}

pub async fn connect(options: &ConnectionOptions) -> Connection {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config({
            let config = RetryConfig::standard().with_max_attempts(options.max_attempts.max(1));
            match options.sdk_initial_backoff {
                Some(pause) => config.with_initial_backoff(pause),
                None => config,
            }
        })
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(options.connect_timeout)
                .operation_attempt_timeout(options.request_timeout)
                .build(),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(fixed) = &options.static_credentials {
        loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
            &fixed.access_key_id,
            &fixed.secret_access_key,
            None,
            None,
            "s3prune-static",
        ));
    }
    let sdk_config = loader.load().await;
    let region = sdk_config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| DEFAULT_REGION.to_string());

    let requests = RequestCounter::default();
    let mut builder = aws_sdk_s3::config::Builder::from(&sdk_config)
        .region(Region::new(region.clone()))
        .interceptor(requests.clone());
    let endpoint = resolve_endpoint(options.endpoint_url.as_deref());
    if let Some(url) = &endpoint {
        builder = builder.endpoint_url(url);
        if !is_aws_endpoint(url) {
            builder = builder.force_path_style(true);
        }
    }
    Connection {
        client: aws_sdk_s3::Client::from_conf(builder.build()),
        endpoint_label: endpoint.unwrap_or_else(|| format!("AWS S3 ({region})")),
        region,
        retry: options.retry,
        requests,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_hosts_are_recognised() {
        assert!(is_aws_endpoint("https://s3.eu-west-1.amazonaws.com"));
        assert!(is_aws_endpoint("https://s3.cn-north-1.amazonaws.com.cn/"));
        assert!(!is_aws_endpoint("http://127.0.0.1:4566"));
        assert!(!is_aws_endpoint("http://localhost:9000"));
        assert!(!is_aws_endpoint("https://amazonaws.com.evil.example"));
    }
}
