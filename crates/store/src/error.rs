use chongdich_domain::Invalid;

/// What can go wrong in the store. A database outage is never a client error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input broke a rule; nothing was written.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// No such record, or not within the caller's scope (the two are indistinguishable on purpose).
    #[error("không tìm thấy {0}")]
    NotFound(&'static str),
    /// The caller may see the record but not do this to it.
    #[error("không có quyền: {0}")]
    Forbidden(String),
    /// The record already exists (a unique key).
    #[error("đã tồn tại: {0}")]
    Conflict(String),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// Something outside the database failed (hashing a password for the demo, …).
    #[error("lỗi hệ thống: {0}")]
    Internal(String),
}

impl StoreError {
    /// A record named in the input that does not exist (or lies outside the scope) is the
    /// input's fault: a field error, not a 404 of the request.
    pub(crate) fn not_found_as(self, field: &str, message: impl Into<String>) -> Self {
        match self {
            StoreError::NotFound(_) => Invalid::field(field, message).into(),
            other => other,
        }
    }
}

impl From<sea_orm::TransactionError<StoreError>> for StoreError {
    fn from(e: sea_orm::TransactionError<StoreError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(e) => StoreError::Db(e),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}
