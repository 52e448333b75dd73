-- Platform-wide users and aggregated login failures (issue 13, classes 2 and 9).
--
-- `platform_wide`: the user's roles reach every tree of units (every top-level unit, also those
-- imported later) and the deployment-wide settings. A grant at one top-level unit is no longer
-- taken to mean "everything". Existing deployments with a single tree keep their behaviour: every
-- user holding a grant at that one top-level unit becomes platform-wide.
ALTER TABLE users ADD COLUMN platform_wide BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET platform_wide = TRUE
 WHERE (SELECT COUNT(*) FROM units WHERE parent_id IS NULL) = 1
   AND id IN (SELECT g.user_id FROM grants g JOIN units u ON u.id = g.unit_id WHERE u.parent_id IS NULL);

-- Failed logins counted per (login name, client address, 15-minute bucket): one row however many
-- attempts, so that throttling needs no scan of the audit log and anonymous failures do not grow it.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    address  TEXT NOT NULL,
    bucket   BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    PRIMARY KEY (username, address, bucket)
);
CREATE INDEX login_failures_address ON login_failures(address, bucket);
CREATE INDEX login_failures_bucket ON login_failures(bucket);
