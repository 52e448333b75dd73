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
briefings-sessions-title = Giao ban, tập huấn, kế hoạch năm
briefings-sessions-not-built = Lịch giao ban với thư mời, trả lời, điểm danh và biên bản, các khóa tập huấn và kế hoạch công tác dư luận xã hội năm chưa được xây dựng. Trong khi chờ, đơn vị ghi các buổi giao ban đã họp và người dự ở trang cộng tác viên.
briefings-attendance-link = Ghi buổi giao ban và người dự
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
