"""manage.py createsuperuser, audited, and held to the password rules without a prompt too.

Django's command skips the password validators with --noinput (DJANGO_SUPERUSER_PASSWORD)
and writes no audit entry; this one refuses a weak password and records the new account
in the same transaction.
"""

import os

from django.contrib.auth import password_validation
from django.contrib.auth.management.commands import createsuperuser
from django.core import exceptions
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models.signals import post_save

from wenming.core import audit, context

PASSWORD_VARIABLE = "DJANGO_SUPERUSER_PASSWORD"  # noqa: S105 -- the variable's name, not a password


class Command(createsuperuser.Command):
    help = "Create a superuser; the password must pass the validators, and it is audited."

    def handle(self, *args, **options):
        database = options["database"]
        if not options["interactive"] and PASSWORD_VARIABLE in os.environ:
            self._validate_password_from_environment(options)
        new_accounts = []

        def collect(sender, instance, created=False, **kwargs):
            if created:
                new_accounts.append(instance)

        # Only to learn which account the inherited command created; it records nothing.
        post_save.connect(collect, sender=self.UserModel, weak=False)
        try:
            with context.acting_as(None, origin="command"), transaction.atomic(using=database):
                super().handle(*args, **options)
                for user in new_accounts:
                    audit.created(user, event="superuser_created")
        finally:
            post_save.disconnect(collect, sender=self.UserModel)

    def _validate_password_from_environment(self, options):
        """The checks the prompt makes, applied to DJANGO_SUPERUSER_PASSWORD."""
        username_field = self.UserModel.USERNAME_FIELD
        username = options[username_field] or os.environ.get(
            f"DJANGO_SUPERUSER_{username_field.upper()}", ""
        )
        fields = {username_field: username}
        for name in self.UserModel.REQUIRED_FIELDS:
            field = self.UserModel._meta.get_field(name)
            if not field.many_to_many and not field.many_to_one:
                fields[name] = options[name] or os.environ.get(f"DJANGO_SUPERUSER_{name.upper()}")
        try:
            password_validation.validate_password(
                os.environ[PASSWORD_VARIABLE], self.UserModel(**fields)
            )
        except exceptions.ValidationError as error:
            raise CommandError(
                f"{PASSWORD_VARIABLE}: " + " ".join(str(message) for message in error.messages)
            ) from None
