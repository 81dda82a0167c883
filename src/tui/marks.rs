//! Which deployments are marked for deletion: the rule's plan gives the default verdict,
//! the operator's manual marks and un-marks are kept apart (by name) and win over it.
//! Totals of what the marks would delete are kept up to date on every change. Live
//! deployments are never marked: neither the rule nor the operator can.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::engine::cost::StorageTally;
use crate::engine::deployment::Deployment;
use crate::engine::live::LiveSet;
use crate::engine::plan::{Action, Plan, Reason};
use crate::engine::rule::Rule;

/// A row's verdict as shown in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The rule deletes it (`outside-keep`).
    RuleDelete,
    /// The rule keeps it for this reason (`newest-n`, `younger-than`).
    RuleKeep(Reason),
    /// `--protect` matches: never deleted, cannot be marked.
    Protected,
    /// Live (named by a pointer, or an alias folder or its copy): never deleted, cannot
    /// be marked. The rule's reason for keeping it (`live`, `newest-n`, `protected`).
    Live(Reason),
    /// Marked by hand although the rule keeps it (the rule's reason).
    ManualDelete(Reason),
    /// Un-marked by hand although the rule deletes it.
    ManualKeep,
}

impl Mark {
    pub fn deletes(self) -> bool {
        matches!(self, Mark::RuleDelete | Mark::ManualDelete(_))
    }

    pub fn is_manual(self) -> bool {
        matches!(self, Mark::ManualDelete(_) | Mark::ManualKeep)
    }
}

/// What the current marks would delete.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MarkTotals {
    pub deployments: u64,
    pub objects: u64,
    pub bytes: u64,
    /// Rows whose verdict differs from the rule because of a manual mark or un-mark.
    pub manual: u64,
    /// The marked deployments' bytes per storage class (what the saving is priced from).
    pub storage: StorageTally,
    pub incomplete_uploads: u64,
}

impl MarkTotals {
    fn add(&mut self, d: &Deployment) {
        self.deployments += 1;
        self.objects += d.objects;
        self.bytes += d.bytes;
        self.storage.merge(*d.storage);
        self.incomplete_uploads += d.incomplete_uploads;
    }

    fn remove(&mut self, d: &Deployment) {
        self.deployments -= 1;
        self.objects -= d.objects;
        self.bytes -= d.bytes;
        self.storage.unmerge(*d.storage);
        self.incomplete_uploads -= d.incomplete_uploads;
    }
}

/// Why a toggle was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToggleRefused {
    Protected,
    Live,
}

/// The rule's verdict on one deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RuleVerdict {
    action: Action,
    reason: Reason,
    live: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// The rule's verdict per deployment name.
    rule: HashMap<String, RuleVerdict>,
    /// The operator's wish per name: `true` delete, `false` keep. Kept across rule
    /// changes and reloads (the operator's intent); only `reset` clears them all.
    overrides: HashMap<String, bool>,
    totals: MarkTotals,
}

impl Marks {
    /// Applies the rule to `deployments` afresh (after a rule change or new listing data)
    /// and recounts the totals. Manual overrides stay, except marks by hand on deployments
    /// that are live now: those are dropped (not just outvoted) so that they cannot come
    /// back if a later listing stops finding the pointer. Returns their names.
    pub fn recompute(
        &mut self,
        deployments: &[Deployment],
        rule: &Rule,
        live: &LiveSet,
        now: DateTime<Utc>,
    ) -> Vec<String> {
        // Re-judged in place: the names are only copied for deployments new to the map.
        for verdict in Plan::verdicts(deployments, rule, live, now) {
            let name = deployments[verdict.index].name.as_str();
            let judged = RuleVerdict {
                action: verdict.action,
                reason: verdict.reason,
                live: !live.sources(name).is_empty(),
            };
            match self.rule.get_mut(name) {
                Some(known) => *known = judged,
                None => {
                    self.rule.insert(name.to_string(), judged);
                }
            }
        }
        if self.rule.len() > deployments.len() {
            let present: std::collections::HashSet<&str> =
                deployments.iter().map(|d| d.name.as_str()).collect();
            self.rule.retain(|name, _| present.contains(name.as_str()));
        }
        let mut dropped: Vec<String> = self
            .overrides
            .iter()
            .filter(|&(name, &delete)| delete && self.rule.get(name).is_some_and(|v| v.live))
            .map(|(name, _)| name.clone())
            .collect();
        dropped.sort();
        for name in &dropped {
            self.overrides.remove(name);
        }
        self.recount(deployments);
        dropped
    }

