"""The plan as data: schema, strict loading and the resolved, validated plan."""
