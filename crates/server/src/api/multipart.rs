//! Multipart uploads: CreateMultipartUpload, UploadPart, ListMultipartUploads (paged by
//! key and upload-id markers), AbortMultipartUpload and CompleteMultipartUpload.
//! Completed objects get the MD5 of their whole content as ETag, not S3's
//! `<md5 of the parts' md5s>-<parts>`.

use std::collections::BTreeMap;

use chrono::Utc;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::buckets::require_bucket;
use super::errors::{internal, invalid_argument, journal_failed, store_error};
use super::objects::{backdated_last_modified, collect_body, stored_class};
use super::wire::{encoder, encoding_type, etag, opt_list, owner, timestamp, url_encoding};
use crate::backend::Backend;
use crate::persist::Record;
use crate::uploads::{assemble, new_upload_id, Part, UploadMeta, UploadQuery};

const MAX_UPLOADS: i32 = 1000;

pub(super) fn create_multipart_upload(
    backend: &Backend,
    req: S3Request<CreateMultipartUploadInput>,
) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
    let mut input = req.input;
    require_bucket(backend, &input.bucket)?;
    let metadata: BTreeMap<String, String> = input
        .metadata
        .take()
        .unwrap_or_default()
        .into_iter()
        .collect();
    // The same header that backdates objects backdates an upload's start, so samples
    // can hold uploads abandoned long ago.
    let meta = UploadMeta {
        initiated: backdated_last_modified(&metadata)?,
        storage_class: stored_class(input.storage_class.take())?,
        content_type: input.content_type.take(),
        metadata,
    };
    let upload_id = new_upload_id(Utc::now());
    let mut state = backend.write();
    state.store.bucket(&input.bucket).map_err(store_error)?;
    state
        .journal(&[Record::CreateUpload {
            bucket: input.bucket.clone(),
            key: input.key.clone(),
            upload_id: upload_id.clone(),
            meta: meta.clone(),
        }])
        .map_err(journal_failed)?;
    state
        .store
        .create_upload(&input.bucket, &input.key, &upload_id, meta)
        .map_err(store_error)?;
    Ok(S3Response::new(CreateMultipartUploadOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(upload_id),
        ..CreateMultipartUploadOutput::default()
    }))
}

pub(super) async fn upload_part(
    backend: &Backend,
    req: S3Request<UploadPartInput>,
) -> S3Result<S3Response<UploadPartOutput>> {
    let mut input = req.input;
    if !(1..=10_000).contains(&input.part_number) {
        return Err(invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive",
        ));
    }
    backend
        .read()
        .store
        .upload(&input.bucket, &input.key, &input.upload_id)
        .map_err(store_error)?;
    let data = collect_body(input.body.take()).await?;
    let part = Part::new(data);
    if let Some(blobs) = backend.blobs.clone() {
        let (md5, data) = (part.meta.md5.clone(), part.data.clone());
        tokio::task::spawn_blocking(move || blobs.write(&md5, &data))
            .await
            .map_err(|e| internal("blob writer failed", e))?
            .map_err(|e| internal("cannot write the part", e))?;
    }
    let e_tag = ETag::Strong(part.meta.md5.clone());
    let mut state = backend.write();
    state
        .store
        .upload(&input.bucket, &input.key, &input.upload_id)
        .map_err(store_error)?;
    state
        .journal(&[Record::PutPart {
            bucket: input.bucket.clone(),
            key: input.key.clone(),
            upload_id: input.upload_id.clone(),
            number: input.part_number,
            part: part.meta.clone(),
        }])
        .map_err(journal_failed)?;
    state
        .store
        .put_part(
            &input.bucket,
            &input.key,
            &input.upload_id,
            input.part_number,
            part,
        )
        .map_err(store_error)?;
    Ok(S3Response::new(UploadPartOutput {
        e_tag: Some(e_tag),
        ..UploadPartOutput::default()
    }))
}

