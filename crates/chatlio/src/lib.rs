//! The Chatlio side of the Chatlio → Adobe Experience Platform setup.
//!
//! * [`payload`]: typed, tolerant bodies of Chatlio's five webhooks.
//! * [`classify`]: which webhook a body came from.
//! * [`fields`], [`schema`]: the XDM ExperienceEvent schema and Chatlio field
//!   group, as Schema Registry request bodies.
//! * [`mapping`]: the Data Prep mapping set, plus a reference evaluation.
//! * [`plan`]: which dataflows to create and which URL goes where.
//! * [`generate`], [`send`]: a webhook simulator (also the `chatlio-sim` binary).
//! * [`instructions`]: per-event setup instructions as i18n codes.

pub mod classify;
pub mod fields;
pub mod generate;
pub mod instructions;
pub mod kind;
pub mod mapping;
pub mod payload;
pub mod plan;
pub mod schema;
pub mod send;

pub use classify::{classify, classify_family, Classification};
pub use generate::{adobe_sample, documented_example, generate, unidentifiable_payload};
pub use kind::{EventKind, Family, RecordedKind, UnknownEventKind, VisitorEventKind};
pub use mapping::{expected_record, mapping_set_body};
pub use payload::{ChatlioPayload, PayloadError};
pub use plan::{webhook_url, FlowPlan, WebhookMode, WebhookPlan};
pub use schema::{field_group_body, identity_descriptor_body, schema_body};
pub use send::{send, SendError, SendOutcome, Sender};
