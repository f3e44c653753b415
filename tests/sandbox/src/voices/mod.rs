//! What shoppers write on WB and Ozon: reviews over every rating and questions and chat
//! openers about every property people ask after, written as real shoppers write them (short
//! and long, with and without pros and cons, some in lower case, with typos, without
//! punctuation or with emoji). Each text is labelled with what a reader should take from it —
//! the stars, what the shopper liked, the problem they name, the property they ask about — so
//! tests can run anything that reads shoppers over all of them and check it against the
//! labels. The sandbox's generated shoppers and demo traffic speak with these voices.
//!
//! The texts are data about shoppers only; nothing here knows how a seller should answer.
//!
//! ```
//! use otklik_sandbox::voices::{self, Problem};
//!
//! let small: Vec<_> = voices::reviews()
//!     .iter()
//!     .filter(|review| review.stars <= 3 && review.problem == Some(Problem::SizeSmall))
//!     .collect();
//! assert!(small.len() >= 5);
//! assert!(voices::questions().len() >= 120);
//! ```

mod questions;
mod reviews;

pub use questions::questions;
pub use reviews::reviews;

/// What kind of goods a text is about, so it lands on a fitting product card. Products are of
/// one of the concrete kinds (tops, trousers, outerwear, shoes, bags, hats, mugs, kettles);
/// texts may fit a group of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Goods {
    /// Fits any product.
    Any,
    /// Anything worn: clothes, shoes, hats.
    Wearables,
    /// Tops, trousers and outerwear.
    Clothes,
    /// Garments with sleeves and shoulders: tops and outerwear.
    Sleeved,
    /// Dresses, T-shirts, hoodies, sweaters.
    Tops,
    /// Jeans.
    Trousers,
    /// Down coats and jackets.
    Outerwear,
    Shoes,
    /// Backpacks and bags.
    Bags,
    Hats,
    /// Thermo mugs.
    Mugs,
    /// Electric kettles.
    Kettles,
}

impl Goods {
    /// The kinds a product can be.
    pub const CONCRETE: [Goods; 8] = [
        Goods::Tops,
        Goods::Trousers,
        Goods::Outerwear,
        Goods::Shoes,
        Goods::Bags,
        Goods::Hats,
        Goods::Mugs,
        Goods::Kettles,
    ];

    const ALL: [Goods; 12] = [
        Goods::Any,
        Goods::Wearables,
        Goods::Clothes,
        Goods::Sleeved,
        Goods::Tops,
        Goods::Trousers,
        Goods::Outerwear,
        Goods::Shoes,
        Goods::Bags,
        Goods::Hats,
        Goods::Mugs,
        Goods::Kettles,
    ];

    /// Whether a text about `self` reads naturally on a product of the concrete kind
    /// `product`.
    pub fn suits(self, product: Goods) -> bool {
        use Goods::*;
        match self {
            Any => true,
            Wearables => matches!(product, Tops | Trousers | Outerwear | Shoes | Hats),
            Clothes => matches!(product, Tops | Trousers | Outerwear),
            Sleeved => matches!(product, Tops | Outerwear),
            other => other == product,
        }
    }

    /// The target covering exactly what both cover, when a text is composed of parts; `None`
    /// when they have nothing in common.
    pub(crate) fn narrow(self, other: Goods) -> Option<Goods> {
        let common = |target: Goods| {
            Self::CONCRETE
                .iter()
                .all(|&kind| target.suits(kind) == (self.suits(kind) && other.suits(kind)))
        };
        Self::CONCRETE
            .iter()
            .any(|&kind| self.suits(kind) && other.suits(kind))
            .then(|| Self::ALL.into_iter().find(|&target| common(target)))
            .flatten()
    }
}

/// What a shopper praises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Liked {
    /// Workmanship: seams, finish, how it wears.
    Quality,
    /// The size was right.
    Fit,
    Colour,
    /// The fabric, leather or body: how it feels.
    Material,
    Warmth,
    Comfort,
    Price,
    /// Fast or on time.
    Delivery,
    /// Packed well, a nice box.
    Packaging,
    /// How it looks on, the style.
    Looks,
    /// It does its job: a kettle boils fast, a mug keeps heat, a bag holds a laptop, boots keep
    /// feet dry.
    Function,
}

impl Liked {
    pub fn as_str(self) -> &'static str {
        match self {
            Liked::Quality => "quality",
            Liked::Fit => "fit",
            Liked::Colour => "colour",
            Liked::Material => "material",
            Liked::Warmth => "warmth",
            Liked::Comfort => "comfort",
            Liked::Price => "price",
            Liked::Delivery => "delivery",
            Liked::Packaging => "packaging",
            Liked::Looks => "looks",
            Liked::Function => "function",
        }
    }
}

