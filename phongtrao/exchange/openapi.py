"""The OpenAPI 3 description of every `/api/` endpoint, served at `/api/schema/`.

Hand-built: the endpoints are plain Django views, which no schema generator reads. A test
checks that every URL pattern under /api/ is described here, and runs schemathesis on it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from phongtrao.analytics.selectors.overrides import KINDS as AGGREGATION_KINDS

JSON = "application/json"


def _query(name: str, description: str, schema: dict[str, Any] | None = None, **extra: Any) -> Any:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
        **extra,
    }


def _uid(what: str) -> dict[str, Any]:
    return {
        "name": "uid",
        "in": "path",
        "required": True,
        "description": f"UID của {what} (11 ký tự)",
        "schema": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]{10}$"},
    }


MESSAGE = {"$ref": "#/components/schemas/WebMessage"}
ERRORS = {
    "401": {"description": "Chưa đăng nhập", "content": {JSON: {"schema": MESSAGE}}},
    "403": {"description": "Không có quyền", "content": {JSON: {"schema": MESSAGE}}},
    "404": {"description": "Không tìm thấy", "content": {JSON: {"schema": MESSAGE}}},
    "409": {"description": "Yêu cầu không hợp lệ", "content": {JSON: {"schema": MESSAGE}}},
}
FIELDS = _query("fields", "Các trường cần lấy, ví dụ `id,name,level,parent[id]` hoặc `:all`")
PAGING = [
    FIELDS,
    _query(
        "filter",
        "Bộ lọc `thuộc_tính:phép_so_sánh:giá_trị`, ví dụ `level:eq:4`",
        {"type": "array", "items": {"type": "string"}},
        style="form",
        explode=True,
    ),
    _query("paging", "`false` để lấy tất cả", {"type": "boolean"}),
    _query("page", "Trang (từ 1)", {"type": "integer", "minimum": 1}),
    _query("pageSize", "Số đối tượng mỗi trang", {"type": "integer", "minimum": 1}),
]


EDITION = _query(
    "edition",
    "Cơ cấu tổ chức: mã phiên bản (`2008`: trước 01/7/2025, `2025`: từ 01/7/2025) hoặc một "
    "ngày `2025-07-01` (cơ cấu có hiệu lực ngày đó)",
    {"type": "string", "example": "2025"},
)


def _list(tag: str, plural: str, what: str, extra: list[Any] | None = None) -> dict[str, Any]:
    return {
        "get": {
            "tags": [tag],
            "summary": f"Danh sách {what}",
            "operationId": f"{plural}List",
            "parameters": PAGING + (extra or []),
            "responses": {
                "200": {
                    "description": f"{what} và đối tượng phân trang `pager`",
                    "content": {
                        JSON: {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "pager": {"$ref": "#/components/schemas/Pager"},
                                    plural: {"type": "array", "items": {"type": "object"}},
                                },
                                "required": [plural],
                            }
                        }
                    },
                },
                **ERRORS,
            },
        }
    }


def _one(tag: str, plural: str, what: str) -> dict[str, Any]:
    return {
        "get": {
            "tags": [tag],
            "summary": f"Một {what} theo UID",
            "operationId": f"{plural}Get",
            "parameters": [_uid(what), FIELDS],
            "responses": {
                "200": {
                    "description": what,
                    "content": {JSON: {"schema": {"type": "object"}}},
                },
                **ERRORS,
            },
        }
    }


def _simple(tag: str, operation: str, summary: str) -> dict[str, Any]:
    return {
        "get": {
            "tags": [tag],
            "summary": summary,
            "operationId": operation,
            "responses": {
                "200": {"description": summary, "content": {JSON: {"schema": {"type": "object"}}}},
                **ERRORS,
            },
        }
    }


def _task(operation: str, summary: str) -> dict[str, Any]:
    item = _simple("Hệ thống", operation, summary)
    item["get"]["parameters"] = [
        {"name": "job_type", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "uid", "in": "path", "required": True, "schema": {"type": "string"}},
    ]
    return item


DATA_VALUE_SET_QUERY = [
    _query("dataSet", "UID của biểu mẫu (dataSet)"),
    _query("period", "Mã kỳ DHIS2, ví dụ `2023` hoặc `2023Q4`"),
    _query("orgUnit", "UID của đơn vị"),
    _query("children", "Lấy cả các đơn vị cấp dưới", {"type": "boolean"}),
    _query("idScheme", "UID hoặc CODE", {"type": "string", "enum": ["UID", "CODE"]}),
]
SCHEMES = "UID, CODE, NAME hoặc ATTRIBUTE:<UID của thuộc tính duy nhất>"
SCHEME = {"type": "string", "pattern": "^(UID|CODE|NAME|ATTRIBUTE:[A-Za-z0-9]{11})$"}
IMPORT_QUERY = [
    _query("dryRun", "Nhập thử, không ghi", {"type": "boolean"}),
    _query(
        "importStrategy",
        "Chiến lược nhập",
        {"type": "string", "enum": ["CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE"]},
    ),
    _query("atomicMode", "ALL: có xung đột thì không ghi gì", {"enum": ["ALL", "NONE"]}),
    _query("idScheme", SCHEMES, SCHEME),
    _query("dataElementIdScheme", SCHEMES, SCHEME),
    _query("orgUnitIdScheme", SCHEMES, SCHEME),
]


def _data_value_sets(fmt: str | None) -> dict[str, Any]:
    media = {
        None: [JSON, "application/xml", "text/csv", "application/adx+xml"],
        "json": [JSON],
        "xml": ["application/xml"],
        "csv": ["text/csv"],
        "adx": ["application/adx+xml"],
    }[fmt]
    suffix = "" if fmt is None else fmt.capitalize()
    operation: dict[str, Any] = {
        "get": {
            "tags": ["Số liệu"],
            "summary": "Xuất số liệu (dataValueSet) của đơn vị và kỳ",
            "operationId": f"dataValueSetsExport{suffix}",
            "parameters": DATA_VALUE_SET_QUERY,
            "responses": {
                "200": {
                    "description": "Tập số liệu",
                    "content": {m: {"schema": {"type": "string"}} for m in media},
                },
                **ERRORS,
            },
        }
    }
    operation["post"] = {
        "tags": ["Số liệu"],
        "summary": "Nhập số liệu (dataValueSet JSON, XML, CSV hoặc ADX)",
        "operationId": f"dataValueSetsImport{suffix}",
        "parameters": IMPORT_QUERY,
        "requestBody": {
            "required": True,
            "content": {
                JSON: {"schema": {"$ref": "#/components/schemas/DataValueSet"}},
                "application/xml": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/adx+xml": {"schema": {"type": "string"}},
            },
        },
        "responses": {
            "200": {"description": "Tóm tắt kết quả nhập", "content": {JSON: {"schema": MESSAGE}}},
            "415": {"description": "Kiểu nội dung không hỗ trợ"},
            **ERRORS,
        },
    }
    return operation


def _page(summary: str, operation: str, post: bool = True, pk: bool = False) -> dict[str, Any]:
    parameters = (
        [{"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}]
        if pk
        else []
    )
    html = {"text/html": {"schema": {"type": "string"}}}
    item: dict[str, Any] = {}
    if not operation.endswith("Delete"):
        item["get"] = {
            "tags": ["Trang"],
            "summary": summary,
            "operationId": operation,
            "parameters": parameters,
            "responses": {"200": {"description": "Trang HTML", "content": html}},
        }
    if post:
        item["post"] = {
            "tags": ["Trang"],
            "summary": summary + " (gửi biểu mẫu, cần phiên đăng nhập và CSRF)",
            "operationId": operation + "Post",
            "parameters": parameters,
            "responses": {"302": {"description": "Chuyển trang"}},
        }
    return item


def _post(tag: str, operation: str, summary: str, body: dict[str, Any], uid: str = "") -> Any:
    parameters: list[Any] = []
    if uid:
        parameters = [_uid("hội viên")]
    elif operation.startswith("memberTransfer"):
        parameters = [{"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "post": {
            "tags": [tag],
            "summary": summary,
            "operationId": operation,
            "parameters": parameters,
            "requestBody": {
                "required": True,
                "content": {JSON: {"schema": {"type": "object", "properties": body}}},
            },
            "responses": {
                "200": {"description": "Đã ghi nhận", "content": {JSON: {}}},
                "201": {"description": "Đã tạo", "content": {JSON: {}}},
                **ERRORS,
            },
        }
    }


def _more_paths() -> dict[str, Any]:
    """Compressed exports, `/<type>/<uid>/<property>` and the default category model."""
    paths: dict[str, Any] = {}
    for fmt in ("json", "xml", "csv", "adx"):
        for suffix, media in (("gz", "application/gzip"), ("zip", "application/zip")):
            base = _data_value_sets(fmt)["get"]
            paths[f"/api/dataValueSets.{fmt}.{suffix}"] = {
                "get": {
                    **base,
                    "operationId": base["operationId"] + suffix.capitalize(),
                    "responses": {
                        "200": {
                            "description": f"Tệp nén {suffix}",
                            "content": {media: {"schema": {"type": "string", "format": "binary"}}},
                        },
                        **ERRORS,
                    },
                }
            }
    for plural, what in (
        ("organisationUnits", "đơn vị"),
        ("dataElements", "chỉ tiêu"),
        ("dataSets", "biểu mẫu"),
    ):
        prop = {
            "name": "prop",
            "in": "path",
            "required": True,
            "description": "Thuộc tính (children, parents, organisationUnits…)",
            "schema": {"type": "string", "pattern": "^[A-Za-z]{1,40}$"},
        }
        paths[f"/api/{plural}/{{uid}}/{{prop}}"] = {
            "get": {
                "tags": ["Danh mục"],
                "summary": f"Một thuộc tính của {what} (`parents`: các cấp trên)",
                "operationId": f"{plural}Property",
                "parameters": [_uid(what), prop, FIELDS],
                "responses": {
                    "200": {"description": what, "content": {JSON: {"schema": {}}}},
                    **ERRORS,
                },
            }
        }
    attributes = _list("Danh mục", "attributes", "thuộc tính (DHIS2 attributes)")
    attributes["get"]["parameters"] = [FIELDS]
    paths["/api/attributes"] = attributes
    paths["/api/attributes.json"] = {
        "get": {**attributes["get"], "operationId": "attributesListJson"}
    }
    paths["/api/attributes/{uid}"] = _one("Danh mục", "attributes", "một thuộc tính")
    for plural in ("categoryOptionCombos", "categoryCombos", "categories", "categoryOptions"):
        listing = _list("Danh mục", plural, f"{plural} (chỉ mặc định)")
        listing["get"]["parameters"] = [FIELDS]
        paths[f"/api/{plural}"] = listing
        json_listing = {"get": {**listing["get"], "operationId": f"{plural}ListJson"}}
        paths[f"/api/{plural}.json"] = json_listing
        paths[f"/api/{plural}/{{uid}}"] = _one("Danh mục", plural, f"{plural} (chỉ mặc định)")
    return paths


def members_paths() -> dict[str, Any]:
    """The member registry's endpoints (`/api/members...`)."""
    text, day = {"type": "string"}, {"type": "string", "format": "date"}
    listing = _list(
        "Sổ hội viên",
        "members",
        "hội viên",
        [
            _query("orgUnit", "UID đơn vị: hội viên của đơn vị và cấp dưới", {"type": "string"}),
            _query("activeOn", "Hội viên đang sinh hoạt ngày đó (YYYY-MM-DD)", day),
            _query("filter", "name:ilike:… (không cần dấu), status:eq:…", {"type": "string"}),
        ],
    )
    admit = _post(
        "Sổ hội viên",
        "membersAdmit",
        "Kết nạp một hội viên",
        {
            "name": text,
            "birthDate": day,
            "orgUnit": text,
            "joinDate": day,
            "consentDate": day,
            "purpose": text,
            "ethnicity": text,
            "citizenId": text,
            "phone": text,
        },
    )
    reason = {"date": day, "reason": text}
    return {
        "/api/members": {**listing, **admit},
        "/api/members/{uid}": _one("Sổ hội viên", "members", "hội viên"),
        "/api/members/{uid}/leave": _post(
            "Sổ hội viên",
            "memberLeave",
            "Ghi nhận hội viên ra khỏi Hội hoặc qua đời",
            {**reason, "deceased": {"type": "boolean"}},
            uid="uid",
        ),
        "/api/members/{uid}/transfer": _post(
            "Sổ hội viên",
            "memberTransfer",
            "Đề nghị chuyển sinh hoạt sang đơn vị khác",
            {**reason, "orgUnit": text},
            uid="uid",
        ),
        "/api/members/transfers/{pk}/accept": _post(
            "Sổ hội viên", "memberTransferAccept", "Đơn vị nhận đồng ý", {}
        ),
        "/api/members/transfers/{pk}/reject": _post(
            "Sổ hội viên", "memberTransferReject", "Đơn vị nhận từ chối", {"reason": text}
        ),
    }


