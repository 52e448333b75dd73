//! Accounts' domain types: roles, capabilities, the logged-in user, validated inputs.

use crate::kit::keys::stored_keys;
use crate::web::i18n::Lang;

stored_keys! {
    /// A role, always held *at a unit* and covering that unit's subtree. Its key is what the
    /// database and the CLI use.
    pub enum Role: "role" {
        /// Manages the organisation tree, users and settings (*quản trị*).
        Administrator = "administrator",
        /// Information-centre analyst (*chuyên viên Trung tâm Thông tin*).
        Analyst = "analyst",
        /// Unit reporter (*người báo cáo của đơn vị*).
        Reporter = "reporter",
        /// Collaborator (*cộng tác viên dư luận xã hội*).
        Collaborator = "collaborator",
        /// Survey designer (*thiết kế khảo sát*).
        Designer = "designer",
        /// Telephone or face-to-face interviewer (*điều tra viên*).
        Interviewer = "interviewer",
        /// Data-entry and verification of paper forms (*kiểm tra, nhập liệu*).
        Verifier = "verifier",
        /// Leader or viewer: reads dashboards and reports (*lãnh đạo, xem*).
        Viewer = "viewer",
    }
}

impl Role {
    /// The role's rank for managing users: an administrator may give, take away or act on a grant
    /// only when its role ranks no higher than the administrator's own role at that place (issue
    /// 13, class 1). Explicit numbers rather than the enum's order, which is display order: today
    /// only administrators manage users, so the rule means "no one above an administrator"; the
    /// centre's analyst ranks above the unit roles so that if a role below administrator ever gets
    /// `ManageUsers`, it cannot hand out analyst rights.
    pub fn rank(self) -> u8 {
        match self {
            Role::Administrator => 3,
            Role::Analyst => 2,
            Role::Reporter
            | Role::Collaborator
            | Role::Designer
            | Role::Interviewer
            | Role::Verifier
            | Role::Viewer => 1,
        }
    }

    /// The message key of the role's name.
    pub fn label_key(self) -> String {
        format!("role-{}", self.key())
    }

    /// Whether this role carries `cap`: the one role × capability matrix of the product.
    pub fn has(self, cap: Capability) -> bool {
        use Capability::*;
        use Role::*;
        match cap {
            ViewUnits => true,
            ManageUnits | ManageUsers | ViewAudit => self == Administrator,
            ManageCollaborators => matches!(self, Administrator | Analyst | Reporter),
            ReportStreams => matches!(self, Analyst | Reporter | Collaborator),
            EditReports => matches!(self, Analyst | Reporter),
            ReviewReports => self == Analyst,
            ViewReports => matches!(self, Administrator | Analyst | Reporter | Viewer),
            DesignSurveys => matches!(self, Analyst | Designer),
            ViewResponses => matches!(self, Analyst | Designer),
            ViewSurveyResults => matches!(self, Administrator | Analyst | Designer | Viewer),
            Interview => self == Interviewer,
            ReadContacts => matches!(self, Analyst | Designer | Interviewer),
            VerifyForms => self == Verifier,
            ViewMonitoring => matches!(self, Administrator | Analyst | Viewer),
            ManageMonitoring => matches!(self, Administrator | Analyst),
            ApproveDocuments => self == Viewer,
            ViewHotspots => matches!(self, Administrator | Analyst | Reporter | Viewer),
            ManageHotspots => self == Analyst,
            WorkTasks => matches!(self, Analyst | Reporter),
            SendOrientation => self == Analyst,
        }
    }
}

