//! Status progressions of orders: which statuses follow each other and how long each step
//! usually takes, so that a generated history looks like a real shop's (old orders are
//! finished, recent ones are still moving) and `advance` moves orders the way the marketplace
//! would.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;

/// One status an order passes through; the delay is the time since the previous stage.
pub(crate) struct Stage {
    pub(crate) status: &'static str,
    /// `""` when the marketplace sends no sub-status (WB FBW rows).
    pub(crate) substatus: &'static str,
    min_minutes: i64,
    max_minutes: i64,
}

const fn stage(
    status: &'static str,
    substatus: &'static str,
    min_minutes: i64,
    max_minutes: i64,
) -> Stage {
    Stage {
        status,
        substatus,
        min_minutes,
        max_minutes,
    }
}

/// Why an Ozon posting was cancelled (the `cancellation` object of the posting lists).
pub(crate) struct Cancellation {
    pub(crate) reason_id: u32,
    pub(crate) reason: &'static str,
    pub(crate) kind: &'static str,
    /// Ozon sends the initiator as Russian free text.
    pub(crate) initiator: &'static str,
    pub(crate) after_ship: bool,
    pub(crate) affects_rating: bool,
}

/// A full path from creation to a terminal status.
pub(crate) struct Track {
    pub(crate) stages: &'static [Stage],
    pub(crate) cancellation: Option<&'static Cancellation>,
}

const H: i64 = 60;
const D: i64 = 24 * H;

pub(crate) static WB_FBS_SOLD: Track = Track {
    stages: &[
        stage("new", "waiting", 0, 0),
        stage("confirm", "waiting", H, 12 * H),
        stage("complete", "waiting", 6 * H, 36 * H),
        stage("complete", "sorted", 12 * H, 2 * D),
        stage("complete", "ready_for_pickup", D, 4 * D),
        stage("complete", "sold", 6 * H, 5 * D),
    ],
    cancellation: None,
};

/// The buyer cancelled within the first hour, before assembly started.
pub(crate) static WB_FBS_DECLINED: Track = Track {
    stages: &[
        stage("new", "waiting", 0, 0),
        stage("new", "declined_by_client", 5, H),
    ],
    cancellation: None,
};

pub(crate) static WB_FBS_SELLER_CANCEL: Track = Track {
    stages: &[
        stage("new", "waiting", 0, 0),
        stage("confirm", "waiting", H, 12 * H),
        stage("cancel", "canceled", 2 * H, D),
    ],
    cancellation: None,
};

/// The buyer refused the parcel at the pickup point.
pub(crate) static WB_FBS_REFUSED: Track = Track {
    stages: &[
        stage("new", "waiting", 0, 0),
        stage("confirm", "waiting", H, 12 * H),
        stage("complete", "waiting", 6 * H, 36 * H),
        stage("complete", "sorted", 12 * H, 2 * D),
        stage("complete", "ready_for_pickup", D, 4 * D),
        stage("complete", "canceled_by_client", D, 7 * D),
    ],
    cancellation: None,
};

/// FBW orders exist only as statistics rows: the only change they see is a cancellation.
pub(crate) static WB_FBW_KEPT: Track = Track {
    stages: &[stage("fbw", "", 0, 0)],
    cancellation: None,
};

pub(crate) static WB_FBW_CANCELED: Track = Track {
    stages: &[stage("fbw", "", 0, 0), stage("fbw", "canceled", H, 5 * D)],
    cancellation: None,
};

static BUYER_CANCELLED: Cancellation = Cancellation {
    reason_id: 352,
    reason: "Покупатель отменил заказ",
    kind: "client",
    initiator: "Покупатель",
    after_ship: false,
    affects_rating: false,
};

static SELLER_CANCELLED: Cancellation = Cancellation {
    reason_id: 402,
    reason: "Товар закончился на складе продавца",
    kind: "seller",
    initiator: "Продавец",
    after_ship: false,
    affects_rating: true,
};

static NOT_PICKED_UP: Cancellation = Cancellation {
    reason_id: 690,
    reason: "Покупатель не забрал заказ",
    kind: "client",
    initiator: "Покупатель",
    after_ship: true,
    affects_rating: false,
};

/// Used when a test plants `cancelled` on a posting whose track has no cancellation.
pub(crate) static DEFAULT_CANCELLATION: &Cancellation = &BUYER_CANCELLED;

