use serde::Deserialize;
use serde_json::Value;

use super::FunctionError;

/// What one invocation asks for. Field names are those of `prune`'s flags.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The policy file: `s3://BUCKET/KEY`, inline TOML, or a path in the function's
    /// package; without it, `S3PRUNE_CONFIG` says.
    pub config: Option<String>,
    /// Required: a deletion happens only when the event says `"dry_run": false`.
    pub dry_run: Option<bool>,
    /// Only these `[[target]]`s of the policy file (all of them when empty).
    #[serde(default)]
    pub targets: Vec<String>,
    pub max_delete: Option<usize>,
    pub max_delete_fraction: Option<f64>,
    #[serde(default)]
    pub force: bool,
}

const SHAPE: &str = "send a JSON object such as {\"dry_run\": true, \"config\": \
    \"s3://BUCKET/s3prune.toml\"} (fields: config, an s3:// URI, inline TOML or a path, optional \
    when S3PRUNE_CONFIG is set; dry_run, true or false, required; targets, a list of target \
    names; max_delete; max_delete_fraction; force)";

impl Event {
    /// The event as Lambda delivered it, checked; a refusal says what was wrong and what
    /// an event looks like.
    pub fn parse(payload: Value) -> Result<Event, FunctionError> {
        let Value::Object(fields) = &payload else {
            return Err(FunctionError::Refused(format!(
                "the event is {}, not an s3prune event: {SHAPE}",
                describe(&payload)
            )));
        };
        if fields.contains_key("detail-type") {
            return Err(FunctionError::Refused(format!(
                "the event is EventBridge's own event ({:?}), not an s3prune event: give the \
                 rule's or schedule's target an input, {SHAPE}",
                fields["detail-type"].as_str().unwrap_or("?")
            )));
        }
        let event: Event = serde_json::from_value(payload).map_err(|e| {
            FunctionError::Refused(format!("the event is not an s3prune event ({e}): {SHAPE}"))
        })?;
        if event.dry_run.is_none() {
            return Err(FunctionError::Refused(
                "the event does not say \"dry_run\": add \"dry_run\": true to only plan, or \
                 \"dry_run\": false to delete what the policy says"
                    .into(),
            ));
        }
        if let Some(fraction) = event.max_delete_fraction {
            if !(0.0..=1.0).contains(&fraction) {
                return Err(FunctionError::Refused(format!(
                    "the event's max_delete_fraction {fraction} is not a fraction between 0 and 1 \
                     (e.g. 0.9)"
                )));
            }
        }
        if let Some(empty) = event.targets.iter().find(|t| t.trim().is_empty()) {
            return Err(FunctionError::Refused(format!(
                "the event's targets hold {empty:?}: give the names of [[target]]s of the policy file"
            )));
        }
        Ok(event)
    }

    pub fn dry_run(&self) -> bool {
        self.dry_run.unwrap_or(true)
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refusal(payload: Value) -> String {
        match Event::parse(payload) {
            Err(FunctionError::Refused(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_full_event_is_read() {
        let event = Event::parse(json!({
            "config": "s3://policies/s3prune.toml",
            "dry_run": false,
            "targets": ["prod"],
            "max_delete": 5,
            "max_delete_fraction": 0.5,
            "force": true
        }))
        .expect("a good event");
        assert_eq!(event.config.as_deref(), Some("s3://policies/s3prune.toml"));
        assert!(!event.dry_run());
        assert_eq!(event.targets, ["prod"]);
        assert_eq!(event.max_delete, Some(5));
        assert!(event.force);
    }

    #[test]
    fn dry_run_must_be_said() {
        assert!(refusal(json!({"config": "s3://a/b"})).contains("does not say \"dry_run\""));
    }

    #[test]
    fn bad_events_are_refused_in_one_paragraph() {
        for (payload, says) in [
            (json!(null), "empty (null)"),
            (json!("prune"), "a string"),
            (json!({"dryrun": true}), "unknown field `dryrun`"),
            (json!({"dry_run": "yes"}), "expected a boolean"),
            (
                json!({"dry_run": true, "max_delete_fraction": 2.0}),
                "between 0 and 1",
            ),
            (json!({"dry_run": true, "targets": [""]}), "[[target]]"),
            (
                json!({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events"}),
                "EventBridge",
            ),
        ] {
            let message = refusal(payload.clone());
            assert!(message.contains(says), "{payload}: {message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }
}
