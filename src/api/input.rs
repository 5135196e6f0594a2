//! Request bodies held to the document: `JsonBody<T>` checks the JSON against `T`'s own
//! schema before parsing it, so whatever the committed contract refuses is a 422 that
//! names the field, the house way; `OneOf<W>` states a word field's enum; `Nullable<T>`
//! is the one place a request may send `null`.

use std::{borrow::Cow, marker::PhantomData, ops::Deref};

use chrono::{DateTime, NaiveDate};
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    error::{ContentTypeError, ParseRequestPayloadError},
    payload::{ParsePayload, Payload},
    registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef, Registry},
    types::{MaybeUndefined, ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use crate::{
    api::ApiError,
    error::{AppError, FieldError},
    validate::Word,
};

/// A JSON request body checked against its schema: see the module documentation.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T> Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        poem_openapi::payload::Json::<T>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        let value: Value = if data.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&data).map_err(|err| ParseRequestPayloadError {
                reason: format!("The body is not valid JSON: {err}."),
            })?
        };
        let errors = schema_errors::<T>(&value);
        if !errors.is_empty() {
            return Err(ApiError::from(AppError::Invalid(errors)).into());
        }
        // The schema check above catches what the parse would refuse; this is a backstop
        // for a rule the schema cannot state.
        T::parse_from_json(Some(value))
            .map(JsonBody)
            .map_err(|err| ApiError::from(AppError::invalid("body", err.into_message())).into())
    }
}

impl<'a, T: ParseFromJSON> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <Self as Payload>::CONTENT_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(content_type) if Self::check_content_type(content_type) => {
                <Self as ParsePayload>::from_request(request, body).await
            }
            Some(content_type) => Err(ContentTypeError::NotSupported {
                content_type: content_type.to_owned(),
            }
            .into()),
            None => Err(ContentTypeError::ExpectContentType.into()),
        }
    }
}

/// Every way `value` differs from `T`'s schema, each against the field's path.
pub fn schema_errors<T: Type>(value: &Value) -> Vec<FieldError> {
    let mut registry = Registry::new();
    T::register(&mut registry);
    let mut errors = Vec::new();
    check(&registry, &T::schema_ref(), value, "", &mut errors);
    errors
}

fn resolve<'s>(registry: &'s Registry, schema: &'s MetaSchemaRef) -> Option<&'s MetaSchema> {
    match schema {
        MetaSchemaRef::Inline(schema) => Some(schema),
        MetaSchemaRef::Reference(name) => registry.schemas.get(name),
    }
}

fn field_name(path: &str) -> String {
    if path.is_empty() {
        "body".to_owned()
    } else {
        path.to_owned()
    }
}

