"""Reading what users bring: the schema, CSV reading, validation, schema inference, identifier scan, limits."""
