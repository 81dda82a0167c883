//! Every screen of the explorer rendered to ratatui's TestBackend with a fixed clock
//! and a deterministic bucket, snapshotted with insta. Review changes with
//! `cargo insta review` (or read the `.snap` files under tests/snapshots/).

mod tui_support;

use std::time::Duration;

use ratatui::crossterm::event::KeyCode;

use s3prune::engine::bucket::{KeyError, ListedObject, Versioning};
use s3prune::engine::deletion::{DeletionEvent, DeletionReport, DeploymentOutcome, OutcomeStatus};
use s3prune::engine::deployment::AgeBy;
use s3prune::engine::drift::Skipped;
use s3prune::engine::error::EngineError;
use s3prune::engine::listing::ListingEvent;
use s3prune::engine::rule::Rule;
use s3prune::tui::app::{AppEvent, Mode};
use s3prune::tui::preview::PreviewData;
use tui_support::*;

/// Builds the app state for one named screen.
type ScreenBuilder = Box<dyn Fn() -> s3prune::tui::App>;

fn snapshot(name: &str, app: &s3prune::tui::App) {
    let terminal = render(app, app.width, app.height);
    insta::assert_snapshot!(name, terminal.backend());
}

#[test]
fn main_screen() {
    let mut app = listed_app();
    // One manual mark and one manual un-mark, so every kind of row shows.
    press_char(&mut app, 'j');
    press_char(&mut app, ' ');
    for _ in 0..5 {
        press_char(&mut app, 'j');
    }
    press_char(&mut app, ' ');
    press_char(&mut app, 'k');
    press_char(&mut app, 'k');
    snapshot("main", &app);
}

#[test]
fn main_screen_sorted_by_size_and_filtered() {
    let mut app = listed_app();
    press_char(&mut app, 's');
    press_char(&mut app, '/');
    type_text(&mut app, "site-");
    snapshot("filtering", &app);
}

#[test]
fn help_overlay() {
    let mut app = listed_app();
    press_char(&mut app, '?');
    snapshot("help", &app);
}

#[test]
fn preview() {
    let mut app = listed_app();
    press_char(&mut app, 'j');
    press(&mut app, KeyCode::Enter);
    let t = now() - chrono::Duration::hours(27);
    let files: [(&str, u64); 12] = [
        ("site-b2/", 0),
        ("site-b2/index.html", 18_204),
        ("site-b2/about.html", 6_120),
        ("site-b2/404.html", 2_048),
        ("site-b2/css/style-0.css", 48_100),
        ("site-b2/css/font.css", 1_204),
        ("site-b2/js/app-00.js", 312_880),
        ("site-b2/js/app-01.js", 98_004),
        ("site-b2/images/hero.jpg", 588_001),
        ("site-b2/images/icons/sprite.svg", 20_480),
        ("site-b2/images/logo.svg", 4_004),
        ("site-b2/docs/getting-started.html", 12_001),
    ];
    let objects = files
        .iter()
        .enumerate()
        .map(|(i, (key, size))| ListedObject {
            key: key.to_string(),
            size: *size,
            last_modified: t - chrono::Duration::seconds(i as i64 * 7),
        })
        .collect();
    app.update(AppEvent::PreviewLoaded {
        request: 1,
        result: Ok(PreviewData {
            objects,
            truncated: false,
        }),
    });
    snapshot("preview", &app);
}

#[test]
fn preview_loading() {
    let mut app = listed_app();
    press(&mut app, KeyCode::Enter);
    snapshot("preview_loading", &app);
}

#[test]
fn confirm_dialog() {
    let mut app = listed_app();
    press_char(&mut app, ' '); // site-a1 by hand
    press_char(&mut app, '/');
    type_text(&mut app, "1");
    press(&mut app, KeyCode::Enter);
    press_char(&mut app, 'd');
    assert!(matches!(app.mode, Mode::Confirm(_)));
    snapshot("confirm", &app);
}

