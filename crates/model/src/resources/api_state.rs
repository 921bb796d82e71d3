//! The `api_state!` macro, which declares the enums of the API's state
//! strings (instance state, NAT gateway state, ...), each in the module of
//! its resource.

/// Declares an enum for one of the API's state strings: the documented
/// values as variants, plus `Other(String)` for any value this build does
/// not know, so every string round-trips unchanged.
///
/// Each enum parses from and serializes to exactly the API string (case
/// sensitive; `""` and unknown strings become `Other`), compares equal to
/// that string (`state == "running"`), displays as it, and converts from
/// `&str` / `String` and into `String`. Its `Default` is `Other("")`, the
/// value an absent field used to read as.
macro_rules! api_state {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// Any other value, kept byte for byte as the input wrote it.
            Other(String),
        }

        impl $name {
            /// The API string, e.g. the text of the `Other` value as given.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s,
                }
            }

            /// Parses an API string. Never fails: a string that is not a
            /// documented value becomes `Other`, unchanged.
            pub fn parse(s: &str) -> $name {
                match s {
                    $( $text => $name::$variant, )+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl Default for $name {
            fn default() -> $name {
                $name::Other(String::new())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                $name::parse(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> $name {
                match $name::parse(&s) {
                    $name::Other(_) => $name::Other(s),
                    known => known,
                }
            }
        }

        impl From<$name> for String {
            fn from(s: $name) -> String {
                match s {
                    $name::Other(s) => s,
                    known => known.as_str().to_string(),
                }
            }
        }

        // Equality, order and hash are those of the API string, exactly as
        // when the field was a `String` (so `Other("active")` equals `Active`).
        impl PartialEq for $name {
            fn eq(&self, other: &$name) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl Eq for $name {}

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &$name) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &$name) -> std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
                self.as_str().hash(h)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $name;
                    // The same words as `String`'s visitor, so a bad value
                    // reads exactly as it did when the field was a `String`.
                    fn expecting(&self, f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::parse(v))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_bytes<E: ::serde::de::Error>(self, v: &[u8]) -> Result<$name, E> {
                        match std::str::from_utf8(v) {
                            Ok(s) => Ok($name::parse(s)),
                            Err(_) => Err(E::invalid_value(::serde::de::Unexpected::Bytes(v), &self)),
                        }
                    }
                }
                d.deserialize_string(V)
            }
        }
    };
}

pub(crate) use api_state;
