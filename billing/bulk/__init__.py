"""Bulk work with progress (workspace.md § Bulk work with progress): finalize or send many
invoices as one queued job, each row through the same service as the single action."""
