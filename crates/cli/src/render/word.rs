//! The one-word names the tables print for the engine's enums.

/// The JSON string a value serializes to (its kebab-case name, for the enums
/// of the engine), or an empty string when it is not a string.
pub fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
