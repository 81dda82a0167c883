/// Checks a bucket name against S3's naming rules, so a typo fails before any request
/// with a message saying what is wrong.
pub fn validate_bucket_name(name: &str) -> Result<(), String> {
    let problem = if name.len() < 3 || name.len() > 63 {
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
    } else if name.contains(".-") || name.contains("-.") {
        Some("must not have a hyphen next to a dot (each dot-separated label begins and ends with a letter or digit)")
    } else if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        Some("must not look like an IP address")
    } else {
        None
    };
    match problem {
        Some(why) => Err(format!("invalid bucket name {name:?}: a bucket name {why}")),
        None => Ok(()),
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
            &"a".repeat(63),
        ] {
            assert!(validate_bucket_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn invalid_names() {
        for name in [
            "ab",
            "MyBucket",
            "my_bucket",
            "-bucket",
            "bucket-",
            "a..b",
            "foo.-bar",
            "foo-.bar",
            "192.168.1.1",
            "s3://b",
            "",
            &"a".repeat(64),
        ] {
            assert!(validate_bucket_name(name).is_err(), "{name}");
        }
    }
}
