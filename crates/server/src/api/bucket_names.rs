//! S3's bucket naming rules, enforced with a message that names the bucket and the
//! rule it breaks.
//!
//! `s3s` checks names while routing but answers a bare `InvalidBucketName`, so it is
//! told to accept every name and the check runs as the access check instead (after
//! the signature, before the handler), which sees every operation's bucket.

use s3s::access::{S3Access, S3AccessContext};
use s3s::validation::NameValidation;
use s3s::{S3Error, S3ErrorCode, S3Result};

/// Why `name` is not a valid bucket name, as the end of "a bucket name …".
///
/// The rules and their wording match the engine's client-side check, plus the two
/// S3 rules that check leaves to the server: hyphens next to dots and `xn--`.
pub(crate) fn problem(name: &str) -> Option<&'static str> {
    let labels = || name.split('.');
    if name.len() < 3 || name.len() > 63 {
        Some("must be 3 to 63 characters long")
    } else if name.chars().any(|c| c.is_ascii_uppercase()) {
        Some("must not contain uppercase letters")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        Some("may contain only lowercase letters, digits, dots and hyphens")
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        Some("must begin and end with a letter or digit")
    } else if name.contains("..") {
        Some("must not contain two adjacent dots")
    } else if labels().any(|label| label.starts_with('-') || label.ends_with('-')) {
        Some("must not have a hyphen next to a dot (each dot-separated label begins and ends with a letter or digit)")
    } else if labels().count() == 4 && labels().all(|label| label.parse::<u8>().is_ok()) {
        Some("must not look like an IP address")
    } else if name.starts_with("xn--") {
        Some("must not begin with \"xn--\"")
    } else {
        None
    }
}

pub(crate) fn check(name: &str) -> S3Result<()> {
    match problem(name) {
        None => Ok(()),
        Some(why) => Err(S3Error::with_message(
            S3ErrorCode::InvalidBucketName,
            format!("Invalid bucket name {name:?}: a bucket name {why}."),
        )),
    }
}

/// Plugged into `s3s` as both its name validation and its access check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BucketNames;

impl NameValidation for BucketNames {
    fn validate_bucket_name(&self, _name: &str) -> bool {
        true
    }
}

#[async_trait::async_trait]
impl S3Access for BucketNames {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        // What s3s does when no access check is set.
        if cx.credentials().is_none() {
            return Err(S3Error::with_message(
                S3ErrorCode::AccessDenied,
                "Signature is required",
            ));
        }
        cx.s3_path().get_bucket_name().map_or(Ok(()), check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names() {
        for name in [
            "abc",
            "my-bucket",
            "my.bucket.with.dots",
            "b1-2-3",
            "a-b.c--d.e",
            "1.2.3.4.5",
            &"a".repeat(63),
        ] {
            assert_eq!(problem(name), None, "{name}");
        }
    }

    #[test]
    fn invalid_names_say_which_rule() {
        for (name, rule) in [
            ("ab", "3 to 63"),
            (&"a".repeat(64), "3 to 63"),
            ("", "3 to 63"),
            ("MyBucket", "uppercase"),
            ("my_bucket", "only lowercase"),
            ("s3://b", "only lowercase"),
            ("-bucket", "begin and end"),
            ("bucket-", "begin and end"),
            ("a..b", "adjacent dots"),
            ("foo.-bar", "hyphen next to a dot"),
            ("foo-.bar", "hyphen next to a dot"),
            ("a.b-.c", "hyphen next to a dot"),
            ("192.168.1.1", "IP address"),
            ("xn--bucket", "xn--"),
        ] {
            let why = problem(name).unwrap_or_else(|| panic!("{name:?} accepted"));
            assert!(why.contains(rule), "{name:?}: {why}");
        }
    }

    #[test]
    fn the_error_names_the_bucket_and_the_rule() {
        let e = check("foo.-bar").unwrap_err();
        assert_eq!(*e.code(), S3ErrorCode::InvalidBucketName);
        let message = e.message().unwrap();
        assert!(message.contains("\"foo.-bar\""), "{message}");
        assert!(message.contains("hyphen next to a dot"), "{message}");
    }

    /// Every name s3s's own routing check rejects is still rejected.
    #[test]
    fn at_least_as_strict_as_s3s() {
        for name in [
            "ab", "Ab1", "a_b", "-ab", "ab-", ".ab", "ab.", "a..b", "10.0.0.1", "xn--ab", "a b",
        ] {
            assert!(!s3s::path::check_bucket_name(name), "{name}");
            assert!(problem(name).is_some(), "{name}");
        }
    }
}