fn deleting_app() -> s3prune::tui::App {
    let mut app = listed_app();
    press_char(&mut app, 'd');
    press_char(&mut app, 'y');
    app
}

#[test]
fn deletion_checking_first() {
    let app = deleting_app();
    snapshot("progress_checking", &app);
}

#[test]
fn deletion_progress() {
    let mut app = deleting_app();
    let Mode::Deleting(state) = &app.mode else {
        panic!()
    };
    let targets = state.targets.clone();
    // site-k11 was written to after the listing: left in place.
    let confirmed: Vec<_> = targets
        .iter()
        .filter(|d| d.name != "site-k11")
        .cloned()
        .collect();
    app.update(AppEvent::Rechecked {
        confirmed,
        skipped: vec![Skipped {
            name: "site-k11".into(),
            reason: "it changed since the plan: an object was written at 2026-05-01T11:58:00Z"
                .into(),
        }],
    });
    for (i, d) in targets.iter().enumerate().take(3) {
        app.update(AppEvent::Deletion(DeletionEvent::Progress {
            index: i,
            deleted_objects: d.objects,
            deleted_bytes: d.bytes,
            failed_objects: 0,
        }));
        app.update(AppEvent::Deletion(DeletionEvent::Finished {
            index: i,
            outcome: DeploymentOutcome {
                name: d.name.clone(),
                prefix: d.prefix.clone(),
                status: OutcomeStatus::Deleted,
                deleted_objects: d.objects,
                deleted_bytes: d.bytes,
                failed_keys: vec![],
                error: None,
            },
        }));
    }
    app.update(AppEvent::Deletion(DeletionEvent::Progress {
        index: 3,
        deleted_objects: 5,
        deleted_bytes: 800_000,
        failed_objects: 0,
    }));
    app.update(AppEvent::Deletion(DeletionEvent::Retrying {
        code: "SlowDown".into(),
        keys: 7,
    }));
    app.update(AppEvent::Tick {
        now: now() + chrono::Duration::milliseconds(2_500),
    });
    snapshot("progress", &app);
}

#[test]
fn deletion_report_after_stop_and_failures() {
    let mut app = deleting_app();
    let Mode::Deleting(state) = &app.mode else {
        panic!()
    };
    let targets = state.targets.clone();
    app.update(AppEvent::Rechecked {
        confirmed: targets.clone(),
        skipped: vec![],
    });
    press(&mut app, KeyCode::Esc);
    let outcomes: Vec<DeploymentOutcome> = targets
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (status, deleted, failed_keys) = match i {
                0 | 1 => (OutcomeStatus::Deleted, d.objects, vec![]),
                2 => (
                    OutcomeStatus::Partial,
                    d.objects - 1,
                    vec![KeyError {
                        key: format!("{}index.html", d.prefix),
                        code: "AccessDenied".into(),
                        message: "Access Denied".into(),
                    }],
                ),
                _ => (OutcomeStatus::Stopped, 0, vec![]),
            };
            DeploymentOutcome {
                name: d.name.clone(),
                prefix: d.prefix.clone(),
                status,
                deleted_objects: deleted,
                deleted_bytes: if deleted == d.objects {
                    d.bytes
                } else {
                    d.bytes / 2
                },
                failed_keys,
                error: None,
            }
        })
        .collect();
    for (i, o) in outcomes.iter().enumerate().take(3) {
        app.update(AppEvent::Deletion(DeletionEvent::Progress {
            index: i,
            deleted_objects: o.deleted_objects,
            deleted_bytes: o.deleted_bytes,
            failed_objects: o.failed_keys.len() as u64,
        }));
    }
    app.update(AppEvent::Tick {
        now: now() + chrono::Duration::seconds(4),
    });
    app.update(AppEvent::DeletionDone(Ok(DeletionReport {
        outcomes,
        stopped: true,
    })));
    snapshot("progress_report", &app);
}

