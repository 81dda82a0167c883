use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::deployment::Deployment;
use super::rule::Rule;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Keep,
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Among the newest N.
    NewestN,
    /// Outside the newest N but younger than `--older-than`.
    YoungerThan,
    /// Matches a `--protect` glob.
    Protected,
    /// Outside the newest N (and old enough, if an age limit is set).
    OutsideKeep,
    /// The operator changed the rule's verdict by hand (TUI).
    Manual,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Delete => "delete",
        }
    }
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NewestN => "newest-n",
            Reason::YoungerThan => "younger-than",
            Reason::Protected => "protected",
            Reason::OutsideKeep => "outside-keep",
            Reason::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    pub deployment: Deployment,
    pub action: Action,
    pub reason: Reason,
}

/// Every deployment with the rule's verdict, newest first (by the rule's `age_by`, ties
/// broken by name so the same bucket always gives the same plan).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub entries: Vec<PlanEntry>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub deployments: u64,
    pub keep: u64,
    pub delete: u64,
    pub delete_objects: u64,
    pub delete_bytes: u64,
}

/// Orders deployments newest first by `time`, then by name, so ties are deterministic.
pub fn newest_first<T>(
    items: &mut [T],
    time: impl Fn(&T) -> DateTime<Utc>,
    name: impl Fn(&T) -> &str,
) {
    items.sort_by(|a, b| time(b).cmp(&time(a)).then_with(|| name(a).cmp(name(b))));
}

impl Plan {
    pub fn build(mut deployments: Vec<Deployment>, rule: &Rule, now: DateTime<Utc>) -> Plan {
        let age_by = rule.age_by();
        newest_first(&mut deployments, |d| age_by.time_of(d), |d| &d.name);
        let mut kept_by_count = 0usize;
        let entries = deployments
            .into_iter()
            .map(|deployment| {
                let (action, reason) = if rule.is_protected(&deployment.name) {
                    (Action::Keep, Reason::Protected)
                } else if kept_by_count < rule.keep() {
                    kept_by_count += 1;
                    (Action::Keep, Reason::NewestN)
                } else if is_younger_than(age_by.time_of(&deployment), rule, now) {
                    (Action::Keep, Reason::YoungerThan)
                } else {
                    (Action::Delete, Reason::OutsideKeep)
                };
                PlanEntry {
                    deployment,
                    action,
                    reason,
                }
            })
            .collect();
        Plan { entries }
    }

    pub fn to_delete(&self) -> impl Iterator<Item = &PlanEntry> {
        self.entries.iter().filter(|e| e.action == Action::Delete)
    }

    pub fn summary(&self) -> PlanSummary {
        let mut summary = PlanSummary {
            deployments: self.entries.len() as u64,
            ..PlanSummary::default()
        };
        for entry in &self.entries {
            match entry.action {
                Action::Keep => summary.keep += 1,
                Action::Delete => {
                    summary.delete += 1;
                    summary.delete_objects += entry.deployment.objects;
                    summary.delete_bytes += entry.deployment.bytes;
                }
            }
        }
        summary
    }
}

