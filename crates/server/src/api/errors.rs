//! The S3 errors handlers answer with, beyond those `s3s` produces itself.

use s3s::{S3Error, S3ErrorCode};

use crate::store::StoreError;

pub(super) fn internal(context: &str, e: impl std::fmt::Display) -> S3Error {
    S3Error::with_message(S3ErrorCode::InternalError, format!("{context}: {e}"))
}

pub(super) fn journal_failed(e: std::io::Error) -> S3Error {
    internal("cannot write the journal", e)
}

pub(super) fn store_error(e: StoreError) -> S3Error {
    let (code, msg) = match e {
        StoreError::NoSuchBucket => (
            S3ErrorCode::NoSuchBucket,
            "The specified bucket does not exist",
        ),
        StoreError::NoSuchKey => (S3ErrorCode::NoSuchKey, "The specified key does not exist."),
        StoreError::NoSuchUpload => (
            S3ErrorCode::NoSuchUpload,
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        ),
        StoreError::BucketNotEmpty => (
            S3ErrorCode::BucketNotEmpty,
            "The bucket you tried to delete is not empty",
        ),
        StoreError::BucketAlreadyOwnedByYou => (
            S3ErrorCode::BucketAlreadyOwnedByYou,
            "Your previous request to create the named bucket succeeded and you already own it.",
        ),
    };
    S3Error::with_message(code, msg)
}

pub(super) fn invalid_argument(msg: impl Into<String>) -> S3Error {
    S3Error::with_message(S3ErrorCode::InvalidArgument, msg.into())
}

pub(super) fn injected(code: S3ErrorCode, message: &str) -> S3Error {
    S3Error::with_message(code, format!("{message} (injected fault)"))
}
