from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "emporium.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set
        from django.db.models.signals import post_migrate

        from emporium.accounts import signals

        for signal in (password_changed, password_reset, password_set):
            signal.connect(signals.revoke_api_tokens_on_password_change)
        post_migrate.connect(
            signals.sync_staff_groups_after_migrate, dispatch_uid="accounts-sync-staff-groups"
        )