pub(crate) static OZON_FBS_DELIVERED: Track = Track {
    stages: &[
        stage("awaiting_packaging", "posting_created", 0, 0),
        stage("awaiting_deliver", "posting_registered", 2 * H, D),
        stage(
            "delivering",
            "posting_transferring_to_delivery",
            6 * H,
            30 * H,
        ),
        stage("delivering", "posting_on_way_to_city", 6 * H, D),
        stage(
            "delivering",
            "posting_on_way_to_pickup_point",
            12 * H,
            3 * D,
        ),
        stage("delivering", "posting_in_pickup_point", 6 * H, 36 * H),
        stage("delivered", "posting_received", 2 * H, 5 * D),
    ],
    cancellation: None,
};

pub(crate) static OZON_FBS_BUYER_CANCEL: Track = Track {
    stages: &[
        stage("awaiting_packaging", "posting_created", 0, 0),
        stage("cancelled", "posting_canceled", 10, 12 * H),
    ],
    cancellation: Some(&BUYER_CANCELLED),
};

pub(crate) static OZON_FBS_SELLER_CANCEL: Track = Track {
    stages: &[
        stage("awaiting_packaging", "posting_created", 0, 0),
        stage("cancelled", "posting_canceled", 12 * H, 2 * D),
    ],
    cancellation: Some(&SELLER_CANCELLED),
};

pub(crate) static OZON_FBS_NOT_PICKED_UP: Track = Track {
    stages: &[
        stage("awaiting_packaging", "posting_created", 0, 0),
        stage("awaiting_deliver", "posting_registered", 2 * H, D),
        stage(
            "delivering",
            "posting_transferring_to_delivery",
            6 * H,
            30 * H,
        ),
        stage("delivering", "posting_on_way_to_city", 6 * H, D),
        stage(
            "delivering",
            "posting_on_way_to_pickup_point",
            12 * H,
            3 * D,
        ),
        stage("delivering", "posting_in_pickup_point", 6 * H, 36 * H),
        stage("cancelled", "posting_canceled", 5 * D, 7 * D),
    ],
    cancellation: Some(&NOT_PICKED_UP),
};

pub(crate) static OZON_FBO_DELIVERED: Track = Track {
    stages: &[
        stage("awaiting_packaging", "posting_packing", 0, 0),
        stage(
            "awaiting_deliver",
            "posting_transferring_to_delivery",
            H,
            8 * H,
        ),
        stage("delivering", "posting_on_way_to_city", 4 * H, D),
        stage(
            "delivering",
            "posting_on_way_to_pickup_point",
            12 * H,
            2 * D,
        ),
        stage("delivering", "posting_in_pickup_point", 6 * H, D),
        stage("delivered", "posting_received", 2 * H, 5 * D),
    ],
    cancellation: None,
};

pub(crate) static OZON_FBO_BUYER_CANCEL: Track = Track {
    stages: &[
        stage("awaiting_packaging", "posting_packing", 0, 0),
        stage("cancelled", "posting_canceled", 10, 6 * H),
    ],
    cancellation: Some(&BUYER_CANCELLED),
};

pub(crate) static OZON_FBO_NOT_PICKED_UP: Track = Track {
    stages: &[
        stage("awaiting_packaging", "posting_packing", 0, 0),
        stage(
            "awaiting_deliver",
            "posting_transferring_to_delivery",
            H,
            8 * H,
        ),
        stage("delivering", "posting_on_way_to_city", 4 * H, D),
        stage(
            "delivering",
            "posting_on_way_to_pickup_point",
            12 * H,
            2 * D,
        ),
        stage("delivering", "posting_in_pickup_point", 6 * H, D),
        stage("cancelled", "posting_canceled", 5 * D, 7 * D),
    ],
    cancellation: Some(&NOT_PICKED_UP),
};

/// Track mixes per fulfilment model: about 5% of orders end cancelled.
pub(crate) static WB_FBS_MIX: &[(&Track, u32)] = &[
    (&WB_FBS_SOLD, 95),
    (&WB_FBS_DECLINED, 2),
    (&WB_FBS_SELLER_CANCEL, 1),
    (&WB_FBS_REFUSED, 2),
];
pub(crate) static WB_FBW_MIX: &[(&Track, u32)] = &[(&WB_FBW_KEPT, 95), (&WB_FBW_CANCELED, 5)];
pub(crate) static OZON_FBS_MIX: &[(&Track, u32)] = &[
    (&OZON_FBS_DELIVERED, 95),
    (&OZON_FBS_BUYER_CANCEL, 2),
    (&OZON_FBS_SELLER_CANCEL, 1),
    (&OZON_FBS_NOT_PICKED_UP, 2),
];
pub(crate) static OZON_FBO_MIX: &[(&Track, u32)] = &[
    (&OZON_FBO_DELIVERED, 95),
    (&OZON_FBO_BUYER_CANCEL, 3),
    (&OZON_FBO_NOT_PICKED_UP, 2),
];

