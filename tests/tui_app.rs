//! Journeys through the explorer's state: scripted events in, state and effects out.
//! No terminal, no S3, no clock: `App::update` is the whole explorer minus I/O.

mod tui_support;

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MouseButton, MouseEvent,
    MouseEventKind,
};

use s3prune::engine::bucket::{KeyError, ListedObject, Versioning};
use s3prune::engine::deletion::{DeletionEvent, DeletionReport, DeploymentOutcome, OutcomeStatus};
use s3prune::engine::deployment::{AgeBy, Deployment};
use s3prune::engine::drift::Skipped;
use s3prune::engine::error::EngineError;
use s3prune::engine::listing::{Inventory, ListingEvent};
use s3prune::engine::plan::Reason;
use s3prune::engine::rule::Rule;
use s3prune::tui::app::{AppEvent, Effect, ListingState, MessageKind, Mode, SortKey};
use s3prune::tui::marks::Mark;
use s3prune::tui::preview::{PreviewData, PreviewStatus};
use tui_support::*;

const RULE_DELETES: [&str; 8] = [
    "site-f6", "site-g7", "site-h8", "site-i9", "site-j10", "site-k11", "site-l12", "site-m13",
];

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn message(app: &s3prune::tui::App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn the_rule_marks_everything_outside_the_newest_n_except_protected() {
    let app = listed_app();
    assert!(matches!(app.listing, ListingState::Done));
    assert_eq!(marked(&app), sorted(&RULE_DELETES));
    assert_eq!(app.marks.mark("current"), Mark::Protected);
    assert_eq!(app.marks.mark("site-a1"), Mark::RuleKeep(Reason::NewestN));
    let expected_bytes: u64 = bucket()
        .iter()
        .filter(|d| RULE_DELETES.contains(&d.name.as_str()))
        .map(|d| d.bytes)
        .sum();
    let expected_objects: u64 = bucket()
        .iter()
        .filter(|d| RULE_DELETES.contains(&d.name.as_str()))
        .map(|d| d.objects)
        .sum();
    let totals = app.marks.totals();
    assert_eq!(
        (
            totals.deployments,
            totals.objects,
            totals.bytes,
            totals.manual
        ),
        (8, expected_objects, expected_bytes, 0)
    );
    // The header's saving comes from the running totals: the same as pricing every
    // marked deployment afresh.
    let marked = bucket()
        .into_iter()
        .filter(|d| RULE_DELETES.contains(&d.name.as_str()))
        .collect::<Vec<_>>();
    let afresh = app.prices().totals(&marked);
    let running = app.marked_cost();
    assert_eq!(totals.storage.total_bytes(), expected_bytes);
    assert!((running.monthly_usd - afresh.monthly_usd).abs() < 1e-12);
    assert!(running.monthly_usd > 0.0);
    assert_eq!(running.incomplete_uploads, afresh.incomplete_uploads);
    // Default order: newest first, cursor on the newest.
    assert_eq!(rows(&app)[..3], ["site-a1", "site-b2", "site-c3"]);
    assert_eq!(selected(&app), "site-a1");
    assert_eq!(app.totals.deployments, 14);
}

#[test]
fn space_marks_and_unmarks_by_hand_and_protected_rows_refuse() {
    let mut app = listed_app();
    // site-a1 is kept by the rule: space marks it by hand.
    press_char(&mut app, ' ');
    assert_eq!(
        app.marks.mark("site-a1"),
        Mark::ManualDelete(Reason::NewestN)
    );
    assert_eq!(app.marks.totals().deployments, 9);
    assert_eq!(app.marks.totals().manual, 1);

    // Down to site-f6 (rule delete): space un-marks it by hand.
    for _ in 0..5 {
        press_char(&mut app, 'j');
    }
    assert_eq!(selected(&app), "site-f6");
    press_char(&mut app, ' ');
    assert_eq!(app.marks.mark("site-f6"), Mark::ManualKeep);
    assert_eq!(app.marks.totals().deployments, 8);
    assert_eq!(app.marks.totals().manual, 2);

    // current is protected: space changes nothing and says why.
    press_char(&mut app, 'j');
    press_char(&mut app, 'j');
    assert_eq!(selected(&app), "current");
    press_char(&mut app, ' ');
    assert_eq!(app.marks.mark("current"), Mark::Protected);
    let m = app.message.clone().unwrap();
    assert_eq!(m.kind, MessageKind::Warn);
    assert!(m.text.contains("protected"), "{}", m.text);

    // a: back to the rule.
    press_char(&mut app, 'a');
    assert_eq!(marked(&app), sorted(&RULE_DELETES));
    assert_eq!(app.marks.totals().manual, 0);
    assert!(message(&app).contains("2 manual changes dropped"));
}

#[test]
fn plus_and_minus_change_n_at_once_and_refuse_zero_without_an_age_limit() {
    let mut app = listed_app();
    press_char(&mut app, '+');
    assert_eq!(app.rule.keep(), 6);
    assert!(!app.marks.is_marked("site-f6"));
    assert_eq!(app.marks.totals().deployments, 7);
    press_char(&mut app, '-');
    press_char(&mut app, '-');
    assert_eq!(app.rule.keep(), 4);
    assert!(app.marks.is_marked("site-e5"));
    assert_eq!(app.marks.totals().deployments, 9);

    for _ in 0..4 {
        press_char(&mut app, '-');
    }
    assert_eq!(app.rule.keep(), 1, "keep 0 without --older-than is refused");
    assert!(message(&app).contains("--older-than"), "{}", message(&app));

    // A manual un-mark survives the rule change.
    let mut app = listed_app();
    press(&mut app, KeyCode::End);
    assert_eq!(selected(&app), "site-m13");
    press_char(&mut app, ' ');
    press_char(&mut app, '+');
    press_char(&mut app, '-');
    assert_eq!(app.marks.mark("site-m13"), Mark::ManualKeep);

    // With an age limit, 0 is allowed.
    let rule = Rule::new(
        1,
        Some(Duration::from_secs(30 * 86400)),
        vec![],
        AgeBy::Newest,
    )
    .unwrap();
    let mut app = opened(rule, false);
    list(&mut app, 1, bucket(), Versioning::Disabled);
    press_char(&mut app, '-');
    assert_eq!(app.rule.keep(), 0);
    assert!(!app.marks.is_marked("site-g7"), "younger than 30d");
    assert_eq!(
        app.marks.mark("current"),
        Mark::RuleKeep(Reason::YoungerThan),
        "not protected under this rule"
    );
    assert!(app.marks.is_marked("site-h8"), "35 days old");
}

#[test]
fn plus_stops_once_everything_is_kept() {
    let mut app = listed_app();
    for _ in 0..20 {
        press_char(&mut app, '+');
    }
    assert_eq!(app.rule.keep(), 13, "13 unprotected deployments");
    assert_eq!(app.marks.totals().deployments, 0);
    assert!(message(&app).contains("already keeps all 13"));
}

#[test]
fn sorting_and_reversing_reorder_the_view_not_the_data_and_keep_the_selection() {
    let mut app = listed_app();
    let data_before: Vec<String> = app.deployments.iter().map(|d| d.name.clone()).collect();
    press_char(&mut app, 'j');
    press_char(&mut app, 'j');
    assert_eq!(selected(&app), "site-c3");

    press_char(&mut app, 's');
    assert_eq!(app.sort, SortKey::Size);
    assert_eq!(rows(&app)[..2], ["site-j10", "site-e5"]);
    assert_eq!(
        selected(&app),
        "site-c3",
        "selection follows the deployment"
    );

    press_char(&mut app, 's');
    assert_eq!(app.sort, SortKey::Name);
    assert_eq!(rows(&app)[0], "current");
    assert_eq!(selected(&app), "site-c3");

    press_char(&mut app, 'r');
    assert!(app.reverse);
    assert_eq!(rows(&app)[0], "site-m13");
    assert_eq!(rows(&app).last().unwrap(), "current");
    assert_eq!(selected(&app), "site-c3");

    press_char(&mut app, 's');
    assert_eq!(app.sort, SortKey::Objects);
    assert!(!app.reverse, "a new sort starts in its natural order");
    assert_eq!(rows(&app)[0], "site-j10");

    press_char(&mut app, 's');
    assert_eq!(app.sort, SortKey::Age);
    press_char(&mut app, 'r');
    assert_eq!(rows(&app)[0], "site-m13", "oldest first");
    assert_eq!(selected(&app), "site-c3");

    let data_after: Vec<String> = app.deployments.iter().map(|d| d.name.clone()).collect();
    assert_eq!(data_before, data_after);
}

#[test]
fn the_filter_narrows_by_name_case_insensitively_and_esc_brings_the_selection_back() {
    let mut app = listed_app();
    press_char(&mut app, 'j');
    assert_eq!(selected(&app), "site-b2");
    press_char(&mut app, '/');
    assert!(matches!(app.mode, Mode::Filter));
    type_text(&mut app, "CURR");
    assert_eq!(rows(&app), ["current"], "case-insensitive");
    for _ in 0..4 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "1");
    assert_eq!(
        rows(&app),
        ["site-a1", "site-j10", "site-k11", "site-l12", "site-m13"].map(String::from)
    );
    assert_eq!(
        selected(&app),
        "site-a1",
        "the first match is under the cursor"
    );
    // q is text while typing a filter, not quit.
    assert!(press_char(&mut app, 'q').is_empty());
    assert!(rows(&app).is_empty());
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.mode, Mode::Browse));
    assert_eq!(app.filter, "1");
    // Keys work on the filtered rows.
    press_char(&mut app, 'j');
    assert_eq!(selected(&app), "site-j10");
    // Esc in the list clears the filter first (back), it does not quit.
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.filter.is_empty());
    assert_eq!(rows(&app).len(), 14);
    assert_eq!(selected(&app), "site-j10");
    // Next Esc quits.
    assert_eq!(press(&mut app, KeyCode::Esc), vec![Effect::Quit]);
}

