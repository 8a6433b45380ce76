//! Fault injection: fixed latency, seeded random failures, "fail the next N calls".

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::util::glob_matches;

/// What an injected fault does to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    Respond {
        status: u16,
        retry_after_secs: Option<u64>,
        body: Option<Value>,
    },
    Drop,
    /// Handle the request, then close the connection without answering: the
    /// "did my create happen?" case.
    DropAfter,
}

impl FaultAction {
    pub fn label(&self) -> String {
        match self {
            FaultAction::Respond { status, .. } => format!("status:{status}"),
            FaultAction::Drop => "drop".into(),
            FaultAction::DropAfter => "drop_after".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RandomFaults {
    pub rate: f64,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default = "default_kinds")]
    pub kinds: Vec<String>,
    #[serde(default = "default_retry_after")]
    pub retry_after_secs: u64,
    #[serde(default)]
    pub path_prefix: Option<String>,
}

fn default_kinds() -> Vec<String> {
    ["429", "500", "502", "503", "drop"]
        .iter()
        .map(|s| (*s).to_string())
        .collect()
}

fn default_retry_after() -> u64 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailNextRule {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub method: Option<String>,
    pub path: String,
    #[serde(default = "default_count")]
    pub count: u32,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub drop: bool,
    /// Handle the request first, then drop the connection.
    #[serde(default)]
    pub drop_after: bool,
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    #[serde(default)]
    pub body: Option<Value>,
}

fn default_count() -> u32 {
    1
}

#[derive(Debug)]
pub struct Faults {
    pub latency: Duration,
    pub random: Option<RandomFaults>,
    pub fail_next: Vec<FailNextRule>,
    rng: StdRng,
}

impl Faults {
    pub fn new(seed: u64, latency: Duration) -> Self {
        Self {
            latency,
            random: None,
            fail_next: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    pub fn clear(&mut self, latency: Duration) {
        self.latency = latency;
        self.random = None;
        self.fail_next.clear();
    }

    pub fn set_random(&mut self, random: RandomFaults) {
        if let Some(seed) = random.seed {
            self.rng = StdRng::seed_from_u64(seed);
        }
        self.random = if random.rate > 0.0 {
            Some(random)
        } else {
            None
        };
    }

    /// Decides the fault (if any) for one request. Fail-next rules win over random faults.
    pub fn decide(&mut self, method: &str, path: &str) -> Option<FaultAction> {
        let position = self.fail_next.iter().position(|rule| {
            rule.count > 0
                && rule
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && glob_matches(&rule.path, path)
        });
        if let Some(position) = position {
            let rule = &mut self.fail_next[position];
            rule.count -= 1;
            let action = if rule.drop_after {
                FaultAction::DropAfter
            } else if rule.drop {
                FaultAction::Drop
            } else {
                FaultAction::Respond {
                    status: rule.status.unwrap_or(503),
                    retry_after_secs: rule.retry_after_secs,
                    body: rule.body.clone(),
                }
            };
            if rule.count == 0 {
                self.fail_next.remove(position);
            }
            return Some(action);
        }
        let random = self.random.as_ref()?;
        if let Some(prefix) = &random.path_prefix {
            if !path.starts_with(prefix.as_str()) {
                return None;
            }
        }
        if random.kinds.is_empty() || !self.rng.random_bool(random.rate.clamp(0.0, 1.0)) {
            return None;
        }
        let kind = random.kinds[self.rng.random_range(0..random.kinds.len())].clone();
        if kind.eq_ignore_ascii_case("drop") {
            return Some(FaultAction::Drop);
        }
        if kind.eq_ignore_ascii_case("drop_after") {
            return Some(FaultAction::DropAfter);
        }
        let status = kind.parse::<u16>().unwrap_or(500);
        let retry_after_secs = matches!(status, 429 | 503).then_some(random.retry_after_secs);
        Some(FaultAction::Respond {
            status,
            retry_after_secs,
            body: None,
        })
    }

    pub fn to_json(&self) -> Value {
        json!({
            "latencyMs": u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX),
            "random": self.random,
            "failNext": self.fail_next,
        })
    }
}

/// Gateway-style body for an injected status.
pub fn injected_body(status: u16) -> Value {
    let message = match status {
        429 => "Too many requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Injected failure",
    };
    json!({ "error_code": format!("{status}050"), "message": message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_next_counts_down_and_matches_method() {
        let mut faults = Faults::new(1, Duration::ZERO);
        faults.fail_next.push(FailNextRule {
            id: "a".into(),
            method: Some("GET".into()),
            path: "/data/*".into(),
            count: 2,
            status: Some(500),
            drop: false,
            drop_after: false,
            retry_after_secs: None,
            body: None,
        });
        assert!(faults.decide("POST", "/data/x").is_none());
        assert!(faults.decide("GET", "/data/x").is_some());
        assert!(faults.decide("get", "/data/y").is_some());
        assert!(faults.decide("GET", "/data/z").is_none());
    }

    #[test]
    fn random_faults_are_reproducible_with_a_seed() {
        let run = || {
            let mut faults = Faults::new(0, Duration::ZERO);
            faults.set_random(RandomFaults {
                rate: 0.5,
                seed: Some(42),
                kinds: default_kinds(),
                retry_after_secs: 1,
                path_prefix: None,
            });
            (0..50)
                .map(|_| faults.decide("GET", "/x").map(|a| a.label()))
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        assert!(first.iter().any(Option::is_some));
        assert!(first.iter().any(Option::is_none));
    }
}
