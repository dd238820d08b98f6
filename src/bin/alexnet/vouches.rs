//! The digests the CLI vouches for: compact copies it made itself from verified Model Zoo files, kept in its cache folder.
//!
//! A copy's own metadata says where it came from, but anyone can write metadata; what makes a copy "the BVLC
//! weights" is that this program converted it from a file whose SHA-256 it checked, and wrote down the copy's own
//! digest here (`verified.json`, a JSON list of [`Vouch`]es). Every command that loads weights passes the list on.

use crate::files::{self, Res};
use alexnet_explainer::weights::{Vouch, VouchedBy};
use std::path::PathBuf;

/// A list of vouches stays far below this (each is ~150 bytes); a bigger file is not ours to read.
const MAX_LIST_BYTES: u64 = 1 << 20;

/// The CLI's cache folder: `$XDG_CACHE_HOME/alexnet-explainer`, else `~/.cache/alexnet-explainer`.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("alexnet-explainer")
}

fn list_path() -> PathBuf {
    cache_dir().join("verified.json")
}

/// The CLI's own vouches. A missing list is empty; an unreadable one is reported and ignored (its copies are then
/// labelled as unverified files, which is the safe side).
pub fn load() -> Vec<Vouch> {
    let path = list_path();
    if !path.exists() {
        return vec![];
    }
    let parsed =
        files::read_bounded(&path, MAX_LIST_BYTES, |n| format!("{n} bytes, more than a list of vouches ever holds"))
            .and_then(|b| serde_json::from_slice::<Vec<Vouch>>(&b).map_err(|e| format!("{}: {e}", path.display())));
    match parsed {
        Ok(list) => list.into_iter().filter(|v| v.by == VouchedBy::CliCopy).collect(),
        Err(e) => {
            eprintln!("note: ignoring the list of verified copies ({e})");
            vec![]
        }
    }
}

/// Adds `v` to the list (replacing an entry with the same digest), written atomically.
pub fn record(v: Vouch) -> Res<()> {
    let dir = cache_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {}", dir.display(), files::reason(&e)))?;
    let mut list = load();
    list.retain(|o| o.sha256 != v.sha256);
    list.push(v);
    let json = serde_json::to_vec_pretty(&list).map_err(|e| e.to_string())?;
    files::write_atomic(&list_path(), &json)
}
