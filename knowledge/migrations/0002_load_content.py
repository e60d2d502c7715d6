"""Load the laws, policy 要点, guides and classes shipped in knowledge/content/ (real data: production needs it too).
Re-running creates only what is missing, so officials' edits in the admin are kept."""

from django.db import migrations


def load(apps, schema_editor):
    from knowledge.content import load_content

    load_content(
        Source=apps.get_model("knowledge", "Source"),
        Article=apps.get_model("knowledge", "Article"),
        Lesson=apps.get_model("knowledge", "Lesson"),
    )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
