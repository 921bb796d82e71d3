//! The one wrapper of the JSON documents of `reach`, `exposure`, `diff` and
//! `check` (docs/reach-json.md, docs/diff-json.md, docs/policy.md): the
//! format name and version, the inputs by name, then the payload's own
//! fields, all at the top level.

use std::io::Write;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// `{"format": …, "version": …, <inputs>…, <payload fields>…}`.
///
/// `payload` must serialize as a map or struct: its fields are flattened
/// into the document, in their own order, after the inputs.
#[derive(serde::Serialize)]
pub struct Envelope<'a, T: Serialize> {
    /// The document's name: `netpath-reach`, `netpath-diff`, `netpath-check`.
    format: &'static str,
    /// The version of that format.
    version: u32,
    /// Where the answer came from, by name, in order (`snapshot`, `policy`,
    /// `before`, `after`): paths as given, or `the live snapshot`.
    #[serde(flatten)]
    inputs: Inputs,
    /// The answer.
    #[serde(flatten)]
    payload: &'a T,
}

/// Named inputs, serialized as map entries in order.
struct Inputs(Vec<(&'static str, String)>);

impl Serialize for Inputs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'a, T: Serialize> Envelope<'a, T> {
    /// Version 1 of the document `format`, with `inputs` (name, value) and `payload`.
    pub fn v1(format: &'static str, inputs: Vec<(&'static str, String)>, payload: &'a T) -> Self {
        Envelope {
            format,
            version: 1,
            inputs: Inputs(inputs),
            payload,
        }
    }

    /// Writes the document as pretty JSON followed by a newline.
    pub fn write(&self, mut out: impl Write) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut out, self).map_err(std::io::Error::from)?;
        writeln!(out)?;
        Ok(())
    }
}
