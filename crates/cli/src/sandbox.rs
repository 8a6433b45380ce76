//! `status` without `--name`: every Chatlio dataflow of the sandbox, grouped by the
//! setup (journal in the data folder) that made it, so a setup with one dataflow per
//! Chatlio event is one entry, as on the desktop app's dashboard.

use std::collections::BTreeMap;

use chatlio::EventKind;
use platform::WebhookUrl;
use serde::Serialize;
use setup::status::{FlowStatus, Health, Totals};
use setup::{JournalStore, StepId};

/// A dataflow a journal in the data folder made.
#[derive(Debug, Clone)]
pub struct Owner {
    pub flow_id: String,
    pub setup_name: String,
    /// Which of the setup's dataflows: `None` for a single-URL setup's one, else the
    /// WebhookPlan flow's key.
    pub instance: Option<String>,
}

impl Owner {
    /// The Chatlio fields whose URL is this dataflow's.
    fn fields(&self) -> Vec<EventKind> {
        chatlio::plan::fields_served(self.instance.as_deref())
    }
}

/// Something that makes the grouping less than certain, said to the user rather than
/// hidden: a dataflow whose journal cannot be read would otherwise look made elsewhere.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// Stable: `journals_unlisted`, `journal_unreadable`, `webhook_urls_unknown`.
    pub code: &'static str,
    pub message: String,
}

/// Which setup made each dataflow, from every journal in `store`, with a warning for
/// each journal (or the folder) that could not be read.
pub fn owners(store: &JournalStore) -> (Vec<Owner>, Vec<Warning>) {
    let mut owners = Vec::new();
    let mut warnings = Vec::new();
    let journals = match store.list() {
        Ok(journals) => journals,
        Err(error) => {
            warnings.push(Warning {
                code: "journals_unlisted",
                message: format!(
                    "the setup journals cannot be listed ({error}); dataflows made by setups in {} are listed as made elsewhere",
                    store.directory().display()
                ),
            });
            return (owners, warnings);
        }
    };
    for journal in journals {
        let journal = match journal {
            Ok(journal) => journal,
            Err(error) => {
                warnings.push(Warning {
                    code: "journal_unreadable",
                    message: format!(
                        "{error}; the dataflows of that setup are listed as made elsewhere"
                    ),
                });
                continue;
            }
        };
        // Every dataflow of the setup: one, or one per Chatlio event.
        for record in journal.records_of(StepId::Dataflow) {
            if let Some(flow_id) = &record.resource_id {
                owners.push(Owner {
                    flow_id: flow_id.clone(),
                    setup_name: journal.setup_name.clone(),
                    instance: record.instance.clone(),
                });
            }
        }
    }
    (owners, warnings)
}

/// One dataflow of a setup: its status as a dataflow made elsewhere shows it, and
/// the Chatlio fields it serves.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupFlow {
    #[serde(flatten)]
    pub status: FlowStatus,
    pub fields: Vec<EventKind>,
}

/// One setup of the data folder with its dataflows in the sandbox.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupStatus {
    pub setup_name: String,
    /// False for a setup known only by its dataflows' markers (made with this tool
    /// elsewhere, no journal in this data folder): listed together, but only a
    /// setup with a journal here can be resumed or rolled back from here.
    pub made_here: bool,
    /// The most urgent of its dataflows'.
    pub health: Health,
    /// Summed over its dataflows.
    pub last24h: Totals,
    pub last7d: Totals,
    /// The URL of each of Chatlio's five fields, from the journal (as `setup --json`
    /// prints it); empty when the journal's outcome could not be read (then a warning).
    pub webhook_urls: BTreeMap<EventKind, WebhookUrl>,
    /// In the order the setup made them (the shared dataflow first).
    pub dataflows: Vec<SetupFlow>,
}

/// What `status --json` prints without `--name`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxStatus {
    pub setups: Vec<SetupStatus>,
    /// Dataflows no journal in the data folder made.
    pub dataflows: Vec<FlowStatus>,
    pub warnings: Vec<Warning>,
}

