//! How a message sounds, whatever it asks: anger, a grievance, a refund the shopper already
//! waits too long for. These decide a handoff before any answer is looked for.

fn fold(text: &str) -> String {
    format!(" {} ", text.to_lowercase().replace('ё', "е"))
}

fn any(text: &str, cues: &[&str]) -> bool {
    cues.iter().any(|cue| {
        text.match_indices(cue).any(|(at, _)| {
            !text[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
        })
    })
}

/// Shopper text that reads as anger whatever the intent: heavy caps with exclamation, or
/// profanity.
pub fn sounds_furious(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    let shouting = letters.len() >= 20 && upper * 10 >= letters.len() * 8 && text.contains('!');
    let canonical = otklik_nlu::canonical(text);
    let swearing = [
        "hui", "hue", "pizd", "blia", "ebat", "eban", "suka", "mudak",
    ]
    .iter()
    .any(|w| canonical.split(' ').any(|word| word.starts_with(w)));
    shouting || swearing
}

/// The refund is late when the shopper says so: «до сих пор», «уже месяц», «так и не».
pub fn sounds_overdue(text: &str) -> bool {
    let canonical = otklik_nlu::canonical(text);
    [
        "do sih por",
        "uzhe mesiac",
        "tak i ne",
        "bolshe nedel",
        "dve nedel",
        "tri nedel",
        "proshlo",
        "still no",
        "still haven",
        "still not",
        "month ago",
        "weeks ago",
        "hali ham",
        "hali kelmadi",
        "әлі жоқ",
        "әлі келмеді",
    ]
    .iter()
    .any(|w| canonical.contains(w))
}

/// Words of a grievance: a question asked with them is a complaint first.
const AGGRIEVED: &[&str] = &[
    "безобраз",
    "ужас",
    "обман",
    "жалоб",
    "возмут",
    "позор",
    "хамств",
    "отвратит",
    "кошмар",
    "издевательств",
    "сколько можно",
    "верните деньги",
    "бред",
    "достали",
    "надоело",
    "надоели",
    "издеваетесь",
    "мошенник",
    "обманщик",
    "бесит",
    "бесите",
    "бесят",
    "задолбал",
    "достало",
    "работать не можете",
    "не можете нормально",
    "не умеете работать",
];

/// A message that complains, whatever it also asks.
pub fn sounds_aggrieved(text: &str) -> bool {
    any(&fold(text), AGGRIEVED)
}
