#!/usr/bin/env python3
"""Generate the labelled school-report e-mail corpus (dev + holdout).

Deterministic: fixed seeds, no clock, no environment input other than
data/units.csv (the sender registry).  Running it again rewrites the same bytes.

    python3 tests/corpus/school-reports/make_corpus.py          # write + check
    python3 tests/corpus/school-reports/make_corpus.py --check  # only check

Written independently of the classifier (mailhub/, rules/ were not read).
See README.md next to this file for the label definitions.
"""
import base64
import csv
import datetime as dt
import email
import email.policy
import html as htmlmod
import os
import quopri
import random
import re
import sys
import unicodedata
from urllib.parse import quote as urlquote

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
UNITS_CSV = os.path.join(REPO, "data", "units.csv")
SEED = 20261126
TZ = dt.timezone(dt.timedelta(hours=7))

# --------------------------------------------------------------------------
# Topic content.  Each topic has per-set pools (dev / holdout) so the holdout
# contains phrasings that never occur in dev.  Template placeholders are
# filled from a per-message context (see make_ctx).  A template may start with
# "{!TH,THCS}" to restrict it to those school levels.
#   {p}  period phrase with a leading space, or "" when the message has none
#   {pf} period token for file names (with its own separator) or ""
# --------------------------------------------------------------------------

