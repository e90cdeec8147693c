"""A corpus of cross-site-scripting payloads (well over 200), built from classic vectors and their variations.

Every payload, if it ever reached a page unescaped, would either run script
(calling ``alert``/``confirm``/``print``, which the browser test listens for)
or leave a tell-tale element or attribute in the DOM (for the htmx ones, an
attribute htmx would act on by itself).
"""

from __future__ import annotations

CALLS = ["alert(1)", "confirm(2)", "prompt(3)", "print()", "alert(document.domain)"]

TEMPLATES = [
    "<script>{js}</script>",
    "<SCRIPT>{js}</SCRIPT>",
    "<script src=data:,{js}></script>",
    "<img src=x onerror={js}>",
    '<img src="x" onerror="{js}">',
    "<IMG SRC=javascript:{js}>",
    "<svg onload={js}>",
    "<svg/onload={js}>",
    "<svg><script>{js}</script></svg>",
    "<body onload={js}>",
    "<iframe src=javascript:{js}></iframe>",
    '<iframe srcdoc="<script>{js}</script>"></iframe>',
    "<details open ontoggle={js}>",
    "<input autofocus onfocus={js}>",
    "<select autofocus onfocus={js}>",
    "<textarea autofocus onfocus={js}>",
    "<video><source onerror={js}>",
    "<audio src=x onerror={js}>",
    "<marquee onstart={js}>",
    "<object data=javascript:{js}>",
    "<embed src=javascript:{js}>",
    "<a href=javascript:{js}>click</a>",
    '<a href="jav&#x09;ascript:{js}">x</a>',
    "<form action=javascript:{js}><button>go</button></form>",
    "<math><mi xlink:href=javascript:{js}>x</mi></math>",
    '"><script>{js}</script>',
    "'><script>{js}</script>",
    '" onmouseover="{js}" x="',
    "' onmouseover='{js}' x='",
    "</textarea><script>{js}</script>",
    "</title><script>{js}</script>",
    "</script><script>{js}</script>",
    "<!--<script>{js}</script>-->",
    "<style>@import 'javascript:{js}';</style>",
    '<div style="background:url(javascript:{js})">',
    "<base href=javascript:{js}//>",
    "<link rel=stylesheet href=javascript:{js}>",
    "<meta http-equiv=refresh content='0;url=javascript:{js}'>",
    "{{{{7*7}}}}<script>{js}</script>",
    "${{{js}}}<img src=x onerror={js}>",
    "<scr<script>ipt>{js}</script>",
    "<<script>{js}//<</script>",
    "<img src=`x` onerror={js}>",
    "<svg><animate onbegin={js} attributeName=x dur=1s>",
    "<isindex type=image src=1 onerror={js}>",
]

PLAIN = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\u202e<script>alert(1)</script>",
    "<script\x0c>alert(1)</script>",
    "{% debug %}",
    "{{ request.user.password }}",
    "<img src=x onerror=alert(1)//",
]


# The pages load htmx: markup that reached the DOM could make requests by itself, with no script at all.
HTMX = [
    '<div hx-get="/couple/leave/" hx-trigger="load" hx-target="body">x</div>',
    "<button hx-on:click=alert(1)>x</button>",
    '<form hx-post="/couple/leave/" hx-trigger="load"><input name="confirm" value="on"></form>',
]


def corpus() -> list[str]:
    payloads = [template.format(js=call) for template in TEMPLATES for call in CALLS] + PLAIN + HTMX
    seen, unique = set(), []
    for payload in payloads:
        if payload not in seen:
            seen.add(payload)
            unique.append(payload)
    return unique


PAYLOADS = corpus()
assert len(PAYLOADS) >= 200, len(PAYLOADS)
