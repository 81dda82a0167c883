//! What a deployment costs to keep and what deleting it would charge: its bytes per
//! storage class, priced from a table of list prices, and the early-deletion charge for
//! objects younger than their class's minimum storage duration.
//!
//! The tally is gathered as entries stream past (a fixed array per deployment, no keys)
//! and holds no prices, so the same listing can be priced with any `--price-per-gb`.

use chrono::{DateTime, Utc};

/// The S3 storage classes s3prune prices. A class the table does not know is counted
/// as [`StorageClass::Other`] and priced like STANDARD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StorageClass {
    Standard,
    IntelligentTiering,
    StandardIa,
    OnezoneIa,
    GlacierIr,
    Glacier,
    DeepArchive,
    ReducedRedundancy,
    ExpressOnezone,
    Other,
}

const CLASSES: usize = 10;

impl StorageClass {
    /// Every class, in the order of the tally's arrays.
    pub const ALL: [StorageClass; CLASSES] = [
        StorageClass::Standard,
        StorageClass::IntelligentTiering,
        StorageClass::StandardIa,
        StorageClass::OnezoneIa,
        StorageClass::GlacierIr,
        StorageClass::Glacier,
        StorageClass::DeepArchive,
        StorageClass::ReducedRedundancy,
        StorageClass::ExpressOnezone,
        StorageClass::Other,
    ];

    /// The class a listing names; a listing that names none means STANDARD.
    pub fn parse(name: Option<&str>) -> StorageClass {
        match name.unwrap_or("STANDARD") {
            "" | "STANDARD" => StorageClass::Standard,
            "INTELLIGENT_TIERING" => StorageClass::IntelligentTiering,
            "STANDARD_IA" => StorageClass::StandardIa,
            "ONEZONE_IA" => StorageClass::OnezoneIa,
            "GLACIER_IR" => StorageClass::GlacierIr,
            "GLACIER" => StorageClass::Glacier,
            "DEEP_ARCHIVE" => StorageClass::DeepArchive,
            "REDUCED_REDUNDANCY" => StorageClass::ReducedRedundancy,
            "EXPRESS_ONEZONE" => StorageClass::ExpressOnezone,
            _ => StorageClass::Other,
        }
    }

    /// S3's name for the class (`OTHER` for one the table does not know).
    pub fn as_str(self) -> &'static str {
        match self {
            StorageClass::Standard => "STANDARD",
            StorageClass::IntelligentTiering => "INTELLIGENT_TIERING",
            StorageClass::StandardIa => "STANDARD_IA",
            StorageClass::OnezoneIa => "ONEZONE_IA",
            StorageClass::GlacierIr => "GLACIER_IR",
            StorageClass::Glacier => "GLACIER",
            StorageClass::DeepArchive => "DEEP_ARCHIVE",
            StorageClass::ReducedRedundancy => "REDUCED_REDUNDANCY",
            StorageClass::ExpressOnezone => "EXPRESS_ONEZONE",
            StorageClass::Other => "OTHER",
        }
    }

    /// The minimum storage duration S3 bills, in days; 0 for classes without one.
    pub fn minimum_days(self) -> u32 {
        match self {
            StorageClass::StandardIa | StorageClass::OnezoneIa => 30,
            StorageClass::GlacierIr | StorageClass::Glacier => 90,
            StorageClass::DeepArchive => 180,
            _ => 0,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Bytes per storage class of one deployment, and what deleting its young objects would
/// charge (as byte-seconds of minimum duration left, per class, counted from when the
/// deployment was listed). Constant size whatever the number of objects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorageTally {
    bytes: [u64; CLASSES],
    early_byte_seconds: [u128; CLASSES],
}

const SECONDS_PER_DAY: u64 = 86_400;
/// AWS prorates a GB-month price by day; a month is counted as 30 days.
const SECONDS_PER_MONTH: f64 = 30.0 * SECONDS_PER_DAY as f64;
/// AWS bills storage per GB of 2^30 bytes.
const BYTES_PER_GB: f64 = (1u64 << 30) as f64;

impl StorageTally {
    /// Adds one object (or version) of `size` bytes in `class`, last written at
    /// `modified`, as if deleted at `now`.
    pub fn add(
        &mut self,
        class: StorageClass,
        size: u64,
        modified: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        let i = class.index();
        self.bytes[i] += size;
        let minimum = u64::from(class.minimum_days()) * SECONDS_PER_DAY;
        let age = (now - modified).num_seconds().max(0) as u64;
        if age < minimum {
            self.early_byte_seconds[i] += u128::from(size) * u128::from(minimum - age);
        }
    }

    pub fn merge(&mut self, other: StorageTally) {
        for i in 0..CLASSES {
            self.bytes[i] += other.bytes[i];
            self.early_byte_seconds[i] += other.early_byte_seconds[i];
        }
    }

    /// Takes back a tally merged in before (a running total losing one member).
    pub fn unmerge(&mut self, other: StorageTally) {
        for i in 0..CLASSES {
            self.bytes[i] -= other.bytes[i];
            self.early_byte_seconds[i] -= other.early_byte_seconds[i];
        }
    }

    pub fn bytes_in(&self, class: StorageClass) -> u64 {
        self.bytes[class.index()]
    }

    /// The classes that hold bytes, with their bytes, in [`StorageClass::ALL`] order.
    pub fn by_class(&self) -> impl Iterator<Item = (StorageClass, u64)> + '_ {
        StorageClass::ALL
            .into_iter()
            .map(|c| (c, self.bytes_in(c)))
            .filter(|&(_, b)| b > 0)
    }

    pub fn total_bytes(&self) -> u64 {
        self.bytes.iter().sum()
    }
}

