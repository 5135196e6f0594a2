//! Validation by parsing. Raw input (an API body, a form) parses into values whose types
//! carry their rules: `RequiredText<200>` is trimmed, not empty, at most 200 characters and
//! free of invisible characters; `Bounded<1, 5>` is a level. An input struct parses into a
//! value with non-optional fields (`NewKudos`, `GoalChanges`, …) through one `Errors`
//! collector, so a request learns every problem at once:
//!
//! ```ignore
//! let mut errors = Errors::default();
//! let title = errors.check("title", Title::parse(&input.title));
//! let level = errors.check("level", Level::parse(input.level));
//! // … checks that need the database add to `errors` too …
//! let (Some(title), Some(level)) = (title, level) else {
//!     return Err(errors.into_error());
//! };
//! errors.finish()?; // problems found beside fields that parsed
//! ```
//!
//! A `check` that returns `None` has always recorded why, so the `else` branch answers
//! with the field errors and never with a "validated value missing" internal error.

use std::fmt;

use chrono::NaiveDate;
use strum::{EnumMessage, IntoEnumIterator};

use crate::error::{AppError, FieldError};

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 10_000;

/// Collected field errors of one request.
#[derive(Debug, Default, Clone)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The parsed value, or `None` with the reason recorded against `field`.
    pub fn check<T, E: fmt::Display>(
        &mut self,
        field: impl Into<String>,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(reason) => {
                self.add(field, reason.to_string());
                None
            }
        }
    }

    /// Ok when nothing was wrong, else the 422.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }

    /// The 422 for a parse that came back incomplete. Every `None` from `check` recorded
    /// its reason, so the list is not empty; should a caller break that rule, the person
    /// still gets a 422 rather than a value made up from defaults.
    pub fn into_error(self) -> AppError {
        debug_assert!(!self.0.is_empty(), "a parse failed without saying why");
        AppError::Invalid(self.0)
    }

    /// Text that must be present, trimmed, at most `max` characters.
    pub fn required(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        self.check(field, text(value.unwrap_or(""), max, true))
    }

    /// Text that may be empty, trimmed, at most `max` characters, without control
    /// characters other than tab and line breaks.
    pub fn optional(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        self.check(field, text(value.unwrap_or(""), max, false))
    }

    /// A whole number within a range, inclusive.
    pub fn in_range<T: PartialOrd + fmt::Display + Copy>(
        &mut self,
        field: &str,
        value: T,
        min: T,
        max: T,
    ) -> Option<T> {
        if value < min || value > max {
            self.add(field, format!("Use a number from {min} to {max}."));
            None
        } else {
            Some(value)
        }
    }

    /// A required value that was not sent at all.
    pub fn present<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        self.check(field, value.ok_or("This is required."))
    }

    /// A date written as YYYY-MM-DD (forms send text).
    pub fn date(&mut self, field: &str, value: &str) -> Option<NaiveDate> {
        self.check(field, parse_date(value))
    }

    /// One of the words of a closed set (a status, a kind, a category).
    pub fn word<T: Word>(&mut self, field: &str, value: Option<&str>) -> Option<T> {
        self.check(field, T::parse_word(value.unwrap_or("")))
    }
}

/// A date written as YYYY-MM-DD.
pub fn parse_date(value: &str) -> Result<NaiveDate, &'static str> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| "Write the date as YYYY-MM-DD.")
}

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong { max: usize },
    Unprintable(char),
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty => f.write_str("This cannot be empty."),
            TextError::TooLong { max } => write!(f, "Use at most {max} characters."),
            TextError::Unprintable(c) => write!(
                f,
                "Remove the invisible control character U+{:04X}; it cannot be shown.",
                u32::from(*c)
            ),
        }
    }
}

