//! The one place that speaks HTTP to Adobe.
//!
//! `platform` is a typed client for Adobe IMS and Adobe Experience Platform: sandboxes,
//! Schema Registry, Catalog, Data Prep, Flow Service and the streaming inlet. Everything
//! above it (setup engine, CLI, desktop app) uses typed calls and gets typed errors.
//!
//! * [`Client`] is built from a [`ClientConfig`] (IMS base URL, Platform base URL, org,
//!   sandbox, [`Credential`]); the base URLs point at Adobe or at the local simulator.
//! * Calls are grouped by service: [`Client::sandboxes`], [`Client::schema_registry`],
//!   [`Client::catalog`], [`Client::data_prep`], [`Client::flow_service`],
//!   [`Client::data_access`], [`Client::inlet`]; IMS sign-in pieces are in [`ims`].
//! * Every failure is a [`PlatformError`] with a stable [`ErrorCode`]; see the README for
//!   the table and the retry policy.
//! * Secrets live in [`Secret`], which cannot be printed or serialized.

pub mod catalog;
pub mod client;
pub mod concurrency;
pub mod data_access;
pub mod dataprep;
pub mod error;
pub mod flow_service;
mod http;
pub mod ims;
pub mod inlet;
pub mod models;
pub mod response;
pub mod sandbox;
pub mod schema_registry;
pub mod secret;

pub use client::{Client, ClientConfig, Credential, ADOBE_IMS_BASE, ADOBE_PLATFORM_BASE};
pub use concurrency::map_bounded;
pub use error::{ErrorCode, PlatformError, Result};
pub use http::{RetryPolicy, Timeouts};
pub use ims::{
    AuthorizeRequest, ImsClient, Pkce, RenewalHook, RenewedTokens, TokenProvider, UserTokenSnapshot,
};
pub use inlet::WebhookUrl;
pub use secret::Secret;
pub use url::Url;
