//! Validation errors that name the offending field.

use serde::Serialize;

/// One field that failed validation, with a message for a person (in Vietnamese).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A value that failed validation: one or more fields, each with its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dữ liệu không hợp lệ: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// The message for one field, if that field failed.
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// Collects field errors while a form or request body is parsed, then fails once with all of them.
#[derive(Debug, Default)]
pub struct Collector(Vec<FieldError>);

impl Collector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value if it parsed; records the field's error otherwise.
    pub fn take<T>(&mut self, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(Invalid(errors)) => {
                self.0.extend(errors);
                None
            }
        }
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collector_gathers_every_field() {
        let mut c = Collector::new();
        let a: Option<u8> = c.take(Err(Invalid::field("a", "sai")));
        let b = c.take(Ok::<_, Invalid>(3));
        c.push("c", "thiếu");
        assert_eq!(a, None);
        assert_eq!(b, Some(3));
        let err = c.finish().unwrap_err();
        assert_eq!(err.0.len(), 2);
        assert_eq!(err.message_for("c"), Some("thiếu"));
        assert!(err.to_string().contains("a: sai"));
    }

    #[test]
    fn empty_collector_is_ok() {
        assert!(Collector::new().finish().is_ok());
    }
}
