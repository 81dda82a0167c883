//! The S3 operations on the store. `s3s` parses each request and calls `S3Api`,
//! which applies the injected request faults and hands the request to the handler
//! of its area (one module per area). A new area is a new module plus its
//! operations in the `impl S3` below; operations not listed there answer
//! `NotImplemented`.

mod bucket_names;
mod buckets;
mod checksums;
mod delete_objects;
mod errors;
mod lifecycle;
mod listing;
mod multipart;
mod objects;
mod versions;
mod wire;

use std::sync::Arc;

use s3s::dto::*;
use s3s::{S3ErrorCode, S3Request, S3Response, S3Result, S3};

pub(crate) use self::bucket_names::BucketNames;
use self::errors::injected;
pub(crate) use self::lifecycle::expire as expire_by_lifecycle;
use crate::backend::Backend;
use crate::faults::RequestFault;

#[derive(Clone)]
pub(crate) struct S3Api {
    pub(crate) backend: Arc<Backend>,
}

impl S3Api {
    /// Applies injected latency and request-level faults.
    async fn gate(&self, operation: &str) -> S3Result<()> {
        let (latency, fault) = self.backend.faults.on_request(operation);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fault {
            None => Ok(()),
            Some(RequestFault::SlowDown) => Err(injected(
                S3ErrorCode::SlowDown,
                "Please reduce your request rate.",
            )),
            Some(RequestFault::InternalError) => Err(injected(
                S3ErrorCode::InternalError,
                "We encountered an internal error. Please try again.",
            )),
        }
    }
}

#[async_trait::async_trait]
impl S3 for S3Api {
    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        self.gate("ListBuckets").await?;
        buckets::list_buckets(&self.backend, req)
    }

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        self.gate("CreateBucket").await?;
        buckets::create_bucket(&self.backend, req)
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.gate("HeadBucket").await?;
        buckets::head_bucket(&self.backend, req)
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        self.gate("DeleteBucket").await?;
        buckets::delete_bucket(&self.backend, req)
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.gate("GetBucketLocation").await?;
        buckets::get_bucket_location(&self.backend, req)
    }

    async fn get_bucket_versioning(
        &self,
        req: S3Request<GetBucketVersioningInput>,
    ) -> S3Result<S3Response<GetBucketVersioningOutput>> {
        self.gate("GetBucketVersioning").await?;
        buckets::get_bucket_versioning(&self.backend, req)
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        self.gate("PutObject").await?;
        objects::put_object(&self.backend, req).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.gate("GetObject").await?;
        objects::get_object(&self.backend, req)
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.gate("HeadObject").await?;
        objects::head_object(&self.backend, req)
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.gate("DeleteObject").await?;
        objects::delete_object(&self.backend, req)
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        self.gate("DeleteObjects").await?;
        delete_objects::delete_objects(&self.backend, req)
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.gate("ListObjectsV2").await?;
        listing::list_objects_v2(&self.backend, req)
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        self.gate("ListObjects").await?;
        listing::list_objects(&self.backend, req)
    }

    async fn list_object_versions(
        &self,
        req: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        self.gate("ListObjectVersions").await?;
        listing::list_object_versions(&self.backend, req)
    }

    async fn get_bucket_lifecycle_configuration(
        &self,
        req: S3Request<GetBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketLifecycleConfigurationOutput>> {
        self.gate("GetBucketLifecycleConfiguration").await?;
        lifecycle::get_bucket_lifecycle_configuration(&self.backend, req)
    }

    async fn put_bucket_lifecycle_configuration(
        &self,
        req: S3Request<PutBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketLifecycleConfigurationOutput>> {
        self.gate("PutBucketLifecycleConfiguration").await?;
        lifecycle::put_bucket_lifecycle_configuration(&self.backend, req)
    }

    async fn delete_bucket_lifecycle(
        &self,
        req: S3Request<DeleteBucketLifecycleInput>,
    ) -> S3Result<S3Response<DeleteBucketLifecycleOutput>> {
        self.gate("DeleteBucketLifecycle").await?;
        lifecycle::delete_bucket_lifecycle(&self.backend, req)
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        self.gate("CreateMultipartUpload").await?;
        multipart::create_multipart_upload(&self.backend, req)
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        self.gate("UploadPart").await?;
        multipart::upload_part(&self.backend, req).await
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        self.gate("ListMultipartUploads").await?;
        multipart::list_multipart_uploads(&self.backend, req)
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        self.gate("AbortMultipartUpload").await?;
        multipart::abort_multipart_upload(&self.backend, req)
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        self.gate("CompleteMultipartUpload").await?;
        multipart::complete_multipart_upload(&self.backend, req).await
    }
}
