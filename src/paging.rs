//! Keyset pagination shared by every collection: `limit` and an opaque `after` cursor,
//! never OFFSET, so a page costs the same on page one and page ten thousand.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::AppError;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// One page of a collection and the cursor for the next, if there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// The requested page size, defaulted and checked.
pub fn limit(requested: Option<u64>) -> Result<u64, AppError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid(
            "limit",
            format!("Ask for between 1 and {MAX_LIMIT} items."),
        )),
    }
}

/// Encodes the sort key of the last item of a page as an opaque cursor.
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    // Serializing plain tuples of strings and numbers cannot fail.
    let json = serde_json::to_vec(key).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::invalid("after", "This cursor is not one we gave out."))
}

/// Cuts a page fetched with `limit + 1` rows down to `limit` and makes the next cursor.
pub fn finish<T, K: Serialize>(mut rows: Vec<T>, limit: u64, key: impl Fn(&T) -> K) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| encode_cursor(&key(last)))
    } else {
        None
    };
    Page { items: rows, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let cursor = encode_cursor(&("Ada Lovelace", 42));
        let back: (String, i32) = decode_cursor(&cursor).unwrap();
        assert_eq!(back, ("Ada Lovelace".to_owned(), 42));
    }

    #[test]
    fn a_made_up_cursor_is_a_field_error() {
        let err = decode_cursor::<(String, i32)>("not-a-cursor!").unwrap_err();
        assert_eq!(err.field_errors()[0].field, "after");
    }

    #[test]
    fn limits_outside_the_range_are_refused() {
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(MAX_LIMIT + 1)).is_err());
        assert_eq!(limit(Some(MAX_LIMIT)).unwrap(), MAX_LIMIT);
    }

    #[test]
    fn finishing_a_page_gives_a_cursor_only_when_more_rows_exist() {
        let page = finish(vec![1, 2, 3], 2, |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            decode_cursor::<i32>(page.next.as_deref().unwrap()).unwrap(),
            2
        );
        let last = finish(vec![1, 2], 2, |n| *n);
        assert!(last.next.is_none());
    }
}
