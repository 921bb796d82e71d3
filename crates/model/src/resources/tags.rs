//! Resource tags (`Tags` / `TagSet`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::CompactString;

/// Resource tags, key to value (`Tags` / `TagSet` in the API).
///
/// A map kept as a vector sorted by key: resources carry a handful of tags,
/// and 100,000 instances each with a `BTreeMap` node cost about half a
/// kilobyte apiece for nothing. Serializes as a JSON object, keys in order;
/// a key given twice keeps its last value (as a map would).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags(Vec<(CompactString, CompactString)>);

impl Tags {
    /// The value of tag `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.0[i].1.as_str())
    }

    /// Sets tag `key` to `value`, returning the old value.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value.into()).into_string()),
            Err(i) => {
                self.0.insert(i, (key.into(), value.into()));
                None
            }
        }
    }

    /// True when there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// (key, value) pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl FromIterator<(String, String)> for Tags {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Tags {
        let mut t = Tags::default();
        for (k, v) in iter {
            t.insert(k, v);
        }
        t.0.shrink_to_fit();
        t
    }
}

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tags, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of tag keys to string values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Tags, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(0));
                while let Some(kv) = m.next_entry::<String, String>()? {
                    out.push(kv);
                }
                Ok(out.into_iter().collect())
            }
        }
        d.deserialize_map(V)
    }
}
