"""`orthoregen manage followup_site_copies`: check each follow-up row's copy of its site."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from orthoregen.web.followup.site_copies import site_copy_mismatches


class Command(BaseCommand):
    help = ("Check that every follow-up schedule, visit and task names its patient's site; "
            "exit 1 naming the tables that do not.")

    def handle(self, *args: Any, **options: Any) -> None:
        wrong = {table: count for table, count in site_copy_mismatches().items() if count}
        if wrong:
            raise CommandError("Rows whose site is not their patient's: " + ", ".join(
                f"{count} {table}" for table, count in wrong.items()))
        self.stdout.write("Every follow-up schedule, visit and task names its patient's site.")