/// Something a user may do within the subtree of a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Browse and search units.
    ViewUnits,
    /// Create, edit, import units and record lineage.
    ManageUnits,
    /// Create users and grant roles at units.
    ManageUsers,
    /// Read the audit log.
    ViewAudit,
    /// Keep the collaborator registry, targets and coverage of the unit's network.
    ManageCollaborators,
    /// Enter opinion streams (*luồng ý kiến*).
    ReportStreams,
    /// Draft and submit the unit's reports.
    EditReports,
    /// Centre work: report types and requests, review, completeness, synthesis.
    ReviewReports,
    /// Read reports, completeness and syntheses.
    ViewReports,
    /// Build questionnaires and surveys, draw samples.
    DesignSurveys,
    /// See and correct individual survey responses; export them.
    ViewResponses,
    /// See aggregate survey results.
    ViewSurveyResults,
    /// Work the telephone interviewer console.
    Interview,
    /// Read the contact of a sampled case (e-mail, telephone, address), each read audited.
    ReadContacts,
    /// Verify scanned paper forms.
    VerifyForms,
    /// Search monitored items and read the monitoring dashboards, emerging streams and alerts.
    ViewMonitoring,
    /// Keep monitoring sources, import files, label items, train models, act on streams and alerts.
    ManageMonitoring,
    /// Approve (number and freeze) or return the documents of a unit (*lãnh đạo duyệt văn bản*).
    ApproveDocuments,
    /// Read the hot spots of the unit's subtree (*điểm nóng*), their evidence, tasks and reports.
    ViewHotspots,
    /// Open hot spots, move their stages, attach evidence, keep scenarios and partners, assign
    /// tasks (the centre's analysts).
    ManageHotspots,
    /// Work the hot-spot tasks assigned to the unit: status and comments.
    WorkTasks,
    /// Send orientation information to the unit's network and follow its read receipts
    /// (*thông tin định hướng*).
    SendOrientation,
}

/// One grant: `role` at `unit_id` (and everything under it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Grant id.
    pub id: i64,
    /// The role.
    pub role: Role,
    /// The unit at the top of the subtree.
    pub unit_id: i64,
}

/// The logged-in user of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in pages.
    pub display_name: String,
    /// Chosen language.
    pub lang: Lang,
    /// Every grant.
    pub grants: Vec<Grant>,
    /// Whether the user's roles reach the whole platform (`users.platform_wide`): every tree of
    /// units, also trees imported later, and the deployment-wide settings. Holding a grant at a
    /// top-level unit does not make a user platform-wide: several top-level units exist.
    pub platform_wide: bool,
    /// For a platform-wide user, every top-level unit when the user was loaded (empty otherwise):
    /// their roles hold at each, so subtree checks need no special case.
    pub platform_roots: Vec<i64>,
}

impl CurrentUser {
    /// Units at which the user holds some role with `cap`.
    pub fn roots_with(&self, cap: Capability) -> Vec<i64> {
        let mut units: Vec<i64> = self
            .grants
            .iter()
            .filter(|g| g.role.has(cap))
            .map(|g| g.unit_id)
            .collect();
        if self.platform_wide && !units.is_empty() {
            units.extend(self.platform_roots.iter().copied());
        }
        units.sort_unstable();
        units.dedup();
        units
    }

    /// Whether the user holds `cap` over the whole platform: deployment-wide settings (mail,
    /// thresholds, unit types, collaborator value lists), new top-level units, the audit entries
    /// and users that belong to no unit. Only platform-wide users; never "a grant at a top-level
    /// unit".
    pub fn platform_with(&self, cap: Capability) -> bool {
        self.platform_wide && self.has_anywhere(cap)
    }

    /// Whether the user holds `role` anywhere.
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Whether the user holds a role with `cap` anywhere.
    pub fn has_anywhere(&self, cap: Capability) -> bool {
        self.grants.iter().any(|g| g.role.has(cap))
    }
}

/// A login name: 3–64 characters of `a-z 0-9 . _ -`, lower-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Validates a login name; the error is a message key.
    pub fn parse(raw: &str) -> Result<Username, &'static str> {
        let s = raw.trim().to_lowercase();
        if s.chars().count() < 3 || s.chars().count() > 64 {
            return Err("user-error-username-length");
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err("user-error-username-chars");
        }
        Ok(Username(s))
    }

    /// The validated name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: at least 8 characters, at most 256.
pub fn check_new_password(raw: &str) -> Result<(), &'static str> {
    let n = raw.chars().count();
    if n < 8 {
        return Err("password-error-short");
    }
    if n > 256 {
        return Err("password-error-long");
    }
    Ok(())
}