/// What went wrong, as the shopper states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Problem {
    /// Runs small: tight, short, too small for the usual size.
    SizeSmall,
    /// Runs large: loose, long, too big.
    SizeLarge,
    /// A manufacturing fault: a seam, a stain, a hole, a lid that leaks, a button off.
    Defect,
    /// Another item, size or colour than ordered.
    WrongItem,
    /// The colour differs from the photo.
    ColourMismatch,
    Smell,
    /// Thin, see-through or not warm enough for what it is sold as.
    ThinMaterial,
    /// Damaged on the way: a torn box, a dent, wet.
    DeliveryDamage,
    /// Came later than promised.
    Late,
    /// Differs from the photo or description (material, shape, capacity, features).
    NotAsPictured,
    /// Something missing from the order or the set.
    Incomplete,
    /// Pills or wears through quickly.
    Pilling,
    /// Broke after a short use: a zip, a sole, a handle.
    Broke,
    /// Rubs, scratches or presses when worn.
    Uncomfortable,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::SizeSmall => "size_small",
            Problem::SizeLarge => "size_large",
            Problem::Defect => "defect",
            Problem::WrongItem => "wrong_item",
            Problem::ColourMismatch => "colour_mismatch",
            Problem::Smell => "smell",
            Problem::ThinMaterial => "thin_material",
            Problem::DeliveryDamage => "delivery_damage",
            Problem::Late => "late",
            Problem::NotAsPictured => "not_as_pictured",
            Problem::Incomplete => "incomplete",
            Problem::Pilling => "pilling",
            Problem::Broke => "broke",
            Problem::Uncomfortable => "uncomfortable",
        }
    }
}

/// A product review as a shopper leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewVoice {
    /// 1..=5.
    pub stars: u8,
    pub text: String,
    /// WB's «Достоинства»; empty when the shopper left it empty (Ozon has none).
    pub pros: String,
    /// WB's «Недостатки».
    pub cons: String,
    /// What the shopper praises, in the text or the pros.
    pub liked: Vec<Liked>,
    /// The problem the shopper names, if any.
    pub problem: Option<Problem>,
    /// The problem is a passing remark in a happy review (4★: «чуть длинновата, подшила»),
    /// not a complaint.
    pub mild: bool,
    pub goods: Goods,
    /// The item the text names («платье», «кроссовки»), as the WB subject it belongs on
    /// (`Платья`, `Кроссовки`); `None` when the text fits any product of its goods.
    pub subject: Option<&'static str>,
}

/// What a question or chat opener asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Asks {
    /// What it is made of.
    Material,
    /// Washing, cleaning, descaling.
    Care,
    /// Country of origin.
    Country,
    /// Whether the colour is as in the photo.
    ColourPhoto,
    /// Whether it comes in a box fit for a gift.
    GiftPackaging,
    /// How the sizes run: small, large, true to size, the cut.
    SizeFit,
    /// Which size to take, from the shopper's measurements.
    SizeChoice,
    /// Whether it is in stock now.
    Stock,
    /// When a size or colour comes back.
    Restock,
    /// How long delivery takes, and where to.
    DeliveryTime,
    Warranty,
    /// Whether it fits or works with something else (a laptop, a car holder, 110 V).
    Compatibility,
    /// The item's own dimensions, volume or weight.
    Dimensions,
    /// Where an order is, when it ships or arrives (chats).
    OrderStatus,
    /// How to return it, refunds (chats).
    Return,
    /// Swapping for another size or colour (chats).
    Exchange,
    /// Cancelling an order (chats).
    Cancel,
    /// Something missing from a delivered order (chats).
    Incomplete,
}

impl Asks {
    pub fn as_str(self) -> &'static str {
        match self {
            Asks::Material => "material",
            Asks::Care => "care",
            Asks::Country => "country",
            Asks::ColourPhoto => "colour_photo",
            Asks::GiftPackaging => "gift_packaging",
            Asks::SizeFit => "size_fit",
            Asks::SizeChoice => "size_choice",
            Asks::Stock => "stock",
            Asks::Restock => "restock",
            Asks::DeliveryTime => "delivery_time",
            Asks::Warranty => "warranty",
            Asks::Compatibility => "compatibility",
            Asks::Dimensions => "dimensions",
            Asks::OrderStatus => "order_status",
            Asks::Return => "return",
            Asks::Exchange => "exchange",
            Asks::Cancel => "cancel",
            Asks::Incomplete => "incomplete",
        }
    }

    /// Asked about an order a shopper already has, so only in a chat, never on the card.
    pub fn about_an_order(self) -> bool {
        matches!(
            self,
            Asks::OrderStatus | Asks::Return | Asks::Exchange | Asks::Cancel | Asks::Incomplete
        )
    }
}

