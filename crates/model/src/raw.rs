//! Raw JSON: text that is read a piece at a time instead of being built
//! into a tree, so that memory stays near the input's size whatever it
//! holds, and so that an error names the resource and field it is about.
//!
//! Two layers. Splitting: JSON text that `serde_json` has already accepted
//! is cut into the byte slices of its parts without building anything
//! (the members of an object, the items of an array); on anything else
//! these return `None` rather than panicking, and nesting is tracked with
//! a counter, not recursion, so depth costs nothing. Reading: each part is
//! deserialized on its own, and a failure becomes a [`ModelError`] naming
//! the file, the resource and the path of the bad field.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ModelError;

/// Skips whitespace from `i`.
fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string starting at `i` (a `"`).
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end (exclusive) of the value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                j += 1;
            }
            Some(j)
        }
    }
}

/// The members of a top-level object, as (key, value text); `None` when
/// the text is not an object. A key given twice keeps its last value.
pub(crate) fn object_members(text: &str) -> Option<RawObject<'_>> {
    let b = text.as_bytes();
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut out = std::collections::BTreeMap::new();
    i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(out);
    }
    loop {
        let kend = string_end(b, i)?;
        let key: String = serde_json::from_str(text.get(i..kend)?).ok()?;
        i = ws(b, kend);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = ws(b, i + 1);
        let vend = value_end(b, i)?;
        out.insert(key, text.get(i..vend)?);
        i = ws(b, vend);
        match b.get(i)? {
            b',' => i = ws(b, i + 1),
            b'}' => return Some(out),
            _ => return None,
        }
    }
}

/// Calls `f` on each item of a JSON array given as raw text, as the array
/// is read (no list of items is built, so a 50-million-item array costs
/// nothing before the first bad item stops it). Output: `None` when `r` is
/// not an array, else the first error `f` returned, if any.
pub(crate) fn each_item<'a, E>(
    text: &'a str,
    mut f: impl FnMut(usize, &'a str) -> Result<(), E>,
) -> Option<Result<(), E>> {
    let b = text.as_bytes();
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&b']') {
        return Some(Ok(()));
    }
    let mut n = 0;
    loop {
        let end = value_end(b, i)?;
        if let Err(e) = f(n, text.get(i..end)?) {
            return Some(Err(e));
        }
        n += 1;
        i = ws(b, end);
        match b.get(i)? {
            b',' => i = ws(b, i + 1),
            b']' => return Some(Ok(())),
            _ => return None,
        }
    }
}

/// A JSON object whose members are still raw text (borrowed from the input).
pub(crate) type RawObject<'a> = std::collections::BTreeMap<String, &'a str>;

/// Parses raw JSON text that is known to be valid into a `Value`.
pub(crate) fn raw_value(r: &str) -> Value {
    serde_json::from_str(r).unwrap_or(Value::Null)
}

/// Checks that `bytes` are JSON (errors carry file, line and column, as
/// [`parse_json`]) and returns the top-level object with its members as raw
/// text, or `None` when the top level is not an object. Nothing is built
/// for the members, so a 100 MB file costs about 100 MB here.
pub(crate) fn parse_object<'a>(
    path: &Path,
    bytes: &'a [u8],
) -> Result<Option<RawObject<'a>>, ModelError> {
    let json_err = |e: serde_json::Error| ModelError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    // Validate the whole text first (errors carry line and column); nothing
    // is built, and nesting depth costs nothing.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(json_err)?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let column = at
            - bytes[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        ModelError::Json {
            path: path.to_path_buf(),
            line,
            column,
            message: format!("invalid UTF-8 at line {line} column {column}"),
        }
    })?;
    Ok(object_members(text))
}

