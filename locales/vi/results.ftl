results-title = Kết quả
results-interviews = Tính trên { $n } phiếu hoàn thành.
results-weighted = Có gia quyền theo thiết kế mẫu (trọng số và tầng của mẫu).
results-unweighted = Không gia quyền: mỗi phiếu có trọng số như nhau.
results-how = Tỷ lệ kèm khoảng tin cậy 95% (phương pháp logit, phân phối t theo bậc tự do của thiết kế); DEff là hệ số ảnh hưởng của thiết kế. Ô dựa trên dưới { $k } người trả lời bị ẩn, cùng một ô khác khi cần để không suy ra được.
results-show-unweighted = Xem số liệu không gia quyền
results-show-weighted = Xem số liệu có gia quyền
results-no-design = Phiếu không gắn với mẫu có trọng số (khảo sát ẩn danh hoặc không chọn mẫu): số liệu không gia quyền.
results-none = Chưa có câu hỏi nào để tính: cần ít nhất hai phiếu hoàn thành.
results-multiple = câu nhiều lựa chọn: tỷ lệ người chọn từng phương án, tổng có thể vượt 100%
results-mean = Trung bình
results-interval = Khoảng tin cậy 95%
results-too-few = Dưới { $k } người trả lời câu này: không công bố.
results-suppressed = ẩn
results-suppressed-help = Ô quá nhỏ (hoặc ẩn kèm để bảo vệ ô nhỏ): không công bố.
results-error = Không tính được kết quả: { $detail }
results-crosstab-title = Bảng chéo
results-crosstab-row = Dòng
results-crosstab-col = Cột
results-crosstab-go = Lập bảng
results-crosstab-about = Tỷ lệ theo dòng (%) kèm khoảng tin cậy 95%, trên { $n } phiếu trả lời cả hai câu.
results-crosstab-unknown = “{ $name }” không phải là câu hỏi một lựa chọn của bảng hỏi này.
results-crosstab-same = Hãy chọn hai câu hỏi khác nhau.
results-crosstab-related = Kiểm định Rao-Scott: F = { $f } (bậc tự do { $ndf } và { $ddf }), p = { $p }. Vì p < 0,05, khác biệt giữa các dòng khó có thể do ngẫu nhiên chọn mẫu: hai câu hỏi có liên hệ với nhau.
results-crosstab-not-shown = Kiểm định Rao-Scott: F = { $f } (bậc tự do { $ndf } và { $ddf }), p = { $p }. Vì p ≥ 0,05, chưa đủ bằng chứng để nói hai câu hỏi có liên hệ: khác biệt giữa các dòng có thể chỉ do ngẫu nhiên chọn mẫu.
results-crosstab-no-test = Không tính được kiểm định độc lập cho bảng này (quá ít phiếu, hoặc có ô trống khiến ma trận hiệp phương sai suy biến).
results-download-csv = Tải bảng số liệu (CSV, cùng quy tắc ẩn ô nhỏ)
