//! What the embedded server keeps for cost truth, spoken to by the real AWS SDK: the
//! storage class from PUT, and multipart uploads (create, upload part, list paged,
//! complete, abort), in memory and across a restart with a data directory.

use std::collections::BTreeSet;

use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, StorageClass};
use aws_sdk_s3::Client;
use s3prune::server::{self, RunningServer, ServerConfig};

const BUCKET: &str = "cost-bucket";

fn client(server: &RunningServer) -> Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .force_path_style(true)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            server::DEFAULT_ACCESS_KEY,
            server::DEFAULT_SECRET_KEY,
            None,
            None,
            "test",
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

async fn setup() -> (RunningServer, Client) {
    let server = server::start(ServerConfig::default()).await.unwrap();
    let client = client(&server);
    client.create_bucket().bucket(BUCKET).send().await.unwrap();
    (server, client)
}

async fn create(client: &Client, key: &str) -> String {
    client
        .create_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_string()
}

/// Uploads one part; returns its ETag.
async fn part(client: &Client, key: &str, upload_id: &str, number: i32, body: &[u8]) -> String {
    client
        .upload_part()
        .bucket(BUCKET)
        .key(key)
        .upload_id(upload_id)
        .part_number(number)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .unwrap()
        .e_tag()
        .unwrap()
        .to_string()
}

async fn complete(
    client: &Client,
    key: &str,
    upload_id: &str,
    parts: &[(i32, &str)],
) -> Result<(), String> {
    let parts = parts
        .iter()
        .map(|(n, etag)| {
            CompletedPart::builder()
                .part_number(*n)
                .e_tag(*etag)
                .build()
        })
        .collect();
    client
        .complete_multipart_upload()
        .bucket(BUCKET)
        .key(key)
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.code().unwrap_or("").to_string())
}

/// Every upload, listed `page` at a time with the key and upload-id markers.
async fn uploads(client: &Client, prefix: &str, page: i32) -> Vec<(String, String)> {
    let mut all = Vec::new();
    let mut marker: Option<(String, String)> = None;
    loop {
        let (key_marker, id_marker) = marker.clone().unzip();
        let reply = client
            .list_multipart_uploads()
            .bucket(BUCKET)
            .prefix(prefix)
            .max_uploads(page)
            .set_key_marker(key_marker)
            .set_upload_id_marker(id_marker)
            .send()
            .await
            .unwrap();
        assert!(reply.uploads().len() <= page as usize);
        for u in reply.uploads() {
            all.push((
                u.key().unwrap().to_string(),
                u.upload_id().unwrap().to_string(),
            ));
        }
        if !reply.is_truncated().unwrap_or(false) {
            return all;
        }
        marker = Some((
            reply.next_key_marker().unwrap().to_string(),
            reply.next_upload_id_marker().unwrap().to_string(),
        ));
    }
}

async fn body(client: &Client, key: &str) -> Vec<u8> {
    let reply = client
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap();
    reply.body.collect().await.unwrap().into_bytes().to_vec()
}

