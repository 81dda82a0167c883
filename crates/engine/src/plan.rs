use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::deployment::Deployment;
use super::live::LiveSet;
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
    /// Live (named by a pointer, or an alias folder or its copy) and outside the newest N.
    Live,
    /// `--age-by name` and the name carries no time.
    Undated,
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
            Reason::Live => "live",
            Reason::Undated => "undated",
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
    /// Why the deployment is live ([`LiveSet::sources`]); empty if it is not. A live
    /// deployment among the newest N keeps reason `newest-n` and still lists them.
    pub live_from: Vec<String>,
}

impl PlanEntry {
    pub fn is_live(&self) -> bool {
        !self.live_from.is_empty()
    }
}

/// One deployment's verdict in [`Plan::verdicts`], the deployment named by its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub index: usize,
    pub action: Action,
    pub reason: Reason,
}

/// Every deployment with the rule's verdict, newest first (by the rule's `age_by`, ties
/// broken by name so the same bucket always gives the same plan).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub entries: Vec<PlanEntry>,
    /// Problems that do not stop the plan, such as an alias that matches no deployment.
    pub warnings: Vec<String>,
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
    /// The plan without live deployments (no pointers, no aliases).
    pub fn build(deployments: Vec<Deployment>, rule: &Rule, now: DateTime<Utc>) -> Plan {
        Plan::build_with_live(deployments, rule, &LiveSet::default(), now)
    }

    /// Each deployment's verdict, the first that applies:
    /// 1. `protected`: matches `--protect`; does not count toward N.
    /// 2. `live`: an alias folder; does not count toward N (see [`crate::live`]).
    /// 3. `undated`: `--age-by name` and the name has no time; does not count toward N,
    ///    since it has no place in the order.
    /// 4. `newest-n`: among the N newest of the rest, live or not.
    /// 5. `live`: live, outside the newest N (a rollback).
    /// 6. `younger-than`: younger than `--older-than` (by the name's time under
    ///    `--age-by name`).
    /// 7. otherwise deleted, `outside-keep`.
    pub fn build_with_live(
        deployments: Vec<Deployment>,
        rule: &Rule,
        live: &LiveSet,
        now: DateTime<Utc>,
    ) -> Plan {
        let verdicts = Plan::verdicts(&deployments, rule, live, now);
        let mut unplaced: Vec<Option<Deployment>> = deployments.into_iter().map(Some).collect();
        let entries = verdicts
            .into_iter()
            .map(|verdict| {
                let deployment = unplaced[verdict.index]
                    .take()
                    .expect("each deployment has one verdict");
                PlanEntry {
                    live_from: live.sources(&deployment.name).to_vec(),
                    deployment,
                    action: verdict.action,
                    reason: verdict.reason,
                }
            })
            .collect();
        Plan {
            entries,
            warnings: live.warnings().to_vec(),
        }
    }

    /// [`Plan::build_with_live`]'s verdicts alone, newest first, each naming its
    /// deployment by index in `deployments`: for callers that re-judge the same
    /// deployments often (the explorer, at every rule change) without copying them.
    pub fn verdicts(
        deployments: &[Deployment],
        rule: &Rule,
        live: &LiveSet,
        now: DateTime<Utc>,
    ) -> Vec<Verdict> {
        let age_by = rule.age_by();
        // Parse each name once, not once per comparison.
        let mut timed: Vec<(usize, Option<DateTime<Utc>>, &str)> = deployments
            .iter()
            .enumerate()
            .map(|(index, d)| (index, age_by.dated(d), d.name.as_str()))
            .collect();
        // The same order as `AgeBy::time_of`: undated ones by their newest object.
        newest_first(
            &mut timed,
            |&(index, dated, _)| dated.unwrap_or(deployments[index].newest),
            |&(_, _, name)| name,
        );
        let mut kept_by_count = 0usize;
        timed
            .into_iter()
            .map(|(index, dated, name)| {
                let (action, reason) = if rule.is_protected(name) {
                    (Action::Keep, Reason::Protected)
                } else if live.is_alias(name) {
                    (Action::Keep, Reason::Live)
                } else if let Some(time) = dated {
                    if kept_by_count < rule.keep() {
                        kept_by_count += 1;
                        (Action::Keep, Reason::NewestN)
                    } else if !live.sources(name).is_empty() {
                        (Action::Keep, Reason::Live)
                    } else if is_younger_than(time, rule, now) {
                        (Action::Keep, Reason::YoungerThan)
                    } else {
                        (Action::Delete, Reason::OutsideKeep)
                    }
                } else {
                    (Action::Keep, Reason::Undated)
                };
                Verdict {
                    index,
                    action,
                    reason,
                }
            })
            .collect()
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
            storage: Default::default(),
            incomplete_uploads: 0,
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

    fn pointed(deployments: &[Deployment], key: &str, content: &str) -> LiveSet {
        LiveSet::from_sources(
            deployments,
            &std::collections::HashMap::new(),
            &[crate::live::PointerObject {
                key,
                content: content.as_bytes(),
            }],
            &[],
        )
    }

    fn sources(plan: &Plan, name: &str) -> Vec<String> {
        let entry = plan.entries.iter().find(|e| e.deployment.name == name);
        entry.expect("in the plan").live_from.clone()
    }

    #[test]
    fn a_rolled_back_live_deployment_outside_n_is_kept_as_live() {
        let deployments = vec![
            dep("d5", 1, 1),
            dep("d4", 2, 2),
            dep("d3", 3, 3),
            dep("d2", 4, 4),
            dep("d1", 5, 5),
        ];
        let live = pointed(&deployments, "current.txt", "d2\n");
        let plan = Plan::build_with_live(
            deployments,
            &rule(3, None, &[], AgeBy::Newest),
            &live,
            now(),
        );
        assert_eq!(
            verdicts(&plan),
            vec![
                v("d5", Keep, NewestN),
                v("d4", Keep, NewestN),
                v("d3", Keep, NewestN),
                v("d2", Keep, Live),
                v("d1", Delete, OutsideKeep)
            ]
        );
        assert_eq!(sources(&plan, "d2"), ["current.txt"]);
        assert!(plan.entries[3].is_live());
        assert!(!plan.entries[4].is_live());
    }

    #[test]
    fn a_live_deployment_among_the_newest_counts_toward_n() {
        let deployments = vec![dep("d3", 1, 1), dep("d2", 2, 2), dep("d1", 3, 3)];
        let live = pointed(&deployments, "index.html", "<script src=\"/d3/app.js\">");
        let plan = Plan::build_with_live(
            deployments,
            &rule(2, None, &[], AgeBy::Newest),
            &live,
            now(),
        );
        assert_eq!(
            verdicts(&plan),
            vec![
                v("d3", Keep, NewestN),
                v("d2", Keep, NewestN),
                v("d1", Delete, OutsideKeep)
            ]
        );
        assert_eq!(sources(&plan, "d3"), ["index.html"]);
    }

    #[test]
    fn live_beats_younger_than_and_keep_zero() {
        let deployments = vec![dep("new", 1, 1), dep("old", 90, 90), dep("older", 99, 99)];
        let live = pointed(&deployments, "LIVE", "old");
        let plan = Plan::build_with_live(
            deployments,
            &rule(0, Some(30), &[], AgeBy::Newest),
            &live,
            now(),
        );
        assert_eq!(
            verdicts(&plan),
            vec![
                v("new", Keep, YoungerThan),
                v("old", Keep, Live),
                v("older", Delete, OutsideKeep)
            ]
        );
    }

    #[test]
    fn a_protected_live_deployment_is_protected_and_still_shows_its_sources() {
        let deployments = vec![dep("a", 1, 1), dep("b", 2, 2), dep("keepme", 50, 50)];
        let live = pointed(&deployments, "current.txt", "keepme");
        let plan = Plan::build_with_live(
            deployments,
            &rule(1, None, &["keepme"], AgeBy::Newest),
            &live,
            now(),
        );
        assert_eq!(
            verdicts(&plan),
            vec![
                v("a", Keep, NewestN),
                v("b", Delete, OutsideKeep),
                v("keepme", Keep, Protected)
            ]
        );
        assert_eq!(sources(&plan, "keepme"), ["current.txt"]);
    }

    #[test]
    fn an_alias_folder_is_live_and_does_not_take_a_place() {
        // `current/` was synced last, so it is the newest folder of all.
        let deployments = vec![
            dep("current", 0, 0),
            dep("d3", 1, 1),
            dep("d2", 2, 2),
            dep("d1", 3, 3),
        ];
        let digests: std::collections::HashMap<String, String> =
            [("current", "aa"), ("d3", "bb"), ("d2", "cc"), ("d1", "aa")]
                .into_iter()
                .map(|(n, d)| (n.to_string(), d.to_string()))
                .collect();
        let live = LiveSet::from_sources(&deployments, &digests, &[], &["current".to_string()]);
        let plan = Plan::build_with_live(
            deployments,
            &rule(1, None, &[], AgeBy::Newest),
            &live,
            now(),
        );
        assert_eq!(
            verdicts(&plan),
            vec![
                v("current", Keep, Live),
                v("d3", Keep, NewestN),
                v("d2", Delete, OutsideKeep),
                v("d1", Keep, Live)
            ]
        );
        assert_eq!(sources(&plan, "d1"), ["alias current/"]);
        assert_eq!(sources(&plan, "current"), ["alias current/"]);
        assert!(plan.warnings.is_empty());
    }

    #[test]
    fn alias_warnings_reach_the_plan() {
        let deployments = vec![dep("d1", 1, 1)];
        let live = LiveSet::from_sources(
            &deployments,
            &std::collections::HashMap::new(),
            &[],
            &["current".to_string()],
        );
        let plan = Plan::build_with_live(
            deployments,
            &rule(1, None, &[], AgeBy::Newest),
            &live,
            now(),
        );
        assert_eq!(plan.warnings.len(), 1);
        assert!(plan.warnings[0].contains("current"));
        assert!(
            Plan::build(vec![], &rule(1, None, &[], AgeBy::Newest), now())
                .warnings
                .is_empty()
        );
    }

    fn by_name() -> AgeBy {
        "name".parse().unwrap()
    }

    /// A deployment whose objects were all written `modified_days_ago`.
    fn named(name: &str, modified_days_ago: i64) -> Deployment {
        dep(name, modified_days_ago, modified_days_ago)
    }

    #[test]
    fn age_by_name_orders_by_the_name_not_the_objects() {
        // Re-uploaded today, but the names say which release is newer.
        let deployments = vec![
            named("release-2026-11-01", 0),
            named("release-2026-11-20", 9),
            named("release-2026-10-15", 0),
        ];
        let plan = Plan::build(deployments, &rule(1, None, &[], by_name()), now());
        assert_eq!(
            verdicts(&plan),
            vec![
                v("release-2026-11-20", Keep, NewestN),
                v("release-2026-11-01", Delete, OutsideKeep),
                v("release-2026-10-15", Delete, OutsideKeep)
            ]
        );
    }

    #[test]
    fn undated_names_are_kept_and_do_not_count_toward_n() {
        let deployments = vec![
            named("release-2026-11-20", 1),
            named("hotfix", 0),
            named("release-2026-11-19", 1),
            named("release-2026-11-18", 1),
        ];
        let plan = Plan::build(deployments, &rule(2, None, &[], by_name()), now());
        assert_eq!(
            verdicts(&plan),
            vec![
                // Undated ones sort by their newest object, here today.
                v("hotfix", Keep, Undated),
                v("release-2026-11-20", Keep, NewestN),
                v("release-2026-11-19", Keep, NewestN),
                v("release-2026-11-18", Delete, OutsideKeep)
            ]
        );
    }

    #[test]
    fn older_than_compares_against_the_name_time() {
        // now() is 2026-11-21 12:00; every object was written today.
        let deployments = vec![
            named("20261121T100000Z", 0),
            named("20261110T100000Z", 0),
            named("20261001T100000Z", 0),
        ];
        let plan = Plan::build(deployments, &rule(0, Some(30), &[], by_name()), now());
        assert_eq!(
            verdicts(&plan),
            vec![
                v("20261121T100000Z", Keep, YoungerThan),
                v("20261110T100000Z", Keep, YoungerThan),
                v("20261001T100000Z", Delete, OutsideKeep)
            ]
        );
    }

    #[test]
    fn a_user_name_format_decides_what_is_dated() {
        let format = crate::name_time::NameTime::with_format("%d.%m.%Y").unwrap();
        let deployments = vec![
            named("site-20.11.2026", 5),
            named("site-2026-11-21", 0),
            named("site-01.10.2026", 5),
        ];
        let plan = Plan::build(deployments, &rule(1, None, &[], AgeBy::Name(format)), now());
        assert_eq!(
            verdicts(&plan),
            vec![
                v("site-2026-11-21", Keep, Undated),
                v("site-20.11.2026", Keep, NewestN),
                v("site-01.10.2026", Delete, OutsideKeep)
            ]
        );
    }

    #[test]
    fn an_undated_alias_folder_is_live_and_a_rollback_by_name_is_kept() {
        let deployments = vec![
            named("current", 0),
            named("release-20261120", 1),
            named("release-20261119", 2),
            named("release-20261118", 3),
        ];
        let digests: std::collections::HashMap<String, String> =
            [("current", "x"), ("release-20261118", "x")]
                .into_iter()
                .map(|(n, d)| (n.to_string(), d.to_string()))
                .collect();
        let live = LiveSet::from_sources(&deployments, &digests, &[], &["current".to_string()]);
        let plan = Plan::build_with_live(deployments, &rule(1, None, &[], by_name()), &live, now());
        assert_eq!(
            verdicts(&plan),
            vec![
                v("current", Keep, Live),
                v("release-20261120", Keep, NewestN),
                v("release-20261119", Delete, OutsideKeep),
                v("release-20261118", Keep, Live)
            ]
        );
    }

    #[test]
    fn reasons_have_their_contract_names() {
        assert_eq!(Live.as_str(), "live");
        assert_eq!(Undated.as_str(), "undated");
        assert_eq!(serde_json::to_string(&Undated).unwrap(), "\"undated\"");
    }
}
