//! Inlet throughput: runs platform-sim's `inlet_bench` example and reads the
//! rate it prints.

use std::path::Path;
use std::process::Command;

use e2e::TestResult;

/// Runs the example once with `events` events over `concurrency` workers;
/// returns events per second. The example fails unless every event was stored.
pub fn run(example: &Path, events: usize, concurrency: usize) -> TestResult<f64> {
    let output = Command::new(example)
        .args([events.to_string(), concurrency.to_string()])
        .output()
        .map_err(|error| format!("cannot run {}: {error}", example.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {stdout}{}",
            example.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    parse_rate(&stdout).ok_or_else(|| format!("no throughput line in: {stdout}").into())
}

/// The number before "events/s" on the example's `throughput:` line.
fn parse_rate(output: &str) -> Option<f64> {
    output
        .lines()
        .filter_map(|line| line.split_once("throughput:"))
        .find_map(|(_, rest)| rest.split_whitespace().next()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_rate_line() {
        let output = "events sent: 20000, HTTP failures: 0, records stored: 20000\n\
                      elapsed: 0.98 s, throughput: 20408 events/s (concurrency 32)\n";
        assert_eq!(parse_rate(output), Some(20408.0));
        assert_eq!(parse_rate("elapsed: 1 s"), None);
    }
}