pub(super) fn list_multipart_uploads(
    backend: &Backend,
    req: S3Request<ListMultipartUploadsInput>,
) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
    let input = req.input;
    if input.delimiter.as_deref().is_some_and(|d| !d.is_empty()) {
        return Err(S3Error::with_message(
            S3ErrorCode::NotImplemented,
            "this server lists multipart uploads without a delimiter only",
        ));
    }
    let max_uploads = match input.max_uploads {
        None => MAX_UPLOADS,
        Some(n) if n >= 0 => n.min(MAX_UPLOADS),
        Some(_) => return Err(invalid_argument("max-uploads must not be negative")),
    } as usize;
    let url = url_encoding(input.encoding_type.as_ref())?;
    let enc = encoder(url);
    let key_marker = input.key_marker.clone().filter(|k| !k.is_empty());
    let query = UploadQuery {
        prefix: input.prefix.clone().unwrap_or_default(),
        // An upload-id marker means nothing without a key marker.
        upload_id_marker: key_marker
            .as_ref()
            .and(input.upload_id_marker.clone().filter(|u| !u.is_empty())),
        key_marker,
        max_uploads,
    };
    let state = backend.read();
    let page = state
        .store
        .list_uploads(&input.bucket, &query)
        .map_err(store_error)?;
    let last = page
        .is_truncated
        .then(|| page.uploads.last().copied())
        .flatten();
    let uploads = page
        .uploads
        .iter()
        .map(|(key, id, meta)| MultipartUpload {
            key: Some(enc(key)),
            upload_id: Some((*id).to_owned()),
            initiated: Some(timestamp(meta.initiated)),
            storage_class: Some(StorageClass::from(
                meta.storage_class
                    .clone()
                    .unwrap_or_else(|| "STANDARD".into()),
            )),
            owner: Some(owner()),
            initiator: Some(Initiator {
                display_name: owner().display_name,
                id: owner().id,
            }),
            ..MultipartUpload::default()
        })
        .collect();
    Ok(S3Response::new(ListMultipartUploadsOutput {
        bucket: Some(input.bucket),
        prefix: Some(enc(&query.prefix)),
        key_marker: Some(query.key_marker.as_deref().map(&enc).unwrap_or_default()),
        upload_id_marker: Some(query.upload_id_marker.clone().unwrap_or_default()),
        next_key_marker: last.map(|(key, _, _)| enc(key)),
        next_upload_id_marker: last.map(|(_, id, _)| id.to_owned()),
        max_uploads: Some(max_uploads as i32),
        is_truncated: Some(page.is_truncated),
        uploads: opt_list(uploads),
        encoding_type: encoding_type(url),
        ..ListMultipartUploadsOutput::default()
    }))
}

pub(super) fn abort_multipart_upload(
    backend: &Backend,
    req: S3Request<AbortMultipartUploadInput>,
) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
    let input = req.input;
    let mut state = backend.write();
    state
        .store
        .upload(&input.bucket, &input.key, &input.upload_id)
        .map_err(store_error)?;
    state
        .journal(&[Record::RemoveUpload {
            bucket: input.bucket.clone(),
            key: input.key.clone(),
            upload_id: input.upload_id.clone(),
        }])
        .map_err(journal_failed)?;
    state
        .store
        .remove_upload(&input.bucket, &input.key, &input.upload_id)
        .map_err(store_error)?;
    Ok(S3Response::new(AbortMultipartUploadOutput::default()))
}

pub(super) async fn complete_multipart_upload(
    backend: &Backend,
    req: S3Request<CompleteMultipartUploadInput>,
) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
    let input = req.input;
    let named: Vec<(i32, Option<String>)> = input
        .multipart_upload
        .and_then(|m| m.parts)
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let etag = p.e_tag.map(|e| e.value().to_owned());
            (p.part_number.unwrap_or(0), etag)
        })
        .collect();
    if named.is_empty() {
        return Err(S3Error::with_message(
            S3ErrorCode::MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema",
        ));
    }
    if named.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(S3Error::with_message(
            S3ErrorCode::InvalidPartOrder,
            "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
        ));
    }
    let object = {
        let state = backend.read();
        let upload = state
            .store
            .upload(&input.bucket, &input.key, &input.upload_id)
            .map_err(store_error)?;
        for (number, etag) in &named {
            let part = upload.parts.get(number);
            let matches = match (part, etag) {
                (Some(part), Some(etag)) => part.meta.md5 == etag.trim_matches('"'),
                (Some(_), None) => true,
                (None, _) => false,
            };
            if !matches {
                return Err(S3Error::with_message(
                    S3ErrorCode::InvalidPart,
                    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
                ));
            }
        }
        let numbers: Vec<i32> = named.iter().map(|(n, _)| *n).collect();
        let last_modified = backdated_last_modified(&upload.meta.metadata)?;
        assemble(upload, &numbers, last_modified)
            .ok_or_else(|| internal("completing the upload", "a part vanished"))?
    };
    if let Some(blobs) = backend.blobs.clone() {
        let (md5, data) = (object.meta.md5.clone(), object.data.clone());
        tokio::task::spawn_blocking(move || blobs.write(&md5, &data))
            .await
            .map_err(|e| internal("blob writer failed", e))?
            .map_err(|e| internal("cannot write the object", e))?;
    }
    let e_tag = etag(&object);
    let mut state = backend.write();
    state
        .store
        .upload(&input.bucket, &input.key, &input.upload_id)
        .map_err(store_error)?;
    state
        .journal(&[
            Record::Put {
                bucket: input.bucket.clone(),
                key: input.key.clone(),
                meta: object.meta.clone(),
            },
            Record::RemoveUpload {
                bucket: input.bucket.clone(),
                key: input.key.clone(),
                upload_id: input.upload_id.clone(),
            },
        ])
        .map_err(journal_failed)?;
    state
        .store
        .put_object(&input.bucket, &input.key, object)
        .map_err(store_error)?;
    state
        .store
        .remove_upload(&input.bucket, &input.key, &input.upload_id)
        .map_err(store_error)?;
    Ok(S3Response::new(CompleteMultipartUploadOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        e_tag: Some(e_tag),
        ..CompleteMultipartUploadOutput::default()
    }))
}