fn add(total: &mut Totals, more: Totals) {
    total.received += more.received;
    total.ingested += more.ingested;
    total.failed += more.failed;
}

/// Groups `flows` by the setup that made each one (per `owners`); setups come in
/// the order their first dataflow is listed. `webhook_urls` reads a setup's URLs
/// from its journal; a failure there is a warning and an empty map.
pub fn group<E: std::fmt::Display>(
    flows: Vec<FlowStatus>,
    owners: &[Owner],
    warnings: Vec<Warning>,
    webhook_urls: impl Fn(&str) -> Result<BTreeMap<EventKind, WebhookUrl>, E>,
) -> SandboxStatus {
    let mut status = SandboxStatus {
        setups: Vec::new(),
        dataflows: Vec::new(),
        warnings,
    };
    // Each owned flow with its place among its setup's dataflows in the journal.
    let mut ranked: Vec<Vec<(usize, SetupFlow)>> = Vec::new();
    for flow in flows {
        // A journal here names the setup; else the dataflow's own marker does.
        let owned = owners
            .iter()
            .enumerate()
            .find(|(_, owner)| owner.flow_id == flow.flow_id);
        let (rank, setup_name, made_here, fields) = match (owned, &flow.marked_setup) {
            (Some((index, owner)), _) => (index, owner.setup_name.clone(), true, owner.fields()),
            (None, Some(marked)) => (
                owners.len(),
                marked.clone(),
                false,
                chatlio::plan::fields_served(flow.marked_instance.as_deref()),
            ),
            (None, None) => {
                status.dataflows.push(flow);
                continue;
            }
        };
        let setup_index = match status
            .setups
            .iter()
            .position(|setup| setup.setup_name == setup_name && setup.made_here == made_here)
        {
            Some(index) => index,
            None => {
                status.setups.push(SetupStatus {
                    setup_name,
                    made_here,
                    health: flow.health,
                    last24h: Totals::default(),
                    last7d: Totals::default(),
                    webhook_urls: BTreeMap::new(),
                    dataflows: Vec::new(),
                });
                ranked.push(Vec::new());
                status.setups.len() - 1
            }
        };
        ranked[setup_index].push((
            rank,
            SetupFlow {
                status: flow,
                fields,
            },
        ));
    }
    for (setup, mut flows) in status.setups.iter_mut().zip(ranked) {
        flows.sort_by_key(|(owner_index, _)| *owner_index);
        setup.dataflows = flows.into_iter().map(|(_, flow)| flow).collect();
        setup.health = Health::worst(setup.dataflows.iter().map(|flow| flow.status.health));
        for flow in &setup.dataflows {
            add(&mut setup.last24h, flow.status.last24h);
            add(&mut setup.last7d, flow.status.last7d);
        }
        if !setup.made_here {
            // No journal here holds its URLs; each dataflow's status has its own.
            continue;
        }
        match webhook_urls(&setup.setup_name) {
            Ok(urls) => setup.webhook_urls = urls,
            Err(error) => status.warnings.push(Warning {
                code: "webhook_urls_unknown",
                message: format!(
                    "the webhook URLs of setup {:?} cannot be read from its journal: {error}",
                    setup.setup_name
                ),
            }),
        }
    }
    status
}

