"""The scale-out harness: several web and queue "hosts" on one PostgreSQL and Redis, driven by a
mixed load with faults injected, then every reliability invariant (N1 to N8) checked from the
database and the 1MSG sandbox's own record of calls. ``python -m tests.scale`` or
``make test-scale``; see README § Scale-out.
"""
