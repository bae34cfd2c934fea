//! Remembering what each distinct cell of a column means, so a cell is understood once and
//! every later copy of it costs a lookup (vocabulary columns hold a handful of spellings, group
//! columns a few hundred names).
//!
//! The lookup is on the hot path of the read (about 17 per row of an export), so it avoids
//! hashing and comparing byte strings where it can: a cell is keyed by its length and its
//! first and last 16 bytes, which identify a cell of up to 32 bytes exactly, with integer
//! compares. Longer cells also compare their bytes. A small direct-mapped table on a mix of the
//! key finds most cells at the first probe; the others are scanned in order (up to `LINEAR`
//! cells) or found through a hash map on the key.

use super::FastMap;

/// Cells remembered per column, at most: a column of free text must not grow the memo.
pub const MEMO_CAP: usize = 4096;

/// Up to this many cells are found by a linear scan, faster than hashing for so few.
const LINEAR: usize = 8;

/// A cell's length and bytes read as overlapping words: for up to 32 bytes the words cover
/// every byte, so given the length they identify the cell. Built from fixed-size loads only
/// (copying a cell of variable length into a buffer first stalled every lookup).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct CellKey {
    words: [u64; 4],
    len: usize,
}

#[inline]
fn load8(raw: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&raw[at..at + 8]);
    u64::from_le_bytes(bytes)
}

#[inline]
fn load4(raw: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&raw[at..at + 4]);
    u64::from(u32::from_le_bytes(bytes))
}

impl CellKey {
    #[inline(always)]
    fn of(raw: &[u8]) -> CellKey {
        let len = raw.len();
        let words = match len {
            0 => [0; 4],
            1..=3 => [
                u64::from(raw[0]) | u64::from(raw[len / 2]) << 8 | u64::from(raw[len - 1]) << 16,
                0,
                0,
                0,
            ],
            4..=7 => [load4(raw, 0) | load4(raw, len - 4) << 32, 0, 0, 0],
            8..=15 => [load8(raw, 0), load8(raw, len - 8), 0, 0],
            _ => [
                load8(raw, 0),
                load8(raw, 8),
                load8(raw, len - 16),
                load8(raw, len - 8),
            ],
        };
        CellKey { words, len }
    }

    /// Whether the key alone identifies the cell.
    fn is_exact(self) -> bool {
        self.len <= 32
    }

    /// The key's slot in the direct-mapped table.
    #[inline(always)]
    fn slot(self) -> usize {
        let [a, b, c, d] = self.words;
        let mixed = a ^ b.rotate_left(23) ^ c.rotate_left(41) ^ d.rotate_left(7) ^ self.len as u64;
        (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize
    }
}

/// The meanings of a column's distinct cells, as written.
#[derive(Debug, Clone)]
pub struct CellMemo<V> {
    keys: Vec<CellKey>,
    /// The bytes of cells over 32 bytes (empty for the others).
    long: Vec<Box<[u8]>>,
    values: Vec<V>,
    /// Key → the first entry with it, once there are more than [`LINEAR`] entries; long cells
    /// sharing a key are chained through `next`.
    index: FastMap<CellKey, usize>,
    next: Vec<Option<usize>>,
    /// By [`CellKey::slot`]: the last cell remembered in each slot.
    slots: [Slot; SLOTS],
}

/// A direct-mapped slot: the entry, with its key's length and first word at hand, so a cell
/// of up to 7 bytes is found without reading the entry's key (a load that waited on the slot's,
/// on every lookup).
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    word: u64,
    len: u32,
    /// Entry + 1 (0: none).
    entry: u32,
}

/// Slots of the direct-mapped table.
const SLOTS: usize = 64;

impl<V> Default for CellMemo<V> {
    fn default() -> Self {
        CellMemo {
            keys: Vec::new(),
            long: Vec::new(),
            values: Vec::new(),
            index: FastMap::default(),
            next: Vec::new(),
            slots: [Slot::default(); SLOTS],
        }
    }
}

impl<V> CellMemo<V> {
    /// The meaning remembered for `raw`.
    #[inline(always)]
    pub fn get(&self, raw: &[u8]) -> Option<&V> {
        let key = CellKey::of(raw);
        let slot = self.slots[key.slot()];
        if slot.entry > 0 && slot.len as usize == key.len && slot.word == key.words[0] {
            let entry = slot.entry as usize - 1;
            // The first word holds every byte of a cell under 8 bytes (see `CellKey::of`).
            if key.len < 8 || self.is(entry, &key, raw) {
                return Some(&self.values[entry]);
            }
        }
        self.find(&key, raw).map(|entry| &self.values[entry])
    }

