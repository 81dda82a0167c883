//! How stored values are spelled on the wire: URL-encoded keys (`encoding-type=url`),
//! continuation tokens, ETags, timestamps, the owner and optional lists.

use std::collections::BTreeMap;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use s3s::dto::{ETag, EncodingType, Metadata, Owner, Timestamp};
use s3s::S3Result;

use super::errors::invalid_argument;
use crate::store::StoredObject;

const OWNER_ID: &str = "s3prune";

/// What S3 leaves as is with `encoding-type=url`: unreserved characters and `/`.
/// Decoders using either `unquote` or `unquote_plus` then recover the exact key.
const KEY_UNESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Whether `encoding-type=url` was requested (the only value S3 accepts).
pub(super) fn url_encoding(encoding_type: Option<&EncodingType>) -> S3Result<bool> {
    match encoding_type.map(EncodingType::as_str) {
        None => Ok(false),
        Some(EncodingType::URL) => Ok(true),
        Some(_) => Err(invalid_argument(
            "Invalid Encoding Method specified in Request",
        )),
    }
}

pub(super) fn url_encode(s: &str) -> String {
    utf8_percent_encode(s, KEY_UNESCAPED).to_string()
}

/// Spells keys and prefixes as requested: URL-encoded or verbatim.
pub(super) fn encoder(url: bool) -> impl Fn(&str) -> String {
    move |s: &str| if url { url_encode(s) } else { s.to_owned() }
}

pub(super) fn encoding_type(url: bool) -> Option<EncodingType> {
    url.then(|| EncodingType::from_static(EncodingType::URL))
}

pub(super) fn encode_token(marker: &str) -> String {
    hex::encode(marker.as_bytes())
}

pub(super) fn decode_token(token: &str) -> S3Result<String> {
    hex::decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| invalid_argument("The continuation token provided is incorrect"))
}

pub(super) fn timestamp(t: DateTime<Utc>) -> Timestamp {
    Timestamp::from(SystemTime::from(t))
}

/// `s3s` adds the quotes.
pub(super) fn etag(object: &StoredObject) -> ETag {
    ETag::Strong(object.meta.md5.clone())
}

pub(super) fn owner() -> Owner {
    Owner {
        display_name: Some(OWNER_ID.to_owned()),
        id: Some(OWNER_ID.to_owned()),
    }
}

/// S3 omits empty lists rather than sending empty elements.
pub(super) fn opt_list<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

pub(super) fn opt_metadata(metadata: &BTreeMap<String, String>) -> Option<Metadata> {
    (!metadata.is_empty()).then(|| {
        metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoding_round_trips_odd_keys() {
        assert_eq!(url_encode("a b+c/%d#e?ü~"), "a%20b%2Bc/%25d%23e%3F%C3%BC~");
    }

    #[test]
    fn url_encoding_leaves_only_unreserved_characters_and_slash() {
        let all_ascii: String = (0u8..128).map(char::from).collect();
        let kept: String = url_encode(&all_ascii)
            .split('%')
            .enumerate()
            .map(|(i, part)| if i == 0 { part } else { &part[2..] })
            .collect();
        assert_eq!(
            kept,
            "-./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"
        );
    }

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        let marker = "dir with space/ünï+%/";
        assert_eq!(decode_token(&encode_token(marker)).unwrap(), marker);
        assert!(decode_token("zz").is_err());
        assert!(decode_token("ff").is_err()); // not UTF-8
    }
}
