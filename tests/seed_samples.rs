//! `s3prune seed` writes what it says: time-stamped names, a rollback's pointers and an
//! alias folder, checked against the bucket without s3prune's engine; and refuses
//! samples it cannot write before touching the bucket.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use common::{text, S3Target};
use s3prune::engine::name_time::NameTime;

/// LastModified, size, ETag.
type Listed = (DateTime<Utc>, i64, String);

/// Every object by key.
async fn objects(target: &S3Target, bucket: &str) -> BTreeMap<String, Listed> {
    let mut objects = BTreeMap::new();
    let mut pages = target
        .client()
        .list_objects_v2()
        .bucket(bucket)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for object in page.expect("list objects").contents() {
            let modified = object.last_modified().unwrap();
            let modified = DateTime::from_timestamp_millis(modified.to_millis().unwrap()).unwrap();
            objects.insert(
                object.key().unwrap().to_string(),
                (
                    modified,
                    object.size().unwrap_or(0),
                    object.e_tag().unwrap_or_default().to_string(),
                ),
            );
        }
    }
    objects
}

async fn read(target: &S3Target, bucket: &str, key: &str) -> String {
    let reply = target
        .client()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key}: {e:?}"));
    text(&reply.body.collect().await.unwrap().into_bytes())
}

fn seed(target: &S3Target, bucket: &str, args: &[&str]) -> std::process::Command {
    let mut command = target.cli();
    command.args(["seed", "--bucket", bucket, "--max-object-bytes", "20000"]);
    command.args(args);
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timestamped_rollback_sample_is_what_it_says() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("seedrollback").await;
    let started = Utc::now();
    let command = seed(
        &target,
        &bucket,
        &[
            "--deployments",
            "8",
            "--names",
            "timestamped",
            "--rollback",
            "--alias",
            "current",
            "--seed",
            "3",
        ],
    );
    let output = target.run(command).await;
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}{stdout}", text(&output.stderr));

    let objects = objects(&target, &bucket).await;
    let mut folders: BTreeMap<&str, Vec<(&str, &Listed)>> = BTreeMap::new();
    let mut root = BTreeSet::new();
    for (key, object) in &objects {
        match key.split_once('/') {
            Some((folder, rest)) => folders.entry(folder).or_default().push((rest, object)),
            None => {
                root.insert(key.as_str());
            }
        }
    }
    assert_eq!(root, BTreeSet::from(["current.txt", "index.html"]));
    assert!(folders.contains_key("current"), "{folders:?}");

    // Each name carries the intended time, which s3prune's own server made every
    // object's LastModified.
    let names = NameTime::auto();
    let mut dated: Vec<(DateTime<Utc>, &str)> = folders
        .iter()
        .filter(|(folder, _)| **folder != "current")
        .map(|(folder, files)| {
            let time = names
                .parse(folder)
                .unwrap_or_else(|| panic!("{folder} carries no time"));
            assert!(time < started, "{folder} is in the past");
            for (path, (modified, _, _)) in files {
                assert_eq!(*modified, time, "{folder}/{path}");
            }
            (time, *folder)
        })
        .collect();
    assert_eq!(dated.len(), 8);
    dated.sort_unstable_by(|a, b| b.cmp(a));
    let live = dated[3].1;
    assert!(
        stdout.contains(live),
        "the output names the live deployment:\n{stdout}"
    );

    // current.txt names the 4th newest, index.html loads only its assets, and both
    // were written after the newest deployment.
    assert_eq!(read(&target, &bucket, "current.txt").await.trim(), live);
    let page = read(&target, &bucket, "index.html").await;
    let assets: Vec<&str> = page
        .split(['"', '\''])
        .filter(|part| part.starts_with('/'))
        .collect();
    assert!(assets.iter().any(|a| a.contains("/js/")), "{page}");
    for asset in &assets {
        assert!(
            asset.starts_with(&format!("/{live}/")),
            "{asset} in\n{page}"
        );
        assert!(objects.contains_key(&asset[1..]), "{asset} exists");
    }
    for pointer in ["current.txt", "index.html"] {
        assert!(
            objects[pointer].0 > dated[0].0,
            "{pointer} came after the newest"
        );
    }

    // current/ is a byte-for-byte copy of the live deployment.
    let same = |folder: &str| {
        folders[folder]
            .iter()
            .map(|(path, (_, size, etag))| (path.to_string(), *size, etag.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(same("current"), same(live));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plain_sample_has_no_pointers_and_hash_names() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("seedplain").await;
    let output = target
        .run(seed(&target, &bucket, &["--deployments", "3"]))
        .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let keys = target.all_keys(&bucket).await;
    let folders: BTreeSet<&str> = keys
        .keys()
        .filter_map(|k| k.split_once('/'))
        .map(|(f, _)| f)
        .collect();
    assert_eq!(folders.len(), 3);
    assert!(
        keys.keys().all(|k| k.contains('/')),
        "no root objects: {keys:?}"
    );
    assert!(
        folders.iter().all(|f| NameTime::auto().parse(f).is_none()),
        "{folders:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_that_cannot_be_written_are_refused_before_anything_is() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("seedbad").await;
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["--deployments", "1", "--rollback"],
            &["--rollback", "4th newest", "only 1", "--deployments 4"],
        ),
        (
            &["--deployments", "3", "--rollback"],
            &["only 3", "--deployments 4", "smaller --rollback (2 to 3)"],
        ),
        (
            &["--rollback", "1"],
            &["older than the newest", "2 or more"],
        ),
        (
            &["--alias", "live/current"],
            &["--alias", "without slashes"],
        ),
    ];
    for (args, message) in cases {
        let output = target.run(seed(&target, &bucket, args)).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("s3prune: "), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "one paragraph: {stderr}"
        );
        for part in message {
            assert!(stderr.contains(part), "{args:?}: {part:?} in {stderr}");
        }
    }
    assert!(
        target.all_keys(&bucket).await.is_empty(),
        "nothing was written"
    );

    let output = target
        .run({
            let mut command = target.cli();
            command.args(["demo", "--deployments", "1"]);
            command
        })
        .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("a rollback needs two deployments"),
        "{}",
        text(&output.stderr)
    );
}
