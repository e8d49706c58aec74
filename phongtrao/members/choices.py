"""The registry's fixed lists: the 54 ethnic groups, religions, occupations, education."""

from __future__ import annotations

from django.db import models

# The 54 ethnic groups of Viet Nam with the General Statistics Office's codes
# (Quyết định 121-TCTK/PPCĐ), in that order.
ETHNIC_GROUPS: tuple[str, ...] = (
    "Kinh", "Tày", "Thái", "Hoa", "Khmer", "Mường", "Nùng", "Mông", "Dao", "Gia Rai",
    "Ngái", "Ê Đê", "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê",
    "Mnông", "Ra Glai", "Xtiêng", "Bru Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Giẻ Triêng",
    "Mạ", "Khơ Mú", "Co", "Tà Ôi", "Chơ Ro", "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru",
    "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng",
    "Pà Thẻn", "Cờ Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
)  # fmt: skip
ETHNICITY_CHOICES: list[tuple[str, str]] = [
    (f"{number:02d}", name) for number, name in enumerate(ETHNIC_GROUPS, start=1)
]
KINH = "01"


class Religion(models.TextChoices):
    NONE = "none", "Không"
    BUDDHISM = "buddhism", "Phật giáo"
    CATHOLIC = "catholic", "Công giáo"
    PROTESTANT = "protestant", "Tin Lành"
    CAODAI = "caodai", "Cao Đài"
    HOAHAO = "hoahao", "Phật giáo Hòa Hảo"
    ISLAM = "islam", "Hồi giáo"
    OTHER = "other", "Khác"


class Occupation(models.TextChoices):
    FARMER = "farmer", "Nông dân"
    WORKER = "worker", "Công nhân"
    OFFICIAL = "official", "Cán bộ, công chức, viên chức"
    BUSINESS = "business", "Buôn bán, kinh doanh"
    STUDENT = "student", "Học sinh, sinh viên"
    RETIRED = "retired", "Hưu trí"
    HOMEMAKER = "homemaker", "Nội trợ"
    OTHER = "other", "Khác"


class Education(models.TextChoices):
    NONE = "none", "Chưa qua đào tạo"
    PRIMARY = "primary", "Tiểu học"
    LOWER = "lower", "Trung học cơ sở"
    UPPER = "upper", "Trung học phổ thông"
    VOCATIONAL = "vocational", "Trung cấp, cao đẳng"
    UNIVERSITY = "university", "Đại học"
    POSTGRADUATE = "postgraduate", "Sau đại học"


class Status(models.TextChoices):
    ACTIVE = "active", "Đang sinh hoạt"
    MOVED = "moved", "Đã chuyển đi"
    LEFT = "left", "Đã ra khỏi Hội"
    DECEASED = "deceased", "Đã mất"


class EndKind(models.TextChoices):
    """Why an enrolment in a unit ended."""

    MOVED = "moved", "Chuyển sinh hoạt"
    LEFT = "left", "Ra khỏi Hội"
    DECEASED = "deceased", "Qua đời"


class StartKind(models.TextChoices):
    ADMITTED = "admitted", "Kết nạp"
    TRANSFERRED = "transferred", "Chuyển đến"


class EventKind(models.TextChoices):
    ADMIT = "admit", "Kết nạp"
    LEAVE = "leave", "Ra khỏi Hội"
    DECEASE = "decease", "Qua đời"
    TRANSFER_REQUEST = "transfer_request", "Đề nghị chuyển sinh hoạt"
    TRANSFER_ACCEPT = "transfer_accept", "Nhận chuyển sinh hoạt"
    TRANSFER_REJECT = "transfer_reject", "Từ chối chuyển sinh hoạt"
    REORGANISE = "reorganise", "Chuyển theo sắp xếp đơn vị"
    UPDATE = "update", "Sửa thông tin"
    EXPORT = "export", "Trích xuất dữ liệu theo yêu cầu"
    ERASE = "erase", "Xóa dữ liệu cá nhân theo yêu cầu"


class TransferStatus(models.TextChoices):
    PENDING = "pending", "Chờ đơn vị nhận"
    ACCEPTED = "accepted", "Đã nhận"
    REJECTED = "rejected", "Từ chối"


__all__ = [
    "ETHNICITY_CHOICES",
    "ETHNIC_GROUPS",
    "KINH",
    "Education",
    "EndKind",
    "EventKind",
    "Occupation",
    "Religion",
    "StartKind",
    "Status",
    "TransferStatus",
]
