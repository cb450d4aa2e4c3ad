"""Errors of the template registry. ``InvalidTemplateData`` carries every problem at once."""

from notifications.templating.schema import Problem


class TemplateError(Exception):
    """Base class: something about a template or its data makes the message impossible."""


class TemplateNotFound(TemplateError):
    """No template with that key (and version), or none stable yet."""


class InvalidTemplateData(TemplateError):
    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.problems]
