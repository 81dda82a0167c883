//! The embedded S3 server spoken to by the real AWS SDK over HTTP + SigV4.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, EncodingType, ObjectIdentifier};
use aws_sdk_s3::Client;
use md5::{Digest, Md5};
use s3prune::server::{self, FaultConfig, RunningServer, ServerConfig, BACKDATE_METADATA_KEY};

const BUCKET: &str = "test-bucket";

fn client_with(server: &RunningServer, access_key: &str, secret_key: &str) -> Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .force_path_style(true)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(access_key, secret_key, None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

fn default_client(server: &RunningServer) -> Client {
    client_with(
        server,
        server::DEFAULT_ACCESS_KEY,
        server::DEFAULT_SECRET_KEY,
    )
}

/// A fresh in-memory server with one bucket.
async fn setup() -> (RunningServer, Client) {
    let server = server::start(ServerConfig::default()).await.unwrap();
    let client = default_client(&server);
    client.create_bucket().bucket(BUCKET).send().await.unwrap();
    (server, client)
}

async fn put(client: &Client, key: &str, body: &[u8]) {
    client
        .put_object()
        .bucket(BUCKET)
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key:?}: {e:?}"));
}

async fn get(client: &Client, key: &str) -> Vec<u8> {
    let out = client
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key:?}: {e:?}"));
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

/// Puts many objects concurrently.
async fn put_many(client: &Client, keys: Vec<String>) {
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in keys.chunks(keys.len().div_ceil(16).max(1)) {
        let (client, chunk) = (client.clone(), chunk.to_vec());
        tasks.spawn(async move {
            for key in chunk {
                put(&client, &key, key.as_bytes()).await;
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
}

/// All keys in the bucket under `prefix`, via the SDK paginator.
async fn all_keys(client: &Client, prefix: &str) -> Vec<String> {
    let pages: Vec<_> = client
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix(prefix)
        .into_paginator()
        .send()
        .collect()
        .await;
    pages
        .into_iter()
        .flat_map(|p| p.unwrap().contents.unwrap_or_default())
        .map(|o| o.key.unwrap())
        .collect()
}

fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn status<E>(e: &aws_sdk_s3::error::SdkError<E>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

#[tokio::test]
async fn bucket_lifecycle_and_missing_bucket_errors() {
    let server = server::start(ServerConfig::default()).await.unwrap();
    let client = default_client(&server);

    let head = client
        .head_bucket()
        .bucket("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&head), Some(404));

    client.create_bucket().bucket("alpha").send().await.unwrap();
    client.head_bucket().bucket("alpha").send().await.unwrap();
    let again = client
        .create_bucket()
        .bucket("alpha")
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("BucketAlreadyOwnedByYou"));

    let buckets = client.list_buckets().send().await.unwrap();
    let names: Vec<_> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["alpha"]);

    let location = client
        .get_bucket_location()
        .bucket("alpha")
        .send()
        .await
        .unwrap();
    // Like S3 for us-east-1: an empty LocationConstraint element.
    assert_eq!(
        location.location_constraint().map_or("", |c| c.as_str()),
        "",
        "{location:?}"
    );
    let versioning = client
        .get_bucket_versioning()
        .bucket("alpha")
        .send()
        .await
        .unwrap();
    assert!(versioning.status().is_none(), "{versioning:?}");

    // Every object operation on a missing bucket is NoSuchBucket.
    let e = client
        .put_object()
        .bucket("nope")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"));
    let e = client
        .get_object()
        .bucket("nope")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"));
    let e = client
        .list_objects_v2()
        .bucket("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"));
    let e = client
        .delete_object()
        .bucket("nope")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"));
    let ids = vec![ObjectIdentifier::builder().key("k").build().unwrap()];
    let delete = Delete::builder().set_objects(Some(ids)).build().unwrap();
    let e = client
        .delete_objects()
        .bucket("nope")
        .delete(delete)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"));
    let e = client
        .get_bucket_versioning()
        .bucket("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"));

    // Missing key: NoSuchKey on GET, 404 on HEAD, 204 on DELETE.
    let e = client
        .get_object()
        .bucket("alpha")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NoSuchKey"));
    let e = client
        .head_object()
        .bucket("alpha")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&e), Some(404));
    client
        .delete_object()
        .bucket("alpha")
        .key("k")
        .send()
        .await
        .unwrap();

    client
        .put_object()
        .bucket("alpha")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let e = client
        .delete_bucket()
        .bucket("alpha")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BucketNotEmpty"));
    client
        .delete_object()
        .bucket("alpha")
        .key("k")
        .send()
        .await
        .unwrap();
    client.delete_bucket().bucket("alpha").send().await.unwrap();
    let e = client
        .head_bucket()
        .bucket("alpha")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&e), Some(404));

    assert!(server.request_count() >= 20);
    server.shutdown().await;
}

