"""The figures of the finance overview, the reports API and the exports, each computed once here."""
