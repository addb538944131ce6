//! The OpenAPI 3.1 description of `/api/v1/`, served at `/api/v1/openapi.json`. A test
//! checks that every route in [`crate::api_v1::ROUTES`] is described here and nothing else.

use serde_json::{Value, json};

fn text_list() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

fn filter(name: &str, description: &str, values: Option<Vec<&str>>) -> Value {
    let items = match values {
        Some(values) => json!({ "type": "string", "enum": values }),
        None => json!({ "type": "string" }),
    };
    json!({
        "name": name, "in": "query", "required": false, "description": description,
        "style": "form", "explode": true,
        "schema": { "type": "array", "items": items }
    })
}

pub fn document(public_url: &str) -> Value {
    use app::catalogue::model::{DATA_TYPES, DISEASE_AREAS, DuoTerm, SAMPLE_TYPES, SizeRange, SortOrder};
    let duo: Vec<&str> = DuoTerm::ALL.iter().map(|t| t.abbreviation()).collect();
    let sizes: Vec<&str> = SizeRange::ALL.iter().map(|s| s.code()).collect();
    let sorts: Vec<&str> = SortOrder::ALL.iter().map(|s| s.code()).collect();
    let error = json!({ "$ref": "#/components/responses/Error" });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Precision medicine portal API",
            "version": "1",
            "description": "The national catalogue (public) and data for node systems (bearer token with a scope). \
                            Metadata only: data stays at the nodes."
        },
        "servers": [{ "url": public_url.trim_end_matches('/') }],
        "components": {
            "securitySchemes": { "token": { "type": "http", "scheme": "bearer", "description": "An API token (pnt_…) made at /admin/api-tokens" } },
            "responses": {
                "Error": { "description": "What went wrong", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
                "Localized": {
                    "type": "object", "required": ["sv", "en"],
                    "properties": { "sv": { "type": "string" }, "en": { "type": "string" } }
                },
                "ConsentCode": {
                    "type": "object", "required": ["term"],
                    "description": "A GA4GH Data Use Ontology code; DS carries its disease",
                    "properties": { "term": { "type": "string", "description": "e.g. Hmb, Ds, Npu" }, "disease_term": { "type": ["string", "null"] } }
                },
                "NodeRef": {
                    "type": "object", "required": ["slug", "name"],
                    "properties": { "slug": { "type": "string" }, "name": { "$ref": "#/components/schemas/Localized" } }
                },
                "Node": {
                    "type": "object", "required": ["id", "name", "city", "services"],
                    "properties": {
                        "id": { "type": "string" }, "name": { "$ref": "#/components/schemas/Localized" },
                        "city": { "type": "string" }, "description": { "$ref": "#/components/schemas/Localized" },
                        "universities": text_list(), "hospitals": text_list(), "services": text_list(),
                        "contact": { "type": "object", "properties": { "name": { "type": ["string", "null"] }, "email": { "type": ["string", "null"] } } },
                        "catalogue_site_url": { "type": ["string", "null"], "format": "uri" },
                        "catalogue_url": { "type": ["string", "null"], "format": "uri", "description": "The node's machine-readable DCAT-AP catalogue, harvested by the portal" },
                        "catalogue_is_demo": { "type": "boolean" }
                    }
                },
                "DatasetSummary": {
                    "type": "object", "required": ["slug", "title", "participants", "nodes", "consent_codes", "origin"],
                    "properties": {
                        "slug": { "type": "string", "description": "The id used in /api/v1/datasets/{id} and /datasets/{id}" },
                        "acronym": { "type": "string" }, "title": { "$ref": "#/components/schemas/Localized" },
                        "description": { "$ref": "#/components/schemas/Localized" },
                        "participants": { "type": "integer", "minimum": 0 },
                        "age_min": { "type": ["integer", "null"] }, "age_max": { "type": ["integer", "null"] },
                        "nodes": { "type": "array", "items": { "$ref": "#/components/schemas/NodeRef" } },
                        "data_types": text_list(),
                        "consent_codes": { "type": "array", "items": { "$ref": "#/components/schemas/ConsentCode" } },
                        "origin": { "type": "string", "enum": ["entered", "harvested"] },
                        "illustrative": { "type": "boolean", "description": "Demo data: figures are not real" },
                        "last_modified": { "type": "string", "format": "date-time" }
                    }
                },
                "FacetGroup": {
                    "type": "object",
                    "properties": {
                        "facet": { "type": "string", "enum": ["node", "data_type", "sample_type", "disease_area", "duo", "size"] },
                        "values": { "type": "array", "items": { "type": "object", "properties": {
                            "value": { "type": "string" }, "count": { "type": "integer" }, "selected": { "type": "boolean" },
                            "label": { "oneOf": [{ "$ref": "#/components/schemas/Localized" }, { "type": "null" }] }
                        } } }
                    }
                },
                "DatasetDetail": {
                    "type": "object", "required": ["slug", "record", "nodes", "origin"],
                    "properties": {
                        "slug": { "type": "string" },
                        "record": { "type": "object", "description": "Titles, descriptions, population, sizes, vocabularies, DUO codes, access conditions and committee, landing page in the node's catalogue" },
                        "nodes": { "type": "array", "items": { "$ref": "#/components/schemas/NodeRef" } },
                        "origin": { "type": "string", "enum": ["entered", "harvested"] },
                        "source_node": { "oneOf": [{ "$ref": "#/components/schemas/NodeRef" }, { "type": "null" }] },
                        "source_iri": { "type": ["string", "null"], "description": "The dataset's IRI in the node's catalogue" },
                        "withdrawn_at": { "type": ["string", "null"], "description": "Set when the node's catalogue no longer lists it" },
                        "updated_at": { "type": "string" }
                    }
                }
            }
        },
        "paths": {
            "/api/v1/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3.1" } } } },
            "/api/v1/nodes": { "get": {
                "summary": "The seven nodes", "tags": ["catalogue"],
                "responses": { "200": { "description": "Nodes", "content": { "application/json": { "schema": {
                    "type": "object", "properties": { "nodes": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } } } } } } } }
            } },
            "/api/v1/datasets": { "get": {
                "summary": "Search the national catalogue (the same filters as the catalogue page)", "tags": ["catalogue"],
                "parameters": [
                    { "name": "q", "in": "query", "required": false, "description": "Full-text search; every word matches as a prefix", "schema": { "type": "string", "maxLength": 200 } },
                    filter("node", "Node id (any of)", None),
                    filter("data_type", "Data type (any of)", Some(DATA_TYPES.to_vec())),
                    filter("sample_type", "Sample type (any of)", Some(SAMPLE_TYPES.to_vec())),
                    filter("disease_area", "Disease area (any of)", Some(DISEASE_AREAS.to_vec())),
                    filter("duo", "DUO code abbreviation (any of)", Some(duo)),
                    filter("size", "Number of participants (any of these ranges)", Some(sizes)),
                    { "name": "sort", "in": "query", "required": false, "schema": { "type": "string", "enum": sorts } },
                    { "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 100000 } }
                ],
                "responses": {
                    "200": { "description": "One page of results, with facet counts", "content": { "application/json": { "schema": {
                        "type": "object", "required": ["total", "page", "page_size", "items", "facets"],
                        "properties": {
                            "total": { "type": "integer" }, "page": { "type": "integer" }, "page_size": { "type": "integer" },
                            "page_count": { "type": "integer" },
                            "items": { "type": "array", "items": { "$ref": "#/components/schemas/DatasetSummary" } },
                            "facets": { "type": "array", "items": { "$ref": "#/components/schemas/FacetGroup" } }
                        } } } } },
                    "400": error.clone()
                }
            } },
            "/api/v1/datasets/{id}": { "get": {
                "summary": "One cohort or dataset", "tags": ["catalogue"],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": {
                    "200": { "description": "The record", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DatasetDetail" } } } },
                    "404": error.clone()
                }
            } },
            "/api/jwk": { "get": {
                "summary": "The public keys (JWK Set) that sign GA4GH visas; a rotated key stays while its visas live", "tags": ["node systems"],
                "responses": { "200": { "description": "{ keys: [ { kty, kid, use, alg, n, e } ] }" } }
            } },
            "/api/permissions/{user}": { "get": {
                "summary": "A person's GA4GH passport visas (ControlledAccessGrants, RS256 JWTs with jku and kid), as REMS serves them (scope entitlements:read)",
                "tags": ["node systems"], "security": [{ "token": [] }],
                "parameters": [{ "name": "user", "in": "path", "required": true, "description": "The person's subject at their identity provider", "schema": { "type": "string" } }],
                "responses": {
                    "200": { "description": "Visas", "content": { "application/json": { "schema": {
                        "type": "object", "required": ["ga4gh_passport_v1"],
                        "properties": { "ga4gh_passport_v1": { "type": "array", "items": { "type": "string", "description": "A compact JWS" } } } } } } },
                    "401": error.clone(), "403": error.clone(), "404": error.clone()
                }
            } },
            "/api/v1/entitlements": { "get": {
                "summary": "Live entitlements, by dataset and/or user (scope entitlements:read)", "tags": ["node systems"],
                "security": [{ "token": [] }],
                "parameters": [
                    { "name": "dataset", "in": "query", "required": false, "description": "The dataset id, as in /api/v1/datasets/{id}", "schema": { "type": "string" } },
                    { "name": "user", "in": "query", "required": false, "description": "The person's subject", "schema": { "type": "string" } }
                ],
                "responses": { "200": { "description": "{ entitlements: [ { user, dataset, application_id, starts_on, ends_on } ] }" }, "401": error.clone(), "403": error.clone() }
            } },
            "/api/v1/token": { "get": {
                "summary": "The calling token's name, scopes, node and expiry", "tags": ["node systems"], "security": [{ "token": [] }],
                "responses": { "200": { "description": "The token" }, "401": error.clone() }
            } },
            "/api/v1/audit/events": { "get": {
                "summary": "Audit events after an id, oldest first, with their chain hashes (scope audit:read)", "tags": ["node systems"],
                "security": [{ "token": [] }],
                "parameters": [
                    { "name": "after_id", "in": "query", "schema": { "type": "integer", "default": 0 } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 } }
                ],
                "responses": { "200": { "description": "Events" }, "400": error.clone(), "401": error.clone(), "403": error.clone() }
            } },
            "/api/v1/people": { "get": {
                "summary": "People and their live roles, without contact details (scope people:read)", "tags": ["node systems"],
                "security": [{ "token": [] }],
                "responses": { "200": { "description": "People" }, "401": error.clone(), "403": error }
            } }
        }
    })
}
