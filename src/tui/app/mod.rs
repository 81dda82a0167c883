//! All of the explorer's state, and the one place it changes: [`App::update`] takes an
//! [`AppEvent`] (a key, a tick of the clock, an answer from S3) and returns the
//! [`Effect`]s the runtime must carry out (list, load a preview, delete, stop, quit).
//! Nothing here does I/O or reads the clock, so journeys can be scripted in tests.
//!
//! `state` holds the types, `rows` the listed deployments and the table's rows (views
//! over them), `navigation` the cursor and scrolling; `input` and `mouse` turn events
//! into `actions`.

mod actions;
mod input;
mod mouse;
mod navigation;
mod rows;
mod state;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEventKind;
use ratatui::layout::Rect;

pub use self::state::*;
use super::keys::Scope;
use super::layout::{areas, table_body, Areas};
use super::marks::{Mark, Marks};
use super::preview::{build_tree, PreviewStatus};
use crate::engine::cost::{CostTotals, PriceTable};
use crate::engine::deployment::{Deployment, RootObjects};
use crate::engine::live::LiveSet;
use crate::engine::rule::Rule;

pub struct App {
    pub info: SessionInfo,
    /// `--all-versions`: sizes count every version and delete marker, and deleting
    /// removes them all (storage is reclaimed even in a versioned bucket).
    pub all_versions: bool,
    pub rule: Rule,
    /// `--keep` was not given: the header says "keep 10 (default)".
    keep_is_default: bool,
    pub now: DateTime<Utc>,
    pub width: u16,
    pub height: u16,
    pub versioning: VersioningState,
    pub listing: ListingState,
    generation: u64,
    /// The listed deployments, in arrival order; never reordered by sorting.
    pub deployments: Vec<Deployment>,
    by_name: HashMap<String, usize>,
    pub root_objects: RootObjects,
    /// The live deployments found by the last successful listing. Kept while the bucket
    /// is listed again (and when that fails), so what was live stays unmarkable.
    pub live: LiveSet,
    /// Each deployment's digest from the last successful listing (for `w`).
    digests: HashMap<String, String>,
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
    selected: Option<String>,
    pub mode: Mode,
    pub message: Option<Message>,
    /// Set when a background task panicked; the runtime reports it after quitting.
    pub fatal: Option<String>,
    /// New listing data arrived: marks, totals and rows are rebuilt on the next
    /// tick or input, not on every one of thousands of listing events.
    dirty: bool,
    next_request: u64,
    /// The policy file's targets (empty without one); `t`/`T` switch between them.
    pub targets: Vec<TargetSession>,
    /// Index into `targets` of the one on screen.
    pub target: usize,
}

pub const DEFAULT_KEEP: usize = 10;

/// Warnings about live deployments shown in the header, one line each; more are summed
/// up in one line.
pub const MAX_LIVE_WARNINGS: usize = 2;

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
            live: LiveSet::default(),
            digests: HashMap::new(),
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
            targets: Vec::new(),
            target: 0,
        }
    }

    /// The explorer over a policy file's targets, opened on the first (set before the
    /// first event).
    pub fn with_targets(mut self, targets: Vec<TargetSession>) -> App {
        self.targets = targets;
        self
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
        crate::operations::deletion_cost::reclaims_nothing(
            self.all_versions,
            self.versioning.keeps_old_versions() == Some(true),
        )
    }

    /// The header's lines, top to bottom: the header draws exactly these, and its height
    /// is their number.
    pub fn header_lines(&self) -> Vec<HeaderLine> {
        let mut lines = vec![HeaderLine::Title];
        if self.targets.len() > 1 {
            lines.push(HeaderLine::Target);
        }
        lines.push(HeaderLine::Rule);
        if !self.live.is_empty() {
            lines.push(HeaderLine::Live);
        }
        let warnings = self.live.warnings().len();
        if warnings > MAX_LIVE_WARNINGS {
            lines.push(HeaderLine::LiveWarning(0));
            lines.push(HeaderLine::MoreLiveWarnings(warnings - 1));
        } else {
            lines.extend((0..warnings).map(HeaderLine::LiveWarning));
        }
        lines.extend([HeaderLine::Bucket, HeaderLine::Marked]);
        if self.reclaims_nothing() {
            lines.push(HeaderLine::ReclaimsNothing);
        } else if self.all_versions && self.versioning.keeps_old_versions() == Some(true) {
            lines.push(HeaderLine::RemovesEveryVersion);
        }
        lines
    }

    pub fn header_height(&self) -> u16 {
        self.header_lines().len() as u16
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
        (table_body(self.areas().main).height as usize).max(1)
    }

    /// Where the explorer is, as far as keys and their hints are concerned.
    pub fn scope(&self) -> Scope {
        match &self.mode {
            Mode::Browse if matches!(self.listing, ListingState::Failed(_)) => Scope::ListingFailed,
            Mode::Browse => Scope::Browse,
            Mode::Filter => Scope::Filter,
            Mode::Help => Scope::Help,
            Mode::Preview(_) => Scope::Preview,
            Mode::Confirm(_) => Scope::Confirm,
            Mode::Deleting(state) if state.is_running() && !state.stop_requested => Scope::Deleting,
            Mode::Deleting(state) if state.is_running() => Scope::Stopping,
            Mode::Deleting(_) => Scope::Deleted,
        }
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

    /// Storage prices per class, STANDARD at `--price-per-gb`.
    pub fn prices(&self) -> PriceTable {
        PriceTable::us_east_1().with_standard(self.info.price_per_gb)
    }

    /// What the marked deployments cost per month (the saving), what deleting them now
    /// would charge early, and their incomplete uploads.
    /// In a versioned bucket a plain delete removes no bytes: it saves and is charged
    /// nothing, and only the uploads go.
    pub fn marked_cost(&self) -> CostTotals {
        let marked = self.marks.totals();
        let cost = self.prices().of(&marked.storage, marked.incomplete_uploads);
        crate::operations::deletion_cost::deletion_cost(cost, self.reclaims_nothing())
    }

    /// Incomplete multipart uploads under every listed deployment.
    pub fn incomplete_uploads(&self) -> u64 {
        self.deployments.iter().map(|d| d.incomplete_uploads).sum()
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
            AppEvent::UploadsAborted { aborted, problem } => {
                if let Mode::Deleting(state) = &mut self.mode {
                    state.aborted_uploads = aborted;
                    state.uploads_problem = problem;
                }
                Vec::new()
            }
            AppEvent::DeletionDone(result) => self.finish_deletion(result),
            AppEvent::PlanWritten(Ok(path)) => {
                let endpoint = if self.info.endpoint.starts_with("AWS S3") {
                    String::new()
                } else {
                    format!(" --endpoint-url {}", self.info.endpoint)
                };
                self.info(format!(
                    "wrote the marks to {path}; apply them with: s3prune prune --plan {path}{endpoint}"
                ));
                Vec::new()
            }
            AppEvent::PlanWritten(Err(error)) => {
                self.warn(error);
                Vec::new()
            }
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
}
