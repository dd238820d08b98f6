//! The ONNX Model Zoo's BVLC AlexNet files: where the app downloads them from, and how it recognises each one.
//!
//! The Zoo stopped serving its Git LFS files from GitHub on 2025-07-01; its files now live on Hugging Face in the
//! repository `onnxmodelzoo/legacy_models`, under the same paths. `huggingface.co` answers a download with a
//! redirect to a CDN host under `*.hf.co` that sends `Access-Control-Allow-Origin: *`, so a page on any origin can
//! fetch it (without credentials). Everything downloaded is verified by size and SHA-256, whatever host served it.

use serde::Serialize;

/// How a Zoo file stores AlexNet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ZooKind {
    /// float32 weights in `Conv`/`Gemm` initializers: the exact trained values.
    F32,
    /// int8 weights behind `QLinearConv` / `QLinearMatMul` (dequantised on load).
    Int8,
    /// int8 weights behind `DequantizeLinear` nodes feeding ordinary `Conv`/`Gemm` (QDQ format).
    Qdq,
}

/// One file of the Zoo's AlexNet folder, recognised by its exact size and SHA-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ZooFile {
    pub name: &'static str,
    pub bytes: u64,
    pub sha256: &'static str,
    pub kind: ZooKind,
}

/// Every Zoo AlexNet file a user may hold. The fp32 files differ only in opset and exporter details; their
/// weights are the same BVLC weights.
// A table, one file a line, so the names, sizes and digests can be read down their columns.
#[rustfmt::skip]
pub const FILES: &[ZooFile] = &[
    ZooFile { name: "bvlcalexnet-3.onnx", bytes: 243_863_514, sha256: "e9e222ef55ba873b219f22987130fb0567cb7bc7d3f1afeb47ff442bc0e11b6d", kind: ZooKind::F32 },
    ZooFile { name: "bvlcalexnet-6.onnx", bytes: 243_863_628, sha256: "f1ae53b93d83dd74731c84337ae64035288ce336794a46e2b17b56e7566feaab", kind: ZooKind::F32 },
    ZooFile { name: "bvlcalexnet-7.onnx", bytes: 243_863_542, sha256: "d9c9134b90c760d4231e89ad9758bcc8a9397c3ba1cd56fadbef888b534ac6b4", kind: ZooKind::F32 },
    ZooFile { name: "bvlcalexnet-8.onnx", bytes: 243_863_542, sha256: "9a4dc22fd706a19462aaec3b08e027e0ef89daf63d123824f20b59b6de9a727b", kind: ZooKind::F32 },
    ZooFile { name: "bvlcalexnet-9.onnx", bytes: 243_863_542, sha256: "ef3c82dad5c512f969dbf701fe35c0b3feb1585687d541f765eb68730c0a8af7", kind: ZooKind::F32 },
    ZooFile { name: "bvlcalexnet-12.onnx", bytes: 243_863_787, sha256: "6b0da9510f27f234ee96a85dc3809dd210150fdefad87f6850f9788513216945", kind: ZooKind::F32 },
    ZooFile { name: "bvlcalexnet-12-int8.onnx", bytes: 60_984_008, sha256: "d53bbedf100be79277cf55d78c72bdcb67d88786988561bf5d530f038e443c7b", kind: ZooKind::Int8 },
    ZooFile { name: "bvlcalexnet-12-qdq.onnx", bytes: 61_009_072, sha256: "c103c0f7b8f9d8d64b400e0899d5934d2a13d1f08368ba1907285aa0691f4cbb", kind: ZooKind::Qdq },
];

/// The file the app downloads: the latest fp32 export, `bvlcalexnet-12.onnx`.
pub const PRIMARY: ZooFile = FILES[5];

/// The Hugging Face folder holding the Zoo's AlexNet files (a stable URL; it redirects to a signed CDN URL).
pub const HF_FOLDER: &str =
    "https://huggingface.co/onnxmodelzoo/legacy_models/resolve/main/validated/vision/classification/alexnet/model/";

/// The stable download URL of [`PRIMARY`]. Downloads are cached under this URL, and a resumed download asks it
/// again (with `Range`), because the CDN URL it redirects to is signed and expires.
pub const PRIMARY_URL: &str = "https://huggingface.co/onnxmodelzoo/legacy_models/resolve/main/validated/vision/classification/alexnet/model/bvlcalexnet-12.onnx";

/// The origins a download may touch: Hugging Face and its CDN hosts (its hub documentation lists them under
/// "Downloading behind a proxy or firewall"). The page's Content-Security-Policy allows exactly these besides
/// its own origin.
pub const CONNECT_ORIGINS: &[&str] = &["https://huggingface.co", "https://*.hf.co"];

/// Where a site that hosts its own copy keeps it: a manifest beside `index.html` (written by
/// `scripts/build-static.sh --weights FILE`). The page looks there before it goes to Hugging Face.
pub const SITE_MANIFEST: &str = "weights/manifest.json";

/// The Zoo file with exactly this size and digest, if any.
pub fn recognise(bytes: u64, sha256: &str) -> Option<&'static ZooFile> {
    FILES.iter().find(|f| f.bytes == bytes && f.sha256 == sha256)
}

/// True when some Zoo file has this size, so a file of it is worth hashing.
pub fn size_is_known(bytes: u64) -> bool {
    FILES.iter().any(|f| f.bytes == bytes)
}

/// The download URL of a Zoo file on Hugging Face.
pub fn url(f: &ZooFile) -> String {
    format!("{HF_FOLDER}{}", f.name)
}

/// A download source, as the page receives it in the worker's `ready` message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Source {
    /// `site` (a same-origin manifest, used when the site has one) or `huggingface`.
    pub id: &'static str,
    pub url: String,
    /// The file it serves and its expected size and digest (`None` for the site manifest, which carries its own).
    pub file: Option<ZooFile>,
}

/// The download sources in the order the page tries them: the site's own copy first, then Hugging Face.
pub fn sources() -> Vec<Source> {
    vec![
        Source { id: "site", url: SITE_MANIFEST.to_string(), file: None },
        Source { id: "huggingface", url: PRIMARY_URL.to_string(), file: Some(PRIMARY) },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_file_is_the_fp32_opset_12_export_on_hugging_face() {
        assert_eq!(PRIMARY.name, "bvlcalexnet-12.onnx");
        assert_eq!(PRIMARY.bytes, 243_863_787);
        assert_eq!(url(&PRIMARY), PRIMARY_URL);
        assert!(PRIMARY_URL.starts_with("https://huggingface.co/onnxmodelzoo/legacy_models/resolve/main/"));
        assert!(sources().iter().all(|s| !s.url.contains("github")));
        assert_eq!(sources()[0].id, "site");
    }

    #[test]
    fn files_are_recognised_by_size_and_digest_together() {
        for f in FILES {
            assert_eq!(f.sha256.len(), 64);
            assert_eq!(recognise(f.bytes, f.sha256), Some(f));
            assert!(size_is_known(f.bytes));
        }
        // -7, -8 and -9 share a size: only the digest tells them apart.
        assert_eq!(recognise(243_863_542, FILES[3].sha256).unwrap().name, "bvlcalexnet-8.onnx");
        assert_eq!(recognise(PRIMARY.bytes, FILES[0].sha256), None);
        assert!(!size_is_known(1234));
    }
}
