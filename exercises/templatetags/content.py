from django import template

from exercises.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Staff-written Markdown, sanitised. Never use on partners' writing: that is plain text, escaped."""
    return render_markdown(text)