TOPICS = {
    "tuyen-sinh": {
        "levels": ["MN", "TH", "THCS"], "months": [3, 4, 5, 6, 7, 8, 9],
        "dev": {
            "vv": ["công tác tuyển sinh năm học {y}", "kết quả tuyển sinh vào {entry}"],
            "subj": ["Báo cáo công tác tuyển sinh{p}", "BC tuyển sinh {entry} năm học {y}",
                     "V/v báo cáo số liệu tuyển sinh{p}", "Báo cáo kết quả tuyển sinh trực tuyến{p}",
                     "Báo cáo tuyển sinh đầu cấp{p}"],
            "body": ["Tính đến ngày {d1}, nhà trường đã tiếp nhận {n3} hồ sơ tuyển sinh vào {entry}, trong đó {n2} hồ sơ đăng ký trực tuyến, còn lại nộp trực tiếp tại trường. Chỉ tiêu được giao là {n3b} {hs}.",
                     "Số {hs} đúng tuyến trên địa bàn phường {ward}: {n3}; số {hs} trái tuyến: {n1}; số {hs} thuộc diện ưu tiên: {n1b}.",
                     "Nhà trường kính đề nghị Phòng GD&ĐT xem xét điều chỉnh tăng chỉ tiêu tuyển sinh do số {hs} trong độ tuổi trên địa bàn tăng so với năm học trước."],
            "files": ["BC tuyen sinh{pf}.xlsx", "Bao cao tuyen sinh {y}.xlsx", "Mau so lieu tuyen sinh_{SS}.xls",
                      "Báo cáo tuyển sinh{pf}.docx"],
            "short": ["Trường gửi số liệu tuyển sinh{p} ạ.", "Gửi Phòng báo cáo tuyển sinh, file đính kèm."],
        },
        "holdout": {
            "vv": ["số liệu nhập học {entry}", "tình hình tiếp nhận hồ sơ nhập học {entry}"],
            "subj": ["Số liệu TS {entry}{p}", "Tổng hợp hồ sơ nhập học {entry}{p}",
                     "Kết quả xét tuyển năm học {y}{p}", "Danh sách {hs} trúng tuyển{p}",
                     "Chỉ tiêu và số {hs} đã nhập học{p}"],
            "body": ["Nhà trường đã hoàn thành tiếp nhận hồ sơ nhập học {entry}: tổng số {n3} {hs}, dự kiến xếp {n2} {lop}, bình quân {n2b} {hs}/lớp.",
                     "Hiện còn {n1} trường hợp cư trú ngoài địa bàn phường {ward} đang chờ xác minh thông tin để xét tuyển.",
                     "Trường đề xuất được nhận thêm {n1} lớp do nhu cầu gửi con của phụ huynh trên địa bàn lớn, danh sách {hs} dự tuyển gửi kèm."],
            "files": ["So lieu nhap hoc {entryf} - {SS}{pf}.xlsx", "Tong hop TS {y}.xlsx", "DS trung tuyen{pf}.pdf",
                      "Tuyển sinh {entryf} {y}.xlsx"],
            "short": ["Gửi Tổ số liệu nhập học {entry} ạ.", "Số liệu TS của trường em gửi kèm theo."],
        },
    },
    "phat-trien-doi-ngu": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["công tác phát triển đội ngũ", "kết quả bồi dưỡng thường xuyên giáo viên", "nhu cầu biên chế giáo viên năm học {y}"],
            "subj": ["Báo cáo công tác phát triển đội ngũ{p}", "BC bồi dưỡng thường xuyên GV{p}",
                     "V/v báo cáo thực trạng đội ngũ CBGVNV{p}", "Báo cáo nhu cầu biên chế năm học {y}"],
            "body": ["Tổng số CBGVNV của nhà trường: {gv} người, trong đó biên chế {gvb}, hợp đồng {n1}. Số giáo viên đạt chuẩn trình độ đào tạo: {gvc}/{gvt}.",
                     "Nhà trường cử {n1} đồng chí tham gia lớp bồi dưỡng nâng cao năng lực quản lý và {n2} giáo viên hoàn thành các mô-đun bồi dưỡng thường xuyên.",
                     "Hiện nhà trường còn thiếu {n1} giáo viên, kính đề nghị Phòng tham mưu UBND quận bổ sung biên chế để đảm bảo định mức theo quy định."],
            "files": ["BC_doi_ngu{pf}.xlsx", "Bao cao BDTX GV{pf}.docx", "Thong ke CBGVNV {SS}.xlsx", "Nhu cau bien che {y}.xls"],
            "short": ["Trường gửi báo cáo đội ngũ CBGVNV{p}.", "Gửi Phòng BC bồi dưỡng thường xuyên ạ."],
        },
        "holdout": {
            "vv": ["tình hình đội ngũ cán bộ quản lý, giáo viên, nhân viên", "kết quả đào tạo, bồi dưỡng cán bộ quản lý và giáo viên"],
            "subj": ["Thống kê đội ngũ CBQL, GV, NV{p}", "Đăng ký nhu cầu đào tạo nâng chuẩn GV{p}",
                     "BC đánh giá chuẩn nghề nghiệp giáo viên{p}", "Kế hoạch bồi dưỡng giáo viên năm học {y}"],
            "body": ["Số giáo viên cần đào tạo nâng chuẩn trình độ: {n1} (cao đẳng lên đại học); số đang theo học: {n1b}.",
                     "Kết quả đánh giá giáo viên theo chuẩn nghề nghiệp: Tốt {n2}, Khá {n2b}, Đạt {n1}, không có giáo viên xếp loại Chưa đạt.",
                     "Nhà trường đề nghị được tuyển dụng bổ sung {n1} viên chức do có giáo viên nghỉ hưu và chuyển công tác trong năm."],
            "files": ["Doi ngu CBQL GV NV{pf}.xlsx", "Danh gia chuan NN GV {y}.xlsx", "Dang ky nang chuan{pf}.docx"],
            "short": ["Gửi Phòng thống kê đội ngũ của trường.", "Em nộp biểu đánh giá chuẩn nghề nghiệp GV ạ."],
        },
    },
    "xa-hoi-hoa": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["công tác xã hội hóa giáo dục", "việc tiếp nhận tài trợ cho nhà trường"],
            "subj": ["Báo cáo công tác XHH giáo dục{p}", "V/v báo cáo tiếp nhận tài trợ{p}", "BC xã hội hóa{p}",
                     "Báo cáo xã hội hóa giáo dục năm học {y}"],
            "body": ["Nhà trường đã tiếp nhận tài trợ từ Ban đại diện cha mẹ {hs} và các nhà hảo tâm với tổng giá trị {money} đồng, chủ yếu bằng hiện vật: {n1} máy điều hòa, {n2} bộ bàn ghế.",
                     "Việc vận động, tiếp nhận tài trợ được thực hiện theo Thông tư 16/2018/TT-BGDĐT, trên tinh thần tự nguyện, không ép buộc, có công khai tại bảng tin của trường.",
                     "Công ty {company} tài trợ {n2} suất học bổng cho {hs} có hoàn cảnh khó khăn, tổng trị giá {money2} đồng."],
            "files": ["BC XHH{pf}.docx", "Bao cao tai tro{pf}.xlsx", "Bieu tiep nhan tai tro_{SS}.xlsx"],
            "short": ["Trường gửi báo cáo XHH{p}.", "Gửi Phòng BC tiếp nhận tài trợ ạ."],
        },
        "holdout": {
            "vv": ["kết quả vận động các nguồn lực xã hội cho giáo dục", "danh sách nhà tài trợ và giá trị tài trợ"],
            "subj": ["Kết quả vận động nguồn lực xã hội{p}", "Danh sách nhà tài trợ năm học {y}",
                     "Huy động đóng góp tự nguyện, tài trợ{p}", "BC kết quả huy động xã hội hóa{p}"],
            "body": ["Tổng giá trị tài trợ đã tiếp nhận: {money} đồng, gồm tiền mặt {money2} đồng và hiện vật (ti vi, máy chiếu, sách thư viện).",
                     "Nhà trường đã lập hồ sơ tiếp nhận và sử dụng tài trợ, báo cáo Hội đồng trường; danh sách nhà tài trợ được niêm yết công khai.",
                     "Hội cựu học sinh và doanh nghiệp trên địa bàn phường {ward} ủng hộ xây dựng sân chơi, vườn cổ tích cho {hs}."],
            "files": ["Danh sach nha tai tro {y}.xlsx", "Huy dong nguon luc XH{pf}.docx", "Ho so tiep nhan tai tro{pf}.pdf"],
            "short": ["Trường nộp danh sách nhà tài trợ ạ.", "Gửi Tổ kết quả huy động nguồn lực XH."],
        },
    },
    "co-so-vat-chat": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["thực trạng cơ sở vật chất", "công tác sửa chữa, chống xuống cấp CSVC", "nhu cầu đầu tư trang thiết bị dạy học"],
            "subj": ["Báo cáo thực trạng CSVC{p}", "BC sửa chữa chống xuống cấp{p}", "V/v đề xuất cải tạo phòng học{p}",
                     "Báo cáo rà soát thiết bị dạy học{p}", "Báo cáo cơ sở vật chất{p}"],
            "body": ["Hiện nhà trường có {n2} phòng học, trong đó {n1} phòng học xuống cấp (thấm dột, bong tróc tường), {n1b} khu vệ sinh cần cải tạo.",
                     "Nhà trường đã hoàn thành sửa chữa mái tôn khu nhà B, thay {n2} bộ đèn chiếu sáng và sơn lại {n1} phòng học với tổng kinh phí {money} đồng.",
                     "Kính đề nghị Phòng GD&ĐT tham mưu UBND quận đầu tư bổ sung {n2} bộ bàn ghế {hs} đúng quy cách và {n1} máy chiếu cho các lớp học."],
            "files": ["BC CSVC{pf}.xlsx", "Bao cao CSVC{pf}.docx", "De xuat sua chua_{SS}.pdf", "Báo cáo CSVC{pf}.xlsx"],
            "short": ["Trường gửi báo cáo CSVC{p} ạ.", "Gửi Phòng đề xuất sửa chữa phòng học."],
        },
        "holdout": {
            "vv": ["tình hình trường lớp, phòng học, thiết bị", "các hạng mục cải tạo, bảo trì công trình trường học"],
            "subj": ["Đề xuất duy tu, bảo dưỡng công trình{p}", "Số liệu phòng học, phòng chức năng{p}",
                     "Kiểm kê tài sản, thiết bị{p}", "Báo cáo hiện trạng tường rào, sân trường",
                     "Hạng mục cải tạo nhà vệ sinh{p}"],
            "body": ["Tường rào phía sau trường dài khoảng {n2} m bị nứt, nghiêng; nhà trường đề nghị Phòng cho khảo sát, lập dự toán sửa chữa kịp thời.",
                     "Số phòng học kiên cố: {n2}; phòng học bán kiên cố: {n1}; phòng chức năng: {n1b} (tin học, âm nhạc, thư viện); số phòng còn thiếu so với quy định: {n1c}.",
                     "Kết quả kiểm kê thiết bị dạy học: {n3} danh mục, trong đó {n2} danh mục hỏng cần thanh lý, {n1} danh mục cần mua sắm bổ sung."],
            "files": ["Kiem ke tai san{pf}.xlsx", "Hien trang cong trinh_{SS}.docx", "Du toan cai tao WC{pf}.pdf",
                      "Phòng học - phòng chức năng{pf}.xlsx"],
            "short": ["Trường nộp biểu kiểm kê tài sản, thiết bị.", "Gửi Tổ đề xuất duy tu công trình ạ."],
        },
    },
    "truong-chuan-quoc-gia": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["công tác xây dựng trường chuẩn quốc gia", "hồ sơ đề nghị công nhận trường đạt chuẩn quốc gia"],
            "subj": ["Báo cáo xây dựng trường chuẩn quốc gia{p}", "V/v gửi hồ sơ đề nghị công nhận TCQG mức độ {lvl}",
                     "BC tiến độ xây dựng TCQG{p}"],
            "body": ["Nhà trường đã hoàn thiện hồ sơ đề nghị công nhận trường đạt chuẩn quốc gia mức độ {lvl}; các tiêu chuẩn về tổ chức quản lý, đội ngũ, cơ sở vật chất và quan hệ nhà trường - gia đình - xã hội cơ bản đạt yêu cầu.",
                     "Trường được công nhận đạt chuẩn quốc gia từ năm {yr_old}, đến nay đã hết thời hạn 5 năm; nhà trường đăng ký kiểm tra công nhận lại trong năm học {y}."],
            "files": ["Ho so TCQG muc do {lvl}.zip", "BC truong chuan QG{pf}.docx", "To trinh TCQG_{SS}.pdf"],
            "short": ["Trường gửi hồ sơ TCQG ạ.", "Gửi Phòng báo cáo xây dựng trường chuẩn quốc gia{p}."],
        },
        "holdout": {
            "vv": ["lộ trình công nhận lại trường đạt chuẩn quốc gia", "kế hoạch đạt chuẩn quốc gia mức độ {lvl}"],
            "subj": ["Đăng ký kiểm tra công nhận lại chuẩn QG{p}", "Tờ trình đề nghị công nhận trường chuẩn quốc gia",
                     "Chuẩn quốc gia mức độ {lvl}: báo cáo tiến độ{p}"],
            "body": ["Theo lộ trình, nhà trường phấn đấu đạt chuẩn quốc gia mức độ {lvl} vào năm {yr_next}; hiện còn tiêu chuẩn 3 (cơ sở vật chất và thiết bị dạy học) chưa đạt do thiếu phòng chức năng.",
                     "Nhà trường gửi tờ trình và danh mục minh chứng, kính đề nghị Phòng báo cáo Sở GD&ĐT thành lập đoàn kiểm tra công nhận trường đạt chuẩn quốc gia."],
            "files": ["To trinh cong nhan chuan QG.pdf", "Lo trinh chuan quoc gia {y}.docx", "Minh chung chuan QG_{SS}.rar"],
            "short": ["Trường nộp tờ trình công nhận chuẩn quốc gia.", "Gửi Tổ lộ trình chuẩn QG của trường."],
        },
    },
    "kiem-dinh-chat-luong": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["công tác kiểm định chất lượng giáo dục", "kết quả tự đánh giá chất lượng giáo dục"],
            "subj": ["Báo cáo tự đánh giá KĐCL giáo dục{p}", "BC công tác KĐCLGD năm học {y}",
                     "V/v nộp báo cáo tự đánh giá{p}"],
            "body": ["Nhà trường đã thành lập Hội đồng tự đánh giá, hoàn thành báo cáo tự đánh giá theo {tt_kd}; kết quả tự đánh giá: đạt kiểm định chất lượng giáo dục cấp độ {lvl}.",
                     "Hội đồng tự đánh giá đã thu thập {n3} minh chứng, mã hóa và lưu trữ đầy đủ; nhà trường dự kiến đề nghị đánh giá ngoài vào học kỳ II."],
            "files": ["Bao cao tu danh gia {y}.docx", "BC KDCL{pf}.pdf", "TDG_KDCL_{SS}.docx"],
            "short": ["Trường gửi báo cáo tự đánh giá ạ.", "Gửi Phòng BC KĐCL{p}."],
        },
        "holdout": {
            "vv": ["kết quả cải tiến chất lượng sau đánh giá ngoài", "kế hoạch kiểm định chất lượng giáo dục"],
            "subj": ["Kế hoạch cải tiến chất lượng sau đánh giá ngoài{p}", "Đăng ký đánh giá ngoài năm học {y}",
                     "KĐCL: báo cáo cải tiến chất lượng{p}"],
            "body": ["Thực hiện khuyến nghị của Đoàn đánh giá ngoài, nhà trường đã triển khai {n1} nội dung cải tiến chất lượng, trong đó {n1b} nội dung đã hoàn thành.",
                     "Nhà trường đăng ký đánh giá ngoài, đề nghị công nhận đạt kiểm định chất lượng giáo dục cấp độ {lvl}; hồ sơ tự đánh giá được gửi kèm."],
            "files": ["Cai tien chat luong sau DGN.docx", "Dang ky danh gia ngoai {y}.pdf", "KDCL{pf}_{SS}.docx"],
            "short": ["Gửi Tổ kế hoạch cải tiến chất lượng ạ.", "Trường đăng ký đánh giá ngoài, hồ sơ đính kèm."],
        },
    },
    "thu-chi": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["tình hình thu, chi các khoản thu", "công khai tài chính", "các khoản thu đầu năm học {y}"],
            "subj": ["Báo cáo thu chi{p}", "BC các khoản thu năm học {y}", "V/v báo cáo công khai tài chính{p}",
                     "Báo cáo tình hình thu - chi{p}"],
            "body": ["Tổng thu các khoản thu theo thỏa thuận: {money} đồng; tổng chi: {money2} đồng; số dư chuyển kỳ sau: {money3} đồng.",
                     "Nhà trường thực hiện thu học phí và các khoản thu dịch vụ phục vụ hoạt động giáo dục theo Nghị quyết của HĐND Thành phố, không thu các khoản ngoài quy định.",
                     "Biểu công khai tài chính đã được niêm yết tại bảng tin và đăng trên cổng thông tin điện tử của trường."],
            "files": ["BC thu chi{pf}.xlsx", "Cong khai tai chinh{pf}.pdf", "Bao cao cac khoan thu {y}.xls"],
            "short": ["Kế toán trường gửi báo cáo thu chi{p}.", "Gửi Phòng biểu công khai tài chính ạ."],
        },
        "holdout": {
            "vv": ["quyết toán các khoản thu dịch vụ", "tình hình thu học phí và các khoản thu thỏa thuận"],
            "subj": ["Quyết toán khoản thu dịch vụ{p}", "Tổng hợp tình hình thu học phí{p}", "Bảng kê thu - chi{p}",
                     "Công khai dự toán, quyết toán ngân sách{p}"],
            "body": ["Số {hs} đã nộp học phí: {n3}/{n3t}; số {hs} được miễn, giảm học phí: {n1}; số tiền đã thu: {money} đồng.",
                     "Các khoản thu dịch vụ (bán trú, nước uống, vệ sinh) được thu qua tài khoản ngân hàng, không dùng tiền mặt; nhà trường gửi kèm bảng kê chi tiết từng khoản.",
                     "Quyết toán kinh phí: tổng chi lương và các khoản theo lương {money} đồng, chi hoạt động chuyên môn {money2} đồng."],
            "files": ["Bang ke thu chi{pf}.xlsx", "Quyet toan thu dich vu{pf}.xlsx", "Cong khai du toan {y}.pdf"],
            "short": ["Kế toán gửi bảng kê thu - chi ạ.", "Gửi Tổ quyết toán khoản thu dịch vụ."],
        },
    },
    "quy-che-dan-chu": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["việc thực hiện quy chế dân chủ ở cơ sở", "kết quả tổ chức Hội nghị cán bộ, viên chức"],
            "subj": ["Báo cáo thực hiện QCDC{p}", "BC Hội nghị CBVC năm học {y}", "V/v báo cáo thực hiện quy chế dân chủ{p}"],
            "body": ["Nhà trường đã tổ chức thành công Hội nghị cán bộ, viên chức, người lao động năm học {y} vào ngày {d1} với {gv} đồng chí tham dự; Hội nghị đã thông qua quy chế chi tiêu nội bộ và các chỉ tiêu thi đua.",
                     "Các nội dung công khai, dân chủ trong nhà trường được thực hiện đầy đủ; trong kỳ không có đơn thư khiếu nại, tố cáo."],
            "files": ["BC QCDC{pf}.docx", "Bien ban HN CBVC {y}.pdf", "Bao cao thuc hien QCDC_{SS}.doc"],
            "short": ["Trường gửi báo cáo QCDC{p}.", "Gửi Phòng BC Hội nghị CBVC ạ."],
        },
        "holdout": {
            "vv": ["kết quả thực hiện dân chủ ở cơ sở", "hoạt động của Ban Thanh tra nhân dân"],
            "subj": ["Kết quả thực hiện dân chủ ở cơ sở{p}", "BC hoạt động Ban TTND{p}",
                     "Biên bản Hội nghị viên chức, người lao động"],
            "body": ["Thực hiện Luật Thực hiện dân chủ ở cơ sở năm 2022, nhà trường đã rà soát, bổ sung quy chế thực hiện dân chủ và niêm yết công khai tại phòng hội đồng.",
                     "Ban Thanh tra nhân dân đã giám sát {n1} cuộc, không phát hiện sai phạm; ý kiến của viên chức, người lao động đều được Ban giám hiệu tiếp thu, trả lời."],
            "files": ["Thuc hien dan chu co so{pf}.docx", "Hoat dong Ban TTND{pf}.pdf", "BB Hoi nghi VC-NLD {y}.pdf"],
            "short": ["Gửi Tổ biên bản hội nghị viên chức ạ.", "Trường nộp BC hoạt động Ban TTND."],
        },
    },
    "truong-hoc-an-toan": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["công tác phòng chống tai nạn thương tích", "công tác PCCC và cứu nạn cứu hộ", "xây dựng trường học an toàn"],
            "subj": ["Báo cáo công tác PCTNTT{p}", "BC diễn tập PCCC{p}", "V/v báo cáo xây dựng trường học an toàn{p}",
                     "Báo cáo công tác ATGT{p}"],
            "body": ["Nhà trường đã rà soát các khu vực có nguy cơ gây tai nạn thương tích (cầu thang, lan can, ổ điện, cây xanh), kịp thời khắc phục {n1} điểm; trong kỳ không có {hs} bị tai nạn thương tích.",
                     "Ngày {d1}, nhà trường phối hợp với Đội Cảnh sát PCCC&CNCH quận tổ chức diễn tập phương án chữa cháy và thoát nạn với sự tham gia của {n3} {hs} và {gv} CBGVNV.",
                     "Trường đã tổ chức tuyên truyền an toàn giao thông, hướng dẫn {hs} đội mũ bảo hiểm đúng quy cách khi ngồi trên xe mô tô, xe gắn máy."],
            "files": ["BC PCTNTT{pf}.docx", "Bao cao dien tap PCCC{pf}.pdf", "BC truong hoc an toan_{SS}.docx"],
            "short": ["Trường gửi BC PCTNTT{p}.", "Gửi Phòng báo cáo diễn tập PCCC ạ."],
        },
        "holdout": {
            "vv": ["kết quả tự kiểm tra an toàn trường học", "công tác phòng, chống đuối nước và tai nạn thương tích"],
            "subj": ["Tự kiểm tra an toàn trường học{p}", "Kết quả phòng chống đuối nước, TNTT{p}",
                     "An toàn giao thông khu vực cổng trường{p}", "Phương án chữa cháy, thoát nạn năm học {y}"],
            "body": ["Kết quả tự kiểm tra theo bộ tiêu chí trường học an toàn, phòng chống tai nạn thương tích: đạt {n2}/{n2t} tiêu chí.",
                     "Nhà trường đã kiểm tra, bảo dưỡng {n2} bình chữa cháy, hệ thống báo cháy tự động và lối thoát hiểm; tập huấn kỹ năng thoát nạn cho {gv} cán bộ, giáo viên.",
                     "Trường phối hợp Công an phường {ward} phân luồng giao thông giờ tan học, không để phụ huynh dừng đỗ xe dưới lòng đường trước cổng trường."],
            "files": ["Tu kiem tra ATTH{pf}.xlsx", "Phuong an PCCC {y}.pdf", "Phong chong duoi nuoc{pf}.docx"],
            "short": ["Gửi Tổ kết quả tự kiểm tra an toàn trường học.", "Trường nộp phương án chữa cháy ạ."],
        },
    },
    "ky-nang-song": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["công tác giáo dục kỹ năng sống", "hoạt động GDKNS cho {hs}"],
            "subj": ["Báo cáo GDKNS{p}", "BC giáo dục kỹ năng sống{p}", "V/v báo cáo tổ chức hoạt động KNS{p}"],
            "body": ["Nhà trường tổ chức giáo dục kỹ năng sống lồng ghép trong các môn học và hoạt động trải nghiệm; {n2} tiết KNS ngoài giờ chính khóa được tổ chức theo nhu cầu tự nguyện của cha mẹ {hs}.",
                     "Đơn vị liên kết giảng dạy KNS là Công ty {company}, đã được cấp phép theo quy định; số {hs} tham gia: {n3}."],
            "files": ["BC GDKNS{pf}.docx", "Bao cao KNS{pf}.xlsx", "Ky nang song_{SS}.docx"],
            "short": ["Trường gửi báo cáo GDKNS{p}.", "Gửi Phòng BC kỹ năng sống ạ."],
        },
        "holdout": {
            "vv": ["chương trình kỹ năng sống ngoài giờ chính khóa", "kết quả dạy kỹ năng tự phục vụ, kỹ năng giao tiếp"],
            "subj": ["Kết quả dạy kỹ năng sống{p}", "Danh sách đơn vị liên kết dạy KNS năm học {y}",
                     "Chương trình kỹ năng sống ngoài giờ{p}"],
            "body": ["Các lớp đã tổ chức chuyên đề kỹ năng tự phục vụ, kỹ năng giao tiếp và kỹ năng làm việc nhóm; {pct}% {hs} tham gia tích cực.",
                     "Nhà trường ký hợp đồng liên kết với Trung tâm {company} tổ chức {n1} buổi/tuần dạy kỹ năng sống ngoài giờ chính khóa, đảm bảo đúng quy định."],
            "files": ["Don vi lien ket KNS {y}.xlsx", "Ket qua day KNS{pf}.docx", "KNS ngoai gio_{SS}.pdf"],
            "short": ["Gửi Tổ danh sách đơn vị liên kết dạy KNS.", "Trường nộp kết quả dạy kỹ năng sống ạ."],
        },
    },
    "ve-sinh-an-toan-thuc-pham": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["công tác vệ sinh an toàn thực phẩm", "công tác đảm bảo VSATTP tại bếp ăn bán trú"],
            "subj": ["Báo cáo công tác VSATTP{p}", "BC VSATTP{p}", "V/v báo cáo vệ sinh an toàn thực phẩm{p}",
                     "Báo cáo ATTP bếp ăn bán trú{p}", "Báo cáo VSATTP{p}"],
            "body": ["Nhà trường thực hiện nghiêm quy trình kiểm thực ba bước và lưu mẫu thức ăn 24 giờ; trong tháng không xảy ra ngộ độc thực phẩm.",
                     "Bếp ăn bán trú phục vụ {n3} {hs}; thực phẩm do Công ty {company} cung cấp, có đầy đủ giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm và hợp đồng còn hiệu lực.",
                     "Ngày {d1}, Đoàn kiểm tra liên ngành về ATTP của phường {ward} kiểm tra bếp ăn, không phát hiện vi phạm. 100% nhân viên nấu ăn được khám sức khỏe và tập huấn kiến thức ATTP."],
            "files": ["BC_VSATTP{pf}.docx", "Bao cao VSATTP{pf}.doc", "BC ATTP bep an_{SS}.pdf", "Báo cáo VSATTP{pf}.docx"],
            "short": ["Trường gửi báo cáo VSATTP{p} ạ.", "Y tế trường gửi BC ATTP."],
        },
        "holdout": {
            "vv": ["an toàn thực phẩm tại bếp ăn tập thể", "việc kiểm soát nguồn gốc thực phẩm đầu vào"],
            "subj": ["An toàn thực phẩm bếp ăn tập thể{p}", "Kết quả tự kiểm tra ATTP{p}",
                     "Hồ sơ nhà cung cấp thực phẩm năm học {y}", "Phòng chống ngộ độc thực phẩm{p}"],
            "body": ["Kết quả tự kiểm tra bếp ăn tập thể: sổ kiểm thực ghi chép đầy đủ, mẫu lưu đúng quy định, dụng cụ chế biến sống - chín được phân biệt rõ ràng.",
                     "Nhà trường đã ký hợp đồng với {n1} nhà cung cấp thực phẩm có nguồn gốc rõ ràng, kiểm tra cảm quan thực phẩm đầu vào hằng ngày, không sử dụng thực phẩm không rõ nguồn gốc.",
                     "Nhân viên y tế trường phối hợp với Trạm Y tế phường {ward} tuyên truyền phòng chống ngộ độc thực phẩm cho cán bộ, nhân viên cấp dưỡng và cha mẹ {hs}."],
            "files": ["Tu kiem tra bep an tap the{pf}.xlsx", "Ho so NCC thuc pham {y}.pdf", "ATTP{pf}_{SS}.docx",
                      "An toàn thực phẩm{pf}.docx"],
            "short": ["Gửi Tổ kết quả tự kiểm tra bếp ăn tập thể ạ.", "Y tế trường nộp hồ sơ nhà cung cấp thực phẩm."],
        },
    },
    "dinh-duong": {
        "levels": ["MN", "TH"],
        "dev": {
            "vv": ["công tác nuôi dưỡng, chăm sóc dinh dưỡng", "kết quả cân đo, theo dõi biểu đồ tăng trưởng"],
            "subj": ["Báo cáo kết quả cân đo{p}", "BC tình hình dinh dưỡng của {hs}{p}", "V/v báo cáo thực đơn, khẩu phần ăn{p}",
                     "Báo cáo SDD, thừa cân béo phì{p}"],
            "body": ["Kết quả cân đo: tổng số {hs} được cân đo {n3}; suy dinh dưỡng thể nhẹ cân {lowpct}%, thấp còi {lowpct2}%, thừa cân - béo phì {lowpct3}%.",
                     "Nhà trường xây dựng thực đơn theo mùa, cân đối các nhóm chất; năng lượng khẩu phần đạt {kcal} kcal/{hs}/ngày tại trường, tỷ lệ P:L:G đạt khuyến nghị.",
                     "Các {hs} suy dinh dưỡng, thừa cân được theo dõi trên biểu đồ tăng trưởng, có chế độ ăn và vận động phù hợp; nhà trường phối hợp với gia đình để can thiệp kịp thời."],
            "files": ["BC can do{pf}.xlsx", "Thuc don tuan{pf}.xlsx", "BC SDD beo phi_{SS}.xls"],
            "short": ["Trường gửi kết quả cân đo{p}.", "Gửi Phòng thực đơn và khẩu phần ăn ạ."],
        },
        "holdout": {
            "vv": ["chế độ ăn và khẩu phần dinh dưỡng", "việc theo dõi cân nặng, chiều cao của {hs}"],
            "subj": ["Tỷ lệ {hs} suy dinh dưỡng, béo phì{p}", "Thực đơn và định lượng khẩu phần{p}",
                     "Theo dõi cân nặng, chiều cao{p}"],
            "body": ["Số {hs} phát triển bình thường về cân nặng và chiều cao: {pct}%; số {hs} phục hồi suy dinh dưỡng so với đầu năm: {n1}; số {hs} béo phì giảm {n1b} em.",
                     "Định lượng khẩu phần: {kcal} kcal, đảm bảo nhu cầu năng lượng tại trường; thực đơn thay đổi theo tuần, không lặp món, bổ sung rau xanh và hoa quả theo mùa."],
            "files": ["Theo doi can nang chieu cao{pf}.xlsx", "Dinh luong khau phan{pf}.xlsx", "Thuc don_{SS}.pdf"],
            "short": ["Gửi Tổ biểu theo dõi cân nặng, chiều cao ạ.", "Trường nộp thực đơn, định lượng khẩu phần."],
        },
    },
    "dao-duc-loi-song": {
        "levels": ["TH", "THCS"],
        "dev": {
            "vv": ["công tác giáo dục đạo đức, lối sống cho học sinh", "việc thực hiện bộ quy tắc ứng xử văn hóa"],
            "subj": ["Báo cáo công tác giáo dục đạo đức, lối sống{p}", "BC thực hiện quy tắc ứng xử văn hóa{p}",
                     "V/v báo cáo giáo dục đạo đức HS{p}"],
            "body": ["Nhà trường tổ chức các hoạt động giáo dục truyền thống, giáo dục lòng biết ơn, lối sống lành mạnh cho học sinh; {pct}% học sinh được đánh giá phẩm chất tốt.",
                     "Bộ quy tắc ứng xử văn hóa được niêm yết tại các lớp học; giáo viên chủ nhiệm thường xuyên nhắc nhở học sinh lời nói, hành vi chuẩn mực."],
            "files": ["BC GD dao duc loi song{pf}.docx", "Quy tac ung xu_{SS}.pdf", "BC dao duc HS{pf}.doc"],
            "short": ["Trường gửi BC giáo dục đạo đức, lối sống{p}.", "Gửi Phòng báo cáo thực hiện quy tắc ứng xử ạ."],
        },
        "holdout": {
            "vv": ["xây dựng văn hóa học đường", "giáo dục lý tưởng, đạo đức, lối sống văn hóa cho học sinh"],
            "subj": ["Kết quả xây dựng văn hóa học đường{p}", "Giáo dục lý tưởng, đạo đức, lối sống văn hóa{p}",
                     "Chuyên đề Nói lời hay, làm việc tốt{p}"],
            "body": ["Các chi đội, sao nhi đồng tổ chức sinh hoạt chủ đề kính thầy yêu bạn, nói lời hay làm việc tốt; không có học sinh vi phạm nội quy nghiêm trọng.",
                     "Nhà trường phối hợp với Ban đại diện cha mẹ học sinh giáo dục ứng xử văn minh, lành mạnh trên không gian mạng cho học sinh."],
            "files": ["Van hoa hoc duong{pf}.docx", "GD ly tuong dao duc loi song_{SS}.pdf", "Chuyen de loi hay y dep.docx"],
            "short": ["Gửi Tổ kết quả xây dựng văn hóa học đường.", "Trường nộp báo cáo chuyên đề đạo đức, lối sống ạ."],
        },
    },
    "danh-gia-hoc-sinh": {
        "levels": ["TH", "THCS"], "months": [1, 3, 5, 6, 10, 11],
        "dev": {
            "vv": ["kết quả đánh giá học sinh cuối kỳ", "kết quả đánh giá học sinh theo Thông tư 22"],
            "subj": ["Báo cáo kết quả đánh giá học sinh cuối kỳ năm học {y}", "BC chất lượng cuối kỳ theo TT22{p}",
                     "V/v báo cáo kết quả đánh giá HS{p}"],
            "body": ["Kết quả đánh giá cuối kỳ: {rating}. Tổng số học sinh được đánh giá: {n4}.",
                     "Việc đánh giá học sinh được thực hiện theo Thông tư 22/2016/TT-BGDĐT, đảm bảo khách quan, chính xác; nhà trường đã tổ chức ra đề, coi, chấm kiểm tra định kỳ nghiêm túc."],
            "files": ["BC KQ danh gia HS{pf}.xlsx", "Chat luong cuoi ky TT22_{SS}.xlsx", "Thong ke danh gia HS {y}.xls"],
            "short": ["Trường gửi kết quả đánh giá học sinh{p}.", "Gửi Phòng thống kê chất lượng cuối kỳ ạ."],
        },
        "holdout": {
            "vv": ["tổng hợp chất lượng giáo dục định kỳ", "kết quả kiểm tra, đánh giá định kỳ"],
            "subj": ["Thống kê chất lượng giáo dục giữa kỳ{p}", "Kết quả kiểm tra định kỳ các môn{p}",
                     "Chất lượng giáo dục cuối năm học {y}"],
            "body": ["Tổng hợp kết quả kiểm tra, đánh giá định kỳ: {rating} (tổng số {n4} học sinh).",
                     "Nhà trường đã rà soát, đối chiếu kết quả kiểm tra định kỳ với nhận xét thường xuyên của giáo viên, đảm bảo đánh giá đúng thực chất, không chạy theo thành tích."],
            "files": ["Chat luong GD dinh ky{pf}.xlsx", "KQ kiem tra dinh ky_{SS}.xlsx", "Thong ke chat luong {y}.pdf"],
            "short": ["Gửi Tổ thống kê chất lượng định kỳ ạ.", "Trường nộp kết quả kiểm tra định kỳ."],
        },
    },
    "esams": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["việc cập nhật dữ liệu trên hệ thống ESAMS", "số liệu thống kê trên phần mềm ESAMS"],
            "subj": ["Báo cáo ESAMS{p}", "V/v hoàn thành nhập liệu ESAMS{p}", "BC cập nhật số liệu ESAMS kỳ {kyesams} năm học {y}"],
            "body": ["Nhà trường đã hoàn thành cập nhật số liệu kỳ {kyesams} trên hệ thống ESAMS: {n3} {hs}, {n2} lớp, {gv} CBGVNV; số liệu đã được Hiệu trưởng phê duyệt.",
                     "Tài khoản ESAMS của trường bị khóa từ ngày {d1} nên chưa gửi được biểu mẫu; kính đề nghị Phòng hỗ trợ mở khóa để nhà trường kịp hoàn thành."],
            "files": ["ESAMS{pf}.xlsx", "Bieu thong ke ESAMS_{SS}.xlsx", "Xac nhan ESAMS{pf}.pdf"],
            "short": ["Trường đã nhập xong số liệu ESAMS{p}.", "Gửi Phòng xác nhận hoàn thành ESAMS ạ."],
        },
        "holdout": {
            "vv": ["tình hình nhập và phê duyệt biểu mẫu thống kê trên eSAMS"],
            "subj": ["eSAMS - biểu thống kê{p} đã phê duyệt", "Xác nhận hoàn thành số liệu eSams{p}",
                     "Đề nghị mở lại biểu mẫu eSAMS"],
            "body": ["Trường đã nhập xong {n1} biểu mẫu thống kê trên eSAMS, đã đối chiếu với cơ sở dữ liệu ngành và bấm gửi duyệt.",
                     "Trường đề nghị Phòng mở lại biểu mẫu trên eSams để điều chỉnh số liệu do nhập nhầm {n1} {hs} chuyển đi."],
            "files": ["eSAMS bieu thong ke{pf}.xlsx", "eSams_{SS}{pf}.pdf"],
            "short": ["Gửi Tổ xác nhận số liệu eSAMS.", "eSams trường em đã gửi duyệt ạ."],
        },
    },
    "truong-hoc-dien-tu": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["công tác chuyển đổi số, xây dựng trường học điện tử", "ứng dụng CNTT trong quản lý và dạy học"],
            "subj": ["Báo cáo chuyển đổi số{p}", "BC xây dựng trường học điện tử{p}", "V/v báo cáo ứng dụng CNTT, CĐS{p}"],
            "body": ["Nhà trường đã triển khai hồ sơ điện tử, ký số văn bản đi, sử dụng phần mềm quản lý trường học; {pct}% giáo viên sử dụng thành thạo các phần mềm dạy học trực tuyến.",
                     "Hệ thống mạng wifi đã phủ sóng {n2} phòng học; nhà trường tự đánh giá đạt mức {lvl} theo tiêu chí đánh giá chuyển đổi số cơ sở giáo dục."],
            "files": ["BC chuyen doi so{pf}.docx", "Truong hoc dien tu_{SS}.docx", "BC CNTT CDS{pf}.pdf"],
            "short": ["Trường gửi báo cáo chuyển đổi số{p}.", "Gửi Phòng BC trường học điện tử ạ."],
        },
        "holdout": {
            "vv": ["mức độ chuyển đổi số trong nhà trường", "việc triển khai trường học số"],
            "subj": ["Tự đánh giá mức độ CĐS{p}", "Trường học số: báo cáo triển khai{p}", "Kết quả số hóa hồ sơ, học bạ số"],
            "body": ["Kết quả tự đánh giá chuyển đổi số theo Quyết định 4725/QĐ-BGDĐT: quản trị nhà trường đạt mức {lvl}, dạy học đạt mức {lvl2}.",
                     "Nhà trường đã số hóa {n3} hồ sơ {hs}, triển khai học bạ số cho {n2} lớp và sử dụng kho học liệu số của ngành."],
            "files": ["Tu danh gia CDS{pf}.xlsx", "Truong hoc so_{SS}.docx", "So hoa ho so{pf}.pdf"],
            "short": ["Gửi Tổ biểu tự đánh giá CĐS ạ.", "Trường nộp báo cáo triển khai trường học số."],
        },
    },
    "vnen": {
        "levels": ["TH", "THCS"],
        "dev": {
            "vv": ["việc áp dụng mô hình trường học mới VNEN"],
            "subj": ["Báo cáo triển khai mô hình VNEN{p}", "BC áp dụng từng phần mô hình trường học mới VNEN{p}",
                     "V/v báo cáo VNEN năm học {y}"],
            "body": ["Nhà trường tiếp tục vận dụng linh hoạt mô hình trường học mới VNEN ở {n2} lớp: tổ chức lớp học theo nhóm, hội đồng tự quản học sinh, góc học tập và thư viện lớp.",
                     "Giáo viên được tập huấn phương pháp dạy học theo mô hình VNEN; {pct}% phụ huynh đồng thuận với việc duy trì mô hình."],
            "files": ["BC VNEN{pf}.docx", "Bao cao mo hinh VNEN_{SS}.doc", "VNEN {y}.xlsx"],
            "short": ["Trường gửi báo cáo VNEN{p}.", "Gửi Phòng BC mô hình VNEN ạ."],
        },
        "holdout": {
            "vv": ["hiệu quả vận dụng mô hình Trường học mới Việt Nam (VNEN)"],
            "subj": ["Đánh giá hiệu quả vận dụng VNEN{p}", "Tổng kết mô hình Trường học mới (VNEN){p}",
                     "vnen - số liệu lớp học{p}"],
            "body": ["Số lớp duy trì tổ chức hoạt động theo tài liệu hướng dẫn học VNEN: {n2}; số lớp dạy chương trình GDPT 2018 có vận dụng kỹ thuật dạy học VNEN: {n1}.",
                     "Hội đồng tự quản học sinh ở các lớp VNEN hoạt động hiệu quả; học sinh mạnh dạn, tự tin khi thảo luận nhóm."],
            "files": ["Hieu qua VNEN{pf}.docx", "Tong ket Truong hoc moi_{SS}.pdf"],
            "short": ["Gửi Tổ tổng kết mô hình VNEN.", "Trường nộp số liệu lớp học VNEN ạ."],
        },
    },
    "day-bo-tro": {
        "levels": ["TH", "THCS"],
        "dev": {
            "vv": ["công tác phụ đạo học sinh yếu", "việc dạy bổ trợ cho học sinh chưa hoàn thành"],
            "subj": ["Báo cáo công tác phụ đạo HS yếu{p}", "BC dạy bổ trợ{p}", "V/v báo cáo kết quả phụ đạo học sinh{p}"],
            "body": ["Nhà trường tổ chức phụ đạo miễn phí {n1} buổi/tuần cho {n2} học sinh chưa hoàn thành môn Toán, Tiếng Việt (đánh giá theo Thông tư 22/2016).",
                     "Sau {n1} tuần phụ đạo, {n1b} học sinh đã đạt yêu cầu, số còn lại tiếp tục được giáo viên kèm cặp trong các tiết học buổi 2."],
            "files": ["BC phu dao HS yeu{pf}.docx", "Day bo tro_{SS}.xlsx", "Danh sach HS phu dao{pf}.xls"],
            "short": ["Trường gửi BC phụ đạo học sinh yếu{p}.", "Gửi Phòng báo cáo dạy bổ trợ ạ."],
        },
        "holdout": {
            "vv": ["kèm cặp học sinh có kết quả học tập chưa tốt", "tổ chức ôn tập bổ trợ miễn phí"],
            "subj": ["Kết quả kèm cặp HS học lực yếu{p}", "Danh sách lớp dạy bổ trợ miễn phí{p}",
                     "Tổ chức ôn tập bổ trợ cho học sinh {top_grade}{p}"],
            "body": ["Nhà trường xếp {n1} lớp bổ trợ miễn phí theo nhóm trình độ, mỗi lớp không quá {n2} học sinh, do giáo viên cốt cán trực tiếp giảng dạy.",
                     "Số học sinh tiến bộ sau đợt kèm cặp: {n2}/{n2t}; nhà trường tiếp tục duy trì việc kèm cặp đến hết học kỳ."],
            "files": ["Kem cap HS hoc luc yeu{pf}.docx", "Lop bo tro mien phi_{SS}.xlsx"],
            "short": ["Gửi Tổ danh sách lớp bổ trợ miễn phí.", "Trường nộp kết quả kèm cặp học sinh yếu ạ."],
        },
    },
    "day-them-hoc-them": {
        "levels": ["TH", "THCS"],
        "dev": {
            "vv": ["công tác quản lý dạy thêm, học thêm", "việc thực hiện quy định về DTHT"],
            "subj": ["Báo cáo công tác quản lý DTHT{p}", "BC dạy thêm học thêm{p}", "V/v báo cáo rà soát giáo viên dạy thêm{p}"],
            "body": ["Nhà trường đã quán triệt Thông tư 29/2024/TT-BGDĐT về dạy thêm, học thêm tới 100% giáo viên; {gv}/{gv} giáo viên ký cam kết không dạy thêm có thu tiền đối với học sinh mình đang dạy chính khóa.",
                     "Qua rà soát, có {n1} giáo viên dạy thêm ngoài nhà trường và đã báo cáo Hiệu trưởng về môn học, địa điểm, thời gian dạy thêm theo quy định."],
            "files": ["BC DTHT{pf}.docx", "Ra soat GV day them_{SS}.xlsx", "Cam ket DTHT {y}.pdf"],
            "short": ["Trường gửi BC DTHT{p}.", "Gửi Phòng báo cáo dạy thêm học thêm ạ."],
        },
        "holdout": {
            "vv": ["kiểm tra việc dạy thêm ngoài nhà trường"],
            "subj": ["Danh sách GV đăng ký dạy thêm ngoài nhà trường{p}", "Kết quả kiểm tra dạy thêm, học thêm{p}",
                     "Cam kết không dạy thêm trái quy định"],
            "body": ["Nhà trường không tổ chức dạy thêm có thu tiền; Ban giám hiệu đã kiểm tra {n1} cơ sở dạy thêm trên địa bàn phường {ward} có giáo viên của trường tham gia giảng dạy.",
                     "Trong kỳ không phát hiện giáo viên vi phạm quy định về dạy thêm, học thêm; không có phản ánh của cha mẹ học sinh về việc ép học thêm."],
            "files": ["DS GV day them ngoai truong{pf}.xlsx", "Kiem tra day them_{SS}.docx"],
            "short": ["Gửi Tổ danh sách GV dạy thêm ngoài trường ạ.", "Trường nộp kết quả kiểm tra dạy thêm."],
        },
    },
    "so-diem-dien-tu": {
        "levels": ["TH", "THCS"],
        "dev": {
            "vv": ["việc sử dụng sổ điểm điện tử", "tiến độ cập nhật điểm trên SĐĐT"],
            "subj": ["Báo cáo sử dụng sổ điểm điện tử{p}", "BC SĐĐT{p}", "V/v báo cáo nhập điểm trên sổ điểm điện tử{p}"],
            "body": ["Đến ngày {d1}, {pct}% giáo viên đã cập nhật đầy đủ điểm đánh giá thường xuyên trên sổ điểm điện tử; {n1} giáo viên còn chậm đã được nhắc nhở.",
                     "Nhà trường đã khóa sổ điểm điện tử học kỳ {hk} và thực hiện ký số sổ điểm theo hướng dẫn; không còn sử dụng sổ điểm giấy song song."],
            "files": ["BC so diem dien tu{pf}.docx", "SDDT_{SS}{pf}.xlsx"],
            "short": ["Trường gửi BC sổ điểm điện tử{p}.", "Gửi Phòng báo cáo SĐĐT ạ."],
        },
        "holdout": {
            "vv": ["việc khóa sổ và ký số sổ điểm", "tình hình sử dụng sổ điểm online"],
            "subj": ["Khóa sổ điểm điện tử học kỳ {hk}{p}", "Tiến độ ký số sổ điểm{p}", "Sổ điểm online - tổng hợp lỗi phần mềm"],
            "body": ["Trường đã ký số {n2}/{n2t} sổ điểm các lớp; còn {n1} lớp chưa ký do giáo viên chưa được cấp chứng thư số.",
                     "Phần mềm sổ điểm điện tử gặp lỗi không lưu được điểm kiểm tra giữa kỳ ở {n1} lớp, nhà trường đề nghị Phòng liên hệ đơn vị cung cấp phần mềm hỗ trợ."],
            "files": ["Ky so so diem{pf}.xlsx", "Loi phan mem so diem_{SS}.docx"],
            "short": ["Gửi Tổ tiến độ ký số sổ điểm.", "Trường báo lỗi sổ điểm online ạ."],
        },
    },
    "stem": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["việc triển khai giáo dục STEM", "kết quả tổ chức bài học STEM"],
            "subj": ["Báo cáo triển khai giáo dục STEM{p}", "BC tổ chức bài học STEM{p}", "V/v báo cáo ngày hội STEM{p}"],
            "body": ["Các tổ chuyên môn đã xây dựng và tổ chức {n2} bài học STEM; mỗi khối lớp thực hiện ít nhất {n1} chủ đề STEM theo kế hoạch.",
                     "Ngày {d1}, nhà trường tổ chức Ngày hội STEM với {n2} sản phẩm của {hs} được trưng bày (mô hình robot, hệ thống tưới cây tự động, xe chạy bằng năng lượng mặt trời)."],
            "files": ["BC giao duc STEM{pf}.docx", "Ngay hoi STEM_{SS}.pdf", "Bai hoc STEM{pf}.xlsx"],
            "short": ["Trường gửi báo cáo giáo dục STEM{p}.", "Gửi Phòng BC ngày hội STEM ạ."],
        },
        "holdout": {
            "vv": ["giáo dục khoa học, công nghệ, kỹ thuật và toán học (STEM)"],
            "subj": ["Hoạt động trải nghiệm STEM, robotics{p}", "Sản phẩm STEM tiêu biểu{p}", "Kết quả dạy học tích hợp STEM học kỳ {hk}"],
            "body": ["Câu lạc bộ robotics của trường sinh hoạt {n1} buổi/tuần với {n2} {hs} tham gia; nhà trường đã trang bị {n1b} bộ lắp ghép phục vụ dạy học STEM.",
                     "Các {lop} đã tổ chức hoạt động trải nghiệm STEM gắn với thực tiễn; {n2} sản phẩm tiêu biểu được chọn gửi dự triển lãm cấp quận."],
            "files": ["San pham STEM tieu bieu{pf}.pdf", "Trai nghiem STEM robotics_{SS}.docx"],
            "short": ["Gửi Tổ danh sách sản phẩm STEM tiêu biểu.", "Trường nộp kết quả dạy học STEM ạ."],
        },
    },
    "ngoai-ngu": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["việc thực hiện Đề án Ngoại ngữ quốc gia", "công tác dạy và học tiếng Anh"],
            "subj": ["Báo cáo thực hiện Đề án NNQG{p}", "BC dạy học tiếng Anh{p}", "V/v báo cáo tiếng Anh liên kết{p}"],
            "body": ["Thực hiện Đề án Ngoại ngữ quốc gia 2020, nhà trường có {n1} giáo viên tiếng Anh, trong đó {n1b} giáo viên đạt chuẩn năng lực B2 và {n1c} giáo viên đạt C1.",
                     "Chương trình tiếng Anh liên kết với giáo viên bản ngữ được tổ chức {n1} tiết/tuần cho {n3} {hs} theo nguyện vọng của cha mẹ {hs}."],
            "files": ["BC de an NNQG{pf}.docx", "Tieng Anh lien ket_{SS}.xlsx", "BC ngoai ngu{pf}.doc"],
            "short": ["Trường gửi báo cáo NNQG{p}.", "Gửi Phòng BC tiếng Anh liên kết ạ."],
        },
        "holdout": {
            "vv": ["năng lực tiếng Anh của giáo viên và chương trình làm quen tiếng Anh"],
            "subj": ["Khảo sát năng lực tiếng Anh giáo viên{p}", "Chương trình làm quen tiếng Anh{p}",
                     "Tiếng Anh với giáo viên nước ngoài: số lớp, số {hs}{p}"],
            "body": ["Số {hs} tham gia chương trình tiếng Anh với giáo viên nước ngoài: {n3}; số {lop} được bố trí: {n2}.",
                     "Kết quả khảo sát năng lực ngoại ngữ theo khung 6 bậc: {n1} giáo viên bậc 4 (B2), {n1b} giáo viên bậc 5 (C1)."],
            "files": ["Khao sat nang luc tieng Anh GV{pf}.xlsx", "Lam quen tieng Anh_{SS}.docx"],
            "short": ["Gửi Tổ kết quả khảo sát năng lực tiếng Anh.", "Trường nộp số liệu lớp tiếng Anh với GV nước ngoài ạ."],
        },
    },
    "hoc-sinh-gioi": {
        "levels": ["TH", "THCS"], "months": [1, 2, 3, 4, 9, 10, 11],
        "dev": {
            "vv": ["công tác bồi dưỡng học sinh giỏi", "kết quả thi học sinh giỏi cấp quận"],
            "subj": ["Báo cáo kết quả thi HSG{p}", "BC công tác bồi dưỡng HSG năm học {y}", "V/v gửi danh sách đội tuyển HSG{p}"],
            "body": ["Kết quả thi học sinh giỏi cấp quận: {n1} giải Nhất, {n1b} giải Nhì, {n2} giải Ba và {n2b} giải Khuyến khích.",
                     "Nhà trường lựa chọn {n2} học sinh vào đội tuyển HSG các môn văn hóa và Tiếng Anh; giáo viên bồi dưỡng theo kế hoạch {n1} buổi/tuần."],
            "files": ["BC ket qua HSG{pf}.xlsx", "DS doi tuyen HSG_{SS}.xlsx", "Boi duong HSG {y}.docx"],
            "short": ["Trường gửi kết quả thi HSG{p}.", "Gửi Phòng danh sách đội tuyển HSG ạ."],
        },
        "holdout": {
            "vv": ["đội tuyển học sinh năng khiếu dự thi cấp Thành phố"],
            "subj": ["Danh sách HS dự thi học sinh giỏi cấp TP{p}", "Thành tích đội tuyển HS năng khiếu{p}",
                     "Giải thưởng các kỳ thi học sinh giỏi năm học {y}"],
            "body": ["Đội tuyển học sinh giỏi {top_grade} của trường đạt {n1} giải cấp Thành phố và {n2} giải cấp quận, xếp thứ {n1b} toàn quận.",
                     "Nhà trường gửi danh sách {n2} học sinh năng khiếu dự thi cấp Thành phố kèm bản sao giấy khai sinh và thẻ học sinh."],
            "files": ["DS du thi HSG cap TP{pf}.xlsx", "Thanh tich doi tuyen_{SS}.pdf"],
            "short": ["Gửi Tổ danh sách HS dự thi cấp TP ạ.", "Trường nộp thành tích đội tuyển học sinh giỏi."],
        },
    },
    "day-nghe": {
        "levels": ["THCS"],
        "dev": {
            "vv": ["công tác giáo dục hướng nghiệp, phân luồng học sinh sau THCS", "kết quả học nghề phổ thông"],
            "subj": ["Báo cáo công tác hướng nghiệp, phân luồng{p}", "BC giáo dục nghề phổ thông lớp 8{p}",
                     "V/v báo cáo tư vấn hướng nghiệp{p}"],
            "body": ["Nhà trường phối hợp với Trung tâm GDNN-GDTX quận tổ chức dạy nghề phổ thông cho {n3} học sinh lớp 8 (tin học văn phòng, điện dân dụng).",
                     "Đã tổ chức {n1} buổi tư vấn hướng nghiệp cho học sinh lớp 9 và cha mẹ học sinh; dự kiến {lowpct}% học sinh đăng ký học tại các trường trung cấp, cao đẳng nghề."],
            "files": ["BC huong nghiep phan luong{pf}.docx", "Nghe pho thong lop 8_{SS}.xlsx"],
            "short": ["Trường gửi báo cáo hướng nghiệp{p}.", "Gửi Phòng BC nghề phổ thông ạ."],
        },
        "holdout": {
            "vv": ["định hướng nghề nghiệp cho học sinh lớp 9"],
            "subj": ["Kết quả tư vấn chọn nghề cho HS lớp 9{p}", "Phân luồng sau tốt nghiệp THCS năm học {y}",
                     "Tham quan trải nghiệm tại cơ sở giáo dục nghề nghiệp{p}"],
            "body": ["Số học sinh lớp 9 có nguyện vọng học tại cơ sở giáo dục nghề nghiệp: {n2}/{n3}; nhà trường đã mời {n1} trường cao đẳng đến tư vấn chọn nghề trực tiếp cho học sinh.",
                     "Ngày {d1}, nhà trường tổ chức cho {n3} học sinh tham quan, trải nghiệm nghề tại Trường Cao đẳng nghề Bách khoa Hà Nội."],
            "files": ["Tu van chon nghe lop 9{pf}.docx", "Phan luong sau THCS_{SS}.xlsx"],
            "short": ["Gửi Tổ kết quả tư vấn chọn nghề lớp 9.", "Trường nộp báo cáo trải nghiệm nghề ạ."],
        },
    },
    "bao-cao-thang": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["kết quả thực hiện nhiệm vụ", "kết quả công tác"],
            "subj": ["Báo cáo{p}", "BC{p}", "Báo cáo định kỳ{p}", "Báo cáo kết quả công tác{p} và phương hướng tháng {mnext}",
                     "Gửi báo cáo{p}"],
            "body": ["1. Công tác tư tưởng chính trị: 100% CBGVNV chấp hành tốt chủ trương của Đảng, chính sách pháp luật của Nhà nước, không có CBGVNV vi phạm.",
                     "2. Công tác chuyên môn: Ban giám hiệu dự giờ {n2} tiết, kiểm tra hồ sơ {n1} giáo viên; tổ chức {n1b} chuyên đề cấp trường.",
                     "3. Công tác bán trú, y tế: duy trì tốt nề nếp bán trú cho {n3} {hs}; đảm bảo vệ sinh an toàn thực phẩm, không có trường hợp ngộ độc.",
                     "4. Công tác cơ sở vật chất: tu sửa nhỏ bàn ghế, hệ thống điện nước; vệ sinh khuôn viên trường lớp xanh - sạch - đẹp.",
                     "5. Công tác khác: tham gia đầy đủ các hoạt động do Phòng GD&ĐT và UBND phường {ward} tổ chức.",
                     "Phương hướng tháng {mnext}: tiếp tục thực hiện tốt nhiệm vụ năm học {y}, duy trì sĩ số, nâng cao chất lượng chăm sóc, giáo dục."],
            "files": ["BC thang{pf}.docx", "Bao cao thang{pf}.doc", "BC{pf}_{SS}.docx", "Báo cáo tháng{pf}.docx"],
            "short": ["Trường gửi báo cáo{p} ạ.", "Gửi Phòng BC{p}."],
        },
        "holdout": {
            "vv": ["hoạt động", "kết quả thực hiện nhiệm vụ trọng tâm"],
            "subj": ["Báo cáo{p} của trường", "Gửi BC{p}", "Báo cáo hoạt động{p}", "Tổng hợp kết quả hoạt động{p}",
                     "Báo cáo định kỳ hằng tháng -{p}"],
            "body": ["A. Kết quả: tổng số {hs}: {n3}, số {lop}: {n2}; tỷ lệ chuyên cần đạt {pct}%.",
                     "- Hoạt động chuyên môn: thao giảng {n2} tiết, sinh hoạt tổ chuyên môn theo nghiên cứu bài học {n1} buổi.",
                     "- Công tác chăm sóc sức khỏe, vệ sinh trường lớp được duy trì thường xuyên.",
                     "- Phong trào thi đua: hưởng ứng các ngày lễ lớn trong tháng, {n1} tập thể, {n2} cá nhân được khen.",
                     "B. Tồn tại: một số giáo viên trẻ còn hạn chế kinh nghiệm xử lý tình huống sư phạm.",
                     "C. Nhiệm vụ trọng tâm tháng {mnext}: kiểm tra nội bộ, chuẩn bị hồ sơ thi đua, tiếp tục công tác bán trú."],
            "files": ["Bao cao hoat dong{pf}_{SS}.docx", "BC dinh ky hang thang{pf}.pdf", "{SS} - BC{pf}.docx"],
            "short": ["Gửi Tổ BC{p} ạ.", "Báo cáo{p} trường em gửi kèm."],
        },
    },
    "du-luan": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["vụ việc phụ huynh phản ánh trên mạng xã hội", "nội dung bài báo phản ánh về nhà trường"],
            "subj": ["Báo cáo giải trình nội dung phụ huynh phản ánh{p}", "V/v báo cáo vụ việc đăng tải trên mạng xã hội",
                     "BC khẩn vụ việc tại trường", "Báo cáo nhanh về bài báo phản ánh nhà trường"],
            "body": ["Ngày {d1}, trên mạng xã hội Facebook xuất hiện bài đăng của tài khoản '{fb}' phản ánh giáo viên lớp {cls} có lời nói thiếu chuẩn mực với {hs}. Nhà trường đã xác minh, làm việc với giáo viên và phụ huynh; hiện phụ huynh đã đồng thuận và gỡ bài viết.",
                     "Báo {paper} ngày {d1} đăng bài phản ánh việc thu các khoản đầu năm tại trường gây bức xúc trong dư luận. Nhà trường xin báo cáo giải trình và cung cấp hồ sơ liên quan kèm theo.",
                     "Vụ việc đã được nhà trường báo cáo nhanh qua điện thoại với lãnh đạo Phòng; nhà trường tiếp tục theo dõi dư luận và sẽ báo cáo bổ sung."],
            "files": ["Bao cao giai trinh{pf}.docx", "BC vu viec MXH_{SS}.pdf", "Giai trinh bai bao.docx"],
            "short": ["Trường gửi báo cáo giải trình vụ việc phụ huynh phản ánh.", "Gửi Phòng báo cáo nhanh vụ việc trên Facebook ạ."],
        },
        "holdout": {
            "vv": ["thông tin lan truyền trên mạng liên quan đến nhà trường", "đơn phản ánh của cha mẹ học sinh"],
            "subj": ["Giải trình thông tin lan truyền trên TikTok", "Báo cáo sự việc xảy ra ngày {d1}",
                     "Đơn phản ánh của phụ huynh lớp {cls}", "KHẨN: báo cáo vụ việc liên quan đến {hs} của trường"],
            "body": ["Một clip dài khoảng {n2} giây lan truyền trên TikTok ghi lại cảnh {hs} bị giáo viên quát mắng; nhà trường đã mời phụ huynh lên làm việc, tạm đình chỉ đứng lớp đối với giáo viên để xác minh.",
                     "Phụ huynh lớp {cls} gửi đơn tới UBND phường {ward} phản ánh việc giáo viên chủ nhiệm thu tiền quỹ lớp; nhà trường đã tiếp nhận, xác minh và trả lời bằng văn bản.",
                     "Sự việc gây chú ý trên các hội nhóm phụ huynh; nhà trường đã họp Ban giám hiệu, thống nhất thông tin chính thức và sẽ tiếp tục cập nhật tới Phòng."],
            "files": ["Giai trinh clip TikTok{pf}.docx", "Don phan anh va tra loi_{SS}.pdf"],
            "short": ["KHẨN - trường gửi báo cáo vụ việc ạ.", "Gửi Tổ báo cáo giải trình đơn phản ánh của phụ huynh."],
        },
    },
    "guong-dien-hinh": {
        "levels": ["MN", "TH", "THCS"],
        "dev": {
            "vv": ["gương người tốt, việc tốt", "điển hình tiên tiến cần biểu dương"],
            "subj": ["Báo cáo gương người tốt việc tốt{p}", "V/v biểu dương học sinh nhặt được của rơi trả người đánh mất",
                     "BC điển hình tiên tiến{p}"],
            "body": ["{!TH,THCS}Ngày {d1}, em {stud} - học sinh lớp {cls} nhặt được chiếc ví có {money_small} đồng và giấy tờ tùy thân, đã nộp lại cho cô giáo chủ nhiệm để trả người đánh mất. Nhà trường đã tuyên dương em trước toàn trường.",
                     "Cô giáo {name}, giáo viên lớp {cls}, đã kịp thời sơ cứu và đưa một người dân bị tai nạn giao thông trước cổng trường đi cấp cứu. Nhà trường kính đề nghị Phòng biểu dương, nhân rộng điển hình."],
            "files": ["BC nguoi tot viec tot{pf}.docx", "Dien hinh tien tien_{SS}.docx"],
            "short": ["Trường gửi báo cáo gương người tốt việc tốt{p}.", "Gửi Phòng BC điển hình tiên tiến ạ."],
        },
        "holdout": {
            "vv": ["tấm gương tiêu biểu để tuyên truyền, nhân rộng"],
            "subj": ["Giới thiệu tấm gương tiêu biểu{p}", "Đề nghị khen thưởng đột xuất cô giáo {name}",
                     "Việc tốt của {hs} lớp {cls}"],
            "body": ["Thầy giáo {name} nhiều năm liền giúp đỡ {n1} học sinh có hoàn cảnh đặc biệt khó khăn, hỗ trợ sách vở, quần áo và động viên các em đến trường; tấm gương của thầy được cha mẹ học sinh ghi nhận.",
                     "Nhân viên bảo vệ {name2} phát hiện và dập tắt kịp thời một đám cháy nhỏ tại nhà dân cạnh trường lúc nửa đêm; nhà trường đề nghị Phòng biểu dương, khen thưởng đột xuất."],
            "files": ["Tam guong tieu bieu{pf}.docx", "De nghi khen dot xuat_{SS}.pdf"],
            "short": ["Gửi Tổ giới thiệu tấm gương tiêu biểu.", "Trường đề nghị khen thưởng đột xuất, hồ sơ kèm theo ạ."],
        },
    },
}

