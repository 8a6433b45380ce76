//! Data Prep (conversion) API: mapping sets.

use crate::client::{Client, PlatformCall};
use crate::error::Result;
use crate::models::dataprep::{MappingSet, MappingSetRequest};
use crate::models::MappingSetId;

const BASE: [&str; 3] = ["data", "foundation", "conversion"];

/// Data Prep calls; get one with [`Client::data_prep`].
#[derive(Debug, Clone, Copy)]
pub struct DataPrep<'client> {
    client: &'client Client,
}

impl Client {
    /// Data Prep calls.
    pub fn data_prep(&self) -> DataPrep<'_> {
        DataPrep { client: self }
    }
}

impl DataPrep<'_> {
    /// Creates a mapping set (`POST /mappingSets`; Adobe answers 200, not 201).
    pub async fn create_mapping_set(&self, request: &MappingSetRequest) -> Result<MappingSet> {
        let call = PlatformCall::post(
            "data_prep.create_mapping_set",
            &[BASE[0], BASE[1], BASE[2], "mappingSets"],
        )
        .json(request)?;
        self.client.call(call).await
    }

    /// Looks up a mapping set.
    pub async fn get_mapping_set(&self, id: &MappingSetId) -> Result<MappingSet> {
        let call = PlatformCall::get(
            "data_prep.get_mapping_set",
            &[BASE[0], BASE[1], BASE[2], "mappingSets", id.as_str()],
        );
        self.client.call(call).await
    }
}