/// The human form: a line per setup with its health and totals, its dataflows
/// indented beneath with the fields they serve (a setup made with this tool
/// elsewhere is known by its markers), then the dataflows no setup made.
/// Warnings go to stderr, so they are seen even when stdout is piped.
pub fn print(status: &SandboxStatus) {
    for warning in &status.warnings {
        eprintln!("chatlio-aep: warning: {}", warning.message);
    }
    println!(
        "  {:<38} {:<28} {:<9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7}  last ingested",
        "flow id",
        "name",
        "health",
        "24h recv",
        "24h ingst",
        "24h err",
        "7d recv",
        "7d ingst",
        "7d err"
    );
    for setup in &status.setups {
        let count = setup.dataflows.len();
        let label = format!(
            "setup {:?} ({count} dataflow{}{})",
            setup.setup_name,
            if count == 1 { "" } else { "s" },
            if setup.made_here {
                ""
            } else {
                ", made elsewhere"
            }
        );
        println!(
            "{label:<69} {:<9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7}",
            setup.health.as_str(),
            setup.last24h.received,
            setup.last24h.ingested,
            setup.last24h.failed,
            setup.last7d.received,
            setup.last7d.ingested,
            setup.last7d.failed,
        );
        for flow in &setup.dataflows {
            print_flow(&flow.status);
            let fields: Vec<&str> = flow.fields.iter().map(|kind| kind.code()).collect();
            println!("      serves Chatlio's fields: {}", fields.join(", "));
        }
    }
    if !status.dataflows.is_empty() {
        println!("made outside Chatlio Setup (no setup journal here, no marker)");
        for flow in &status.dataflows {
            print_flow(flow);
        }
    }
}