fn check(
    registry: &Registry,
    schema: &MetaSchemaRef,
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let Some(schema) = resolve(registry, schema) else {
        return;
    };
    let mut fail = |message: String| errors.push(FieldError::new(field_name(path), message));
    if value.is_null() {
        if !schema.nullable {
            fail("Send a value, or leave the field out.".to_owned());
        }
        return;
    }
    if let Some(message) = mismatch(schema, value) {
        fail(message);
        return;
    }
    for part in &schema.all_of {
        check(registry, part, value, path, errors);
    }
    match value {
        Value::Object(fields) if schema.ty == "object" => {
            // In the order the fields are declared, so errors read top to bottom.
            for (name, property) in &schema.properties {
                let required = schema.required.contains(name);
                match fields.get(*name) {
                    None if required => {
                        errors.push(FieldError::new(join(path, name), "This field is required."))
                    }
                    None => {}
                    Some(field) => check(registry, property, field, &join(path, name), errors),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = &schema.items {
                for (index, item) in items.iter().enumerate() {
                    check(
                        registry,
                        item_schema,
                        item,
                        &format!("{}[{index}]", field_name(path)),
                        errors,
                    );
                }
            }
        }
        _ => {}
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// What is wrong with a value of the right JSON kind or not, in one sentence.
fn mismatch(schema: &MetaSchema, value: &Value) -> Option<String> {
    match schema.ty {
        "object" if !value.is_object() => Some("Send an object with named fields.".to_owned()),
        "array" => {
            let Some(items) = value.as_array() else {
                return Some("Send a list.".to_owned());
            };
            if let Some(min) = schema.min_items.filter(|min| items.len() < *min) {
                return Some(format!("Send at least {min} {}.", plural(min, "item")));
            }
            if let Some(max) = schema.max_items.filter(|max| items.len() > *max) {
                return Some(format!("Send at most {max} {}.", plural(max, "item")));
            }
            None
        }
        "boolean" if !value.is_boolean() => Some("Send true or false.".to_owned()),
        "integer" => integer_mismatch(schema, value),
        "number" => {
            let Some(n) = value.as_f64() else {
                return Some("Enter a number.".to_owned());
            };
            range_mismatch(schema, n)
        }
        "string" => string_mismatch(schema, value),
        _ => None,
    }
}

fn integer_mismatch(schema: &MetaSchema, value: &Value) -> Option<String> {
    let n = match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => n.as_f64().unwrap_or(f64::MAX),
        _ => return Some("Enter a whole number.".to_owned()),
    };
    let (low, high) = match schema.format {
        Some("int8") => (i8::MIN as f64, i8::MAX as f64),
        Some("int16") => (i16::MIN as f64, i16::MAX as f64),
        Some("int32") => (i32::MIN as f64, i32::MAX as f64),
        Some("uint8") => (0.0, u8::MAX as f64),
        Some("uint16") => (0.0, u16::MAX as f64),
        Some("uint32") => (0.0, u32::MAX as f64),
        Some("uint64") => (0.0, u64::MAX as f64),
        _ => (i64::MIN as f64, i64::MAX as f64),
    };
    let stated = MetaSchema {
        minimum: schema.minimum.or(Some(low)),
        maximum: schema.maximum.or(Some(high)),
        ..MetaSchema::new("integer")
    };
    range_mismatch(&stated, n)
}

fn range_mismatch(schema: &MetaSchema, n: f64) -> Option<String> {
    let low = schema.minimum.filter(|low| n < *low);
    let high = schema.maximum.filter(|high| n > *high);
    if low.is_none() && high.is_none() {
        return None;
    }
    Some(match (schema.minimum, schema.maximum) {
        (Some(min), Some(max)) => format!("Enter a number from {min} to {max}."),
        (Some(min), None) => format!("Enter a number of at least {min}."),
        (None, Some(max)) => format!("Enter a number of at most {max}."),
        (None, None) => "Enter a number.".to_owned(),
    })
}

fn string_mismatch(schema: &MetaSchema, value: &Value) -> Option<String> {
    let Some(text) = value.as_str() else {
        return Some(match schema.format {
            Some("date") => "Enter a date as YYYY-MM-DD.".to_owned(),
            _ => "Send text.".to_owned(),
        });
    };
    if !schema.enum_items.is_empty() && !schema.enum_items.iter().any(|word| word == value) {
        let words: Vec<&str> = schema.enum_items.iter().filter_map(Value::as_str).collect();
        return Some(format!("Choose one of: {}.", words.join(", ")));
    }
    match schema.format {
        Some("date") if parse_date(text).is_none() => {
            return Some("Enter a real date as YYYY-MM-DD.".to_owned());
        }
        Some("date-time") if DateTime::parse_from_rfc3339(text).is_err() => {
            return Some("Enter a moment as an RFC 3339 date and time.".to_owned());
        }
        _ => {}
    }
    let length = text.chars().count();
    if let Some(max) = schema.max_length.filter(|max| length > *max) {
        return Some(format!(
            "Keep this to {max} {} or fewer.",
            plural(max, "character")
        ));
    }
    if let Some(min) = schema.min_length.filter(|min| length < *min) {
        return Some(if min == 1 {
            "Enter a value.".to_owned()
        } else {
            format!("Enter at least {min} characters.")
        });
    }
    None
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// A word field: the document lists `W`'s words as its `enum`. It carries the word as
/// sent; the service parses it into `W` with its own labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOf<W>(pub String, PhantomData<W>);

impl<W> OneOf<W> {
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<W> Deref for OneOf<W> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<W: Word + Send + Sync> Type for OneOf<W> {
    const IS_REQUIRED: bool = true;

    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        let words: Vec<&str> = W::all().into_iter().map(Word::as_str).collect();
        format!("string({})", words.join("|")).into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            enum_items: W::all()
                .into_iter()
                .map(|word| Value::String(word.as_str().to_owned()))
                .collect(),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl<W: Word + Send + Sync> ParseFromJSON for OneOf<W> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(word)) => Ok(OneOf(word, PhantomData)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

/// A word in a query parameter (`?status=adopted`): the document lists the words, and any
/// other is the parameter's 422 with the sentence that lists them.
impl<W: Word + Send + Sync> poem_openapi::types::ParseFromParameter for OneOf<W> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        match W::parse_word(value) {
            Ok(word) => Ok(OneOf(word.as_str().to_owned(), PhantomData)),
            Err(sentence) => Err(ParseError::custom(sentence)),
        }
    }
}

impl<W: Word + Send + Sync> ToJSON for OneOf<W> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

/// A request field that may be `null` on purpose (`manager_id: null` clears a manager):
/// absent, `null` or a value, and the document says `nullable: true`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nullable<T>(pub MaybeUndefined<T>);

impl<T> Deref for Nullable<T> {
    type Target = MaybeUndefined<T>;

    fn deref(&self) -> &MaybeUndefined<T> {
        &self.0
    }
}

impl<T: Type> Type for Nullable<T> {
    const IS_REQUIRED: bool = false;

    type RawValueType = T::RawValueType;
    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        format!("nullable_{}", T::name()).into()
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref().merge(MetaSchema {
            nullable: true,
            ..MetaSchema::ANY
        })
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_raw_value()
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        self.0.raw_element_iter()
    }

    fn is_none(&self) -> bool {
        self.0.is_undefined()
    }
}

impl<T: ParseFromJSON> ParseFromJSON for Nullable<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        MaybeUndefined::<T>::parse_from_json(value)
            .map(Nullable)
            .map_err(ParseError::propagate)
    }
}

impl<T: ToJSON> ToJSON for Nullable<T> {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}

/// A calendar day, `YYYY-MM-DD` (`format: date` in the document; poem-openapi's own
/// `NaiveDate` says `naive-date`, which no client generator knows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

impl From<NaiveDate> for Date {
    fn from(day: NaiveDate) -> Self {
        Date(day)
    }
}

impl From<Date> for NaiveDate {
    fn from(day: Date) -> Self {
        day.0
    }
}

/// An RFC 3339 full date: four-digit year, two-digit month and day, and a real day.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

impl Type for Date {
    const IS_REQUIRED: bool = true;

    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_date".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date")))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl ParseFromJSON for Date {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => parse_date(&text)
                .map(Date)
                .ok_or_else(|| ParseError::custom("Enter a real date as YYYY-MM-DD.")),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ToJSON for Date {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.format("%Y-%m-%d").to_string()))
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::Object;
    use serde_json::json;

    use super::*;

    #[test]
    fn a_date_is_a_real_day_written_in_full() {
        assert_eq!(
            parse_date("2026-02-28"),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
        for bad in [
            "2026-02-30",
            "2026-2-3",
            "26-02-03",
            "2026/02/03",
            "2026-02-03T00:00",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[derive(Debug, Object)]
    struct Inner {
        #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
        level: i64,
    }

    #[derive(Debug, Object)]
    struct Outer {
        #[oai(validator(min_length = 1, max_length = 3))]
        name: String,
        on: Option<Date>,
        items: Vec<Inner>,
        clear: Nullable<i32>,
    }

    fn fields(value: serde_json::Value) -> Vec<(String, String)> {
        schema_errors::<Outer>(&value)
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn whatever_the_schema_refuses_is_named_by_its_path() {
        assert!(fields(json!({"name": "ab", "items": [{"level": 3}], "clear": null})).is_empty());
        assert_eq!(
            fields(json!({"name": "abcd", "on": "2026-13-01", "items": [{"level": 9}, {}]})),
            [
                ("name".into(), "Keep this to 3 characters or fewer.".into()),
                ("on".into(), "Enter a real date as YYYY-MM-DD.".into()),
                (
                    "items[0].level".into(),
                    "Enter a number from 1 to 5.".into()
                ),
                ("items[1].level".into(), "This field is required.".into()),
            ]
        );
        assert_eq!(
            fields(json!({"name": null, "items": "x"})),
            [
                (
                    "name".into(),
                    "Send a value, or leave the field out.".into()
                ),
                ("items".into(), "Send a list.".into()),
            ]
        );
        assert_eq!(
            fields(json!([])),
            [("body".into(), "Send an object with named fields.".into())]
        );
    }
}
