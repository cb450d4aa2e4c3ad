"""Message templates: the registry of versions, their field schemas, and rendering."""