# --------------------------------------------------------------------------
# Shared phrasing pools, per set (holdout pools deliberately differ from dev).
# --------------------------------------------------------------------------

POOLS = {
    "dev": {
        "greet": ["Kính gửi: Phòng GD&ĐT quận Hoàng Mai", "Kính gửi: {team_full}",
                  "Kính gửi: Phòng Giáo dục và Đào tạo quận Hoàng Mai",
                  "Kính gửi đồng chí chuyên viên phụ trách {lvname}"],
        "open": ["Thực hiện {cv} của Phòng GD&ĐT quận Hoàng Mai, {SF} báo cáo {vv}{p} như sau:",
                 "{SF} xin gửi báo cáo {vv}{p} (file đính kèm).",
                 "Trường {S} gửi Phòng báo cáo {vv}{p}:",
                 "Thực hiện {kh}, nhà trường báo cáo {vv}{p} cụ thể như sau:"],
        "close": ["Trân trọng!", "Trân trọng cảm ơn!", "Kính mong Phòng xem xét, giúp đỡ. Trân trọng!",
                  "Xin trân trọng cảm ơn!"],
        "sig": ["Hiệu trưởng\n{name}",
                "Trân trọng,\n{name}\nHiệu trưởng {SF}\nĐT: {phone}",
                "--\n{SFU}\nĐịa chỉ: phường {ward}, quận Hoàng Mai, Hà Nội\nĐiện thoại: {landline}",
                "Người lập: {name} ({role})\nSĐT: {phone}"],
        "vague_subj": ["Gửi báo cáo", "V/v gửi hồ sơ", "Báo cáo", "gui bao cao", "{S} gửi báo cáo",
                       "Gửi Phòng GD", "BC", "Gửi văn bản"],
        "generic_body": ["Kính gửi: {team_full}\nTrường {S} gửi báo cáo (file đính kèm).\nTrân trọng!",
                         "Em gửi báo cáo ạ.",
                         "Trường gửi Phòng hồ sơ theo yêu cầu. Trân trọng cảm ơn!",
                         "Kính gửi Phòng,\n{SF} gửi văn bản như file đính kèm.\n{name}"],
        "generic_files": ["Document1.docx", "New Microsoft Word Document.docx", "BC.pdf", "baocao.docx",
                          "scan0012.pdf", "Book1.xlsx"],
        "pre": ["", "", "", "", "[{S}] ", "{S} - ", "Kính gửi {team}: "],
        "suf": ["", "", "", "", " - {S}", " ({S})", " ạ"],
        "reply_prefix": ["Re: ", "RE: ", "TL: ", "Re: "],
        "fwd_prefix": ["Fwd: ", "FW: ", "Fw: "],
        "subj_period": ["tháng {m}/{Y}", "T{m}-{Y}", "T{m}/{Y}", "tháng {m} năm {Y}", "{m}/{Y}",
                        "tháng {m}", "tháng {m2}/{Y}", "T{m2}/{Y}"],
        "body_period": ["tháng {m}/{Y}", "tháng {m} năm {Y}", "tháng {m}", "tháng {m2}/{Y}"],
        "file_period": ["_T{m}-{Y}", "_T{m2}.{Y}", " thang {m}", "_{m2}_{Y}", "_T{m}", " T{m}.{Y}"],
        "period_line": ["(Số liệu tính đến hết {bp})", "Kỳ báo cáo: {bp}."],
        "cv": ["Công văn số {cvn}/PGDĐT-{cvx} ngày {cvd}", "Công văn số {cvn}/PGDĐT ngày {cvd}"],
        "kh": ["Kế hoạch số {cvn}/KH-PGDĐT ngày {cvd}", "Kế hoạch số {cvn}/KH-UBND ngày {cvd} của UBND quận"],
        "pgd_subj": ["V/v báo cáo {vv}{p}", "Đề nghị các trường gửi báo cáo {vv}{p}"],
        "pgd_req": ["Kính gửi Hiệu trưởng các trường {lvplural},\nĐề nghị các đơn vị gửi báo cáo {vv}{p} về {team} trước ngày {due}.\nTrân trọng.\n{team}",
                    "Đ/c Hiệu trưởng các trường lưu ý: hạn nộp báo cáo {vv}{p} là ngày {due}. Trường nào chưa gửi đề nghị gửi gấp.\n{pgdname} - {team}"],
        "quote_hdr": ["Vào {gdate}, {team} <{team_addr}> đã viết:",
                      "-----Original Message-----\nFrom: {team} [mailto:{team_addr}]\nSent: {odate}\nTo: {to_list}\nSubject: {osubj}"],
        "reply_top": ["Trường {S} gửi báo cáo ạ.", "{SF} gửi Phòng báo cáo (đính kèm).\nTrân trọng!",
                      "Dạ, trường em gửi báo cáo ạ. Em cảm ơn.", "Kính gửi Phòng,\nNhà trường gửi báo cáo theo yêu cầu.\n{name}"],
        "fwd_hdr": ["---------- Forwarded message ---------\nFrom: {iname} <{iaddr}>\nDate: {gdate}\nSubject: {isubj}\nTo: <{ito}>",
                    "-----Original Message-----\nFrom: {iname} [mailto:{iaddr}]\nSent: {odate}\nTo: {ito}\nSubject: {isubj}"],
        "fwd_note": ["", "Kính chuyển Phòng báo cáo của nhà trường.", "Em chuyển tiếp báo cáo ạ.",
                     "Trường gửi lại báo cáo do lần trước chưa gửi tới Tổ."],
        "personal_intro": ["Em là {iname}, giáo viên {SF}. Do hộp thư của trường đang bị lỗi nên em gửi báo cáo thay cô hiệu trưởng ạ.",
                           "Em gửi báo cáo thay cô hiệu trưởng ạ.",
                           "Tôi là {iname}, kế toán {SF}, xin gửi báo cáo qua mail cá nhân."],
        "mobile": ["Sent from my iPhone"],
        "personal_domains": ["gmail.com", "gmail.com", "gmail.com", "yahoo.com.vn", "yahoo.com.vn", "hotmail.com",
                             "outlook.com", "icloud.com"],
        "unknown": [("c1truongmoi-hm@hanoiedu.vn", "Trường Tiểu học Yên Sở 2", "TH", None, "Yên Sở"),
                    ("mnhoasua-hn@hanoiedu.vn", "Trường Mầm non Hoa Sữa", "MN", "MN-HOASUA", None),
                    ("c1daikim.hm@hanoiedu.vn", "TH Đại Kim", "TH", "TH-DAIKIM", None),
                    ("c2tanmaii-hm@hanoiedu.vn", "THCS Tân Mai", "THCS", "THCS-TANMAI", None),
                    ("thcsdinhcong-hm@hanoiedu.vn", "Trường THCS Định Công", "THCS", "THCS-DINHCONG", None),
                    ("mnvietuc-hm@hanoiedu.vn", "Trường Mầm non tư thục Việt Úc", "MN", None, "Vĩnh Hưng")],
        "long_head": "PHÒNG GD&ĐT QUẬN HOÀNG MAI          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n{SFU}          Độc lập - Tự do - Hạnh phúc\nSố: {docno}/BC-{abbr}          Hoàng Mai, ngày {ld} tháng {lm} năm {lY}",
        "long_sections": ["I. ĐẶC ĐIỂM TÌNH HÌNH", "II. KẾT QUẢ THỰC HIỆN", "III. KHÓ KHĂN, VƯỚNG MẮC", "IV. ĐỀ XUẤT, KIẾN NGHỊ"],
        "long_bits": ["Năm học {y}, nhà trường có {n2} {lop} với {n3} {hs}; tổng số CBGVNV: {gv}.",
                      "Kinh phí còn hạn chế, một số hạng mục chưa thực hiện được theo kế hoạch.",
                      "Đề nghị Phòng GD&ĐT tiếp tục quan tâm, tạo điều kiện để nhà trường hoàn thành nhiệm vụ.",
                      "Nơi nhận:\n- Phòng GD&ĐT (để b/c);\n- Lưu: VT."],
    },
    "holdout": {
        "greet": ["Kg: Phòng GD&ĐT Hoàng Mai", "Kính gửi Phòng Giáo dục và Đào tạo",
                  "Kính chào các đồng chí {team}!", "Gửi {team} - PGD quận", "Thưa Phòng,"],
        "open": ["Căn cứ {cv}, nhà trường trân trọng báo cáo {vv}{p} như sau:",
                 "Theo yêu cầu của {team}, {SF} nộp báo cáo {vv}{p}.",
                 "Nhà trường gửi tới Phòng nội dung {vv}{p}, cụ thể:",
                 "Để Phòng tổng hợp, trường {S} xin báo cáo {vv}{p}."],
        "close": ["Trân trọng kính chào.", "Xin cảm ơn Phòng!", "Rất mong nhận được sự quan tâm của Phòng.",
                  "Kính báo cáo."],
        "sig": ["KT. HIỆU TRƯỞNG\nPHÓ HIỆU TRƯỞNG\n\n{name}",
                "Thanks & Best regards,\n{name}\n{role} - {S}\nMobile: {phone}",
                "---------------\n{name} | {role}\n{SF}\nTel: {landline} - Hotline: {phone}",
                "{role}: {name} - {phone}"],
        "vague_subj": ["Nộp báo cáo", "V/v nộp hồ sơ theo yêu cầu", "Gửi file", "File đính kèm", "",
                       "Tài liệu gửi Phòng", "bao cao truong {S}", "Báo cáo theo CV", "Hồ sơ"],
        "generic_body": ["Kg Phòng,\nNhà trường nộp file như đính kèm.\nTrân trọng kính chào.",
                         "Gửi Tổ file ạ. Em cảm ơn.",
                         "Đ/c kiểm tra giúp trường file đính kèm nhé. Cảm ơn đ/c!",
                         "{SF} trân trọng gửi tài liệu kèm theo thư này."],
        "generic_files": ["CamScanner {cd}.pdf", "Scan_{cdc}.pdf", "IMG_{cdc}_0932.pdf", "Tài liệu mới.docx",
                          "bc1.docx", "file gui PGD.xlsx"],
        "pre": ["", "", "", "", "{SS}_", "Trường {S}: ", "Kg Phòng GD&ĐT - "],
        "suf": ["", "", "", "", " - {SF}", " (gửi Tổ {lvname})", " /{S}"],
        "reply_prefix": ["Trả lời: ", "Re: ", "Re: Re: ", "RE: "],
        "fwd_prefix": ["CT: ", "Chuyển tiếp: ", "Fwd: "],
        "subj_period": ["T.{m}/{Y}", "th{m}/{Y}", "{m}.{Y}", "tháng {m}-{Y}", "Tháng {m}.{Y}", "T{m}/{Y}",
                        "tháng {m}", "tháng {m}/{Y}", "T{m2}-{Y}"],
        "body_period": ["tháng {m}-{Y}", "tháng {m}.{Y}", "tháng {m}/{Y}", "tháng {m}", "tháng {m2} năm {Y}"],
        "file_period": ["_{Y}{m2}", " {Y}.{m2}", "-thang{m}-{Y}", " T{m}_{Y}", "_th{m}", "_{m2}-{Y}"],
        "period_line": ["Số liệu chốt đến cuối {bp}.", "(Báo cáo {bp})"],
        "cv": ["Văn bản số {cvn}/PGD&ĐT ngày {cvd}", "CV {cvn}/PGDĐT-{cvx} ngày {cvd2}",
               "Hướng dẫn số {cvn}/HD-PGDĐT ngày {cvd3}"],
        "kh": ["Kế hoạch {cvn}/KH-PGDĐT ngày {cvd2}"],
        "pgd_subj": ["Nhắc nộp báo cáo {vv}{p}", "[PGD Hoàng Mai] Thu báo cáo {vv}{p}"],
        "pgd_req": ["Các trường {lvplural} thân mến,\n{team} đề nghị các trường nộp {vv}{p} trước {due}, gửi về hộp thư này.\nCảm ơn các đồng chí.",
                    "Kính gửi các đơn vị.\nHiện còn một số trường chưa nộp {vv}{p}. Đề nghị hoàn thành trước {due}.\n{pgdname}"],
        "quote_hdr": ["Trên {gdate2}, {team} <{team_addr}> viết:",
                      "________________________________\nTừ: {team} <{team_addr}>\nĐã gửi: {vdate}\nĐến: {to_list}\nChủ đề: {osubj}"],
        "reply_top": ["Trường em xin nộp ạ.", "Dạ {SF} gửi Tổ ạ.", "Nhà trường nộp báo cáo, đề nghị Tổ kiểm tra giúp.\n{name}",
                      "Em gửi file ạ, có gì sai sót Tổ báo em sửa ạ."],
        "fwd_hdr": ["----- Tin nhắn đã chuyển tiếp -----\nTừ: {iname} <{iaddr}>\nTới: {ito}\nĐã gửi: {vdate}\nChủ đề: {isubj}",
                    "Begin forwarded message:\n\nFrom: {iname} <{iaddr}>\nSubject: {isubj}\nDate: {edate}\nTo: {ito}"],
        "fwd_note": ["", "Trường chuyển tiếp báo cáo của bộ phận phụ trách.", "Chuyển Tổ ạ.",
                     "Em gửi lại do lần trước file bị lỗi không mở được ạ."],
        "personal_intro": ["Mail trường không đăng nhập được nên tôi gửi tạm bằng mail cá nhân.",
                           "Thầy Hiệu trưởng nhờ em gửi hộ báo cáo của trường ạ.",
                           "Em là {iname} ({SF}), em gửi báo cáo bằng mail riêng vì mail trường đầy dung lượng ạ."],
        "mobile": ["Gửi từ iPhone của tôi", "Được gửi từ điện thoại Samsung Galaxy", "Sent from my iPhone",
                   "Gửi từ Outlook dành cho Android"],
        "personal_domains": ["gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "icloud.com",
                             "hotmail.com", "yahoo.com.vn"],
        "unknown": [("c1nguyentrai-tx@hanoiedu.vn", "Trường Tiểu học Nguyễn Trãi", "TH", None, "Khương Đình"),
                    ("c2hoanglie-hm@hanoiedu.vn", "Trường THCS Hoàng Liệt", "THCS", "THCS-HOANGLIET", None),
                    ("mn.sonca-hm@hanoiedu.vn", "MN Sơn Ca", "MN", "MN-SONCA", None),
                    ("c2hoangmai-hm@hanoiedu.vn", "Trường THCS Hoàng Mai", "THCS", None, "Tương Mai"),
                    ("mnhoaanhdao2-hm@hanoiedu.vn", "Trường MN Hoa Anh Đào - cơ sở 2", "MN", None, "Hoàng Liệt"),
                    ("c1-yenso-hm@hanoiedu.vn", "TH Yên Sở", "TH", "TH-YENSO", None)],
        "long_head": "UBND QUẬN HOÀNG MAI\n{SFU}\nSố: {docno}/BC-{abbr}\nV/v: {vv}\nHoàng Mai, ngày {ld} tháng {lm} năm {lY}",
        "long_sections": ["1. Kết quả đạt được", "2. Tồn tại, hạn chế", "3. Phương hướng, giải pháp"],
        "long_bits": ["Tổng số {hs}: {n3}; số {lop}: {n2}; số CBGVNV: {gv}.",
                      "Một số nội dung triển khai còn chậm so với kế hoạch do thiếu nhân lực.",
                      "Tiếp tục rà soát, khắc phục tồn tại; báo cáo kịp thời về Phòng theo quy định.",
                      "Nơi nhận:\n- PGD Hoàng Mai;\n- Lưu VP."],
    },
}

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Đinh", "Dương", "Phan", "Trịnh"]
MIDDLE_F = ["Thị", "Thu", "Thanh", "Ngọc", "Hồng", "Minh", "Thị Thu", "Phương"]
MIDDLE_M = ["Văn", "Minh", "Đức", "Quang", "Hữu", "Mạnh"]
GIVEN_F = ["Hoa", "Lan", "Hương", "Mai", "Hà", "Trang", "Thủy", "Nga", "Hằng", "Phương", "Yến", "Linh", "Huyền", "Loan", "Dung"]
GIVEN_M = ["Hùng", "Dũng", "Tuấn", "Cường", "Thắng", "Long", "Sơn", "Hải", "Bình"]
ROLES = ["Hiệu trưởng", "Phó Hiệu trưởng", "Văn thư", "Kế toán", "Tổ trưởng chuyên môn", "Nhân viên y tế", "Thư ký hội đồng"]
COMPANIES = ["TNHH Thực phẩm sạch Hà Thành", "CP Giáo dục Kỹ năng Việt", "TNHH Minh Phát", "CP Dịch vụ Ánh Dương",
             "TNHH Nông sản An Khang", "CP Đầu tư Giáo dục Tương Lai"]
