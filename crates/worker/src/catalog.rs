//! A source's CATALOG, as the contract's SourceSchema: every stream and field selected, JSON
//! Schema types mapped to the DataType enum.

use crate::protocol::{AirbyteCatalog, AirbyteStream};
use ferry_domain::connection::{
    DataType, SourceSchema, SourceSchemaField, SourceSchemaStream, SyncMode,
};
use serde_json::Value;

pub fn to_source_schema(catalog: &AirbyteCatalog) -> SourceSchema {
    SourceSchema {
        streams: catalog.streams.iter().map(to_stream).collect(),
    }
}

fn to_stream(stream: &AirbyteStream) -> SourceSchemaStream {
    let fields = stream.json_schema["properties"]
        .as_object()
        .map(|properties| {
            properties
                .iter()
                .map(|(name, schema)| SourceSchemaField {
                    name: name.clone(),
                    cleaned_name: None,
                    data_type: data_type(schema),
                    selected: true,
                })
                .collect()
        })
        .unwrap_or_default();
    let modes: Vec<SyncMode> = stream
        .supported_sync_modes
        .iter()
        .filter_map(|m| SyncMode::parse(m))
        .collect();
    SourceSchemaStream {
        name: stream.name.clone(),
        cleaned_name: None,
        fields,
        supported_sync_modes: Some(modes),
        source_defined_cursor: stream.source_defined_cursor,
        default_cursor_field: stream.default_cursor_field.clone(),
        selected: Some(true),
        sync_mode: None,
        cursor_field: None,
    }
}

/// The first non-null JSON Schema type; integers are numbers; anything unknown is a string.
fn data_type(schema: &Value) -> DataType {
    let named = match &schema["type"] {
        Value::String(t) => Some(t.as_str()),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    };
    match named {
        Some("integer" | "number") => DataType::Number,
        Some("boolean") => DataType::Boolean,
        Some("object") => DataType::Object,
        Some("array") => DataType::Array,
        _ => DataType::String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn catalogs_become_source_schemas() {
        let catalog: AirbyteCatalog = serde_json::from_value(json!({
            "streams": [{
                "name": "users",
                "json_schema": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": ["null", "string"]},
                    "tags": {"type": "array"}, "address": {"type": "object"},
                    "active": {"type": "boolean"}, "odd": {}
                }},
                "supported_sync_modes": ["full_refresh", "incremental", "weird"],
                "source_defined_cursor": true,
                "default_cursor_field": ["updated_at"]
            }]
        }))
        .unwrap();
        let schema = to_source_schema(&catalog);
        let stream = &schema.streams[0];
        assert_eq!(stream.name, "users");
        assert_eq!(stream.selected, Some(true));
        assert_eq!(
            stream.supported_sync_modes,
            Some(vec![SyncMode::FullRefresh, SyncMode::Incremental])
        );
        let types: Vec<(&str, DataType, bool)> = stream
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.data_type, f.selected))
            .collect();
        assert!(types.contains(&("id", DataType::Number, true)));
        assert!(types.contains(&("name", DataType::String, true)));
        assert!(types.contains(&("tags", DataType::Array, true)));
        assert!(types.contains(&("address", DataType::Object, true)));
        assert!(types.contains(&("active", DataType::Boolean, true)));
        assert!(types.contains(&("odd", DataType::String, true)));
    }
}
