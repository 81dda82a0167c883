//! What the keys do: marking, the rule, the preview, asking to delete.

use super::{
    App, ConfirmState, DeletionRequest, Effect, ListingState, Message, MessageKind, Mode,
    PlanToWrite, VersioningState,
};
use crate::engine::deletion::DeletionReport;
use crate::engine::deployment::Deployment;
use crate::engine::live::LiveSet;
use crate::engine::plan::{newest_first, Action as PlanAction, Plan, PlanEntry, Reason};
use crate::engine::rule::RuleError;
use crate::format::printable;
use crate::tui::marks::Mark;
use crate::tui::marks::ToggleRefused;
use crate::tui::preview::{PreviewState, PreviewStatus};
use crate::tui::progress::DeletionState;
use crate::tui::words::plural_ending;

impl App {
    pub(super) fn info(&mut self, text: String) {
        self.message = Some(Message {
            kind: MessageKind::Info,
            text,
        });
    }

    pub(super) fn warn(&mut self, text: String) {
        self.message = Some(Message {
            kind: MessageKind::Warn,
            text,
        });
    }

    pub(super) fn toggle_current(&mut self) {
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
            Err(ToggleRefused::Live) => self.warn(format!(
                "{name} is live ({}): it cannot be marked for deletion",
                why_live(&self.live, &deployment.name)
            )),
        }
    }

    pub(super) fn reset_marks(&mut self) {
        let dropped = self.marks.reset(&self.deployments);
        self.info(match dropped {
            0 => "marks are as the rule says (no manual changes)".into(),
            n => format!(
                "marks reset to the rule: {n} manual change{} dropped",
                plural_ending(n as u64)
            ),
        });
    }

    pub(super) fn change_keep(&mut self, delta: isize) {
        let keep = self.rule.keep();
        if delta < 0 && keep == 0 {
            self.warn("keep is already 0".into());
            return;
        }
        // Protected deployments, alias folders and undated names take no place among the N.
        let age_by = self.rule.age_by();
        let unprotected: Vec<&Deployment> = self
            .deployments
            .iter()
            .filter(|d| !self.rule.is_protected(&d.name))
            .collect();
        let ranked = unprotected
            .iter()
            .filter(|d| !self.live.is_alias(&d.name) && age_by.dated(d).is_some())
            .count();
        if delta > 0 && !self.is_listing() && keep >= ranked {
            let what = if ranked == unprotected.len() {
                "unprotected deployments"
            } else {
                "deployments it ranks (alias folders and undated ones are kept anyway)"
            };
            self.warn(format!("keep {keep} already keeps all {ranked} {what}"));
            return;
        }
        let new_keep = (keep as isize + delta).max(0) as usize;
        match self.rule.with_keep(new_keep) {
            Ok(rule) => {
                self.rule = rule;
                self.keep_is_default = false;
                self.marks
                    .recompute(&self.deployments, &self.rule, &self.live, self.now);
                let marked = self.marks.totals().deployments;
                self.info(format!("keep {new_keep}: {marked} deployment{} marked for deletion", plural_ending(marked)));
            }
            Err(RuleError::KeepZeroWithoutAge) => self.warn(
                "keep 0 would delete every deployment; start s3prune with --older-than DUR to allow it".into(),
            ),
            Err(other) => self.warn(other.to_string()),
        }
    }

    pub(super) fn open_preview(&mut self) -> Vec<Effect> {
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

    pub(super) fn ask_to_delete(&mut self) {
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

    /// The marks as a plan (what `d` would delete, and why each row is kept), for a
    /// reviewed plan file.
    pub(super) fn write_plan(&mut self) -> Vec<Effect> {
        if !matches!(self.listing, ListingState::Done) {
            self.warn("a plan is written once the whole bucket is listed".into());
            return Vec::new();
        }
        let VersioningState::Known(versioning) = self.versioning.clone() else {
            self.warn(
                "the bucket's versioning status is not known yet; try again in a moment".into(),
            );
            return Vec::new();
        };
        let mut entries: Vec<PlanEntry> = self
            .deployments
            .iter()
            .map(|deployment| {
                let (action, reason) = match self.marks.mark(&deployment.name) {
                    Mark::RuleDelete => (PlanAction::Delete, Reason::OutsideKeep),
                    Mark::ManualDelete(_) => (PlanAction::Delete, Reason::Manual),
                    Mark::ManualKeep => (PlanAction::Keep, Reason::Manual),
                    Mark::Protected => (PlanAction::Keep, Reason::Protected),
                    Mark::RuleKeep(reason) | Mark::Live(reason) => (PlanAction::Keep, reason),
                };
                PlanEntry {
                    deployment: deployment.clone(),
                    action,
                    reason,
                    live_from: self.live.sources(&deployment.name).to_vec(),
                }
            })
            .collect();
        let age_by = self.rule.age_by();
        newest_first(
            &mut entries,
            |e| age_by.time_of(&e.deployment),
            |e| &e.deployment.name,
        );
        vec![Effect::WritePlan(Box::new(PlanToWrite {
            plan: Plan {
                entries,
                warnings: self.live.warnings().to_vec(),
            },
            rule: self.rule.clone(),
            root_objects: self.root_objects.clone(),
            versioning,
            now: self.now,
            all_versions: self.all_versions,
            digests: self.digests.clone(),
        }))]
    }

    pub(super) fn next_sort(&mut self) {
        self.sort = self.sort.next();
        self.reverse = false;
        self.rebuild_view(false);
        self.info(format!(
            "sorted by {}, {}",
            self.sort.as_str(),
            self.sort.natural_order()
        ));
    }

    pub(super) fn reverse_sort(&mut self) {
        self.reverse = !self.reverse;
        self.rebuild_view(false);
        let order = if self.reverse {
            self.sort.reversed_order()
        } else {
            self.sort.natural_order()
        };
        self.info(format!("sorted by {}, {order}", self.sort.as_str()));
    }

    pub(super) fn toggle_all_versions(&mut self) -> Vec<Effect> {
        self.all_versions = !self.all_versions;
        self.info(if self.all_versions {
            "counting every version and delete marker (V again: current objects only)".into()
        } else {
            "counting current objects only (V again: every version)".into()
        });
        vec![self.start_listing()]
    }

    /// Opens the next (`step` 1) or previous (-1) target of the policy file: its bucket,
    /// rule and live options, listed afresh. Marks, filter and selection start over.
    pub(super) fn switch_target(&mut self, step: isize) -> Vec<Effect> {
        let count = self.targets.len();
        if count < 2 {
            self.info(
                "one target only: a --config file with several [[target]] tables lets t/T switch"
                    .into(),
            );
            return Vec::new();
        }
        let index = (self.target as isize + step).rem_euclid(count as isize) as usize;
        let next = self.targets[index].clone();
        let mut fresh = App::new(next.info, next.rule, next.keep_is_default, self.now)
            .with_all_versions(next.all_versions);
        fresh.width = self.width;
        fresh.height = self.height;
        // Answers to the old target's listing and preview must stay stale.
        fresh.generation = self.generation;
        fresh.next_request = self.next_request;
        fresh.targets = std::mem::take(&mut self.targets);
        fresh.target = index;
        *self = fresh;
        self.info(format!(
            "target {} ({} of {count})",
            printable(&next.name),
            index + 1
        ));
        vec![Effect::SwitchTarget(index), self.start_listing()]
    }

    /// Leaves the current screen: the filter, then the explorer (table); the preview;
    /// the deletion's report.
    pub(super) fn back(&mut self) -> Vec<Effect> {
        match self.mode {
            Mode::Browse if !self.filter.is_empty() => self.set_filter(String::new()),
            Mode::Browse => return vec![Effect::Quit],
            Mode::Preview(_) => {
                self.mode = Mode::Browse;
                return vec![Effect::CancelPreview];
            }
            _ => self.mode = Mode::Browse,
        }
        Vec::new()
    }

    pub(super) fn confirm_deletion(&mut self) -> Vec<Effect> {
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

    pub(super) fn cancel_deletion(&mut self) {
        self.mode = Mode::Browse;
        self.info("deletion cancelled: nothing was deleted".into());
    }

    pub(super) fn stop_deletion(&mut self) -> Vec<Effect> {
        let Mode::Deleting(state) = &mut self.mode else {
            return Vec::new();
        };
        state.stop_requested = true;
        self.warn("stopping after the requests in flight…".into());
        vec![Effect::StopDeletion]
    }

    pub(super) fn finish_deletion(
        &mut self,
        result: Result<DeletionReport, String>,
    ) -> Vec<Effect> {
        let Mode::Deleting(state) = &mut self.mode else {
            return Vec::new();
        };
        state.finish(result, self.now);
        self.marks.forget_manual_marks(&self.deployments);
        // The bucket changed: list it again while the report is on screen.
        vec![self.start_listing()]
    }
}

/// What makes `name` live, for people: `named by current.txt`, `the same files as
/// current/`, `the --live-alias folder`.
fn why_live(live: &LiveSet, name: &str) -> String {
    let mut pointers = Vec::new();
    let mut copies = Vec::new();
    let mut is_alias = false;
    for source in live.sources(name) {
        match alias_of(live, source) {
            Some(alias) if alias == name => is_alias = true,
            Some(alias) => copies.push(format!("{}/", printable(alias))),
            None => pointers.push(printable(source).into_owned()),
        }
    }
    let mut parts = Vec::new();
    if !pointers.is_empty() {
        parts.push(format!("named by {}", pointers.join(", ")));
    }
    if !copies.is_empty() {
        parts.push(format!("the same files as {}", copies.join(", ")));
    }
    if is_alias {
        parts.push("the --live-alias folder".to_string());
    }
    parts.join("; ")
}

/// The alias folder a source label (`alias NAME/`) stands for; `None` for a pointer.
fn alias_of<'a>(live: &LiveSet, source: &'a str) -> Option<&'a str> {
    source
        .strip_prefix("alias ")
        .and_then(|s| s.strip_suffix('/'))
        .filter(|alias| live.is_alias(alias))
}
