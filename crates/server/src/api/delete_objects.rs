//! DeleteObjects: up to 1000 keys in one request, with per-key results.

use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::errors::{journal_failed, store_error};
use super::versions::NULL_VERSION;
use super::wire::opt_list;
use crate::backend::Backend;
use crate::persist::Record;

const MAX_DELETE_KEYS: usize = 1000;

pub(super) fn delete_objects(
    backend: &Backend,
    req: S3Request<DeleteObjectsInput>,
) -> S3Result<S3Response<DeleteObjectsOutput>> {
    let input = req.input;
    let objects = input.delete.objects;
    let quiet = input.delete.quiet.unwrap_or(false);
    if objects.is_empty() || objects.len() > MAX_DELETE_KEYS {
        return Err(S3Error::with_message(
            S3ErrorCode::MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema",
        ));
    }

    let mut to_delete = Vec::new();
    let mut errors = Vec::new();
    for id in objects {
        let failure = match id.version_id.as_deref() {
            None | Some(NULL_VERSION) => None,
            Some(_) => Some(("NoSuchVersion", "The specified version does not exist.")),
        };
        let failure = failure.or_else(|| {
            backend.faults.delete_key_fails().then_some((
                "InternalError",
                "We encountered an internal error. Please try again. (injected fault)",
            ))
        });
        match failure {
            Some((code, message)) => errors.push(Error {
                code: Some(code.to_owned()),
                key: Some(id.key),
                message: Some(message.to_owned()),
                version_id: id.version_id,
            }),
            None => to_delete.push(id),
        }
    }

    {
        let mut state = backend.write();
        let bucket = state.store.bucket(&input.bucket).map_err(store_error)?;
        let records: Vec<Record> = to_delete
            .iter()
            .filter(|id| bucket.objects.contains_key(&id.key))
            .map(|id| Record::Delete {
                bucket: input.bucket.clone(),
                key: id.key.clone(),
            })
            .collect();
        state.journal(&records).map_err(journal_failed)?;
        for id in &to_delete {
            state
                .store
                .delete_object(&input.bucket, &id.key)
                .map_err(store_error)?;
        }
    }

    let deleted = if quiet {
        Vec::new()
    } else {
        to_delete
            .into_iter()
            .map(|id| DeletedObject {
                key: Some(id.key),
                version_id: id.version_id,
                ..DeletedObject::default()
            })
            .collect()
    };
    Ok(S3Response::new(DeleteObjectsOutput {
        deleted: opt_list(deleted),
        errors: opt_list(errors),
        ..DeleteObjectsOutput::default()
    }))
}