/// The one text check: trimmed, at most `max` characters, nothing unprintable, and not
/// empty when `required`.
fn text(raw: &str, max: usize, required: bool) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if required && trimmed.is_empty() {
        Err(TextError::Empty)
    } else if trimmed.chars().count() > max {
        Err(TextError::TooLong { max })
    } else if let Some(c) = trimmed.chars().find(|&c| unprintable(c)) {
        Err(TextError::Unprintable(c))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// Text as a person typed it, trimmed, at most `MAX` characters, nothing unprintable;
/// it may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        text(raw, MAX, false).map(Text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Text that must say something: as `Text`, and not empty once trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredText<const MAX: usize>(String);

impl<const MAX: usize> RequiredText<MAX> {
    pub fn parse(raw: &str) -> Result<Self, TextError> {
        text(raw, MAX, true).map(RequiredText)
    }

    /// As `parse`, saying `when_empty` ("Enter a name.") when nothing was typed.
    pub fn parse_or(raw: &str, when_empty: &str) -> Result<Self, String> {
        Self::parse(raw).map_err(|err| match err {
            TextError::Empty => when_empty.to_owned(),
            other => other.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

macro_rules! text_conversions {
    ($($ty:ident),*) => {$(
        impl<const MAX: usize> std::ops::Deref for $ty<MAX> {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
        impl<const MAX: usize> From<$ty<MAX>> for String {
            fn from(text: $ty<MAX>) -> String {
                text.0
            }
        }
        impl<const MAX: usize> fmt::Display for $ty<MAX> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
text_conversions!(Text, RequiredText);

/// A title: required, one line's worth.
pub type Title = RequiredText<TITLE_MAX>;
/// A description, a narrative, a note: may be empty, up to a few pages.
pub type LongText = Text<TEXT_MAX>;

/// A whole number from `MIN` to `MAX` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bounded<const MIN: i64, const MAX: i64>(i64);

/// Why a number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange {
    pub min: i64,
    pub max: i64,
}

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Use a number from {} to {}.", self.min, self.max)
    }
}

impl<const MIN: i64, const MAX: i64> Bounded<MIN, MAX> {
    /// Checked when a bounded type that must fit an `i16` column is used as one.
    const FITS_I16: () = assert!(MIN >= i16::MIN as i64 && MAX <= i16::MAX as i64);

    pub fn parse(value: impl Into<i64>) -> Result<Self, OutOfRange> {
        let value = value.into();
        if (MIN..=MAX).contains(&value) {
            Ok(Bounded(value))
        } else {
            Err(OutOfRange { min: MIN, max: MAX })
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// The value as the `i16` its column holds; the bounds are checked at compile time.
    pub fn to_i16(self) -> i16 {
        #[allow(clippy::let_unit_value)]
        let () = Self::FITS_I16;
        self.0 as i16
    }
}

/// A skill level, a target level or a self rating: 1 to 5.
pub type Level = Bounded<1, 5>;
/// A goal's progress in percent.
pub type Progress = Bounded<0, 100>;

/// A closed set of words, stored and sent as text: statuses, kinds, categories, roles.
/// One derive gives the words, the parser and the labels:
///
/// ```ignore
/// #[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr,
///          strum::EnumString, strum::EnumMessage)]
/// #[strum(serialize_all = "snake_case")]
/// pub enum Phase {
///     #[strum(message = "Goal setting")]
///     GoalSetting,
///     …
/// }
/// ```
///
/// Every variant needs its `message` (the label people read); `assert_labelled` in a unit
/// test proves it.
pub trait Word:
    Copy + IntoEnumIterator + Into<&'static str> + std::str::FromStr + EnumMessage + 'static
{
    /// The stored and sent word, e.g. `in_progress`.
    fn as_str(self) -> &'static str {
        self.into()
    }

    /// What people read, e.g. "In progress".
    fn label(self) -> &'static str {
        self.get_message().unwrap_or_else(|| self.as_str())
    }

    /// Every word, in declaration order.
    fn all() -> Vec<Self> {
        Self::iter().collect()
    }

    /// The variant a word names, or a sentence listing the words that would do.
    fn parse_word(word: &str) -> Result<Self, String> {
        word.trim().parse().map_err(|_| {
            let words: Vec<&str> = Self::iter().map(Word::as_str).collect();
            format!("Choose one of: {}.", words.join(", "))
        })
    }

    /// A word read back from the database; anything else is a bug or a bad migration,
    /// reported as a server error that names the type and the word.
    fn from_stored(word: &str) -> Result<Self, AppError> {
        word.parse().map_err(|_| {
            AppError::internal(anyhow::anyhow!(
                "unknown {} {word:?} in the database",
                std::any::type_name::<Self>()
            ))
        })
    }
}

impl<T> Word for T where
    T: Copy + IntoEnumIterator + Into<&'static str> + std::str::FromStr + EnumMessage + 'static
{
}

/// For unit tests: every variant of a word set has a label and reads back from its word.
#[cfg(test)]
pub fn assert_labelled<T: Word + fmt::Debug + PartialEq>() {
    for variant in T::iter() {
        assert!(
            variant.get_message().is_some(),
            "{variant:?} has no label (strum message)"
        );
        assert_eq!(T::parse_word(variant.as_str()).ok(), Some(variant));
    }
}

/// What to say about the first character of `text` that text must not hold, if any.
pub fn unprintable_in(text: &str) -> Option<String> {
    text.chars()
        .find(|&c| unprintable(c))
        .map(|c| TextError::Unprintable(c).to_string())
}

/// Characters that text must not hold: control characters other than tab, line feed and
/// carriage return, and the two noncharacters XML forbids. They show as nothing on a page,
/// make the Atom feed invalid XML for every reader, and PostgreSQL refuses NUL outright.
pub fn unprintable(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_collected() {
        let mut errors = Errors::default();
        assert_eq!(
            errors.required("title", Some("  Keep  "), 10).as_deref(),
            Some("Keep")
        );
        assert!(errors.required("title", Some("   "), 10).is_none());
        assert!(errors.required("name", None, 10).is_none());
        assert!(
            errors
                .optional("notes", Some(&"x".repeat(11)), 10)
                .is_none()
        );
        assert!(errors.optional("notes", Some("bell\u{7}"), 10).is_none());
        assert!(errors.optional("notes", Some("nul\u{0}"), 10).is_none());
        assert_eq!(
            errors
                .optional("notes", Some("two\r\nlines\tok"), 20)
                .as_deref(),
            Some("two\r\nlines\tok")
        );
        assert!(errors.in_range("rating", 6, 1, 5).is_none());
        assert!(errors.date("due_on", "31/12/2026").is_none());
        assert!(errors.present::<i32>("plan_id", None).is_none());
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title", "name", "notes", "notes", "notes", "rating", "due_on", "plan_id"
            ]
        );
    }

    #[test]
    fn texts_parse_trimmed_or_say_why_not() {
        let cases: [(&str, Result<&str, &str>); 6] = [
            ("  Keep  ", Ok("Keep")),
            ("", Err("This cannot be empty.")),
            (" \t\n ", Err("This cannot be empty.")),
            ("elevenchars", Err("Use at most 10 characters.")),
            (
                "bell\u{7}",
                Err("Remove the invisible control character U+0007; it cannot be shown."),
            ),
            ("ok\r\nok", Ok("ok\r\nok")),
        ];
        for (raw, expected) in cases {
            let parsed = RequiredText::<10>::parse(raw);
            match expected {
                Ok(text) => assert_eq!(parsed.map(String::from).as_deref(), Ok(text), "{raw:?}"),
                Err(message) => {
                    assert_eq!(
                        parsed.map_err(|e| e.to_string()).err().as_deref(),
                        Some(message)
                    )
                }
            }
        }
        assert_eq!(
            Text::<10>::parse("   ").map(String::from).as_deref(),
            Ok("")
        );
        assert!(Text::<3>::parse("four").is_err());
    }

    #[test]
    fn bounded_numbers_keep_to_their_range() {
        assert_eq!(Level::parse(1).map(Level::to_i16), Ok(1));
        assert_eq!(Level::parse(5).map(Level::get), Ok(5));
        for out in [0, 6, -1, i64::MAX] {
            assert_eq!(
                Level::parse(out).map_err(|e| e.to_string()),
                Err("Use a number from 1 to 5.".to_owned())
            );
        }
        assert_eq!(Progress::parse(100).map(Progress::to_i16), Ok(100));
    }

    #[derive(
        Debug,
        Clone,
        Copy,
        PartialEq,
        Eq,
        strum::EnumIter,
        strum::IntoStaticStr,
        strum::EnumString,
        strum::EnumMessage,
    )]
    #[strum(serialize_all = "snake_case")]
    enum Weather {
        #[strum(message = "Sunny")]
        Sun,
        #[strum(message = "Light rain")]
        LightRain,
    }

    #[test]
    fn words_parse_list_and_label() {
        assert_labelled::<Weather>();
        assert_eq!(Weather::LightRain.as_str(), "light_rain");
        assert_eq!(Weather::LightRain.label(), "Light rain");
        assert_eq!(Weather::parse_word(" sun "), Ok(Weather::Sun));
        assert_eq!(
            Weather::parse_word("hail"),
            Err("Choose one of: sun, light_rain.".to_owned())
        );
        assert!(Weather::from_stored("hail").is_err());
        let mut errors = Errors::default();
        assert_eq!(
            errors.word::<Weather>("weather", Some("sun")),
            Some(Weather::Sun)
        );
        assert!(errors.word::<Weather>("weather", None).is_none());
        assert_eq!(errors.0.len(), 1);
    }
}
