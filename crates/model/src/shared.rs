//! [`Shared`]: a snapshot collection that copies share until one is changed.
//!
//! A snapshot's network interfaces and instances are nearly all of its size
//! (at 100,000 ENIs, 72 of its 73 MB of JSON). netpath copies a snapshot to
//! verify a fix (apply it to the copy, walk again) and to measure the fix's
//! blast radius, and no fix edits an interface or an instance. With these two
//! collections shared, such a copy costs a few pointer copies instead of
//! 100,000 deep clones; a copy that does change one of them gets its own
//! vector then (copy on write, [`std::sync::Arc::make_mut`]).

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A vector shared by the snapshots copied from one another, copied on the
/// first change (see the module docs).
///
/// It reads as a slice (`Deref<Target = [T]>`, `for x in &shared`), and as
/// a slice changes in place (`iter_mut`, indexing), copying the vector first
/// when another snapshot still shares it. To add or remove items, use
/// [`Shared::make_mut`]. It serializes as the JSON array of its items,
/// exactly like a `Vec<T>`, so the snapshot file format does not change.
pub struct Shared<T>(Arc<Vec<T>>);

impl<T> Shared<T> {
    /// An empty collection.
    pub fn new() -> Shared<T> {
        Shared(Arc::new(Vec::new()))
    }

    /// True when `a` and `b` are the same vector (one was copied from the
    /// other and neither changed since): then they are also equal.
    pub fn ptr_eq(a: &Shared<T>, b: &Shared<T>) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<T: Clone> Shared<T> {
    /// The vector itself, to push, retain, sort or extend: copied first when
    /// another snapshot shares it.
    pub fn make_mut(&mut self) -> &mut Vec<T> {
        Arc::make_mut(&mut self.0)
    }

    /// Adds `item` at the end (copying the vector first when shared).
    pub fn push(&mut self, item: T) {
        self.make_mut().push(item)
    }

    /// The items as a `Vec`: the vector itself when no other snapshot shares
    /// it, otherwise a copy.
    pub fn into_vec(self) -> Vec<T> {
        Arc::unwrap_or_clone(self.0)
    }
}

/// A snapshot collection: a `Vec<T>` or a [`Shared<T>`]. Lets one generic
/// helper (merge, dedupe, sort, partition) handle either.
pub trait Collection: Deref<Target = [Self::Item]> + Default + From<Vec<Self::Item>> {
    /// The resource type.
    type Item;
    /// The vector itself, to push, retain, sort or extend (a [`Shared`] one
    /// is copied first when another snapshot shares it).
    fn items_mut(&mut self) -> &mut Vec<Self::Item>;
    /// The items as a `Vec` (a [`Shared`] one copied when still shared).
    fn into_items(self) -> Vec<Self::Item>;
}

impl<T> Collection for Vec<T> {
    type Item = T;
    fn items_mut(&mut self) -> &mut Vec<T> {
        self
    }
    fn into_items(self) -> Vec<T> {
        self
    }
}

impl<T: Clone> Collection for Shared<T> {
    type Item = T;
    fn items_mut(&mut self) -> &mut Vec<T> {
        self.make_mut()
    }
    fn into_items(self) -> Vec<T> {
        self.into_vec()
    }
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared::new()
    }
}

/// A copy shares the vector: O(1).
impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.make_mut()
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T> From<Vec<T>> for Shared<T> {
    fn from(v: Vec<T>) -> Self {
        Shared(Arc::new(v))
    }
}

impl<T> FromIterator<T> for Shared<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Shared(Arc::new(iter.into_iter().collect()))
    }
}

impl<T: Clone> Extend<T> for Shared<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.make_mut().extend(iter)
    }
}

impl<'a, T> IntoIterator for &'a Shared<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a, T: Clone> IntoIterator for &'a mut Shared<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.make_mut().iter_mut()
    }
}

impl<T: Clone> IntoIterator for Shared<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.as_slice().serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(d).map(Shared::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_shares_until_changed() {
        let a: Shared<u32> = vec![1, 2, 3].into();
        let mut b = a.clone();
        assert!(Shared::ptr_eq(&a, &b));
        b.make_mut().push(4);
        assert!(!Shared::ptr_eq(&a, &b));
        assert_eq!(&*a, &[1, 2, 3]);
        assert_eq!(&*b, &[1, 2, 3, 4]);
        b[0] = 9;
        assert_eq!(a[0], 1);
        assert_ne!(a, b);
    }

    #[test]
    fn serializes_as_an_array() {
        let a: Shared<u32> = vec![1, 2].into();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "[1,2]");
        let back: Shared<u32> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }
}
