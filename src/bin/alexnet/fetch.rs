//! `alexnet fetch`: download the Model Zoo's BVLC AlexNet (or a mirror's file), verify it, convert it, vouch for the copy.
//!
//! The original is kept in the cache folder (verified again before it is reused) and converted to the compact
//! store in `--out`. Only a file whose SHA-256 is a Model Zoo digest is called the BVLC weights: then the compact
//! copy's own digest is recorded ([`crate::vouches`]) so every later command labels that copy as the BVLC weights.
//! A mirror's file with another digest is downloaded and verified just the same, and labelled as an unverified file.

use crate::args;
use crate::commands::write_copy;
use crate::download::{self, Failure, Want};
use crate::files::{self, Digest, Res};
use crate::vouches;
use alexnet_explainer::weights::zoo::{self, ZooFile};
use alexnet_explainer::weights::MAX_FILE_BYTES;
use std::path::Path;

/// The file a fetch is after.
struct Target {
    url: String,
    sha256: String,
    size: Option<u64>,
    /// The Model Zoo file with this digest, if it is one.
    zoo: Option<&'static ZooFile>,
    /// The file's own name: the Zoo's, or the last part of the mirror's URL.
    name: String,
}

impl Target {
    fn from_args(a: &args::Fetch) -> Res<Target> {
        let Some(url) = &a.url else {
            let z = zoo::PRIMARY;
            return Ok(Target {
                url: zoo::PRIMARY_URL.into(),
                sha256: z.sha256.into(),
                size: Some(z.bytes),
                zoo: Some(&zoo::PRIMARY),
                name: z.name.into(),
            });
        };
        let sha256 = a.sha256.as_deref().unwrap_or_default().to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("--sha256 takes the file's SHA-256 as 64 hex digits, not '{sha256}'"));
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("--url must be an http:// or https:// URL, not '{url}'"));
        }
        let zoo = zoo::FILES.iter().find(|f| f.sha256 == sha256);
        let size = match (zoo, a.size) {
            (Some(z), Some(n)) if n != z.bytes => {
                return Err(format!(
                    "--sha256 is the Model Zoo's {} digest, which is {} bytes, not --size {n}",
                    z.name, z.bytes
                ));
            }
            (Some(z), _) => Some(z.bytes),
            (None, n) => n,
        };
        let base: String = url
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' })
            .collect();
        let base = if base.trim_matches('.').is_empty() { "download".to_string() } else { base };
        let name = zoo.map(|z| z.name.to_string()).unwrap_or(base);
        Ok(Target { url: url.clone(), sha256, size, zoo, name })
    }

    /// The original's name in the cache folder: a mirror's file is cached under its digest too, so two mirrors'
    /// files never share a name.
    fn cache_name(&self) -> String {
        match self.zoo {
            Some(z) => z.name.to_string(),
            None => format!("{}-{}", &self.sha256[..16], self.name),
        }
    }

    /// The compact file's name: `bvlc-alexnet-DTYPE.safetensors` for a Zoo file; for any other file its own name's
    /// stem, never one that starts like the BVLC copy's (the name must not call it the BVLC weights either).
    fn output_name(&self, dtype: &str) -> String {
        if self.zoo.is_some() {
            return format!("bvlc-alexnet-{dtype}.safetensors");
        }
        let stem = self.name.split('.').next().filter(|s| !s.is_empty()).unwrap_or("download");
        let stem =
            if stem.to_ascii_lowercase().starts_with("bvlc") { format!("unverified-{stem}") } else { stem.to_string() };
        format!("{stem}-{dtype}.safetensors")
    }

    /// The host part of the URL, for messages.
    fn host(&self) -> &str {
        let rest = self.url.split_once("://").map(|(_, r)| r).unwrap_or(&self.url);
        rest.split(['/', '?', '#']).next().unwrap_or(rest)
    }
}

/// What to do by hand when this machine cannot download the file.
fn by_hand(t: &Target, reason: &str, out: &Path, dtype: &str) -> String {
    let size = t.size.map(|n| format!("{n} bytes, ")).unwrap_or_default();
    format!(
        "could not reach {} ({reason}). This machine may have no internet access.\n\
         To install the weights by hand: on a machine with internet, download\n  {}\n\
         ({size}SHA-256 {}), copy it here, and run\n  \
         alexnet convert --from {} --to {} --dtype {dtype}",
        t.host(),
        t.url,
        t.sha256,
        t.name,
        out.join(t.output_name(dtype)).display()
    )
}

