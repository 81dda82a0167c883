//! All of the explorer's state, and the one place it changes: [`App::update`] takes an
//! [`AppEvent`] (a key, a tick of the clock, an answer from S3) and returns the
//! [`Effect`]s the runtime must carry out (list, load a preview, delete, stop, quit).
//! Nothing here does I/O or reads the clock, so journeys can be scripted in tests.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::layout::{areas, Areas, TABLE_CHROME};
use super::marks::{Mark, Marks, ToggleRefused};
use super::preview::{build_tree, PreviewData, PreviewState, PreviewStatus};
use super::progress::DeletionState;
use crate::engine::bucket::Versioning;
use crate::engine::deletion::{DeletionEvent, DeletionReport};
use crate::engine::deployment::{Deployment, RootObjects};
use crate::engine::drift::Skipped;
use crate::engine::error::EngineError;
use crate::engine::listing::{Inventory, ListingEvent};
use crate::engine::plan::newest_first;
use crate::engine::rule::{Rule, RuleError};
use crate::format::printable;

/// What the explorer knows before it has talked to S3.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub bucket: String,
    /// `--prefix`, normalised (empty or ending in `/`).
    pub root: String,
    /// The endpoint label; replaced by the resolved one once connected.
    pub endpoint: String,
    pub region: Option<String>,
    /// USD per GB-month (GB = 2^30 bytes) for the estimated saving.
    pub price_per_gb: f64,
    pub audit_path: PathBuf,
    pub log_path: Option<PathBuf>,
    /// Use colours (off with `NO_COLOR`).
    pub color: bool,
}

#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock: the only source of "now" for ages, rates and the spinner.
    Tick {
        now: DateTime<Utc>,
    },
    Connected {
        endpoint: String,
        region: String,
    },
    Versioning(Result<Versioning, EngineError>),
    /// Progress of listing number `generation` (answers to an older listing are ignored).
    Listing {
        generation: u64,
        event: ListingEvent,
    },
    ListingDone {
        generation: u64,
        result: Result<Inventory, EngineError>,
    },
    PreviewLoaded {
        request: u64,
        result: Result<PreviewData, EngineError>,
    },
    /// Just before deleting, the confirmed deployments were checked again: these are
    /// still to delete (with their current sizes), these were left alone and why.
    Rechecked {
        confirmed: Vec<Deployment>,
        skipped: Vec<Skipped>,
    },
    /// Progress of the deletion; indices refer to the `confirmed` list of `Rechecked`.
    Deletion(DeletionEvent),
    DeletionDone(Result<DeletionReport, String>),
    /// A background task panicked: a bug. The explorer quits and reports it.
    TaskFailed(String),
}

/// Work for the runtime; the app never does I/O itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// (Re)list the bucket; events carry `generation`. Cancels a listing in progress.
    StartListing {
        generation: u64,
        /// List every version and delete marker (`--all-versions`, or `V`).
        all_versions: bool,
    },
    LoadPreview {
        request: u64,
        prefix: String,
    },
    CancelPreview,
    /// Delete what the operator confirmed (after checking nothing changed meanwhile).
    StartDeletion(DeletionRequest),
    /// Stop after the requests in flight.
    StopDeletion,
    Quit,
}

/// What the operator confirmed, and what is needed to check it again just before
/// deleting (the bucket may have changed since it was listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRequest {
    /// Exactly the deployments in the confirmation dialog.
    pub targets: Vec<Deployment>,
    /// Names among `targets` that were marked by hand: only checked for changes, not
    /// re-ranked by the rule (the rule would keep them by definition).
    pub by_hand: Vec<String>,
    /// The rule in force when confirming, to re-rank the rule's own marks.
    pub rule: Rule,
    /// Everything that was listed, for the re-ranking.
    pub listed: Vec<Deployment>,
    pub now: DateTime<Utc>,
    /// Delete every version and delete marker, as listed.
    pub all_versions: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Age,
    Size,
    Name,
    Objects,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Age => SortKey::Size,
            SortKey::Size => SortKey::Name,
            SortKey::Name => SortKey::Objects,
            SortKey::Objects => SortKey::Age,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Age => "age",
            SortKey::Size => "size",
            SortKey::Name => "name",
            SortKey::Objects => "objects",
        }
    }

    /// How the unreversed order reads.
    pub fn natural_order(self) -> &'static str {
        match self {
            SortKey::Age => "newest first",
            SortKey::Size => "largest first",
            SortKey::Name => "A→Z",
            SortKey::Objects => "most first",
        }
    }

    pub fn reversed_order(self) -> &'static str {
        match self {
            SortKey::Age => "oldest first",
            SortKey::Size => "smallest first",
            SortKey::Name => "Z→A",
            SortKey::Objects => "fewest first",
        }
    }
}

