//! Names and idempotency markers derived from the request.
//!
//! Every resource we create carries `chatlio-setup:<setup name>:<step>` in its
//! description, so a later run (or a rollback) can tell what an interrupted
//! run of *this* setup made from what someone else made with the same name.

use crate::input::{DatasetChoice, SchemaChoice, SetupRequest};
use crate::step::StepId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub setup: String,
    pub field_group_title: String,
    /// `None` when the user picked an existing schema.
    pub schema_title: Option<String>,
    /// `None` when the user picked an existing dataset.
    pub dataset_name: Option<String>,
    pub source_connection: String,
    pub target_connection: String,
    /// Data Prep mapping sets have a name but no description, so the name
    /// carries the marker: `<setup> mapping [chatlio-setup:<setup>:mapping_set]`.
    pub mapping_set: String,
    pub dataflow: String,
}

impl Names {
    pub fn new(request: &SetupRequest) -> Self {
        Self {
            setup: request.name.clone(),
            // Shared by every Chatlio setup of a sandbox: registry titles are
            // unique, and one definition of `_{tenant}.chatlio` is enough.
            field_group_title: chatlio::schema::FIELD_GROUP_TITLE.to_owned(),
            schema_title: match &request.schema {
                SchemaChoice::New { title } => Some(title.clone()),
                SchemaChoice::Existing { .. } => None,
            },
            dataset_name: match &request.dataset {
                DatasetChoice::New { name } => Some(name.clone()),
                DatasetChoice::Existing { .. } => None,
            },
            source_connection: format!("{} source", request.name),
            target_connection: format!("{} target", request.name),
            mapping_set: format!(
                "{} mapping [{}]",
                request.name,
                marker(&request.name, StepId::MappingSet)
            ),
            dataflow: request.name.clone(),
        }
    }

    /// The marker put into the description of what `step` creates.
    pub fn marker(&self, step: StepId) -> String {
        marker(&self.setup, step)
    }

    /// A description carrying the marker.
    pub fn description(&self, step: StepId, what: &str) -> String {
        format!("{what} Made by Chatlio Setup [{}]", self.marker(step))
    }
}

pub fn marker(setup_name: &str, step: StepId) -> String {
    format!("chatlio-setup:{setup_name}:{}", step.as_str())
}

/// True when `description` carries exactly this setup's marker for `step`
/// (the closing bracket keeps "a" from matching "ab").
pub fn has_marker(description: Option<&str>, setup_name: &str, step: StepId) -> bool {
    description.is_some_and(|text| text.contains(&format!("[{}]", marker(setup_name, step))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_do_not_match_prefixes_of_other_setups() {
        let names = Names {
            setup: "a".into(),
            field_group_title: String::new(),
            schema_title: None,
            dataset_name: None,
            source_connection: String::new(),
            target_connection: String::new(),
            mapping_set: String::new(),
            dataflow: String::new(),
        };
        let description = names.description(StepId::Dataset, "Events.");
        assert!(has_marker(Some(&description), "a", StepId::Dataset));
        assert!(!has_marker(Some(&description), "a", StepId::Schema));
        let other = format!("x [{}]", marker("ab", StepId::Dataset));
        assert!(!has_marker(Some(&other), "a", StepId::Dataset));
        assert!(!has_marker(None, "a", StepId::Dataset));
    }

    #[test]
    fn the_mapping_set_name_carries_the_marker() {
        let request = crate::input::SetupInput {
            name: "Chatlio events".into(),
            sandbox: "prod".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let names = Names::new(&request);
        assert!(has_marker(
            Some(&names.mapping_set),
            "Chatlio events",
            StepId::MappingSet
        ));
        assert!(!has_marker(
            Some(&names.mapping_set),
            "Chatlio",
            StepId::MappingSet
        ));
    }
}
