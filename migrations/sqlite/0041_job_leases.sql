-- Background jobs on several nodes: a job runs on the node that holds its lease, renewed at each
-- run and taken over by another node once it has expired (the holder stopped).
CREATE TABLE job_leases (
    job    TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  BIGINT NOT NULL
);
