//! Bytes into wasm memory: a weights file received in pieces (hashed as it fills), and SHA-256 for the page.

use crate::weights::Blob;
use sha2::{Digest, Sha256 as Sha256State};
use wasm_bindgen::prelude::*;

/// A weights file arriving in pieces, written straight into wasm memory: the worker pushes each chunk as it
/// comes and hands the buffer to `Session.fromBuffer`, so the file is held once here rather than copied whole.
/// When asked to, it hashes the bytes as they arrive, so a download is verified without a second pass.
#[wasm_bindgen]
pub struct WeightsBuffer {
    pub(crate) blob: Blob,
    pub(crate) filled: usize,
    hasher: Option<Sha256State>,
}

#[wasm_bindgen]
impl WeightsBuffer {
    /// Room for a file of `len` bytes, hashed as it fills when `hash` is true; throws when `len` cannot be an
    /// AlexNet weights file or that much memory is not available.
    #[wasm_bindgen(constructor)]
    pub fn new(len: f64, hash: bool) -> Result<WeightsBuffer, JsError> {
        if !(len.is_finite() && len >= 0.0 && len <= crate::weights::MAX_FILE_BYTES as f64) {
            return Err(JsError::new(&crate::weights::too_big_message(len)));
        }
        let blob = Blob::try_zeroed(len as usize).ok_or_else(|| {
            JsError::new(&format!("not enough memory for a {} MB weights file", (len as usize) >> 20))
        })?;
        Ok(WeightsBuffer { blob, filled: 0, hasher: hash.then(Sha256State::new) })
    }

    /// Appends the next chunk; throws when it would overflow the announced length.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        let end = self.filled + chunk.len();
        if end > self.blob.len() {
            return Err(JsError::new(&format!(
                "the weights file is longer than announced ({} bytes)",
                self.blob.len()
            )));
        }
        self.blob.bytes_mut()[self.filled..end].copy_from_slice(chunk);
        if let Some(h) = &mut self.hasher {
            h.update(chunk);
        }
        self.filled = end;
        Ok(())
    }

    /// Forgets what arrived (a download that has to start again from the first byte).
    pub fn reset(&mut self) {
        self.filled = 0;
        if self.hasher.is_some() {
            self.hasher = Some(Sha256State::new());
        }
    }

    /// Bytes received so far.
    pub fn filled(&self) -> f64 {
        self.filled as f64
    }

    /// The SHA-256 of the whole file (lower-case hex) once every byte arrived and hashing was asked for, else
    /// `undefined`.
    pub fn sha256(&self) -> Option<String> {
        let h = self.hasher.as_ref()?;
        (self.filled == self.blob.len()).then(|| hex(&h.clone().finalize()))
    }

    /// A copy of `len` bytes from `offset` (clipped to what arrived), e.g. to store the verified file in the
    /// browser's cache piece by piece before the engine parses it.
    pub fn slice(&self, offset: f64, len: f64) -> Box<[u8]> {
        let start = (offset.max(0.0) as usize).min(self.filled);
        let end = start.saturating_add(len.max(0.0) as usize).min(self.filled);
        self.blob.bytes()[start..end].into()
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 computed piece by piece (the parts of a split file, a compact copy), so the page needs no hash code
/// of its own.
#[wasm_bindgen]
pub struct Sha256 {
    state: Sha256State,
}

#[wasm_bindgen]
impl Sha256 {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Sha256 {
        Sha256 { state: Sha256State::new() }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.state.update(bytes);
    }

    /// The digest so far, lower-case hex (the hasher can keep going).
    pub fn hex(&self) -> String {
        hex(&self.state.clone().finalize())
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256::new()
    }
}
