"""A real OpenID Connect provider on 127.0.0.1 for the social-login browser tests."""
