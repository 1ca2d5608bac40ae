//! Tasks assigned by the Steering Committee's documents, by hand, or by an inspection's required
//! corrections: lead and supporting agencies, an area, a deadline, a status, progress reports.
//!
//! "Overdue" is not stored: a task is overdue when it is open and its deadline has passed
//! ([`TaskStatus::effective`]), so no job has to flip it at midnight.

use crate::error::{Collector, Invalid};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// Where a task is. `Overdue` is derived on read, never stored.
    pub enum TaskStatus (field = "status") {
        New = ("new", "Mới giao"),
        InProgress = ("in_progress", "Đang thực hiện"),
        Done = ("done", "Đã hoàn thành"),
        Overdue = ("overdue", "Quá hạn"),
        Escalated = ("escalated", "Đã báo cáo cấp trên"),
    }
}

crate::vocabulary! {
    /// Where a task came from.
    pub enum TaskSource (field = "source") {
        Directive = ("directive", "Từ văn bản chỉ đạo"),
        Manual = ("manual", "Giao trực tiếp"),
        Inspection = ("inspection", "Yêu cầu khắc phục sau kiểm tra"),
    }
}

crate::vocabulary! {
    /// The part an agency plays in a task.
    pub enum AgencyRole (field = "role") {
        Lead = ("lead", "Chủ trì"),
        Support = ("support", "Phối hợp"),
    }
}

impl TaskStatus {
    /// The statuses a task may be stored in.
    pub const STORED: [TaskStatus; 4] = [
        TaskStatus::New,
        TaskStatus::InProgress,
        TaskStatus::Done,
        TaskStatus::Escalated,
    ];

    /// Whether work on the task is still expected.
    pub fn is_open(self) -> bool {
        !matches!(self, TaskStatus::Done)
    }

    /// What the screen shows: an open task past its deadline is overdue.
    pub fn effective(self, deadline: Option<NaiveDate>, today: NaiveDate) -> TaskStatus {
        match (self, deadline) {
            // An escalated task is not done either: the level above now answers for it.
            (TaskStatus::New | TaskStatus::InProgress | TaskStatus::Escalated, Some(d))
                if d < today =>
            {
                TaskStatus::Overdue
            }
            (s, _) => s,
        }
    }

    /// Parses a status a report may set (new, in progress, done).
    pub fn parse_reported(s: &str) -> Result<Self, Invalid> {
        match Self::parse(s)? {
            st @ (TaskStatus::New | TaskStatus::InProgress | TaskStatus::Done) => Ok(st),
            _ => Err(Invalid::field(
                "status",
                "báo cáo chỉ đặt được trạng thái mới giao, đang thực hiện hoặc đã hoàn thành",
            )),
        }
    }
}

/// Days before a deadline when the agencies are reminded.
pub const REMIND_DAYS_BEFORE: i64 = 3;

/// Whether a task is due soon: open, deadline today or within [`REMIND_DAYS_BEFORE`] days.
pub fn due_soon(status: TaskStatus, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
    match deadline {
        Some(d) if status.is_open() => {
            let left = (d - today).num_days();
            (0..=REMIND_DAYS_BEFORE).contains(&left)
        }
        _ => false,
    }
}

/// An agency named by a task: a registered agency, or a name as written (a group such as
/// "UBND các huyện, thành phố" that no single agency stands for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedAgency {
    pub agency_id: Option<i64>,
    pub name: String,
}

/// A task as entered or confirmed from a document's item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInput {
    pub title: String,
    pub deadline: Option<NaiveDate>,
    pub lead: Vec<NamedAgency>,
    pub support: Vec<NamedAgency>,
}

impl TaskInput {
    /// Checks the text (1–4000 characters) and that at least one lead agency is named.
    /// `prefix` names the fields ("items[3]." on the review screen).
    pub fn check(mut self, prefix: &str) -> Result<Self, Invalid> {
        let mut c = Collector::new();
        self.title = crate::text::clean(&self.title);
        let n = self.title.chars().count();
        if n == 0 {
            c.push(
                format!("{prefix}title"),
                "nội dung nhiệm vụ không được để trống",
            );
        } else if n > 4000 {
            c.push(
                format!("{prefix}title"),
                "nội dung nhiệm vụ dài quá 4.000 ký tự",
            );
        }
        for a in self.lead.iter_mut().chain(self.support.iter_mut()) {
            a.name = crate::text::clean(&a.name);
        }
        self.lead
            .retain(|a| !a.name.is_empty() || a.agency_id.is_some());
        self.support
            .retain(|a| !a.name.is_empty() || a.agency_id.is_some());
        if self.lead.is_empty() {
            c.push(format!("{prefix}lead"), "cần ít nhất một cơ quan chủ trì");
        }
        if self.lead.len() + self.support.len() > 60 {
            c.push(format!("{prefix}support"), "quá nhiều cơ quan (tối đa 60)");
        }
        c.finish()?;
        Ok(self)
    }
}