    fn recount(&mut self, deployments: &[Deployment]) {
        let mut totals = MarkTotals::default();
        for d in deployments {
            let mark = self.mark(&d.name);
            if mark.deletes() {
                totals.add(d);
            }
            if mark.is_manual() {
                totals.manual += 1;
            }
        }
        self.totals = totals;
    }

    /// The verdict for `name`. A name the rule has not seen yet (still being listed)
    /// reads as kept.
    pub fn mark(&self, name: &str) -> Mark {
        let Some(&RuleVerdict {
            action,
            reason,
            live,
        }) = self.rule.get(name)
        else {
            return match self.overrides.get(name) {
                Some(true) => Mark::ManualDelete(Reason::NewestN),
                _ => Mark::RuleKeep(Reason::NewestN),
            };
        };
        if live {
            return Mark::Live(reason);
        }
        if reason == Reason::Protected {
            return Mark::Protected;
        }
        let rule_deletes = action == Action::Delete;
        match (rule_deletes, self.overrides.get(name)) {
            (true, Some(false)) => Mark::ManualKeep,
            (true, _) => Mark::RuleDelete,
            (false, Some(true)) => Mark::ManualDelete(reason),
            (false, _) => Mark::RuleKeep(reason),
        }
    }

    pub fn is_marked(&self, name: &str) -> bool {
        self.mark(name).deletes()
    }

    /// Flips the verdict of one deployment by hand. Protected and live deployments are
    /// refused: `--protect` is a promise that nothing deletes them, not even a stray key
    /// press, and deleting a live deployment takes the site down.
    pub fn toggle(&mut self, deployment: &Deployment) -> Result<Mark, ToggleRefused> {
        let before = self.mark(&deployment.name);
        match before {
            Mark::Protected => return Err(ToggleRefused::Protected),
            Mark::Live(_) => return Err(ToggleRefused::Live),
            _ => {}
        }
        let wish = !before.deletes();
        let rule_deletes = matches!(
            self.rule.get(&deployment.name),
            Some(RuleVerdict {
                action: Action::Delete,
                ..
            })
        );
        if wish == rule_deletes {
            self.overrides.remove(&deployment.name);
        } else {
            self.overrides.insert(deployment.name.clone(), wish);
        }
        let after = self.mark(&deployment.name);
        self.adjust(deployment, before, after);
        Ok(after)
    }

    fn adjust(&mut self, d: &Deployment, before: Mark, after: Mark) {
        let t = &mut self.totals;
        if before.deletes() && !after.deletes() {
            t.remove(d);
        } else if !before.deletes() && after.deletes() {
            t.add(d);
        }
        match (before.is_manual(), after.is_manual()) {
            (false, true) => t.manual += 1,
            (true, false) => t.manual -= 1,
            _ => {}
        }
    }

    /// Drops every manual mark and un-mark: back to what the rule says. Returns how many
    /// overrides there were.
    pub fn reset(&mut self, deployments: &[Deployment]) -> usize {
        let dropped = self.overrides.len();
        self.overrides.clear();
        self.recount(deployments);
        dropped
    }

    /// After a deletion: manual marks (which add deletions) are spent; manual un-marks
    /// (which spare deployments) stay, so a reload never re-exposes a row the operator
    /// chose to keep.
    pub fn forget_manual_marks(&mut self, deployments: &[Deployment]) {
        self.overrides.retain(|_, delete| !*delete);
        self.recount(deployments);
    }

    pub fn totals(&self) -> MarkTotals {
        self.totals
    }

