//! A weights file held once in memory, and tensors that view it in place instead of copying it.
//!
//! A 244 MB ONNX file parsed into separate `Vec<f32>`s needs the file and the copies at once: 489 MB of wasm
//! memory, which never shrinks. Instead the file lands in one 8-byte-aligned [`Blob`]; after parsing, each f32
//! tensor's bytes are moved at most 3 bytes towards the start (onto its own, no longer needed, protobuf header) so
//! they are 4-byte aligned, and the layers hold [`Values`] that point into the shared blob. Only what must change
//! form (f16, transposed matrices) is copied.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// File bytes in 8-byte-aligned storage, so any range starting at a multiple of 4 can be read as `f32`s.
pub struct Blob {
    words: Vec<u64>,
    len: usize,
}

impl Blob {
    /// `len` zero bytes, to be filled by [`Blob::bytes_mut`] (the browser streams the file into it); `None` when
    /// memory runs out, instead of aborting (a browser tab's wasm memory is limited, and a user may pick a huge file).
    pub fn try_zeroed(len: usize) -> Option<Blob> {
        let mut words = Vec::new();
        words.try_reserve_exact(len.div_ceil(8)).ok()?;
        words.resize(len.div_ceil(8), 0);
        Some(Blob { words, len })
    }

    /// A copy of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Blob {
        let mut b = Blob::try_zeroed(bytes.len()).expect("memory for a copy of the file");
        b.bytes_mut().copy_from_slice(bytes);
        b
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `words` owns at least `len` initialised bytes (⌈len/8⌉ u64s), and u8 has no alignment needs.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr() as *const u8, self.len) }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, with the unique borrow of `self`.
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr() as *mut u8, self.len) }
    }

    /// `len` f32s at byte `offset`, to change in place (before the blob is shared); `None` unless the range is
    /// inside the blob, 4-byte aligned, and the target little-endian (the files' byte order).
    pub fn f32s_mut(&mut self, offset: usize, len: usize) -> Option<&mut [f32]> {
        let end = len.checked_mul(4).and_then(|n| offset.checked_add(n))?;
        if end > self.len || offset % 4 != 0 || cfg!(target_endian = "big") {
            return None;
        }
        // SAFETY: offset..end lies inside the `len` initialised bytes of `words` (checked), whose storage starts
        // 8-byte aligned, so offset % 4 == 0 aligns the f32s; every bit pattern is a valid f32; `&mut self`
        // makes the borrow unique.
        Some(unsafe {
            std::slice::from_raw_parts_mut(self.words.as_mut_ptr().cast::<u8>().add(offset).cast::<f32>(), len)
        })
    }

    /// Moves each span `(byte offset, byte length, align)` to the nearest offset at or below it that is a multiple
    /// of its `align` (1, 2, 4 or 8), keeping spans apart. Spans must not overlap one another (tensors in a file
    /// never do). Returns, per span in the order given, its new offset, or `None` when it could not move without
    /// touching an earlier span's bytes: such a span keeps its bytes where they were, for the caller to copy.
    /// Must run after all parsing: the bytes a span moves onto (its field header) are overwritten.
    pub fn align_spans(&mut self, spans: &[(usize, usize, usize)]) -> Vec<Option<usize>> {
        let mut order: Vec<usize> = (0..spans.len()).collect();
        order.sort_by_key(|&i| spans[i]);
        let mut placed = vec![None; spans.len()];
        let mut floor = 0usize;
        let mut last: Option<((usize, usize), usize)> = None;
        for i in order {
            let (off, n, align) = spans[i];
            assert!(align.is_power_of_two() && align <= 8, "alignment {align}");
            if off.checked_add(n).is_none_or(|end| end > self.len) {
                continue;
            }
            // The same tensor referenced twice (one initializer feeding two nodes) is moved once.
            if let Some((span, to)) = last {
                if span == (off, n) {
                    placed[i] = Some(to);
                    continue;
                }
            }
            let to = off & !(align - 1);
            if to < floor {
                // Left in place; later spans must not move onto it.
                floor = off + n;
                continue;
            }
            if to != off {
                self.bytes_mut().copy_within(off..off + n, to);
            }
            placed[i] = Some(to);
            floor = to + n;
            last = Some(((off, n), to));
        }
        placed
    }
}

/// Element types a [`Values`] can view in a blob: plain little-endian numbers with no invalid bit patterns.
pub trait Element: Copy + Default + PartialEq + fmt::Debug + Send + Sync + 'static {}
impl Element for f32 {}
impl Element for i8 {}

/// An immutable run of `T`: its own vector, or a range of a shared [`Blob`]. Reads as `&[T]`.
pub struct Values<T: Element> {
    repr: Repr<T>,
}

enum Repr<T> {
    Owned(Vec<T>),
    Shared { blob: Arc<Blob>, offset: usize, len: usize },
}

impl<T: Element> Values<T> {
    /// `len` values of `T` at byte `offset` of `blob`; `None` unless the range is inside the blob and aligned for
    /// `T`, and the target is little-endian (the files' byte order).
    pub fn shared(blob: &Arc<Blob>, offset: usize, len: usize) -> Option<Values<T>> {
        let bytes = len.checked_mul(std::mem::size_of::<T>())?;
        let fits = offset.checked_add(bytes).is_some_and(|end| end <= blob.len());
        if !fits || offset % std::mem::align_of::<T>() != 0 || cfg!(target_endian = "big") {
            return None;
        }
        Some(Values { repr: Repr::Shared { blob: Arc::clone(blob), offset, len } })
    }

