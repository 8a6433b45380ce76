//! Snapshot tests: the JSON bodies the client sends, compared field for field with the
//! request examples in Adobe's documentation. Each expected value below is transcribed
//! from the named page of Adobe's Experience Platform documentation; where Adobe uses
//! placeholders such as `{TENANT_ID}` the same text is used on both sides.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use platform::models::catalog::DatasetRequest;
use platform::models::dataprep::{Mapping, MappingSetRequest};
use platform::models::flow::{
    FlowRequest, PatchOperation, SourceConnectionRequest, TargetConnectionRequest, Transformation,
};
use platform::models::schema::{FieldGroupRequest, IdentityDescriptorRequest, SchemaRequest};
use platform::models::{DatasetId, MappingSetId, SchemaId, SourceConnectionId, TargetConnectionId};
use serde_json::{json, Value};

fn body<T: serde::Serialize>(request: &T) -> Value {
    serde_json::to_value(request).unwrap()
}

/// help/sources/tutorials/api/create/marketing-automation/chatlio-webhook.md, "Create a source connection".
#[test]
fn chatlio_source_connection() {
    let request = SourceConnectionRequest::chatlio(
        "Streaming Source Connection for Chatlio.",
        Some("Streaming Source Connection for Chatlio.".into()),
    );
    assert_eq!(
        body(&request),
        json!({
            "name": "Streaming Source Connection for Chatlio.",
            "providerId": "521eee4d-8cbe-4906-bb48-fb6bd4450033",
            "description": "Streaming Source Connection for Chatlio.",
            "connectionSpec": {
                "id": "073127a3-26e3-496c-9d94-9f48fb93fba8",
                "version": "1.0"
            },
            "data": {
                "format": "json"
            }
        })
    );
}

/// Same page, "Create a target connection".
#[test]
fn chatlio_target_connection() {
    let request = TargetConnectionRequest::data_lake(
        "Streaming Target Connection for a Chatlio.",
        Some("Streaming Target Connection for a Chatlio.".into()),
        SchemaId::new("https://ns.adobe.com/extconndev/schemas/49cecec83dd1a8da1aef4a96c67c06654e8c337a0a3b4262"),
        DatasetId::new("63ef7df781f14a1bd02a7e49"),
    );
    assert_eq!(
        body(&request),
        json!({
            "name": "Streaming Target Connection for a Chatlio.",
            "description": "Streaming Target Connection for a Chatlio.",
            "connectionSpec": {
                "id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c",
                "version": "1.0"
            },
            "data": {
                "format": "json",
                "schema": {
                    "id": "https://ns.adobe.com/extconndev/schemas/49cecec83dd1a8da1aef4a96c67c06654e8c337a0a3b4262",
                    "version": "application/vnd.adobe.xed-full+json;version=1"
                }
            },
            "params": {
                "dataSetId": "63ef7df781f14a1bd02a7e49"
            }
        })
    );
}

/// Same page, "Create a mapping" (the legacy mapping dialect, verbatim).
#[test]
fn chatlio_mapping_set_legacy_dialect() {
    let pairs = [
        ("slackChannelId", "_extconndev.slackchannel_ID"),
        ("slackChannelName", "_extconndev.slackchannel_name"),
        ("visitor.UUID", "_extconndev.UUID"),
        ("visitor.email", "_extconndev.chatlio_email"),
        ("message", "_extconndev.message"),
        ("channelId", "_extconndev.channel_ID"),
    ];
    let request = MappingSetRequest::new(
        SchemaId::new("https://ns.adobe.com/{TENANT_ID}/schemas/945546112b746524bfd9f1264b26c2b7d8e7f5b7fadb953a"),
        pairs
            .iter()
            .map(|(source, destination)| Mapping::legacy_attribute(*source, *destination))
            .collect(),
    );
    assert_eq!(
        body(&request),
        json!({
            "outputSchema": {
                "schemaRef": {
                    "id": "https://ns.adobe.com/{TENANT_ID}/schemas/945546112b746524bfd9f1264b26c2b7d8e7f5b7fadb953a",
                    "contentType": "application/vnd.adobe.xed-full+json;version=1"
                }
            },
            "mappings": [
                { "destinationXdmPath": "_extconndev.slackchannel_ID", "sourceAttribute": "slackChannelId", "identity": false, "version": 0 },
                { "destinationXdmPath": "_extconndev.slackchannel_name", "sourceAttribute": "slackChannelName", "identity": false, "version": 0 },
                { "destinationXdmPath": "_extconndev.UUID", "sourceAttribute": "visitor.UUID", "identity": false, "version": 0 },
                { "destinationXdmPath": "_extconndev.chatlio_email", "sourceAttribute": "visitor.email", "identity": false, "version": 0 },
                { "destinationXdmPath": "_extconndev.message", "sourceAttribute": "message", "identity": false, "version": 0 },
                { "destinationXdmPath": "_extconndev.channel_ID", "sourceAttribute": "channelId", "identity": false, "version": 0 }
            ]
        })
    );
}