/// USD per GB-month for each storage class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceTable {
    per_gb_month: [f64; CLASSES],
}

/// S3 Standard's first-tier price in us-east-1, USD per GB-month.
pub const STANDARD_PRICE_PER_GB: f64 = 0.023;

impl Default for PriceTable {
    fn default() -> Self {
        PriceTable::us_east_1()
    }
}

impl PriceTable {
    /// List prices in us-east-1 (first tier; INTELLIGENT_TIERING at its frequent access
    /// tier). The README names the source and its date.
    pub fn us_east_1() -> PriceTable {
        let mut per_gb_month = [0.0; CLASSES];
        for class in StorageClass::ALL {
            per_gb_month[class.index()] = match class {
                StorageClass::Standard | StorageClass::Other => STANDARD_PRICE_PER_GB,
                StorageClass::IntelligentTiering => 0.023,
                StorageClass::StandardIa => 0.0125,
                StorageClass::OnezoneIa => 0.01,
                StorageClass::GlacierIr => 0.004,
                StorageClass::Glacier => 0.0036,
                StorageClass::DeepArchive => 0.00099,
                StorageClass::ReducedRedundancy => 0.024,
                StorageClass::ExpressOnezone => 0.11,
            };
        }
        PriceTable { per_gb_month }
    }

    /// This table with STANDARD (and classes the table does not know) at `price`
    /// (`--price-per-gb`); the other classes keep their list prices.
    pub fn with_standard(mut self, price: f64) -> PriceTable {
        self.per_gb_month[StorageClass::Standard.index()] = price;
        self.per_gb_month[StorageClass::Other.index()] = price;
        self
    }

    pub fn price(&self, class: StorageClass) -> f64 {
        self.per_gb_month[class.index()]
    }

    /// What the tallied bytes cost per month.
    pub fn monthly_usd(&self, tally: &StorageTally) -> f64 {
        StorageClass::ALL
            .into_iter()
            .map(|c| tally.bytes_in(c) as f64 / BYTES_PER_GB * self.price(c))
            .sum()
    }

    /// What deleting the tallied objects would be charged for the minimum storage
    /// duration they have not reached yet: the rest of that duration's storage.
    pub fn early_deletion_usd(&self, tally: &StorageTally) -> f64 {
        StorageClass::ALL
            .into_iter()
            .map(|c| {
                let byte_months = tally.early_byte_seconds[c.index()] as f64 / SECONDS_PER_MONTH;
                byte_months / BYTES_PER_GB * self.price(c)
            })
            .sum()
    }
}

/// What a set of deployments (a plan's deletions, the explorer's marks) costs per month,
/// what deleting them now would charge early, and their incomplete uploads.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostTotals {
    pub monthly_usd: f64,
    pub early_deletion_usd: f64,
    pub incomplete_uploads: u64,
    /// Bytes in a class other than STANDARD (priced at their class's list price).
    pub other_class_bytes: u64,
}

