//! Realistic sample deployments for `seed` and `demo`: web-like trees (`index.html`,
//! `css/`, `js/`, `images/`, …) with varied sizes and ages, optionally named by their
//! time and with a rollback (root objects pointing at an older deployment, an alias
//! folder copying it).

use std::time::Duration;

use chrono::{DateTime, DurationRound, Utc};
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
    /// `None` for STANDARD (see [`crate::sample_storage`]).
    pub storage_class: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct SampleDeployment {
    /// `<root><name>`, without the trailing `/`.
    pub folder: String,
    /// Intended LastModified; honoured by s3prune's own server, ignored by others.
    pub time: DateTime<Utc>,
    pub objects: Vec<SampleObject>,
}

/// How sample deployments are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum NameStyle {
    /// `deploy-3fa2c1d0`: nothing but a hash; only LastModified dates it.
    #[default]
    Hash,
    /// `deploy-20261101-0930-3fa2c1`: the intended time (UTC, to the minute) in a form
    /// `--age-by name` reads, so ages survive servers that stamp LastModified themselves.
    Timestamped,
}

#[derive(Debug, Clone)]
pub struct SampleSpec {
    pub deployments: usize,
    pub names: NameStyle,
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
            names: NameStyle::Hash,
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
            let hash = rng.random::<u32>();
            let (folder, time) = match spec.names {
                NameStyle::Hash => (format!("{root}deploy-{hash:08x}"), time),
                NameStyle::Timestamped => {
                    // The name has minutes only; LastModified must agree with it.
                    let time = time
                        .duration_trunc(chrono::Duration::minutes(1))
                        .unwrap_or(time);
                    let stamp = time.format("%Y%m%d-%H%M");
                    (format!("{root}deploy-{stamp}-{:06x}", hash >> 8), time)
                }
            };
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
            storage_class: None,
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

/// The live deployment is this newest by default after `seed --rollback`.
pub const DEFAULT_ROLLBACK: usize = 4;

/// What points at the live deployment, as a real bucket after a rollback would have it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveSpec {
    /// The live deployment is the `nth` newest (2 or more, so not the newest): a root
    /// `current.txt` names it and a root `index.html` loads its assets.
    pub rollback: Option<usize>,
    /// A folder under the root holding a byte-for-byte copy of the live deployment (the
    /// newest one without a rollback), as a sync to a fixed path leaves it.
    pub alias: Option<String>,
}

impl LiveSpec {
    /// Why this cannot be written beside `deployments` deployments, as one paragraph.
    pub fn check(&self, deployments: usize) -> Result<(), String> {
        if let Some(nth) = self.rollback {
            if nth < 2 {
                return Err(format!(
                    "--rollback {nth}: after a rollback the live deployment is older than the \
                     newest, so give 2 or more (without a number it is {DEFAULT_ROLLBACK}, the \
                     {} newest)",
                    ordinal(DEFAULT_ROLLBACK)
                ));
            }
            if deployments < nth {
                let smaller = if deployments >= 2 {
                    format!(", or a smaller --rollback (2 to {deployments})")
                } else {
                    String::new()
                };
                return Err(format!(
                    "--rollback makes the {} newest deployment live, but only {deployments} \
                     would be written; give --deployments {nth} or more{smaller}",
                    ordinal(nth)
                ));
            }
        }
        if let Some(alias) = &self.alias {
            if alias.is_empty() || alias.contains('/') || alias == "." || alias == ".." {
                return Err(format!(
                    "--alias {alias:?}: give one folder name under the root, without slashes \
                     (e.g. current)"
                ));
            }
            if alias.starts_with("deploy-") {
                return Err(format!(
                    "--alias {alias}: the sample deployments are named deploy-…; give the \
                     alias folder a name of its own (e.g. current)"
                ));
            }
            if deployments == 0 {
                return Err(format!(
                    "--alias {alias} copies the live deployment, but --deployments is 0"
                ));
            }
        }
        Ok(())
    }
}