/// Splits a list of agency names typed in one field ("Sở Y tế; Sở Tài chính") on semicolons
/// and line breaks; commas stay, since names hold them ("Sở Lao động, Thương binh và Xã hội").
pub fn split_agency_list(s: &str) -> Vec<String> {
    s.split([';', '\n'])
        .map(crate::text::clean)
        .filter(|n| !n.is_empty())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_open_task_past_its_deadline_is_overdue_and_a_done_one_never_is() {
        let today = d(2021, 7, 6);
        let deadline = Some(d(2021, 7, 5));
        assert_eq!(
            TaskStatus::New.effective(deadline, today),
            TaskStatus::Overdue
        );
        assert_eq!(
            TaskStatus::InProgress.effective(deadline, today),
            TaskStatus::Overdue
        );
        assert_eq!(
            TaskStatus::Done.effective(deadline, today),
            TaskStatus::Done
        );
        // Handed to the level above, it is still to be done.
        assert_eq!(
            TaskStatus::Escalated.effective(deadline, today),
            TaskStatus::Overdue
        );
        assert_eq!(
            TaskStatus::Escalated.effective(None, today),
            TaskStatus::Escalated
        );
        assert_eq!(
            TaskStatus::New.effective(Some(d(2021, 7, 6)), today),
            TaskStatus::New,
            "the deadline day itself is not overdue"
        );
        assert_eq!(TaskStatus::New.effective(None, today), TaskStatus::New);
    }

    #[test]
    fn due_soon_is_the_three_days_before_the_deadline() {
        let deadline = Some(d(2021, 7, 5));
        assert!(due_soon(TaskStatus::New, deadline, d(2021, 7, 2)));
        assert!(due_soon(TaskStatus::InProgress, deadline, d(2021, 7, 5)));
        assert!(!due_soon(TaskStatus::New, deadline, d(2021, 7, 1)));
        assert!(!due_soon(TaskStatus::New, deadline, d(2021, 7, 6)));
        assert!(!due_soon(TaskStatus::Done, deadline, d(2021, 7, 4)));
        assert!(due_soon(TaskStatus::Escalated, deadline, d(2021, 7, 4)));
        assert!(!due_soon(TaskStatus::New, None, d(2021, 7, 4)));
    }

    #[test]
    fn a_task_needs_text_and_a_lead_agency_and_errors_name_the_field() {
        let t = TaskInput {
            title: "  ".into(),
            deadline: None,
            lead: vec![NamedAgency {
                agency_id: None,
                name: " ".into(),
            }],
            support: vec![],
        };
        let e = t.check("items[2].").unwrap_err();
        assert!(e.message_for("items[2].title").is_some());
        assert!(e.message_for("items[2].lead").is_some());
        let ok = TaskInput {
            title: " Trả lời  UBND huyện ".into(),
            deadline: Some(d(2021, 7, 5)),
            lead: vec![NamedAgency {
                agency_id: None,
                name: "Sở Tài chính".into(),
            }],
            support: vec![],
        }
        .check("")
        .unwrap();
        assert_eq!(ok.title, "Trả lời UBND huyện");
    }

    #[test]
    fn only_open_statuses_and_done_can_be_reported() {
        assert_eq!(
            TaskStatus::parse_reported("done").unwrap(),
            TaskStatus::Done
        );
        assert!(TaskStatus::parse_reported("overdue").is_err());
        assert!(TaskStatus::parse_reported("escalated").is_err());
        assert_eq!(
            split_agency_list("Sở Y tế; Sở Lao động, Thương binh và Xã hội\n"),
            vec!["Sở Y tế", "Sở Lao động, Thương binh và Xã hội"]
        );
    }
}
