"""The seed article's own words for the Bình Phước 2023 report: what the figures cannot say.

The report's sentences are built from the figures (`phongtrao.reports.builder`); the
article also names the province's movements, programmes and decisions. Those passages sit
in the report's free slots (`ReportText`: the introduction and I.1-I.5), written here once
through the reports service, as an officer would on the report page.
"""

from __future__ import annotations

from phongtrao.actors import DEMO
from phongtrao.orgs.models import Unit
from phongtrao.reports.models import Part
from phongtrao.reports.selectors import report_is_locked, report_texts
from phongtrao.reports.services import report_texts_save

#: The period the passages belong to.
PERIOD = "2023"

#: The seed article's qualitative passages, by part of the report (no figures: those come
#: from the data).
PASSAGES: dict[str, str] = {
    Part.INTRO: (
        "Trong năm 2023, Hội Liên hiệp Phụ nữ tỉnh luôn nhận được sự quan tâm lãnh đạo, chỉ "
        "đạo sâu sát của Trung ương Hội LHPN Việt Nam, của Tỉnh ủy, Hội đồng nhân dân, Ủy ban "
        "nhân dân, Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh; sự hỗ trợ, phối hợp có hiệu quả của "
        "cấp ủy, chính quyền địa phương và các sở, ban, ngành, đoàn thể; đội ngũ cán bộ, hội "
        "viên, phụ nữ trong toàn tỉnh luôn đoàn kết, thống nhất, năng động, sáng tạo, nhiệt "
        "huyết với công tác Hội và phong trào phụ nữ."
    ),
    Part.RESULTS_1: (
        "Căn cứ Chương trình công tác Hội và phong trào phụ nữ năm 2023 và chủ đề năm 2023 "
        "“Tập trung xây dựng cơ sở Hội, trọng tâm là nâng cao năng lực cán bộ Hội cơ sở”, Ban "
        "Thường vụ Hội LHPN tỉnh đã tổ chức phát động Chương trình “Đồng hành cùng chi hội, tổ "
        "phụ nữ” và tháng cao điểm với chủ đề “Cán bộ Hội Bình Phước chủ động, sáng tạo, chuyên "
        "nghiệp, xây dựng tổ chức Hội vững mạnh”. Việc thực hiện ba khâu đột phá “Tập trung xây "
        "dựng cơ sở Hội vững mạnh”, “Đổi mới phương thức hoạt động Hội, trọng tâm là ứng dụng "
        "công nghệ thông tin” và “Hỗ trợ phụ nữ phát triển kinh tế và khởi nghiệp sáng tạo” "
        "đạt được nhiều kết quả tích cực.\n\n"
        "Hội LHPN các cấp tuyên truyền, vận động cán bộ, hội viên, phụ nữ tích cực tham gia "
        "các phong trào thi đua: “Xây dựng người Phụ nữ Việt Nam thời đại mới” giai đoạn 2022 - "
        "2027, “Phụ nữ Bình Phước nói lời hay, làm việc tốt”, “Phụ nữ với phong trào xây dựng "
        "khu dân cư sạch mọi nơi, đẹp mọi chỗ”, cuộc vận động “Xây dựng gia đình 5 không, 3 "
        "sạch”, “Gia đình 5 có, 3 sạch”, phong trào “Toàn dân đoàn kết xây dựng nông thôn mới, "
        "đô thị văn minh” gắn với học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí "
        "Minh; tuyên truyền Chỉ thị số 23-CT/TW ngày 25/5/2023 của Ban Bí thư về tăng cường sự "
        "lãnh đạo của Đảng đối với công tác bảo đảm trật tự, an toàn giao thông."
    ),
    Part.RESULTS_2: (
        "Hưởng ứng kỷ niệm Ngày Gia đình Việt Nam với chủ đề “Gia đình hạnh phúc - Quốc gia "
        "thịnh vượng”, Hội LHPN tỉnh tổ chức nói chuyện chuyên đề “Vun đắp giá trị gia đình "
        "Việt Nam và kỹ năng xây dựng gia đình hạnh phúc, bình đẳng, yêu thương, chia sẻ”; "
        "chỉ đạo Hội LHPN các huyện, thị xã, thành phố phối hợp tổ chức Hội thi “Gia đình hạnh "
        "phúc”, “Ngày hội kết nối yêu thương”.\n\n"
        "Thực hiện Kết luận số 387-KL/TU ngày 25/6/2022 của Ban Thường vụ Tỉnh ủy, Ban Thường "
        "vụ Hội LHPN tỉnh đã ban hành Đề án số 01/ĐA-BTV ngày 20/7/2022 về “Phụ nữ với Phong "
        "trào xây dựng khu dân cư sạch mọi nơi, đẹp mọi chỗ” giai đoạn 2021 - 2025. Các cấp Hội "
        "thực hiện Chương trình “Triệu phần quà san sẻ yêu thương” và hưởng ứng Cuộc vận động "
        "“Mỗi tổ chức, cá nhân gắn với một địa chỉ nhân đạo”."
    ),
    Part.RESULTS_3: (
        "Ban Thường vụ Hội LHPN tỉnh tổ chức Cuộc thi Phụ nữ khởi nghiệp năm 2023 với chủ đề "
        "“Phụ nữ khởi nghiệp, phát huy tài nguyên bản địa” và “Ngày Phụ nữ khởi nghiệp” năm "
        "2023 gắn với Đề án 939 “Hỗ trợ phụ nữ khởi nghiệp giai đoạn 2017 - 2025”, với chuỗi "
        "hoạt động: tập huấn kỹ năng quản lý, điều hành doanh nghiệp, hợp tác xã, tổ hợp tác do "
        "phụ nữ tham gia quản lý; tập huấn về giáo dục tài chính; trưng bày, giới thiệu sản "
        "phẩm với chủ đề “Kết nối sản phẩm - Phát huy tài nguyên bản địa”."
    ),
    Part.RESULTS_4: (
        "Việc giám sát, phản biện xã hội được tổ chức bằng nhiều hình thức: góp ý trực tiếp "
        "trên cổng thông tin điện tử của Quốc hội, Chính phủ, Hội LHPN Việt Nam và của tỉnh; "
        "góp ý bằng văn bản; hội nghị, hội thảo, tọa đàm, sinh hoạt hội viên. Qua giám sát, "
        "phần lớn các chính sách được thực hiện kịp thời, đầy đủ, đúng đối tượng."
    ),
    Part.RESULTS_5: (
        "Số liệu phát triển hội viên tính đến ngày 30/10/2023. Thực hiện Dự án 8 “Thực hiện "
        "bình đẳng giới và giải quyết những vấn đề cấp thiết đối với phụ nữ và trẻ em” và "
        "Chương trình “Đồng hành cùng phụ nữ biên cương”, Hội LHPN các cấp tập trung tuyên "
        "truyền, vận động cán bộ, hội viên, phụ nữ và Nhân dân tham gia giữ gìn an ninh trật "
        "tự, bảo vệ chủ quyền, lãnh thổ; chủ động kết nối nguồn lực xây dựng các mô hình sinh "
        "kế cho hội viên, phụ nữ khó khăn tại các xã biên giới."
    ),
}


def demo_report_texts_load(*, province: Unit) -> int:
    """Write the seed's passages into the province's 2023 report; return how many were written.

    Idempotent: a passage already there (the demo's, or an officer's own since) is kept, and
    nothing is written once the report is approved. Saved through `report_texts_save` as the
    system (`actor=DEMO`), so every passage has its revision like an officer's save.
    """
    if report_is_locked(province, PERIOD):
        return 0
    present = report_texts(province, PERIOD)
    missing = {part: text for part, text in PASSAGES.items() if part not in present}
    if not missing:
        return 0
    return len(report_texts_save(actor=DEMO, unit=province, period_code=PERIOD, texts=missing))


__all__ = ["PASSAGES", "PERIOD", "demo_report_texts_load"]