    /// Number of manual overrides stored (including ones that currently agree with the rule).
    pub fn override_count(&self) -> usize {
        self.overrides.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::deployment::AgeBy;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    fn dep(name: &str, days: i64, bytes: u64) -> Deployment {
        Deployment {
            name: name.into(),
            prefix: format!("{name}/"),
            objects: 2,
            bytes,
            newest: now() - chrono::Duration::days(days),
            oldest: now() - chrono::Duration::days(days),
            storage: Default::default(),
            incomplete_uploads: 0,
        }
    }

    fn rule(keep: usize) -> Rule {
        Rule::new(keep, None, vec!["current".into()], AgeBy::Newest).unwrap()
    }

    #[test]
    fn overrides_win_and_totals_follow() {
        let ds = vec![
            dep("a", 1, 10),
            dep("b", 2, 20),
            dep("c", 3, 40),
            dep("current", 9, 5),
        ];
        let mut marks = Marks::default();
        marks.recompute(&ds, &rule(1), &LiveSet::default(), now());
        assert_eq!(marks.mark("a"), Mark::RuleKeep(Reason::NewestN));
        assert_eq!(marks.mark("b"), Mark::RuleDelete);
        assert_eq!(marks.mark("current"), Mark::Protected);
        assert_eq!(
            marks.totals(),
            MarkTotals {
                deployments: 2,
                objects: 4,
                bytes: 60,
                manual: 0,
                ..MarkTotals::default()
            }
        );

        assert_eq!(marks.toggle(&ds[1]), Ok(Mark::ManualKeep));
        assert_eq!(
            marks.toggle(&ds[0]),
            Ok(Mark::ManualDelete(Reason::NewestN))
        );
        assert_eq!(
            marks.totals(),
            MarkTotals {
                deployments: 2,
                objects: 4,
                bytes: 50,
                manual: 2,
                ..MarkTotals::default()
            }
        );
        assert_eq!(marks.toggle(&ds[3]), Err(ToggleRefused::Protected));

        // A rule change keeps the operator's intent.
        marks.recompute(&ds, &rule(3), &LiveSet::default(), now());
        assert_eq!(marks.mark("b"), Mark::RuleKeep(Reason::NewestN));
        assert_eq!(marks.mark("a"), Mark::ManualDelete(Reason::NewestN));
        assert_eq!(marks.totals().deployments, 1);

        assert_eq!(marks.reset(&ds), 2);
        assert_eq!(marks.totals(), MarkTotals::default());
    }

    #[test]
    fn toggling_twice_is_a_no_op() {
        let ds = vec![dep("a", 1, 10), dep("b", 2, 20)];
        let mut marks = Marks::default();
        marks.recompute(&ds, &rule(1), &LiveSet::default(), now());
        let before = marks.totals();
        marks.toggle(&ds[1]).unwrap();
        marks.toggle(&ds[1]).unwrap();
        assert_eq!(marks.totals(), before);
        assert_eq!(marks.override_count(), 0);
    }

    #[test]
    fn after_a_deletion_marks_are_spent_but_unmarks_stay() {
        let ds = vec![dep("a", 1, 10), dep("b", 2, 20), dep("c", 3, 30)];
        let mut marks = Marks::default();
        marks.recompute(&ds, &rule(1), &LiveSet::default(), now());
        marks.toggle(&ds[0]).unwrap(); // manual mark
        marks.toggle(&ds[1]).unwrap(); // manual un-mark
        marks.forget_manual_marks(&ds);
        assert_eq!(marks.mark("a"), Mark::RuleKeep(Reason::NewestN));
        assert_eq!(marks.mark("b"), Mark::ManualKeep);
    }

    fn pointed_at(ds: &[Deployment], content: &str) -> LiveSet {
        LiveSet::from_sources(
            ds,
            &HashMap::new(),
            &[crate::engine::live::PointerObject {
                key: "current.txt",
                content: content.as_bytes(),
            }],
            &[],
        )
    }

    #[test]
    fn live_deployments_are_never_marked_and_marks_by_hand_on_them_are_dropped() {
        let ds = vec![
            dep("a", 1, 10),
            dep("b", 2, 20),
            dep("c", 3, 40),
            dep("d", 4, 80),
        ];
        let mut marks = Marks::default();
        marks.recompute(&ds, &rule(1), &LiveSet::default(), now());
        marks.toggle(&ds[0]).unwrap(); // a: marked by hand
        marks.toggle(&ds[1]).unwrap(); // b: un-marked by hand

        // A rollback: c is live; a (newest) too.
        let live = pointed_at(&ds, "/c/ /a/");
        let dropped = marks.recompute(&ds, &rule(1), &live, now());
        assert_eq!(dropped, ["a"]);
        assert_eq!(marks.mark("a"), Mark::Live(Reason::NewestN));
        assert_eq!(marks.mark("c"), Mark::Live(Reason::Live));
        assert_eq!(marks.mark("b"), Mark::ManualKeep);
        assert_eq!(marks.mark("d"), Mark::RuleDelete);
        assert_eq!(
            marks.totals(),
            MarkTotals {
                deployments: 1,
                objects: 2,
                bytes: 80,
                manual: 1,
                ..MarkTotals::default()
            }
        );
        assert_eq!(marks.toggle(&ds[2]), Err(ToggleRefused::Live));
        assert_eq!(marks.toggle(&ds[0]), Err(ToggleRefused::Live));
        assert_eq!(marks.totals().deployments, 1);

        // No longer live: the dropped mark does not come back.
        marks.recompute(&ds, &rule(1), &LiveSet::default(), now());
        assert_eq!(marks.mark("a"), Mark::RuleKeep(Reason::NewestN));
        assert_eq!(marks.mark("c"), Mark::RuleDelete);
    }
}