#[test]
fn error_access_denied() {
    let mut app = opened(rule(5), false);
    app.update(AppEvent::Connected {
        endpoint: "https://s3.eu-west-1.amazonaws.com".into(),
        region: "eu-west-1".into(),
    });
    app.update(AppEvent::ListingDone {
        generation: 1,
        result: Err(EngineError::AccessDenied {
            bucket: "web-prod".into(),
            detail: "AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: s3:ListBucket".into(),
        }),
    });
    snapshot("error", &app);
}

#[test]
fn error_no_credentials() {
    let mut app = opened(rule(5), false);
    app.update(AppEvent::ListingDone {
        generation: 1,
        result: Err(EngineError::NoCredentials {
            detail: "the credential provider was not enabled".into(),
        }),
    });
    snapshot("error_no_credentials", &app);
}

#[test]
fn empty_bucket() {
    let mut app = opened(rule(5), false);
    list(&mut app, 1, vec![], Versioning::Disabled);
    snapshot("empty", &app);
}

#[test]
fn loading() {
    let mut app = opened(Rule::new(10, None, vec![], AgeBy::Newest).unwrap(), true);
    app.update(AppEvent::Connected {
        endpoint: "http://127.0.0.1:4566".into(),
        region: "us-east-1".into(),
    });
    app.update(AppEvent::Listing {
        generation: 1,
        event: ListingEvent::Discovered {
            deployments: 14,
            root_objects: root_objects(),
        },
    });
    for d in bucket().into_iter().step_by(3) {
        app.update(AppEvent::Listing {
            generation: 1,
            event: ListingEvent::Listed(d),
        });
    }
    app.update(AppEvent::Tick {
        now: now() + chrono::Duration::milliseconds(300),
    });
    snapshot("loading", &app);
}

#[test]
fn loading_before_anything_is_found() {
    let app = opened(rule(5), false);
    snapshot("connecting", &app);
}

#[test]
fn narrow_terminal() {
    let mut app = listed_app();
    app.update(AppEvent::Resize {
        width: 60,
        height: 20,
    });
    press_char(&mut app, 'G');
    snapshot("narrow", &app);
}

#[test]
fn narrow_confirm_dialog() {
    let mut app = listed_app();
    app.update(AppEvent::Resize {
        width: 60,
        height: 20,
    });
    press_char(&mut app, 'd');
    snapshot("narrow_confirm", &app);
}

#[test]
fn versioned_bucket_says_nothing_is_reclaimed() {
    let mut app = opened(rule(5), false);
    list(&mut app, 1, bucket(), Versioning::Enabled);
    app.update(AppEvent::Resize {
        width: 120,
        height: 30,
    });
    snapshot("versioned", &app);
}

#[test]
fn versioned_bucket_dialog_says_the_deletion_can_be_undone() {
    let mut app = opened(rule(5), false);
    list(&mut app, 1, bucket(), Versioning::Enabled);
    app.update(AppEvent::Resize {
        width: 120,
        height: 30,
    });
    press_char(&mut app, 'd');
    snapshot("versioned_confirm", &app);
}

#[test]
fn a_bucket_of_ten_thousand_groups_columns_in_the_chart() {
    let many = (0..10_000)
        .map(|i| {
            deployment(
                &format!("build-{i:05}"),
                Duration::from_secs(600 * (i + 1)),
                10 + i % 7,
                1000 * (i % 97 + 1),
            )
        })
        .collect();
    let mut app = opened(rule(2_000), false);
    list(&mut app, 1, many, Versioning::Disabled);
    snapshot("ten_thousand", &app);
}

