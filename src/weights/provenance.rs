//! Which weights are the trained BVLC ones, decided only from what the app verified itself, never from a file's claims.
//!
//! A file is "trained BVLC weights" when its SHA-256 is one of the Model Zoo's files ([`super::zoo::FILES`]), or
//! when the program that loads it vouches for its digest: a compact copy the browser (or the CLI) made itself from
//! a verified Zoo file and recorded with its digest, or a copy listed in the site's own same-origin manifest.
//! Metadata inside a file (safetensors `__metadata__`, ONNX producer strings) is never trusted: anyone can write it.

use super::zoo::{self, ZooFile};
use serde::{Deserialize, Serialize};

/// Names of every weight tensor, in `PARAM_LAYERS` order: `conv1.weight`, `conv1.bias`, … `fc8.bias`.
pub fn all_tensors() -> Vec<String> {
    crate::spec::PARAM_LAYERS.iter().flat_map(|id| [format!("{id}.weight"), format!("{id}.bias")]).collect()
}

/// Where a set of weights came from, as far as the app could verify it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A Model Zoo file, recognised by its size and SHA-256.
    Zoo,
    /// A copy whose digest the loading program vouched for (see [`Vouch`]).
    Vouched,
    /// Any other file: its weights are used as they are, and not called the BVLC ones.
    File,
    /// The default session: AlexNet's trained conv1 kernels, everything else seeded random.
    Starter,
    /// Seeded random weights only.
    Seeded,
}

/// Who vouches for a digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VouchedBy {
    /// A compact copy this browser made from a verified Zoo file and recorded, with its digest, in its storage.
    BrowserCopy,
    /// A copy listed in the site's own same-origin weights manifest (written by `build-static.sh` from a verified file).
    SiteManifest,
    /// A compact copy the `alexnet` CLI made from a verified Zoo file (recorded in its cache folder).
    CliCopy,
}

/// A digest the loading program vouches for, with the verified Zoo file the copy was made from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vouch {
    pub sha256: String,
    pub bytes: u64,
    pub by: VouchedBy,
    /// The Zoo file it was made from (e.g. `bvlcalexnet-12.onnx`); a vouch for anything else is ignored.
    pub from: String,
}

impl Vouch {
    /// The Zoo file this vouch names, when it names one.
    pub fn zoo_file(&self) -> Option<&'static ZooFile> {
        zoo::FILES.iter().find(|f| f.name == self.from)
    }
}

/// What a loader is told besides the bytes: the file's name (for labels), its digest if the caller already
/// computed it (a download hashes as it streams), and the digests it vouches for.
#[derive(Clone, Debug, Default)]
pub struct LoadContext<'a> {
    pub name: Option<&'a str>,
    pub sha256: Option<&'a str>,
    pub vouched: &'a [Vouch],
}

impl LoadContext<'_> {
    /// True when a file of `bytes` could be recognised, so it is worth hashing (hashing 244 MB takes a moment).
    pub fn worth_hashing(&self, bytes: u64) -> bool {
        zoo::size_is_known(bytes) || self.vouched.iter().any(|v| v.bytes == bytes)
    }
}

/// The verdict on a file: origin, the matching Zoo file, and the English label the CLI prints.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub origin: Origin,
    pub zoo: Option<&'static ZooFile>,
    pub vouched_by: Option<VouchedBy>,
    pub source: String,
}

/// Decides what a loaded file is from its size and digest alone (`sha256` is `None` when it was not worth hashing).
pub fn judge(bytes: u64, sha256: Option<&str>, ctx: &LoadContext<'_>) -> Verdict {
    let name = ctx.name.unwrap_or("the file");
    if let Some(sha) = sha256 {
        if let Some(f) = zoo::recognise(bytes, sha) {
            let what = match f.kind {
                zoo::ZooKind::F32 => String::new(),
                _ => ", its int8 weights dequantised on load".to_string(),
            };
            return Verdict {
                origin: Origin::Zoo,
                zoo: Some(f),
                vouched_by: None,
                source: format!("BVLC AlexNet (ONNX Model Zoo {}, SHA-256 verified{what})", f.name),
            };
        }
        if let Some((v, f)) =
            ctx.vouched.iter().filter(|v| v.bytes == bytes && v.sha256 == sha).find_map(|v| Some((v, v.zoo_file()?)))
        {
            let how = match v.by {
                VouchedBy::BrowserCopy => "a compact copy this browser made",
                VouchedBy::SiteManifest => "this site's own copy",
                VouchedBy::CliCopy => "a compact copy the alexnet CLI made",
            };
            return Verdict {
                origin: Origin::Vouched,
                zoo: Some(f),
                vouched_by: Some(v.by),
                source: format!("BVLC AlexNet ({how} from the verified {}, SHA-256 checked)", f.name),
            };
        }
    }
    Verdict {
        origin: Origin::File,
        zoo: None,
        vouched_by: None,
        source: format!("weights from {name} (not verified as the BVLC ones)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_digests_are_trained() {
        let ctx = LoadContext { name: Some("x.onnx"), ..Default::default() };
        let z = zoo::PRIMARY;
        assert_eq!(judge(z.bytes, Some(z.sha256), &ctx).origin, Origin::Zoo);
        // The right size with another digest, or no digest at all, is just a file.
        assert_eq!(judge(z.bytes, Some(&"0".repeat(64)), &ctx).origin, Origin::File);
        let v = judge(z.bytes, None, &ctx);
        assert_eq!(v.origin, Origin::File);
        assert!(v.source.contains("x.onnx") && v.source.contains("not verified"), "{}", v.source);
    }

    #[test]
    fn a_vouch_must_match_size_and_digest_and_name_a_zoo_file() {
        let sha = "ab".repeat(32);
        let vouched =
            [Vouch { sha256: sha.clone(), bytes: 61, by: VouchedBy::BrowserCopy, from: "bvlcalexnet-12.onnx".into() }];
        let ctx = LoadContext { vouched: &vouched, ..Default::default() };
        assert!(ctx.worth_hashing(61));
        let v = judge(61, Some(&sha), &ctx);
        assert_eq!((v.origin, v.vouched_by), (Origin::Vouched, Some(VouchedBy::BrowserCopy)));
        assert_eq!(judge(62, Some(&sha), &ctx).origin, Origin::File);
        let odd = [Vouch { from: "my-model.onnx".into(), ..vouched[0].clone() }];
        assert_eq!(judge(61, Some(&sha), &LoadContext { vouched: &odd, ..Default::default() }).origin, Origin::File);
    }
}
