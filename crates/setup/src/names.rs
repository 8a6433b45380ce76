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
    /// The plan instance (a [`chatlio::FlowPlan`] key) these names are for,
    /// when the setup makes one dataflow per Chatlio event; `None` for the
    /// setup's only dataflow and for the resources its dataflows share.
    pub instance: Option<String>,
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
            instance: None,
        }
    }

    /// The names of one dataflow's own resources (source connection, target
    /// connection, mapping set, dataflow) when a setup makes several: the
    /// flow's suffix tells them apart in Adobe's UI, and its key makes their
    /// markers distinct, so an interrupted run's resource is adopted by the
    /// instance that made it. `None` gives the names unchanged.
    pub fn for_instance(&self, flow: Option<&chatlio::FlowPlan>) -> Names {
        let Some(flow) = flow else {
            return self.clone();
        };
        let suffix = &flow.name_suffix;
        let mut names = Names {
            source_connection: format!("{} source - {suffix}", self.setup),
            target_connection: format!("{} target - {suffix}", self.setup),
            dataflow: format!("{} - {suffix}", self.setup),
            instance: Some(flow.key.clone()),
            ..self.clone()
        };
        names.mapping_set = format!(
            "{} mapping - {suffix} [{}]",
            self.setup,
            names.marker(StepId::MappingSet)
        );
        names
    }

    /// The marker put into the description of what `step` creates; with
    /// the instance when these names are one dataflow's of several.
    pub fn marker(&self, step: StepId) -> String {
        match &self.instance {
            Some(instance) => instance_marker(&self.setup, step, instance),
            None => marker(&self.setup, step),
        }
    }

    /// True when `marked` carries exactly the marker [`Names::marker`] gives.
    pub fn has_marker(&self, marked: Option<&str>, step: StepId) -> bool {
        marked.is_some_and(|text| text.contains(&format!("[{}]", self.marker(step))))
    }

    /// A description carrying the marker.
    pub fn description(&self, step: StepId, what: &str) -> String {
        format!("{what} Made by Chatlio Setup [{}]", self.marker(step))
    }
}

pub fn marker(setup_name: &str, step: StepId) -> String {
    format!("chatlio-setup:{setup_name}:{}", step.as_str())
}

/// The marker of one instance's resource: `chatlio-setup:<setup>:<step>:<instance>`.
/// Inside brackets it never matches the single marker (`...:<step>]`), nor
/// another instance's.
pub fn instance_marker(setup_name: &str, step: StepId, instance: &str) -> String {
    format!("{}:{instance}", marker(setup_name, step))
}

/// The setup a resource's description names in its marker for `step`
/// (`[chatlio-setup:<setup>:<step>]` or `[...:<step>:<instance>]`), with the
/// instance: how a dataflow made by this tool on another computer (no journal
/// here) is still known as part of its setup. Setup names may hold `:`, so the
/// step is found from the end.
pub fn parse_marker(description: Option<&str>, step: StepId) -> Option<(String, Option<String>)> {
    let text = description?;
    let mut rest = text;
    while let Some(start) = rest.find("[chatlio-setup:") {
        let inner_start = start + "[chatlio-setup:".len();
        let length = rest[inner_start..].find(']')?;
        let inner = &rest[inner_start..inner_start + length];
        let single = format!(":{}", step.as_str());
        if let Some(setup) = inner.strip_suffix(&single) {
            if !setup.is_empty() {
                return Some((setup.to_owned(), None));
            }
        }
        let with_instance = format!(":{}:", step.as_str());
        if let Some(position) = inner.rfind(&with_instance) {
            let (setup, instance) = (&inner[..position], &inner[position + with_instance.len()..]);
            if !setup.is_empty() && !instance.is_empty() && !instance.contains(':') {
                return Some((setup.to_owned(), Some(instance.to_owned())));
            }
        }
        rest = &rest[inner_start + length..];
    }
    None
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
    fn markers_are_read_back_from_descriptions() {
        let single = format!(
            "Chatlio events. [{}]",
            marker("Web: chat", StepId::Dataflow)
        );
        assert_eq!(
            parse_marker(Some(&single), StepId::Dataflow),
            Some(("Web: chat".to_owned(), None))
        );
        let instance = format!(
            "x [{}]",
            instance_marker("Web: chat", StepId::Dataflow, "visitor_feedback")
        );
        assert_eq!(
            parse_marker(Some(&instance), StepId::Dataflow),
            Some(("Web: chat".to_owned(), Some("visitor_feedback".to_owned())))
        );
        assert_eq!(parse_marker(Some(&single), StepId::SourceConnection), None);
        assert_eq!(
            parse_marker(Some("[chatlio-setup::dataflow]"), StepId::Dataflow),
            None
        );
        assert_eq!(parse_marker(Some("no marker"), StepId::Dataflow), None);
        assert_eq!(parse_marker(None, StepId::Dataflow), None);
    }

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
            instance: None,
        };
        let description = names.description(StepId::Dataset, "Events.");
        assert!(has_marker(Some(&description), "a", StepId::Dataset));
        assert!(!has_marker(Some(&description), "a", StepId::Schema));
        let other = format!("x [{}]", marker("ab", StepId::Dataset));
        assert!(!has_marker(Some(&other), "a", StepId::Dataset));
        assert!(!has_marker(None, "a", StepId::Dataset));
    }

    #[test]
    fn each_instance_has_its_own_names_and_marker() {
        let request = crate::input::SetupInput {
            name: "Chat".into(),
            sandbox: "prod".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let names = Names::new(&request);
        let plan = chatlio::WebhookPlan::new(chatlio::WebhookMode::PerEventUrl);
        let instances: Vec<Names> = plan
            .flows
            .iter()
            .map(|flow| names.for_instance(Some(flow)))
            .collect();
        for (index, one) in instances.iter().enumerate() {
            for step in [StepId::Dataflow, StepId::MappingSet] {
                let marked = one.description(step, "x");
                assert!(one.has_marker(Some(&marked), step));
                assert!(!names.has_marker(Some(&marked), step), "not the single one");
                assert!(!has_marker(Some(&marked), "Chat", step));
                for (other_index, other) in instances.iter().enumerate() {
                    assert_eq!(other.has_marker(Some(&marked), step), index == other_index);
                }
            }
            assert!(one.has_marker(Some(&one.mapping_set), StepId::MappingSet));
            assert_ne!(one.dataflow, names.dataflow);
            assert_eq!(one.schema_title, names.schema_title);
        }
        assert_eq!(instances[1].dataflow, "Chat - new conversation");
        assert_eq!(names.for_instance(None), names);
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