#[tokio::test]
async fn storage_classes_from_put_are_listed_and_unknown_ones_refused() {
    let (_server, client) = setup().await;
    for (key, class) in [
        ("d/plain", None),
        ("d/ia", Some("STANDARD_IA")),
        ("d/cold", Some("GLACIER")),
        ("d/deep", Some("DEEP_ARCHIVE")),
    ] {
        client
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .set_storage_class(class.map(StorageClass::from))
            .body(ByteStream::from_static(b"x"))
            .send()
            .await
            .unwrap();
    }
    let listed = client
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    let classes: Vec<(&str, &str)> = listed
        .contents()
        .iter()
        .map(|o| (o.key().unwrap(), o.storage_class().unwrap().as_str()))
        .collect();
    assert_eq!(
        classes,
        [
            ("d/cold", "GLACIER"),
            ("d/deep", "DEEP_ARCHIVE"),
            ("d/ia", "STANDARD_IA"),
            ("d/plain", "STANDARD")
        ]
    );
    let versions = client
        .list_object_versions()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    let cold = versions
        .versions()
        .iter()
        .find(|v| v.key() == Some("d/cold"))
        .unwrap();
    assert_eq!(cold.storage_class().unwrap().as_str(), "GLACIER");
    let head = client
        .head_object()
        .bucket(BUCKET)
        .key("d/ia")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.storage_class().map(|c| c.as_str()),
        Some("STANDARD_IA")
    );

    let refused = client
        .put_object()
        .bucket(BUCKET)
        .key("d/bad")
        .storage_class(StorageClass::from("COLDEST"))
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("InvalidStorageClass"));
    assert!(client
        .head_object()
        .bucket(BUCKET)
        .key("d/bad")
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn multipart_uploads_list_by_page_complete_and_abort() {
    let (_server, client) = setup().await;
    let a1 = create(&client, "d1/a.bin").await;
    let a2 = create(&client, "d1/a.bin").await;
    let b = create(&client, "d2/b.bin").await;
    let c = create(&client, "other/c.bin").await;

    // No object listing shows an upload.
    let listed = client
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    assert!(listed.contents().is_empty());

    // Key order, then the order they were started; every page size gives the same.
    let expected = vec![
        ("d1/a.bin".to_string(), a1.clone()),
        ("d1/a.bin".to_string(), a2.clone()),
        ("d2/b.bin".to_string(), b.clone()),
    ];
    for page in [1, 2, 1000] {
        assert_eq!(
            uploads(&client, "d", page).await,
            expected,
            "page size {page}"
        );
    }
    assert_eq!(uploads(&client, "", 1).await.len(), 4);

    // Complete a1 from two parts, in part order whatever the upload order.
    let second = part(&client, "d1/a.bin", &a1, 2, b" world").await;
    let first = part(&client, "d1/a.bin", &a1, 1, b"hello").await;
    assert_eq!(
        complete(&client, "d1/a.bin", &a1, &[(1, "\"wrong\""), (2, &second)]).await,
        Err("InvalidPart".into())
    );
    assert_eq!(
        complete(&client, "d1/a.bin", &a1, &[(2, &second), (1, &first)]).await,
        Err("InvalidPartOrder".into())
    );
    complete(&client, "d1/a.bin", &a1, &[(1, &first), (2, &second)])
        .await
        .unwrap();
    assert_eq!(body(&client, "d1/a.bin").await, b"hello world");

    // Abort a2 and c; an aborted upload takes no more parts and cannot be aborted twice.
    for (key, id) in [("d1/a.bin", &a2), ("other/c.bin", &c)] {
        client
            .abort_multipart_upload()
            .bucket(BUCKET)
            .key(key)
            .upload_id(id)
            .send()
            .await
            .unwrap();
    }
    let again = client
        .abort_multipart_upload()
        .bucket(BUCKET)
        .key("d1/a.bin")
        .upload_id(&a2)
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("NoSuchUpload"));
    let late = client
        .upload_part()
        .bucket(BUCKET)
        .key("d1/a.bin")
        .upload_id(&a2)
        .part_number(1)
        .body(ByteStream::from_static(b"late"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(late.code(), Some("NoSuchUpload"));
    assert_eq!(
        uploads(&client, "", 1000).await,
        vec![("d2/b.bin".to_string(), b)]
    );
}

#[tokio::test]
async fn uploads_and_their_parts_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        data_dir: Some(dir.path().to_owned()),
        ..ServerConfig::default()
    };
    let (kept, aborted, first);
    {
        let server = server::start(config.clone()).await.unwrap();
        let client = client(&server);
        client.create_bucket().bucket(BUCKET).send().await.unwrap();
        kept = create(&client, "d/kept.bin").await;
        aborted = create(&client, "d/aborted.bin").await;
        first = part(&client, "d/kept.bin", &kept, 1, b"part one").await;
        part(&client, "d/aborted.bin", &aborted, 1, b"gone").await;
        client
            .abort_multipart_upload()
            .bucket(BUCKET)
            .key("d/aborted.bin")
            .upload_id(&aborted)
            .send()
            .await
            .unwrap();
        // No clean shutdown: the journal alone must hold it.
        drop(server);
    }
    // Twice: the first start replays the journal, the second reads the snapshot it wrote.
    for _ in 0..2 {
        let server = server::start(config.clone()).await.unwrap();
        let client = client(&server);
        let left: BTreeSet<_> = uploads(&client, "", 1000).await.into_iter().collect();
        assert_eq!(
            left,
            BTreeSet::from([("d/kept.bin".to_string(), kept.clone())])
        );
        server.shutdown().await;
    }
    let server = server::start(config).await.unwrap();
    let client = client(&server);
    complete(&client, "d/kept.bin", &kept, &[(1, &first)])
        .await
        .unwrap();
    assert_eq!(body(&client, "d/kept.bin").await, b"part one");
    assert!(uploads(&client, "", 1000).await.is_empty());
    server.shutdown().await;
}
