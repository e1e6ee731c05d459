//! The JSON dialect of records, shared by v1 entries and v2 records: written
//! canonically (keys in byte order, integers only, no whitespace) so every
//! device and language produces the same bytes, and read strictly (no
//! duplicate keys, no fractions) so that what one reader accepts every reader
//! accepts, and reads the same way.

use std::fmt;

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::CryptoError;

/// `value` as canonical JSON text.
pub(crate) fn to_canonical(value: &Value) -> Result<String, CryptoError> {
    let mut out = String::new();
    write_canonical(value, &mut out)?;
    Ok(out)
}

/// Parses one JSON value, refusing what canonical JSON can never contain and
/// what two parsers could read differently: a key given twice (serde_json
/// would keep the last, JavaScript too, a streaming parser the first) and
/// numbers that are not integers of at most 64 bits.
pub(crate) fn parse_strict(bytes: &[u8]) -> Result<Value, CryptoError> {
    serde_json::from_slice::<Strict>(bytes)
        .map(|strict| strict.0)
        .map_err(|e| CryptoError::InvalidRecord(e.to_string()))
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON with integer numbers and unique keys")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Err(E::custom(format!(
            "{v} is not an integer of at most 64 bits"
        )))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(item) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(A::Error::custom(format!("the key \"{key}\" appears twice")));
            }
            object.insert(key, item);
        }
        Ok(Value::Object(object))
    }
}

/// Writes `value` with object keys in byte order, whatever map type serde_json
/// was built with, and integers only.
pub(crate) fn write_canonical(value: &Value, out: &mut String) -> Result<(), CryptoError> {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => out.push_str(&value.to_string()),
        Value::Number(number) => {
            if !(number.is_i64() || number.is_u64()) {
                return Err(CryptoError::InvalidRecord(format!(
                    "{number} is not an integer"
                )));
            }
            out.push_str(&number.to_string());
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}