PAPERS = ["Dân trí", "VnExpress", "Người lao động", "Tuổi trẻ Thủ đô", "Lao động", "Giáo dục và Thời đại"]
FB = ["Mẹ Bống", "Hội phụ huynh Hoàng Mai", "Bố Tít", "Linh Chi Nguyễn", "Review Hoàng Mai"]
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
WEEKDAYS_VI = ["Th 2", "Th 3", "Th 4", "Th 5", "Th 6", "Th 7", "CN"]
WEEKDAYS_VI_LONG = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]

# --------------------------------------------------------------------------
# Character-set helpers
# --------------------------------------------------------------------------

# TCVN 5712:1993 "ABC" (TCVN3) single-byte encoding: lowercase letters plus the
# seven uppercase letters that have their own code (the rest of the uppercase
# toned letters live in the separate ".VnTimeH" capital font, i.e. the same
# codes as lowercase -- that is what we emit for them).
TCVN3 = {
    "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
    "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE,
    "à": 0xB5, "ả": 0xB6, "ã": 0xB7, "á": 0xB8, "ạ": 0xB9,
    "ằ": 0xBB, "ẳ": 0xBC, "ẵ": 0xBD, "ắ": 0xBE, "ặ": 0xC6,
    "ầ": 0xC7, "ẩ": 0xC8, "ẫ": 0xC9, "ấ": 0xCA, "ậ": 0xCB,
    "è": 0xCC, "ẻ": 0xCE, "ẽ": 0xCF, "é": 0xD0, "ẹ": 0xD1,
    "ề": 0xD2, "ể": 0xD3, "ễ": 0xD4, "ế": 0xD5, "ệ": 0xD6,
    "ì": 0xD7, "ỉ": 0xD8, "ĩ": 0xDC, "í": 0xDD, "ị": 0xDE,
    "ò": 0xDF, "ỏ": 0xE1, "õ": 0xE2, "ó": 0xE3, "ọ": 0xE4,
    "ồ": 0xE5, "ổ": 0xE6, "ỗ": 0xE7, "ố": 0xE8, "ộ": 0xE9,
    "ờ": 0xEA, "ở": 0xEB, "ỡ": 0xEC, "ớ": 0xED, "ợ": 0xEE,
    "ù": 0xEF, "ủ": 0xF1, "ũ": 0xF2, "ú": 0xF3, "ụ": 0xF4,
    "ừ": 0xF5, "ử": 0xF6, "ữ": 0xF7, "ứ": 0xF8, "ự": 0xF9,
    "ỳ": 0xFA, "ỷ": 0xFB, "ỹ": 0xFC, "ý": 0xFD, "ỵ": 0xFE,
}
PUNCT_FALLBACK = {"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "\u00a0": " "}


def tcvn3_bytes(text):
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) < 0x80:
            out.append(ord(ch))
        elif ch in TCVN3:
            out.append(TCVN3[ch])
        elif ch.lower() in TCVN3:
            out.append(TCVN3[ch.lower()])
        elif ch in PUNCT_FALLBACK:
            out += PUNCT_FALLBACK[ch].encode("ascii")
        else:
            out += b"?"
    return bytes(out)


