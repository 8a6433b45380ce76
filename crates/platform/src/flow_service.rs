//! Flow Service API: connection specs, source and target connections, flows, runs.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::client::{Client, PlatformCall};
use crate::concurrency::map_bounded;
use crate::error::{ErrorCode, PlatformError, Result};
use crate::http::Idempotency;
use crate::inlet::WebhookUrl;
use crate::models::flow::{
    ConnectionSpec, Created, Flow, FlowRequest, FlowSpec, Items, PatchOperation, Run,
    SourceConnection, SourceConnectionRequest, TargetConnection, TargetConnectionRequest,
};
use crate::models::{
    ConnectionSpecId, Etag, FlowId, FlowSpecId, RunId, SourceConnectionId, TargetConnectionId,
};

const BASE: [&str; 3] = ["data", "foundation", "flowservice"];

/// The page size asked for when following a list to its end: the largest `limit` the Flow
/// Service spec documents (flow-service.yaml, `FlowFilterRequest.limit`, maximum 1000).
/// Flow Service may serve fewer per page; the rest comes through `_links.next`.
pub const MAX_PAGE_LIMIT: u32 = 1000;

/// A guard against a server whose continuation never ends: far beyond any real list
/// (10,000 pages of at least one item), it fails rather than silently truncating.
const MAX_PAGES: usize = 10_000;

fn path<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut segments: Vec<&str> = BASE.to_vec();
    segments.extend_from_slice(rest);
    segments
}

/// Filters, order and paging for Flow Service lists.
///
/// Each entry of `properties` is one `property=` filter in Adobe's syntax
/// (`flowSpec.id==e77fde5a-...`, `inheritedAttributes.sourceConnections[].connectionSpec.id==...`,
/// `state==enabled`); several are ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// `property=` filters.
    pub properties: Vec<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// `orderby=` (`name`, `-createdAt`).
    pub order_by: Option<String>,
    /// Continuation token from a previous page.
    pub continuation_token: Option<String>,
}

impl ListQuery {
    /// A query with one `property=` filter.
    pub fn property(filter: impl Into<String>) -> Self {
        Self {
            properties: vec![filter.into()],
            ..Self::default()
        }
    }

    /// Adds a `property=` filter.
    pub fn and_property(mut self, filter: impl Into<String>) -> Self {
        self.properties.push(filter.into());
        self
    }

    fn apply(&self, mut call: PlatformCall) -> PlatformCall {
        for property in &self.properties {
            call = call.query("property", property.clone());
        }
        if let Some(limit) = self.limit {
            call = call.query("limit", limit.to_string());
        }
        if let Some(order_by) = &self.order_by {
            call = call.query("orderby", order_by.clone());
        }
        if let Some(token) = &self.continuation_token {
            call = call.query("continuationToken", token.clone());
        }
        call
    }
}

/// One page of a Flow Service list (`{"items": [...], "_links": {"next": {"href":
/// "/flows?continuationToken=..."}}}`, flow-service.yaml `PageLinksResponse`).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Token for the next page, if there is one.
    pub continuation_token: Option<String>,
}

/// `"/flows?continuationToken=abc"` → `abc`.
pub(crate) fn continuation_from_href(href: &str) -> Option<String> {
    let base = url::Url::parse("https://continuation.invalid/").ok()?;
    let parsed = base.join(href).ok()?;
    parsed
        .query_pairs()
        .find(|(key, _)| key == "continuationToken")
        .map(|(_, value)| value.into_owned())
        .filter(|token| !token.is_empty())
}

/// Flow Service calls; get one with [`Client::flow_service`].
#[derive(Debug, Clone, Copy)]
pub struct FlowService<'client> {
    client: &'client Client,
}

impl Client {
    /// Flow Service calls.
    pub fn flow_service(&self) -> FlowService<'_> {
        FlowService { client: self }
    }
}