pub fn fetch(a: &args::Fetch) -> Res<()> {
    let t = Target::from_args(a)?;
    let dtype = a.dtype.store();
    let cache = vouches::cache_dir();
    std::fs::create_dir_all(&cache).map_err(|e| format!("cannot create {}: {}", cache.display(), files::reason(&e)))?;
    let original = cache.join(t.cache_name());
    let max = t.size.unwrap_or(MAX_FILE_BYTES as u64);
    let cached = original.exists()
        && files::hash_file(&original, max).is_ok_and(|(sha, n)| sha == t.sha256 && t.size.is_none_or(|s| s == n));
    if cached {
        println!("using {} (cached, SHA-256 verified)", original.display());
    } else {
        let size = t.size.map(|n| format!(" ({n} bytes)")).unwrap_or_default();
        println!("downloading {}{size}", t.url);
        let want = Want { url: &t.url, sha256: &t.sha256, size: t.size, max: MAX_FILE_BYTES as u64 };
        match download::download(&want, &original) {
            Ok(()) => println!("verified: SHA-256 {}", t.sha256),
            Err(Failure::Unreachable(why)) => return Err(by_hand(&t, &why, &a.out, dtype.name())),
            Err(Failure::Other(e)) => return Err(e),
        }
    }
    std::fs::create_dir_all(&a.out).map_err(|e| format!("cannot create {}: {}", a.out.display(), files::reason(&e)))?;
    // The digest was just verified, so the loader is given it instead of hashing the file again.
    let (w, _) = files::read_weights(&original, &[], Digest::Known(&t.sha256))?;
    let source = &t.name;
    let dest = a.out.join(t.output_name(dtype.name()));
    let n = write_copy(&w, dtype, source, Some(&t.sha256), &dest)?;
    let what = match t.zoo {
        Some(z) if w.info.trained => format!("the BVLC weights from {}", z.name),
        _ => format!(
            "weights from {source}, SHA-256 as given; not a Model Zoo file, so not labelled as the BVLC weights"
        ),
    };
    println!(
        "wrote {} ({n} bytes, {}): {what}; the app's \"Load weights\" button takes this file",
        dest.display(),
        dtype.name()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::vouch_for_copy;
    use alexnet_explainer::weights::{VouchedBy, Weights};

    fn mirror(url: &str, sha: &str, size: Option<u64>) -> Res<Target> {
        let a = args::Fetch {
            out: "w".into(),
            dtype: args::Dtype::Int8,
            url: Some(url.into()),
            sha256: Some(sha.into()),
            size,
        };
        Target::from_args(&a)
    }

    #[test]
    fn only_a_zoo_digest_is_named_and_vouched_as_the_bvlc_weights() {
        let z = mirror("https://m.example/x/bvlcalexnet-12.onnx?sig=1", zoo::PRIMARY.sha256, None).unwrap();
        assert_eq!(
            (z.size, z.cache_name(), z.output_name("int8")),
            (Some(zoo::PRIMARY.bytes), "bvlcalexnet-12.onnx".into(), "bvlc-alexnet-int8.safetensors".into())
        );
        assert!(mirror("https://m.example/a.onnx", zoo::PRIMARY.sha256, Some(5)).is_err());
        let sha = "AB".repeat(32);
        let m = mirror("https://m.example/x/bvlcalexnet-12.onnx?sig=1", &sha, None).unwrap();
        assert_eq!(m.cache_name(), format!("{}-bvlcalexnet-12.onnx", &"ab".repeat(8)));
        assert_eq!(m.output_name("f16"), "unverified-bvlcalexnet-12-f16.safetensors");
        assert_eq!(mirror("http://m.example/", &sha, None).unwrap().output_name("f32"), "download-f32.safetensors");
        assert!(
            mirror("ftp://m.example/a.onnx", &sha, None).is_err()
                && mirror("https://m.example/a", "abc", None).is_err()
        );

        // The copy of a verified Zoo file is vouched for, naming it; a copy of anything else is not.
        let mut w = Weights::untrained(1);
        assert!(vouch_for_copy(&w, b"copy").is_none());
        (w.info.trained, w.info.zoo) = (true, Some(zoo::PRIMARY.name.into()));
        let v = vouch_for_copy(&w, b"copy").unwrap();
        assert_eq!((v.bytes, v.by, v.from.as_str()), (4, VouchedBy::CliCopy, "bvlcalexnet-12.onnx"));
    }
}
