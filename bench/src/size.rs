//! Package size: the `.deb` file, and what it puts on disk.

use std::path::Path;

use e2e::TestResult;

/// Bytes in a megabyte as the targets use it (decimal, the stricter reading).
pub const MEGABYTE: f64 = 1_000_000.0;

/// The total size of the regular files under `root` (apparent size, as
/// `du --apparent-size` and dpkg's `Installed-Size` count it).
pub fn tree_bytes(root: &Path) -> TestResult<u64> {
    let mut total = 0;
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                total += entry.metadata()?.len();
            }
        }
    }
    Ok(total)
}

/// A field of the package's control file, through `dpkg-deb --field`.
pub fn control_field(deb: &Path, field: &str) -> TestResult<String> {
    let output = std::process::Command::new("dpkg-deb")
        .arg("--field")
        .arg(deb)
        .arg(field)
        .output()
        .map_err(|error| format!("cannot run dpkg-deb: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "dpkg-deb --field {} {field}: {}",
            deb.display(),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_files_in_nested_directories() {
        let root = std::env::temp_dir().join(format!("bench-size-{}", std::process::id()));
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("one"), [0u8; 10]).unwrap();
        std::fs::write(root.join("a/b/two"), [0u8; 5]).unwrap();
        assert_eq!(tree_bytes(&root).unwrap(), 15);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
