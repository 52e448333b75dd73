//! Briefings' domain types and rules, no IO: who an orientation message goes to, and its
//! checks.

use crate::accounts::model::Role;
use crate::kit::keys::stored_keys;

stored_keys! {
    /// Who an orientation message goes to, within the sending unit's subtree.
    pub enum Audience: "orientation audience" {
        /// The collaborators with an account (*cộng tác viên*).
        Collaborators = "collaborators",
        /// The collaborators and the units' reporters (*mạng lưới*).
        Network = "network",
    }
}

impl Audience {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("briefings-audience-{}", self.key())
    }

    /// The roles it reaches.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Audience::Collaborators => &[Role::Collaborator],
            Audience::Network => &[Role::Collaborator, Role::Reporter],
        }
    }
}

stored_keys! {
    /// Where a briefing session stands.
    pub enum SessionStatus: "briefing status" {
        /// Planned, invitations sent.
        Scheduled = "scheduled",
        /// Held: attendance recorded.
        Held = "held",
        /// Called off.
        Cancelled = "cancelled",
    }
}

impl SessionStatus {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("briefings-status-{}", self.key())
    }
}

stored_keys! {
    /// An invitee's reply.
    pub enum Reply: "briefing reply" {
        /// Not replied.
        Pending = "pending",
        /// Will attend (*tham dự*).
        Attend = "attend",
        /// Excused (*xin vắng*).
        Excused = "excused",
    }
}

impl Reply {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("briefings-reply-{}", self.key())
    }
}

/// A briefing session as typed, cleaned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionDraft {
    /// Topic (*chủ đề*).
    pub title: String,
    /// Place (*địa điểm*).
    pub place: String,
    /// Online link, possibly empty.
    pub link: String,
    /// Agenda (*chương trình*).
    pub agenda: String,
}

/// Checks a session; errors are `(field, message key)`.
pub fn check_session(d: &SessionDraft) -> Vec<(&'static str, &'static str)> {
    let mut errors = vec![];
    let n = d.title.chars().count();
    if n < 3 {
        errors.push(("title", "briefings-error-session-title"));
    } else if n > MAX_TITLE {
        errors.push(("title", "briefings-error-title-long"));
    }
    if d.place.is_empty() && d.link.is_empty() {
        errors.push(("place", "briefings-error-place"));
    }
    if d.place.chars().count() > MAX_TITLE {
        errors.push(("place", "briefings-error-title-long"));
    }
    // Only web addresses: a link is shown as one, and `javascript:` never is.
    if !d.link.is_empty()
        && (!(d.link.starts_with("https://") || d.link.starts_with("http://"))
            || d.link.len() > 500
            || d.link.contains(char::is_whitespace))
    {
        errors.push(("link", "briefings-error-link"));
    }
    if d.agenda.chars().count() > MAX_TEXT {
        errors.push(("agenda", "briefings-error-text-long"));
    }
    errors
}

/// Longest title (characters).
pub const MAX_TITLE: usize = 300;
/// Longest body, key facts or talking points (characters).
pub const MAX_TEXT: usize = 8000;

/// An orientation message as written, cleaned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    /// Title.
    pub title: String,
    /// The message (*nội dung*).
    pub body: String,
    /// Key facts, one per line (*thông tin chính*).
    pub key_facts: String,
    /// What to say about it (*định hướng trao đổi*).
    pub talking_points: String,
}

/// Checks a message; errors are `(field, message key)`.
pub fn check(d: &Draft) -> Vec<(&'static str, &'static str)> {
    let mut errors = vec![];
    if d.title.is_empty() {
        errors.push(("title", "briefings-error-title"));
    } else if d.title.chars().count() > MAX_TITLE {
        errors.push(("title", "briefings-error-title-long"));
    }
    if d.body.is_empty() {
        errors.push(("body", "briefings-error-body"));
    }
    for (field, text) in [
        ("body", &d.body),
        ("key_facts", &d.key_facts),
        ("talking_points", &d.talking_points),
    ] {
        if text.chars().count() > MAX_TEXT {
            errors.push((field, "briefings-error-text-long"));
        }
    }
    errors
}

/// A share of readers as a whole percentage (0 when nobody was sent it).
pub fn read_share(read: usize, total: usize) -> u32 {
    if total == 0 {
        0
    } else {
        ((read as f64 / total as f64) * 100.0).round() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_has_a_title_and_a_body_within_bounds() {
        let d = Draft::default();
        assert_eq!(
            check(&d),
            vec![
                ("title", "briefings-error-title"),
                ("body", "briefings-error-body")
            ]
        );
        let d = Draft {
            title: "Thông tin về ngập úng".into(),
            body: "x".repeat(MAX_TEXT + 1),
            ..Draft::default()
        };
        assert_eq!(check(&d), vec![("body", "briefings-error-text-long")]);
    }

    #[test]
    fn a_session_has_a_topic_a_place_or_link_and_only_web_links() {
        let mut d = SessionDraft {
            title: "Giao ban tháng 12".into(),
            place: String::new(),
            link: String::new(),
            agenda: String::new(),
        };
        assert_eq!(check_session(&d), vec![("place", "briefings-error-place")]);
        d.link = "javascript:alert(1)".into();
        assert_eq!(check_session(&d), vec![("link", "briefings-error-link")]);
        d.link = "https://meet.example.vn/giao-ban".into();
        assert!(check_session(&d).is_empty());
    }

    #[test]
    fn audiences_reach_their_roles_and_shares_round() {
        assert_eq!(Audience::Collaborators.roles(), &[Role::Collaborator]);
        assert!(Audience::Network.roles().contains(&Role::Reporter));
        assert_eq!(read_share(1, 3), 33);
        assert_eq!(read_share(2, 3), 67);
        assert_eq!(read_share(0, 0), 0);
    }
}