#[tokio::test]
async fn odd_keys_round_trip_byte_exactly() {
    let (server, client) = setup().await;
    let long_key = format!("long/{}", "é".repeat(200)) + &"x".repeat(1024 - 5 - 400);
    assert_eq!(long_key.len(), 1024);
    let keys = vec![
        "with space".to_owned(),
        " leading and trailing ".to_owned(),
        "ünïcødé/日本語/ключ".to_owned(),
        "plus+sign".to_owned(),
        "percent%20literal%".to_owned(),
        "hash#tag".to_owned(),
        "question?mark=1&x".to_owned(),
        "star*paren(1)'quote\"".to_owned(),
        "a//double//slash".to_owned(),
        "/leading-slash".to_owned(),
        "tilde~semicolon;colon:at@comma,".to_owned(),
        "emoji/🦀".to_owned(),
        long_key.clone(),
    ];
    for (i, key) in keys.iter().enumerate() {
        put(&client, key, format!("body {i}").as_bytes()).await;
    }
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(
            get(&client, key).await,
            format!("body {i}").as_bytes(),
            "{key:?}"
        );
        let head = client
            .head_object()
            .bucket(BUCKET)
            .key(key)
            .send()
            .await
            .unwrap();
        assert_eq!(
            head.content_length(),
            Some(format!("body {i}").len() as i64)
        );
    }

    let mut expected: Vec<String> = keys.clone();
    expected.sort();
    assert_eq!(all_keys(&client, "").await, expected);

    // encoding-type=url: keys come back percent-encoded and decode exactly.
    let out = client
        .list_objects_v2()
        .bucket(BUCKET)
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .unwrap();
    assert_eq!(out.encoding_type(), Some(&EncodingType::Url));
    let decoded: Vec<String> = out
        .contents()
        .iter()
        .map(|o| percent_decode(o.key().unwrap()))
        .collect();
    assert_eq!(decoded, expected);

    // Prefix filtering with odd characters.
    assert_eq!(all_keys(&client, "plus+").await, ["plus+sign"]);
    assert_eq!(all_keys(&client, "percent%").await, ["percent%20literal%"]);

    // 1025 bytes is too long.
    let too_long = "k".repeat(1025);
    let e = client
        .put_object()
        .bucket(BUCKET)
        .key(&too_long)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("KeyTooLongError"));

    for key in &keys {
        client
            .delete_object()
            .bucket(BUCKET)
            .key(key)
            .send()
            .await
            .unwrap();
    }
    assert!(all_keys(&client, "").await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn folder_markers_and_plain_keys_coexist() {
    let (server, client) = setup().await;
    put(&client, "d/", b"").await;
    put(&client, "d/x", b"child").await;
    put(&client, "d", b"plain").await;
    put(&client, "e/", b"").await;

    assert_eq!(get(&client, "d/").await, b"");
    assert_eq!(get(&client, "d/x").await, b"child");
    assert_eq!(get(&client, "d").await, b"plain");
    assert_eq!(all_keys(&client, "").await, ["d", "d/", "d/x", "e/"]);

    let top = client
        .list_objects_v2()
        .bucket(BUCKET)
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = top.contents().iter().filter_map(|o| o.key()).collect();
    let prefixes: Vec<_> = top
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(keys, ["d"]);
    assert_eq!(prefixes, ["d/", "e/"]);
    assert_eq!(top.key_count(), Some(3));

    let inside = client
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("d/")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = inside.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["d/", "d/x"]);
    assert_eq!(inside.contents()[0].size(), Some(0));

    client
        .delete_object()
        .bucket(BUCKET)
        .key("d/")
        .send()
        .await
        .unwrap();
    assert_eq!(all_keys(&client, "").await, ["d", "d/x", "e/"]);
    client
        .delete_object()
        .bucket(BUCKET)
        .key("d")
        .send()
        .await
        .unwrap();
    assert_eq!(get(&client, "d/x").await, b"child");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delimiter_listing_pages_past_1000_common_prefixes() {
    let (server, client) = setup().await;
    let n = 1003;
    let mut keys = Vec::new();
    for i in 0..n {
        keys.push(format!("deploys/{i:05}/index.html"));
        if i % 2 == 0 {
            keys.push(format!("deploys/{i:05}/"));
            keys.push(format!("deploys/{i:05}/assets/app.js"));
        }
    }
    keys.push("deploys/latest.txt".to_owned());
    put_many(&client, keys).await;

    let pages: Vec<_> = client
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("deploys/")
        .delimiter("/")
        .into_paginator()
        .send()
        .collect()
        .await;
    let pages: Vec<_> = pages.into_iter().map(Result::unwrap).collect();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].is_truncated(), Some(true));
    assert_eq!(pages[0].key_count(), Some(1000));
    assert!(pages[0].next_continuation_token().is_some());
    assert_eq!(pages[1].is_truncated(), Some(false));
    assert_eq!(pages[1].key_count(), Some(4));

    let prefixes: Vec<String> = pages
        .iter()
        .flat_map(|p| {
            p.common_prefixes()
                .iter()
                .map(|cp| cp.prefix().unwrap().to_owned())
        })
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("deploys/{i:05}/")).collect();
    assert_eq!(prefixes, expected);
    let keys: Vec<_> = pages
        .iter()
        .flat_map(|p| p.contents().iter().map(|o| o.key().unwrap()))
        .collect();
    assert_eq!(keys, ["deploys/latest.txt"]);

    // Small pages give the same result.
    let small: Vec<_> = client
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("deploys/")
        .delimiter("/")
        .max_keys(100)
        .into_paginator()
        .send()
        .collect()
        .await;
    assert_eq!(small.len(), 11);
    let small_prefixes: BTreeSet<String> = small
        .into_iter()
        .flat_map(|p| p.unwrap().common_prefixes.unwrap_or_default())
        .map(|cp| cp.prefix.unwrap())
        .collect();
    assert_eq!(small_prefixes.len(), n);

    // ListObjects v1 with markers reaches the same prefixes.
    let mut marker: Option<String> = None;
    let mut v1_prefixes = Vec::new();
    let mut v1_pages = 0;
    loop {
        let out = client
            .list_objects()
            .bucket(BUCKET)
            .prefix("deploys/")
            .delimiter("/")
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        v1_pages += 1;
        v1_prefixes.extend(
            out.common_prefixes()
                .iter()
                .map(|cp| cp.prefix().unwrap().to_owned()),
        );
        if out.is_truncated() != Some(true) {
            break;
        }
        marker = Some(out.next_marker().unwrap().to_owned());
    }
    assert_eq!(v1_pages, 2);
    assert_eq!(v1_prefixes, expected);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listing_1001_objects_under_one_prefix() {
    let (server, client) = setup().await;
    let keys: Vec<String> = (0..1001)
        .map(|i| format!("site/v1/file-{i:04}.txt"))
        .collect();
    put_many(&client, keys.clone()).await;

    let pages: Vec<_> = client
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("site/")
        .into_paginator()
        .send()
        .collect()
        .await;
    let pages: Vec<_> = pages.into_iter().map(Result::unwrap).collect();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].contents().len(), 1000);
    assert_eq!(pages[0].max_keys(), Some(1000));
    assert_eq!(pages[1].contents().len(), 1);
    let listed: Vec<_> = pages.iter().flat_map(|p| p.contents()).collect();
    assert_eq!(
        listed.iter().map(|o| o.key().unwrap()).collect::<Vec<_>>(),
        keys
    );
    let first = listed[0];
    assert_eq!(first.size(), Some(keys[0].len() as i64));
    assert_eq!(
        first.e_tag(),
        Some(format!("\"{}\"", md5_hex(keys[0].as_bytes())).as_str())
    );
    assert_eq!(first.storage_class().map(|s| s.as_str()), Some("STANDARD"));
    let age = aws_sdk_s3::primitives::DateTime::from(std::time::SystemTime::now()).secs()
        - first.last_modified().unwrap().secs();
    assert!((0..300).contains(&age), "age {age}");

    // With a delimiter the whole prefix is one common prefix.
    let top = client
        .list_objects_v2()
        .bucket(BUCKET)
        .delimiter("/")
        .send()
        .await
        .unwrap();
    assert_eq!(top.common_prefixes().len(), 1);
    assert_eq!(top.is_truncated(), Some(false));

    // start-after skips keys.
    let after = client
        .list_objects_v2()
        .bucket(BUCKET)
        .start_after("site/v1/file-0998.txt")
        .send()
        .await
        .unwrap();
    let after_keys: Vec<_> = after.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(
        after_keys,
        ["site/v1/file-0999.txt", "site/v1/file-1000.txt"]
    );

    // ListObjectVersions reports each object as its only, "null" version.
    let versions = client
        .list_object_versions()
        .bucket(BUCKET)
        .prefix("site/")
        .max_keys(3)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 3);
    assert_eq!(versions.is_truncated(), Some(true));
    assert_eq!(versions.next_key_marker(), Some("site/v1/file-0002.txt"));
    for v in versions.versions() {
        assert_eq!(v.version_id(), Some("null"));
        assert_eq!(v.is_latest(), Some(true));
    }
    let rest = client
        .list_object_versions()
        .bucket(BUCKET)
        .prefix("site/")
        .key_marker(versions.next_key_marker().unwrap())
        .version_id_marker(versions.next_version_id_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.versions().len(), 998);
    assert!(rest.delete_markers().is_empty());
    server.shutdown().await;
}