#[test]
fn a_selection_hidden_by_the_filter_comes_back_when_it_is_cleared() {
    let mut app = listed_app();
    press_char(&mut app, 'j');
    press_char(&mut app, '/');
    type_text(&mut app, "zzz");
    assert!(rows(&app).is_empty());
    press(&mut app, KeyCode::Esc);
    assert_eq!(selected(&app), "site-b2");
}

#[test]
fn reload_keeps_the_selection_and_ignores_answers_to_the_old_listing() {
    let mut app = listed_app();
    press_char(&mut app, 'j');
    press_char(&mut app, 'j');
    press_char(&mut app, 'j');
    assert_eq!(selected(&app), "site-d4");
    press_char(&mut app, ' '); // manual mark survives a reload
    assert_eq!(
        press_char(&mut app, 'R'),
        vec![Effect::StartListing {
            generation: 2,
            all_versions: false
        }]
    );
    assert!(app.is_listing());
    assert!(app.deployments.is_empty());

    // A late answer to listing 1 must not leak in.
    let ghost = deployment("ghost", Duration::from_secs(60), 1, 1);
    app.update(AppEvent::Listing {
        generation: 1,
        event: ListingEvent::Listed(ghost.clone()),
    });
    app.update(AppEvent::ListingDone {
        generation: 1,
        result: Ok(Inventory {
            deployments: vec![ghost],
            ..Default::default()
        }),
    });
    assert!(app.deployments.is_empty());
    assert!(app.is_listing());

    // Listing 2 arrives in another order.
    let mut again = bucket();
    again.reverse();
    list(&mut app, 2, again, Versioning::Disabled);
    assert_eq!(selected(&app), "site-d4");
    assert_eq!(
        app.marks.mark("site-d4"),
        Mark::ManualDelete(Reason::NewestN)
    );
    assert!(app.deployment("ghost").is_none());
}

