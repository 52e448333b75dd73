# Uploaded files refused before they are read (duluan-filecheck), and reads that did not finish.
upload-refused-file-too-large = The file has { $mib } MiB; at most { $max_mib } MiB are accepted.
upload-refused-too-many-entries = The file is an archive of { $entries } parts; at most { $max } are read. Save it again from Excel or LibreOffice.
upload-refused-inflated-too-large = The file unpacks to at least { $mib } MiB; at most { $max_mib } MiB are read. Remove unused sheets, images or formatting, or split the file.
upload-refused-compression-ratio = The part “{ $entry }” of the file is compressed { $ratio } times, more than the { $max } times a real spreadsheet or document reaches: it is refused as a zip bomb.
upload-refused-size-mismatch = The part “{ $entry }” unpacks to more than the { $declared } bytes the archive declares: the file is forged or damaged.
upload-refused-too-many-sheets = The workbook has { $sheets } sheets; at most { $max } are read.
upload-refused-sheet-too-large = The sheet “{ $sheet }” declares { $rows } rows × { $cols } columns; at most { $max_rows } rows × { $max_cols } columns are read. Delete the empty rows and columns after your data (or copy the data to a new sheet) and upload again.
upload-refused-cell-outside = The sheet “{ $sheet }” has a cell at { $cell }, outside the { $max_rows } rows × { $max_cols } columns that are read. Delete it (or copy the data to a new sheet) and upload again.
upload-refused-too-many-cells = The sheet “{ $sheet }” spans at least { $cells } cells; at most { $max } are read. Move the data to the top left of the sheet, or split the file.
upload-refused-damaged = The file is damaged: { $detail }
upload-refused-not-spreadsheet = The file is not a spreadsheet (xlsx, xls or ods).
upload-error-timeout = Reading the file took longer than { $seconds } seconds and was stopped. Split the file and upload the parts.
upload-error-unreadable = The file could not be read (it is damaged or in a form this reader does not handle).
upload-pdf-too-many-pages = The PDF has { $pages } pages; at most { $max } are read. Split it and upload the parts.
upload-ocr-too-many-pages = More than { $max } pages of the file are scans that need OCR; at most { $max } are read per file. Split it and upload the parts.
upload-ocr-time-limit = OCR of the file took longer than { $seconds } seconds and was stopped after { $pages } pages. Split it and upload the parts.
upload-attachment-refused = The Word file was refused: it is damaged, or its parts unpack to far more than a real document does (a zip bomb).
