"""propwatch: supervision of the property-management rectification campaign."""