#[test]
fn the_table_fills_in_while_listing_and_keys_work_meanwhile() {
    let mut app = opened(rule(5), false);
    app.update(AppEvent::Listing {
        generation: 1,
        event: ListingEvent::Discovered {
            deployments: 14,
            root_objects: root_objects(),
        },
    });
    for d in bucket().into_iter().rev().take(6) {
        app.update(AppEvent::Listing {
            generation: 1,
            event: ListingEvent::Listed(d),
        });
    }
    // Rows appear at the next tick (listing events are batched, not re-sorted one by one).
    app.update(AppEvent::Tick { now: now() });
    assert_eq!(rows(&app).len(), 6);
    assert!(app.is_listing());
    // Moving and sorting work during the listing; deleting waits.
    press_char(&mut app, 'j');
    press_char(&mut app, 's');
    assert_eq!(app.sort, SortKey::Size);
    assert!(press_char(&mut app, 'd').is_empty());
    assert!(matches!(app.mode, Mode::Browse));
    assert!(message(&app).contains("still listing"), "{}", message(&app));
    // The rest arrives.
    for d in bucket().into_iter().take(8) {
        app.update(AppEvent::Listing {
            generation: 1,
            event: ListingEvent::Listed(d),
        });
    }
    app.update(AppEvent::ListingDone {
        generation: 1,
        result: Ok(Inventory {
            deployments: bucket(),
            root_objects: root_objects(),
            ..Default::default()
        }),
    });
    assert_eq!(rows(&app).len(), 14);
    assert_eq!(marked(&app), sorted(&RULE_DELETES));
}

#[test]
fn the_preview_loads_in_the_background_scrolls_and_ignores_stale_answers() {
    let mut app = listed_app();
    press_char(&mut app, 'j');
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::LoadPreview {
            request: 1,
            prefix: "site-b2/".into()
        }]
    );
    let Mode::Preview(preview) = &app.mode else {
        panic!("preview open")
    };
    assert!(matches!(preview.status, PreviewStatus::Loading));

    // Back and into another one: the first answer is stale.
    assert_eq!(press(&mut app, KeyCode::Esc), vec![Effect::CancelPreview]);
    press_char(&mut app, 'j');
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::LoadPreview {
            request: 2,
            prefix: "site-c3/".into()
        }]
    );
    let objects: Vec<ListedObject> = (0..120)
        .map(|i| ListedObject {
            key: format!("site-c3/assets/file-{i:03}.js"),
            size: 1000 + i,
            last_modified: now(),
        })
        .collect();
    app.update(AppEvent::PreviewLoaded {
        request: 1,
        result: Ok(PreviewData {
            objects: vec![],
            truncated: false,
        }),
    });
    let Mode::Preview(preview) = &app.mode else {
        panic!()
    };
    assert!(
        matches!(preview.status, PreviewStatus::Loading),
        "stale answer ignored"
    );
    app.update(AppEvent::PreviewLoaded {
        request: 2,
        result: Ok(PreviewData {
            objects,
            truncated: true,
        }),
    });
    let Mode::Preview(preview) = &app.mode else {
        panic!()
    };
    let PreviewStatus::Loaded {
        lines,
        shown,
        truncated,
    } = &preview.status
    else {
        panic!("loaded")
    };
    assert_eq!((lines.len(), *shown, *truncated), (121, 120, true));
    assert_eq!(lines[0].label, "assets/");
    assert_eq!(lines[0].objects, 120);

    press(&mut app, KeyCode::PageDown);
    press_char(&mut app, 'j');
    let Mode::Preview(preview) = &app.mode else {
        panic!()
    };
    let page = app.preview_rows();
    assert_eq!(preview.scroll, page + 1);
    press_char(&mut app, 'G');
    let Mode::Preview(preview) = &app.mode else {
        panic!()
    };
    assert_eq!(preview.scroll, 121 - page);
    wheel(&mut app, false);
    let Mode::Preview(preview) = &app.mode else {
        panic!()
    };
    assert_eq!(preview.scroll, 121 - page - 3);
    press_char(&mut app, 'q');
    assert!(matches!(app.mode, Mode::Browse));
    assert_eq!(selected(&app), "site-c3");
}

#[test]
fn a_failed_preview_says_why() {
    let mut app = listed_app();
    press(&mut app, KeyCode::Enter);
    app.update(AppEvent::PreviewLoaded {
        request: 1,
        result: Err(EngineError::AccessDenied {
            bucket: "web-prod".into(),
            detail: "AccessDenied: no s3:ListBucket".into(),
        }),
    });
    let Mode::Preview(preview) = &app.mode else {
        panic!()
    };
    assert!(matches!(&preview.status, PreviewStatus::Failed(e) if e.contains("no s3:ListBucket")));
}

#[test]
fn d_asks_first_naming_exactly_the_marked_deployments_and_n_cancels() {
    let mut app = listed_app();
    press_char(&mut app, ' '); // site-a1 by hand
    assert!(
        press_char(&mut app, 'd').is_empty(),
        "nothing happens before confirming"
    );
    let Mode::Confirm(confirm) = &app.mode else {
        panic!("dialog open")
    };
    let mut names: Vec<String> = confirm.targets.iter().map(|d| d.name.clone()).collect();
    names.sort();
    let mut expected: Vec<&str> = RULE_DELETES.to_vec();
    expected.push("site-a1");
    assert_eq!(names, sorted(&expected));
    assert_eq!(confirm.manual, vec!["site-a1".to_string()]);
    assert_eq!(confirm.hidden_by_filter, 0);
    assert_eq!(confirm.objects, app.marks.totals().objects);
    assert_eq!(confirm.bytes, app.marks.totals().bytes);

    // Keys other than y/enter/n/esc do nothing in the dialog, including another d.
    assert!(press_char(&mut app, 'd').is_empty());
    assert!(press_char(&mut app, ' ').is_empty());
    assert!(matches!(app.mode, Mode::Confirm(_)));
    assert!(press_char(&mut app, 'n').is_empty());
    assert!(matches!(app.mode, Mode::Browse));
    assert!(message(&app).contains("nothing was deleted"));

    // Esc cancels too.
    press_char(&mut app, 'd');
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(matches!(app.mode, Mode::Browse));
}

#[test]
fn the_dialog_counts_marked_rows_the_filter_hides() {
    let mut app = listed_app();
    press_char(&mut app, '/');
    type_text(&mut app, "1");
    press(&mut app, KeyCode::Enter);
    press_char(&mut app, 'd');
    let Mode::Confirm(confirm) = &app.mode else {
        panic!()
    };
    assert_eq!(confirm.targets.len(), 8);
    assert_eq!(confirm.hidden_by_filter, 4);
}

