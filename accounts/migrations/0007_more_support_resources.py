from django.db import migrations

MORE = [
    {
        "title": "1800RESPECT",
        "body": "Free and confidential counselling around the clock for anyone affected by domestic, family or sexual violence.",
        "phone": "1800 737 732",
        "url": "https://www.1800respect.org.au/",
        "region": "Australia",
        "order": 25,
    },
]


def add(apps, schema_editor):
    SupportResource = apps.get_model("accounts", "SupportResource")
    for resource in MORE:
        SupportResource.objects.get_or_create(title=resource["title"], defaults=resource)
    # Text messages reach the US hotline too.
    SupportResource.objects.filter(
        title="National Domestic Violence Hotline", body__contains="phone, text or chat"
    ).update(
        body="Free, confidential support around the clock, by phone, text (send START to 88788) or chat. They can help you think through what is happening and make a safety plan."
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_access_log_append_only")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