def tcvn3_as_latin1_text(text):
    """What a TCVN3 paste looks like once a mail client takes it for Latin-1."""
    return tcvn3_bytes(text).decode("latin-1")


def cp1258_bytes(text):
    """windows-1258 as Windows writes it: precomposed where cp1258 has the
    letter, otherwise base letter (with its vowel modifier) + combining tone."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_MARKS))
        tones = "".join(c for c in d if c in TONE_MARKS)
        out += (base + tones).encode("cp1258", errors="replace")
    return bytes(out)


def tohop(text):
    """Unikey 'Unicode tổ hợp': precomposed vowel letters, combining tone marks."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        d = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in d if c in TONE_MARKS)
        if tones:
            base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_MARKS))
            out.append(base + tones)
        else:
            out.append(ch)
    return "".join(out)


def strip_diacritics(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    d = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in d if not unicodedata.combining(c)))


def ascii_name(text):
    return strip_diacritics(text)


def html_entities(text):
    from html.entities import codepoint2name
    out = []
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            out.append(ch)
        elif o in codepoint2name:
            out.append("&%s;" % codepoint2name[o])
        else:
            out.append("&#%d;" % o)
    return "".join(out)


# --------------------------------------------------------------------------
# MIME helpers (hand-rolled so every byte is under our control)
# --------------------------------------------------------------------------

Q_SAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def _chunks_by_bytes(text, encode, limit):
    chunks, cur = [], ""
    for ch in text:
        if cur and len(encode(cur + ch)) > limit:
            chunks.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        chunks.append(cur)
    return chunks