#[test]
fn nothing_marked_means_no_dialog() {
    let mut app = opened(rule(50), false);
    list(&mut app, 1, bucket(), Versioning::Disabled);
    assert!(press_char(&mut app, 'd').is_empty());
    assert!(matches!(app.mode, Mode::Browse));
    assert!(message(&app).contains("nothing is marked"));
}

fn outcome(d: &Deployment, status: OutcomeStatus, deleted: u64) -> DeploymentOutcome {
    DeploymentOutcome {
        name: d.name.clone(),
        prefix: d.prefix.clone(),
        status,
        deleted_objects: deleted,
        deleted_bytes: if deleted == d.objects { d.bytes } else { 0 },
        failed_keys: if status == OutcomeStatus::Failed {
            vec![KeyError {
                key: format!("{}index.html", d.prefix),
                code: "AccessDenied".into(),
                message: "denied".into(),
            }]
        } else {
            vec![]
        },
        error: None,
    }
}

#[test]
fn y_deletes_exactly_the_confirmed_targets_shows_progress_and_reloads() {
    let mut app = listed_app();
    press_char(&mut app, 'd');
    let effects = press_char(&mut app, 'y');
    let [Effect::StartDeletion(request)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let mut names: Vec<&str> = request.targets.iter().map(|d| d.name.as_str()).collect();
    names.sort();
    assert_eq!(names, sorted(&RULE_DELETES));
    assert!(request.by_hand.is_empty());
    assert_eq!(
        request.listed.len(),
        14,
        "everything listed goes along for the re-check"
    );
    assert_eq!(request.rule.keep(), 5);
    let targets = request.targets.clone();
    let Mode::Deleting(state) = &app.mode else {
        panic!()
    };
    assert!(state.is_running());
    assert!(!state.checked);
    assert_eq!(state.planned_objects, app.marks.totals().objects);
    app.update(AppEvent::Rechecked {
        confirmed: targets.clone(),
        skipped: vec![],
    });

    // Keys that would change marks or quit do nothing while deleting.
    assert!(press_char(&mut app, ' ').is_empty());
    assert!(press_char(&mut app, 'd').is_empty());

    let start = now();
    for (i, d) in targets.iter().enumerate().take(3) {
        app.update(AppEvent::Deletion(DeletionEvent::Progress {
            index: i,
            deleted_objects: d.objects,
            deleted_bytes: d.bytes,
            failed_objects: 0,
        }));
        app.update(AppEvent::Deletion(DeletionEvent::Finished {
            index: i,
            outcome: outcome(d, OutcomeStatus::Deleted, d.objects),
        }));
    }
    app.update(AppEvent::Deletion(DeletionEvent::Retrying {
        code: "SlowDown".into(),
        keys: 12,
    }));
    app.update(AppEvent::Tick {
        now: start + chrono::Duration::seconds(2),
    });
    let Mode::Deleting(state) = &app.mode else {
        panic!()
    };
    let done: u64 = targets.iter().take(3).map(|d| d.objects).sum();
    assert_eq!(state.deleted_objects, done);
    assert_eq!(state.finished_count(), 3);
    assert_eq!(
        state.retrying.as_deref(),
        Some("retrying 12 keys after SlowDown")
    );
    let (objects_per_sec, _) = state.rates(app.now).unwrap();
    assert!((objects_per_sec - done as f64 / 2.0).abs() < 1e-9);
    assert!(state.eta_secs(app.now).unwrap() > 0.0);

    let report = DeletionReport {
        outcomes: targets
            .iter()
            .enumerate()
            .map(|(i, d)| {
                outcome(
                    d,
                    if i == 4 {
                        OutcomeStatus::Failed
                    } else {
                        OutcomeStatus::Deleted
                    },
                    if i == 4 { 0 } else { d.objects },
                )
            })
            .collect(),
        stopped: false,
    };
    let effects = app.update(AppEvent::DeletionDone(Ok(report)));
    assert_eq!(
        effects,
        vec![Effect::StartListing {
            generation: 2,
            all_versions: false
        }],
        "the list reloads afterwards"
    );
    let Mode::Deleting(state) = &app.mode else {
        panic!("the report stays on screen")
    };
    assert!(!state.is_running());
    assert_eq!(
        state.rows[4].outcome.as_ref().unwrap().status,
        OutcomeStatus::Failed
    );
    // Enter goes back to the (reloading) list.
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.mode, Mode::Browse));
    assert!(app.is_listing());
}

#[test]
fn esc_during_deletion_stops_after_the_requests_in_flight() {
    let mut app = listed_app();
    press_char(&mut app, 'd');
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::StartDeletion(_)]));
    assert_eq!(press(&mut app, KeyCode::Esc), vec![Effect::StopDeletion]);
    let Mode::Deleting(state) = &app.mode else {
        panic!("still on the progress view")
    };
    assert!(state.stop_requested);
    let targets = state.targets.clone();
    // Asking again does not send a second stop, and does not quit.
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(press_char(&mut app, 'q').is_empty());
    let report = DeletionReport {
        outcomes: targets
            .iter()
            .enumerate()
            .map(|(i, d)| {
                if i < 2 {
                    outcome(d, OutcomeStatus::Deleted, d.objects)
                } else {
                    outcome(d, OutcomeStatus::Stopped, 0)
                }
            })
            .collect(),
        stopped: true,
    };
    app.update(AppEvent::DeletionDone(Ok(report)));
    let Mode::Deleting(state) = &app.mode else {
        panic!()
    };
    let report = state.result.as_ref().unwrap().as_ref().unwrap();
    assert!(report.stopped);
    assert_eq!(report.incomplete().count(), targets.len() - 2);
    assert_eq!(press(&mut app, KeyCode::Esc), Vec::<Effect>::new());
    assert!(matches!(app.mode, Mode::Browse));
}