    /// Whether `entry` is the cell `raw`, whose key is `key`: word by word, in registers.
    #[inline(always)]
    fn is(&self, entry: usize, key: &CellKey, raw: &[u8]) -> bool {
        let known = &self.keys[entry];
        known.len == key.len
            && known.words[0] == key.words[0]
            && known.words[1] == key.words[1]
            && (key.len <= 16
                || (known.words[2] == key.words[2]
                    && known.words[3] == key.words[3]
                    && (key.is_exact() || *self.long[entry] == *raw)))
    }

    /// The entry of `raw` when the direct-mapped table missed it.
    #[cold]
    fn find(&self, key: &CellKey, raw: &[u8]) -> Option<usize> {
        if self.keys.len() <= LINEAR {
            return (0..self.keys.len()).find(|&entry| self.is(entry, key, raw));
        }
        let mut entry = *self.index.get(key)?;
        loop {
            if self.is(entry, key, raw) {
                return Some(entry);
            }
            entry = self.next[entry]?;
        }
    }

    /// Remembers `raw`'s meaning (not beyond [`MEMO_CAP`] cells).
    pub fn insert(&mut self, raw: &[u8], value: V) {
        if self.keys.len() >= MEMO_CAP || self.get(raw).is_some() {
            return;
        }
        let key = CellKey::of(raw);
        let entry = self.keys.len();
        self.keys.push(key);
        self.long.push(if key.is_exact() {
            Box::default()
        } else {
            raw.into()
        });
        self.values.push(value);
        self.next.push(None);
        self.slots[key.slot()] = Slot {
            word: key.words[0],
            // Fields are at most 1 MiB; a longer cell would only miss here and be found by
            // `find`.
            len: key.len as u32,
            entry: (entry + 1) as u32,
        };
        if self.keys.len() == LINEAR + 1 {
            for (earlier, key) in self.keys.clone().into_iter().enumerate().take(LINEAR) {
                self.link(key, earlier);
            }
        }
        if self.keys.len() > LINEAR {
            self.link(key, entry);
        }
    }

    /// Adds `entry` to the index under `key`, behind the entries already there.
    fn link(&mut self, key: CellKey, entry: usize) {
        match self.index.get(&key).copied() {
            None => {
                self.index.insert(key, entry);
            }
            Some(mut at) => {
                while let Some(next) = self.next[at] {
                    at = next;
                }
                self.next[at] = Some(entry);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_of_every_length_are_told_apart() {
        let mut memo = CellMemo::default();
        let long_a = "Phòng Quản lý Văn hóa và Gia đình, Thể thao".to_string();
        let long_b = long_a.replace("Văn", "Vấn");
        let mut cells: Vec<String> = vec![
            String::new(),
            "a".into(),
            "a\0".into(),
            "Có".into(),
            "Không".into(),
            "x".repeat(16),
            "x".repeat(17),
            "Đã trả kết quả cho công dân".into(),
            long_a,
            long_b,
        ];
        cells.extend((0..40).map(|i| format!("Phòng số {i} của Sở Văn hóa, Thể thao và Du lịch")));
        for (i, cell) in cells.iter().enumerate() {
            memo.insert(cell.as_bytes(), i);
            for (j, earlier) in cells.iter().enumerate().take(i + 1) {
                assert_eq!(memo.get(earlier.as_bytes()), Some(&j), "{earlier:?}");
            }
        }
        assert_eq!(memo.get(b"b"), None);
        // Cells of each length up to 40 that differ in one byte only are told apart.
        for len in 1..=40 {
            let mut memo = CellMemo::default();
            let base = vec![b'a'; len];
            memo.insert(&base, usize::MAX);
            for at in 0..len {
                let mut cell = base.clone();
                cell[at] = b'b';
                memo.insert(&cell, at);
            }
            assert_eq!(memo.get(&base), Some(&usize::MAX), "{len}");
            for at in 0..len {
                let mut cell = base.clone();
                cell[at] = b'b';
                assert_eq!(memo.get(&cell), Some(&at), "{len} {at}");
            }
        }
        assert_eq!(memo.get("x".repeat(18).as_bytes()), None);
        assert_eq!(memo.len(), cells.len());
    }
}
