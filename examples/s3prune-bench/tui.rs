//! The explorer's render path, measured on
//! ratatui's TestBackend (state update + layout + widget rendering + buffer diff; the
//! bytes a real terminal would receive are not written).
//!
//!   s3prune-bench tui [--width 160 --height 50 --large 1000 --many 10000 --presses 300]
//!
//! Prints one JSON object: first-frame times and per-keypress update+redraw times.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use s3prune::engine::bucket::Versioning;
use s3prune::engine::deployment::{AgeBy, Deployment, RootObjects};
use s3prune::engine::listing::{Inventory, ListingEvent};
use s3prune::engine::rule::Rule;
use s3prune::tui::app::{App, AppEvent, SessionInfo};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 160)]
    width: u16,
    #[arg(long, default_value_t = 50)]
    height: u16,
    /// Deployments of the large case (1000 x 1000 objects).
    #[arg(long, default_value_t = 1000)]
    large: usize,
    #[arg(long, default_value_t = 10_000)]
    many: usize,
    #[arg(long, default_value_t = 300)]
    presses: usize,
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
}

fn deployments(n: usize) -> Vec<Deployment> {
    (0..n)
        .map(|i| {
            let newest = now() - chrono::Duration::minutes((n - i) as i64 * 37);
            Deployment {
                name: format!("d{i:05}"),
                prefix: format!("d{i:05}/"),
                objects: 1000,
                bytes: 1_000_000 + (i as u64 * 7919) % 50_000_000,
                newest,
                oldest: newest - chrono::Duration::minutes(3),
                storage: Default::default(),
                incomplete_uploads: 0,
            }
        })
        .collect()
}

fn info() -> SessionInfo {
    SessionInfo {
        bucket: "bench".into(),
        root: String::new(),
        endpoint: "http://127.0.0.1:9400".into(),
        region: None,
        price_per_gb: 0.023,
        audit_path: PathBuf::from("/tmp/s3prune-bench-audit.jsonl"),
        log_path: None,
        color: true,
    }
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|frame| s3prune::tui::view::render(app, frame))
        .unwrap();
}

fn opened(args: &Args) -> (App, Terminal<TestBackend>) {
    let rule = Rule::new(10, None, Vec::new(), AgeBy::Newest).unwrap();
    let mut app = App::new(info(), rule, false, now());
    app.update(AppEvent::Resize {
        width: args.width,
        height: args.height,
    });
    let _ = app.start();
    let terminal = Terminal::new(TestBackend::new(args.width, args.height)).unwrap();
    (app, terminal)
}

/// Feeds a whole listing the way the runtime does; returns the time spent in `update`.
fn feed(app: &mut App, list: Vec<Deployment>) -> Duration {
    let t = Instant::now();
    app.update(AppEvent::Connected {
        endpoint: "http://127.0.0.1:9400".into(),
        region: "us-east-1".into(),
    });
    app.update(AppEvent::Versioning(Ok(Versioning::Disabled)));
    app.update(AppEvent::Listing {
        generation: 1,
        event: ListingEvent::Discovered {
            deployments: list.len(),
            root_objects: RootObjects::default(),
        },
    });
    for d in &list {
        app.update(AppEvent::Listing {
            generation: 1,
            event: ListingEvent::Listed(d.clone()),
        });
    }
    app.update(AppEvent::ListingDone {
        generation: 1,
        result: Ok(Inventory {
            deployments: list,
            ..Default::default()
        }),
    });
    t.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn run(args: &Args) {
    // 1. The explorer opens: first frame before anything is listed.
    let t = Instant::now();
    let (mut app, mut terminal) = opened(args);
    draw(&mut terminal, &app);
    let open_ms = ms(t.elapsed());

    // 2. Large case: the first frame with the whole listing (1000 deployments).
    let ingest_large_ms = ms(feed(&mut app, deployments(args.large)));
    let t = Instant::now();
    draw(&mut terminal, &app);
    let first_full_frame_large_ms = ms(t.elapsed());

    // 3. Keypress redraws at `many` deployments.
    let (mut app, mut terminal) = opened(args);
    let ingest_many_ms = ms(feed(&mut app, deployments(args.many)));
    let t = Instant::now();
    draw(&mut terminal, &app);
    let first_full_frame_many_ms = ms(t.elapsed());
    let keys = [
        KeyCode::Down,
        KeyCode::Down,
        KeyCode::PageDown,
        KeyCode::Char(' '),
        KeyCode::Up,
        KeyCode::Char('s'),
        KeyCode::Char('r'),
        KeyCode::Char('+'),
        KeyCode::Char('-'),
        KeyCode::Char('G'),
        KeyCode::Char('g'),
        KeyCode::Char('a'),
    ];
    let mut per_key: Vec<(String, Vec<f64>)> = keys
        .iter()
        .map(|k| (format!("{k:?}"), Vec::new()))
        .collect();
    let mut all = Vec::new();
    for i in 0..args.presses {
        let k = i % keys.len();
        let t = Instant::now();
        app.update(AppEvent::Key(KeyEvent::new(keys[k], KeyModifiers::NONE)));
        draw(&mut terminal, &app);
        let took = ms(t.elapsed());
        per_key[k].1.push(took);
        all.push(took);
    }
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let per_key_json: Vec<String> = per_key
        .iter_mut()
        .map(|(name, v)| {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            format!(
                "\"{}\":{{\"median_ms\":{:.3},\"max_ms\":{:.3}}}",
                name.replace('\'', ""),
                percentile(v, 0.5),
                v[v.len() - 1]
            )
        })
        .collect();
    println!(
        "{{\"width\":{},\"height\":{},\"open_first_frame_ms\":{open_ms:.3},\"large\":{},\"ingest_large_ms\":{ingest_large_ms:.3},\"first_full_frame_large_ms\":{first_full_frame_large_ms:.3},\"many\":{},\"ingest_many_ms\":{ingest_many_ms:.3},\"first_full_frame_many_ms\":{first_full_frame_many_ms:.3},\"presses\":{},\"keypress_median_ms\":{:.3},\"keypress_p99_ms\":{:.3},\"keypress_max_ms\":{:.3},\"per_key\":{{{}}}}}",
        args.width,
        args.height,
        args.large,
        args.many,
        args.presses,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all[all.len() - 1],
        per_key_json.join(",")
    );
}