fn delete_request(keys: &[String], quiet: bool) -> Delete {
    let ids = keys
        .iter()
        .map(|k| ObjectIdentifier::builder().key(k).build().unwrap())
        .collect();
    Delete::builder()
        .set_objects(Some(ids))
        .quiet(quiet)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delete_objects_limits_and_results() {
    let (server, client) = setup().await;
    let keys: Vec<String> = (0..1001).map(|i| format!("old/{i:04}")).collect();
    put_many(&client, keys.clone()).await;

    let e = client
        .delete_objects()
        .bucket(BUCKET)
        .delete(delete_request(&keys, false))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MalformedXML"));
    assert_eq!(all_keys(&client, "old/").await.len(), 1001);

    let out = client
        .delete_objects()
        .bucket(BUCKET)
        .delete(delete_request(&keys[..1000], false))
        .send()
        .await
        .unwrap();
    assert_eq!(out.deleted().len(), 1000);
    assert!(out.errors().is_empty());
    let deleted: BTreeSet<_> = out
        .deleted()
        .iter()
        .map(|d| d.key().unwrap().to_owned())
        .collect();
    assert_eq!(deleted, keys[..1000].iter().cloned().collect());
    assert_eq!(all_keys(&client, "old/").await, ["old/1000"]);

    // Quiet mode reports no successes; missing keys count as deleted.
    let quiet = vec!["old/1000".to_owned(), "never-existed".to_owned()];
    let out = client
        .delete_objects()
        .bucket(BUCKET)
        .delete(delete_request(&quiet, true))
        .send()
        .await
        .unwrap();
    assert!(out.deleted().is_empty() && out.errors().is_empty());
    assert!(all_keys(&client, "").await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn backdated_last_modified_round_trips() {
    let (server, client) = setup().await;
    let when = "2021-03-04T05:06:07Z";
    client
        .put_object()
        .bucket(BUCKET)
        .key("old/index.html")
        .metadata(BACKDATE_METADATA_KEY, when)
        .metadata("other", "value")
        .content_type("text/html")
        .body(ByteStream::from_static(b"<html/>"))
        .send()
        .await
        .unwrap();
    let expected = chrono::DateTime::parse_from_rfc3339(when)
        .unwrap()
        .timestamp();

    let head = client
        .head_object()
        .bucket(BUCKET)
        .key("old/index.html")
        .send()
        .await
        .unwrap();
    assert_eq!(head.last_modified().unwrap().secs(), expected);
    assert_eq!(head.content_type(), Some("text/html"));
    let meta = head.metadata().unwrap();
    assert_eq!(
        meta.get(BACKDATE_METADATA_KEY).map(String::as_str),
        Some(when)
    );
    assert_eq!(meta.get("other").map(String::as_str), Some("value"));

    let listed = client
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.contents()[0].last_modified().unwrap().secs(),
        expected
    );

    let e = client
        .put_object()
        .bucket(BUCKET)
        .key("bad")
        .metadata(BACKDATE_METADATA_KEY, "last tuesday")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    server.shutdown().await;
}

#[tokio::test]
async fn bodies_round_trip_with_sdk_checksums_and_ranges() {
    let (server, client) = setup().await;
    // Deterministic pseudo-random 3 MiB + 17 bytes.
    let mut x: u32 = 12345;
    let data: Vec<u8> = (0..3 * 1024 * 1024 + 17)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();

    // In-memory body.
    let out = client
        .put_object()
        .bucket(BUCKET)
        .key("mem.bin")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.e_tag(),
        Some(format!("\"{}\"", md5_hex(&data)).as_str())
    );
    assert_eq!(get(&client, "mem.bin").await, data);

    // Streaming body from a file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload.bin");
    std::fs::write(&path, &data).unwrap();
    client
        .put_object()
        .bucket(BUCKET)
        .key("file.bin")
        .body(ByteStream::from_path(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(get(&client, "file.bin").await, data);

    // Explicit SHA-256 checksum algorithm.
    client
        .put_object()
        .bucket(BUCKET)
        .key("sha.bin")
        .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
        .body(ByteStream::from(data[..1000].to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&client, "sha.bin").await, &data[..1000]);

    // A wrong checksum is rejected and nothing is stored.
    let e = client
        .put_object()
        .bucket(BUCKET)
        .key("corrupt.bin")
        .checksum_crc32("AAAAAA==")
        .body(ByteStream::from_static(b"hello"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadDigest"), "{e:?}");
    assert_eq!(all_keys(&client, "corrupt").await, Vec::<String>::new());

    // Ranges.
    let part = client
        .get_object()
        .bucket(BUCKET)
        .key("mem.bin")
        .range("bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(
        part.content_range(),
        Some(format!("bytes 10-19/{}", data.len()).as_str())
    );
    assert_eq!(
        part.body.collect().await.unwrap().into_bytes().as_ref(),
        &data[10..20]
    );
    let tail = client
        .get_object()
        .bucket(BUCKET)
        .key("mem.bin")
        .range("bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tail.body.collect().await.unwrap().into_bytes().as_ref(),
        &data[data.len() - 5..]
    );
    let e = client
        .get_object()
        .bucket(BUCKET)
        .key("mem.bin")
        .range(format!("bytes={}-", data.len()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidRange"));
    server.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_are_rejected() {
    let (server, good) = setup().await;
    put(&good, "k", b"v").await;

    let bad_secret = client_with(&server, server::DEFAULT_ACCESS_KEY, "not-the-secret");
    let e = bad_secret
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(status(&e), Some(403));
    let e = bad_secret
        .delete_object()
        .bucket(BUCKET)
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&e), Some(403));

    let bad_key = client_with(&server, "someone-else", server::DEFAULT_SECRET_KEY);
    let e = bad_key
        .get_object()
        .bucket(BUCKET)
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert!(status(&e).is_some_and(|s| (400..500).contains(&s)), "{e:?}");

    assert_eq!(get(&good, "k").await, b"v");

    // Custom credentials.
    let custom = server::start(ServerConfig {
        access_key: "AKIDCUSTOM".into(),
        secret_key: "custom-secret".into(),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let e = default_client(&custom)
        .list_buckets()
        .send()
        .await
        .unwrap_err();
    assert!(status(&e).is_some_and(|s| (400..500).contains(&s)));
    client_with(&custom, "AKIDCUSTOM", "custom-secret")
        .list_buckets()
        .send()
        .await
        .unwrap();
    custom.shutdown().await;
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_bucket_names_are_refused_with_the_rule_they_break() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = server::start(ServerConfig::default()).await.unwrap();
    let client = default_client(&server);
    for (name, rule) in [
        ("foo.-bar", "hyphen next to a dot"),
        ("foo-.bar", "hyphen next to a dot"),
        ("a..b", "two adjacent dots"),
        ("192.168.1.1", "IP address"),
        ("xn--bucket", "xn--"),
    ] {
        let e = client
            .create_bucket()
            .bucket(name)
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidBucketName"), "{name}: {e:?}");
        let message = e.message().unwrap_or_default();
        assert!(
            message.contains(&format!("{name:?}")) && message.contains(rule),
            "{name}: {message}"
        );
    }
    // Every operation checks the name, not only CreateBucket.
    let e = client
        .list_objects_v2()
        .bucket("foo-.bar")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidBucketName"), "{e:?}");
    let buckets = client.list_buckets().send().await.unwrap();
    assert!(buckets.buckets().is_empty(), "{buckets:?}");

    // The name check replaced s3s's default access check: unsigned requests are still refused.
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let request = format!(
        "PUT /valid-name HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        server.addr()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 403"), "{reply}");
    assert!(reply.contains("AccessDenied"), "{reply}");
    assert!(client
        .list_buckets()
        .send()
        .await
        .unwrap()
        .buckets()
        .is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn data_dir_persists_across_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        data_dir: Some(dir.path().to_owned()),
        ..ServerConfig::default()
    };
    let odd = "../../etc/passwd ünï+%#?";
    {
        let server = server::start(config.clone()).await.unwrap();
        let client = default_client(&server);
        client.create_bucket().bucket(BUCKET).send().await.unwrap();
        client
            .create_bucket()
            .bucket("empty-bucket")
            .send()
            .await
            .unwrap();
        put(&client, odd, b"odd").await;
        put(&client, "d/", b"").await;
        put(&client, "d/x", b"same").await;
        put(&client, "d/y", b"same").await;
        put(&client, "gone", b"bye").await;
        client
            .put_object()
            .bucket(BUCKET)
            .key("old")
            .metadata(BACKDATE_METADATA_KEY, "2020-01-01T00:00:00Z")
            .body(ByteStream::from_static(b"old"))
            .send()
            .await
            .unwrap();
        client
            .delete_object()
            .bucket(BUCKET)
            .key("gone")
            .send()
            .await
            .unwrap();
        client
            .delete_objects()
            .bucket(BUCKET)
            .delete(delete_request(&["d/y".to_owned()], false))
            .send()
            .await
            .unwrap();
        server.shutdown().await;
    }
    // No key ever becomes a path.
    for entry in walk(dir.path()) {
        let name = entry.file_name().unwrap().to_str().unwrap().to_owned();
        let ok = name == "index.json"
            || name == "journal.jsonl"
            || name == "blobs"
            || (name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(ok, "unexpected file {}", entry.display());
    }

    let server = server::start(config.clone()).await.unwrap();
    let client = default_client(&server);
    assert_eq!(all_keys(&client, "").await, [odd, "d/", "d/x", "old"]);
    assert_eq!(get(&client, odd).await, b"odd");
    assert_eq!(get(&client, "d/x").await, b"same");
    let head = client
        .head_object()
        .bucket(BUCKET)
        .key("old")
        .send()
        .await
        .unwrap();
    assert_eq!(head.last_modified().unwrap().secs(), 1_577_836_800);
    client
        .head_bucket()
        .bucket("empty-bucket")
        .send()
        .await
        .unwrap();

    // Mutations after a restart persist too, even without a clean shutdown.
    put(&client, "after", b"restart").await;
    client
        .delete_bucket()
        .bucket("empty-bucket")
        .send()
        .await
        .unwrap();
    drop(server);
    let server = server::start(config).await.unwrap();
    let client = default_client(&server);
    assert_eq!(get(&client, "after").await, b"restart");
    let e = client
        .head_bucket()
        .bucket("empty-bucket")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&e), Some(404));
    server.shutdown().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

#[tokio::test]
async fn fault_injection() {
    let (server, client) = setup().await;
    let keys: Vec<String> = (0..20).map(|i| format!("k{i:02}")).collect();
    for k in &keys {
        put(&client, k, b"v").await;
    }

    // Every key fails: nothing is deleted, every key is reported.
    server.set_faults(FaultConfig {
        delete_key_error: 1.0,
        ..FaultConfig::default()
    });
    let out = client
        .delete_objects()
        .bucket(BUCKET)
        .delete(delete_request(&keys, false))
        .send()
        .await
        .unwrap();
    assert!(out.deleted().is_empty());
    assert_eq!(out.errors().len(), 20);
    assert!(out
        .errors()
        .iter()
        .all(|e| e.code() == Some("InternalError")));
    assert_eq!(all_keys(&client, "").await, keys);

    // Half the keys fail, deterministically for a given seed.
    let half = FaultConfig {
        delete_key_error: 0.5,
        seed: 7,
        ..FaultConfig::default()
    };
    server.set_faults(half.clone());
    let out = client
        .delete_objects()
        .bucket(BUCKET)
        .delete(delete_request(&keys, false))
        .send()
        .await
        .unwrap();
    let failed: BTreeSet<String> = out
        .errors()
        .iter()
        .map(|e| e.key().unwrap().to_owned())
        .collect();
    let deleted: BTreeSet<String> = out
        .deleted()
        .iter()
        .map(|d| d.key().unwrap().to_owned())
        .collect();
    assert_eq!(failed.len() + deleted.len(), 20);
    assert!(!failed.is_empty() && !deleted.is_empty());
    assert_eq!(
        all_keys(&client, "")
            .await
            .into_iter()
            .collect::<BTreeSet<_>>(),
        failed
    );
    assert_eq!(server.faults(), half);

    // SlowDown on every request.
    server.set_faults(FaultConfig {
        slow_down: 1.0,
        ..FaultConfig::default()
    });
    let e = client
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("SlowDown"));
    assert_eq!(status(&e), Some(503));

    // InternalError only on DeleteObjects; listing still works.
    server.set_faults(FaultConfig {
        internal_error: 1.0,
        operations: vec!["DeleteObjects".into()],
        ..FaultConfig::default()
    });
    client
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    let e = client
        .delete_objects()
        .bucket(BUCKET)
        .delete(delete_request(&keys, false))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InternalError"));
    assert_eq!(status(&e), Some(500));

    // Added latency.
    server.set_faults(FaultConfig {
        latency: Duration::from_millis(150),
        ..FaultConfig::default()
    });
    let t = Instant::now();
    client.head_bucket().bucket(BUCKET).send().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));

    server.set_faults(FaultConfig::default());
    assert_eq!(all_keys(&client, "").await.len(), failed.len());
    server.shutdown().await;
}

#[tokio::test]
async fn http1_keep_alive_serves_several_requests_per_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = server::start(ServerConfig::default()).await.unwrap();
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    // Two pipelined unsigned requests on one connection; each gets a 403 response.
    let request = format!("GET /{BUCKET} HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr());
    stream
        .write_all(format!("{request}{request}").as_bytes())
        .await
        .unwrap();
    let mut received = Vec::new();
    let read_both = async {
        let mut buf = [0u8; 4096];
        while String::from_utf8_lossy(&received)
            .matches("HTTP/1.1 403")
            .count()
            < 2
        {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(
                n > 0,
                "connection closed early: {}",
                String::from_utf8_lossy(&received)
            );
            received.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read_both)
        .await
        .expect("two responses");
    assert_eq!(server.request_count(), 2);
    server.shutdown().await;
}
