//! Splits JSON text that is already known to be valid into the byte
//! slices of its parts, without building anything: the members of an
//! object and the items of an array. The general (error-reporting) parse
//! path uses it to take a 100 MB file one resource at a time.
//!
//! Every function here expects text that `serde_json` has accepted; on
//! anything else it returns `None` rather than panicking. Nesting is
//! tracked with a counter, not recursion, so depth costs nothing.

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
pub(crate) fn object_members(text: &str) -> Option<std::collections::BTreeMap<String, &str>> {
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

/// Calls `f` on the text of each item of an array, in order; stops at the
/// first error `f` returns. `None` when the text is not an array.
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
