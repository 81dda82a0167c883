//! An order-independent fingerprint of a deployment's objects, so that an alias folder
//! (`--live-alias current`) can be matched to the deployment it is a copy of without
//! holding any keys: feed every object while listing, compare the hex at the end.

use sha2::{Digest, Sha256};

/// Sums a 128-bit hash of every (relative key, size, ETag) modulo 2^128, so the same
/// objects give the same digest in any order and one changed key, size or ETag gives
/// another. Not meant to resist a forger; an accidental match has odds of 2^-128.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DigestAccumulator {
    sum: u128,
}

impl DigestAccumulator {
    pub fn new() -> Self {
        DigestAccumulator::default()
    }

    /// One object. `rel_key` is the key without the deployment's prefix (`<root><name>/`),
    /// so copies under different folders agree; the ETag's surrounding quotes, which S3
    /// sends or not depending on the API, are ignored.
    pub fn add(&mut self, rel_key: &str, size: u64, etag: &str) {
        let etag = etag.strip_prefix('"').unwrap_or(etag);
        let etag = etag.strip_suffix('"').unwrap_or(etag);
        let mut hasher = Sha256::new();
        // Length-prefixed so that no two (key, etag) pairs share an encoding.
        hasher.update((rel_key.len() as u64).to_le_bytes());
        hasher.update(rel_key.as_bytes());
        hasher.update(size.to_le_bytes());
        hasher.update(etag.as_bytes());
        let hash = hasher.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&hash[..16]);
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
    }

    /// Folds in another accumulator over disjoint objects (e.g. listed in parallel).
    pub fn merge(&mut self, other: DigestAccumulator) {
        self.sum = self.sum.wrapping_add(other.sum);
    }

    /// 32 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:032x}", self.sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::SeedableRng;

    type Object = (&'static str, u64, &'static str);

    fn digest(objects: &[Object]) -> String {
        let mut acc = DigestAccumulator::new();
        for (key, size, etag) in objects {
            acc.add(key, *size, etag);
        }
        acc.hex()
    }

    const SITE: [Object; 4] = [
        ("index.html", 512, "\"9b2cf535f27731c974343645a3985328\""),
        ("app.js", 90_000, "\"0cc175b9c0f1b6a831c399e269772661\""),
        (
            "css/site.css",
            2_000,
            "\"92eb5ffee6ae2fec3ad71c777531578f\"",
        ),
        (
            "big.bin",
            1 << 30,
            "\"a3f5b1c2d4e6f7081928374655647382-12\"",
        ),
    ];

    #[test]
    fn the_same_objects_in_any_order_give_the_same_digest() {
        let expected = digest(&SITE);
        assert_eq!(expected.len(), 32);
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..20 {
            let mut shuffled = SITE;
            shuffled.shuffle(&mut rng);
            assert_eq!(digest(&shuffled), expected);
        }
    }

    #[test]
    fn any_changed_key_size_or_etag_changes_the_digest() {
        let base = digest(&SITE);
        let mut key = SITE;
        key[1].0 = "app2.js";
        let mut size = SITE;
        size[1].1 += 1;
        let mut etag = SITE;
        etag[1].2 = "\"0cc175b9c0f1b6a831c399e269772662\"";
        let missing = &SITE[..3];
        for other in [digest(&key), digest(&size), digest(&etag), digest(missing)] {
            assert_ne!(other, base);
        }
        // Moving bytes between key and ETag is a different object.
        assert_ne!(digest(&[("ab", 1, "c")]), digest(&[("a", 1, "bc")]));
    }

    #[test]
    fn etag_quotes_do_not_matter() {
        let unquoted: Vec<Object> = vec![
            ("index.html", 512, "9b2cf535f27731c974343645a3985328"),
            ("app.js", 90_000, "0cc175b9c0f1b6a831c399e269772661"),
            ("css/site.css", 2_000, "92eb5ffee6ae2fec3ad71c777531578f"),
            ("big.bin", 1 << 30, "a3f5b1c2d4e6f7081928374655647382-12"),
        ];
        assert_eq!(digest(&unquoted), digest(&SITE));
    }

    #[test]
    fn merged_halves_equal_the_whole() {
        let mut left = DigestAccumulator::new();
        let mut right = DigestAccumulator::new();
        for (i, (key, size, etag)) in SITE.iter().enumerate() {
            let half = if i % 2 == 0 { &mut left } else { &mut right };
            half.add(key, *size, etag);
        }
        left.merge(right);
        assert_eq!(left.hex(), digest(&SITE));
        assert_eq!(DigestAccumulator::new().hex(), "0".repeat(32));
    }
}
