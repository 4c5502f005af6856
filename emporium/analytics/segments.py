"""The RFM segments' names, in the order reports list them (the rules: emporium.analytics.rfm).

A module of their own so the API's serializers and the selectors can name them without loading
pandas, which only scoring needs (a web process would otherwise pay about 2 s to start).
"""

SEGMENTS = ("champions", "loyal", "new", "promising", "at_risk", "hibernating")