def schema() -> dict[str, Any]:
    """The OpenAPI 3.0 document (paths relative to the site root)."""
    analytics_parameters = [
        _query(
            "dimension",
            "Chiều của bảng: `dx:UID;UID`, `pe:2023;LAST_YEAR`, `ou:UID;LEVEL-3`",
            {"type": "array", "items": {"type": "string"}},
            style="form",
            explode=True,
        ),
        _query(
            "filter",
            "Chiều lọc (cộng dồn các mục), ví dụ `ou:UID`",
            {"type": "array", "items": {"type": "string"}},
            style="form",
            explode=True,
        ),
        _query("inputIdScheme", "UID hoặc CODE", {"type": "string", "enum": ["UID", "CODE"]}),
        _query("outputIdScheme", "UID hoặc CODE", {"type": "string", "enum": ["UID", "CODE"]}),
        _query("skipMeta", "Bỏ phần metaData", {"type": "boolean"}),
        _query("skipData", "Bỏ các dòng số liệu (rows)", {"type": "boolean"}),
        _query(
            "aggregationType",
            "Cách tổng hợp thay cho mặc định của chỉ tiêu, tính từ số liệu gốc như DHIS2",
            {"type": "string", "enum": ["DEFAULT", *AGGREGATION_KINDS]},
        ),
        _query("displayProperty", "Tên hiển thị trong metaData", {"enum": ["NAME", "SHORTNAME"]}),
        _query("includeNumDen", "Thêm 5 cột tử số, mẫu số…", {"type": "boolean"}),
        _query("columns", "Bảng trình bày: các chiều làm cột, ví dụ `pe` hoặc `dx;ou`"),
        _query("rows", "Bảng trình bày: các chiều làm hàng, ví dụ `ou`"),
        _query("hideEmptyRows", "Bảng trình bày: bỏ hàng trống", {"type": "boolean"}),
        _query("hideEmptyColumns", "Bảng trình bày: bỏ cột trống", {"type": "boolean"}),
        {
            **EDITION,
            "description": EDITION["description"]
            + ". Đơn vị (`ou`) được thay bằng đơn vị tương ứng trong cơ cấu đó và số liệu "
            "nhập theo cơ cấu kia được quy đổi; mặc định mỗi đơn vị nêu bằng UID theo cơ cấu "
            "của chính nó, mã (CODE) theo cơ cấu có hiệu lực cuối kỳ. Ô ước tính (do chia "
            "tách đơn vị) được liệt kê trong `metaData.estimates`.",
        },
    ]
    paths: dict[str, Any] = {
        "/api/dataValueSets": _data_value_sets(None),
        **{f"/api/dataValueSets.{f}": _data_value_sets(f) for f in ("json", "xml", "csv", "adx")},
        "/api/analytics": {
            "get": {
                "tags": ["Phân tích"],
                "summary": "Bảng số liệu tổng hợp (từ các bảng cộng dồn)",
                "operationId": "analytics",
                "parameters": analytics_parameters,
                "responses": {
                    "200": {
                        "description": "headers, metaData, rows, height, width",
                        "content": {JSON: {"schema": {"$ref": "#/components/schemas/Grid"}}},
                    },
                    **ERRORS,
                },
            }
        },
        "/api/analytics.csv": {
            "get": {
                "tags": ["Phân tích"],
                "summary": "Bảng số liệu tổng hợp dạng CSV (dòng tên cột, rồi các dòng)",
                "operationId": "analyticsCsv",
                "parameters": analytics_parameters,
                "responses": {
                    "200": {"description": "CSV", "content": {"text/csv": {}}},
                    **ERRORS,
                },
            }
        },
        "/api/organisationUnits": _list(
            "Danh mục",
            "organisationUnits",
            "đơn vị",
            [
                _query("level", "Cấp (1: trung ương)", {"type": "integer", "minimum": 1}),
                {**EDITION, "description": EDITION["description"] + ": chỉ đơn vị của cơ cấu đó"},
            ],
        ),
        "/api/organisationUnits/{uid}": _one("Danh mục", "organisationUnits", "đơn vị"),
        "/api/dataElements": _list("Danh mục", "dataElements", "chỉ tiêu"),
        "/api/dataElements/{uid}": _one("Danh mục", "dataElements", "chỉ tiêu"),
        "/api/dataSets": _list("Danh mục", "dataSets", "biểu mẫu"),
        "/api/dataSets/{uid}": _one("Danh mục", "dataSets", "biểu mẫu"),
        "/api/apiToken": {
            **_simple("Hệ thống", "apiTokenList", "Các mã truy cập cá nhân của người gọi"),
            "post": {
                "tags": ["Hệ thống"],
                "summary": "Tạo mã truy cập cá nhân như DHIS2 (`response.key` chỉ hiện một lần)",
                "operationId": "apiTokenCreate",
                "requestBody": {
                    "required": True,
                    "content": {
                        JSON: {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "expire": {
                                        "type": "integer",
                                        "description": "Hết hạn: mili giây kể từ 01/01/1970",
                                    },
                                    "name": {"type": "string"},
                                    "code": {"type": "string"},
                                    "attributes": {
                                        "type": "array",
                                        "description": "Giới hạn như DHIS2: IpAllowedList "
                                        "(allowedIps), MethodAllowedList (allowedMethods), "
                                        "RefererAllowedList (allowedReferrers)",
                                        "items": {"type": "object"},
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {"description": "Đã tạo", "content": {JSON: {"schema": MESSAGE}}},
                    **ERRORS,
                },
            },
        },
        "/api/apiToken/{uid}": {
            "get": {
                "tags": ["Hệ thống"],
                "summary": "Một mã truy cập của người gọi (không có mã bí mật)",
                "operationId": "apiTokenGet",
                "parameters": [_uid("mã truy cập")],
                "responses": {
                    "200": {
                        "description": "Mã truy cập",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    },
                    **ERRORS,
                },
            },
            "delete": {
                "tags": ["Hệ thống"],
                "summary": "Thu hồi một mã truy cập của người gọi",
                "operationId": "apiTokenDelete",
                "parameters": [_uid("mã truy cập")],
                "responses": {
                    "200": {"description": "Đã thu hồi", "content": {JSON: {"schema": MESSAGE}}},
                    **ERRORS,
                },
            },
        },
        "/api/system/info": _simple("Hệ thống", "systemInfo", "Thông tin hệ thống"),
        "/api/me": _simple("Hệ thống", "me", "Người dùng đang gọi API"),
        "/api/schema/": {
            "get": {
                "tags": ["Hệ thống"],
                "summary": "Tài liệu OpenAPI này",
                "operationId": "schema",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3", "content": {JSON: {}}}},
            }
        },
        "/api/ma-truy-cap/": _page("Mã truy cập cá nhân", "tokens"),
        "/api/ma-truy-cap/{pk}/thu-hoi/": _page("Thu hồi mã truy cập", "tokenDelete", pk=True),
        "/api/system/tasks/{job_type}/{uid}": _task(
            "tasks", "Các thông báo của một lượt nhập chạy nền (async=true), mới nhất trước"
        ),
        "/api/system/taskSummaries/{job_type}/{uid}": _task(
            "taskSummaries", "Bản tóm tắt kết quả của một lượt nhập chạy nền"
        ),
        "/api/nhap-tep/{pk}/nhap-lai/": {
            "post": {
                "tags": ["Trang"],
                "summary": "Nhập lại một lượt nhập bị lỗi (gửi biểu mẫu, cần phiên và CSRF)",
                "operationId": "importRetryPost",
                "parameters": [
                    {"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"302": {"description": "Chuyển trang"}},
            }
        },
        "/api/nhap-tep/": _page("Nhập tệp số liệu (chạy nền)", "importUpload"),
        "/api/nhap-tep/{pk}/": _page("Tiến độ một lượt nhập", "importJob", post=False, pk=True),
        "/api/nhap-tep/{pk}/tien-do/": {
            "get": {
                "tags": ["Trang"],
                "summary": "Tiến độ một lượt nhập (JSON, trang hỏi định kỳ)",
                "operationId": "importProgress",
                "parameters": [
                    {"name": "pk", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"200": {"description": "Tiến độ", "content": {JSON: {}}}},
            }
        },
    }
    paths.update(members_paths())
    for alias in (
        "analytics",
        "organisationUnits",
        "dataElements",
        "dataSets",
        "system/info",
        "me",
    ):
        item = dict(paths[f"/api/{alias}"])
        item["get"] = {**item["get"], "operationId": item["get"]["operationId"] + "Json"}
        paths[f"/api/{alias}.json"] = item
    # DHIS2 answers the tokens at /api/apiTokens too (`ApiTokenController`'s two mappings).
    for alias, base in (
        ("apiToken.json", "apiToken"),
        ("apiTokens", "apiToken"),
        ("apiTokens/{uid}", "apiToken/{uid}"),
    ):
        paths[f"/api/{alias}"] = {
            method: {**operation, "operationId": operation["operationId"] + suffix}
            for method, operation in paths[f"/api/{base}"].items()
            if method != "post" or alias == "apiTokens"
            for suffix in ["Json" if alias.endswith(".json") else "Plural"]
        }
    # Analytics also as DHIS2's grid XML and CSV; metadata lists as CSV (XML: 406, as 2.40).
    for alias, suffix, media in (
        ("analytics", "xml", "application/xml"),
        *(
            (plural, "csv", "text/csv")
            for plural in ("organisationUnits", "dataElements", "dataSets")
        ),
        *((plural, "xml", JSON) for plural in ("organisationUnits", "dataElements", "dataSets")),
    ):
        base = paths[f"/api/{alias}"]["get"]
        status = "406" if suffix == "xml" and alias != "analytics" else "200"
        paths[f"/api/{alias}.{suffix}"] = {
            "get": {
                **base,
                "operationId": base["operationId"] + suffix.capitalize(),
                "responses": {
                    status: {
                        "description": "XML không dùng cho danh mục (406)"
                        if status == "406"
                        else suffix.upper(),
                        "content": {
                            media: {"schema": {"type": "string"} if media != JSON else MESSAGE}
                        },
                    },
                    **ERRORS,
                },
            }
        }
    paths.update(_more_paths())
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "phongtrao — Web API theo chuẩn DHIS2",
            "version": "1.0",
            "description": (
                "Trao đổi số liệu theo định dạng DHIS2 (dataValueSets, analytics, danh mục). "
                "Xác thực bằng HTTP Basic hoặc mã truy cập cá nhân "
                "(`Authorization: ApiToken d2pat_...`)."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}, {"apiToken": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "apiToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`ApiToken d2pat_...`",
                },
            },
            "schemas": {
                "WebMessage": {
                    "type": "object",
                    "properties": {
                        "httpStatus": {"type": "string"},
                        "httpStatusCode": {"type": "integer"},
                        "status": {"type": "string"},
                        "message": {"type": "string"},
                        "response": {"type": "object"},
                    },
                    "required": ["httpStatusCode", "status", "message"],
                },
                "Pager": {
                    "type": "object",
                    "properties": {
                        "page": {"type": "integer"},
                        "pageCount": {"type": "integer"},
                        "total": {"type": "integer"},
                        "pageSize": {"type": "integer"},
                        "nextPage": {"type": "string"},
                        "prevPage": {"type": "string"},
                    },
                    "required": ["page", "pageCount", "total", "pageSize"],
                },
                "DataValue": {
                    "type": "object",
                    "properties": {
                        "dataElement": {"type": "string"},
                        "period": {"type": "string"},
                        "orgUnit": {"type": "string"},
                        "categoryOptionCombo": {"type": "string"},
                        "attributeOptionCombo": {"type": "string"},
                        "value": {"type": "string"},
                        "comment": {"type": "string"},
                        "followup": {"type": "boolean"},
                        "deleted": {"type": "boolean"},
                    },
                },
                "DataValueSet": {
                    "type": "object",
                    "properties": {
                        "dataSet": {"type": "string"},
                        "period": {"type": "string"},
                        "orgUnit": {"type": "string"},
                        "dataValues": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/DataValue"},
                        },
                    },
                },
                "Grid": {
                    "type": "object",
                    "properties": {
                        "headers": {"type": "array", "items": {"type": "object"}},
                        "metaData": {
                            "type": "object",
                            "properties": {
                                "items": {"type": "object"},
                                "dimensions": {"type": "object"},
                                "estimates": {
                                    "type": "array",
                                    "description": (
                                        "Các ô là số liệu ước tính (chia tách đơn vị, phân bổ "
                                        "theo tỷ lệ diện tích), dạng `dx|pe|ou` theo "
                                        "outputIdScheme"
                                    ),
                                    "items": {"type": "string"},
                                },
                                "edition": {
                                    "type": "object",
                                    "description": "Cơ cấu tổ chức đã chọn (khi có `edition`)",
                                    "properties": {
                                        "code": {"type": "string"},
                                        "name": {"type": "string"},
                                    },
                                },
                            },
                        },
                        "rows": {
                            "type": "array",
                            "items": {"type": "array", "items": {"type": "string"}},
                        },
                        "height": {"type": "integer"},
                        "width": {"type": "integer"},
                    },
                    "required": ["headers", "rows", "height", "width"],
                },
            },
        },
    }


@require_GET
def schema_view(request: HttpRequest) -> JsonResponse:
    """`/api/schema/`: the OpenAPI document as JSON (public: it holds no data)."""
    return JsonResponse(schema(), json_dumps_params={"ensure_ascii": False})


__all__ = ["schema", "schema_view"]
