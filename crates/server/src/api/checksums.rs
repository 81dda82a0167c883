//! Flexible checksums (`x-amz-checksum-*`) on uploads.

use s3s::checksum::ChecksumHasher;
use s3s::crypto::{Checksum as _, Crc32, Crc32c, Crc64Nvme, Sha1, Sha256};
use s3s::dto::{Checksum, PutObjectInput};
use s3s::{S3Error, S3ErrorCode, S3Result, TrailingHeaders};

/// Verifies the flexible checksums the client sent (as headers, or as trailers
/// of an `aws-chunked` body) and returns the computed ones.
pub(super) fn verify_checksums(
    input: &PutObjectInput,
    trailers: Option<&TrailingHeaders>,
    data: &[u8],
) -> S3Result<Checksum> {
    let trailer = |name: &str| {
        trailers
            .and_then(|t| t.read(|h| h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)))
            .flatten()
    };
    let expected = Checksum {
        checksum_crc32: input
            .checksum_crc32
            .clone()
            .or_else(|| trailer("x-amz-checksum-crc32")),
        checksum_crc32c: input
            .checksum_crc32c
            .clone()
            .or_else(|| trailer("x-amz-checksum-crc32c")),
        checksum_crc64nvme: input
            .checksum_crc64nvme
            .clone()
            .or_else(|| trailer("x-amz-checksum-crc64nvme")),
        checksum_sha1: input
            .checksum_sha1
            .clone()
            .or_else(|| trailer("x-amz-checksum-sha1")),
        checksum_sha256: input
            .checksum_sha256
            .clone()
            .or_else(|| trailer("x-amz-checksum-sha256")),
        ..Checksum::default()
    };
    let mut hasher = ChecksumHasher {
        crc32: expected.checksum_crc32.is_some().then(Crc32::new),
        crc32c: expected.checksum_crc32c.is_some().then(Crc32c::new),
        sha1: expected.checksum_sha1.is_some().then(Sha1::new),
        sha256: expected.checksum_sha256.is_some().then(Sha256::new),
        crc64nvme: expected.checksum_crc64nvme.is_some().then(Crc64Nvme::new),
    };
    hasher.update(data);
    let actual = hasher.finalize();
    let pairs = [
        ("CRC32", &expected.checksum_crc32, &actual.checksum_crc32),
        ("CRC32C", &expected.checksum_crc32c, &actual.checksum_crc32c),
        (
            "CRC64NVME",
            &expected.checksum_crc64nvme,
            &actual.checksum_crc64nvme,
        ),
        ("SHA1", &expected.checksum_sha1, &actual.checksum_sha1),
        ("SHA256", &expected.checksum_sha256, &actual.checksum_sha256),
    ];
    for (name, expected, actual) in pairs {
        if expected.is_some() && expected != actual {
            return Err(S3Error::with_message(
                S3ErrorCode::BadDigest,
                format!("The {name} you specified did not match the calculated checksum."),
            ));
        }
    }
    Ok(actual)
}
