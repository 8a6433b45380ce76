//! Which dataflows to create and which URL goes into which Chatlio field.
//!
//! Decision (see the crate README for the reasoning): the three visitor events
//! can only be told apart by their URL, and a Data Prep mapping sees only the
//! request body, not the URL's query string. So a dedicated URL means a
//! dedicated dataflow, whose mapping set carries the event kind as a constant
//! hint. Transcripts and offline messages are recognised from their body, so
//! they always use the shared flow.

use crate::kind::{EventKind, VisitorEventKind};
use serde::{Deserialize, Serialize};

/// How the user wires Chatlio's webhook fields. The default is the one URL
/// every setup made before the choice existed, so an input or journal that
/// does not name a mode keeps meaning what it meant.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookMode {
    /// One URL pasted into all five fields. Visitor events are stored as
    /// `visitor_event`.
    #[default]
    SingleUrl,
    /// Each visitor-event field gets its own URL, so the kind is recorded
    /// precisely.
    PerEventUrl,
}

/// One dataflow the setup engine creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowPlan {
    /// Stable key: `all` for the shared flow, else the visitor event's code.
    pub key: String,
    /// Passed to [`crate::mapping::mapping_set_body`].
    pub url_hint: Option<VisitorEventKind>,
    /// Chatlio fields whose URL is this flow's webhook URL.
    pub event_kinds: Vec<EventKind>,
    /// Suffix for the dataflow, source connection and mapping names.
    pub name_suffix: String,
}

/// The dataflows for a [`WebhookMode`]. All flows write to the same dataset
/// with the same schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookPlan {
    pub mode: WebhookMode,
    pub flows: Vec<FlowPlan>,
}

/// Key of the shared flow.
pub const SHARED_FLOW_KEY: &str = "all";

impl WebhookPlan {
    pub fn new(mode: WebhookMode) -> Self {
        let flows = match mode {
            WebhookMode::SingleUrl => vec![FlowPlan {
                key: SHARED_FLOW_KEY.to_owned(),
                url_hint: None,
                event_kinds: EventKind::ALL.to_vec(),
                name_suffix: "all events".to_owned(),
            }],
            WebhookMode::PerEventUrl => {
                let mut flows = vec![FlowPlan {
                    key: SHARED_FLOW_KEY.to_owned(),
                    url_hint: None,
                    event_kinds: vec![EventKind::OfflineMessage, EventKind::ChatTranscript],
                    name_suffix: "transcripts and offline messages".to_owned(),
                }];
                flows.extend(VisitorEventKind::ALL.into_iter().map(|kind| FlowPlan {
                    key: kind.code().to_owned(),
                    url_hint: Some(kind),
                    event_kinds: vec![kind.event_kind()],
                    name_suffix: kind.code().replace('_', " "),
                }));
                flows
            }
        };
        WebhookPlan { mode, flows }
    }

    /// The flow whose URL goes into `kind`'s Chatlio field.
    pub fn flow_for(&self, kind: EventKind) -> Option<&FlowPlan> {
        self.flows
            .iter()
            .find(|flow| flow.event_kinds.contains(&kind))
    }

    /// The flow with `key`.
    pub fn flow(&self, key: &str) -> Option<&FlowPlan> {
        self.flows.iter().find(|flow| flow.key == key)
    }
}

/// The Chatlio fields a setup's dataflow serves: all five for a single-URL
/// setup's one dataflow (no instance key), else those of the per-event flow
/// whose key is `instance`.
pub fn fields_served(instance: Option<&str>) -> Vec<EventKind> {
    match instance {
        None => EventKind::ALL.to_vec(),
        Some(key) => WebhookPlan::new(WebhookMode::PerEventUrl)
            .flow(key)
            .map(|flow| flow.event_kinds.clone())
            .unwrap_or_default(),
    }
}

/// The webhook URL Adobe documents for a Chatlio dataflow:
/// `{inletUrl}?x-adobe-flow-id={flowId}`. Chatlio can only send a URL (no
/// headers), so the flow id has to be in the query string.
pub fn webhook_url(inlet_url: &str, flow_id: &str) -> String {
    let separator = if inlet_url.contains('?') { '&' } else { '?' };
    format!("{inlet_url}{separator}x-adobe-flow-id={flow_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_exactly_one_flow_in_both_modes() {
        for mode in [WebhookMode::SingleUrl, WebhookMode::PerEventUrl] {
            let plan = WebhookPlan::new(mode);
            for kind in EventKind::ALL {
                let owners = plan
                    .flows
                    .iter()
                    .filter(|flow| flow.event_kinds.contains(&kind))
                    .count();
                assert_eq!(owners, 1, "{mode:?} {kind}");
            }
        }
    }

    #[test]
    fn per_event_flows_carry_their_hint() {
        let plan = WebhookPlan::new(WebhookMode::PerEventUrl);
        assert_eq!(plan.flows.len(), 4);
        for kind in VisitorEventKind::ALL {
            let flow = plan.flow_for(kind.event_kind()).unwrap();
            assert_eq!(flow.url_hint, Some(kind));
            assert_eq!(plan.flow(kind.code()), Some(flow));
        }
        assert_eq!(
            plan.flow_for(EventKind::ChatTranscript).unwrap().url_hint,
            None
        );
        let single = WebhookPlan::new(WebhookMode::SingleUrl);
        assert_eq!(single.flows.len(), 1);
    }

    #[test]
    fn url_pattern() {
        assert_eq!(
            webhook_url("https://dcs.adobedc.net/collection/abc", "f-1"),
            "https://dcs.adobedc.net/collection/abc?x-adobe-flow-id=f-1"
        );
    }
}