/// Length of a failed-login bucket, in seconds. Failures count over the current bucket and the one
/// before it: 15 to 30 minutes.
pub const LOGIN_BUCKET_SECONDS: i64 = 15 * 60;
/// Failed logins for one account from one address after which that address is refused for that
/// account until its buckets age out. Only the address that failed is refused: the same account
/// logs in from anywhere else.
pub const LOGIN_FAILURES_PER_ADDRESS_AND_ACCOUNT: i64 = 10;
/// Failed logins for one account (from every address) after which each attempt on it waits.
pub const LOGIN_FAILURES_BEFORE_ACCOUNT_DELAY: i64 = 10;
/// Failed logins from one address (for every name) after which each attempt from it waits.
pub const LOGIN_FAILURES_BEFORE_ADDRESS_DELAY: i64 = 20;
/// The longest wait imposed on one attempt.
pub const LOGIN_MAX_DELAY_MS: u64 = 3_000;

/// What to do with a login attempt, given recent failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginGate {
    /// Check the password, after waiting this many milliseconds (0: at once).
    Check { delay_ms: u64 },
    /// Refuse without checking: too many failures for this account from this address.
    Refuse,
}

/// The throttling rule (issue 13, class 9): refuse only the (account, address) pair that failed;
/// failures of an account from everywhere, or of an address for every name, only slow attempts
/// down, doubling from 100 ms up to [`LOGIN_MAX_DELAY_MS`]. Nobody can lock an account out from
/// an address that is not the account holder's: at worst the holder waits a few seconds.
pub fn login_gate(pair_failures: i64, address_failures: i64, account_failures: i64) -> LoginGate {
    if pair_failures >= LOGIN_FAILURES_PER_ADDRESS_AND_ACCOUNT {
        return LoginGate::Refuse;
    }
    let delay = |over: i64| -> u64 {
        if over < 0 {
            0
        } else {
            100u64
                .saturating_mul(1u64 << over.min(16))
                .min(LOGIN_MAX_DELAY_MS)
        }
    };
    let delay_ms = delay(account_failures - LOGIN_FAILURES_BEFORE_ACCOUNT_DELAY).max(delay(
        address_failures - LOGIN_FAILURES_BEFORE_ADDRESS_DELAY,
    ));
    LoginGate::Check { delay_ms }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_keys_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.key()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn only_administrators_manage() {
        for role in Role::ALL {
            assert!(role.has(Capability::ViewUnits));
            assert_eq!(
                role.has(Capability::ManageUsers),
                role == Role::Administrator
            );
        }
    }

    #[test]
    fn usernames_are_checked() {
        fn check(raw: &str, ok: bool) {
            assert_eq!(Username::parse(raw).is_ok(), ok, "{raw}");
        }
        check("admin", true);
        check("Nguyen.Van-A_1", true);
        check("ab", false);
        check("tên có dấu", false);
        check("a b c", false);
    }

    #[test]
    fn failed_logins_delay_and_refuse_only_the_failing_pair() {
        assert_eq!(login_gate(0, 0, 0), LoginGate::Check { delay_ms: 0 });
        assert_eq!(login_gate(9, 9, 9), LoginGate::Check { delay_ms: 0 });
        assert_eq!(login_gate(10, 10, 10), LoginGate::Refuse);
        // Another address: the account's failures only slow it down, with a cap.
        assert_eq!(login_gate(0, 0, 10), LoginGate::Check { delay_ms: 100 });
        assert_eq!(login_gate(0, 0, 12), LoginGate::Check { delay_ms: 400 });
        assert_eq!(
            login_gate(0, 0, 1_000_000),
            LoginGate::Check {
                delay_ms: LOGIN_MAX_DELAY_MS
            }
        );
        assert_eq!(login_gate(0, 21, 0), LoginGate::Check { delay_ms: 200 });
    }

    #[test]
    fn ranks_put_administrators_on_top() {
        for role in Role::ALL {
            assert!(role.rank() <= Role::Administrator.rank());
        }
        assert!(Role::Analyst.rank() > Role::Reporter.rank());
    }

    #[test]
    fn passwords_have_a_minimum_length() {
        assert!(check_new_password("1234567").is_err());
        assert!(check_new_password("12345678").is_ok());
    }
}
