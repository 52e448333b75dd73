-- Report attachments are kept in the database, not in one node's data folder: every node of
-- several serves them, and a backup holds them. Files stored before this migration stay in the
-- folder until `duluan serve` moves them in (reporting::attachments::move_files_in).
CREATE TABLE report_attachment_contents (
    attachment_id INTEGER PRIMARY KEY REFERENCES report_attachments(id),
    bytes         BLOB NOT NULL
);
