from __future__ import annotations

from django.urls import include, path, register_converter

from phongtrao.exchange import jobs, members_api, openapi, pages, views


class ApiVersionConverter:
    """DHIS2's versioned paths `/api/28/...` to `/api/42/...` (`DhisApiVersion`): the same
    views as `/api/...`; any other number is not a version (404)."""

    regex = "2[89]|3[0-9]|4[0-2]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(ApiVersionConverter, "apiversion")

# The Web API as DHIS2 clients call it; each also under `/api/<version>/`.
api_patterns = [
    path("dataValueSets", views.data_value_sets, name="data-value-sets"),
    path("dataValueSets.json", views.data_value_sets, {"extension": "json"}),
    path("dataValueSets.xml", views.data_value_sets, {"extension": "xml"}),
    path("dataValueSets.csv", views.data_value_sets, {"extension": "csv"}),
    path("dataValueSets.adx", views.data_value_sets, {"extension": "adx"}),
    *(
        path(
            f"dataValueSets.{ext}.{suffix}",
            views.data_value_sets,
            {"extension": ext, "compression": compression},
        )
        for ext in ("json", "xml", "csv", "adx")
        for suffix, compression in (("gz", "GZIP"), ("zip", "ZIP"))
    ),
    path("analytics", views.analytics, name="analytics"),
    path("analytics.json", views.analytics, {"extension": "json"}),
    path("analytics.xml", views.analytics, {"extension": "xml"}),
    path("analytics.csv", views.analytics, {"extension": "csv"}),
    path("organisationUnits", views.organisation_units, name="organisation-units"),
    path("organisationUnits.json", views.organisation_units, {"extension": "json"}),
    path("organisationUnits.xml", views.organisation_units, {"extension": "xml"}),
    path("organisationUnits.csv", views.organisation_units, {"extension": "csv"}),
    path("organisationUnits/<str:uid>", views.organisation_units, name="organisation-unit"),
    path("dataElements", views.data_elements, name="data-elements"),
    path("dataElements.json", views.data_elements, {"extension": "json"}),
    path("dataElements.xml", views.data_elements, {"extension": "xml"}),
    path("dataElements.csv", views.data_elements, {"extension": "csv"}),
    path("dataElements/<str:uid>", views.data_elements, name="data-element"),
    path("dataSets", views.data_sets, name="data-sets"),
    path("dataSets.json", views.data_sets, {"extension": "json"}),
    path("dataSets.xml", views.data_sets, {"extension": "xml"}),
    path("dataSets.csv", views.data_sets, {"extension": "csv"}),
    path("dataSets/<str:uid>", views.data_sets, name="data-set"),
    path("attributes", views.attributes, name="attributes"),
    path("attributes.json", views.attributes, {"extension": "json"}),
    path("attributes/<str:uid>", views.attributes, name="attribute"),
    *(
        path(f"{plural}/<str:uid>/<str:prop>", view)
        for plural, view in (
            ("organisationUnits", views.organisation_units),
            ("dataElements", views.data_elements),
            ("dataSets", views.data_sets),
        )
    ),
    *(
        route
        for plural, view in (
            ("categoryOptionCombos", views.category_option_combos),
            ("categoryCombos", views.category_combos),
            ("categories", views.categories),
            ("categoryOptions", views.category_options),
        )
        for route in (
            path(plural, view),
            path(f"{plural}.json", view, {"extension": "json"}),
            path(f"{plural}/<str:uid>", view),
        )
    ),
    path("apiToken", views.api_tokens, name="api-tokens"),
    path("apiToken.json", views.api_tokens, {"extension": "json"}),
    path("apiTokens", views.api_tokens),
    path("apiToken/<str:uid>", views.api_token, name="api-token"),
    path("apiTokens/<str:uid>", views.api_token),
    path("system/info", views.system_info, name="system-info"),
    path("system/info.json", views.system_info),
    path("system/tasks/<str:job_type>/<str:uid>", views.system_tasks, name="system-tasks"),
    path(
        "system/taskSummaries/<str:job_type>/<str:uid>",
        views.system_task_summaries,
        name="system-task-summaries",
    ),
    path("me", views.me, name="me"),
    path("me.json", views.me),
    path("members", members_api.members, name="members"),
    path("members/<str:uid>", members_api.member, name="member"),
    path("members/<str:uid>/leave", members_api.member_leaving, name="member-leave"),
    path("members/<str:uid>/transfer", members_api.member_transfer, name="member-transfer"),
    path(
        "members/transfers/<int:pk>/accept",
        members_api.transfer_decide,
        {"decision": "accept"},
        name="member-transfer-accept",
    ),
    path(
        "members/transfers/<int:pk>/reject",
        members_api.transfer_decide,
        {"decision": "reject"},
        name="member-transfer-reject",
    ),
]

app_name = "exchange"
urlpatterns = [
    *api_patterns,
    path("<apiversion:api_version>/", include(api_patterns)),
    path("schema/", openapi.schema_view, name="schema"),
    # Pages for signed-in people (HTML, session and CSRF as every page).
    path("ma-truy-cap/", pages.tokens, name="tokens"),
    path("ma-truy-cap/<int:pk>/thu-hoi/", pages.token_delete, name="token-delete"),
    path("nhap-tep/", jobs.upload, name="import-upload"),
    path("nhap-tep/<int:pk>/", jobs.job_page, name="import-job"),
    path("nhap-tep/<int:pk>/tien-do/", jobs.job_progress, name="import-progress"),
    path("nhap-tep/<int:pk>/nhap-lai/", jobs.job_retry_view, name="import-retry"),
]
