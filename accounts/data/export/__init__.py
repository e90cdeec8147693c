"""What one person's data export contains, as plain Python data, and how it is packed.

``collect(user)`` is the single definition of "everything that is theirs"
(GDPR art. 20). It reads only:

- rows the person wrote themselves, whatever their visibility (their own
  private writing is theirs to take);
- rows their partner addressed to them *and could share with them*:
  appreciations received (never one the partner kept private) and the
  agreements of their couple spaces with their logs (agreements have no
  private form);
- the context needed to read their answers: the question text they answered
  (a step's words as answered, a question or statement they replied to, but
  only when that was visible to them);
- their couple spaces' therapist access log.

The partner's private writing (safety check, onboarding answers and baselines,
drafts, answers not yet revealed, anything with private visibility, check-ins)
is never read here, so it cannot end up in the file.

``build_zip(user)`` packs the same data twice: ``data.json`` for machines and
``index.html``, a self-contained page (autoescaped, no scripts, no external
assets) for people.

The modules, split by what each reads, so the privacy rule above can be checked
one kind of record at a time:

- ``scope``: whose export it is, their couple spaces and how the others are named;
- ``personal``: the account, its settings and the person's private rows;
- ``writing``: what the person wrote in the exercises and the daily practices;
- ``shared``: what their couple spaces share with them (agreements, appreciations
  received, the therapist access log);
- ``contents``: ``collect``, every section in the file's order;
- ``archive``: ``build_zip``, the JSON and the readable page.

Imports point one way (``archive`` → ``contents`` → the sections → ``scope``);
this package only re-exports the public names.
"""

from .archive import as_text, build_zip, to_html, to_json
from .contents import FORMAT, VERSION, collect

__all__ = ["FORMAT", "VERSION", "as_text", "build_zip", "collect", "to_html", "to_json"]
