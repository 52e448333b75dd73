# Giao ban, thông tin định hướng (src/briefings).
briefings-title = Giao ban, định hướng
briefings-intro = Thông tin định hướng gửi đến mạng lưới cộng tác viên: mỗi người đọc trên điện thoại hoặc máy tính, nơi gửi biết ai đã đọc.
briefings-received-title = Thông tin định hướng nhận được
briefings-received-none = Chưa nhận được thông tin định hướng nào.
briefings-unread = { $n } chưa đọc
briefings-new-badge = mới
briefings-sent-title = Đã gửi
briefings-sent-none = Chưa gửi thông tin định hướng nào.
briefings-new-title = Gửi thông tin định hướng
briefings-new-intro = Gửi một lần cho mọi người thuộc đối tượng đã chọn trong phạm vi đơn vị; người có địa chỉ thư điện tử nhận thêm thư. Khi người nhận mở thông tin, nơi gửi biết họ đã đọc.
briefings-unit = Đơn vị
briefings-audience = Gửi đến
briefings-audience-collaborators = Cộng tác viên
briefings-audience-network = Cộng tác viên và người báo cáo của các đơn vị
briefings-field-title = Tiêu đề
briefings-field-body = Nội dung
briefings-field-facts = Thông tin chính
briefings-field-facts-help = Mỗi dòng một ý.
briefings-field-points = Định hướng trao đổi
briefings-field-hotspot = Liên quan đến điểm nóng
briefings-send = Gửi
briefings-flash-sent = Đã gửi thông tin định hướng.
briefings-about-hotspot = Về điểm nóng:
briefings-receipts-title = Tình hình đọc
briefings-receipts = { $read }/{ $total } người đã đọc
briefings-not-read = { $n } người chưa đọc
briefings-col-read = Đã đọc
briefings-unread-people = Chưa đọc
briefings-sessions-title = Tập huấn, kế hoạch năm
briefings-sessions-not-built = Khóa tập huấn và mức độ bao phủ ở trang Tập huấn; kế hoạch công tác năm ở trang Kế hoạch năm.
briefings-mail-subject = [duluan] Thông tin định hướng: { $title }
briefings-mail-body =
    { $title }

    { $body }

    Đọc đầy đủ (thông tin chính, định hướng trao đổi) tại: { $link }