/// A shopper's own measurements, as a size question states them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Measurements {
    pub height_cm: Option<u16>,
    pub weight_kg: Option<u16>,
    pub chest_cm: Option<u16>,
    pub waist_cm: Option<u16>,
    pub hips_cm: Option<u16>,
    /// Foot length in millimetres (24,5 см → 245).
    pub foot_mm: Option<u16>,
    pub head_cm: Option<u16>,
    /// The size the shopper usually wears, as they write it («46», «M», «44–46»).
    pub usual_size: Option<&'static str>,
}

/// A product question, or the first message of a buyer chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionVoice {
    pub text: String,
    pub asks: Asks,
    pub goods: Goods,
    /// As for reviews: the WB subject of the item the text names.
    pub subject: Option<&'static str>,
    /// Stated in the text; size questions mostly.
    pub measurements: Option<Measurements>,
}

impl QuestionVoice {
    /// Fits a product page's questions (not about an order the shopper has).
    pub fn on_card(&self) -> bool {
        !self.asks.about_an_order()
    }
}

/// Whether a text of `goods` naming `subject` belongs on a product of `kind` and `product_subject`.
pub(crate) fn belongs(
    goods: Goods,
    subject: Option<&str>,
    kind: Goods,
    product_subject: &str,
) -> bool {
    goods.suits(kind) && subject.is_none_or(|named| named == product_subject)
}

/// Reviews of `stars` that fit a product of this kind and WB subject.
pub(crate) fn reviews_for(stars: u8, kind: Goods, subject: &str) -> Vec<&'static ReviewVoice> {
    reviews()
        .iter()
        .filter(|r| r.stars == stars && belongs(r.goods, r.subject, kind, subject))
        .collect()
}

/// Questions fit for the page of a product of this kind and WB subject.
pub(crate) fn card_questions(kind: Goods, subject: &str) -> Vec<&'static QuestionVoice> {
    questions()
        .iter()
        .filter(|q| q.on_card() && belongs(q.goods, q.subject, kind, subject))
        .collect()
}

/// What a shopper may open a chat about an order of such a product with.
pub(crate) fn chat_openers(kind: Goods, subject: &str) -> Vec<&'static QuestionVoice> {
    questions()
        .iter()
        .filter(|q| belongs(q.goods, q.subject, kind, subject))
        .collect()
}

/// A tiny deterministic generator for composing texts: the same list every run, with no
/// dependence on the caller's random state.
pub(crate) struct Picker(u64);