#[test]
fn deployments_that_changed_since_the_listing_are_skipped_and_progress_follows_the_engine() {
    let mut app = listed_app();
    press_char(&mut app, ' '); // site-a1 by hand
    press_char(&mut app, 'd');
    let effects = press_char(&mut app, 'y');
    let [Effect::StartDeletion(request)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        request.by_hand,
        vec!["site-a1".to_string()],
        "manual marks are not re-ranked by the rule"
    );
    let targets = request.targets.clone();
    assert_eq!(targets[1].name, "site-f6");
    // site-f6 got a new object after the listing: the engine deletes the others only.
    let mut confirmed = targets.clone();
    let changed = confirmed.remove(1);
    let mut grown = confirmed[1].clone();
    grown.objects += 5;
    confirmed[1] = grown;
    app.update(AppEvent::Rechecked {
        confirmed: confirmed.clone(),
        skipped: vec![Skipped {
            name: changed.name.clone(),
            reason: "it changed since the plan".into(),
        }],
    });
    let Mode::Deleting(state) = &app.mode else {
        panic!()
    };
    assert!(state.checked);
    assert_eq!(state.skipped_count(), 1);
    assert_eq!(
        state.planned_objects,
        confirmed.iter().map(|d| d.objects).sum::<u64>(),
        "current sizes count"
    );
    // Engine index 1 is site-g7, row 2 on screen.
    app.update(AppEvent::Deletion(DeletionEvent::Progress {
        index: 1,
        deleted_objects: 3,
        deleted_bytes: 30,
        failed_objects: 0,
    }));
    let Mode::Deleting(state) = &app.mode else {
        panic!()
    };
    assert_eq!(state.rows[2].deleted_objects, 3);
    assert_eq!(state.rows[1].deleted_objects, 0);
    assert!(state.rows[1].skipped.is_some());
}

#[test]
fn ctrl_c_while_deleting_stops_first_and_quits_only_when_pressed_again() {
    let mut app = listed_app();
    press_char(&mut app, 'd');
    press_char(&mut app, 'y');
    assert_eq!(ctrl(&mut app, 'c'), vec![Effect::StopDeletion]);
    assert_eq!(ctrl(&mut app, 'c'), vec![Effect::Quit]);
}

#[test]
fn chords_and_key_releases_never_act() {
    let mut app = listed_app();
    assert!(ctrl(&mut app, 'd').is_empty());
    assert!(matches!(app.mode, Mode::Browse));
    assert!(app
        .update(AppEvent::Key(KeyEvent::new(
            KeyCode::Char(' '),
            KeyModifiers::ALT
        )))
        .is_empty());
    assert_eq!(app.marks.totals().manual, 0);
    let release = KeyEvent {
        code: KeyCode::Char('q'),
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Release,
        state: KeyEventState::NONE,
    };
    assert!(app.update(AppEvent::Key(release)).is_empty());
    // Ctrl-C quits from the list.
    assert_eq!(ctrl(&mut app, 'c'), vec![Effect::Quit]);
}

#[test]
fn moving_paging_jumping_and_the_mouse() {
    let many: Vec<Deployment> = (0..100)
        .map(|i| {
            deployment(
                &format!("d{i:03}"),
                Duration::from_secs(3600 * (i + 1)),
                1,
                1000,
            )
        })
        .collect();
    let mut app = opened(rule(5), false);
    list(&mut app, 1, many, Versioning::Disabled);
    let page = app.table_rows();
    assert!(page > 5 && page < 100);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.cursor, page);
    assert!(
        app.offset > 0 && app.cursor < app.offset + page,
        "cursor stays on screen"
    );
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.cursor, 0);
    assert_eq!(app.offset, 0);
    press_char(&mut app, 'G');
    assert_eq!(selected(&app), "d099");
    assert_eq!(app.offset, 100 - page);
    press_char(&mut app, 'g');
    assert_eq!(selected(&app), "d000");
    press(&mut app, KeyCode::Up);
    assert_eq!(selected(&app), "d000", "no wrap-around");
    wheel(&mut app, true);
    assert_eq!(selected(&app), "d003");
    wheel(&mut app, false);
    assert_eq!(selected(&app), "d000");
    // A click on a row selects it.
    let body_top = app.areas().main.y + 2;
    app.update(AppEvent::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: body_top + 4,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(selected(&app), "d004");
    // A smaller terminal keeps the cursor visible.
    press_char(&mut app, 'G');
    app.update(AppEvent::Resize {
        width: 60,
        height: 20,
    });
    assert!(app.cursor >= app.offset && app.cursor < app.offset + app.table_rows());
}

#[test]
fn help_opens_with_question_mark_and_any_key_closes_it() {
    let mut app = listed_app();
    press_char(&mut app, '?');
    assert!(matches!(app.mode, Mode::Help));
    assert!(
        press_char(&mut app, 'd').is_empty(),
        "the key closes help, nothing else"
    );
    assert!(matches!(app.mode, Mode::Browse));
}

#[test]
fn a_failed_listing_is_a_message_and_r_retries() {
    let mut app = opened(rule(5), false);
    app.update(AppEvent::ListingDone {
        generation: 1,
        result: Err(EngineError::NoSuchBucket {
            bucket: "web-prod".into(),
            endpoint: "AWS S3 (eu-west-1)".into(),
        }),
    });
    assert!(matches!(
        app.listing,
        ListingState::Failed(EngineError::NoSuchBucket { .. })
    ));
    assert!(press_char(&mut app, 'd').is_empty());
    assert!(message(&app).contains("listing failed"));
    assert_eq!(
        press_char(&mut app, 'R'),
        vec![Effect::StartListing {
            generation: 2,
            all_versions: false
        }]
    );
    list(&mut app, 2, bucket(), Versioning::Disabled);
    assert_eq!(rows(&app).len(), 14);
}

#[test]
fn a_deletion_that_fails_as_a_whole_is_reported_not_a_crash() {
    let mut app = listed_app();
    press_char(&mut app, 'd');
    press_char(&mut app, 'y');
    let effects = app.update(AppEvent::DeletionDone(Err(
        "cannot open the audit log /x: denied; nothing was deleted".into(),
    )));
    assert_eq!(
        effects,
        vec![Effect::StartListing {
            generation: 2,
            all_versions: false
        }]
    );
    let Mode::Deleting(state) = &app.mode else {
        panic!()
    };
    assert!(matches!(&state.result, Some(Err(e)) if e.contains("nothing was deleted")));
}

