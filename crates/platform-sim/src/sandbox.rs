//! Sandbox Management (`/data/foundation/sandbox-management`).

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::errors::{ApiError, Service};
use crate::gateway::OrgCaller;
use crate::state::{AppState, Permission};
use crate::util::{query_all, query_get, query_pairs, PropertyFilter};

const BASE: &str = "/data/foundation/sandbox-management";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/"), get(available))
        .route(BASE, get(available))
        .route(&format!("{BASE}/sandboxes"), get(all))
        .route(&format!("{BASE}/sandboxes/{{name}}"), get(one))
}

fn page(
    sim: &crate::state::Sim,
    items: Vec<Value>,
    query: Option<&str>,
    base: &str,
) -> Result<Json<Value>, ApiError> {
    let pairs = query_pairs(query);
    let parse = |key: &str, default: usize| -> Result<usize, ApiError> {
        query_get(&pairs, key)
            .map(|v| {
                v.parse::<usize>().map_err(|_| {
                    Service::Sandbox.bad_request(&format!("{key} must be a non-negative integer."))
                })
            })
            .transpose()
            .map(|v| v.unwrap_or(default))
    };
    let limit = parse("limit", 20)?;
    let offset = parse("offset", 0)?;
    let filters = query_all(&pairs, "property")
        .into_iter()
        .map(PropertyFilter::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Service::Sandbox.bad_request(&e.to_string()))?;
    let selected: Vec<Value> = items
        .into_iter()
        .filter(|i| filters.iter().all(|f| f.matches(i)))
        .skip(offset)
        .take(limit)
        .collect();
    Ok(Json(json!({
        "sandboxes": selected,
        "_page": { "limit": limit, "count": selected.len() },
        "_links": { "page": { "href": format!("{}{base}?limit={{limit}}&offset={{offset}}", sim.base_url()), "templated": true } },
    })))
}

/// Sandboxes available to the caller: needs no Sandbox Administration permission.
async fn available(
    State(sim): State<AppState>,
    OrgCaller(caller): OrgCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = sim
        .platform
        .read()
        .sandboxes
        .iter()
        .filter(|s| caller.allowed_sandboxes.contains(&s.name))
        .map(|s| s.to_json())
        .collect();
    page(&sim, items, query.as_deref(), &format!("{BASE}/"))
}

async fn all(
    State(sim): State<AppState>,
    OrgCaller(caller): OrgCaller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSandboxes, Service::Sandbox)?;
    let items: Vec<Value> = sim
        .platform
        .read()
        .sandboxes
        .iter()
        .map(|s| s.to_json())
        .collect();
    page(&sim, items, query.as_deref(), &format!("{BASE}/sandboxes"))
}

async fn one(
    State(sim): State<AppState>,
    OrgCaller(caller): OrgCaller,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewSandboxes, Service::Sandbox)?;
    sim.platform
        .read()
        .sandbox(&name)
        .map(|s| Json(s.to_json()))
        .ok_or_else(|| Service::Sandbox.not_found("sandbox", &name))
}
