"""Integrator webhooks: endpoints, events, signed delivery with retries, the SSRF guard.

spec/integrator-webhooks.md fixes the interface, reliability.md § Integrator webhooks the rules.
"""