/// help/data-prep/api/mapping-set.md, "Create a mapping set" (current dialect).
#[test]
fn mapping_set_current_dialect() {
    let request = MappingSetRequest::new(
        SchemaId::new("https://ns.adobe.com/{TENANT_ID}/schemas/89abc189258b1cb1a816d8f2b2341a6d98000ed8f4008305"),
        vec![
            Mapping::attribute("id", "_id").described("id", "Identifier field"),
            Mapping::attribute("firstName", "person.name.firstName"),
            Mapping::attribute("lastName", "person.name.lastName"),
        ],
    );
    assert_eq!(
        body(&request),
        json!({
            "outputSchema": {
                "schemaRef": {
                    "id": "https://ns.adobe.com/{TENANT_ID}/schemas/89abc189258b1cb1a816d8f2b2341a6d98000ed8f4008305",
                    "contentType": "application/vnd.adobe.xed-full+json;version=1"
                }
            },
            "mappings": [
                { "sourceType": "ATTRIBUTE", "source": "id", "destination": "_id", "name": "id", "description": "Identifier field" },
                { "sourceType": "ATTRIBUTE", "source": "firstName", "destination": "person.name.firstName" },
                { "sourceType": "ATTRIBUTE", "source": "lastName", "destination": "person.name.lastName" }
            ]
        })
    );
    let expression = Mapping::expression("uuid()", "_id");
    assert_eq!(
        body(&expression),
        json!({ "sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id" })
    );
}

/// Chatlio page, "Create a flow".
#[test]
fn chatlio_flow() {
    let request = FlowRequest::streaming(
        "Streaming Dataflow for Chatlio",
        Some("Streaming Dataflow for Chatlio".into()),
        SourceConnectionId::new("7689a40d-43eb-4f74-a3f1-092a55884f6c"),
        TargetConnectionId::new("f7be8ab6-e5ea-4405-83b9-200cdfb2a9e5"),
        &MappingSetId::new("4b7188aad69c44529a5e674ab5d3568b"),
        0,
    );
    assert_eq!(
        body(&request),
        json!({
            "name": "Streaming Dataflow for Chatlio",
            "description": "Streaming Dataflow for Chatlio",
            "flowSpec": {
                "id": "e77fde5a-22a8-11ed-861d-0242ac120002",
                "version": "1.0"
            },
            "sourceConnectionIds": [
                "7689a40d-43eb-4f74-a3f1-092a55884f6c"
            ],
            "targetConnectionIds": [
                "f7be8ab6-e5ea-4405-83b9-200cdfb2a9e5"
            ],
            "transformations": [
                {
                    "name": "Mapping",
                    "params": {
                        "mappingId": "4b7188aad69c44529a5e674ab5d3568b",
                        "mappingVersion": 0
                    }
                }
            ]
        })
    );
}

/// help/sources/tutorials/api/update-dataflows.md, "Update dataflow" and "Update mapping".
#[test]
fn flow_patch_operations() {
    let update = vec![
        PatchOperation::replace("/scheduleParams/frequency", json!("day")),
        PatchOperation::replace("/name", json!("Database Dataflow Feb2021")),
        PatchOperation::replace(
            "/description",
            json!("Database dataflow for testing update API"),
        ),
    ];
    assert_eq!(
        body(&update),
        json!([
            { "op": "replace", "path": "/scheduleParams/frequency", "value": "day" },
            { "op": "replace", "path": "/name", "value": "Database Dataflow Feb2021" },
            { "op": "replace", "path": "/description", "value": "Database dataflow for testing update API" }
        ])
    );
    let mapping = vec![PatchOperation::replace(
        "/transformations/0",
        serde_json::to_value(Transformation::mapping(
            &MappingSetId::new("c5f22f04e09f44498e528901546a83b1"),
            2,
        ))
        .unwrap(),
    )];
    assert_eq!(
        body(&mapping),
        json!([
            {
                "op": "replace",
                "path": "/transformations/0",
                "value": {
                    "name": "Mapping",
                    "params": {
                        "mappingId": "c5f22f04e09f44498e528901546a83b1",
                        "mappingVersion": 2
                    }
                }
            }
        ])
    );
    assert_eq!(
        body(&PatchOperation::remove("/description")),
        json!({ "op": "remove", "path": "/description" })
    );
}

