//! Work plans' rules, no IO: the kinds of activity and how an item stands against what was done.

use crate::kit::keys::stored_keys;

stored_keys! {
    /// What a planned activity is (*hoạt động*).
    pub enum ItemKind: "work plan activity" {
        /// A collaborator briefing (*hội nghị giao ban*): done by a briefing held.
        Briefing = "briefing",
        /// A survey (*điều tra, khảo sát*): done by a survey created.
        Survey = "survey",
        /// A training course (*tập huấn*): done by a course begun.
        Training = "training",
        /// A thematic report (*báo cáo chuyên đề*): done by a thematic report issued.
        ThematicReport = "thematic_report",
        /// Anything else, ticked by hand.
        Other = "other",
    }
}

impl ItemKind {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("plans-kind-{}", self.key().replace('_', "-"))
    }
}

/// How a planned item stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Done in its month.
    Done,
    /// Done in a later month of the year.
    Late,
    /// Its month is past and nothing was done since.
    Missed,
    /// Its month has not ended yet.
    Upcoming,
}

impl Progress {
    /// Its key (CSS class and message key suffix).
    pub fn key(self) -> &'static str {
        match self {
            Progress::Done => "done",
            Progress::Late => "late",
            Progress::Missed => "missed",
            Progress::Upcoming => "upcoming",
        }
    }

    /// Whether it counts as done.
    pub fn is_done(self) -> bool {
        matches!(self, Progress::Done | Progress::Late)
    }
}

/// How the items of one kind planned for `months` of `year` stand, given the months of that year
/// in which an activity of that kind was done (`done`, one entry per activity) and today's
/// `(year, month)`. Each activity counts for one item only: first for an item of its own month
/// (done), then for the earliest item before it still without one (done late); twelve monthly
/// briefings are not all done by one briefing in December.
pub fn progress_all(months: &[u32], year: i32, done: &[u32], today: (i32, u32)) -> Vec<Progress> {
    let mut used = vec![false; done.len()];
    let mut out: Vec<Option<Progress>> = vec![None; months.len()];
    let mut order: Vec<usize> = (0..months.len()).collect();
    order.sort_by_key(|i| months[*i]);
    for &i in &order {
        if let Some(j) = (0..done.len()).find(|j| !used[*j] && done[*j] == months[i]) {
            used[j] = true;
            out[i] = Some(Progress::Done);
        }
    }
    for &i in &order {
        if out[i].is_some() {
            continue;
        }
        let later = (0..done.len())
            .filter(|j| !used[*j] && done[*j] > months[i])
            .min_by_key(|j| done[*j]);
        if let Some(j) = later {
            used[j] = true;
            out[i] = Some(Progress::Late);
        }
    }
    months
        .iter()
        .zip(out)
        .map(|(m, p)| {
            p.unwrap_or(if (year, *m) < today {
                Progress::Missed
            } else {
                Progress::Upcoming
            })
        })
        .collect()
}

/// How one item planned for `month` stands (see [`progress_all`]).
pub fn progress(month: u32, year: i32, done_months: &[u32], today: (i32, u32)) -> Progress {
    progress_all(&[month], year, done_months, today)[0]
}

/// Checks an item's title and month; the error is a message key.
pub fn check_item(title: &str, month: u32) -> Result<(), &'static str> {
    let n = title.chars().count();
    if n < 3 {
        return Err("plans-error-title");
    }
    if n > 300 {
        return Err("plans-error-title-long");
    }
    if !(1..=12).contains(&month) {
        return Err("plans-error-month");
    }
    Ok(())
}

/// Most items of a plan.
pub const MAX_ITEMS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_done_in_its_month_late_after_it_missed_or_upcoming() {
        let today = (2026, 6);
        assert_eq!(progress(3, 2026, &[3], today), Progress::Done);
        assert_eq!(progress(3, 2026, &[5], today), Progress::Late);
        assert_eq!(progress(3, 2026, &[1], today), Progress::Missed);
        assert_eq!(progress(6, 2026, &[], today), Progress::Upcoming);
        assert_eq!(progress(12, 2025, &[], today), Progress::Missed);
        assert!(Progress::Late.is_done());
        // One briefing in December does not do twelve monthly ones.
        let months: Vec<u32> = (1..=12).collect();
        let states = progress_all(&months, 2026, &[12], (2026, 12));
        assert_eq!(states.iter().filter(|s| s.is_done()).count(), 1);
        assert_eq!(states[11], Progress::Done);
        assert_eq!(states[0], Progress::Missed);
        // Two in March: March's, and February's late.
        let states = progress_all(&[2, 3], 2026, &[3, 3], (2026, 6));
        assert_eq!(states, vec![Progress::Late, Progress::Done]);
        assert_eq!(check_item("Giao ban", 13), Err("plans-error-month"));
        assert_eq!(check_item("ab", 1), Err("plans-error-title"));
    }
}