#[derive(Debug, Clone)]
pub enum VersioningState {
    Unknown,
    Known(Versioning),
    Failed(String),
}

impl VersioningState {
    /// Whether deleting might only add delete markers. Unknown counts as "might".
    pub fn keeps_old_versions(&self) -> Option<bool> {
        match self {
            VersioningState::Known(v) => Some(v.keeps_old_versions()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum ListingState {
    Listing { discovered: Option<usize> },
    Done,
    Failed(EngineError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageKind,
    pub text: String,
}

/// The confirmation dialog: exactly what `y` would delete.
#[derive(Debug, Clone)]
pub struct ConfirmState {
    pub targets: Vec<Deployment>,
    /// Names among the targets that were marked by hand.
    pub manual: Vec<String>,
    pub objects: u64,
    pub bytes: u64,
    /// Targets not shown in the table because of the filter.
    pub hidden_by_filter: usize,
}

#[derive(Debug, Clone)]
pub enum Mode {
    Browse,
    /// Typing the filter (the table stays live underneath).
    Filter,
    Help,
    Preview(PreviewState),
    Confirm(ConfirmState),
    Deleting(DeletionState),
}

/// Totals over every listed deployment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketTotals {
    pub deployments: u64,
    pub objects: u64,
    pub bytes: u64,
}

pub struct App {
    pub info: SessionInfo,
    /// `--all-versions`: sizes count every version and delete marker, and deleting
    /// removes them all (storage is reclaimed even in a versioned bucket).
    pub all_versions: bool,
    pub rule: Rule,
    /// `--keep` was not given: the header says "keep 10 (default)".
    pub keep_is_default: bool,
    pub now: DateTime<Utc>,
    pub width: u16,
    pub height: u16,
    pub versioning: VersioningState,
    pub listing: ListingState,
    pub generation: u64,
    /// The listed deployments, in arrival order; never reordered by sorting.
    pub deployments: Vec<Deployment>,
    by_name: HashMap<String, usize>,
    pub root_objects: RootObjects,
    pub totals: BucketTotals,
    pub marks: Marks,
    pub sort: SortKey,
    pub reverse: bool,
    pub filter: String,
    /// Indices into `deployments`: the filtered, sorted rows of the table.
    pub view: Vec<usize>,
    /// Indices into `deployments`, oldest first: the chart's order.
    pub by_time: Vec<usize>,
    /// Row of the table under the cursor (index into `view`).
    pub cursor: usize,
    /// First row of the table on screen.
    pub offset: usize,
    /// The deployment the operator selected, by name: survives sorting, filtering and
    /// reloading. While it is hidden (filtered out, not listed yet) the cursor stays
    /// near and the name is remembered. `None` until the operator acts or the first
    /// listing ends, so the cursor stays on the top row while the table fills in.
    pub selected: Option<String>,
    pub mode: Mode,
    pub message: Option<Message>,
    /// Set when a background task panicked; the runtime reports it after quitting.
    pub fatal: Option<String>,
    /// New listing data arrived: marks, totals and rows are rebuilt on the next
    /// tick or input, not on every one of thousands of listing events.
    dirty: bool,
    next_request: u64,
}

pub const DEFAULT_KEEP: usize = 10;

impl App {
    pub fn new(info: SessionInfo, rule: Rule, keep_is_default: bool, now: DateTime<Utc>) -> App {
        App {
            info,
            all_versions: false,
            rule,
            keep_is_default,
            now,
            width: 80,
            height: 24,
            versioning: VersioningState::Unknown,
            listing: ListingState::Listing { discovered: None },
            generation: 0,
            deployments: Vec::new(),
            by_name: HashMap::new(),
            root_objects: RootObjects::default(),
            totals: BucketTotals::default(),
            marks: Marks::default(),
            sort: SortKey::Age,
            reverse: false,
            filter: String::new(),
            view: Vec::new(),
            by_time: Vec::new(),
            cursor: 0,
            offset: 0,
            selected: None,
            mode: Mode::Browse,
            message: None,
            fatal: None,
            dirty: false,
            next_request: 0,
        }
    }

    /// The explorer for `--all-versions` (set before the first event).
    pub fn with_all_versions(mut self, all_versions: bool) -> App {
        self.all_versions = all_versions;
        self
    }

    /// The effects to run when the explorer opens: list the bucket.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![self.start_listing()]
    }

    // ----- queries used by the views -------------------------------------------------

    pub fn areas(&self) -> Areas {
        areas(
            Rect::new(0, 0, self.width, self.height),
            self.header_height(),
            self.wants_chart(),
        )
    }

    /// Whether deleting would only add delete markers (a versioned bucket without
    /// `--all-versions`).
    pub fn reclaims_nothing(&self) -> bool {
        !self.all_versions && self.versioning.keeps_old_versions() == Some(true)
    }

    pub fn header_height(&self) -> u16 {
        if self.reclaims_nothing()
            || (self.all_versions && self.versioning.keeps_old_versions() == Some(true))
        {
            5
        } else {
            4
        }
    }

    /// The chart goes with the table, once there is something to draw.
    pub fn wants_chart(&self) -> bool {
        matches!(
            self.mode,
            Mode::Browse | Mode::Filter | Mode::Help | Mode::Confirm(_)
        ) && !self.by_time.is_empty()
            && !matches!(self.listing, ListingState::Failed(_))
    }

    pub fn table_rows(&self) -> usize {
        (self.areas().main.height.saturating_sub(TABLE_CHROME) as usize).max(1)
    }

    pub fn is_listing(&self) -> bool {
        matches!(self.listing, ListingState::Listing { .. })
    }

    /// The deployment under the cursor.
    pub fn current(&self) -> Option<&Deployment> {
        self.view.get(self.cursor).map(|&i| &self.deployments[i])
    }

    pub fn mark_of(&self, deployment: &Deployment) -> Mark {
        self.marks.mark(&deployment.name)
    }

    pub fn time_of(&self, deployment: &Deployment) -> DateTime<Utc> {
        self.rule.age_by().time_of(deployment)
    }

    pub fn deployment(&self, name: &str) -> Option<&Deployment> {
        self.by_name.get(name).map(|&i| &self.deployments[i])
    }

    /// Estimated monthly saving in USD of deleting `bytes` at the configured price.
    pub fn monthly_saving(&self, bytes: u64) -> f64 {
        bytes as f64 / (1u64 << 30) as f64 * self.info.price_per_gb
    }

    /// The rule as the header shows it.
    pub fn rule_text(&self) -> String {
        let text = crate::format::describe_rule(&self.rule);
        if self.keep_is_default {
            let keep = format!("keep {}", self.rule.keep());
            text.replacen(&keep, &format!("{keep} (default)"), 1)
        } else {
            text
        }
    }

    // ----- the one way state changes --------------------------------------------------

    pub fn update(&mut self, event: AppEvent) -> Vec<Effect> {
        let effects = self.apply(event);
        // Whatever changed (mode, header height, rows), the cursor stays on screen.
        self.scroll_into_view();
        effects
    }

    fn apply(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Tick { now } => {
                self.now = now;
                self.settle();
                Vec::new()
            }
            AppEvent::Resize { width, height } => {
                self.width = width;
                self.height = height;
                self.settle();
                self.scroll_into_view();
                Vec::new()
            }
            AppEvent::Connected { endpoint, region } => {
                self.info.endpoint = endpoint;
                self.info.region = Some(region);
                Vec::new()
            }
            AppEvent::Versioning(result) => {
                self.versioning = match result {
                    Ok(v) => VersioningState::Known(v),
                    Err(e) => VersioningState::Failed(e.to_string()),
                };
                self.scroll_into_view();
                Vec::new()
            }
            AppEvent::Listing { generation, event } => {
                if generation == self.generation {
                    self.apply_listing(event);
                }
                Vec::new()
            }
            AppEvent::ListingDone { generation, result } => {
                if generation == self.generation {
                    self.finish_listing(result);
                }
                Vec::new()
            }
            AppEvent::PreviewLoaded { request, result } => {
                if let Mode::Preview(preview) = &mut self.mode {
                    if preview.request == request {
                        preview.status = match result {
                            Ok(data) => PreviewStatus::Loaded {
                                lines: build_tree(&preview.deployment.prefix, &data.objects),
                                shown: data.objects.len(),
                                truncated: data.truncated,
                            },
                            Err(e) => PreviewStatus::Failed(e.to_string()),
                        };
                    }
                }
                Vec::new()
            }
            AppEvent::Rechecked { confirmed, skipped } => {
                if let Mode::Deleting(state) = &mut self.mode {
                    state.rechecked(confirmed, skipped);
                }
                Vec::new()
            }
            AppEvent::Deletion(event) => {
                if let Mode::Deleting(state) = &mut self.mode {
                    state.apply(event);
                }
                Vec::new()
            }
            AppEvent::DeletionDone(result) => self.finish_deletion(result),
            AppEvent::TaskFailed(message) => {
                self.fatal = Some(message);
                vec![Effect::Quit]
            }
            AppEvent::Key(key) => {
                if key.kind != KeyEventKind::Press {
                    return Vec::new();
                }
                self.settle();
                self.message = None;
                self.on_key(key)
            }
            AppEvent::Mouse(mouse) => {
                self.settle();
                self.on_mouse(mouse);
                Vec::new()
            }
        }
    }

    // ----- listing ---------------------------------------------------------------------

    fn start_listing(&mut self) -> Effect {
        self.generation += 1;
        self.listing = ListingState::Listing { discovered: None };
        self.deployments.clear();
        self.by_name.clear();
        self.root_objects = RootObjects::default();
        self.dirty = true;
        self.settle();
        Effect::StartListing {
            generation: self.generation,
            all_versions: self.all_versions,
        }
    }

    fn apply_listing(&mut self, event: ListingEvent) {
        match event {
            ListingEvent::Discovered {
                deployments,
                root_objects,
            } => {
                self.listing = ListingState::Listing {
                    discovered: Some(deployments),
                };
                self.root_objects = root_objects;
            }
            ListingEvent::Listed(deployment) => self.upsert(deployment),
        }
        self.dirty = true;
    }

    fn upsert(&mut self, deployment: Deployment) {
        match self.by_name.get(&deployment.name) {
            Some(&i) => self.deployments[i] = deployment,
            None => {
                self.by_name
                    .insert(deployment.name.clone(), self.deployments.len());
                self.deployments.push(deployment);
            }
        }
    }

    fn finish_listing(&mut self, result: Result<Inventory, EngineError>) {
        match result {
            Ok(inventory) => {
                // The finished inventory is the truth; the events only filled the table early.
                self.deployments = inventory.deployments;
                self.by_name = self
                    .deployments
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (d.name.clone(), i))
                    .collect();
                self.root_objects = inventory.root_objects;
                self.listing = ListingState::Done;
                self.dirty = true;
                self.settle();
                // A selection that is gone for good (deleted) moves to the row now under
                // the cursor; one hidden by the filter is remembered.
                if self.filter.is_empty() {
                    self.commit_cursor();
                }
            }
            Err(error) => {
                self.listing = ListingState::Failed(error);
                self.dirty = true;
                self.settle();
            }
        }
    }

    /// Rebuilds what depends on the listed data if it changed: totals, the rule's marks,
    /// the rows of the table and the chart.
    fn settle(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.totals = BucketTotals {
            deployments: self.deployments.len() as u64,
            objects: self.deployments.iter().map(|d| d.objects).sum(),
            bytes: self.deployments.iter().map(|d| d.bytes).sum(),
        };
        self.marks
            .recompute(&self.deployments, &self.rule, self.now);
        let mut by_time: Vec<usize> = (0..self.deployments.len()).collect();
        let age_by = self.rule.age_by();
        let ds = &self.deployments;
        // Oldest first, ties by name: the chart's left-to-right order.
        by_time.sort_by(|&a, &b| {
            age_by
                .time_of(&ds[a])
                .cmp(&age_by.time_of(&ds[b]))
                .then_with(|| ds[b].name.cmp(&ds[a].name))
        });
        self.by_time = by_time;
        self.rebuild_view(false);
    }

    /// Filters and sorts the rows, then puts the cursor back on the selected deployment
    /// (or, when it is not shown, near where it was; at the top if `to_top`).
    fn rebuild_view(&mut self, to_top: bool) {
        // Where the cursor is on screen, so the selected row stays put while the rows
        // around it re-sort.
        let screen_row = self.cursor.saturating_sub(self.offset);
        let needle = self.filter.to_lowercase();
        let mut view: Vec<usize> = (0..self.deployments.len())
            .filter(|&i| {
                needle.is_empty() || self.deployments[i].name.to_lowercase().contains(&needle)
            })
            .collect();
        let ds = &self.deployments;
        let age_by = self.rule.age_by();
        let by_name = |a: &usize, b: &usize| ds[*a].name.cmp(&ds[*b].name);
        match self.sort {
            SortKey::Age => view.sort_by(|a, b| {
                age_by
                    .time_of(&ds[*b])
                    .cmp(&age_by.time_of(&ds[*a]))
                    .then_with(|| by_name(a, b))
            }),
            SortKey::Size => {
                view.sort_by(|a, b| ds[*b].bytes.cmp(&ds[*a].bytes).then_with(|| by_name(a, b)))
            }
            SortKey::Name => view.sort_by(by_name),
            SortKey::Objects => view.sort_by(|a, b| {
                ds[*b]
                    .objects
                    .cmp(&ds[*a].objects)
                    .then_with(|| by_name(a, b))
            }),
        }
        if self.reverse {
            view.reverse();
        }
        self.view = view;
        let found = self.selected.as_deref().and_then(|name| {
            self.view
                .iter()
                .position(|&i| self.deployments[i].name == name)
        });
        self.cursor = match found {
            Some(position) => position,
            None if to_top => 0,
            None => self.cursor.min(self.view.len().saturating_sub(1)),
        };
        self.offset = self.cursor.saturating_sub(screen_row);
        self.scroll_into_view();
    }

    /// The row under the cursor becomes the selection.
    fn commit_cursor(&mut self) {
        if let Some(name) = self.current().map(|d| d.name.clone()) {
            self.selected = Some(name);
        }
    }

    fn scroll_into_view(&mut self) {
        let rows = self.table_rows();
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + rows {
            self.offset = self.cursor + 1 - rows;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(rows));
    }

    fn move_cursor(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() - 1;
        self.cursor = (self.cursor as isize + delta).clamp(0, last as isize) as usize;
        self.commit_cursor();
        self.scroll_into_view();
    }

    // ----- keys ------------------------------------------------------------------------

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let ctrl_c = ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C'));
        // Ctrl/Alt combinations other than Ctrl-C do nothing: no stray chord may mark,
        // delete or confirm anything.
        if !ctrl_c
            && key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SUPER)
        {
            return Vec::new();
        }
        match &self.mode {
            Mode::Browse => self.browse_key(key.code, ctrl_c),
            Mode::Filter => self.filter_key(key.code, ctrl_c),
            Mode::Help => {
                self.mode = Mode::Browse;
                if ctrl_c {
                    vec![Effect::Quit]
                } else {
                    Vec::new()
                }
            }
            Mode::Preview(_) => self.preview_key(key.code, ctrl_c),
            Mode::Confirm(_) => self.confirm_key(key.code, ctrl_c),
            Mode::Deleting(_) => self.deleting_key(key.code, ctrl_c),
        }
    }

    fn browse_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        if ctrl_c {
            return vec![Effect::Quit];
        }
        let page = self.table_rows() as isize;
        match code {
            KeyCode::Char('q') => return vec![Effect::Quit],
            KeyCode::Esc if !self.filter.is_empty() => self.set_filter(String::new()),
            KeyCode::Esc => return vec![Effect::Quit],
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(1),
            KeyCode::PageUp => self.move_cursor(-page),
            KeyCode::PageDown => self.move_cursor(page),
            KeyCode::Home | KeyCode::Char('g') => self.move_cursor(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => self.move_cursor(isize::MAX / 2),
            KeyCode::Char(' ') => self.toggle_current(),
            KeyCode::Char('a') => self.reset_marks(),
            KeyCode::Char('V') => {
                self.all_versions = !self.all_versions;
                self.info(if self.all_versions {
                    "counting every version and delete marker (V again: current objects only)"
                        .into()
                } else {
                    "counting current objects only (V again: every version)".into()
                });
                return vec![self.start_listing()];
            }
            KeyCode::Char('+') | KeyCode::Char('=') => self.change_keep(1),
            KeyCode::Char('-') => self.change_keep(-1),
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.reverse = false;
                self.rebuild_view(false);
                self.info(format!(
                    "sorted by {}, {}",
                    self.sort.as_str(),
                    self.sort.natural_order()
                ));
            }
            KeyCode::Char('r') => {
                self.reverse = !self.reverse;
                self.rebuild_view(false);
                let order = if self.reverse {
                    self.sort.reversed_order()
                } else {
                    self.sort.natural_order()
                };
                self.info(format!("sorted by {}, {order}", self.sort.as_str()));
            }
            KeyCode::Char('/') => self.mode = Mode::Filter,
            KeyCode::Enter => return self.open_preview(),
            KeyCode::Char('d') => self.ask_to_delete(),
            KeyCode::Char('R') => return vec![self.start_listing()],
            KeyCode::Char('?') => self.mode = Mode::Help,
            _ => {}
        }
        Vec::new()
    }

    fn filter_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        if ctrl_c {
            return vec![Effect::Quit];
        }
        match code {
            KeyCode::Enter => self.mode = Mode::Browse,
            KeyCode::Esc => {
                self.mode = Mode::Browse;
                self.set_filter(String::new());
            }
            KeyCode::Backspace => {
                let mut text = self.filter.clone();
                text.pop();
                self.set_filter(text);
            }
            KeyCode::Up => self.move_cursor(-1),
            KeyCode::Down => self.move_cursor(1),
            KeyCode::Char(c) if !c.is_control() => {
                let text = format!("{}{c}", self.filter);
                self.set_filter(text);
            }
            _ => {}
        }
        Vec::new()
    }

    fn set_filter(&mut self, text: String) {
        let narrowed = !text.is_empty();
        self.filter = text;
        // While narrowing, a hidden selection gives way to the first match; clearing
        // the filter brings the remembered selection back.
        self.rebuild_view(narrowed);
    }

    fn preview_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        if ctrl_c {
            return vec![Effect::Quit];
        }
        let page = self.preview_rows() as isize;
        match code {
            KeyCode::Char('q')
            | KeyCode::Esc
            | KeyCode::Enter
            | KeyCode::Left
            | KeyCode::Char('h') => {
                self.mode = Mode::Browse;
                return vec![Effect::CancelPreview];
            }
            KeyCode::Up | KeyCode::Char('k') => self.scroll_preview(-1),
            KeyCode::Down | KeyCode::Char('j') => self.scroll_preview(1),
            KeyCode::PageUp => self.scroll_preview(-page),
            KeyCode::PageDown => self.scroll_preview(page),
            KeyCode::Home | KeyCode::Char('g') => self.scroll_preview(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => self.scroll_preview(isize::MAX / 2),
            _ => {}
        }
        Vec::new()
    }

    /// Tree lines on screen in the preview: the main area less its border, the summary
    /// line, the column header and the truncation note.
    pub fn preview_rows(&self) -> usize {
        let truncated = matches!(&self.mode, Mode::Preview(p) if matches!(p.status, PreviewStatus::Loaded { truncated: true, .. }));
        (self
            .areas()
            .main
            .height
            .saturating_sub(4 + u16::from(truncated)) as usize)
            .max(1)
    }

    fn scroll_preview(&mut self, delta: isize) {
        let visible = self.preview_rows();
        if let Mode::Preview(preview) = &mut self.mode {
            let max = preview.line_count().saturating_sub(visible.max(1));
            preview.scroll = (preview.scroll as isize + delta).clamp(0, max as isize) as usize;
        }
    }

    fn confirm_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        match code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter if !ctrl_c => {
                let Mode::Confirm(confirm) = std::mem::replace(&mut self.mode, Mode::Browse) else {
                    return Vec::new();
                };
                let request = DeletionRequest {
                    targets: confirm.targets,
                    by_hand: confirm.manual,
                    rule: self.rule.clone(),
                    listed: self.deployments.clone(),
                    now: self.now,
                    all_versions: self.all_versions,
                };
                self.mode = Mode::Deleting(DeletionState::new(
                    self.info.bucket.clone(),
                    request.targets.clone(),
                    self.now,
                ));
                vec![Effect::StartDeletion(request)]
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                self.mode = Mode::Browse;
                self.info("deletion cancelled: nothing was deleted".into());
                Vec::new()
            }
            _ if ctrl_c => {
                self.mode = Mode::Browse;
                self.info("deletion cancelled: nothing was deleted".into());
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn deleting_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        let rows_visible = self.areas().main.height.saturating_sub(8).max(1) as isize;
        let Mode::Deleting(state) = &mut self.mode else {
            return Vec::new();
        };
        let scroll = |state: &mut DeletionState, delta: isize| {
            let max = state.rows.len().saturating_sub(rows_visible as usize);
            state.scroll = (state.scroll as isize + delta).clamp(0, max as isize) as usize;
        };
        match code {
            KeyCode::Up | KeyCode::Char('k') => scroll(state, -1),
            KeyCode::Down | KeyCode::Char('j') => scroll(state, 1),
            KeyCode::PageUp => scroll(state, -rows_visible),
            KeyCode::PageDown => scroll(state, rows_visible),
            _ if state.is_running() => {
                let stop_key = ctrl_c || matches!(code, KeyCode::Esc | KeyCode::Char('q'));
                if stop_key && !state.stop_requested {
                    state.stop_requested = true;
                    self.message = Some(Message {
                        kind: MessageKind::Warn,
                        text: "stopping after the requests in flight…".into(),
                    });
                    return vec![Effect::StopDeletion];
                }
                if ctrl_c {
                    // A second Ctrl-C while stopping: the operator insists.
                    return vec![Effect::Quit];
                }
            }
            KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q') if !ctrl_c => {
                self.mode = Mode::Browse;
            }
            _ if ctrl_c => return vec![Effect::Quit],
            _ => {}
        }
        Vec::new()
    }

    // ----- mouse -----------------------------------------------------------------------

    fn on_mouse(&mut self, mouse: MouseEvent) {
        let delta = match mouse.kind {
            MouseEventKind::ScrollDown => 3,
            MouseEventKind::ScrollUp => -3,
            MouseEventKind::Down(MouseButton::Left) => {
                self.click(mouse.column, mouse.row);
                return;
            }
            _ => return,
        };
        match self.mode {
            Mode::Browse | Mode::Filter => self.move_cursor(delta),
            Mode::Preview(_) => self.scroll_preview(delta),
            Mode::Deleting(ref mut state) => {
                state.scroll = (state.scroll as isize + delta)
                    .clamp(0, state.rows.len().saturating_sub(1) as isize)
                    as usize;
            }
            Mode::Help | Mode::Confirm(_) => {}
        }
    }

    fn click(&mut self, column: u16, row: u16) {
        if !matches!(self.mode, Mode::Browse | Mode::Filter) {
            return;
        }
        let main = self.areas().main;
        let body_top = main.y + TABLE_CHROME;
        if column < main.x || column >= main.right() || row < body_top || row >= main.bottom() {
            return;
        }
        let index = self.offset + (row - body_top) as usize;
        if index < self.view.len() {
            self.cursor = index;
            self.commit_cursor();
        }
    }

    // ----- actions ---------------------------------------------------------------------

    fn info(&mut self, text: String) {
        self.message = Some(Message {
            kind: MessageKind::Info,
            text,
        });
    }

    fn warn(&mut self, text: String) {
        self.message = Some(Message {
            kind: MessageKind::Warn,
            text,
        });
    }

    fn toggle_current(&mut self) {
        let Some(deployment) = self.current().cloned() else {
            return;
        };
        self.commit_cursor();
        let name = printable(&deployment.name).into_owned();
        match self.marks.toggle(&deployment) {
            Ok(mark) => {
                let text = match mark {
                    Mark::ManualDelete(_) => format!("{name} marked for deletion by hand"),
                    Mark::ManualKeep => format!("{name} un-marked by hand: it will be kept"),
                    Mark::RuleDelete => format!("{name} marked again, as the rule says"),
                    _ => format!("{name} un-marked, as the rule says"),
                };
                self.info(text);
            }
            Err(ToggleRefused::Protected) => self.warn(format!(
                "{name} is protected by --protect and is never deleted; to delete it, start s3prune without that --protect"
            )),
        }
    }

    fn reset_marks(&mut self) {
        let dropped = self.marks.reset(&self.deployments);
        self.info(match dropped {
            0 => "marks are as the rule says (no manual changes)".into(),
            n => format!(
                "marks reset to the rule: {n} manual change{} dropped",
                if n == 1 { "" } else { "s" }
            ),
        });
    }

    fn change_keep(&mut self, delta: isize) {
        let keep = self.rule.keep();
        if delta < 0 && keep == 0 {
            self.warn("keep is already 0".into());
            return;
        }
        let unprotected = self
            .deployments
            .iter()
            .filter(|d| !self.rule.is_protected(&d.name))
            .count();
        if delta > 0 && !self.is_listing() && keep >= unprotected {
            self.warn(format!(
                "keep {keep} already keeps all {unprotected} unprotected deployments"
            ));
            return;
        }
        let new_keep = (keep as isize + delta).max(0) as usize;
        match self.rule.with_keep(new_keep) {
            Ok(rule) => {
                self.rule = rule;
                self.keep_is_default = false;
                self.marks.recompute(&self.deployments, &self.rule, self.now);
                let marked = self.marks.totals().deployments;
                self.info(format!("keep {new_keep}: {marked} deployment{} marked for deletion", if marked == 1 { "" } else { "s" }));
            }
            Err(RuleError::KeepZeroWithoutAge) => self.warn(
                "keep 0 would delete every deployment; start s3prune with --older-than DUR to allow it".into(),
            ),
            Err(other) => self.warn(other.to_string()),
        }
    }

    fn open_preview(&mut self) -> Vec<Effect> {
        let Some(deployment) = self.current().cloned() else {
            return Vec::new();
        };
        self.commit_cursor();
        self.next_request += 1;
        let request = self.next_request;
        let prefix = deployment.prefix.clone();
        self.mode = Mode::Preview(PreviewState {
            request,
            deployment,
            status: PreviewStatus::Loading,
            scroll: 0,
        });
        vec![Effect::LoadPreview { request, prefix }]
    }

    fn ask_to_delete(&mut self) {
        match &self.listing {
            ListingState::Listing { .. } => {
                self.warn("still listing: deleting waits until every deployment is listed (the rule needs them all)".into());
                return;
            }
            ListingState::Failed(_) => {
                self.warn("the listing failed: press R to list again before deleting".into());
                return;
            }
            ListingState::Done => {}
        }
        let mut targets: Vec<Deployment> = self
            .deployments
            .iter()
            .filter(|d| self.marks.is_marked(&d.name))
            .cloned()
            .collect();
        if targets.is_empty() {
            self.info("nothing is marked for deletion (space marks the selected row)".into());
            return;
        }
        let age_by = self.rule.age_by();
        newest_first(&mut targets, |d| age_by.time_of(d), |d| &d.name);
        let visible: std::collections::HashSet<usize> = self.view.iter().copied().collect();
        let hidden_by_filter = targets
            .iter()
            .filter(|d| !visible.contains(&self.by_name[&d.name]))
            .count();
        let manual = targets
            .iter()
            .filter(|d| matches!(self.marks.mark(&d.name), Mark::ManualDelete(_)))
            .map(|d| d.name.clone())
            .collect();
        self.mode = Mode::Confirm(ConfirmState {
            objects: targets.iter().map(|d| d.objects).sum(),
            bytes: targets.iter().map(|d| d.bytes).sum(),
            targets,
            manual,
            hidden_by_filter,
        });
    }

    fn finish_deletion(&mut self, result: Result<DeletionReport, String>) -> Vec<Effect> {
        let Mode::Deleting(state) = &mut self.mode else {
            return Vec::new();
        };
        state.finish(result, self.now);
        self.marks.forget_manual_marks(&self.deployments);
        // The bucket changed: list it again while the report is on screen.
        vec![self.start_listing()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_cycle_through_all_four() {
        let mut key = SortKey::Age;
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(key.as_str());
            key = key.next();
        }
        assert_eq!(seen, ["age", "size", "name", "objects"]);
        assert_eq!(key, SortKey::Age);
    }
}
