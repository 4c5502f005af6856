"""The payment gateways, one module each, behind emporium.payments.gateways.base.PaymentGateway.

STRIPE names the Stripe gateway for code that must not load its module (and with it the Stripe
SDK) only to learn its name, such as the webhook endpoint's URL wiring.
"""

STRIPE = "stripe"