#[test]
fn after_a_deletion_manual_marks_are_spent_but_unmarks_stay() {
    let mut app = listed_app();
    press_char(&mut app, ' '); // mark site-a1 by hand
    press(&mut app, KeyCode::End);
    press_char(&mut app, ' '); // un-mark site-m13 by hand
    press_char(&mut app, 'd');
    press_char(&mut app, 'y');
    app.update(AppEvent::DeletionDone(Ok(DeletionReport {
        outcomes: vec![],
        stopped: false,
    })));
    press(&mut app, KeyCode::Esc);
    list(&mut app, 2, bucket(), Versioning::Disabled);
    assert_eq!(app.marks.mark("site-a1"), Mark::RuleKeep(Reason::NewestN));
    assert_eq!(app.marks.mark("site-m13"), Mark::ManualKeep);
}

#[test]
fn a_panicking_background_task_quits_with_the_reason() {
    let mut app = listed_app();
    assert_eq!(
        app.update(AppEvent::TaskFailed("boom".into())),
        vec![Effect::Quit]
    );
    assert_eq!(app.fatal.as_deref(), Some("boom"));
}

#[test]
fn without_keep_the_rule_is_keep_10_by_default() {
    let mut app = opened(
        Rule::new(s3prune::tui::DEFAULT_KEEP, None, vec![], AgeBy::Newest).unwrap(),
        true,
    );
    list(&mut app, 1, bucket(), Versioning::Disabled);
    assert_eq!(app.rule_text(), "keep 10 (default)");
    press_char(&mut app, '+');
    assert_eq!(app.rule_text(), "keep 11");
}

#[test]
fn ten_thousand_deployments_stay_responsive() {
    let many: Vec<Deployment> = (0..10_000)
        .map(|i| {
            deployment(
                &format!("build-{i:05}"),
                Duration::from_secs(600 * (i + 1)),
                10 + i % 7,
                1000 * (i % 97 + 1),
            )
        })
        .collect();
    let mut app = opened(rule(20), false);
    let started = Instant::now();
    list(&mut app, 1, many, Versioning::Disabled);
    let listed = started.elapsed();
    assert_eq!(app.marks.totals().deployments, 9_980);

    let started = Instant::now();
    for _ in 0..30 {
        press(&mut app, KeyCode::PageDown);
        let _ = render(&app, 120, 40);
    }
    let per_frame = started.elapsed() / 30;
    assert_eq!(app.offset + app.table_rows() - 1, app.cursor);
    // Generous bounds for unoptimised builds on a busy CI machine; a frame that builds
    // every row of 10 000 would blow through them.
    assert!(
        per_frame < Duration::from_millis(150),
        "a frame took {per_frame:?}"
    );
    assert!(
        listed < Duration::from_secs(10),
        "feeding the listing took {listed:?}"
    );
}

#[test]
fn v_toggles_counting_every_version_and_relists() {
    let mut app = tui_support::listed_app();
    assert!(!app.all_versions);
    let effects = tui_support::press_char(&mut app, 'V');
    assert!(app.all_versions);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::StartListing {
                all_versions: true,
                ..
            }]
        ),
        "{effects:?}"
    );
    let effects = tui_support::press_char(&mut app, 'V');
    assert!(!app.all_versions);
    assert!(matches!(
        effects.as_slice(),
        [Effect::StartListing {
            all_versions: false,
            ..
        }]
    ));
}

// ----- live deployments -----------------------------------------------------------------

/// Keep 3, protect current; `current.txt` names site-e5, the 5th newest: a rollback.
fn rolled_back_app() -> s3prune::tui::App {
    let mut app = opened(rule(3), false);
    let live = pointed(&bucket(), &[("current.txt", "site-e5\n")]);
    list_live(&mut app, 1, bucket(), Versioning::Disabled, live);
    app
}

fn go_to(app: &mut s3prune::tui::App, name: &str) {
    press(app, KeyCode::Home);
    for _ in 0..app.view.len() {
        if selected(app) == name {
            return;
        }
        press_char(app, 'j');
    }
    panic!("{name} is not a row");
}

#[test]
fn after_a_rollback_the_live_deployment_is_kept_and_not_counted_as_marked() {
    let mut app = rolled_back_app();
    assert_eq!(app.marks.mark("site-e5"), Mark::Live(Reason::Live));
    assert!(!app.marks.is_marked("site-e5"));
    assert!(app.marks.is_marked("site-d4"), "4th newest, not live");
    let mut expected: Vec<&str> = RULE_DELETES.to_vec();
    expected.push("site-d4");
    assert_eq!(marked(&app), sorted(&expected));
    let bytes: u64 = bucket()
        .iter()
        .filter(|d| expected.contains(&d.name.as_str()))
        .map(|d| d.bytes)
        .sum();
    assert_eq!(app.marks.totals().deployments, 9);
    assert_eq!(app.marks.totals().bytes, bytes);
    assert_eq!(app.marks.totals().manual, 0);
    assert_eq!(app.live.sources("site-e5"), ["current.txt"]);

    // The table says [L] and why; the dialog does not name it.
    let screen = screen(&app);
    let row = screen
        .lines()
        .find(|l| l.contains("site-e5") && l.starts_with('['))
        .expect("a row");
    assert!(row.starts_with("[L] site-e5"), "{row}");
    assert!(row.contains("keep · live ← current.txt"), "{row}");
    press_char(&mut app, 'd');
    let Mode::Confirm(confirm) = &app.mode else {
        panic!("dialog open")
    };
    assert!(confirm.targets.iter().all(|d| d.name != "site-e5"));
    assert_eq!(confirm.targets.len(), 9);
    press_char(&mut app, 'n');

    // `a` goes back to the rule, which keeps it.
    go_to(&mut app, "site-d4");
    press_char(&mut app, ' ');
    press_char(&mut app, 'a');
    assert_eq!(app.marks.mark("site-e5"), Mark::Live(Reason::Live));
    assert_eq!(marked(&app), sorted(&expected));
    assert!(message(&app).contains("1 manual change dropped"));
}

