//! Writing the marks as a reviewed plan file (`w`).

use super::Worker;
use crate::cli::plan_output::PlanView;
use crate::cli::reviewed_plan::{plan_document, write_plan_file, PlanFileMeta};
use crate::engine::bucket::Scope;
use crate::tui::app::{AppEvent, PlanToWrite};

impl Worker {
    /// Writes the marks as a reviewed plan file in the current folder.
    pub(super) fn write_plan_task(
        &self,
        plan: PlanToWrite,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let bucket = self.connected_bucket();
        let tx = self.tx.clone();
        let root = self.target().root.clone();
        let live = self.target().live.clone();
        let prices = self.target().prices;
        async move {
            let bucket = bucket.await;
            let view = PlanView {
                bucket: bucket.name(),
                root: &root,
                endpoint: bucket.endpoint_label(),
                versioning: plan.versioning,
                rule: &plan.rule,
                plan: &plan.plan,
                root_objects: &plan.root_objects,
                now: plan.now,
                current: None,
                prices,
                uploads_outside: 0,
                report: None,
            };
            let scope = if plan.all_versions {
                Scope::AllVersions
            } else {
                Scope::Current
            };
            let meta = PlanFileMeta {
                created: plan.now,
                endpoint: bucket.endpoint_label(),
                region: bucket.region(),
                scope,
                live_sources: &live,
                target: None,
            };
            let document = plan_document(&view, &meta, &plan.digests);
            let file = format!(
                "s3prune-plan-{}-{}.json",
                bucket.name(),
                plan.now.format("%Y%m%dT%H%M%SZ")
            );
            let result = write_plan_file(std::path::Path::new(&file), vec![document])
                .map(|()| file)
                .map_err(|failure| failure.message().to_string());
            let _ = tx.send(AppEvent::PlanWritten(result));
        }
    }
}
