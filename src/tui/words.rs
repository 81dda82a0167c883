//! Nouns that follow a number.

use crate::format::count;

/// `1 deployment`, `2,345 deployments`: the number as [`count`] writes it and the noun,
/// plural unless there is exactly one.
pub fn plural(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", count(n), plural_ending(n))
}

/// The ending of a plural noun after `n`: `s`, or nothing for exactly one.
pub fn plural_ending(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(0, "deployment"), "0 deployments");
        assert_eq!(plural(1, "deployment"), "1 deployment");
        assert_eq!(plural(1234, "object"), "1,234 objects");
        assert_eq!(plural_ending(2), "s");
    }
}
