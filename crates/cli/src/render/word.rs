//! The one-word names the tables print for the engine's enums.

/// The JSON string a value serializes to (its kebab-case name, for the enums
/// of the engine), or an empty string when it is not a string.
pub fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A flow's protocol and ports as the tables print them, `tcp/22`, with
/// ` over IPv6` for an IPv6 flow (IPv4 is the unmarked default).
pub fn flow_ports(
    v: netpath_engine::IpVersion,
    protocol: &str,
    ports: impl std::fmt::Display,
) -> String {
    if v.is_v6() {
        format!("{protocol}/{ports} over IPv6")
    } else {
        format!("{protocol}/{ports}")
    }
}

/// `"s"` unless `n` is 1: `format!("{n} gap{}", plural(n))`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
