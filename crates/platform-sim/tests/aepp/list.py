"""Drives the unmodified `aepp` client (PyPI) against platform-sim.

Only configuration values are set at run time: the Platform base URL (aepp's `support`
environment takes an `endpoint`) and the IMS token endpoint, which aepp otherwise points
at Adobe's production IMS. Prints one JSON object with what aepp read.
"""

import json
import os
import sys

import aepp
from aepp import catalog, dataaccess, flowservice, sandboxes, schema

base = os.environ["SIM_BASE_URL"]
aepp.configure(
    org_id=os.environ["SIM_ORG_ID"],
    client_id=os.environ["SIM_CLIENT_ID"],
    secret=os.environ["SIM_CLIENT_SECRET"],
    scopes=os.environ["SIM_SCOPES"],
    sandbox="prod",
    environment="support",
    endpoint=base,
)
aepp.config.config_object["imsEndpoint"] = f"{base}/ims"
aepp.config.config_object["oauthTokenEndpointV2"] = f"{base}/ims/token/v3"

found = {
    "aeppVersion": aepp.__version__,
    "sandboxes": [box["name"] for box in sandboxes.Sandboxes().getSandboxes()],
    "tenantId": schema.Schema().getTenantId(),
    "datasets": {
        key: value.get("name")
        for key, value in catalog.Catalog().getDataSets().items()
    },
    "flows": [
        {"id": flow["id"], "name": flow["name"]}
        for flow in flowservice.FlowService().getFlows()
    ],
}

# What a dataflow stored and what failed, through aepp's Catalog and Data Access.
dataset = os.environ.get("SIM_DATASET_ID")
if dataset:
    access = dataaccess.DataAccess()
    batches = catalog.Catalog().getBatches(dataSet=dataset, orderBy="desc:created")
    found["batches"] = {
        key: {"status": value.get("status"), "failedRecordCount": value.get("failedRecordCount")}
        for key, value in batches.items()
    }
    found["preview"] = access.getPreview(dataset)
    found["rowErrors"] = {
        key: [item.get("name") for item in access.getBatchMeta(key, path="row_errors").get("data", [])]
        for key in batches
    }
json.dump(found, sys.stdout)
sys.stdout.write("\n")