/// `1st`, `2nd`, `3rd`, `4th`, …, `11th`, …, `21st`.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// An object directly under the root: it belongs to no deployment.
#[derive(Debug, Clone)]
pub struct RootObject {
    pub key: String,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// Intended LastModified, as for [`SampleDeployment::time`].
    pub time: DateTime<Utc>,
}

/// Everything a sample bucket holds.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Newest first, then the alias folder if there is one.
    pub deployments: Vec<SampleDeployment>,
    pub root_objects: Vec<RootObject>,
    /// The live deployment's name (without the root), when something points at it.
    pub live: Option<String>,
}

impl Sample {
    pub fn objects(&self) -> u64 {
        let in_deployments: usize = self.deployments.iter().map(|d| d.objects.len()).sum();
        (in_deployments + self.root_objects.len()) as u64
    }

    pub fn bytes(&self) -> u64 {
        let in_deployments: u64 = self
            .deployments
            .iter()
            .flat_map(|d| &d.objects)
            .map(|o| o.size)
            .sum();
        in_deployments
            + self
                .root_objects
                .iter()
                .map(|o| o.body.len() as u64)
                .sum::<u64>()
    }
}

/// Adds what `live` asks for to `deployments` (newest first, as [`generate`] returns
/// them, and allowed by [`LiveSpec::check`]).
pub fn with_live(
    mut deployments: Vec<SampleDeployment>,
    live: &LiveSpec,
    now: DateTime<Utc>,
    root: &str,
) -> Sample {
    let index = match (live.rollback, &live.alias) {
        (Some(nth), _) => nth.checked_sub(1),
        (None, Some(_)) => Some(0),
        (None, None) => None,
    };
    let Some(source) = index.and_then(|i| deployments.get(i)).cloned() else {
        return Sample {
            deployments,
            root_objects: Vec::new(),
            live: None,
        };
    };
    let name = source.folder[root.len()..].to_string();
    // The rollback came after the newest deployment: halfway from it to now.
    let switched = match (live.rollback, deployments.first()) {
        (Some(_), Some(newest)) => newest.time + (now - newest.time) / 2,
        _ => source.time,
    };
    let mut root_objects = Vec::new();
    if live.rollback.is_some() {
        root_objects.push(RootObject {
            key: format!("{root}current.txt"),
            body: format!("{name}\n").into_bytes(),
            content_type: "text/plain",
            time: switched,
        });
        root_objects.push(RootObject {
            key: format!("{root}index.html"),
            body: index_html(&source).into_bytes(),
            content_type: "text/html",
            time: switched,
        });
    }
    if let Some(alias) = &live.alias {
        let folder = format!("{root}{alias}");
        let objects = source
            .objects
            .iter()
            .map(|o| SampleObject {
                key: format!("{folder}{}", &o.key[source.folder.len()..]),
                ..o.clone()
            })
            .collect();
        deployments.push(SampleDeployment {
            folder,
            time: switched,
            objects,
        });
    }
    Sample {
        deployments,
        root_objects,
        live: Some(name),
    }
}

/// A site's entry page that loads its styles and scripts from the live deployment by
/// absolute path, as a bundler with a per-deployment public path writes it.
fn index_html(live: &SampleDeployment) -> String {
    let mut links = String::new();
    let mut scripts = String::new();
    for object in &live.objects {
        let path = &object.key[live.folder.len() + 1..];
        if path.starts_with("css/") {
            links.push_str(&format!(
                "    <link rel=\"stylesheet\" href=\"/{}\">\n",
                object.key
            ));
        } else if path.starts_with("js/") {
            scripts.push_str(&format!(
                "    <script src=\"/{}\" defer></script>\n",
                object.key
            ));
        }
    }
    if links.is_empty() && scripts.is_empty() {
        links = format!(
            "    <meta http-equiv=\"refresh\" content=\"0; url=/{}/index.html\">\n",
            live.folder
        );
    }
    format!(
        "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <title>Example site</title>\n{links}  </head>\n  <body>\n    <div id=\"app\"></div>\n\
         {scripts}  </body>\n</html>\n"
    )
}