/// Parses bytes as JSON, turning a syntax error into [`ModelError::Json`] with
/// the file, line and column.
pub fn parse_json(path: &Path, bytes: &[u8]) -> Result<Value, ModelError> {
    serde_json::from_slice(bytes).map_err(|e| ModelError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

/// Deserializes one JSON value into `T`, turning a failure into
/// [`ModelError::Field`] naming `resource` and the path of the bad field.
pub(crate) fn deserialize_field<T: DeserializeOwned>(
    path: &Path,
    resource: &str,
    field_prefix: &str,
    value: Value,
) -> Result<T, ModelError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let field = match (field_prefix.is_empty(), inner.as_str()) {
            (true, _) => inner.clone(),
            (false, ".") => field_prefix.to_string(),
            (false, _) => format!("{field_prefix}.{inner}"),
        };
        ModelError::Field {
            path: path.to_path_buf(),
            resource: resource.to_string(),
            field,
            message: e.into_inner().to_string(),
        }
    })
}

/// Deserializes one resource from its raw text straight into `T` (no JSON
/// tree, so even a single 100 MB resource costs only what `T` holds). A
/// failure becomes [`ModelError::Field`] naming the resource (its
/// `id_field`, else `"<what> #<index>"`) and the path of the bad field.
pub(crate) fn deserialize_raw<T: DeserializeOwned>(
    path: &Path,
    raw: &str,
    id_field: &str,
    what: &str,
    index: usize,
) -> Result<T, ModelError> {
    let mut de = serde_json::Deserializer::from_str(raw);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let mut message = e.into_inner().to_string();
        // The position is inside this one resource, not the file: drop it.
        if let Some(i) = message.find(" at line ") {
            message.truncate(i);
        }
        let resource = object_members(raw)
            .and_then(|m| {
                m.get(id_field)
                    .and_then(|v| serde_json::from_str::<String>(v).ok())
            })
            .unwrap_or_else(|| format!("{what} #{index}"));
        ModelError::Field {
            path: path.to_path_buf(),
            resource,
            field,
            message,
        }
    })
}

/// The id of a resource in raw JSON, for error messages: `obj[id_field]` when
/// it is a string, else `"<what> #<index>"`.
pub(crate) fn resource_label(value: &Value, id_field: &str, what: &str, index: usize) -> String {
    value
        .get(id_field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{what} #{index}"))
}

/// Deserializes `obj[key]` (an array or absent/null) item by item so that an
/// error names the failing resource.
pub(crate) fn collection<T: DeserializeOwned>(
    path: &Path,
    obj: &mut RawObject<'_>,
    key: &str,
    id_field: &str,
) -> Result<Option<Vec<T>>, ModelError> {
    let Some(v) = obj.remove(key) else {
        return Ok(None);
    };
    if v.trim() == "null" {
        return Ok(None);
    }
    let mut out = Vec::new();
    let what = format!("{key} item");
    let done = each_item(v, |i, raw| {
        out.push(deserialize_raw(path, raw, id_field, &what, i)?);
        Ok(())
    });
    match done {
        None => Err(ModelError::Field {
            path: path.to_path_buf(),
            resource: key.to_string(),
            field: key.to_string(),
            message: "expected an array".to_string(),
        }),
        Some(r) => r.map(|()| Some(out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_members_and_items() {
        let t = r#" { "a" : [1, "x,]}", {"b": [2, 3]}, null, -1.5e3 ] , "k\"q": {"z": "}"}, "a": true } "#;
        let m = object_members(t).unwrap();
        assert_eq!(m["a"], "true"); // the last `a` wins
        assert_eq!(m["k\"q"], r#"{"z": "}"}"#);
        let first = r#"[1, "x,]}", {"b": [2, 3]}, null, -1.5e3 ]"#;
        let mut items = Vec::new();
        each_item::<()>(first, |_, s| {
            items.push(s.to_string());
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            items,
            ["1", r#""x,]}""#, r#"{"b": [2, 3]}"#, "null", "-1.5e3"]
        );
        assert!(each_item::<()>("{}", |_, _| Ok(())).is_none());
        assert!(object_members("[1]").is_none());
        assert!(each_item::<()>("[]", |_, _| panic!("no items"))
            .unwrap()
            .is_ok());
    }

    #[test]
    fn never_panics_on_broken_text() {
        for t in [
            "{",
            "{\"a\"",
            "{\"a\":",
            "[1,",
            "[\"",
            "{\"a\" 1}",
            "[1 2]",
            "\"",
            "{\"\\",
        ] {
            let _ = object_members(t);
            let _ = each_item::<()>(t, |_, _| Ok(()));
        }
    }
}
