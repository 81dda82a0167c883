//! The explorer's runtime: owns the terminal, turns terminal input, S3 answers and the
//! clock into `AppEvent`s on one channel, feeds them to `App::update`, has the
//! [`worker`] carry out the `Effect`s in background tasks, and redraws. Nothing here
//! blocks the render loop.

mod signals;
mod terminal_guard;
mod worker;

use std::io::{stdout, IsTerminal};
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyModifiers};
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use super::app::{App, AppEvent, SessionInfo, TargetSession};
use super::view;
use crate::engine::bucket::Scope;
use crate::engine::connection::ConnectionOptions;
use crate::engine::deletion::DeleteOptions;
use crate::engine::live::LiveOptions;
use crate::engine::rule::Rule;
use signals::Terminate;
use terminal_guard::TerminalGuard;
use worker::Worker;

/// Everything the explorer needs to start.
pub struct TuiOptions {
    pub info: SessionInfo,
    pub rule: Rule,
    pub keep_is_default: bool,
    pub connection: ConnectionOptions,
    pub list_concurrency: usize,
    pub delete_options: DeleteOptions,
    /// Where the explorer starts: current objects, or every version (`V` toggles).
    pub scope: Scope,
    /// How live deployments are found.
    pub live: LiveOptions,
    /// `--inventory`: list from this S3 Inventory report instead of the bucket.
    pub inventory: Option<String>,
}

/// How often the clock ticks (ages, rates, the spinner).
const TICK: Duration = Duration::from_millis(250);
/// When set, the explorer panics right after its first frame (for tests only).
const TEST_PANIC_VAR: &str = "S3PRUNE_TEST_PANIC_AFTER_FIRST_FRAME";

/// Events handled between two frames at most, so a flood of listing events cannot
/// starve input or drawing.
const EVENTS_PER_FRAME: usize = 2_000;

/// Runs the explorer until the operator quits. The terminal is restored on every way
/// out: return, error, and panic.
pub async fn run(options: TuiOptions) -> Result<(), String> {
    run_targets(vec![(String::new(), options)]).await
}

/// The explorer over a policy file's targets (name, options), opened on the first;
/// `t`/`T` switch between them without restarting.
pub async fn run_targets(mut targets: Vec<(String, TuiOptions)>) -> Result<(), String> {
    if !stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err("the explorer needs a terminal; for scripts and CI use `s3prune plan` or `s3prune prune`".into());
    }
    let log_path = super::logging::init();
    for (_, options) in &mut targets {
        options.info.log_path = log_path.clone();
    }
    let Some((_, first)) = targets.first() else {
        return Err("no target to open".into());
    };
    tracing::info!(bucket = %first.info.bucket, targets = targets.len(), "explorer starting");

    let terminal = ratatui::try_init().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let guard = TerminalGuard::install();
    let (tx, rx) = unbounded_channel();
    let mut worker = Worker::new(&targets, tx.clone());
    let sessions: Vec<TargetSession> = targets
        .iter()
        .map(|(name, options)| TargetSession {
            name: name.clone(),
            info: options.info.clone(),
            rule: options.rule.clone(),
            keep_is_default: options.keep_is_default,
            all_versions: options.scope == Scope::AllVersions,
        })
        .collect();
    let first = sessions[0].clone();
    let mut app = App::new(first.info, first.rule, first.keep_is_default, Utc::now())
        .with_all_versions(first.all_versions);
    if sessions.len() > 1 {
        app = app.with_targets(sessions);
    }
    let result = event_loop(terminal, &mut app, &mut worker, rx).await;
    worker.shutdown();
    drop(guard);
    match (result, app.fatal.take()) {
        (Err(e), _) => Err(e),
        (Ok(()), Some(fatal)) => Err(format!("internal error, please report it: {fatal}")),
        (Ok(()), None) => Ok(()),
    }
}

async fn event_loop(
    mut terminal: DefaultTerminal,
    app: &mut App,
    worker: &mut Worker,
    mut rx: UnboundedReceiver<AppEvent>,
) -> Result<(), String> {
    let size = terminal
        .size()
        .map_err(|e| format!("cannot read the terminal size: {e}"))?;
    app.update(AppEvent::Resize {
        width: size.width,
        height: size.height,
    });
    let mut quit = false;
    for effect in app.start() {
        quit |= worker.perform(effect);
    }
    let mut input = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut terminate = Terminate::new();

    let mut last_tick = std::time::Instant::now();
    while !quit {
        // New listing data is folded into the table on ticks; tick before drawing so a
        // frame never shows rows that are not counted yet (at most ten times a second).
        if last_tick.elapsed() >= Duration::from_millis(100) {
            app.update(AppEvent::Tick { now: Utc::now() });
            last_tick = std::time::Instant::now();
        }
        terminal
            .draw(|frame| view::render(app, frame))
            .map_err(|e| format!("cannot draw: {e}"))?;
        // Lets the tests prove that a panic restores the terminal (tests/tui_tmux.rs).
        if std::env::var_os(TEST_PANIC_VAR).is_some() {
            panic!("test-only panic requested by {TEST_PANIC_VAR}");
        }
        let first = tokio::select! {
            terminal_event = input.next() => match terminal_event {
                Some(Ok(event)) => match translate(event) {
                    Some(event) => event,
                    None => continue,
                },
                Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                None => return Ok(()),
            },
            Some(event) = rx.recv() => event,
            _ = ticker.tick() => AppEvent::Tick { now: Utc::now() },
            // SIGTERM is handled like Ctrl-C (raw mode turns Ctrl-C into a key): a running
            // deletion stops after the requests in flight; otherwise the explorer quits
            // and restores the terminal.
            _ = terminate.recv() => AppEvent::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        };
        for effect in app.update(first) {
            quit |= worker.perform(effect);
        }
        // Drain what else is waiting before drawing again.
        for _ in 0..EVENTS_PER_FRAME {
            let Ok(event) = rx.try_recv() else { break };
            for effect in app.update(event) {
                quit |= worker.perform(effect);
            }
        }
    }
    Ok(())
}

/// Terminal events the app cares about.
fn translate(event: Event) -> Option<AppEvent> {
    match event {
        Event::Key(key) => Some(AppEvent::Key(key)),
        Event::Mouse(mouse) => Some(AppEvent::Mouse(mouse)),
        Event::Resize(width, height) => Some(AppEvent::Resize { width, height }),
        _ => None,
    }
}
