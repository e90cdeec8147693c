from django import template

from exercises.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Staff-written Markdown, sanitised. Never use on partners' writing: that is plain text, escaped."""
    return render_markdown(text)


@register.filter
def blank(value) -> bool:
    """True for an unanswered value (None, "", []); 0 on a scale is an answer."""
    return value is None or value == "" or value == []


@register.filter
def join_if_list(value) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else ("" if value is None else str(value))
