"""Collections: what happens after an invoice is issued and nobody pays.

The reminder policy of an organization, the plan (one ``Reminder`` row per step, visible before
it fires), the every-minute job that sends due reminders, and the one door that moves a
reminder between its states.
"""