/// help/catalog/api/create-dataset.md.
#[test]
fn dataset() {
    let request = DatasetRequest::new(
        "LoyaltyMembersDataset",
        SchemaId::new("https://ns.adobe.com/{TENANT_ID}/schemas/719c4e19184402c27595e65b931a142b"),
    );
    assert_eq!(
        body(&request),
        json!({
            "name": "LoyaltyMembersDataset",
            "schemaRef": {
                "id": "https://ns.adobe.com/{TENANT_ID}/schemas/719c4e19184402c27595e65b931a142b",
                "contentType": "application/vnd.adobe.xed+json;version=1"
            }
        })
    );
}

/// help/xdm/api/field-groups.md, "Create a field group".
#[test]
fn field_group() {
    let properties = json!({
        "propertyName": { "type": "string", "title": "Property Name", "description": "Name of the property" },
        "propertyCity": { "title": "Property City", "description": "City where the property is located.", "type": "string" },
        "phoneNumber": { "title": "Phone Number", "description": "Primary phone number for the property.", "type": "string" },
        "propertyType": {
            "type": "string",
            "title": "Property Type",
            "description": "Type and primary use of property.",
            "enum": ["retail", "yoga", "fitness"],
            "meta:enum": { "retail": "Retail Store", "yoga": "Yoga Studio", "fitness": "Fitness Center" }
        },
        "propertyConstruction": { "$ref": "https://ns.adobe.com/{TENANT_ID}/datatypes/24c643f618647344606222c494bd0102" }
    });
    let request = FieldGroupRequest::tenant_fields(
        "Property Details",
        Some(
            "Detailed information related to the properties owned and operated by the company."
                .into(),
        ),
        vec!["https://ns.adobe.com/{TENANT_ID}/classes/19e1d8b5098a7a76e2c10a81cbc99590".into()],
        "{TENANT_ID}",
        "property",
        properties.clone(),
    );
    assert_eq!(
        body(&request),
        json!({
            "title": "Property Details",
            "description": "Detailed information related to the properties owned and operated by the company.",
            "type": "object",
            "meta:intendedToExtend": ["https://ns.adobe.com/{TENANT_ID}/classes/19e1d8b5098a7a76e2c10a81cbc99590"],
            "definitions": {
                "property": {
                    "properties": {
                        "_{TENANT_ID}": {
                            "type": "object",
                            "properties": properties
                        }
                    }
                }
            },
            "allOf": [
                { "$ref": "#/definitions/property" }
            ]
        })
    );
}

/// help/xdm/api/schemas.md, "Create a schema".
#[test]
fn schema() {
    let request = SchemaRequest::new(
        "Property Information",
        Some("Property-related information.".into()),
        "https://ns.adobe.com/{TENANT_ID}/classes/19e1d8b5098a7a76e2c10a81cbc99590",
        &[],
    );
    assert_eq!(
        body(&request),
        json!({
            "type": "object",
            "title": "Property Information",
            "description": "Property-related information.",
            "allOf": [
                { "$ref": "https://ns.adobe.com/{TENANT_ID}/classes/19e1d8b5098a7a76e2c10a81cbc99590" }
            ]
        })
    );
}

/// help/xdm/api/descriptors.md, "Create descriptor".
#[test]
fn identity_descriptor() {
    let request = IdentityDescriptorRequest::new(
        SchemaId::new("https://ns.adobe.com/{TENANT_ID}/schemas/fbc52b243d04b5d4f41eaa72a8ba58be"),
        "/personalEmail/address",
        "Email",
        false,
    );
    assert_eq!(
        body(&request),
        json!({
            "@type": "xdm:descriptorIdentity",
            "xdm:sourceSchema": "https://ns.adobe.com/{TENANT_ID}/schemas/fbc52b243d04b5d4f41eaa72a8ba58be",
            "xdm:sourceVersion": 1,
            "xdm:sourceProperty": "/personalEmail/address",
            "xdm:namespace": "Email",
            "xdm:property": "xdm:code",
            "xdm:isPrimary": false
        })
    );
}