pub(crate) fn pick_track(rng: &mut StdRng, mix: &[(&'static Track, u32)]) -> &'static Track {
    let total: u32 = mix.iter().map(|(_, weight)| weight).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (track, weight) in mix {
        if roll < *weight {
            return track;
        }
        roll -= weight;
    }
    mix[0].0
}

/// Values a test planted with `set_status`; they win over the track until the next `advance`.
pub(crate) struct Planted {
    status: String,
    substatus: Option<String>,
}

/// Where an order is on its track.
pub(crate) struct Life {
    pub(crate) track: &'static Track,
    pub(crate) step: usize,
    pub(crate) created_at: DateTime<Utc>,
    /// Time of the last status change (what `lastChangeDate` / `last_changed_status_date` see).
    pub(crate) changed_at: DateTime<Utc>,
    planted: Option<Box<Planted>>,
}

impl Life {
    /// Walks the track from `created_at`, taking every step whose time has come by `now`.
    /// All delays are drawn even for steps not reached, so ids generated afterwards do not
    /// depend on the clock.
    pub(crate) fn simulate(
        rng: &mut StdRng,
        track: &'static Track,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut at = created_at;
        let mut changed_at = created_at;
        let mut step = 0;
        let mut reached = true;
        for (index, stage) in track.stages.iter().enumerate().skip(1) {
            at += Duration::minutes(rng.random_range(stage.min_minutes..=stage.max_minutes))
                + Duration::seconds(rng.random_range(0..60));
            if reached && at <= now {
                step = index;
                changed_at = at;
            } else {
                reached = false;
            }
        }
        Self {
            track,
            step,
            created_at,
            changed_at,
            planted: None,
        }
    }

    /// An order placed in a given stage at given times (demo records).
    pub(crate) fn at(
        track: &'static Track,
        step: usize,
        created_at: DateTime<Utc>,
        changed_at: DateTime<Utc>,
    ) -> Self {
        Self {
            track,
            step: step.min(track.stages.len() - 1),
            created_at,
            changed_at,
            planted: None,
        }
    }

    fn stage(&self) -> &'static Stage {
        &self.track.stages[self.step]
    }

    pub(crate) fn status(&self) -> &str {
        match &self.planted {
            Some(planted) => &planted.status,
            None => self.stage().status,
        }
    }

    /// `""` when there is none.
    pub(crate) fn substatus(&self) -> &str {
        match &self.planted {
            Some(planted) => planted.substatus.as_deref().unwrap_or(""),
            None => self.stage().substatus,
        }
    }

    pub(crate) fn is_terminal(&self) -> bool {
        self.step + 1 >= self.track.stages.len()
    }

    /// One step further along the track; planted values are dropped.
    pub(crate) fn advance(&mut self, now: DateTime<Utc>) {
        if !self.is_terminal() {
            self.step += 1;
        }
        self.planted = None;
        self.changed_at = now;
    }

    pub(crate) fn plant(&mut self, status: &str, substatus: Option<&str>, now: DateTime<Utc>) {
        self.planted = Some(Box::new(Planted {
            status: status.to_owned(),
            substatus: substatus.map(str::to_owned),
        }));
        self.changed_at = now;
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn old_orders_are_finished_and_fresh_ones_are_new() {
        let mut rng = StdRng::seed_from_u64(3);
        let now = Utc::now();
        let old = Life::simulate(&mut rng, &WB_FBS_SOLD, now - Duration::days(60), now);
        assert_eq!((old.status(), old.substatus()), ("complete", "sold"));
        assert!(old.changed_at <= now && old.changed_at > old.created_at);
        let fresh = Life::simulate(&mut rng, &OZON_FBS_DELIVERED, now, now);
        assert_eq!(fresh.status(), "awaiting_packaging");
        assert_eq!(fresh.changed_at, fresh.created_at);
    }

    #[test]
    fn planted_values_win_until_the_next_step() {
        let now = Utc::now();
        let mut life = Life::at(&WB_FBS_SOLD, 1, now, now);
        life.plant("teleported", None, now);
        assert_eq!((life.status(), life.substatus()), ("teleported", ""));
        life.advance(now);
        assert_eq!((life.status(), life.substatus()), ("complete", "waiting"));
    }
}
