//! Orders as the marketplaces keep them: WB assembly orders (FBS) and statistics-only FBW
//! orders, Ozon FBS and FBO postings. Only compact numbers are stored; the many string ids
//! (`rid`, `srid`, `orderUid`, posting numbers) are derived from them when a response is built.

use chrono::{DateTime, Utc};

use super::lifecycle::Life;

/// One unit ordered on WB (WB has one row per unit).
pub(crate) struct WbOrder {
    /// FBS: the assembly-order id; FBW: an internal sequence number.
    pub(crate) id: u64,
    /// Random bits the string ids are derived from.
    pub(crate) key: u128,
    pub(crate) fbw: bool,
    pub(crate) product: usize,
    pub(crate) size: usize,
    pub(crate) city: usize,
    /// FBW: the WB warehouse it ships from.
    pub(crate) warehouse: usize,
    /// WB's own discount on top of the seller's, percent.
    pub(crate) spp: u32,
    pub(crate) life: Life,
}

impl WbOrder {
    /// `rid` of the marketplace API, `srid` of statistics: the cross-API order key.
    pub(crate) fn srid(&self) -> String {
        if self.fbw {
            let number = (self.key as u64) % 10_000_000_000_000_000_000;
            format!("{number}.{}.0", 1 + (self.key >> 64) % 3)
        } else {
            format!("{:032x}", self.key)
        }
    }

    /// Groups the assembly orders of one cart.
    pub(crate) fn order_uid(&self) -> String {
        format!(
            "{}_{:032x}",
            100_000_000 + (self.key >> 96) % 900_000_000,
            self.key.rotate_left(17)
        )
    }

    pub(crate) fn g_number(&self) -> String {
        format!(
            "{:020}",
            self.key.rotate_left(41) % 100_000_000_000_000_000_000
        )
    }

    /// Sticker number printed on FBS parcels; FBW rows have none.
    pub(crate) fn sticker(&self) -> String {
        if self.fbw {
            String::new()
        } else {
            format!("{}", 100_000_000 + (self.key >> 32) % 900_000_000)
        }
    }

    /// What a client stores as the order's id: the assembly-order id for FBS, `srid` for FBW.
    pub(crate) fn external_id(&self) -> String {
        if self.fbw {
            self.srid()
        } else {
            self.id.to_string()
        }
    }

    /// Whether WB statistics mark the row cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.life.status() == "cancel"
            || matches!(
                self.life.substatus(),
                "canceled" | "canceled_by_client" | "declined_by_client" | "defect"
            )
    }
}

/// One Ozon posting (`<order number>-<part>`), with one product line.
pub(crate) struct Posting {
    /// Internal id: the tie-breaker of cursor pagination.
    pub(crate) id: u64,
    pub(crate) order_id: u64,
    /// The order number is `<customer>-<seq>`, both zero-padded.
    pub(crate) customer: u32,
    pub(crate) seq: u32,
    pub(crate) part: u32,
    pub(crate) fbo: bool,
    pub(crate) product: usize,
    pub(crate) quantity: u32,
    pub(crate) city: usize,
    /// FBO: index of the Ozon warehouse it ships from.
    pub(crate) warehouse: usize,
    pub(crate) life: Life,
}

impl Posting {
    pub(crate) fn order_number(&self) -> String {
        format!("{:08}-{:04}", self.customer, self.seq)
    }

    pub(crate) fn posting_number(&self) -> String {
        format!("{:08}-{:04}-{}", self.customer, self.seq, self.part)
    }

    /// Ozon sorts and filters posting lists by this time.
    pub(crate) fn in_process_at(&self) -> DateTime<Utc> {
        self.life.created_at
    }
}

/// Splits `12345678-0012-1` into its numbers; `None` for anything else.
pub(crate) fn parse_posting_number(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('-');
    let customer = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let part = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((customer, seq, part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posting_numbers_round_trip() {
        assert_eq!(
            parse_posting_number("12345678-0012-1"),
            Some((12_345_678, 12, 1))
        );
        assert_eq!(parse_posting_number("12345678-0012"), None);
        assert_eq!(parse_posting_number("12345678-0012-1-2"), None);
        assert_eq!(parse_posting_number("abc"), None);
    }
}
