from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.scoping import couple_required
from accounts.therapists.charts import Line, chart
from exercises.insights.bank import week_for
from exercises.insights.journey import journey_for
from exercises.insights.trends import trends_for

SAFETY, TRUST = "#1f5e57", "#8a4b2a"


def trend_chart(series, *, label: str):
    lines = [Line("Felt safety", series.safety, SAFETY), Line("Trust", series.trust, TRUST, dashed=True)]
    return chart(lines, label=label, width=640, height=180, pad=12)


@couple_required
def progress(request: HttpRequest, couple) -> HttpResponse:
    trends = trends_for(couple=couple, user=request.user, range_key=request.GET.get("range", "week"))
    charts = [(trends["me"], trend_chart(trends["me"], label="Your felt safety and trust"))]
    if "partner" in trends:
        partner = trends["partner"]
        charts.append((partner, trend_chart(partner, label=f"{partner.person}'s shared felt safety and trust")))
    return render(
        request,
        "insights/progress.html",
        {"trends": trends, "charts": charts, "week": week_for(couple=couple, user=request.user)},
    )


@couple_required
def journey(request: HttpRequest, couple) -> HttpResponse:
    return render(request, "insights/journey.html", {"stories": journey_for(couple=couple, user=request.user)})
