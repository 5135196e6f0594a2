//! Small input checks shared by every service. Each pushes a field error and returns
//! None, so a service can report every problem of a request at once.

use chrono::NaiveDate;

use crate::error::FieldError;

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 10_000;

/// Collected field errors of one request.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ok when nothing was wrong, else the 422.
    pub fn finish(self) -> Result<(), crate::error::AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::error::AppError::Invalid(self.0))
        }
    }

    /// Text that must be present, trimmed, at most `max` characters.
    pub fn required(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => {
                self.add(field, "This cannot be empty.");
                None
            }
            Some(text) => self.optional(field, Some(text), max),
        }
    }

    /// Text that may be empty, trimmed, at most `max` characters, without control
    /// characters other than tab and line breaks.
    pub fn optional(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let text = value.unwrap_or("").trim();
        if text.chars().count() > max {
            self.add(field, format!("Use at most {max} characters."));
            None
        } else if let Some(message) = unprintable_in(text) {
            self.add(field, message);
            None
        } else {
            Some(text.to_owned())
        }
    }

    /// A whole number within a range, inclusive.
    pub fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
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
        if value.is_none() {
            self.add(field, "This is required.");
        }
        value
    }

    /// A date written as YYYY-MM-DD (forms send text).
    pub fn date(&mut self, field: &str, value: &str) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                self.add(field, "Write the date as YYYY-MM-DD.");
                None
            }
        }
    }

    /// One of the given words.
    pub fn one_of<T: Copy>(
        &mut self,
        field: &str,
        value: Option<&str>,
        options: &[(&str, T)],
    ) -> Option<T> {
        let wanted = value.unwrap_or("").trim();
        let found = options
            .iter()
            .find(|(word, _)| *word == wanted)
            .map(|(_, v)| *v);
        if found.is_none() {
            let words: Vec<&str> = options.iter().map(|(w, _)| *w).collect();
            self.add(field, format!("Choose one of: {}.", words.join(", ")));
        }
        found
    }
}

/// What to say about the first character of `text` that text must not hold, if any.
pub fn unprintable_in(text: &str) -> Option<String> {
    text.chars().find(|&c| unprintable(c)).map(|c| {
        format!(
            "Remove the invisible control character U+{:04X}; it cannot be shown.",
            u32::from(c)
        )
    })
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
        assert!(
            errors
                .one_of("phase", Some("done"), &[("open", 1), ("closed", 2)])
                .is_none()
        );
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title", "name", "notes", "notes", "notes", "rating", "due_on", "phase"
            ]
        );
    }
}