    /// The values for changing in place, when they are in their own allocation (`None` when they view a blob).
    pub fn owned_mut(&mut self) -> Option<&mut [T]> {
        match &mut self.repr {
            Repr::Owned(v) => Some(v),
            Repr::Shared { .. } => None,
        }
    }

    /// True when the values live in a shared blob rather than in their own allocation.
    pub fn is_shared(&self) -> bool {
        matches!(self.repr, Repr::Shared { .. })
    }
}

impl<T: Element> Deref for Values<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.repr {
            Repr::Owned(v) => v,
            Repr::Shared { blob, offset, len } => {
                // SAFETY: `shared` checked that offset..offset + len·size_of::<T>() lies inside the blob and that
                // offset is a multiple of T's alignment; the blob's storage starts 8-byte aligned, and T (f32, i8)
                // is valid for every bit pattern. The blob is immutable behind the Arc.
                unsafe { std::slice::from_raw_parts(blob.bytes().as_ptr().add(*offset) as *const T, *len) }
            }
        }
    }
}

impl<T: Element> From<Vec<T>> for Values<T> {
    fn from(v: Vec<T>) -> Self {
        Values { repr: Repr::Owned(v) }
    }
}

impl<T: Element> FromIterator<T> for Values<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Values::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Element> Default for Values<T> {
    fn default() -> Self {
        Values::from(Vec::new())
    }
}

impl<T: Element> Clone for Values<T> {
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Owned(v) => Values::from(v.clone()),
            Repr::Shared { blob, offset, len } => {
                Values { repr: Repr::Shared { blob: Arc::clone(blob), offset: *offset, len: *len } }
            }
        }
    }
}

impl<T: Element> PartialEq for Values<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Element> fmt::Debug for Values<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Values<{}>({} values, {})",
            std::any::type_name::<T>(),
            self.len(),
            if self.is_shared() { "shared" } else { "owned" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_move_down_to_alignment_without_touching_each_other() {
        // Three f32 spans at offsets 5, 18 and 23 (the last 1 byte after the second ends).
        let mut bytes = vec![0u8; 40];
        let vals: [f32; 4] = [1.5, -2.0, 3.25, 7.0];
        let put = |b: &mut Vec<u8>, at: usize, v: &[f32]| {
            for (i, x) in v.iter().enumerate() {
                b[at + 4 * i..][..4].copy_from_slice(&x.to_le_bytes());
            }
        };
        put(&mut bytes, 5, &vals[..2]);
        put(&mut bytes, 18, &vals[2..3]);
        put(&mut bytes, 23, &vals[3..]);
        let mut blob = Blob::from_bytes(&bytes);
        let spans = [(18, 4, 4), (5, 8, 4), (23, 4, 4)];
        let to = blob.align_spans(&spans);
        assert_eq!(to, vec![Some(16), Some(4), Some(20)]);
        let blob = Arc::new(blob);
        let a = Values::<f32>::shared(&blob, to[1].unwrap(), 2).unwrap();
        let b = Values::<f32>::shared(&blob, to[0].unwrap(), 1).unwrap();
        let c = Values::<f32>::shared(&blob, to[2].unwrap(), 1).unwrap();
        assert_eq!((&*a, &*b, &*c), (&vals[..2], &vals[2..3], &vals[3..]));
        assert!(a.is_shared());
        // A span whose aligned spot would overlap the one before it stays where it is, for the caller to copy,
        // and later spans do not move onto it.
        let mut blob = Blob::from_bytes(&(0..24).collect::<Vec<u8>>());
        assert_eq!(blob.align_spans(&[(0, 7, 1), (7, 4, 4), (11, 4, 4)]), vec![Some(0), None, None]);
        assert_eq!(&blob.bytes()[7..11], &[7, 8, 9, 10]);
    }

    #[test]
    fn duplicate_spans_move_once_and_bad_ranges_are_refused() {
        let mut blob = Blob::from_bytes(&[9, 1, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(blob.align_spans(&[(1, 8, 4), (1, 8, 4), (6, 100, 4)]), vec![Some(0), Some(0), None]);
        let blob = Arc::new(blob);
        assert_eq!(&*Values::<i8>::shared(&blob, 0, 2).unwrap(), &[1, 0]);
        assert!(Values::<f32>::shared(&blob, 1, 1).is_none(), "misaligned");
        assert!(Values::<f32>::shared(&blob, 4, 2).is_none(), "past the end");
        assert!(Values::<f32>::shared(&blob, 0, usize::MAX).is_none(), "overflow");
    }

    #[test]
    fn owned_and_shared_compare_by_value() {
        let blob = Arc::new(Blob::from_bytes(&1.0f32.to_le_bytes()));
        let s = Values::<f32>::shared(&blob, 0, 1).unwrap();
        assert_eq!(s, Values::from(vec![1.0f32]));
        assert_eq!(s.clone(), s);
        assert!(format!("{s:?}").contains("shared"));
    }
}
