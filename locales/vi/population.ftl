# Dân số của đơn vị (cây tổ chức) và bảng dân số lấy từ các đơn vị (gia quyền kết quả điều tra).

unit-population = Dân số
unit-population-count = Số dân
unit-population-help = Số nguyên không âm, ví dụ 125000 hoặc 125.000; để trống nếu chưa có số liệu.
unit-population-source = Năm, nguồn số liệu
unit-population-source-example = ví dụ: Niên giám thống kê 2024
unit-population-unknown = chưa có số liệu
unit-error-population = Số dân phải là số nguyên không âm (ví dụ 125000 hoặc 125.000).
unit-error-population-large = Số dân quá lớn (tối đa 2.000.000.000).
unit-error-population-source-long = Năm, nguồn số liệu không được dài quá 200 ký tự.

population-import-title = Nhập dân số đơn vị
population-import-explain = Tệp CSV (UTF-8), XLSX hoặc ODS, dòng đầu là tên cột: code (mã đơn vị), population hoặc dân số (số dân), và tùy chọn source hoặc năm (năm, nguồn số liệu). Mỗi đơn vị phải đã có trong cây tổ chức và thuộc phạm vi bạn quản lý. Tệp chỉ được nhập khi không có lỗi nào.
population-import-file = Tệp dân số
population-import-no-file = Hãy chọn một tệp.
population-import-done = Đã đọc { $rows } dòng; { $changed } đơn vị được cập nhật dân số.
csv-error-unknown-code = không có đơn vị nào mã “{ $value }”.

weighting-units-title = Lấy dân số từ các đơn vị
weighting-units-help = Chọn một câu hỏi một lựa chọn mà mỗi lựa chọn là một đơn vị trực thuộc { $unit }: lựa chọn khớp với đơn vị khi tên lựa chọn (name) là mã đơn vị, hoặc nhãn của lựa chọn là tên đơn vị (không phân biệt chữ hoa, chữ thường). Bảng lấy số dân đã ghi ở từng đơn vị.
weighting-units-no-question = Bảng hỏi không có câu hỏi một lựa chọn nào.
weighting-units-question = Câu hỏi có lựa chọn là đơn vị
weighting-units-name = Tên bảng (để trống: đặt theo câu hỏi)
weighting-units-add = Tạo bảng từ dân số các đơn vị
weighting-units-default-name = Dân số các đơn vị theo “{ $question }”
weighting-units-origin = Lấy từ dân số các đơn vị
weighting-units-origin-note = Lấy từ dân số các đơn vị, năm/nguồn: { $note }
weighting-units-error-question = “{ $value }” không phải câu hỏi một lựa chọn của bảng hỏi.
weighting-units-error-no-unit = Lựa chọn { $choice } không khớp với đơn vị nào đang có hiệu lực trực thuộc { $unit } (theo mã hoặc tên).
weighting-units-error-ambiguous = Lựa chọn { $choice } khớp với nhiều đơn vị cùng tên: { $units }; hãy đặt tên lựa chọn (name) là mã đơn vị.
weighting-units-error-no-population = Đơn vị { $unit } chưa có số dân (lựa chọn { $choice }); hãy nhập ở trang sửa đơn vị hoặc nhập dân số từ tệp.
weighting-units-error-same-unit = Hai lựa chọn { $first } và { $second } cùng khớp với đơn vị { $unit }.