def ew_b(text, charset="utf-8", encode=None):
    encode = encode or (lambda s: s.encode(charset))
    prefix = "=?%s?B?" % charset
    limit = ((75 - len(prefix) - 2) // 4) * 3
    return [prefix + base64.b64encode(encode(c)).decode("ascii") + "?="
            for c in _chunks_by_bytes(text, encode, limit)]


def _q(b):
    return "".join(chr(x) if x in Q_SAFE else ("_" if x == 0x20 else "=%02X" % x) for x in b)


def ew_q(text, charset="utf-8", encode=None):
    encode = encode or (lambda s: s.encode(charset))
    prefix = "=?%s?Q?" % charset
    return [prefix + _q(encode(c)) + "?=" for c in
            _chunks_by_bytes(text, lambda s: _q(encode(s)).encode(), 75 - len(prefix) - 2)]


def fold_words(name, words):
    return name + ": " + "\r\n ".join(words)


def encode_subject(subject, mode):
    """Returns the header line as bytes (without CRLF)."""
    if mode == "ascii" or all(ord(c) < 128 for c in subject):
        return ("Subject: " + subject).encode("ascii", errors="replace")
    if mode == "raw":
        return ("Subject: " + subject).encode("utf-8")
    if mode == "b":
        return fold_words("Subject", ew_b(subject)).encode("ascii")
    if mode == "q":
        return fold_words("Subject", ew_q(subject)).encode("ascii")
    if mode == "nfd-b":
        return fold_words("Subject", ew_b(unicodedata.normalize("NFD", subject))).encode("ascii")
    if mode == "tohop-q":
        return fold_words("Subject", ew_q(tohop(subject))).encode("ascii")
    if mode == "1258-q":
        return fold_words("Subject", ew_q(subject, "windows-1258", cp1258_bytes)).encode("ascii")
    if mode == "1258-b":
        return fold_words("Subject", ew_b(subject, "windows-1258", cp1258_bytes)).encode("ascii")
    if mode == "tcvn3-q":
        return fold_words("Subject", ew_q(subject, "iso-8859-1", tcvn3_bytes)).encode("ascii")
    raise ValueError(mode)


def encode_address(name, addr, mode):
    if not name:
        return "<%s>" % addr if mode == "angle" else addr
    if all(ord(c) < 128 for c in name):
        if any(c in name for c in ',.;:()[]"') or mode == "quoted":
            return '"%s" <%s>' % (name.replace('"', ""), addr)
        return "%s <%s>" % (name, addr)
    # one encoded-word, however long: Python's address parser inserts a space
    # between adjacent encoded-words inside a display name
    b = name.encode("utf-8")
    word = ("=?utf-8?Q?%s?=" % _q(b)) if mode == "q" else ("=?utf-8?B?%s?=" % base64.b64encode(b).decode())
    return word + " <%s>" % addr


def mime_text(text_or_bytes, enc):
    """Return (content-type params charset or None, cte, body bytes with LF)."""
    kind, cte = enc.rsplit("-", 1)
    label = "utf-8"
    t = text_or_bytes
    if kind in ("u8", "tcvn3mix"):
        b = t.encode("utf-8")
    elif kind == "nfd":
        b = unicodedata.normalize("NFD", t).encode("utf-8")
    elif kind == "tohop":
        b = tohop(t).encode("utf-8")
    elif kind == "1258":
        b, label = cp1258_bytes(t), "windows-1258"
    elif kind == "tcvn3":
        b, label = tcvn3_bytes(t), "iso-8859-1"
    elif kind == "u8as1252":
        b, label = t.encode("utf-8"), "windows-1252"
    elif kind == "u8nocs":
        b, label = t.encode("utf-8"), None
    elif kind == "1258asu8":
        b, label = cp1258_bytes(t), "utf-8"
    elif kind in ("ascii", "ent"):
        b, label = t.encode("ascii"), "us-ascii"
    else:
        raise ValueError(enc)
    if cte == "qp":
        body = quopri.encodestring(b)
        cte_name = "quoted-printable"
    elif cte == "b64":
        body = base64.encodebytes(b.replace(b"\n", b"\r\n"))
        cte_name = "base64"
    else:
        body = b
        cte_name = "8bit" if any(x >= 0x80 for x in b) else "7bit"
    return label, cte_name, body


def b64_lines(data):
    return base64.encodebytes(data)


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------

def load_units():
    with open(UNITS_CSV, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    schools = {"MN": [], "TH": [], "THCS": []}
    teams = {}
    for r in rows:
        if r["kind"] in schools:
            schools[r["kind"]].append(r)
        elif r["kind"] == "TEAM":
            for lv in (r["levels"] or "").split(";"):
                for lv2 in lv.split("|"):
                    if lv2.strip():
                        teams[lv2.strip()] = r
    all_emails = {r["email"].strip().lower() for r in rows}
    pgd = next(r for r in rows if r["kind"] == "PGD")
    vp = next((r for r in rows if r["kind"] == "TEAM" and not r["levels"]), None)
    return schools, teams, all_emails, pgd, vp


LEVEL_WORDS = {
    "MN": dict(lvname="Mầm non", lvplural="mầm non", hs="trẻ", lop="nhóm, lớp", entry="nhà trẻ, mẫu giáo",
               entryf="mam non", top_grade="mẫu giáo lớn", abbr_pre="MN"),
    "TH": dict(lvname="Tiểu học", lvplural="tiểu học", hs="học sinh", lop="lớp", entry="lớp 1",
               entryf="lop 1", top_grade="lớp 5", abbr_pre="TH"),
    "THCS": dict(lvname="THCS", lvplural="THCS", hs="học sinh", lop="lớp", entry="lớp 6",
                 entryf="lop 6", top_grade="lớp 9", abbr_pre="THCS"),
}
TT_KD = {"MN": "Thông tư 19/2018/TT-BGDĐT", "TH": "Thông tư 17/2018/TT-BGDĐT", "THCS": "Thông tư 18/2018/TT-BGDĐT"}


def school_base(unit):
    n = unit["name"]
    for pre in ("Trường Mầm non tư thục ", "Trường Tiểu học tư thục ", "Trường Mầm non ", "Trường Tiểu học ",
                "Trường THCS "):
        if n.startswith(pre):
            return n[len(pre):], ("tư thục" in pre)
    return n, False


def school_names(rng, unit, level):
    base, private = school_base(unit)
    tt = " tư thục" if private else ""
    if level == "MN":
        S = rng.choice(["MN%s %s" % (tt, base), "Mầm non%s %s" % (tt, base), "MN%s %s" % (tt, base)])
        if private and rng.random() < 0.4:
            S = "MNTT " + base
    elif level == "TH":
        S = rng.choice(["TH%s %s" % (tt, base), "Tiểu học%s %s" % (tt, base), "TH%s %s" % (tt, base)])
    else:
        S = "THCS %s" % base
    ab = ascii_name(base)
    SS = rng.choice([LEVEL_WORDS[level]["abbr_pre"] + ab.replace(" ", ""),
                     LEVEL_WORDS[level]["abbr_pre"] + "_" + ab.replace(" ", "_"),
                     LEVEL_WORDS[level]["abbr_pre"] + " " + ab])
    abbr = LEVEL_WORDS[level]["abbr_pre"] + "".join(w[0] for w in ab.split()).upper()
    return S, SS, abbr


# --------------------------------------------------------------------------
# Context
# --------------------------------------------------------------------------

def person(rng, female=None):
    if female is None:
        female = rng.random() < 0.75
    if female:
        return "%s %s %s" % (rng.choice(FAMILY), rng.choice(MIDDLE_F), rng.choice(GIVEN_F))
    return "%s %s %s" % (rng.choice(FAMILY), rng.choice(MIDDLE_M), rng.choice(GIVEN_M))


def phone(rng):
    d = "09%d%d" % (rng.randint(0, 9), rng.randint(0, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(6))
    return rng.choice([d, "%s.%s.%s" % (d[:4], d[4:7], d[7:]), "%s %s %s" % (d[:4], d[4:7], d[7:])])


def landline(rng):
    n = "".join(str(rng.randint(0, 9)) for _ in range(4))
    return rng.choice(["024.3864.%s" % n, "(024) 3861 %s" % n, "024 3642 %s" % n])


def money(rng, lo, hi):
    v = rng.randint(lo, hi) * 100
    s = "{:,}".format(v * 1000).replace(",", ".")
    return s


def school_year(d):
    y = d.year
    return "%d-%d" % (y, y + 1) if d.month >= 8 else "%d-%d" % (y - 1, y)


def fmt_period(style, m, Y):
    return style.format(m=m, m2="%02d" % m, Y=Y)


def make_ctx(rng, setname, unit, level, team, date, period):
    P = POOLS[setname]
    L = LEVEL_WORDS[level]
    S, SS, abbr = school_names(rng, unit, level)
    base, _ = school_base(unit)
    ctx = dict(L)
    pm, pY = period if period else (date.month, date.year)
    # a date inside the reported month, not after the mail
    last = 28 if (pm, pY) != (date.month, date.year) else max(1, min(28, date.day))
    d1 = dt.date(pY, pm, rng.randint(1, last))
    # official letter that asked for the report: some days before the mail
    cvdate = date.date() - dt.timedelta(days=rng.randint(4, 40))
    n1 = rng.randint(2, 9)
    n2 = rng.randint(10, 45)
    n3 = rng.randint(120, 900)
    gv = rng.randint(30, 95)
    a = rng.randint(55, 75)
    b = rng.randint(20, 100 - a - 1)
    c = 100 - a - b
    if level == "TH":
        rating = "Hoàn thành tốt %d%%, Hoàn thành %d%%, Chưa hoàn thành %d%%" % (a, b + c - 1, 1)
    else:
        rating = "Tốt %d%%, Khá %d%%, Đạt %d%%, Chưa đạt %d%%" % (a - 20, b + 15, c + 4, 1)
    cls = {"MN": rng.choice(["Mẫu giáo lớn A%d" % rng.randint(1, 5), "Mẫu giáo nhỡ B%d" % rng.randint(1, 4),
                              "Nhà trẻ D%d" % rng.randint(1, 3)]),
           "TH": "%d%s%d" % (rng.randint(1, 5), "A", rng.randint(1, 8)),
           "THCS": "%d%s%d" % (rng.randint(6, 9), "A", rng.randint(1, 9))}[level]
    ctx.update(
        S=S, SS=SS, SF=unit["name"], SFU=unit["name"].upper(), abbr=abbr, ward=unit["ward"] or base,
        team=team["name"], team_full="%s - Phòng GD&ĐT quận Hoàng Mai" % team["name"], team_addr=team["email"],
        y=school_year(date), mnext=str(pm % 12 + 1),
        d1=rng.choice(["%02d/%02d/%d" % (d1.day, d1.month, d1.year), "%d/%d/%d" % (d1.day, d1.month, d1.year)]),
        cvn=str(rng.randint(120, 2999)), cvx=rng.choice(["MN", "TH", "THCS", "VP", "TCCB"]),
        cvd="%02d/%02d/%d" % (cvdate.day, cvdate.month, cvdate.year),
        cvd2="%02d.%02d.%d" % (cvdate.day, cvdate.month, cvdate.year),
        cvd3="%d tháng %d năm %d" % (cvdate.day, cvdate.month, cvdate.year),
        n1=n1, n1b=rng.randint(1, min(5, n1)), n1c=rng.randint(1, 4), n2=n2, n2b=rng.randint(10, 40),
        n2t=n2 + rng.randint(0, 8), n3=n3, n3b=n3 + rng.randint(20, 120), n3t=n3 + rng.randint(5, 60),
        n4=rng.randint(900, 2500), gv=gv, gvb=gv - rng.randint(2, 9), gvc=gv - rng.randint(0, 5), gvt=gv,
        pct=rng.randint(90, 100), lowpct="%d,%d" % (rng.randint(1, 6), rng.randint(0, 9)),
        lowpct2="%d,%d" % (rng.randint(1, 5), rng.randint(0, 9)), lowpct3="%d,%d" % (rng.randint(1, 8), rng.randint(0, 9)),
        money=money(rng, 50, 3000), money2=money(rng, 10, 900), money3=money(rng, 1, 200),
        money_small=money(rng, 5, 40), kcal=rng.randint(600, 850), lvl=rng.choice([1, 2]), lvl2=rng.choice([1, 2, 3]),
        yr_old=str(date.year - rng.randint(5, 7)), yr_next=str(date.year + rng.randint(1, 2)),
        hk="I" if date.month in (8, 9, 10, 11, 12, 1) else "II",
        kyesams="đầu năm" if date.month in (8, 9, 10, 11) else "giữa năm" if date.month in (12, 1, 2, 3) else "cuối năm",
        company=rng.choice(COMPANIES), paper=rng.choice(PAPERS), fb=rng.choice(FB), cls=cls,
        stud=person(rng, rng.random() < 0.5), name=person(rng), name2=person(rng, False),
        rating=rating, tt_kd=TT_KD[level], role=rng.choice(ROLES), phone=phone(rng), landline=landline(rng),
        docno=str(rng.randint(12, 240)), ld="%02d" % date.day, lm="%02d" % date.month, lY=str(date.year),
        pgdname=person(rng) + " - chuyên viên",
        cd=date.strftime("%d-%m-%Y %H.%M"), cdc=date.strftime("%Y%m%d"),
    )
    ctx["cv"] = rng.choice(P["cv"]).format_map(ctx)
    ctx["kh"] = rng.choice(P["kh"]).format_map(ctx)
    return ctx


def fmt(tpl, ctx, **kw):
    c = dict(ctx)
    c.update(kw)
    return tpl.format_map(c)


def ok_level(tpl, level):
    if tpl.startswith("{!"):
        tags, rest = tpl[2:].split("}", 1)
        return level in tags.split(",")
    return True


def strip_tag(tpl):
    return tpl.split("}", 1)[1] if tpl.startswith("{!") else tpl


# --------------------------------------------------------------------------
# Rendering of body blocks to text/plain and text/html
# --------------------------------------------------------------------------
# blocks: ("p", text, is_core) | ("table", rows) | ("quote", header, blocks, kind)
#         ("fwd", header, blocks) | ("sig", text)


def render_plain(blocks):
    out = []
    for b in blocks:
        if b[0] in ("p", "sig"):
            out.append(b[1])
        elif b[0] == "table":
            out.append("\n".join("\t".join(str(c) for c in row) for row in b[1]))
        elif b[0] == "quote":
            inner = render_plain(b[2])
            if b[3] == "gt":
                out.append(b[1] + "\n" + "\n".join(("> " + l) if l else ">" for l in inner.split("\n")))
            else:
                out.append(b[1] + "\n\n" + inner)
        elif b[0] == "fwd":
            out.append(b[1] + "\n\n" + render_plain(b[2]))
    return "\n\n".join(o for o in out if o is not None)


def _esc(text, nbsp):
    t = htmlmod.escape(text, quote=False)
    if nbsp:
        t = t.replace(": ", ":&nbsp;").replace("  ", "&nbsp; ")
    return t.replace("\n", "<br>\n")


def render_html_inner(blocks, style, nbsp, font):
    parts = []
    for b in blocks:
        if b[0] in ("p", "sig"):
            x = _esc(b[1], nbsp)
            if style == "outlook":
                parts.append('<p class=MsoNormal><span style="font-size:13.0pt;font-family:%s">%s<o:p></o:p></span></p>'
                             % (font, x))
                parts.append("<p class=MsoNormal><o:p>&nbsp;</o:p></p>")
            elif style == "gmail":
                if b[0] == "sig":
                    parts.append('<div><br></div>-- <br><div dir="ltr" class="gmail_signature">%s</div>' % x)
                else:
                    parts.append("<div>%s</div>" % x)
                    parts.append("<div><br></div>")
            elif style == "yahoo":
                parts.append('<div dir="ltr" data-setdir="false">%s</div>' % x)
                parts.append('<div dir="ltr" data-setdir="false"><br></div>')
            else:
                parts.append('<p style="margin:0;font-family:%s">%s</p>' % (font, x))
                parts.append("<p>&nbsp;</p>")
        elif b[0] == "table":
            rows = []
            for i, row in enumerate(b[1]):
                tag = "th" if i == 0 else "td"
                rows.append("<tr>" + "".join('<%s style="border:1px solid #000;padding:2px 6px">%s</%s>'
                                             % (tag, _esc(str(c), False), tag) for c in row) + "</tr>")
            parts.append('<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">\n'
                         + "\n".join(rows) + "\n</table>")
        elif b[0] == "quote":
            inner = render_html_inner(b[2], style, nbsp, font)
            hdr = _esc(b[1], False)
            if style == "outlook":
                parts.append('<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">'
                             '<p class=MsoNormal>%s</p></div>\n%s' % (hdr, inner))
            else:
                parts.append('<div class="gmail_quote"><div dir="ltr" class="gmail_attr">%s<br></div>'
                             '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
                             'border-left:1px solid rgb(204,204,204);padding-left:1ex">\n%s\n</blockquote></div>'
                             % (hdr, inner))
        elif b[0] == "fwd":
            inner = render_html_inner(b[2], style, nbsp, font)
            parts.append('<div class="moz-forward-container"><br>%s<br><br>\n%s\n</div>' % (_esc(b[1], False), inner))
    return "\n".join(parts)


def render_html(blocks, style, nbsp, charset_meta, tcvn_font=False):
    font = ".VnTime" if tcvn_font else "&quot;Times New Roman&quot;,serif"
    inner = render_html_inner(blocks, style, nbsp, font)
    if style == "outlook":
        return ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
                'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">'
                '<head><meta http-equiv=Content-Type content="text/html; charset=%s">'
                '<meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--\n'
                'p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0in;font-size:11.0pt;font-family:"Calibri",sans-serif;}\n'
                '--></style></head><body lang=EN-US link="#0563C1" vlink="#954F72" style="word-wrap:break-word">'
                '<div class=WordSection1>\n%s\n</div></body></html>\n' % (charset_meta, inner))
    if style == "gmail":
        return '<div dir="ltr">\n%s\n</div>\n' % inner
    if style == "yahoo":
        return ('<html><head></head><body><div class="ydp5e1f2c3ayahoo-style-wrap" style="font-family:Helvetica Neue, '
                'Helvetica, Arial, sans-serif;font-size:16px;">\n%s\n</div></body></html>\n' % inner)
    return ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=%s"></head><body>'
            '<div style="font-family: times new roman, new york, times, serif; font-size: 12pt; color: #000000">\n'
            '%s\n</div></body></html>\n' % (charset_meta, inner))


def map_blocks(blocks, fn, core_only=False):
    out = []
    for b in blocks:
        if b[0] == "p":
            out.append(("p", fn(b[1]) if (b[2] or not core_only) else b[1], b[2]))
        elif b[0] == "sig":
            out.append(("sig", b[1] if core_only else fn(b[1])))
        elif b[0] == "table":
            out.append(("table", [[fn(str(c)) if not core_only else c for c in row] for row in b[1]]))
        elif b[0] == "quote":
            out.append(("quote", b[1] if core_only else fn(b[1]), map_blocks(b[2], fn, core_only), b[3]))
        elif b[0] == "fwd":
            out.append(("fwd", b[1] if core_only else fn(b[1]), map_blocks(b[2], fn, core_only)))
    return out


# --------------------------------------------------------------------------
# Composition of one message (subject, body blocks, attachments)
# --------------------------------------------------------------------------

EXT_CT = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "zip": "application/x-zip-compressed", "rar": "application/x-rar-compressed", "png": "image/png",
}
MAGIC = {
    "pdf": b"%PDF-1.5\n%\xb5\xb5\xb5\xb5\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n",
    "docx": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "xlsx": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00",
    "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "rar": b"Rar!\x1a\x07\x00",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
}


def dummy_bytes(rng, ext, size=None):
    size = size or rng.randint(300, 4000)
    data = MAGIC.get(ext, b"") + rng.randbytes(size)
    if ext == "pdf":
        data += b"\n%%EOF\n"
    return data


def pick_tpl(rng, pool, level, want_p=None):
    c = [t for t in pool if ok_level(t, level)]
    if want_p is not None:
        c2 = [t for t in c if ("{p}" in t or "{pf}" in t) == want_p]
        if c2:
            c = c2
    return strip_tag(rng.choice(c))


def gdate_vi(d):
    return "%s, %d thg %d, %d lúc %02d:%02d" % (WEEKDAYS_VI[d.weekday()], d.day, d.month, d.year, d.hour, d.minute)


def odate_en(d):
    h = d.hour % 12 or 12
    return "%s, %s %d, %d %d:%02d %s" % (d.strftime("%A"), MONTHS_EN[d.month - 1], d.day, d.year, h, d.minute,
                                         "AM" if d.hour < 12 else "PM")


def vdate_vi(d):
    h = d.hour % 12 or 12
    return "%s, %d tháng %d, %d %d:%02d %s" % (WEEKDAYS_VI_LONG[d.weekday()], d.day, d.month, d.year, h, d.minute,
                                               "SA" if d.hour < 12 else "CH")


