//! Realistic sample deployments for `seed` and `demo`: web-like trees (`index.html`,
//! `css/`, `js/`, `images/`, …) with varied sizes and ages.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::engine::bucket::Bucket;
use crate::engine::error::EngineError;
use crate::server::BACKDATE_METADATA_KEY;

#[derive(Debug, Clone)]
pub struct SampleObject {
    pub key: String,
    pub size: u64,
    pub content_type: &'static str,
}

#[derive(Debug, Clone)]
pub struct SampleDeployment {
    /// `<root><name>`, without the trailing `/`.
    pub folder: String,
    /// Intended LastModified; honoured by s3prune's own server, ignored by others.
    pub time: DateTime<Utc>,
    pub objects: Vec<SampleObject>,
}

#[derive(Debug, Clone)]
pub struct SampleSpec {
    pub deployments: usize,
    /// Ages are spread between these, newest first.
    pub min_age: Duration,
    pub max_age: Duration,
    /// Largest single asset; a few deployments carry one near this size.
    pub max_object_bytes: u64,
    pub seed: u64,
}

impl Default for SampleSpec {
    fn default() -> Self {
        SampleSpec {
            deployments: 20,
            min_age: Duration::from_secs(2 * 3600),
            max_age: Duration::from_secs(120 * 86400),
            max_object_bytes: 4 << 20,
            seed: 42,
        }
    }
}

const PAGES: [&str; 6] = [
    "about.html",
    "pricing.html",
    "blog/index.html",
    "docs/index.html",
    "docs/getting-started.html",
    "404.html",
];
const IMAGES: [&str; 6] = [
    "logo.svg",
    "hero.jpg",
    "team.png",
    "favicon.ico",
    "banner.webp",
    "icons/sprite.svg",
];

/// Deterministic for a given spec: the same seed gives the same names, sizes and ages.
pub fn generate(spec: &SampleSpec, now: DateTime<Utc>, root: &str) -> Vec<SampleDeployment> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let span = spec.max_age.saturating_sub(spec.min_age).as_secs_f64();
    (0..spec.deployments)
        .map(|i| {
            // Ages grow roughly geometrically, so there are many recent deployments and a
            // long tail of old ones, as in a real bucket.
            let fraction = if spec.deployments > 1 {
                i as f64 / (spec.deployments - 1) as f64
            } else {
                0.0
            };
            let jitter = rng.random_range(0.9..1.1);
            let age_secs = spec.min_age.as_secs_f64() + span * fraction.powf(1.6) * jitter;
            let age_secs = age_secs.clamp(spec.min_age.as_secs_f64(), spec.max_age.as_secs_f64());
            let time = now - chrono::Duration::milliseconds((age_secs * 1000.0) as i64);
            let folder = format!("{root}deploy-{:08x}", rng.random::<u32>());
            let objects = web_tree(&mut rng, &folder, spec.max_object_bytes);
            SampleDeployment {
                folder,
                time,
                objects,
            }
        })
        .collect()
}

fn web_tree(rng: &mut StdRng, folder: &str, max_object_bytes: u64) -> Vec<SampleObject> {
    let mut objects = Vec::new();
    let mut add = |path: String, size: u64, content_type: &'static str| {
        objects.push(SampleObject {
            key: format!("{folder}/{path}"),
            size,
            content_type,
        });
    };
    add(
        "index.html".into(),
        rng.random_range(2_000..40_000),
        "text/html",
    );
    for page in PAGES.iter().take(rng.random_range(1..=PAGES.len())) {
        add(
            page.to_string(),
            rng.random_range(1_000..30_000),
            "text/html",
        );
    }
    for i in 0..rng.random_range(1..4) {
        add(
            format!("css/style-{i}.css"),
            rng.random_range(500..80_000),
            "text/css",
        );
    }
    add(
        "css/font.css".into(),
        rng.random_range(200..2_000),
        "text/css",
    );
    for i in 0..rng.random_range(1..5) {
        add(
            format!("js/app-{i:02}.js"),
            rng.random_range(5_000..400_000),
            "application/javascript",
        );
    }
    for image in IMAGES.iter().take(rng.random_range(1..=IMAGES.len())) {
        add(
            format!("images/{image}"),
            rng.random_range(1_000..600_000),
            "image/png",
        );
    }
    if rng.random_bool(0.2) {
        let lo = (max_object_bytes / 4).max(1);
        add(
            "media/intro.mp4".into(),
            rng.random_range(lo..=max_object_bytes.max(lo)),
            "video/mp4",
        );
    }
    objects
}

/// Uploads the sample into `bucket`, `concurrency` objects at a time, each carrying its
/// intended time in the backdating metadata.
pub async fn upload(
    bucket: &Bucket,
    deployments: &[SampleDeployment],
    concurrency: usize,
    on_object: &(dyn Fn(&SampleObject) + Send + Sync),
) -> Result<(), EngineError> {
    let uploads = deployments
        .iter()
        .flat_map(|d| d.objects.iter().map(move |o| (d, o)));
    stream::iter(uploads)
        .map(|(deployment, object)| async move {
            let body = filler(object.size as usize);
            let stamp = deployment
                .time
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            bucket
                .put_object(
                    &object.key,
                    body,
                    object.content_type,
                    &[(BACKDATE_METADATA_KEY, stamp)],
                )
                .await?;
            on_object(object);
            Ok::<_, EngineError>(())
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<()>()
        .await
}

/// Cheap deterministic bytes; content does not matter, only size.
fn filler(size: usize) -> Vec<u8> {
    const LINE: &[u8] = b"s3prune sample content, one deployment of many.\n";
    LINE.iter().copied().cycle().take(size).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sample() {
        let now = Utc::now();
        let a = generate(&SampleSpec::default(), now, "");
        let b = generate(&SampleSpec::default(), now, "");
        assert_eq!(a.len(), 20);
        assert_eq!(
            a.iter().map(|d| &d.folder).collect::<Vec<_>>(),
            b.iter().map(|d| &d.folder).collect::<Vec<_>>()
        );
    }

    #[test]
    fn ages_span_the_range_newest_first() {
        let now = Utc::now();
        let spec = SampleSpec::default();
        let sample = generate(&spec, now, "");
        for d in &sample {
            let age = (now - d.time).to_std().unwrap();
            assert!(age >= spec.min_age && age <= spec.max_age, "{age:?}");
            assert!(d
                .objects
                .iter()
                .all(|o| o.key.starts_with(&format!("{}/", d.folder))));
            assert!(d.objects.iter().any(|o| o.key.ends_with("/index.html")));
        }
        assert!(sample[0].time > sample[sample.len() - 1].time);
    }

    #[test]
    fn root_prefix_is_part_of_every_key() {
        let sample = generate(
            &SampleSpec {
                deployments: 2,
                ..SampleSpec::default()
            },
            Utc::now(),
            "sites/",
        );
        assert!(sample.iter().all(|d| d.folder.starts_with("sites/deploy-")));
    }
}
