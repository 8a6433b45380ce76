//! Hands memory the app has freed back to the system.
//!
//! A dashboard refresh or a background check reads every dataflow's week of
//! runs: tens of megabytes of JSON parsed into small allocations and freed
//! again a moment later. glibc's allocator keeps freed memory for reuse, in
//! the middle of its heaps where it never shrinks on its own, so the app
//! process stayed about 75 MB above what it holds (measured with 50
//! dataflows: 108 MB of anonymous memory before a trim, 35 MB after; see
//! bench/README.md). Trimming after each such piece of work returns it.
//! Other allocators (macOS, Windows, musl) give memory back on their own.

/// Returns the free pages of every allocator heap to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_freed_memory() {
    let started = std::time::Instant::now();
    // The workspace denies unsafe code; this one call into C is allowed.
    // SAFETY: `malloc_trim` takes no pointer and touches only glibc's own
    // free lists, under the locks every allocation takes; any thread may
    // call it at any time.
    #[allow(unsafe_code)]
    let released = unsafe { libc::malloc_trim(0) };
    tracing::trace!(
        released = released != 0,
        elapsed_us = started.elapsed().as_micros(),
        "freed memory handed back"
    );
}

/// Nothing to do: this system's allocator returns freed memory itself.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed_memory() {}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// Anonymous resident memory of this process, in MB.
    fn anonymous_mb() -> f64 {
        let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
        let kilobytes: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("RssAnon:"))
            .expect("an RssAnon line")
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .expect("RssAnon in kB");
        kilobytes / 1024.0
    }

    #[test]
    fn freed_small_allocations_go_back_to_the_system() {
        // 100 MB in small blocks, as parsed JSON is, each written so its page
        // is resident; the last one stays, so the heap's top stays in use and
        // free() alone cannot shrink it.
        let mut blocks: Vec<Vec<u8>> = (0..200_000).map(|index| vec![index as u8; 512]).collect();
        let kept = blocks.pop();
        drop(blocks);
        let before = anonymous_mb();
        release_freed_memory();
        let after = anonymous_mb();
        assert!(kept.is_some_and(|block| block.len() == 512));
        assert!(
            before - after > 50.0,
            "released only {:.1} MB ({before:.1} -> {after:.1})",
            before - after
        );
    }
}