/// Every screen at every size, in colour and without: nothing may panic (no arithmetic
/// underflow, no out-of-bounds drawing) however small the terminal gets.
#[test]
fn every_screen_survives_tiny_terminals() {
    let screens: Vec<(&str, ScreenBuilder)> = vec![
        ("main", Box::new(listed_app)),
        ("connecting", Box::new(|| opened(rule(5), false))),
        (
            "help",
            Box::new(|| {
                let mut app = listed_app();
                press_char(&mut app, '?');
                app
            }),
        ),
        (
            "preview",
            Box::new(|| {
                let mut app = listed_app();
                press(&mut app, KeyCode::Enter);
                let objects = (0..50)
                    .map(|i| ListedObject {
                        key: format!("site-a1/a/b/c/{i}.txt"),
                        size: i,
                        last_modified: now(),
                    })
                    .collect();
                app.update(AppEvent::PreviewLoaded {
                    request: 1,
                    result: Ok(PreviewData {
                        objects,
                        truncated: true,
                    }),
                });
                app
            }),
        ),
        (
            "confirm",
            Box::new(|| {
                let mut app = listed_app();
                press_char(&mut app, 'd');
                app
            }),
        ),
        ("progress", Box::new(deleting_app)),
        ("live", Box::new(many_live_app)),
        (
            "error",
            Box::new(|| {
                let mut app = opened(rule(5), false);
                app.update(AppEvent::ListingDone {
                    generation: 1,
                    result: Err(EngineError::Other("x".repeat(500))),
                });
                app
            }),
        ),
    ];
    for (name, make) in &screens {
        for color in [true, false] {
            for (w, h) in [
                (1, 1),
                (8, 3),
                (20, 6),
                (33, 11),
                (45, 15),
                (60, 20),
                (80, 24),
                (200, 60),
            ] {
                let mut app = make();
                app.info.color = color;
                app.update(AppEvent::Resize {
                    width: w,
                    height: h,
                });
                // Keys that scroll must also stay in bounds at this size.
                for key in [
                    KeyCode::PageDown,
                    KeyCode::End,
                    KeyCode::Down,
                    KeyCode::PageUp,
                ] {
                    if !matches!(app.mode, Mode::Confirm(_) | Mode::Help) {
                        press(&mut app, key);
                    }
                }
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render(&app, w, h)));
                assert!(
                    result.is_ok(),
                    "{name} at {w}×{h} (colour {color}) panicked"
                );
            }
        }
    }
}

#[test]
fn versioned_bucket_with_all_versions_reclaims_and_says_so() {
    let mut app = s3prune::tui::App::new(info(), rule(5), false, now()).with_all_versions(true);
    app.update(AppEvent::Resize {
        width: 120,
        height: 30,
    });
    app.start();
    list(&mut app, 1, bucket(), Versioning::Enabled);
    press_char(&mut app, 'd');
    snapshot("versioned_all_versions", &app);
}

#[test]
fn live_rows_and_the_header_line_that_names_them() {
    // Keep 3; current.txt was rolled back to site-e5, index.html loads from site-a1.
    let mut app = opened(rule(3), false);
    let live = pointed(
        &bucket(),
        &[
            ("current.txt", "site-e5\n"),
            ("index.html", "<script src=\"/site-a1/app.js\"></script>"),
        ],
    );
    list_live(&mut app, 1, bucket(), Versioning::Disabled, live);
    for _ in 0..4 {
        press_char(&mut app, 'j');
    }
    press_char(&mut app, ' ');
    assert!(!app.marks.is_marked("site-e5"));
    snapshot("live", &app);
}

/// Keep 3; index.html loads from five deployments; three aliases, none of which matches.
fn many_live_app() -> s3prune::tui::App {
    let ds = bucket();
    let content = ["site-a1", "site-c3", "site-g7", "site-i9", "site-k11"]
        .iter()
        .map(|n| format!("/{n}/app.js"))
        .collect::<Vec<_>>()
        .join(" ");
    let live = s3prune::engine::live::LiveSet::from_sources(
        &ds,
        &std::collections::HashMap::new(),
        &[s3prune::engine::live::PointerObject {
            key: "index.html",
            content: content.as_bytes(),
        }],
        &["current".into(), "stable".into(), "previous".into()],
    );
    assert_eq!(live.warnings().len(), 3);
    let mut app = opened(rule(3), false);
    list_live(&mut app, 1, ds, Versioning::Disabled, live);
    app
}