#[test]
fn space_on_a_live_row_refuses_and_names_what_points_at_it() {
    let mut app = rolled_back_app();
    go_to(&mut app, "site-e5");
    let before = app.marks.totals();
    assert!(press_char(&mut app, ' ').is_empty());
    assert_eq!(app.marks.mark("site-e5"), Mark::Live(Reason::Live));
    assert_eq!(app.marks.totals(), before);
    assert_eq!(app.marks.override_count(), 0);
    let m = app.message.clone().unwrap();
    assert_eq!(m.kind, MessageKind::Warn);
    assert_eq!(
        m.text,
        "site-e5 is live (named by current.txt): it cannot be marked for deletion"
    );

    // A live deployment among the newest N refuses too, and lists every pointer.
    let mut app = opened(rule(3), false);
    let live = pointed(
        &bucket(),
        &[
            ("current.txt", "site-b2"),
            ("index.html", "<script src=\"/site-b2/app.js\"></script>"),
        ],
    );
    list_live(&mut app, 1, bucket(), Versioning::Disabled, live);
    go_to(&mut app, "site-b2");
    assert_eq!(app.marks.mark("site-b2"), Mark::Live(Reason::NewestN));
    press_char(&mut app, ' ');
    assert!(!app.marks.is_marked("site-b2"));
    assert_eq!(
        message(&app),
        "site-b2 is live (named by current.txt, index.html): it cannot be marked for deletion"
    );
}

#[test]
fn an_alias_folder_and_its_copy_refuse_marks_and_say_which_is_which() {
    let mut ds = bucket();
    ds.push(deployment("live", Duration::from_secs(60), 14, 1_800_000));
    let digests = [("live", "same"), ("site-i9", "same"), ("site-a1", "other")]
        .into_iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect();
    let live = s3prune::engine::live::LiveSet::from_sources(&ds, &digests, &[], &["live".into()]);
    let mut app = opened(rule(3), false);
    list_live(&mut app, 1, ds, Versioning::Disabled, live);
    assert_eq!(app.marks.mark("live"), Mark::Live(Reason::Live));
    assert_eq!(app.marks.mark("site-i9"), Mark::Live(Reason::Live));
    // The alias folder takes no place: the three newest releases are kept.
    assert_eq!(app.marks.mark("site-c3"), Mark::RuleKeep(Reason::NewestN));

    go_to(&mut app, "live");
    press_char(&mut app, ' ');
    assert_eq!(
        message(&app),
        "live is live (the --live-alias folder): it cannot be marked for deletion"
    );
    go_to(&mut app, "site-i9");
    press_char(&mut app, ' ');
    assert_eq!(
        message(&app),
        "site-i9 is live (the same files as live/): it cannot be marked for deletion"
    );
    assert!(!app.marks.is_marked("site-i9"));

    // `+` stops at the deployments the rule ranks: not the alias folder, not current.
    for _ in 0..20 {
        press_char(&mut app, '+');
    }
    assert_eq!(app.rule.keep(), 13);
    assert!(message(&app).contains("already keeps all 13 deployments it ranks"));
}

#[test]
fn keep_n_reload_and_v_keep_honouring_the_live_set() {
    let mut app = rolled_back_app();
    // Fewer kept: still live.
    press_char(&mut app, '-');
    press_char(&mut app, '-');
    assert_eq!(app.rule.keep(), 1);
    assert_eq!(app.marks.mark("site-e5"), Mark::Live(Reason::Live));
    // More kept: among the newest, and still live.
    for _ in 0..5 {
        press_char(&mut app, '+');
    }
    assert_eq!(app.rule.keep(), 6);
    assert_eq!(app.marks.mark("site-e5"), Mark::Live(Reason::NewestN));
    press_char(&mut app, '-');
    press_char(&mut app, '-');
    press_char(&mut app, '-');

    // While listing again, what was live stays live.
    press_char(&mut app, 'R');
    assert!(app.is_listing());
    for d in bucket() {
        app.update(AppEvent::Listing {
            generation: 2,
            event: ListingEvent::Listed(d),
        });
    }
    app.update(AppEvent::Tick { now: now() });
    assert_eq!(app.marks.mark("site-e5"), Mark::Live(Reason::Live));
    go_to(&mut app, "site-e5");
    press_char(&mut app, ' ');
    assert!(!app.marks.is_marked("site-e5"));

    // The new listing's live set replaces it: after rolling forward, site-a1 is live.
    let live = pointed(&bucket(), &[("current.txt", "site-a1")]);
    list_live(&mut app, 2, bucket(), Versioning::Disabled, live);
    assert_eq!(app.marks.mark("site-a1"), Mark::Live(Reason::NewestN));
    assert_eq!(app.marks.mark("site-e5"), Mark::RuleDelete);

    // V lists again too, and keeps the live set meanwhile.
    press_char(&mut app, 'V');
    assert!(app.is_listing());
    for d in bucket() {
        app.update(AppEvent::Listing {
            generation: 3,
            event: ListingEvent::Listed(d),
        });
    }
    app.update(AppEvent::Tick { now: now() });
    assert_eq!(app.marks.mark("site-a1"), Mark::Live(Reason::NewestN));
}

#[test]
fn a_mark_by_hand_on_a_deployment_found_live_later_is_dropped_and_said() {
    let mut app = listed_app();
    go_to(&mut app, "site-h8");
    press_char(&mut app, ' '); // un-marked by hand: stays
    go_to(&mut app, "site-b2");
    press_char(&mut app, ' '); // marked by hand: dropped once live
    assert!(app.marks.is_marked("site-b2"));
    press_char(&mut app, 'R');
    let live = pointed(&bucket(), &[("index.html", "/site-b2/app.js")]);
    list_live(&mut app, 2, bucket(), Versioning::Disabled, live);
    assert_eq!(app.marks.mark("site-b2"), Mark::Live(Reason::NewestN));
    assert_eq!(app.marks.mark("site-h8"), Mark::ManualKeep);
    assert_eq!(app.marks.totals().manual, 1);
    let m = app.message.clone().unwrap();
    assert_eq!(m.kind, MessageKind::Warn);
    assert_eq!(
        m.text,
        "site-b2 is live now, so its mark by hand was dropped: a live deployment is never deleted"
    );

    // Not live any more: the mark does not come back.
    press_char(&mut app, 'R');
    list(&mut app, 3, bucket(), Versioning::Disabled);
    assert_eq!(app.marks.mark("site-b2"), Mark::RuleKeep(Reason::NewestN));
}