fn is_younger_than(time: DateTime<Utc>, rule: &Rule, now: DateTime<Utc>) -> bool {
    match rule.older_than() {
        None => false,
        Some(limit) => match (now - time).to_std() {
            Ok(age) => age < limit,
            // In the future (clock skew): certainly not old enough to delete.
            Err(_) => true,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::deployment::AgeBy;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
    }

    fn dep(name: &str, newest_days_ago: i64, oldest_days_ago: i64) -> Deployment {
        Deployment {
            name: name.into(),
            prefix: format!("{name}/"),
            objects: 2,
            bytes: 100,
            newest: now() - chrono::Duration::days(newest_days_ago),
            oldest: now() - chrono::Duration::days(oldest_days_ago),
        }
    }

    fn rule(keep: usize, older_than_days: Option<u64>, protect: &[&str], age_by: AgeBy) -> Rule {
        Rule::new(
            keep,
            older_than_days.map(|d| Duration::from_secs(d * 86400)),
            protect.iter().map(|s| s.to_string()).collect(),
            age_by,
        )
        .unwrap()
    }

    fn verdicts(plan: &Plan) -> Vec<(String, Action, Reason)> {
        plan.entries
            .iter()
            .map(|e| (e.deployment.name.clone(), e.action, e.reason))
            .collect()
    }

    use Action::*;
    use Reason::*;

    fn v(name: &str, a: Action, r: Reason) -> (String, Action, Reason) {
        (name.to_string(), a, r)
    }

    #[test]
    fn keeps_the_newest_n_and_deletes_the_rest() {
        let deployments = vec![
            dep("a", 5, 5),
            dep("b", 1, 1),
            dep("c", 3, 3),
            dep("d", 9, 9),
        ];
        let plan = Plan::build(deployments, &rule(2, None, &[], AgeBy::Newest), now());
        assert_eq!(
            verdicts(&plan),
            vec![
                v("b", Keep, NewestN),
                v("c", Keep, NewestN),
                v("a", Delete, OutsideKeep),
                v("d", Delete, OutsideKeep)
            ]
        );
        let s = plan.summary();
        assert_eq!(
            (
                s.deployments,
                s.keep,
                s.delete,
                s.delete_objects,
                s.delete_bytes
            ),
            (4, 2, 2, 4, 200)
        );
    }

    #[test]
    fn ties_in_time_are_broken_by_name() {
        let deployments = vec![dep("zeta", 1, 1), dep("alpha", 1, 1), dep("mid", 1, 1)];
        let plan = Plan::build(
            deployments.clone(),
            &rule(1, None, &[], AgeBy::Newest),
            now(),
        );
        assert_eq!(
            verdicts(&plan),
            vec![
                v("alpha", Keep, NewestN),
                v("mid", Delete, OutsideKeep),
                v("zeta", Delete, OutsideKeep)
            ]
        );
        let mut reversed = deployments;
        reversed.reverse();
        let again = Plan::build(reversed, &rule(1, None, &[], AgeBy::Newest), now());
        assert_eq!(plan, again, "input order must not change the plan");
    }

    #[test]
    fn keep_at_or_above_count_deletes_nothing() {
        for keep in [3, 4, 100] {
            let plan = Plan::build(
                vec![dep("a", 1, 1), dep("b", 2, 2), dep("c", 3, 3)],
                &rule(keep, None, &[], AgeBy::Newest),
                now(),
            );
            assert_eq!(plan.summary().delete, 0, "keep {keep}");
            assert!(plan.entries.iter().all(|e| e.reason == NewestN));
        }
    }

    #[test]
    fn older_than_spares_young_deployments_outside_n() {
        let deployments = vec![
            dep("new", 1, 1),
            dep("week", 7, 7),
            dep("month", 40, 40),
            dep("year", 365, 365),
        ];
        let plan = Plan::build(deployments, &rule(1, Some(30), &[], AgeBy::Newest), now());
        assert_eq!(
            verdicts(&plan),
            vec![
                v("new", Keep, NewestN),
                v("week", Keep, YoungerThan),
                v("month", Delete, OutsideKeep),
                v("year", Delete, OutsideKeep)
            ]
        );
    }

    #[test]
    fn keep_zero_with_age_limit_deletes_only_old_ones() {
        let deployments = vec![dep("new", 1, 1), dep("old", 40, 40)];
        let plan = Plan::build(deployments, &rule(0, Some(30), &[], AgeBy::Newest), now());
        assert_eq!(
            verdicts(&plan),
            vec![v("new", Keep, YoungerThan), v("old", Delete, OutsideKeep)]
        );
    }

    #[test]
    fn exactly_at_the_age_limit_counts_as_old_enough() {
        let plan = Plan::build(
            vec![dep("edge", 30, 30)],
            &rule(0, Some(30), &[], AgeBy::Newest),
            now(),
        );
        assert_eq!(verdicts(&plan), vec![v("edge", Delete, OutsideKeep)]);
    }

    #[test]
    fn future_timestamps_are_never_old_enough() {
        let plan = Plan::build(
            vec![dep("skewed", -2, -2)],
            &rule(0, Some(1), &[], AgeBy::Newest),
            now(),
        );
        assert_eq!(verdicts(&plan), vec![v("skewed", Keep, YoungerThan)]);
    }

    #[test]
    fn protected_deployments_are_kept_and_do_not_count_toward_n() {
        let deployments = vec![
            dep("current", 0, 0),
            dep("release-1", 100, 100),
            dep("a", 1, 1),
            dep("b", 2, 2),
            dep("c", 3, 3),
        ];
        let plan = Plan::build(
            deployments,
            &rule(2, None, &["current", "release-*"], AgeBy::Newest),
            now(),
        );
        assert_eq!(
            verdicts(&plan),
            vec![
                v("current", Keep, Protected),
                v("a", Keep, NewestN),
                v("b", Keep, NewestN),
                v("c", Delete, OutsideKeep),
                v("release-1", Keep, Protected)
            ]
        );
    }

    #[test]
    fn all_protected_deletes_nothing() {
        let plan = Plan::build(
            vec![dep("x1", 50, 50), dep("x2", 60, 60)],
            &rule(1, None, &["x*"], AgeBy::Newest),
            now(),
        );
        assert_eq!(plan.summary().delete, 0);
        assert!(plan.entries.iter().all(|e| e.reason == Protected));
    }

    #[test]
    fn empty_bucket_gives_an_empty_plan() {
        let plan = Plan::build(vec![], &rule(3, None, &[], AgeBy::Newest), now());
        assert!(plan.entries.is_empty());
        assert_eq!(plan.summary(), PlanSummary::default());
    }

    #[test]
    fn age_by_oldest_orders_by_the_oldest_object() {
        // "touched" was redeployed into yesterday but its first object is a year old.
        let deployments = vec![dep("touched", 1, 365), dep("steady", 10, 10)];
        let by_newest = Plan::build(
            deployments.clone(),
            &rule(1, None, &[], AgeBy::Newest),
            now(),
        );
        assert_eq!(
            verdicts(&by_newest),
            vec![
                v("touched", Keep, NewestN),
                v("steady", Delete, OutsideKeep)
            ]
        );
        let by_oldest = Plan::build(deployments, &rule(1, None, &[], AgeBy::Oldest), now());
        assert_eq!(
            verdicts(&by_oldest),
            vec![
                v("steady", Keep, NewestN),
                v("touched", Delete, OutsideKeep)
            ]
        );
    }

    #[test]
    fn prefix_root_names_are_what_protect_matches() {
        // Under --prefix sites/, the deployment is named "current", not "sites/current".
        let mut d = dep("current", 90, 90);
        d.prefix = "sites/current/".into();
        let plan = Plan::build(
            vec![d, dep("x", 1, 1)],
            &rule(1, None, &["current"], AgeBy::Newest),
            now(),
        );
        assert_eq!(
            verdicts(&plan),
            vec![v("x", Keep, NewestN), v("current", Keep, Protected)]
        );
    }
}
