from emporium.core.exceptions import DomainError


class InvalidReportPeriod(DomainError):
    status = 400
    code = "invalid_report_period"
    default_message = "The report period is not valid."


class UnknownSegment(DomainError):
    status = 404
    code = "unknown_segment"
    default_message = "There is no such customer segment."