briefings-error-summary = Chưa gửi được: hãy sửa các mục được đánh dấu.
briefings-error-title = Tiêu đề không được để trống.
briefings-error-title-long = Tiêu đề dài quá 300 ký tự.
briefings-error-body = Nội dung không được để trống.
briefings-error-text-long = Nội dung dài quá 8.000 ký tự.
briefings-error-audience = Hãy chọn đối tượng nhận.
briefings-error-nobody = Trong phạm vi đơn vị chưa có ai thuộc đối tượng này có tài khoản.
briefings-error-hotspot = Không tìm thấy điểm nóng này, hoặc bạn không có quyền xem nó.
briefings-error-unit = Hãy chọn đơn vị.
hotspots-orientation-title = Thông tin định hướng
hotspots-orientation-send = Gửi thông tin định hướng về điểm nóng này
briefings-sessions-list = Hội nghị giao ban
briefings-sessions-open = Lịch giao ban: lên lịch, mời, trả lời, điểm danh, biên bản
briefings-sessions-intro = Các buổi giao ban cộng tác viên của đơn vị: lịch, thư mời và trả lời, điểm danh bằng mã cộng tác viên, biên bản, và các ý kiến nêu ra thành luồng ý kiến.
briefings-sessions-none = Chưa có buổi giao ban nào.
briefings-schedule-title = Lên lịch giao ban
briefings-error-summary-session = Chưa lên lịch được: hãy sửa các mục được đánh dấu.
briefings-session-topic = Chủ đề
briefings-session-starts = Thời gian
briefings-session-place = Địa điểm
briefings-session-link = Đường dẫn họp trực tuyến
briefings-session-agenda = Chương trình
briefings-session-monthly = Giao ban định kỳ hằng tháng
briefings-schedule = Lên lịch và gửi thư mời
briefings-status = Trạng thái
briefings-status-scheduled = Đã lên lịch
briefings-status-held = Đã họp
briefings-status-cancelled = Đã hủy
briefings-reply-pending = Chưa trả lời
briefings-reply-attend = Tham dự
briefings-reply-excused = Xin vắng
briefings-my-reply = Trả lời của bạn:
briefings-invitations = Thư mời
briefings-reply-counts = { $attend } tham dự · { $excused } xin vắng · { $pending } chưa trả lời
briefings-attendance = Điểm danh và biên bản
briefings-attendance-tick = Cộng tác viên có mặt
briefings-attendance-typed = Mã cộng tác viên khác (cách nhau bằng dấu phẩy)
briefings-minutes = Biên bản
briefings-record-held = Ghi nhận đã họp
briefings-cancel = Hủy buổi giao ban
briefings-attended = { $n } cộng tác viên có mặt.
briefings-minutes-save = Lưu biên bản
briefings-raised = Ý kiến nêu ra tại buổi giao ban
briefings-raised-intro = Mỗi ý kiến thành một luồng ý kiến của đơn vị trong tháng (bản nháp), đơn vị đưa vào báo cáo tháng như các luồng khác. Không ghi tên người nêu ý kiến.
briefings-raised-topic = Chủ đề
briefings-raised-summary = Nội dung ý kiến
briefings-raised-direction = Chiều hướng
briefings-raised-confirm = Tôi xác nhận nội dung không phải thông tin về một người cụ thể.
briefings-raised-add = Thêm thành luồng ý kiến
briefings-next-link = Buổi giao ban tháng sau
briefings-next = Lên lịch buổi tháng sau
briefings-flash-scheduled = Đã lên lịch và gửi thư mời.
briefings-flash-replied = Đã ghi trả lời của bạn.
briefings-flash-held = Đã ghi nhận buổi giao ban và người có mặt.
briefings-flash-minutes = Đã lưu biên bản.
briefings-flash-stream = Đã thêm luồng ý kiến.
briefings-flash-next = Đã lên lịch buổi tháng sau và gửi thư mời.
briefings-flash-cancelled = Đã hủy buổi giao ban.
briefings-error-session-title = Chủ đề cần ít nhất 3 ký tự.
briefings-error-place = Hãy ghi địa điểm hoặc đường dẫn họp trực tuyến.
briefings-error-link = Đường dẫn phải bắt đầu bằng https:// hoặc http:// và không có dấu cách.
briefings-error-starts = Thời gian phải có dạng năm-tháng-ngày giờ:phút, trong vòng một năm trước đến hai năm sau.
briefings-error-not-scheduled = Buổi giao ban này không còn ở trạng thái đã lên lịch.
briefings-error-next-exists = Buổi tháng sau đã được lên lịch.
briefings-error-reply = Hãy chọn tham dự hoặc xin vắng.
briefings-error-future = Chưa đến ngày họp: chỉ ghi nhận buổi giao ban đã diễn ra.
briefings-error-not-held = Chỉ ghi ý kiến của buổi giao ban đã họp.
briefings-error-not-monthly = Buổi giao ban này không định kỳ hằng tháng.
briefings-invite-subject = [duluan] Thư mời giao ban: { $title }, { $when }
briefings-invite-body =
    Kính mời tham dự hội nghị giao ban: { $title }
    Thời gian: { $when }
    Địa điểm: { $place }
    Trực tuyến: { $online }

    { $agenda }

    Trả lời tham dự hoặc xin vắng tại: { $link }
briefings-attendance-link = Ghi một buổi giao ban đã họp và người dự
briefings-session-past-hint = Buổi đã họp rồi? Nhập ngày giờ đã họp: không ai được gửi thư mời, và bạn điểm danh ngay trên trang của buổi.
briefings-flash-recorded = Đã ghi buổi giao ban đã họp (không gửi thư mời). Hãy điểm danh bên dưới.
briefings-guests = Cộng tác viên được mời qua e-mail
briefings-guests-none = Không có cộng tác viên nào được mời qua e-mail (chỉ mời khi buổi chưa diễn ra, những người có địa chỉ e-mail trong hồ sơ).
briefings-attendees = Có mặt
briefings-attendance-correct = Sửa điểm danh
briefings-attendance-save = Lưu điểm danh
briefings-flash-attendance = Đã sửa điểm danh.
briefings-guest-unknown = Không tìm thấy thư mời
briefings-guest-unknown-body = Liên kết trả lời này không đúng hoặc đã hết hiệu lực. Nếu bạn được mời, hãy liên hệ đơn vị đã gửi thư mời.
