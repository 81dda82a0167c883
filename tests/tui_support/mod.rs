//! Shared fixtures for the explorer's tests: a fixed clock, a deterministic bucket, and
//! helpers that drive `App` with events the way the runtime does.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::Terminal;

use s3prune::engine::bucket::Versioning;
use s3prune::engine::cost::{StorageClass, StorageTally};
use s3prune::engine::deployment::{AgeBy, Deployment, RootObjects};
use s3prune::engine::listing::{Inventory, ListingEvent};
use s3prune::engine::live::{LiveSet, PointerObject};
use s3prune::engine::rule::Rule;
use s3prune::tui::app::{App, AppEvent, Effect, SessionInfo};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
}

pub fn deployment(name: &str, age: Duration, objects: u64, bytes: u64) -> Deployment {
    let newest = now() - chrono::Duration::from_std(age).unwrap();
    let mut storage = StorageTally::default();
    storage.add(StorageClass::Standard, bytes, newest, now());
    Deployment {
        name: name.into(),
        prefix: format!("{name}/"),
        objects,
        bytes,
        newest,
        oldest: newest - chrono::Duration::minutes(3),
        storage: Box::new(storage),
        incomplete_uploads: 0,
    }
}

const H: u64 = 3600;
const D: u64 = 86400;

/// Fourteen deployments, newest first: ages from hours to months, sizes from KiB to
/// tens of MiB, and a protected `current`.
pub fn bucket() -> Vec<Deployment> {
    let spec: [(&str, u64, u64, u64); 14] = [
        ("site-a1", 2 * H, 14, 1_800_000),
        ("site-b2", D + 3 * H, 12, 2_300_000),
        ("site-c3", 3 * D, 3, 24_000),
        ("site-d4", 5 * D, 16, 2_900_000),
        ("site-e5", 8 * D, 15, 21_500_000),
        ("site-f6", 12 * D, 13, 1_700_000),
        ("site-g7", 20 * D, 4, 48_000),
        ("current", 27 * D, 14, 1_800_000),
        ("site-h8", 35 * D, 17, 3_100_000),
        ("site-i9", 50 * D, 12, 1_200_000),
        ("site-j10", 70 * D, 19, 26_400_000),
        ("site-k11", 95 * D, 11, 1_400_000),
        ("site-l12", 120 * D, 2, 9_000),
        ("site-m13", 150 * D, 15, 2_200_000),
    ];
    spec.iter()
        .map(|&(name, age, objects, bytes)| {
            deployment(name, Duration::from_secs(age), objects, bytes)
        })
        .collect()
}

pub fn root_objects() -> RootObjects {
    RootObjects {
        objects: 2,
        bytes: 86,
        sample: vec!["index.html".into(), "robots.txt".into()],
    }
}

pub fn info() -> SessionInfo {
    SessionInfo {
        bucket: "web-prod".into(),
        root: String::new(),
        endpoint: "AWS S3".into(),
        region: None,
        price_per_gb: 0.023,
        audit_path: PathBuf::from("/var/log/s3prune/audit.jsonl"),
        log_path: Some(PathBuf::from("/home/ops/.local/state/s3prune/tui.log")),
        color: true,
    }
}

pub fn rule(keep: usize) -> Rule {
    Rule::new(keep, None, vec!["current".into()], AgeBy::Newest).unwrap()
}

/// A fresh app at 120×40 that has asked to list (generation 1) and heard nothing yet.
pub fn opened(rule: Rule, keep_is_default: bool) -> App {
    let mut app = App::new(info(), rule, keep_is_default, now());
    app.update(AppEvent::Resize {
        width: 120,
        height: 40,
    });
    assert_eq!(
        app.start(),
        vec![Effect::StartListing {
            generation: 1,
            all_versions: false
        }]
    );
    app
}

/// Feeds a complete listing of `deployments` as the runtime would.
pub fn list(app: &mut App, generation: u64, deployments: Vec<Deployment>, versioning: Versioning) {
    list_live(app, generation, deployments, versioning, LiveSet::default());
}

/// The live set pointer objects make: `(key, content)` pairs, as a listing finds them.
pub fn pointed(deployments: &[Deployment], pointers: &[(&str, &str)]) -> LiveSet {
    let pointers: Vec<PointerObject> = pointers
        .iter()
        .map(|&(key, content)| PointerObject {
            key,
            content: content.as_bytes(),
        })
        .collect();
    LiveSet::from_sources(deployments, &HashMap::new(), &pointers, &[])
}

/// [`list`], with the live set the listing found.
pub fn list_live(
    app: &mut App,
    generation: u64,
    deployments: Vec<Deployment>,
    versioning: Versioning,
    live: LiveSet,
) {
    app.update(AppEvent::Connected {
        endpoint: "https://s3.eu-west-1.amazonaws.com".into(),
        region: "eu-west-1".into(),
    });
    app.update(AppEvent::Versioning(Ok(versioning)));
    app.update(AppEvent::Listing {
        generation,
        event: ListingEvent::Discovered {
            deployments: deployments.len(),
            root_objects: root_objects(),
        },
    });
    for d in &deployments {
        app.update(AppEvent::Listing {
            generation,
            event: ListingEvent::Listed(d.clone()),
        });
    }
    app.update(AppEvent::ListingDone {
        generation,
        result: Ok(Inventory {
            deployments,
            root_objects: root_objects(),
            live,
            ..Default::default()
        }),
    });
}

/// The standard app: the fixture bucket listed, keep 5, protect current.
pub fn listed_app() -> App {
    let mut app = opened(rule(5), false);
    list(&mut app, 1, bucket(), Versioning::Disabled);
    app
}

pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn press_char(app: &mut App, c: char) -> Vec<Effect> {
    press(app, KeyCode::Char(c))
}

pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(AppEvent::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press_char(app, c);
    }
}

pub fn wheel(app: &mut App, down: bool) {
    app.update(AppEvent::Mouse(MouseEvent {
        kind: if down {
            MouseEventKind::ScrollDown
        } else {
            MouseEventKind::ScrollUp
        },
        column: 10,
        row: 20,
        modifiers: KeyModifiers::NONE,
    }));
}

/// Names of the table rows in order.
pub fn rows(app: &App) -> Vec<String> {
    app.view
        .iter()
        .map(|&i| app.deployments[i].name.clone())
        .collect()
}

/// Names currently marked for deletion, sorted.
pub fn marked(app: &App) -> Vec<String> {
    let mut names: Vec<String> = app
        .deployments
        .iter()
        .filter(|d| app.marks.is_marked(&d.name))
        .map(|d| d.name.clone())
        .collect();
    names.sort();
    names
}

pub fn selected(app: &App) -> String {
    app.current().map(|d| d.name.clone()).unwrap_or_default()
}

pub fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| s3prune::tui::view::render(app, frame))
        .unwrap();
    terminal
}

/// The rendered screen as plain text, one line per row.
pub fn screen(app: &App) -> String {
    let terminal = render(app, app.width, app.height);
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