def compose(rng, setname, sp):
    P = POOLS[setname]
    T = TOPICS[sp["topic"]][setname]
    level, shape, date = sp["level"], sp["shape"], sp["date"]
    ctx = dict(sp["ctx"])
    has_p = sp["period"] is not None
    if has_p:
        m, Y = sp["period"]
        subj_styles = P["subj_period"]
        if sp["topic"] == "bao-cao-thang":
            subj_styles = [s for s in subj_styles if not s.startswith("{m")]
        ps = {"subj": " " + fmt_period(sp.get("force_subj_style") or rng.choice(subj_styles), m, Y),
              "body": " " + fmt_period(sp.get("force_body_style") or rng.choice(P["body_period"]), m, Y),
              "file": fmt_period(sp.get("force_file_style") or rng.choice(P["file_period"]), m, Y)}
        want = {loc for loc, pr in (("subj", .8), ("body", .6), ("file", .7)) if rng.random() < pr}
        if sp["topic"] == "bao-cao-thang":
            want |= {"subj", "body", "file"}
    else:
        ps, want = {"subj": "", "body": "", "file": ""}, set()
    shown = set()

    def pv(loc, tpl):
        if loc in want and ("{p}" in tpl or "{pf}" in tpl):
            shown.add(loc)
            return ps[loc]
        return ""

    vv = fmt(rng.choice(T["vv"]), ctx)
    ctx["vv"] = vv

    def topic_subject():
        tpl = pick_tpl(rng, T["subj"], level, want_p=("subj" in want) if has_p else False)
        s = fmt(tpl, ctx, p=pv("subj", tpl))
        if "{S}" not in tpl and "{SS}" not in tpl:
            pre = rng.choice(P["pre"])
            sufs = [x for x in P["suf"] if "{S" not in x] if "{S" in pre else P["suf"]
            s = fmt(pre, ctx) + s + fmt(rng.choice(sufs), ctx)
        return s

    def opening():
        tpl = rng.choice(P["open"])
        return fmt(tpl, ctx, p=pv("body", tpl))

    def core(k=None):
        pool = [t for t in T["body"] if ok_level(t, level)]
        if sp["topic"] == "bao-cao-thang":
            chosen = pool if rng.random() < 0.6 else pool[:2] + pool[-2:]
        else:
            k = k or rng.randint(1, min(3, len(pool)))
            idx = sorted(rng.sample(range(len(pool)), k))
            chosen = [pool[i] for i in idx]
        return [("p", fmt(strip_tag(t), ctx), True) for t in chosen]

    def sig():
        return ("sig", fmt(rng.choice(P["sig"]), ctx))

    def closing():
        return ("p", rng.choice(P["close"]), False)

    def greet():
        return ("p", fmt(rng.choice(P["greet"]), ctx), False)

    def short_line():
        tpl = pick_tpl(rng, T["short"], level)
        return fmt(tpl, ctx, p=pv("body", tpl))

    blocks, extra = [], {}
    subject = None
    if shape == "standard":
        subject = topic_subject()
        blocks = [greet(), ("p", opening(), False)] + core() + [closing(), sig()]
    elif shape == "long":
        subject = topic_subject()
        title_p = pv("body", "{p}")
        title = (vv[0].upper() + vv[1:] + title_p)
        head = fmt(P["long_head"], ctx)
        secs = P["long_sections"]
        bits = [fmt(b, ctx) for b in P["long_bits"]]
        blocks = [("p", head, False), ("p", "BÁO CÁO\n" + title, False)]
        if setname == "dev":
            blocks += [("p", secs[0] + "\n" + bits[0], False), ("p", secs[1], False)] + core(
                len([t for t in T["body"] if ok_level(t, level)])) + [
                ("p", secs[2] + "\n" + bits[1], False), ("p", secs[3] + "\n" + bits[2], False)]
        else:
            blocks += [("p", bits[0], False), ("p", secs[0], False)] + core() + [
                ("table", [["STT", "Nội dung", "Số lượng"], ["1", "Tổng số %s" % ctx["hs"], ctx["n3"]],
                           ["2", "Số %s" % ctx["lop"], ctx["n2"]], ["3", "Số CBGVNV", ctx["gv"]]]),
                ("p", secs[1] + "\n" + bits[1], False), ("p", secs[2] + "\n" + bits[2], False)]
        blocks += [("p", bits[3], False), sig()]
    elif shape == "vague_attach":
        subject = fmt(rng.choice(P["vague_subj"]), ctx)
        blocks = [("p", fmt(rng.choice(P["generic_body"]), ctx), False)]
        want.discard("body")
        if has_p:
            want.add("file")
    elif shape == "vague_body":
        subject = fmt(rng.choice(P["vague_subj"]), ctx)
        blocks = [greet(), ("p", opening(), False)] + core() + [closing(), sig()]
    elif shape == "reply":
        pgd_subj_tpl = rng.choice(P["pgd_subj"])
        osubj = fmt(pgd_subj_tpl, ctx, p=pv("subj", pgd_subj_tpl))
        subject = rng.choice(P["reply_prefix"]) + osubj
        od = date - dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5), minutes=rng.randint(0, 59))
        due = date + dt.timedelta(days=rng.randint(0, 3))
        req_tpl = rng.choice(P["pgd_req"])
        req = fmt(req_tpl, ctx, p=pv("body", req_tpl), due="%02d/%02d" % (due.day, due.month))
        qtpl = rng.choice(P["quote_hdr"])
        qh = fmt(qtpl, ctx, gdate=gdate_vi(od), gdate2="%s, %02d/%02d/%d %02d:%02d" % (
            WEEKDAYS_VI[od.weekday()], od.day, od.month, od.year, od.hour, od.minute),
            odate=odate_en(od), vdate=vdate_vi(od), to_list="Các trường %s" % ctx["lvplural"], osubj=osubj)
        top = [("p", fmt(rng.choice(P["reply_top"]), ctx), False)]
        if rng.random() < 0.35:
            top += core(1)
        blocks = top + [("quote", qh, [("p", req, False)], "gt" if qtpl.startswith(("Vào", "Trên")) else "ol")]
        extra["In-Reply-To"] = "<%s@hanoiedu.vn>" % sp["uid"]("pgd")
    elif shape == "forward":
        inner_subj = topic_subject()
        subject = rng.choice(P["fwd_prefix"]) + inner_subj
        od = date - dt.timedelta(hours=rng.randint(1, 70), minutes=rng.randint(0, 59))
        if rng.random() < 0.5:
            iname = person(rng)
            iaddr = ascii_name(iname).lower().replace(" ", "") + str(rng.randint(70, 99)) + "@gmail.com"
            ito = sp["from_addr"]
            ctx2 = dict(ctx, name=iname)
        else:
            iname, iaddr, ito, ctx2 = sp["from_name"] or ctx["SF"], sp["from_addr"], ctx["team_addr"], ctx
        inner = [("p", fmt(rng.choice(P["greet"]), ctx2), False), ("p", opening(), False)] + core() + [
            ("sig", fmt(rng.choice(P["sig"]), ctx2))]
        fh = fmt(rng.choice(P["fwd_hdr"]), ctx, iname=iname, iaddr=iaddr, ito=ito, isubj=inner_subj,
                 gdate=gdate_vi(od), odate=odate_en(od), vdate=vdate_vi(od),
                 edate="%d %s %d at %02d:%02d:%02d GMT+7" % (od.day, MONTHS_EN[od.month - 1][:3], od.year, od.hour,
                                                               od.minute, od.second))
        note = fmt(rng.choice(P["fwd_note"]), ctx)
        blocks = ([("p", note, False)] if note else []) + [("fwd", fh, inner)]
    elif shape == "oneliner":
        vague = rng.random() < 0.3 and sp["topic"] != "bao-cao-thang"
        subject = fmt(rng.choice(P["vague_subj"]), ctx) if vague else topic_subject()
        blocks = [("p", short_line(), True)]
        if rng.random() < 0.4:
            blocks.append(("sig", ctx["S"]))
    elif shape == "mobile":
        subject = topic_subject()
        blocks = [("p", short_line(), True), ("sig", rng.choice(P["mobile"]))]
    elif shape == "resend":
        base_subj = topic_subject()
        subject = rng.choice(["Gửi lại: %s", "%s (gửi lại)", "Bổ sung: %s", "%s - bản điều chỉnh"]) % base_subj
        pb = pv("body", "{p}")
        line = rng.choice(["Nhà trường xin gửi lại báo cáo %s%s do file gửi lần trước bị lỗi font.",
                           "Trường điều chỉnh số liệu báo cáo %s%s như file đính kèm, đề nghị Tổ sử dụng bản này.",
                           "Em gửi bổ sung báo cáo %s%s (bản có chữ ký, đóng dấu) ạ."]) % (vv, pb)
        blocks = [greet(), ("p", line, False)] + core(1) + [closing(), sig()]
    else:
        raise ValueError(shape)

    if sp["verdict"] == "rejected" and rng.random() < 0.8:
        intro = ("p", fmt(rng.choice(P["personal_intro"]), ctx, iname=ctx["name"]), False)
        pos = 1 if (blocks and blocks[0][0] == "p" and blocks[0][1].startswith(("Kính", "Kg", "Gửi", "Thưa"))) else 0
        blocks.insert(pos, intro)

    # attachments
    att_p = {"standard": .6, "long": .2, "vague_attach": 1, "vague_body": .5, "reply": .75, "forward": .6,
             "oneliner": .9, "mobile": .8, "resend": 1}[shape]
    atts = []
    if rng.random() < att_p:
        if shape == "vague_body":
            tpl = rng.choice(P["generic_files"])
            atts.append(fmt(tpl, ctx))
        elif rng.random() < 0.35:
            # file named after the document title, with diacritics (as Word proposes it)
            tpl = pick_tpl(rng, T["subj"], level, want_p=("file" in want) if has_p else False)
            p_file = ""
            if "file" in want and "{p}" in tpl:
                p_file = ps["body"].replace("/", "-")
                shown.add("file")
            name = fmt(tpl, ctx, p=p_file)
            name = re.sub(r"^V/v (v[eề] vi[eệ]c )?", "", name)
            name = name.replace("/", "-").replace(":", "").replace("?", "").strip()
            name = name[0].upper() + name[1:]
            name += rng.choice([".docx", ".docx", ".pdf", ".xlsx", ".doc"])
            atts.append(name)
        else:
            tpl = pick_tpl(rng, T["files"], level, want_p=("file" in want) if has_p else False)
            name = fmt(tpl, ctx, pf=pv("file", tpl))
            name = re.sub(r"(?i)(th[aá]ng)[ _-]*(thang|th)[ _]*(\d)", r"\1 \3", name)
            atts.append(name)
            if rng.random() < 0.2 and not name.endswith(".pdf"):
                atts.append(name.rsplit(".", 1)[0] + rng.choice(["_ky.pdf", " (ban ky).pdf", "-scan.pdf"]))
            if rng.random() < 0.1:
                atts.append(fmt(rng.choice(P["generic_files"]), ctx))
    if has_p and not shown:
        # make sure the period is stated somewhere a clerk would see it
        line = fmt(rng.choice(P["period_line"]), ctx, bp=ps["body"].strip())
        if blocks and blocks[-1][0] == "sig":
            blocks.insert(len(blocks) - 1, ("p", line, False))
        else:
            blocks.append(("p", line, False))
        shown.add("body-line")
    return subject, blocks, atts, extra, shown


# --------------------------------------------------------------------------
# MIME assembly
# --------------------------------------------------------------------------

def uid_factory(rng):
    def uid(kind="x"):
        return "%08x%08x" % (rng.getrandbits(32), rng.getrandbits(32))
    return uid


def uuid4(rng, upper=False):
    s = "%08x-%04x-4%03x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                        0x8000 | rng.getrandbits(14), rng.getrandbits(48))
    return s.upper() if upper else s


def message_id(rng, client, date):
    ts = int(date.timestamp())
    if client == "outlook":
        return "<0000%02x01dc%04x$%08x$%08x$@hanoiedu.vn>" % (rng.getrandbits(8), rng.getrandbits(16),
                                                            rng.getrandbits(32), rng.getrandbits(32))
    if client == "zimbra":
        return "<%d.%d.%d%03d.JavaMail.zimbra@hanoiedu.vn>" % (rng.randint(100000, 999999), rng.randint(1000, 99999),
                                                               ts, rng.randint(0, 999))
    if client == "roundcube":
        return "<%032x@hanoiedu.vn>" % rng.getrandbits(128)
    if client == "thunderbird":
        return "<%s@hanoiedu.vn>" % uuid4(rng)
    if client == "apple":
        return "<%s@hanoiedu.vn>" % uuid4(rng, True)
    if client == "gmail":
        alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+"
        return "<CA%s@mail.gmail.com>" % "".join(rng.choice(alpha) for _ in range(44))
    if client == "yahoo":
        return "<%d.%d.%d@mail.yahoo.com>" % (rng.randint(10 ** 8, 10 ** 9), rng.randint(10 ** 6, 10 ** 7), ts * 1000)
    if client == "outlookcom":
        code = "SG2PR06MB%04d" % rng.randint(1000, 9999)
        return "<%s%016X@%s.apcprd06.prod.outlook.com>" % (code, rng.getrandbits(64), code)
    if client == "icloud":
        return "<%s@icloud.com>" % uuid4(rng, True)
    raise ValueError(client)


def boundary(rng, client):
    if client == "outlook":
        return "----=_NextPart_%03d_%04X_01DC%04X.%08X" % (rng.randint(0, 2), rng.getrandbits(16), rng.getrandbits(16),
                                                          rng.getrandbits(32))
    if client in ("gmail",):
        return "000000000000%012x" % rng.getrandbits(48)
    if client == "zimbra":
        return "=_%s" % uuid4(rng)
    if client in ("apple", "icloud"):
        return "Apple-Mail=_%s" % uuid4(rng, True)
    if client == "yahoo":
        return "----=_Part_%d_%d.%d" % (rng.randint(100000, 9999999), rng.randint(10 ** 8, 10 ** 9), rng.getrandbits(40))
    return "------------%024x" % rng.getrandbits(96)


CLIENT_HEADERS = {
    "outlook": [("X-Mailer", "Microsoft Outlook 16.0"), ("Content-Language", "vi")],
    "zimbra": [("X-Mailer", "Zimbra 8.8.15_GA_4508 (ZimbraWebClient - GC120 (Win)/8.8.15_GA_4508)")],
    "roundcube": [("User-Agent", "Roundcube Webmail/1.6.6")],
    "thunderbird": [("User-Agent", "Mozilla Thunderbird"), ("Content-Language", "vi")],
    "apple": [("X-Mailer", "iPhone Mail (21G93)")],
    "gmail": [],
    "yahoo": [("X-Mailer", "WebService/1.1.22645 YMailNorrin")],
    "outlookcom": [("X-MS-Has-Attach", "")],
    "icloud": [("X-Mailer", "iPhone Mail (22B83)")],
}
FNAME_MODE = {"outlook": "rfc2047", "gmail": "rfc2047", "zimbra": "rfc2231", "roundcube": "rfc2231c",
              "thunderbird": "rfc2231c", "apple": "nfd2231", "icloud": "nfd2231", "yahoo": "raw8",
              "outlookcom": "rfc2047q"}


def part_bytes(headers, body, eol):
    return eol.join(headers).encode("utf-8") + (eol + eol).encode() + body


def text_part(content, subtype, enc, eol, cs_quote):
    label, cte, body = mime_text(content, enc)
    if label is None:
        ct = "Content-Type: text/%s" % subtype
    else:
        ct = "Content-Type: text/%s; charset=%s" % (subtype, ('"%s"' % label) if cs_quote else label)
    return part_bytes([ct, "Content-Transfer-Encoding: %s" % cte], body.replace(b"\n", eol.encode()), eol)


def filename_params(fname, mode):
    """(content-type suffix, content-disposition suffix) lists of header continuation lines."""
    if all(ord(c) < 128 for c in fname):
        return ['; name="%s"' % fname], ['; filename="%s"' % fname]
    if mode in ("rfc2047", "rfc2047q"):
        words = ew_b(fname) if mode == "rfc2047" else ew_q(fname)
        v = " ".join(words)
        return ['; name="%s"' % v], ['; filename="%s"' % v]
    if mode == "raw8":
        return ['; name="%s"' % fname], ['; filename="%s"' % fname]
    if mode == "nfd2231":
        fname = unicodedata.normalize("NFD", fname)
    pct = urlquote(fname.encode("utf-8"), safe="")
    if mode == "rfc2231c" and len(pct) > 60:
        tokens, i = [], 0
        while i < len(pct):
            step = 3 if pct[i] == "%" else 1
            tokens.append(pct[i:i + step])
            i += step
        pieces, cur = [], ""
        for t in tokens:
            if len(cur) + len(t) > 48:
                pieces.append(cur)
                cur = ""
            cur += t
        pieces.append(cur)
        ct = ["; name*%d*=%s%s" % (k, "utf-8''" if k == 0 else "", p) for k, p in enumerate(pieces)]
        cd = ["; filename*%d*=%s%s" % (k, "utf-8''" if k == 0 else "", p) for k, p in enumerate(pieces)]
        return ct, cd
    return ["; name*=utf-8''%s" % pct], ["; filename*=utf-8''%s" % pct]


def attachment_part(rng, fname, client, eol, fmode):
    ext = fname.rsplit(".", 1)[-1].lower()
    data = dummy_bytes(rng, ext)
    ctype = EXT_CT.get(ext, "application/octet-stream")
    if rng.random() < 0.12:
        ctype = "application/octet-stream"
    ctp, cdp = filename_params(fname, fmode)
    headers = ["Content-Type: " + ctype + (ctp[0] if len(ctp) == 1 else "")]
    if len(ctp) > 1:
        headers[0] += ctp[0]
        for x in ctp[1:]:
            headers[-1] += ";"
            headers.append(" " + x[2:])
    disp = "inline" if ext == "png" else "attachment"
    cd = "Content-Disposition: %s" % disp
    if len(cdp) == 1 and len(cd + cdp[0]) < 78:
        headers.append(cd + cdp[0])
    else:
        headers.append(cd + ";")
        for k, x in enumerate(cdp):
            headers.append(" " + x[2:] + (";" if k < len(cdp) - 1 else ""))
    if client == "outlook" and ext != "png":
        headers.append("Content-Description: " + (fname if all(ord(c) < 128 for c in fname) else " ".join(ew_b(fname))))
    if ext == "png":
        headers.append("Content-ID: <image001.png@01DC%08X.%08X>" % (rng.getrandbits(32), rng.getrandbits(32)))
    headers.append("Content-Transfer-Encoding: base64")
    body = base64.encodebytes(data).replace(b"\n", eol.encode())
    return part_bytes(headers, body, eol)


def multipart(sub, bnd, parts, eol, preamble):
    e = eol.encode()
    out = b""
    if preamble:
        out += preamble.encode() + e + e
    for p in parts:
        out += b"--" + bnd.encode() + e + p + e
    out += b"--" + bnd.encode() + b"--" + e
    return ('Content-Type: multipart/%s;%s boundary="%s"' % (sub, eol + "\t" if sub == "mixed" else "", bnd)), out


def build_bytes(rng, sp, subject, blocks, atts, extra):
    enc, form, client, eol = sp["enc"], sp["form"], sp["client"], sp["eol"]
    kind = enc.rsplit("-", 1)[0]
    from_name = sp["from_name"]
    if kind == "ascii":
        subject = strip_diacritics(subject)
        blocks = map_blocks(blocks, strip_diacritics)
        atts = [strip_diacritics(a) for a in atts]
        from_name = strip_diacritics(from_name) if from_name else from_name
    elif kind == "tcvn3mix":
        blocks = map_blocks(blocks, tcvn3_as_latin1_text, core_only=True)
    if sp.get("subj_upper"):
        subject = subject.upper()
    if sp.get("subj_strip"):
        subject = strip_diacritics(subject)

    # ---- headers
    H = []
    H.append("From: " + encode_address(from_name, sp["from_addr"], sp["addr_mode"]))
    H.append("To: " + ", ".join(encode_address(n, a, sp["addr_mode"]) for n, a in sp["to"]))
    if sp["cc"]:
        H.append("Cc: " + ", ".join(encode_address(n, a, sp["addr_mode"]) for n, a in sp["cc"]))
    subj_line = encode_subject(subject, sp["subj_mode"]).decode("utf-8")
    H.append(subj_line)
    d = sp["date"]
    date_s = "%s, %d %s %d %02d:%02d:%02d +0700" % (d.strftime("%a"), d.day, d.strftime("%b"), d.year, d.hour,
                                                     d.minute, d.second)
    if client in ("outlook", "zimbra", "gmail", "outlookcom"):
        date_s = date_s.replace(", %d " % d.day, ", %02d " % d.day)
    H.append("Date: " + date_s)
    H.append("Message-ID: " + sp["msgid"])
    if "In-Reply-To" in extra:
        H.append("In-Reply-To: " + extra["In-Reply-To"])
        H.append("References: " + extra["In-Reply-To"])
    for k, v in CLIENT_HEADERS[client]:
        if k == "X-MS-Has-Attach":
            v = "yes" if atts else ""
        H.append("%s: %s" % (k, v) if v else "%s:" % k)
    if client == "outlook":
        H.append("Thread-Index: " + base64.b64encode(rng.randbytes(22)).decode())
    H.append("MIME-Version: 1.0")
    if client == "gmail":  # Gmail puts MIME-Version first
        H.insert(0, H.pop())

    # ---- body
    tcvn_html = kind.startswith("tcvn3")
    nbsp = sp["nbsp"]
    cs_quote = client in ("outlook", "gmail", "apple", "icloud", "outlookcom")
    plain = render_plain(blocks)
    html_style = sp["html_style"]
    if form != "plain":
        label = mime_text("", enc)[0] or "utf-8"
        meta = sp.get("meta_charset") or label
        html_s = render_html(blocks, html_style, nbsp, meta, tcvn_font=tcvn_html)
        if kind == "ent":
            html_s = html_entities(html_s)
    if kind == "ent":
        plain = strip_diacritics(plain)
        penc = "ascii-7bit"
    else:
        penc = enc
    if form == "plain":
        body_hdr_and_bytes = text_part(plain, "plain", penc, eol, cs_quote)
    elif form == "html":
        body_hdr_and_bytes = text_part(html_s, "html", enc, eol, cs_quote)
    else:
        b = boundary(rng, client)
        ct, mp = multipart("alternative", b, [text_part(plain, "plain", penc, eol, cs_quote),
                                              text_part(html_s, "html", enc, eol, cs_quote)], eol, None)
        body_hdr_and_bytes = (ct + eol + eol).encode() + mp
    if atts:
        fmode = sp.get("fname_mode") or FNAME_MODE[client]
        aparts = [attachment_part(rng, a, client, eol, fmode) for a in atts]
        b = boundary(rng, client)
        pre = "This is a multi-part message in MIME format." if client in ("outlook", "thunderbird") else None
        ct, mp = multipart("mixed", b, [body_hdr_and_bytes] + aparts, eol, pre)
        top_hdr, top_body = ct, mp
        out = (eol.join(H) + eol + top_hdr + eol + eol).encode("utf-8") + top_body
    else:
        out = (eol.join(H) + eol).encode("utf-8") + body_hdr_and_bytes
    return out, subject, atts, blocks


# --------------------------------------------------------------------------
# Planning a set
# --------------------------------------------------------------------------

