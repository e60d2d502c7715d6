"""Load the shipped knowledge content again: missing rows only, or (``--overwrite``) replacing officials' edits."""

from django.core.management.base import BaseCommand

from knowledge.content import load_content
from knowledge.models import Article, Lesson, Source


class Command(BaseCommand):
    help = (
        "Create the articles, sources and classes of knowledge/content/ that are missing (or overwrite them)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--overwrite", action="store_true", help="replace edited rows with the shipped text"
        )

    def handle(self, *args, overwrite: bool = False, **options):
        counts = load_content(Source=Source, Article=Article, Lesson=Lesson, overwrite=overwrite)
        self.stdout.write(
            f"sources {counts['sources']}, articles {counts['articles']}, classes {counts['lessons']}"
        )