#[test]
fn under_age_by_name_undated_rows_say_so() {
    let rule = Rule::new(2, None, vec![], "name".parse::<AgeBy>().unwrap()).unwrap();
    let mut app = opened(rule, false);
    let ds = vec![
        deployment("release-20260430", Duration::from_secs(3600), 3, 300),
        deployment("hotfix", Duration::from_secs(7200), 3, 300),
        deployment("release-20260429", Duration::from_secs(3600), 3, 300),
        deployment("release-20260428", Duration::from_secs(3600), 3, 300),
    ];
    list(&mut app, 1, ds, Versioning::Disabled);
    assert_eq!(app.marks.mark("hotfix"), Mark::RuleKeep(Reason::Undated));
    assert!(app.marks.is_marked("release-20260428"));
    let screen = screen(&app);
    let row = screen
        .lines()
        .find(|l| l.contains("hotfix") && l.starts_with('['))
        .unwrap();
    assert!(row.starts_with("[ ] hotfix"), "{row}");
    assert!(row.contains("keep · undated"), "{row}");
}

#[test]
fn w_writes_the_marks_as_a_plan_with_manual_reasons() {
    let mut app = listed_app();
    let by_rule = marked(&app);
    let kept = rows(&app)
        .into_iter()
        .find(|name| !by_rule.contains(name) && matches!(app.marks.mark(name), Mark::RuleKeep(_)))
        .expect("a row the rule keeps");
    while selected(&app) != kept {
        press(&mut app, KeyCode::Down);
    }
    press_char(&mut app, ' ');
    let effects = press_char(&mut app, 'w');
    let [Effect::WritePlan(plan)] = effects.as_slice() else {
        panic!("w asks the runtime to write a plan: {effects:?}");
    };
    let deletes: Vec<String> = plan
        .plan
        .entries
        .iter()
        .filter(|e| e.action == s3prune::engine::plan::Action::Delete)
        .map(|e| e.deployment.name.clone())
        .collect();
    assert_eq!(sorted_owned(deletes), sorted_owned(marked(&app)));
    let manual = plan
        .plan
        .entries
        .iter()
        .find(|e| e.deployment.name == kept)
        .unwrap();
    assert_eq!(manual.reason, Reason::Manual);
    assert_eq!(plan.plan.entries.len(), app.deployments.len());

    app.update(AppEvent::PlanWritten(Ok("s3prune-plan-x.json".into())));
    assert!(message(&app).contains("s3prune prune --plan s3prune-plan-x.json"));
}

#[test]
fn w_waits_for_the_listing() {
    let mut app = opened(rule(5), false);
    let effects = press_char(&mut app, 'w');
    assert!(effects.is_empty());
    assert!(message(&app).contains("once the whole bucket is listed"));
}

fn sorted_owned(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[test]
fn t_switches_to_the_next_target_with_its_session_and_a_fresh_listing() {
    use s3prune::tui::app::{HeaderLine, TargetSession};

    let staging_info = s3prune::tui::SessionInfo {
        bucket: "web-staging".into(),
        root: "staging/".into(),
        endpoint: "http://127.0.0.1:4566".into(),
        ..info()
    };
    let targets = vec![
        TargetSession {
            name: "prod".into(),
            info: info(),
            rule: rule(5),
            keep_is_default: false,
            all_versions: false,
        },
        TargetSession {
            name: "staging".into(),
            info: staging_info,
            rule: Rule::new(2, None, vec![], AgeBy::Newest).unwrap(),
            keep_is_default: false,
            all_versions: true,
        },
    ];
    let mut app = listed_app().with_targets(targets);
    assert!(app.header_lines().contains(&HeaderLine::Target));
    press_char(&mut app, ' ');
    press_char(&mut app, '/');
    type_text(&mut app, "site");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.marks.totals().manual, 1);

    // t: the next target's session, rule and scope, and a listing of it (a new generation).
    assert_eq!(
        press_char(&mut app, 't'),
        vec![
            Effect::SwitchTarget(1),
            Effect::StartListing {
                generation: 2,
                all_versions: true
            }
        ]
    );
    assert_eq!(app.target, 1);
    assert_eq!(app.info.bucket, "web-staging");
    assert_eq!(app.info.root, "staging/");
    assert_eq!(app.rule.keep(), 2);
    assert!(app.all_versions);
    assert!(app.is_listing());
    assert!(app.deployments.is_empty());
    assert_eq!(app.marks.totals().manual, 0, "marks start over");
    assert!(app.filter.is_empty(), "the filter starts over");
    assert_eq!((app.width, app.height), (120, 40));
    assert!(
        message(&app).contains("staging (2 of 2)"),
        "{}",
        message(&app)
    );

    // A late answer about the old target is ignored; the new listing fills the table.
    app.update(AppEvent::ListingDone {
        generation: 1,
        result: Ok(Inventory {
            deployments: bucket(),
            ..Default::default()
        }),
    });
    assert!(app.deployments.is_empty());
    let staging = vec![
        deployment("build-3", Duration::from_secs(3600), 2, 20),
        deployment("build-2", Duration::from_secs(7200), 2, 20),
        deployment("build-1", Duration::from_secs(10800), 2, 20),
    ];
    list(&mut app, 2, staging, Versioning::Disabled);
    assert_eq!(marked(&app), ["build-1"]);

    // T goes back (wrapping round), t again wraps forward.
    assert_eq!(press_char(&mut app, 'T')[0], Effect::SwitchTarget(0));
    assert_eq!(app.info.bucket, "web-prod");
    assert_eq!(app.rule.keep(), 5);
    assert!(!app.all_versions);
    assert_eq!(press_char(&mut app, 'T')[0], Effect::SwitchTarget(1));
}

#[test]
fn t_with_one_target_says_how_to_get_more() {
    let mut app = listed_app();
    assert!(press_char(&mut app, 't').is_empty());
    assert!(message(&app).contains("[[target]]"), "{}", message(&app));
    assert_eq!(app.info.bucket, "web-prod");
}
