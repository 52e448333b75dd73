# Tệp tải lên bị từ chối trước khi đọc (duluan-filecheck), và những lần đọc không xong.
upload-refused-file-too-large = Tệp có { $mib } MiB; chỉ nhận tối đa { $max_mib } MiB.
upload-refused-too-many-entries = Tệp là một tệp nén gồm { $entries } thành phần; chỉ đọc tối đa { $max }. Hãy lưu lại tệp bằng Excel hoặc LibreOffice.
upload-refused-inflated-too-large = Tệp giải nén ra ít nhất { $mib } MiB; chỉ đọc tối đa { $max_mib } MiB. Hãy xoá các trang tính, hình ảnh hoặc định dạng không dùng, hoặc chia nhỏ tệp.
upload-refused-compression-ratio = Thành phần “{ $entry }” của tệp được nén { $ratio } lần, nhiều hơn mức { $max } lần mà một bảng tính hay văn bản thật đạt tới: tệp bị từ chối vì là tệp nén độc hại (zip bomb).
upload-refused-size-mismatch = Thành phần “{ $entry }” giải nén ra nhiều hơn { $declared } byte mà tệp nén khai báo: tệp bị làm giả hoặc bị hỏng.
upload-refused-too-many-sheets = Bảng tính có { $sheets } trang tính; chỉ đọc tối đa { $max }.
upload-refused-sheet-too-large = Trang tính “{ $sheet }” khai báo { $rows } hàng × { $cols } cột; chỉ đọc tối đa { $max_rows } hàng × { $max_cols } cột. Hãy xoá các hàng và cột trống sau dữ liệu (hoặc chép dữ liệu sang trang tính mới) rồi tải lên lại.
upload-refused-cell-outside = Trang tính “{ $sheet }” có ô { $cell } nằm ngoài vùng { $max_rows } hàng × { $max_cols } cột được đọc. Hãy xoá ô đó (hoặc chép dữ liệu sang trang tính mới) rồi tải lên lại.
upload-refused-too-many-cells = Trang tính “{ $sheet }” trải trên ít nhất { $cells } ô; chỉ đọc tối đa { $max } ô. Hãy dồn dữ liệu về góc trên bên trái của trang tính, hoặc chia nhỏ tệp.
upload-refused-damaged = Tệp bị hỏng: { $detail }
upload-refused-not-spreadsheet = Tệp không phải là bảng tính (xlsx, xls hoặc ods).
upload-error-timeout = Việc đọc tệp kéo dài quá { $seconds } giây nên đã bị dừng. Hãy chia nhỏ tệp rồi tải lên từng phần.
upload-error-unreadable = Không đọc được tệp (tệp bị hỏng hoặc ở dạng mà chương trình không đọc được).
upload-pdf-too-many-pages = Tệp PDF có { $pages } trang; chỉ đọc tối đa { $max } trang. Hãy chia nhỏ tệp rồi tải lên từng phần.
upload-ocr-too-many-pages = Tệp có hơn { $max } trang là ảnh quét cần nhận dạng chữ (OCR); mỗi tệp chỉ đọc tối đa { $max } trang. Hãy chia nhỏ tệp rồi tải lên từng phần.
upload-ocr-time-limit = Việc nhận dạng chữ (OCR) của tệp kéo dài quá { $seconds } giây nên đã dừng sau { $pages } trang. Hãy chia nhỏ tệp rồi tải lên từng phần.
upload-attachment-refused = Tệp Word bị từ chối: tệp bị hỏng, hoặc các thành phần của tệp giải nén ra lớn hơn nhiều so với một văn bản thật (tệp nén độc hại).