fn print_flow(flow: &FlowStatus) {
    println!(
        "  {:<38} {:<28} {:<9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7}  {}",
        flow.flow_id,
        flow.name,
        flow.health.as_str(),
        flow.last24h.received,
        flow.last24h.ingested,
        flow.last24h.failed,
        flow.last7d.received,
        flow.last7d.ingested,
        flow.last7d.failed,
        flow.last_ingested_at
            .map_or_else(|| "never".to_owned(), |at| at.to_rfc3339())
    );
    for error in &flow.errors {
        let code = error.adobe_code.as_deref().unwrap_or("-");
        let records = error
            .records
            .map_or_else(String::new, |records| format!(" ({records} records)"));
        println!(
            "      {} [{code}]{records}: {}",
            error.explanation, error.fix
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(id: &str, health: Health, received: u64) -> FlowStatus {
        let totals = Totals {
            received,
            ingested: received,
            failed: 0,
        };
        FlowStatus {
            flow_id: id.to_owned(),
            name: format!("flow {id}"),
            state: "enabled".to_owned(),
            webhook_url: None,
            created_at: None,
            accepts_data_from: None,
            last24h: totals,
            last7d: totals,
            last_ingested_at: None,
            health,
            runs: Vec::new(),
            errors: Vec::new(),
            marked_setup: None,
            marked_instance: None,
        }
    }

    fn owner(flow_id: &str, setup_name: &str, instance: Option<&str>) -> Owner {
        Owner {
            flow_id: flow_id.to_owned(),
            setup_name: setup_name.to_owned(),
            instance: instance.map(str::to_owned),
        }
    }

    fn no_urls(_: &str) -> Result<BTreeMap<EventKind, WebhookUrl>, String> {
        Ok(BTreeMap::new())
    }

    #[test]
    fn dataflows_made_elsewhere_group_by_their_markers() {
        let marked = |id: &str, setup: &str, instance: &str, health| FlowStatus {
            marked_setup: Some(setup.to_owned()),
            marked_instance: Some(instance.to_owned()),
            ..flow(id, health, 1)
        };
        let flows = vec![
            marked("elsewhere-all", "Shop", "all", Health::Healthy),
            flow("plain", Health::Healthy, 1),
            marked(
                "elsewhere-feedback",
                "Shop",
                "visitor_feedback",
                Health::Stale,
            ),
            // The same name as a setup made here is another setup.
            marked("elsewhere-here", "Here", "all", Health::Healthy),
            flow("here", Health::Healthy, 1),
        ];
        let owners = [owner("here", "Here", None)];
        let urls_asked = std::cell::RefCell::new(Vec::new());
        let status = group(flows, &owners, Vec::new(), |name: &str| {
            urls_asked.borrow_mut().push(name.to_owned());
            Ok::<_, String>(BTreeMap::new())
        });
        let setups: Vec<(&str, bool, usize)> = status
            .setups
            .iter()
            .map(|setup| {
                (
                    setup.setup_name.as_str(),
                    setup.made_here,
                    setup.dataflows.len(),
                )
            })
            .collect();
        assert_eq!(
            setups,
            [("Shop", false, 2), ("Here", false, 1), ("Here", true, 1)]
        );
        let shop = &status.setups[0];
        assert_eq!(shop.health, Health::Stale);
        assert_eq!(shop.last24h.received, 2);
        assert_eq!(shop.dataflows[1].fields, [EventKind::VisitorFeedback]);
        assert_eq!(status.dataflows.len(), 1, "only the unmarked one is alone");
        assert_eq!(
            *urls_asked.borrow(),
            ["Here"],
            "only a journal here has URLs"
        );
    }

    #[test]
    fn dataflows_group_by_setup_in_the_journal_order_with_the_worst_health_and_sums() {
        let flows = vec![
            flow("v1", Health::Healthy, 2),
            flow("single", Health::NoData, 0),
            flow("foreign", Health::Healthy, 7),
            flow("all", Health::Failing, 3),
        ];
        let owners = [
            owner("all", "Per event", Some("all")),
            owner("v1", "Per event", Some("unanswered_visitor")),
            owner("single", "Single", None),
        ];
        let status = group(flows, &owners, Vec::new(), no_urls);
        let names: Vec<&str> = status
            .setups
            .iter()
            .map(|setup| setup.setup_name.as_str())
            .collect();
        assert_eq!(names, ["Per event", "Single"]);
        let per_event = &status.setups[0];
        let ids: Vec<&str> = per_event
            .dataflows
            .iter()
            .map(|flow| flow.status.flow_id.as_str())
            .collect();
        assert_eq!(ids, ["all", "v1"], "the journal's order");
        assert_eq!(per_event.health, Health::Failing);
        assert_eq!(per_event.last24h.received, 5);
        assert_eq!(per_event.last7d.ingested, 5);
        assert_eq!(
            per_event.dataflows[0].fields,
            [EventKind::OfflineMessage, EventKind::ChatTranscript]
        );
        assert_eq!(
            per_event.dataflows[1].fields,
            [EventKind::UnansweredVisitor]
        );
        assert_eq!(
            status.setups[1].dataflows[0].fields,
            EventKind::ALL.to_vec()
        );
        assert_eq!(status.dataflows.len(), 1);
        assert_eq!(status.dataflows[0].flow_id, "foreign");
        assert!(status.warnings.is_empty());
    }

    #[test]
    fn unreadable_webhook_urls_are_a_warning() {
        let status = group(
            vec![flow("single", Health::Healthy, 1)],
            &[owner("single", "Single", None)],
            Vec::new(),
            |_| Err("the journal is gone"),
        );
        assert!(status.setups[0].webhook_urls.is_empty());
        assert_eq!(status.warnings.len(), 1);
        assert_eq!(status.warnings[0].code, "webhook_urls_unknown");
    }

    #[test]
    fn worst_follows_the_order_health_declares() {
        assert_eq!(
            Health::worst([Health::Healthy, Health::Disabled, Health::Failing]),
            Health::Disabled
        );
        assert_eq!(
            Health::worst([Health::Stale, Health::NoData]),
            Health::NoData
        );
        assert_eq!(Health::worst([Health::Healthy]), Health::Healthy);
    }

    #[test]
    fn an_unreadable_journal_is_a_warning_naming_its_file() {
        let folder = std::env::temp_dir().join(format!(
            "chatlio-aep-owners-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&folder).unwrap();
        let store = JournalStore::new(&folder);
        let mut journal =
            setup::Journal::new("Readable", "A1B2C3D4E5F6A7B8C9D0E1F2@AdobeOrg", "prod");
        store.save(&mut journal).unwrap();
        std::fs::write(folder.join("Damaged.json"), b"{not json").unwrap();
        let (owners, warnings) = owners(&store);
        // The readable journal is read (it made no dataflow); the damaged one is said.
        assert!(owners.is_empty());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].code, "journal_unreadable");
        assert!(warnings[0].message.contains("Damaged.json"), "{warnings:?}");
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