#[test]
fn many_live_deployments_and_alias_warnings_in_a_small_terminal() {
    let mut app = many_live_app();
    app.update(AppEvent::Resize {
        width: 80,
        height: 24,
    });
    snapshot("live_small", &app);
}

#[test]
fn the_header_names_the_target_when_a_policy_file_has_several() {
    use s3prune::tui::app::TargetSession;
    let target = |name: &str| TargetSession {
        name: name.into(),
        info: info(),
        rule: rule(5),
        keep_is_default: false,
        all_versions: false,
    };
    let app = listed_app().with_targets(vec![target("prod"), target("staging")]);
    let screen = screen(&app);
    let line = screen
        .lines()
        .find(|l| l.contains("target "))
        .unwrap_or_else(|| panic!("no target line:\n{screen}"));
    assert!(
        line.contains("target  prod (1 of 2) · t/T next / previous"),
        "{line}"
    );
    let single = listed_app();
    assert!(!tui_support::screen(&single).contains("(1 of 2)"));
}

/// Two marked deployments hold 40 GiB of young GLACIER and STANDARD_IA bytes and three
/// abandoned uploads: the header prices them per class, names the early-deletion charge,
/// the uploads the deletion aborts, and the uploads in the whole bucket.
#[test]
fn the_header_prices_storage_classes_and_counts_incomplete_uploads() {
    use s3prune::engine::cost::StorageClass;
    const GIB: u64 = 1 << 30;
    let mut deployments = bucket();
    let oldest = deployments.len() - 1;
    for (i, (class, uploads)) in [(StorageClass::Glacier, 2), (StorageClass::StandardIa, 1)]
        .into_iter()
        .enumerate()
    {
        let d = &mut deployments[oldest - 1 - i];
        *d.storage = Default::default();
        d.storage
            .add(class, 20 * GIB, now() - chrono::Duration::days(10), now());
        d.bytes = 20 * GIB;
        d.incomplete_uploads = uploads;
    }
    let mut app = opened(rule(5), false);
    list(&mut app, 1, deployments, Versioning::Disabled);
    // The cursor on the GLACIER one: the status line names its class and uploads.
    press(&mut app, KeyCode::End);
    press_char(&mut app, 'k');
    snapshot("cost", &app);
}

/// After the deletion the report names the incomplete uploads aborted with it, and an
/// upload that could not be aborted.
#[test]
fn the_deletion_report_names_aborted_uploads() {
    let mut app = deleting_app();
    let Mode::Deleting(state) = &app.mode else {
        panic!()
    };
    let targets = state.targets.clone();
    app.update(AppEvent::Rechecked {
        confirmed: targets.clone(),
        skipped: vec![],
    });
    let outcomes = targets
        .iter()
        .map(|d| DeploymentOutcome {
            name: d.name.clone(),
            prefix: d.prefix.clone(),
            status: OutcomeStatus::Deleted,
            deleted_objects: d.objects,
            deleted_bytes: d.bytes,
            failed_keys: vec![],
            error: None,
        })
        .collect();
    app.update(AppEvent::UploadsAborted {
        aborted: 2,
        problem: Some(
            "1 incomplete multipart uploads could not be aborted (see the audit log)".into(),
        ),
    });
    app.update(AppEvent::DeletionDone(Ok(DeletionReport {
        outcomes,
        stopped: false,
    })));
    let text = screen(&app);
    assert!(
        text.contains("Aborted 2 incomplete multipart uploads under them."),
        "{text}"
    );
    assert!(
        text.contains("1 incomplete multipart uploads could not be aborted"),
        "{text}"
    );
}