impl Picker {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// SplitMix64.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn enough_distinct_reviews_over_every_rating() {
        let all = reviews();
        let texts: HashSet<&str> = all.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts.len(), all.len(), "every review text is distinct");
        assert!(all.len() >= 250, "{} reviews", all.len());
        for stars in 1..=5 {
            let n = all.iter().filter(|r| r.stars == stars).count();
            assert!(n >= 25, "{n} reviews of {stars}★");
        }
        assert!(all.iter().all(|r| (1..=5).contains(&r.stars)));
    }

    #[test]
    fn labels_follow_the_ratings() {
        for review in reviews() {
            if review.stars <= 3 {
                assert!(
                    review.problem.is_some() && !review.mild,
                    "a 1–3★ review names its problem: {review:?}"
                );
            }
            if review.stars == 5 {
                assert!(review.problem.is_none(), "5★ has no problem: {review:?}");
            }
            if review.mild {
                assert_eq!(review.stars, 4, "{review:?}");
                assert!(review.problem.is_some(), "{review:?}");
            }
        }
        let mild = reviews().iter().filter(|r| r.mild).count();
        assert!(mild >= 20, "{mild} 4★ reviews with a mild remark");
        let negated = reviews()
            .iter()
            .filter(|r| r.stars == 5 && r.text.to_lowercase().contains("не "))
            .count();
        assert!(negated >= 15, "{negated} happy reviews with «не»");
    }

    #[test]
    fn every_problem_and_every_liked_thing_is_represented() {
        use Problem::*;
        for problem in [
            SizeSmall,
            SizeLarge,
            Defect,
            WrongItem,
            ColourMismatch,
            Smell,
            ThinMaterial,
            DeliveryDamage,
            Late,
            NotAsPictured,
            Incomplete,
            Pilling,
            Broke,
            Uncomfortable,
        ] {
            let n = reviews()
                .iter()
                .filter(|r| r.problem == Some(problem) && r.stars <= 3)
                .count();
            assert!(n >= 2, "{n} 1–3★ reviews about {}", problem.as_str());
        }
        for liked in [
            Liked::Quality,
            Liked::Fit,
            Liked::Colour,
            Liked::Material,
            Liked::Warmth,
            Liked::Comfort,
            Liked::Price,
            Liked::Delivery,
            Liked::Packaging,
            Liked::Looks,
            Liked::Function,
        ] {
            let n = reviews()
                .iter()
                .filter(|r| r.stars >= 4 && r.liked.contains(&liked))
                .count();
            assert!(n >= 5, "{n} happy reviews liking {}", liked.as_str());
        }
    }

    #[test]
    fn some_reviews_come_with_pros_and_cons_and_some_in_shoppers_own_spelling() {
        let all = reviews();
        let with_pros = all.iter().filter(|r| !r.pros.is_empty()).count();
        assert!(with_pros >= 60 && with_pros < all.len() - 60, "{with_pros}");
        let lower = all
            .iter()
            .filter(|r| r.text.chars().next().is_some_and(char::is_lowercase))
            .count();
        assert!(lower >= 10, "{lower} start in lower case");
        let emoji = all
            .iter()
            .filter(|r| r.text.chars().any(|c| c as u32 >= 0x1F300))
            .count();
        assert!(emoji >= 8, "{emoji} with emoji");
        let long = all.iter().filter(|r| r.text.chars().count() > 200).count();
        let short = all.iter().filter(|r| r.text.chars().count() < 40).count();
        assert!(long >= 10 && short >= 10, "{long} long, {short} short");
    }

    #[test]
    fn enough_distinct_questions_over_every_property() {
        let all = questions();
        let texts: HashSet<&str> = all.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(texts.len(), all.len(), "every question text is distinct");
        assert!(all.len() >= 120, "{} questions", all.len());
        use Asks::*;
        for asks in [
            Material,
            Care,
            Country,
            ColourPhoto,
            GiftPackaging,
            SizeFit,
            SizeChoice,
            Stock,
            Restock,
            DeliveryTime,
            Warranty,
            Compatibility,
            Dimensions,
            OrderStatus,
            Return,
            Exchange,
            Cancel,
            Incomplete,
        ] {
            let n = all.iter().filter(|q| q.asks == asks).count();
            assert!(n >= 3, "{n} questions about {}", asks.as_str());
        }
        let measured = all
            .iter()
            .filter(|q| q.asks == SizeChoice && q.measurements.is_some())
            .count();
        assert!(
            measured >= 25,
            "{measured} size questions with measurements"
        );
    }

    #[test]
    fn stated_measurements_appear_in_the_text() {
        for question in questions() {
            let Some(m) = question.measurements else {
                continue;
            };
            let digits: String = question
                .text
                .chars()
                .map(|c| if c.is_ascii_digit() { c } else { ' ' })
                .collect();
            let numbers: Vec<u16> = digits
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            for value in [
                m.height_cm,
                m.weight_kg,
                m.chest_cm,
                m.waist_cm,
                m.hips_cm,
                m.head_cm,
            ]
            .into_iter()
            .flatten()
            {
                assert!(numbers.contains(&value), "{value} in {:?}", question.text);
            }
            if let Some(foot) = m.foot_mm {
                assert!(
                    numbers.contains(&(foot / 10)),
                    "{foot} mm in {:?}",
                    question.text
                );
            }
        }
    }

    #[test]
    fn goods_narrow_as_expected() {
        assert_eq!(Goods::Any.narrow(Goods::Shoes), Some(Goods::Shoes));
        assert_eq!(
            Goods::Wearables.narrow(Goods::Clothes),
            Some(Goods::Clothes)
        );
        assert_eq!(
            Goods::Clothes.narrow(Goods::Outerwear),
            Some(Goods::Outerwear)
        );
        assert_eq!(Goods::Sleeved.narrow(Goods::Clothes), Some(Goods::Sleeved));
        assert_eq!(Goods::Wearables.narrow(Goods::Any), Some(Goods::Wearables));
        assert_eq!(Goods::Shoes.narrow(Goods::Mugs), None);
        assert!(Goods::Clothes.suits(Goods::Outerwear));
        assert!(!Goods::Sleeved.suits(Goods::Trousers));
        assert!(!Goods::Outerwear.suits(Goods::Tops));
    }
}