impl FlowService<'_> {
    async fn single<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        segments: &[&str],
        what: &str,
    ) -> Result<T> {
        let items: Items<T> = self
            .client
            .call(PlatformCall::get(operation, segments))
            .await?;
        items.items.into_iter().next().ok_or_else(|| {
            PlatformError::new(
                ErrorCode::NotFound,
                format!("Flow Service returned no {what}."),
            )
            .with_operation(operation)
        })
    }

    async fn page<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        resource: &str,
        query: &ListQuery,
    ) -> Result<Page<T>> {
        let call = query.apply(PlatformCall::get(operation, &path(&[resource])));
        let items: Items<T> = self.client.call(call).await?;
        let continuation_token = items
            .links
            .and_then(|links| links.next)
            .and_then(|next| next.href)
            .and_then(|href| continuation_from_href(&href));
        Ok(Page {
            items: items.items,
            continuation_token,
        })
    }

    /// Every item of a list: asks for [`MAX_PAGE_LIMIT`] items a page unless `query` names
    /// a `limit`, then follows `_links.next` to the end.
    async fn all<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        resource: &str,
        query: &ListQuery,
    ) -> Result<Vec<T>> {
        let mut query = query.clone();
        if query.limit.is_none() {
            query.limit = Some(MAX_PAGE_LIMIT);
        }
        let mut all = Vec::new();
        let mut seen_tokens = std::collections::HashSet::new();
        for _ in 0..MAX_PAGES {
            let page: Page<T> = self.page(operation, resource, &query).await?;
            all.extend(page.items);
            let Some(token) = page.continuation_token else {
                return Ok(all);
            };
            if !seen_tokens.insert(token.clone()) {
                return Err(PlatformError::unexpected(
                    "Flow Service repeated a continuation token; the list does not end.",
                )
                .with_operation(operation));
            }
            query.continuation_token = Some(token);
        }
        Err(PlatformError::unexpected(format!(
            "Flow Service gave more than {MAX_PAGES} pages; the list does not end."
        ))
        .with_operation(operation))
    }

    async fn delete(&self, operation: &'static str, resource: &str, id: &str) -> Result<()> {
        let call = PlatformCall::new(operation, Method::DELETE, &path(&[resource, id]));
        self.client.call_raw(call).await?;
        Ok(())
    }

    // Connection specs ------------------------------------------------------------------

    /// One connection spec; `NotFound` when the source is not available to this org/sandbox.
    pub async fn get_connection_spec(&self, id: &ConnectionSpecId) -> Result<ConnectionSpec> {
        self.single(
            "flow_service.get_connection_spec",
            &path(&["connectionSpecs", id.as_str()]),
            "connection spec",
        )
        .await
    }

    /// Connection specs matching `query`, all pages.
    pub async fn list_connection_specs(&self, query: &ListQuery) -> Result<Vec<ConnectionSpec>> {
        self.all(
            "flow_service.list_connection_specs",
            "connectionSpecs",
            query,
        )
        .await
    }

    /// One flow spec (`GET /flowSpecs/{id}`).
    pub async fn get_flow_spec(&self, id: &FlowSpecId) -> Result<FlowSpec> {
        self.single(
            "flow_service.get_flow_spec",
            &path(&["flowSpecs", id.as_str()]),
            "flow spec",
        )
        .await
    }

    // Source connections ----------------------------------------------------------------

    /// Creates a source connection (201). Never retried blindly.
    pub async fn create_source_connection(
        &self,
        request: &SourceConnectionRequest,
    ) -> Result<Created<SourceConnectionId>> {
        let call = PlatformCall::post(
            "flow_service.create_source_connection",
            &path(&["sourceConnections"]),
        )
        .json(request)?;
        self.client.call(call).await
    }

    /// One source connection.
    pub async fn get_source_connection(&self, id: &SourceConnectionId) -> Result<SourceConnection> {
        self.single(
            "flow_service.get_source_connection",
            &path(&["sourceConnections", id.as_str()]),
            "source connection",
        )
        .await
    }

    /// Source connections matching `query`, all pages.
    pub async fn list_source_connections(
        &self,
        query: &ListQuery,
    ) -> Result<Vec<SourceConnection>> {
        self.all(
            "flow_service.list_source_connections",
            "sourceConnections",
            query,
        )
        .await
    }

    /// Deletes a source connection (204).
    pub async fn delete_source_connection(&self, id: &SourceConnectionId) -> Result<()> {
        self.delete(
            "flow_service.delete_source_connection",
            "sourceConnections",
            id.as_str(),
        )
        .await
    }

    // Target connections ----------------------------------------------------------------

    /// Creates a target connection (201). Never retried blindly.
    pub async fn create_target_connection(
        &self,
        request: &TargetConnectionRequest,
    ) -> Result<Created<TargetConnectionId>> {
        let call = PlatformCall::post(
            "flow_service.create_target_connection",
            &path(&["targetConnections"]),
        )
        .json(request)?;
        self.client.call(call).await
    }

    /// One target connection.
    pub async fn get_target_connection(&self, id: &TargetConnectionId) -> Result<TargetConnection> {
        self.single(
            "flow_service.get_target_connection",
            &path(&["targetConnections", id.as_str()]),
            "target connection",
        )
        .await
    }

    /// Target connections matching `query`, all pages.
    pub async fn list_target_connections(
        &self,
        query: &ListQuery,
    ) -> Result<Vec<TargetConnection>> {
        self.all(
            "flow_service.list_target_connections",
            "targetConnections",
            query,
        )
        .await
    }

    /// Deletes a target connection (204).
    pub async fn delete_target_connection(&self, id: &TargetConnectionId) -> Result<()> {
        self.delete(
            "flow_service.delete_target_connection",
            "targetConnections",
            id.as_str(),
        )
        .await
    }

    // Flows -----------------------------------------------------------------------------

    /// Creates a dataflow (201). Never retried blindly: on a timeout or 5xx the error is
    /// flagged outcome-unknown; look for the flow by name before creating it again.
    pub async fn create_flow(&self, request: &FlowRequest) -> Result<Created<FlowId>> {
        let call =
            PlatformCall::post("flow_service.create_flow", &path(&["flows"])).json(request)?;
        self.client.call(call).await
    }

    /// Creates a dataflow as a draft (`POST /flows?mode=draft`, 201 `{id, etag}`): it can
    /// be updated, then published with [`FlowService::publish_flow`]. Only for sources
    /// whose connection spec and flow spec both have `attributes.isDraftModeSupported`
    /// (see [`ConnectionSpec::is_draft_mode_supported`]). Never retried blindly, like
    /// [`FlowService::create_flow`].
    pub async fn create_draft_flow(&self, request: &FlowRequest) -> Result<Created<FlowId>> {
        let call = PlatformCall::post("flow_service.create_draft_flow", &path(&["flows"]))
            .query("mode", "draft")
            .json(request)?;
        self.client.call(call).await
    }

    /// Publishes a draft dataflow (`POST /flows/{id}/action?op=publish`, 200 `{id, etag}`).
    /// Adobe's tutorial sends no `If-Match`; the Flow Service spec lists it as optional on
    /// `/action`, so `etag` may guard against a concurrent change. The source and target
    /// connections must not be drafts themselves.
    pub async fn publish_flow(&self, id: &FlowId, etag: Option<&Etag>) -> Result<Created<FlowId>> {
        self.flow_action("flow_service.publish_flow", id, "publish", etag)
            .await
    }

    /// One dataflow, including `options.inletUrl` once enabled.
    pub async fn get_flow(&self, id: &FlowId) -> Result<Flow> {
        self.single(
            "flow_service.get_flow",
            &path(&["flows", id.as_str()]),
            "dataflow",
        )
        .await
    }

    /// One page of dataflows (for instance `limit=1` to check access). To read them all
    /// use [`FlowService::list_all_flows`].
    pub async fn list_flows(&self, query: &ListQuery) -> Result<Page<Flow>> {
        self.page("flow_service.list_flows", "flows", query).await
    }

    /// All dataflows matching `query`, following `_links.next` to the end.
    pub async fn list_all_flows(&self, query: &ListQuery) -> Result<Vec<Flow>> {
        self.all("flow_service.list_flows", "flows", query).await
    }

    /// Dataflows whose source is a Chatlio connection.
    pub async fn list_chatlio_flows(&self) -> Result<Vec<Flow>> {
        self.list_all_flows(&ListQuery::property(format!(
            "inheritedAttributes.sourceConnections[].connectionSpec.id=={}",
            crate::models::flow::CHATLIO_CONNECTION_SPEC_ID
        )))
        .await
    }

    /// Updates a dataflow with JSON Patch, guarded by `If-Match: etag`. A stale etag fails
    /// with [`ErrorCode::PreconditionFailed`]: read the flow again and reapply.
    pub async fn patch_flow(
        &self,
        id: &FlowId,
        etag: &Etag,
        operations: &[PatchOperation],
    ) -> Result<Created<FlowId>> {
        let call = PlatformCall::new(
            "flow_service.patch_flow",
            Method::PATCH,
            &path(&["flows", id.as_str()]),
        )
        .if_match(etag)
        .json(&operations)?;
        self.client.call(call).await
    }

    /// Enables a dataflow (`POST /flows/{id}/action?op=enable`). Safe to repeat.
    pub async fn enable_flow(&self, id: &FlowId, etag: Option<&Etag>) -> Result<Created<FlowId>> {
        self.flow_action("flow_service.enable_flow", id, "enable", etag)
            .await
    }

    /// Disables a dataflow (`POST /flows/{id}/action?op=disable`). Safe to repeat.
    pub async fn disable_flow(&self, id: &FlowId, etag: Option<&Etag>) -> Result<Created<FlowId>> {
        self.flow_action("flow_service.disable_flow", id, "disable", etag)
            .await
    }

    async fn flow_action(
        &self,
        operation: &'static str,
        id: &FlowId,
        op: &str,
        etag: Option<&Etag>,
    ) -> Result<Created<FlowId>> {
        let mut call = PlatformCall::post(operation, &path(&["flows", id.as_str(), "action"]))
            .query("op", op)
            .idempotency(Idempotency::Safe);
        if let Some(etag) = etag {
            call = call.if_match(etag);
        }
        self.client.call(call).await
    }

    /// Deletes a dataflow (204).
    pub async fn delete_flow(&self, id: &FlowId) -> Result<()> {
        self.delete("flow_service.delete_flow", "flows", id.as_str())
            .await
    }

    /// Reads many dataflows with at most `limit` requests in flight; results are in the
    /// order of `ids`, each with its own outcome.
    pub async fn get_flows_bounded(
        &self,
        ids: &[FlowId],
        limit: usize,
    ) -> Vec<(FlowId, Result<Flow>)> {
        map_bounded(ids.iter().cloned(), limit, |id| async move {
            let result = self.get_flow(&id).await;
            (id, result)
        })
        .await
    }

    /// The webhook URL of a dataflow (`{inletUrl}?x-adobe-flow-id={id}`), once the flow
    /// has an inlet.
    pub async fn webhook_url(&self, id: &FlowId) -> Result<Option<WebhookUrl>> {
        self.get_flow(id).await?.webhook_url()
    }

    // Runs ------------------------------------------------------------------------------

    /// The latest runs of a dataflow (hourly windows for streaming), newest first: one
    /// request of at most `limit` runs (Flow Service may serve fewer). For totals over a
    /// period use [`FlowService::list_runs_since`].
    pub async fn list_runs(&self, flow: &FlowId, limit: u32) -> Result<Vec<Run>> {
        let query = ListQuery {
            properties: vec![format!("flowId=={flow}")],
            limit: Some(limit.clamp(1, MAX_PAGE_LIMIT)),
            order_by: Some("-createdAt".to_owned()),
            continuation_token: None,
        };
        Ok(self
            .page::<Run>("flow_service.list_runs", "runs", &query)
            .await?
            .items)
    }

    /// Every run of a dataflow whose window started at or after `since`, newest first:
    /// one request filtered by time (help/dataflows/api/sort-and-filter.md, "Filter to get
    /// all runs of a dataflow for a specific time-period") with the largest documented
    /// `limit`, then `continuationToken` pages to the end. Streaming runs are hourly
    /// windows, so a week is about 168 runs. The run of the current hour is listed
    /// while open, but its counts are only final once it has closed.
    pub async fn list_runs_since(&self, flow: &FlowId, since: DateTime<Utc>) -> Result<Vec<Run>> {
        let query = ListQuery {
            properties: vec![
                format!("flowId=={flow}"),
                format!(
                    "metrics.durationSummary.startedAtUTC>={}",
                    since.timestamp_millis()
                ),
            ],
            limit: Some(MAX_PAGE_LIMIT),
            order_by: Some("-createdAt".to_owned()),
            continuation_token: None,
        };
        let mut runs: Vec<Run> = self.all("flow_service.list_runs", "runs", &query).await?;
        // Newest first whatever order the pages came in; a run without a time goes last.
        runs.sort_by_key(|run| std::cmp::Reverse(run.started_at()));
        Ok(runs)
    }

    /// Runs matching an arbitrary query (one page).
    pub async fn query_runs(&self, query: &ListQuery) -> Result<Page<Run>> {
        self.page("flow_service.list_runs", "runs", query).await
    }

    /// Every run matching `query` (for instance `flowId==a,b` for several flows at once),
    /// following `_links.next` to the end.
    pub async fn list_all_runs(&self, query: &ListQuery) -> Result<Vec<Run>> {
        self.all("flow_service.list_runs", "runs", query).await
    }

    /// One run.
    pub async fn get_run(&self, id: &RunId) -> Result<Run> {
        self.single("flow_service.get_run", &path(&["runs", id.as_str()]), "run")
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_tokens() {
        assert_eq!(
            continuation_from_href("/flows?continuationToken=abcdefghijkLMNOPqrstupWXKYZ")
                .as_deref(),
            Some("abcdefghijkLMNOPqrstupWXKYZ")
        );
        assert_eq!(
            continuation_from_href("https://platform.adobe.io/data/foundation/flowservice/flows?limit=2&continuationToken=x%3D").as_deref(),
            Some("x=")
        );
        assert_eq!(continuation_from_href("/flows"), None);
        assert_eq!(continuation_from_href("/flows?continuationToken="), None);
    }
}
