"""The demo congress's documents: a draft political report and the outgoing committee's review
report, rendered as PDFs by a job (WeasyPrint's first render takes seconds: never on the first
start's path) and stored through the documents feature as an organizer's upload would be."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext

from conference.actors import SYSTEM
from conference.auth.service import Capability
from conference.congresses.models import Congress
from conference.documents.service import create_document
from conference.extensions import db
from conference.jobs.models import Job
from conference.jobs.service import job_handler, start_shared_job
from conference.pdf import html_to_pdf

DEMO_PAPERS_JOB = "demo_papers"
# Year ranges in the printed text are joined by U+2060 (word joiner) around the dash, so
# "2023–2028" never breaks over two lines; titles, which people search, keep a plain dash.

POLITICAL_REPORT = {
    "file": "du-thao-bao-cao-chinh-tri.pdf",
    "details": {"title": "Dự thảo Báo cáo chính trị trình Đại hội", "category": "political_report",
                "visibility": "delegates", "status": "draft"},
    "issuer": "Ban Chấp hành khóa XVIII",
    "number": "Số: 01/BC-BCH",
    "stamp": "DỰ THẢO",
    "heading": "BÁO CÁO CHÍNH TRỊ",
    "subtitle": "của Ban Chấp hành Liên đoàn Lao động tỉnh khóa XVIII trình Đại hội Công đoàn "
                "tỉnh Hà Tĩnh lần thứ XIX, nhiệm kỳ 2023\u2060–\u20602028",
    "sections": [
        ("Phần thứ nhất. Kết quả thực hiện Nghị quyết Đại hội Công đoàn tỉnh lần thứ XVIII, "
         "nhiệm kỳ 2018\u2060–\u20602023", [
            "Nhiệm kỳ qua, trong bối cảnh có nhiều khó khăn, thách thức, nhất là tác động nặng "
            "nề của đại dịch COVID-19 đến việc làm và đời sống của người lao động, dưới sự lãnh "
            "đạo của Tỉnh ủy, sự chỉ đạo của Tổng Liên đoàn Lao động Việt Nam, các cấp công đoàn "
            "tỉnh đã đoàn kết, chủ động, sáng tạo, hoàn thành cơ bản các mục tiêu, chỉ tiêu mà "
            "Nghị quyết Đại hội lần thứ XVIII đề ra.",
            "Công tác đại diện, chăm lo, bảo vệ quyền, lợi ích hợp pháp, chính đáng của đoàn "
            "viên, người lao động có nhiều chuyển biến tích cực. Các cấp công đoàn đã tham gia "
            "xây dựng và giám sát thực hiện 1.326 thỏa ước lao động tập thể; tổ chức 2.145 hội "
            "nghị người lao động; vận động xây dựng và sửa chữa 312 \"Mái ấm Công đoàn\" với tổng "
            "kinh phí trên 15 tỷ đồng; thăm hỏi, hỗ trợ hơn 86.000 lượt đoàn viên, người lao "
            "động có hoàn cảnh khó khăn.",
            "Công tác phát triển đoàn viên, thành lập công đoàn cơ sở đạt kết quả khá: kết nạp "
            "mới 12.450 đoàn viên, thành lập mới 94 công đoàn cơ sở; tổng số đoàn viên toàn tỉnh "
            "đến nay là 98.512 người. Phong trào thi đua \"Lao động giỏi, Lao động sáng tạo\" "
            "được đẩy mạnh với hơn 3.200 sáng kiến, giải pháp được công nhận, làm lợi hàng chục "
            "tỷ đồng.",
        ]),
        ("Phần thứ hai. Hạn chế, nguyên nhân và bài học kinh nghiệm", [
            "Bên cạnh những kết quả đạt được, hoạt động công đoàn còn một số hạn chế: việc đối "
            "thoại, thương lượng tập thể ở một số doanh nghiệp còn hình thức; tỷ lệ đoàn viên "
            "trong khu vực doanh nghiệp ngoài nhà nước chưa cao; công tác nắm bắt tư tưởng, "
            "tâm trạng của người lao động có lúc chưa kịp thời.",
            "Từ thực tiễn nhiệm kỳ, Ban Chấp hành rút ra bài học: phải luôn bám sát cơ sở, lấy "
            "đoàn viên, người lao động làm trung tâm; chủ động phối hợp với chính quyền và người "
            "sử dụng lao động; coi trọng xây dựng đội ngũ cán bộ công đoàn có bản lĩnh, tâm "
            "huyết và trách nhiệm.",
        ]),
        ("Phần thứ ba. Phương hướng, mục tiêu, nhiệm vụ nhiệm kỳ 2023\u2060–\u20602028", [
            "Mục tiêu tổng quát: xây dựng tổ chức công đoàn tỉnh vững mạnh, đổi mới nội dung, "
            "phương thức hoạt động; thực hiện tốt chức năng đại diện, chăm lo, bảo vệ quyền, lợi "
            "ích hợp pháp, chính đáng của đoàn viên, người lao động; góp phần xây dựng giai cấp "
            "công nhân lớn mạnh, tỉnh Hà Tĩnh phát triển nhanh và bền vững.",
            "Các chỉ tiêu chủ yếu: phấn đấu đến cuối nhiệm kỳ phát triển thêm 15.000 đoàn viên; "
            "90% doanh nghiệp có tổ chức công đoàn ký kết thỏa ước lao động tập thể; 100% công "
            "đoàn cơ sở tổ chức đối thoại định kỳ tại nơi làm việc; mỗi năm hỗ trợ xây dựng ít "
            "nhất 50 \"Mái ấm Công đoàn\".",
            "Đề nghị các đại biểu nghiên cứu, thảo luận tại tổ và góp ý trực tiếp trên trang "
            "tài liệu của mình để Ban Chấp hành tiếp thu, hoàn thiện báo cáo trình Đại hội.",
        ]),
    ],
}

REVIEW_REPORT = {
    "file": "bao-cao-kiem-diem-bch.pdf",
    "details": {"title": "Báo cáo kiểm điểm của Ban Chấp hành nhiệm kỳ 2018–2023",
                "category": "review_report", "visibility": "public", "status": "final"},
    "issuer": "Ban Chấp hành khóa XVIII",
    "number": "Số: 02/BC-BCH",
    "stamp": "",
    "heading": "BÁO CÁO KIỂM ĐIỂM",
    "subtitle": "sự lãnh đạo, chỉ đạo của Ban Chấp hành Liên đoàn Lao động tỉnh Hà Tĩnh "
                "khóa XVIII, nhiệm kỳ 2018\u2060–\u20602023",
    "sections": [
        ("I. Ưu điểm", [
            "Ban Chấp hành đã duy trì nghiêm túc nguyên tắc tập trung dân chủ, tập thể lãnh đạo, "
            "cá nhân phụ trách; ban hành đầy đủ quy chế làm việc, chương trình công tác toàn "
            "khóa và hằng năm. Trong nhiệm kỳ, Ban Chấp hành đã họp 12 kỳ, Ban Thường vụ họp 54 "
            "phiên, ban hành 28 nghị quyết, chương trình và kế hoạch chuyên đề.",
            "Các ủy viên Ban Chấp hành giữ vững phẩm chất chính trị, đạo đức, lối sống; đoàn "
            "kết, thống nhất; gương mẫu trong công tác và sinh hoạt; nhiều đồng chí được Tổng "
            "Liên đoàn và Ủy ban nhân dân tỉnh khen thưởng.",
        ]),
        ("II. Hạn chế, khuyết điểm", [
            "Việc cụ thể hóa một số nghị quyết còn chậm; công tác kiểm tra, giám sát việc thực "
            "hiện chế độ, chính sách đối với người lao động tại doanh nghiệp ngoài nhà nước "
            "chưa thường xuyên. Một số ủy viên Ban Chấp hành kiêm nhiệm nhiều việc nên thời gian "
            "dành cho hoạt động công đoàn còn hạn chế.",
        ]),
        ("III. Nguyên nhân và hướng khắc phục", [
            "Nguyên nhân chủ yếu là nguồn lực của tổ chức công đoàn còn hạn chế, đội ngũ cán bộ "
            "công đoàn cơ sở thường xuyên biến động. Nhiệm kỳ tới, Ban Chấp hành khóa XIX cần "
            "tăng cường kiểm tra, giám sát; phân công nhiệm vụ rõ người, rõ việc, rõ thời hạn; "
            "đẩy mạnh chuyển đổi số trong hoạt động công đoàn.",
        ]),
        ("IV. Kết luận", [
            "Ban Chấp hành khóa XVIII tự đánh giá đã hoàn thành tốt nhiệm vụ nhiệm kỳ 2018 – "
            "2023 và trân trọng cảm ơn các cấp ủy, chính quyền, các cấp công đoàn cùng toàn thể "
            "đoàn viên, người lao động trong tỉnh đã đồng hành trong suốt nhiệm kỳ qua.",
        ]),
    ],
}

# What both papers end with: where and when, and who signs for the committee.
SIGNED = {"place_date": "Hà Tĩnh, ngày 15 tháng 8 năm 2023",
          "signature": ["TM. BAN CHẤP HÀNH", "CHỦ TỊCH"], "signer": "Nguyễn Văn Danh"}
PAPERS = (POLITICAL_REPORT | SIGNED, REVIEW_REPORT | SIGNED)


def render_paper(congress: Congress, paper: dict) -> bytes:
    """One sample document as PDF bytes, with the congress's official header."""
    return html_to_pdf(render_template("demo/paper_pdf.html", congress=congress, paper=paper))


def start_demo_papers(congress: Congress) -> Job:
    """Queue the sample documents of the demo congress (once per congress)."""
    return start_shared_job(congress, DEMO_PAPERS_JOB, f"demo-papers:{congress.id}", {}, "vi")


@job_handler(DEMO_PAPERS_JOB, Capability.EDIT_CONGRESS,
             lazy_gettext("Sample documents of the demo congress"))
def _papers_job(job: Job, progress) -> tuple[None, str, dict]:
    congress = db.session.get(Congress, job.congress_id)
    for done, paper in enumerate(PAPERS, start=1):
        create_document(SYSTEM, congress, paper["details"], paper["file"],
                        render_paper(congress, paper))
        progress(done, len(PAPERS))
    return None, "", {"documents": len(PAPERS)}