/// Uploads the sample into `bucket`, `concurrency` objects at a time, each carrying its
/// intended time in the backdating metadata. The root objects go last, as a deploy
/// flips its pointers only once the files they name are there.
pub async fn upload(
    bucket: &Bucket,
    sample: &Sample,
    concurrency: usize,
    on_object: &(dyn Fn(&SampleObject) + Send + Sync),
) -> Result<(), EngineError> {
    let uploads = sample
        .deployments
        .iter()
        .flat_map(|d| d.objects.iter().map(move |o| (d, o)));
    stream::iter(uploads)
        .map(|(deployment, object)| async move {
            let body = filler(object.size as usize);
            bucket
                .put_object(
                    &object.key,
                    body,
                    object.content_type,
                    &[(BACKDATE_METADATA_KEY, stamp(deployment.time))],
                    object.storage_class,
                )
                .await?;
            on_object(object);
            Ok::<_, EngineError>(())
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<()>()
        .await?;
    for object in &sample.root_objects {
        bucket
            .put_object(
                &object.key,
                object.body.clone(),
                object.content_type,
                &[(BACKDATE_METADATA_KEY, stamp(object.time))],
                None,
            )
            .await?;
        on_object(&SampleObject {
            key: object.key.clone(),
            size: object.body.len() as u64,
            content_type: object.content_type,
            storage_class: None,
        });
    }
    Ok(())
}

pub(crate) fn stamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Cheap deterministic bytes; content does not matter, only size.
pub(crate) fn filler(size: usize) -> Vec<u8> {
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
    #[test]
    fn timestamped_names_carry_their_time() {
        let now = Utc::now();
        let spec = SampleSpec {
            names: NameStyle::Timestamped,
            ..SampleSpec::default()
        };
        let names = crate::engine::name_time::NameTime::auto();
        for d in generate(&spec, now, "sites/") {
            let name = d.folder.strip_prefix("sites/").unwrap();
            assert_eq!(names.parse(name), Some(d.time), "{name}");
            assert!(
                name.starts_with("deploy-") && name.len() == "deploy-20261101-0930-3fa2c1".len()
            );
        }
    }

    #[test]
    fn a_rollback_points_at_the_nth_newest_from_the_root() {
        let now = Utc::now();
        let deployments = generate(&SampleSpec::default(), now, "sites/");
        let live = LiveSpec {
            rollback: Some(3),
            alias: Some("current".into()),
        };
        let sample = with_live(deployments.clone(), &live, now, "sites/");
        let name = deployments[2].folder.strip_prefix("sites/").unwrap();
        assert_eq!(sample.live.as_deref(), Some(name));
        let pointer = &sample.root_objects[0];
        assert_eq!(pointer.key, "sites/current.txt");
        assert_eq!(pointer.body, format!("{name}\n").as_bytes());
        let page = String::from_utf8(sample.root_objects[1].body.clone()).unwrap();
        assert!(page.contains(&format!("src=\"/sites/{name}/js/")), "{page}");
        assert!(pointer.time > deployments[0].time && pointer.time < now);
        let alias = sample.deployments.last().unwrap();
        assert_eq!(alias.folder, "sites/current");
        let relative = |d: &SampleDeployment| {
            d.objects
                .iter()
                .map(|o| (o.key[d.folder.len()..].to_string(), o.size))
                .collect::<Vec<_>>()
        };
        assert_eq!(relative(alias), relative(&deployments[2]));
    }

    #[test]
    fn impossible_rollbacks_are_refused_with_a_reason() {
        let rollback = |nth| LiveSpec {
            rollback: Some(nth),
            alias: None,
        };
        assert!(rollback(4).check(4).is_ok());
        let few = rollback(4).check(3).unwrap_err();
        assert!(
            few.contains("4th newest") && few.contains("--deployments 4"),
            "{few}"
        );
        assert!(rollback(1).check(10).unwrap_err().contains("2 or more"));
        let alias = LiveSpec {
            rollback: None,
            alias: Some("a/b".into()),
        };
        assert!(alias.check(3).unwrap_err().contains("without slashes"));
        assert_eq!(
            [1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal),
            ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]
        );
    }
}
