from pathlib import Path

from django.core.management.base import BaseCommand

from disputes.diagram import readme_with_diagram, state_diagram


class Command(BaseCommand):
    help = "Print the case state machine as a Mermaid diagram, or rewrite it into README.md (--readme PATH)."

    def add_arguments(self, parser):
        parser.add_argument("--readme", help="rewrite the generated block of this Markdown file")

    def handle(self, *args, readme=None, **options):
        if readme:
            path = Path(readme)
            path.write_text(readme_with_diagram(path.read_text(encoding="utf-8")), encoding="utf-8")
            self.stdout.write(f"updated {path}")
        else:
            self.stdout.write(state_diagram())