EXTRA_TOPICS = {
    "dev": {"bao-cao-thang": 6, "ve-sinh-an-toan-thuc-pham": 4, "co-so-vat-chat": 4, "tuyen-sinh": 4,
            "du-luan": 1, "dinh-duong": 1, "thu-chi": 1},
    "holdout": {"bao-cao-thang": 6, "ve-sinh-an-toan-thuc-pham": 4, "co-so-vat-chat": 4, "tuyen-sinh": 4,
                "du-luan": 1, "hoc-sinh-gioi": 1, "thu-chi": 1},
}
SHAPES = {
    "dev": {"standard": 36, "vague_attach": 10, "vague_body": 9, "reply": 14, "forward": 9, "oneliner": 12,
            "long": 12},
    "holdout": {"standard": 30, "vague_attach": 10, "vague_body": 9, "reply": 13, "forward": 9, "oneliner": 9,
                "long": 11, "resend": 6, "mobile": 5},
}
ENCODINGS = {  # for the 108 non-personal unique messages of a set
    "dev": {"u8-qp": 29, "u8-b64": 29, "u8-8bit": 17, "nfd-qp": 3, "nfd-b64": 2, "tohop-qp": 3, "1258-qp": 3,
            "1258-8bit": 2, "1258-b64": 2, "tcvn3-qp": 3, "tcvn3-8bit": 2, "tcvn3mix-qp": 2, "u8as1252-qp": 2,
            "u8nocs-8bit": 1, "ascii-7bit": 6, "ent-7bit": 2},
    "holdout": {"u8-qp": 29, "u8-b64": 29, "u8-8bit": 16, "nfd-qp": 3, "nfd-b64": 2, "tohop-qp": 3, "1258-qp": 3,
                "1258-8bit": 2, "1258-b64": 2, "tcvn3-qp": 3, "tcvn3-8bit": 2, "tcvn3mix-qp": 2, "u8as1252-qp": 2,
                "u8nocs-8bit": 1, "ascii-7bit": 6, "ent-qp": 2, "1258asu8-8bit": 1},
}
FORMS = {"plain": 54, "html": 22, "alt": 32}  # for the 108 non-personal unique messages
N_REJECTED, N_QUARANTINED, N_DUPLICATE = 8, 6, 4


def quota_list(rng, quota):
    out = [k for k, n in quota.items() for _ in range(n)]
    rng.shuffle(out)
    return out


def client_for_enc(rng, enc, shape):
    kind = enc.rsplit("-", 1)[0]
    if shape == "mobile":
        return rng.choice(["apple", "apple", "gmail"])
    if kind in ("1258", "ent", "u8as1252", "1258asu8"):
        return "outlook"
    if kind == "tcvn3":
        return rng.choice(["outlook", "outlook", "thunderbird"])
    if kind == "nfd":
        return rng.choice(["apple", "apple", "thunderbird"])
    if kind == "tohop":
        return rng.choice(["zimbra", "roundcube", "outlook"])
    if kind == "u8nocs":
        return "roundcube"
    return rng.choices(["outlook", "zimbra", "roundcube", "thunderbird", "apple", "gmail"],
                       [30, 25, 10, 10, 8, 17])[0]


HTML_STYLE = {"outlook": "outlook", "outlookcom": "outlook", "gmail": "gmail", "apple": "gmail", "icloud": "gmail",
              "yahoo": "yahoo", "zimbra": "zimbra", "roundcube": "zimbra", "thunderbird": "zimbra"}


def subject_mode(rng, enc, client):
    kind = enc.rsplit("-", 1)[0]
    if kind == "ascii":
        return "ascii"
    if kind == "nfd":
        return "nfd-b" if rng.random() < 0.9 else "b"
    if kind == "tohop":
        return "tohop-q"
    if kind == "1258":
        return rng.choice(["1258-q", "1258-q", "1258-b"])
    if kind == "1258asu8":
        return "1258-q"
    if kind == "tcvn3":
        return "tcvn3-q" if rng.random() < 0.5 else "b"
    if kind == "u8nocs":
        return "raw"
    if rng.random() < 0.1:
        return "raw"
    return {"outlook": rng.choice(["b", "b", "q"]), "zimbra": "b", "roundcube": "q", "thunderbird": "b",
            "apple": "q", "gmail": "b", "yahoo": "b", "outlookcom": "b", "icloud": "q"}[client]


def personal_address(rng, name, unit, domain, level, force_school_like=False):
    a = ascii_name(name).lower().split()
    fam, given = a[0], a[-1]
    base = ascii_name(school_base(unit)[0]).lower().replace(" ", "")
    lvl = {"MN": "mn", "TH": "th", "THCS": "thcs"}[level]
    if force_school_like:
        return "%s%s.hm@%s" % (lvl, base, domain)
    opts = ["%s%s" % ("".join(a), rng.randint(1970, 1999)), "%s.%s%s.%s" % (given, fam[0], "".join(x[0] for x in a[1:-1]),
                                                                             lvl + base),
            "%s%s%d" % (given, fam, rng.randint(80, 99)), "%s_gv%s" % (given, lvl + base), "co%s.%s" % (given, base),
            "%s.%s" % (given, "".join(a[:-1]))]
    return "%s@%s" % (rng.choice(opts), domain)


def plan_set(setname, reg):
    schools, teams, all_emails, pgd, vp = reg
    rng = random.Random("%d-%s" % (SEED, setname))
    P = POOLS[setname]
    topic_ids = list(TOPICS)
    filed_topics = [t for t in topic_ids for _ in range(3)]
    for t, n in EXTRA_TOPICS[setname].items():
        filed_topics += [t] * n
    rng.shuffle(filed_topics)
    shapes = quota_list(rng, SHAPES[setname])
    assert len(shapes) == len(filed_topics), (len(shapes), len(filed_topics))
    specs = []
    for t, sh in zip(filed_topics, shapes):
        specs.append(dict(verdict="filed", topic=t, shape=sh))
    other_shapes = ["standard", "standard", "standard", "oneliner", "vague_body", "reply"]
    if setname == "holdout":
        other_shapes.append("mobile")
    domains = list(P["personal_domains"])
    rng.shuffle(domains)
    for i in range(N_REJECTED):
        specs.append(dict(verdict="rejected", topic=rng.choice(topic_ids), shape=rng.choice(other_shapes),
                          domain=domains[i], school_like=(i == 0)))
    for i in range(N_QUARANTINED):
        specs.append(dict(verdict="quarantined", topic=None, shape=rng.choice(other_shapes), unknown=P["unknown"][i]))
    rng.shuffle(specs)

    # encodings / forms for non-personal messages
    encs = quota_list(rng, ENCODINGS[setname])
    forms = quota_list(rng, FORMS)
    nonpers = [s for s in specs if s["verdict"] != "rejected"]
    assert len(encs) == len(nonpers) == len(forms), (len(encs), len(nonpers), len(forms))
    for s, e, f in zip(nonpers, encs, forms):
        s["enc"], s["form"] = e, ("html" if e.startswith("ent") else f)

    forced = 0
    for s in specs:
        # --- sender
        if s["verdict"] == "quarantined":
            addr, dname, level, like, ward = s["unknown"]
            assert addr.lower() not in all_emails, addr
            s["topic"] = rng.choice([t for t in topic_ids if level in TOPICS[t]["levels"]])
            s["level"] = level
            if like:  # a typo / old address of a real school: it writes as that school
                s["unit"] = dict(next(u for u in schools[level] if u["code"] == like), email=addr, code="")
            else:     # a school that is not in the registry
                s["unit"] = {"code": "", "name": dname if dname.startswith("Trường") else "Trường " + dname,
                             "kind": level, "email": addr, "ward": ward, "levels": "", "team": "", "note": ""}
            s["from_addr"], s["from_name"] = addr, dname
            s["client"] = client_for_enc(rng, s["enc"], s["shape"])
        else:
            level = rng.choice(TOPICS[s["topic"]]["levels"])
            s["level"] = level
            s["unit"] = rng.choice(schools[level])
            if s["verdict"] == "rejected":
                pname = person(rng)
                s["person"] = pname
                addr = personal_address(rng, pname, s["unit"], s["domain"], level, s["school_like"])
                assert addr.lower() not in all_emails
                s["from_addr"] = addr
                S_, _, _ = school_names(rng, s["unit"], level)
                s["from_name"] = rng.choice([pname, pname, "%s - %s" % (pname, S_), ascii_name(pname),
                                             s["unit"]["name"]])
                if s["school_like"]:
                    s["from_name"] = s["unit"]["name"]
                dom = s["domain"]
                s["client"] = ("gmail" if dom.startswith("gmail") else "yahoo" if dom.startswith("yahoo") else
                               "icloud" if dom.startswith("icloud") else "outlookcom")
                s["enc"] = rng.choice(["u8-qp", "u8-b64", "u8-b64", "ascii-7bit", "tcvn3mix-qp"] if
                                      s["client"] == "gmail" else ["u8-qp", "u8-b64", "u8-8bit"])
                s["form"] = "alt" if s["client"] in ("gmail", "yahoo", "outlookcom") else rng.choice(["plain", "alt"])
            else:
                s["from_addr"] = s["unit"]["email"]
                S_, _, _ = school_names(rng, s["unit"], level)
                s["from_name"] = rng.choice([s["unit"]["name"], s["unit"]["name"], S_, None, "Văn thư " + S_,
                                             "Hiệu trưởng " + S_, s["unit"]["name"].upper(), "Trường " + S_])
                s["client"] = client_for_enc(rng, s["enc"], s["shape"])
        team = teams[s["level"]]
        s["team"] = team
        tname = rng.choice([team["name"], team["name"], team["name"] + " - PGD Hoàng Mai", None])
        s["to"] = [(tname, team["email"])]
        s["cc"] = []
        if rng.random() < 0.12:
            s["cc"].append((pgd["name"] if rng.random() < 0.5 else None, pgd["email"]))
        if s["topic"] == "thu-chi" and vp and rng.random() < 0.5:
            s["cc"].append((vp["name"], vp["email"]))
        # --- date and period
        months = [mm for mm in TOPICS[s["topic"]].get("months", range(1, 12)) if 1 <= mm <= 11]
        mo = rng.choice(months)
        has_p = s["topic"] == "bao-cao-thang" or rng.random() < 0.88
        r = rng.random()
        if has_p and r < 0.5:
            rel, day = "prev", rng.randint(1, 10)
        elif has_p and r < 0.9:
            rel, day = "same", rng.randint(15, 28)
        elif has_p:
            rel, day = "late", rng.randint(1, 15)
        else:
            rel, day = None, rng.randint(8, 28)
        if s["verdict"] == "filed" and forced < 2 and (s["topic"] == "bao-cao-thang" or forced == 1) \
                and s["shape"] in ("standard", "long", "oneliner", "vague_body"):
            # the implied-year trap: "tháng 12" written in January 2026 means December 2025
            mo, rel, has_p, day = 1, "prev", True, rng.randint(2, 9)
            s["force_subj_style"] = "tháng {m}"
            s["force_body_style"] = "tháng {m}"
            s["force_file_style"] = " thang {m}" if setname == "dev" else "_th{m}"
            forced += 1
        hour = rng.randint(7, 17) if rng.random() < 0.85 else rng.randint(19, 23)
        s["date"] = dt.datetime(2026, mo, day, hour, rng.randint(0, 59), rng.randint(0, 59), tzinfo=TZ)
        if has_p:
            back = {"prev": 1, "same": 0, "late": 2}[rel]
            pm, pY = mo - back, 2026
            if pm < 1:
                pm, pY = pm + 12, 2025
            s["period"] = (pm, pY)
        else:
            s["period"] = None
        s["rel"] = rel
        # --- presentation details
        s["subj_mode"] = subject_mode(rng, s["enc"], s["client"])
        s["subj_upper"] = rng.random() < 0.08 and s["subj_mode"] not in ("ascii",)
        s["subj_strip"] = (not s["subj_upper"]) and rng.random() < 0.1 and s["subj_mode"] not in ("tcvn3-q",)
        s["html_style"] = HTML_STYLE[s["client"]]
        s["nbsp"] = rng.random() < 0.35
        s["addr_mode"] = {"apple": "q", "zimbra": "q", "roundcube": "q", "icloud": "q"}.get(s["client"], "b")
        s["eol"] = "\n" if rng.random() < 0.08 else "\r\n"
        s["msgid"] = message_id(rng, s["client"], s["date"])
        if s["enc"].startswith("u8-") and s["form"] != "plain" and s["html_style"] in ("outlook", "zimbra") \
                and rng.random() < 0.08:
            s["meta_charset"] = "windows-1258"  # <meta> disagrees with the MIME label (MIME wins)
    assert forced == 2, forced
    specs.sort(key=lambda s: s["date"])
    return rng, specs


def generate_set(setname, reg):
    rng, specs = plan_set(setname, reg)
    uid = uid_factory(rng)
    msgs = []
    for s in specs:
        s["uid"] = uid
        s["ctx"] = make_ctx(rng, setname, s["unit"], s["level"], s["team"], s["date"], s["period"])
        if s["verdict"] == "rejected":
            s["ctx"]["name"] = s["person"]
        subject, blocks, atts, extra, shown = compose(rng, setname, s)
        if s["client"] == "outlook" and rng.random() < 0.12 and s["form"] != "plain":
            atts = atts + ["image001.png"]
        data, fsubj, fatts, fblocks = build_bytes(rng, s, subject, blocks, atts, extra)
        verify_message(data, s, fsubj, fatts, fblocks)
        s["shown"] = shown
        s["atts"] = atts
        s["subject"] = subject
        msgs.append((s, data))
    # exact re-sends (byte-for-byte) of earlier filed messages, placed after the original
    filed_idx = [i for i, (s, _) in enumerate(msgs[:-12]) if s["verdict"] == "filed"]
    dup_of = sorted(rng.sample(filed_idx, N_DUPLICATE))
    inserts = {}
    for i in dup_of:
        pos = rng.randint(i, min(len(msgs) - 1, i + 15))
        inserts.setdefault(pos, []).append(i)
    final = []
    for i, m in enumerate(msgs):
        final.append(("orig", m))
        for j in inserts.get(i, []):
            final.append(("dup", msgs[j]))
    return final


def verify_message(data, s, subject, atts, blocks):
    """The decoded message must read as intended (except where the corpus
    deliberately mislabels the charset)."""
    nfc = lambda x: unicodedata.normalize("NFC", x)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    got = nfc(msg["subject"] or "")
    want = nfc(subject)
    if s["subj_mode"] == "tcvn3-q":
        want = tcvn3_as_latin1_text(subject)
    assert got == want, (s["msgid"], got, want)
    kind = s["enc"].rsplit("-", 1)[0]
    names = [nfc(p.get_filename()) for p in msg.iter_attachments()]
    assert names == [nfc(a) for a in atts], (names, atts)
    if kind in ("u8", "nfd", "tohop", "1258", "ascii", "ent", "tcvn3mix"):
        body = msg.get_body(preferencelist=("plain", "html"))
        text = nfc(body.get_content())
        if body.get_content_type() == "text/html":
            text = nfc(htmlmod.unescape(text)).replace("\xa0", " ").replace("<br>\n", "\n")
        first = next(b[1] for b in blocks if b[0] in ("p", "sig", "fwd", "quote"))
        first = first.split("\n")[0]
        if kind == "ent" and body.get_content_type() == "text/plain":
            first = strip_diacritics(first)
        assert nfc(first) in text, (s["msgid"], kind, first, text[:300])


def period_label(s):
    if s["period"]:
        m, Y = s["period"]
    else:
        m, Y = s["date"].month, s["date"].year
    return "%04d-%02d" % (Y, m)


def write_all():
    reg = load_units()
    labels, meta = [], []
    for setname in ("dev", "holdout"):
        outdir = os.path.join(HERE, setname)
        os.makedirs(outdir, exist_ok=True)
        for f in os.listdir(outdir):
            if f.endswith(".eml"):
                os.remove(os.path.join(outdir, f))
        final = generate_set(setname, reg)
        for n, (kind, (s, data)) in enumerate(final, 1):
            fname = "%s/%03d.eml" % (setname, n)
            with open(os.path.join(HERE, fname), "wb") as f:
                f.write(data)
            if kind == "dup":
                labels.append([fname, setname, "duplicate", "", "", ""])
            elif s["verdict"] == "filed":
                labels.append([fname, setname, "filed", s["topic"], period_label(s), s["unit"]["code"]])
            else:
                labels.append([fname, setname, s["verdict"], "", "", ""])
            meta.append([fname, setname, labels[-1][2], s["topic"] if kind == "orig" else "", s["shape"], s["form"],
                         s["enc"], s["subj_mode"] + ("+upper" if s["subj_upper"] else "") +
                         ("+nodiacritics" if s["subj_strip"] else ""), s["client"],
                         "|".join(sorted(s["shown"])) if s["period"] else "none",
                         s["rel"] or "", len(s["atts"]), "LF" if s["eol"] == "\n" else "CRLF",
                         s.get("meta_charset", "")])
    with open(os.path.join(HERE, "labels.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "set", "verdict", "topic", "period", "unit"])
        w.writerows(labels)
    with open(os.path.join(HERE, "meta.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "set", "verdict", "content_topic", "shape", "form", "body_encoding", "subject_encoding",
                    "client", "period_shown_in", "period_relation", "n_attachments", "eol", "html_meta_charset"])
        w.writerows(meta)


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------

def check():
    with open(os.path.join(HERE, "labels.csv"), encoding="utf-8") as f:
        labels = list(csv.DictReader(f))
    reg = load_units()
    code_by_email = {}
    with open(UNITS_CSV, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code_by_email[r["email"].lower()] = r["code"]
    problems = []
    seen = {}
    for row in labels:
        path = os.path.join(HERE, row["file"])
        raw = open(path, "rb").read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        subj = msg["subject"]
        frm = msg["from"].addresses[0].addr_spec.lower()
        if msg.defects:
            problems.append("%s: defects %r" % (row["file"], msg.defects))
        for part in msg.walk():
            if part.defects:
                problems.append("%s: part defects %r" % (row["file"], part.defects))
            if part.get_content_maintype() == "text":
                part.get_content()
            elif not part.is_multipart():
                if not part.get_filename():
                    problems.append("%s: attachment without filename" % row["file"])
                part.get_content()
        body = msg.get_body(preferencelist=("plain", "html"))
        if body is None:
            problems.append("%s: no body" % row["file"])
        v = row["verdict"]
        if v == "filed":
            if code_by_email.get(frm) != row["unit"] or not row["topic"] or not row["period"]:
                problems.append("%s: filed label mismatch" % row["file"])
            if row["topic"] not in TOPICS:
                problems.append("%s: bad topic" % row["file"])
        elif v == "duplicate":
            if raw not in seen.get(row["set"], {}):
                problems.append("%s: duplicate without earlier original" % row["file"])
        elif v == "rejected":
            if frm.split("@")[1] == "hanoiedu.vn" or frm in code_by_email:
                problems.append("%s: rejected but official" % row["file"])
        elif v == "quarantined":
            if frm in code_by_email or not frm.endswith("@hanoiedu.vn"):
                problems.append("%s: quarantined but known/unofficial" % row["file"])
        if v != "duplicate" and raw in seen.get(row["set"], {}):
            problems.append("%s: unexpected byte-identical copy" % row["file"])
        seen.setdefault(row["set"], {})[raw] = row["file"]
    return labels, problems


def summary(labels):
    from collections import Counter
    for st in ("dev", "holdout"):
        rows = [r for r in labels if r["set"] == st]
        print(st, len(rows), dict(Counter(r["verdict"] for r in rows)))
        tc = Counter(r["topic"] for r in rows if r["verdict"] == "filed")
        print("  topics:", ", ".join("%s=%d" % kv for kv in sorted(tc.items())))
        missing = [t for t in TOPICS if tc[t] < 3]
        if missing:
            print("  TOPICS UNDER 3:", missing)


def main():
    if "--check" not in sys.argv:
        write_all()
    labels, problems = check()
    summary(labels)
    for p in problems:
        print("PROBLEM:", p)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
