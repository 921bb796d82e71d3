//! The two index shapes [`crate::topology::Topology`] keeps per resource,
//! chosen for a million-ENI snapshot's memory (`docs/performance.md`):
//! resources by id, and values by a key few values share.

use std::borrow::Borrow;
use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

/// Resources of one kind by id: a hash table of their positions in the
/// snapshot's own vector (4 bytes a slot), not of `(&str, &T)` pairs (24
/// bytes a slot). A million ENIs cost about 10 MB here, against about
/// 50 MB as a `HashMap<&str, &T>`; a lookup reads the id from the resource
/// itself, where it is stored inline.
///
/// An id given twice is the last resource with it, as a map built by
/// inserting each in turn would be.
pub(crate) struct IdIndex<'a, T> {
    items: &'a [T],
    table: HashTable<u32>,
    hasher: RandomState,
    id: fn(&T) -> &str,
}

impl<'a, T> IdIndex<'a, T> {
    /// Indexes `items` (a snapshot collection; `None` is empty) by `id`.
    pub(crate) fn new<C: std::ops::Deref<Target = [T]>>(
        items: &'a Option<C>,
        id: fn(&T) -> &str,
    ) -> IdIndex<'a, T> {
        let items = items.as_deref().unwrap_or(&[]);
        let hasher = RandomState::new();
        let mut table = HashTable::with_capacity(items.len());
        for (i, x) in items.iter().enumerate() {
            let key = id(x);
            let pos = u32::try_from(i).expect("fewer than 2^32 resources of one kind");
            let hash = hasher.hash_one(key);
            match table.find_mut(hash, |&j| id(&items[j as usize]) == key) {
                Some(slot) => *slot = pos,
                None => {
                    table.insert_unique(hash, pos, |&j| hasher.hash_one(id(&items[j as usize])));
                }
            }
        }
        IdIndex {
            items,
            table,
            hasher,
            id,
        }
    }

    /// The resource whose id is `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&'a T> {
        let items = self.items;
        self.table
            .find(self.hasher.hash_one(key), |&j| {
                (self.id)(&items[j as usize]) == key
            })
            .map(|&j| &items[j as usize])
    }
}

/// Values by a key that few values share (ENIs by address, instances by
/// `Name` tag): keys sorted, with the values in the same order, so a lookup
/// is a binary search that returns a slice. No allocation per key: 100,000
/// ENIs by address cost 1.2 MB here, against 8 MB as a hash map of vectors.
pub(crate) struct SortedIndex<K, V> {
    keys: Vec<K>,
    values: Vec<V>,
}

impl<K: Ord + Copy, V> SortedIndex<K, V> {
    /// Indexes `pairs`; values sharing a key keep their order.
    pub(crate) fn new(mut pairs: Vec<(K, V)>) -> SortedIndex<K, V> {
        pairs.sort_by_key(|(k, _)| *k);
        let (keys, values) = pairs.into_iter().unzip();
        SortedIndex { keys, values }
    }

    /// Every value under `key`, in their order; empty when none.
    pub(crate) fn get<Q: Ord + ?Sized>(&self, key: &Q) -> &[V]
    where
        K: Borrow<Q>,
    {
        let lo = self.keys.partition_point(|k| k.borrow() < key);
        let hi = lo + self.keys[lo..].partition_point(|k| k.borrow() <= key);
        &self.values[lo..hi]
    }

    /// Every value whose key is between `lo` and `hi` (both included), in
    /// key order; empty when none.
    pub(crate) fn range(&self, lo: &K, hi: &K) -> &[V] {
        let a = self.keys.partition_point(|k| k < lo);
        let b = a + self.keys[a..].partition_point(|k| k <= hi);
        &self.values[a..b]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_given_twice_is_the_last_resource_with_it() {
        let v = Some(vec![("a", 1), ("b", 2), ("a", 3)]);
        let ix = IdIndex::new(&v, |x| x.0);
        assert_eq!(ix.get("a").map(|x| x.1), Some(3));
        assert_eq!(ix.get("b").map(|x| x.1), Some(2));
        assert!(ix.get("c").is_none());
        let none: Option<Vec<(&str, i32)>> = None;
        assert!(IdIndex::new(&none, |x| x.0).get("a").is_none());
    }

    #[test]
    fn values_sharing_a_key_keep_their_order() {
        let ix = SortedIndex::new(vec![("b", 1), ("a", 2), ("b", 3), ("c", 4)]);
        assert_eq!(ix.get("b"), &[1, 3]);
        assert_eq!(ix.get("a"), &[2]);
        assert!(ix.get("z").is_empty());
    }
}
