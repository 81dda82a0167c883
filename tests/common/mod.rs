//! Test harness shared by the scenario suites: a real S3-compatible server (s3prune's own,
//! in-process, or LocalStack), buckets to play in, an independent view of their keys,
//! and the s3prune binary wired to the server.

#![allow(dead_code)]

pub mod cost_scenarios;
pub mod inventory_scenarios;
pub mod lambda_emulator;
pub mod lambda_scenarios;
pub mod lifecycle_scenarios;
pub mod live_scenarios;
pub mod plan_scenarios;
pub mod policy_scenarios;
pub mod scenarios;

use std::collections::BTreeMap;
use std::process::{Command, Output};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};

use s3prune::engine::bucket::Bucket;
use s3prune::engine::connection::{connect, ConnectionOptions, StaticCredentials};
use s3prune::server::{RunningServer, ServerConfig, BACKDATE_METADATA_KEY};

pub struct S3Target {
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    pub region: String,
    /// Whether the server honours the backdating metadata (s3prune's own does).
    pub backdates: bool,
    client: aws_sdk_s3::Client,
    server: Option<RunningServer>,
}

pub const LOCALSTACK_ENDPOINT: &str = "http://127.0.0.1:4566";

impl S3Target {
    pub async fn embedded() -> S3Target {
        let config = ServerConfig {
            port: 0,
            ..ServerConfig::default()
        };
        let server = s3prune::server::start(config.clone())
            .await
            .expect("start the embedded server");
        let mut target = S3Target::new(
            server.endpoint(),
            &config.access_key,
            &config.secret_key,
            true,
        );
        target.server = Some(server);
        target
    }

    /// LocalStack on 127.0.0.1:4566; fails (never skips) when it is not running.
    pub async fn localstack() -> S3Target {
        let endpoint = std::env::var("S3PRUNE_LOCALSTACK_ENDPOINT")
            .unwrap_or_else(|_| LOCALSTACK_ENDPOINT.to_string());
        let health = format!("{endpoint}/_localstack/health");
        let reachable = std::net::TcpStream::connect_timeout(
            &endpoint
                .trim_start_matches("http://")
                .parse()
                .expect("endpoint is host:port"),
            std::time::Duration::from_secs(2),
        )
        .is_ok();
        assert!(
            reachable,
            "LocalStack is not answering at {health}. Install and start it with \
             `scripts/localstack.sh install && scripts/localstack.sh start` (or run scripts/test.sh, which does both)."
        );
        S3Target::new(endpoint, "test", "test", false)
    }

    fn new(endpoint: String, access_key: &str, secret_key: &str, backdates: bool) -> S3Target {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .force_path_style(true)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(access_key, secret_key, None, None, "test"))
            .build();
        S3Target {
            endpoint,
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            region: "us-east-1".into(),
            backdates,
            client: aws_sdk_s3::Client::from_conf(config),
            server: None,
        }
    }

    /// The raw SDK client, for checks that must not go through s3prune.
    pub fn client(&self) -> &aws_sdk_s3::Client {
        &self.client
    }

    pub fn server(&self) -> Option<&RunningServer> {
        self.server.as_ref()
    }

    pub fn connection_options(&self) -> ConnectionOptions {
        ConnectionOptions {
            endpoint_url: Some(self.endpoint.clone()),
            region: Some(self.region.clone()),
            static_credentials: Some(StaticCredentials {
                access_key_id: self.access_key.clone(),
                secret_access_key: self.secret_key.clone(),
            }),
            ..ConnectionOptions::default()
        }
    }

    /// A new, empty bucket with a unique name.
    pub async fn fresh_bucket(&self, tag: &str) -> String {
        let name = format!("s3prune-{tag}-{:08x}", rand::random::<u32>());
        self.client
            .create_bucket()
            .bucket(&name)
            .send()
            .await
            .expect("create bucket");
        name
    }

    pub async fn engine_bucket(&self, name: &str) -> Bucket {
        Bucket::new(&connect(&self.connection_options()).await, name)
    }

    /// Puts objects (key, size, time), 32 at a time. `time` is honoured where the server
    /// backdates; elsewhere objects get the upload time.
    pub async fn put_all(
        &self,
        bucket: &str,
        objects: Vec<(String, usize, Option<DateTime<Utc>>)>,
    ) {
        stream::iter(objects)
            .map(|(key, size, time)| async move {
                let mut request = self
                    .client
                    .put_object()
                    .bucket(bucket)
                    .key(&key)
                    .body(ByteStream::from(vec![b'x'; size]));
                if let Some(time) = time {
                    request = request.metadata(BACKDATE_METADATA_KEY, time.to_rfc3339());
                }
                request
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("put {key:?}: {e:?}"))
            })
            .buffer_unordered(32)
            .try_collect::<()>()
            .await
            .expect("put objects");
    }

    /// Puts one object with this content (a live pointer, a root page).
    pub async fn put_text(&self, bucket: &str, key: &str, content: &str) {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(content.as_bytes().to_vec()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("put {key:?}: {e:?}"));
    }

    /// Every key in the bucket with its size, listed without s3prune's engine.
    pub async fn all_keys(&self, bucket: &str) -> BTreeMap<String, i64> {
        let mut keys = BTreeMap::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(bucket)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for object in page.expect("list objects").contents() {
                keys.insert(
                    object.key().unwrap().to_string(),
                    object.size().unwrap_or(0),
                );
            }
        }
        keys
    }

    /// The s3prune binary, pointed at this server, with no other AWS configuration.
    pub fn cli(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_s3prune"));
        for (name, _) in std::env::vars() {
            if name.starts_with("AWS_") || name.starts_with("S3PRUNE_") {
                command.env_remove(name);
            }
        }
        command
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", &self.access_key)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_key)
            .env("AWS_REGION", &self.region)
            .env("AWS_CONFIG_FILE", "/nonexistent/s3prune-test-config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/s3prune-test-credentials",
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null());
        command
    }

    /// Runs the binary without blocking the runtime that serves the embedded server.
    pub async fn run(&self, mut command: Command) -> Output {
        tokio::task::spawn_blocking(move || command.output().expect("run s3prune"))
            .await
            .expect("join")
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
