from django.db import migrations

RESOURCES = [
    {
        "title": "If you are in danger right now",
        "body": "Call your local emergency number (for example 911 in the US and Canada, 999 in the UK, 112 across Europe, 000 in Australia). If it is not safe to talk, many services accept text messages or let you stay silent on the line.",
        "region": "",
        "order": 0,
    },
    {
        "title": "National Domestic Violence Hotline",
        "body": "Free, confidential support around the clock, by phone, text or chat. They can help you think through what is happening and make a safety plan.",
        "phone": "1-800-799-7233",
        "url": "https://www.thehotline.org/",
        "region": "United States",
        "order": 10,
    },
    {
        "title": "National Domestic Abuse Helpline",
        "body": "Free and confidential, open day and night, for anyone affected by domestic abuse.",
        "phone": "0808 2000 247",
        "url": "https://www.nationaldahelpline.org.uk/",
        "region": "United Kingdom",
        "order": 20,
    },
    {
        "title": "Anywhere else",
        "body": "Most countries have a free national helpline for domestic abuse. Searching for “domestic abuse helpline” with your country’s name finds it. On a shared device, a private browser window leaves fewer traces.",
        "region": "",
        "order": 30,
    },
]


def add_resources(apps, schema_editor):
    SupportResource = apps.get_model("accounts", "SupportResource")
    for resource in RESOURCES:
        SupportResource.objects.get_or_create(title=resource["title"], defaults=resource)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_couple_space")]
    operations = [migrations.RunPython(add_resources, migrations.RunPython.noop)]