impl PriceTable {
    /// The [`CostTotals`] of a tally (one deployment's, or the sum of several) holding
    /// `incomplete_uploads`.
    pub fn of(&self, storage: &StorageTally, incomplete_uploads: u64) -> CostTotals {
        CostTotals {
            monthly_usd: self.monthly_usd(storage),
            early_deletion_usd: self.early_deletion_usd(storage),
            incomplete_uploads,
            other_class_bytes: storage.total_bytes() - storage.bytes_in(StorageClass::Standard),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    const GB: u64 = 1 << 30;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn classes_parse_from_listings_and_unknown_ones_are_other() {
        assert_eq!(StorageClass::parse(None), StorageClass::Standard);
        assert_eq!(StorageClass::parse(Some("GLACIER")), StorageClass::Glacier);
        assert_eq!(
            StorageClass::parse(Some("STANDARD_IA")),
            StorageClass::StandardIa
        );
        assert_eq!(StorageClass::parse(Some("SNOW")), StorageClass::Other);
        for class in StorageClass::ALL {
            if class != StorageClass::Other {
                assert_eq!(StorageClass::parse(Some(class.as_str())), class);
            }
        }
    }

    #[test]
    fn monthly_cost_prices_each_class_at_its_own_rate() {
        let old = now() - Duration::days(400);
        let mut tally = StorageTally::default();
        tally.add(StorageClass::Standard, 2 * GB, old, now());
        tally.add(StorageClass::StandardIa, 4 * GB, old, now());
        tally.add(StorageClass::Glacier, 10 * GB, old, now());
        let table = PriceTable::us_east_1();
        assert!(close(
            table.monthly_usd(&tally),
            2.0 * 0.023 + 4.0 * 0.0125 + 10.0 * 0.0036
        ));
        assert!(close(table.early_deletion_usd(&tally), 0.0));
        assert_eq!(tally.total_bytes(), 16 * GB);
        let classes: Vec<_> = tally.by_class().collect();
        assert_eq!(
            classes,
            vec![
                (StorageClass::Standard, 2 * GB),
                (StorageClass::StandardIa, 4 * GB),
                (StorageClass::Glacier, 10 * GB)
            ]
        );
    }

    #[test]
    fn price_per_gb_overrides_standard_only() {
        let old = now() - Duration::days(400);
        let mut tally = StorageTally::default();
        tally.add(StorageClass::Standard, GB, old, now());
        tally.add(StorageClass::DeepArchive, GB, old, now());
        let table = PriceTable::us_east_1().with_standard(0.1);
        assert!(close(table.monthly_usd(&tally), 0.1 + 0.00099));
        assert!(close(table.price(StorageClass::StandardIa), 0.0125));
    }

    #[test]
    fn early_deletion_charges_the_rest_of_the_minimum_duration() {
        let mut tally = StorageTally::default();
        // 10 days into STANDARD_IA's 30: 20 days (two thirds of a month) are charged.
        tally.add(
            StorageClass::StandardIa,
            3 * GB,
            now() - Duration::days(10),
            now(),
        );
        // 30 days into GLACIER's 90: 60 days, two months.
        tally.add(StorageClass::Glacier, GB, now() - Duration::days(30), now());
        // DEEP_ARCHIVE written just now: the whole 180 days, six months.
        tally.add(StorageClass::DeepArchive, GB, now(), now());
        // Old enough, and a class without a minimum: nothing.
        tally.add(
            StorageClass::OnezoneIa,
            GB,
            now() - Duration::days(31),
            now(),
        );
        tally.add(StorageClass::Standard, GB, now(), now());
        let table = PriceTable::us_east_1();
        let expected = 3.0 * 0.0125 * 20.0 / 30.0 + 0.0036 * 2.0 + 0.00099 * 6.0;
        assert!(close(table.early_deletion_usd(&tally), expected));
    }

    #[test]
    fn merged_tallies_add_up() {
        let mut a = StorageTally::default();
        let mut b = StorageTally::default();
        a.add(StorageClass::GlacierIr, GB, now(), now());
        b.add(StorageClass::GlacierIr, GB, now(), now());
        b.add(StorageClass::Standard, 5, now(), now());
        a.merge(b);
        assert_eq!(a.bytes_in(StorageClass::GlacierIr), 2 * GB);
        assert_eq!(a.bytes_in(StorageClass::Standard), 5);
        let table = PriceTable::us_east_1();
        assert!(close(table.early_deletion_usd(&a), 2.0 * 0.004 * 3.0));
    }
}
