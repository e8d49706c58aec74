from __future__ import annotations

from django.urls import path

from phongtrao.exchange import jobs, members_api, openapi, pages, views

app_name = "exchange"
urlpatterns = [
    path("dataValueSets", views.data_value_sets, name="data-value-sets"),
    path("dataValueSets.json", views.data_value_sets, {"extension": "json"}),
    path("dataValueSets.xml", views.data_value_sets, {"extension": "xml"}),
    path("dataValueSets.csv", views.data_value_sets, {"extension": "csv"}),
    path("dataValueSets.adx", views.data_value_sets, {"extension": "adx"}),
    path("analytics", views.analytics, name="analytics"),
    path("analytics.json", views.analytics),
    path("analytics.csv", views.analytics, {"extension": "csv"}),
    path("organisationUnits", views.organisation_units, name="organisation-units"),
    path("organisationUnits.json", views.organisation_units),
    path("organisationUnits/<str:uid>", views.organisation_units, name="organisation-unit"),
    path("dataElements", views.data_elements, name="data-elements"),
    path("dataElements.json", views.data_elements),
    path("dataElements/<str:uid>", views.data_elements, name="data-element"),
    path("dataSets", views.data_sets, name="data-sets"),
    path("dataSets.json", views.data_sets),
    path("dataSets/<str:uid>", views.data_sets, name="data-set"),
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
    path("schema/", openapi.schema_view, name="schema"),
    # Pages for signed-in people (HTML, session and CSRF as every page).
    path("ma-truy-cap/", pages.tokens, name="tokens"),
    path("ma-truy-cap/<int:pk>/thu-hoi/", pages.token_delete, name="token-delete"),
    path("nhap-tep/", jobs.upload, name="import-upload"),
    path("nhap-tep/<int:pk>/", jobs.job_page, name="import-job"),
    path("nhap-tep/<int:pk>/tien-do/", jobs.job_progress, name="import-progress"),
    path("nhap-tep/<int:pk>/nhap-lai/", jobs.job_retry_view, name="import-retry"),
]
