//! Diseases and their versioned rule sets (principle 3: rules are data).

use crate::audit::{self, Who};
use crate::{Store, StoreError};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::disease::{RuleParams, RuleSet, covid19_rule_sets, in_force, parse_code};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct DiseaseRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub icd10: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromQueryResult)]
struct RuleRow {
    version: i32,
    name: String,
    source: String,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    params: String,
}

/// A disease with all its rule sets, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiseaseRules {
    pub disease: DiseaseRow,
    pub rule_sets: Vec<RuleSet>,
}

impl DiseaseRules {
    /// The rule set in force on a date.
    pub fn in_force(&self, on: NaiveDate) -> Option<&RuleSet> {
        in_force(&self.rule_sets, on)
    }

    /// The parameters in force, or none (no rule set covers the date: nothing is derived, and
    /// the screen says so rather than assuming).
    pub fn params_on(&self, on: NaiveDate) -> Option<&RuleParams> {
        self.in_force(on).map(|r| &r.params)
    }
}

impl Store {
    /// Ships COVID-19 with its rule sets when no disease exists yet (a fresh database).
    pub(crate) async fn seed_diseases(&self) -> Result<(), StoreError> {
        let n = crate::count_of(
            &self.db,
            &Query::select().column("id").from("diseases").to_owned(),
        )
        .await?;
        if n > 0 {
            return Ok(());
        }
        let id = self
            .insert_disease(&Who::console(), "covid19", "COVID-19", Some("U07.1"))
            .await?;
        for set in covid19_rule_sets() {
            self.insert_rule_set(&Who::console(), id, &set).await?;
        }
        Ok(())
    }

    async fn insert_disease(
        &self,
        who: &Who,
        code: &str,
        name: &str,
        icd10: Option<&str>,
    ) -> Result<i64, StoreError> {
        let now = self.clock.now();
        let txn = self.write().await?;
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("diseases")
                    .columns(["code", "name", "icd10", "created_at"])
                    .values_panic([
                        code.into(),
                        name.into(),
                        icd10.map(str::to_owned).into(),
                        now.into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("bệnh"))?;
        let id: i64 = row.try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "disease", Some(id.to_string()))
                .with_detail(format!("{code} — {name}")),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Adds a disease (administrators): data, not code. It has no rule set until one is added.
    pub async fn create_disease(
        &self,
        who: &Who,
        code: &str,
        name: &str,
        icd10: &str,
    ) -> Result<DiseaseRow, StoreError> {
        let code = parse_code(code)?;
        let name = chongdich_domain::text::clean(name);
        if name.chars().count() < 2 || name.chars().count() > 100 {
            return Err(
                chongdich_domain::Invalid::field("name", "tên bệnh từ 2 đến 100 ký tự").into(),
            );
        }
        let icd = chongdich_domain::text::clean(icd10);
        if self.disease_by_code(&code).await.is_ok() {
            return Err(chongdich_domain::Invalid::field("code", "mã bệnh đã có").into());
        }
        let id = self
            .insert_disease(
                who,
                &code,
                &name,
                Some(icd.as_str()).filter(|s| !s.is_empty()),
            )
            .await?;
        Ok(self.disease(id).await?.disease)
    }

    async fn insert_rule_set(
        &self,
        who: &Who,
        disease_id: i64,
        set: &RuleSet,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let params =
            serde_json::to_string(&set.params).map_err(|e| StoreError::Internal(e.to_string()))?;
        let txn = self.write().await?;
        txn.execute(
            &Query::insert()
                .into_table("rule_sets")
                .columns([
                    "disease_id",
                    "version",
                    "name",
                    "source",
                    "valid_from",
                    "valid_to",
                    "params",
                    "created_at",
                    "created_by",
                ])
                .values_panic([
                    disease_id.into(),
                    set.version.into(),
                    set.name.clone().into(),
                    set.source.clone().into(),
                    set.valid_from.into(),
                    set.valid_to.into(),
                    params.into(),
                    now.into(),
                    who.username.clone().into(),
                ])
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Create,
                "rule_set",
                Some(disease_id.to_string()),
            )
            .with_detail(format!("v{} {} — {}", set.version, set.name, set.source)),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Adds a new version of a disease's rules; earlier versions are never edited. The new
    /// version's number is one more than the last.
    pub async fn add_rule_set(
        &self,
        who: &Who,
        disease_id: i64,
        draft: &chongdich_domain::disease::RuleSetDraft,
    ) -> Result<DiseaseRules, StoreError> {
        let current = self.disease(disease_id).await?;
        let version = current
            .rule_sets
            .iter()
            .map(|r| r.version)
            .max()
            .unwrap_or(0)
            + 1;
        let set = draft.parse(version)?;
        self.insert_rule_set(who, disease_id, &set).await?;
        self.disease(disease_id).await
    }

    pub async fn diseases(&self) -> Result<Vec<DiseaseRow>, StoreError> {
        Ok(DiseaseRow::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .columns(["id", "code", "name", "icd10", "created_at"])
                    .from("diseases")
                    .order_by("id", Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?)
    }

    pub async fn disease(&self, id: i64) -> Result<DiseaseRules, StoreError> {
        let disease = DiseaseRow::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .columns(["id", "code", "name", "icd10", "created_at"])
                    .from("diseases")
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            ),
        )
        .one(&self.db)
        .await?
        .ok_or(StoreError::NotFound("bệnh"))?;
        let rows = RuleRow::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .columns([
                        "version",
                        "name",
                        "source",
                        "valid_from",
                        "valid_to",
                        "params",
                    ])
                    .from("rule_sets")
                    .and_where(Expr::col("disease_id").eq(id))
                    .order_by("version", Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        let mut rule_sets = Vec::with_capacity(rows.len());
        for r in rows {
            let params: RuleParams = serde_json::from_str(&r.params)
                .map_err(|e| StoreError::Internal(format!("rule set v{}: {e}", r.version)))?;
            rule_sets.push(RuleSet {
                version: r.version,
                name: r.name,
                source: r.source,
                valid_from: r.valid_from,
                valid_to: r.valid_to,
                params,
            });
        }
        Ok(DiseaseRules { disease, rule_sets })
    }

    /// A disease by its code (`covid19`), with its rules.
    pub async fn disease_by_code(&self, code: &str) -> Result<DiseaseRules, StoreError> {
        let row = self
            .db
            .query_one(
                &Query::select()
                    .column("id")
                    .from("diseases")
                    .and_where(Expr::col("code").eq(code.trim()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("bệnh"))?;
        self.disease(row.try_get("", "id")?).await
    }

    /// A disease named in a form or request: by code; the error names the field.
    pub async fn disease_for_input(&self, code: &str) -> Result<DiseaseRules, StoreError> {
        match self.disease_by_code(code).await {
            Err(StoreError::NotFound(_)) => Err(chongdich_domain::Invalid::field(
                "disease",
                format!("không có bệnh mã \"{}\"", code.trim()),
            )
            .into()),
            other => other,
        }
    }
}
