//! The rule sets: the list, one set with its criteria and measures, editing as JSON (a new
//! version) and cloning (a province's own plan).

use super::*;

// ---------------------------------------------------------------------------------------------
// Rule sets.

pub struct RuleSetLine {
    pub id: String,
    pub name: String,
    pub version: i32,
    pub validity: String,
    pub shipped: bool,
    pub changed: String,
    pub based_on: String,
    pub in_force: bool,
    pub levels: Vec<LevelBadge>,
}

#[derive(Template)]
#[template(path = "risk_rules.html")]
struct RulesPage {
    l: Layout,
    sets: Vec<RuleSetLine>,
    today: String,
}

pub async fn rules_list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    let today = s.clock.today();
    let rows = s.store.risk_rule_sets().await?;
    let mut parsed = Vec::new();
    for r in &rows {
        parsed.push(r.rules()?);
    }
    let current = risk::in_force(&parsed, today).map(|r| r.id.clone());
    let sets = rows
        .iter()
        .zip(&parsed)
        .map(|(row, r)| RuleSetLine {
            id: row.id.clone(),
            name: row.name.clone(),
            version: row.version,
            validity: validity(row.valid_from, row.valid_to),
            shipped: row.shipped,
            changed: format!("{} · {}", vn_datetime(&row.created_at), row.created_by),
            based_on: r.based_on.clone().unwrap_or_default(),
            in_force: current.as_deref() == Some(row.id.as_str()),
            levels: r
                .levels
                .iter()
                .map(|l| badge(Some(r), &l.id, None))
                .collect(),
        })
        .collect();
    render_status(
        StatusCode::OK,
        &RulesPage {
            l: layout(&u, "Bộ quy tắc cấp độ dịch", q.msg.as_deref(), None),
            sets,
            today: vn_date(&today),
        },
    )
}

pub struct CriterionLine {
    pub id: String,
    pub tiers: String,
    pub test: String,
    pub effect: String,
    pub text: String,
    pub source: String,
    pub mark: MarkBadge,
}

/// The measures of one level, by category.
pub struct MeasureLevel {
    pub level: LevelBadge,
    pub groups: Vec<MeasureGroup>,
}

pub struct VersionLine {
    pub version: i32,
    pub name: String,
    pub validity: String,
    pub created: String,
    pub shipped: bool,
    pub shown: bool,
}

/// The clone form as typed.
#[derive(Debug, Deserialize, Default)]
pub struct CloneForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    /// The version cloned (the latest when empty).
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    pub body: String,
}

#[derive(Default)]
pub struct RuleForms {
    /// The JSON typed, when the edit failed.
    pub body: Option<String>,
    pub body_errors: FormErrors,
    pub clone: CloneForm,
    pub clone_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "risk_rule_set.html")]
struct RuleSetPage {
    l: Layout,
    id: String,
    version: i32,
    latest: i32,
    name: String,
    document: String,
    validity: String,
    in_force: bool,
    shipped: bool,
    based_on: String,
    notes: String,
    announce_hours: u32,
    cumulative: bool,
    levels: Vec<LevelBadge>,
    criteria: Vec<CriterionLine>,
    unverified: usize,
    measure_levels: Vec<MeasureLevel>,
    versions: Vec<VersionLine>,
    can_manage: bool,
    body: String,
    forms: RuleForms,
}

#[derive(Debug, Deserialize, Default)]
pub struct RuleQuery {
    version: Option<i32>,
    msg: Option<String>,
}

async fn rule_set_page(
    s: &AppState,
    u: &Authed,
    id: &str,
    version: Option<i32>,
    msg: Option<&str>,
    forms: RuleForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (row, rules) = found(s.store.risk_rule_set(id, version).await)?;
    let versions = s.store.risk_rule_versions(id).await?;
    let latest = versions.first().map_or(row.version, |v| v.version);
    let today = s.clock.today();
    let sets = latest_sets(s).await?;
    let in_force = risk::in_force(&sets, today).is_some_and(|r| r.id == rules.id);
    let criteria: Vec<CriterionLine> = rules
        .criteria
        .iter()
        .map(|c| CriterionLine {
            id: c.id.clone(),
            tiers: c
                .applies_to
                .iter()
                .map(|t| t.label())
                .collect::<Vec<_>>()
                .join(", "),
            test: describe_test(&rules, &c.test),
            effect: describe_effect(&rules, &c.effect),
            text: c.text.clone(),
            source: c.source.clone(),
            mark: mark_badge(c.mark),
        })
        .collect();
    let unverified = rules
        .criteria
        .iter()
        .filter(|c| c.mark == Mark::Unverified)
        .count();
    let measure_levels = rules
        .levels
        .iter()
        .map(|l| {
            let ms: Vec<&Measure> = rules.measures.iter().filter(|m| m.level == l.id).collect();
            MeasureLevel {
                level: badge(Some(&rules), &l.id, None),
                groups: group_measures(&rules, &ms),
            }
        })
        .collect();
    let body =
        serde_json::to_string_pretty(&rules).map_err(|e| StoreError::Internal(e.to_string()))?;
    render_status(
        status,
        &RuleSetPage {
            l: layout(
                u,
                format!("{} — bộ quy tắc cấp độ dịch", rules.name),
                msg,
                None,
            ),
            id: row.id.clone(),
            version: row.version,
            latest,
            name: rules.name.clone(),
            document: rules.document.clone(),
            validity: validity(rules.valid_from, rules.valid_to),
            in_force,
            shipped: row.shipped,
            based_on: rules.based_on.clone().unwrap_or_default(),
            notes: rules.notes.clone(),
            announce_hours: rules.announce_hours,
            cumulative: rules.measures_cumulative,
            levels: rules
                .levels
                .iter()
                .map(|l| badge(Some(&rules), &l.id, None))
                .collect(),
            criteria,
            unverified,
            measure_levels,
            versions: versions
                .iter()
                .map(|v| VersionLine {
                    version: v.version,
                    name: v.name.clone(),
                    validity: validity(v.valid_from, v.valid_to),
                    created: format!("{} · {}", vn_datetime(&v.created_at), v.created_by),
                    shipped: v.shipped,
                    shown: v.version == row.version,
                })
                .collect(),
            can_manage: u.can(Permission::ManageRules),
            body,
            forms,
        },
    )
}

pub async fn rule_set(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    Query(q): Query<RuleQuery>,
) -> Result<Response, PageError> {
    rule_set_page(
        &s,
        &u,
        &id,
        q.version,
        q.msg.as_deref(),
        RuleForms::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn edit_rule_set(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<EditForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageRules)?;
    found(s.store.risk_rule_versions(&id).await)?;
    let errors = match RiskRuleSet::from_json(&sub.form.body) {
        Ok(set) if set.id != id => FormErrors(vec![FieldError::new(
            "id",
            format!(
                "mã trong JSON là \"{}\" nhưng bộ quy tắc đang sửa là \"{id}\"; để tạo bộ mới hãy dùng \"Nhân bản\"",
                set.id
            ),
        )]),
        Ok(set) => match s.store.save_risk_rule_set(&u.who(), &set).await {
            Ok(row) => {
                return Ok(see_other(&format!(
                    "/risk/rules/{}?msg=rules_saved",
                    row.id
                )));
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    let forms = RuleForms {
        body: Some(sub.form.body),
        body_errors: errors,
        ..Default::default()
    };
    rule_set_page(
        &s,
        u,
        &id,
        None,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn clone_rule_set(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<CloneForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageRules)?;
    let f = &sub.form;
    let version = f.version.trim().parse::<i32>().ok();
    let (_, source) = found(s.store.risk_rule_set(&id, version).await)?;
    let mut errors = Vec::new();
    let new_id = f.id.trim().to_owned();
    if !new_id.is_empty() {
        match s.store.risk_rule_versions(&new_id).await {
            Ok(_) => errors.push(FieldError::new(
                "id",
                format!("đã có bộ quy tắc mã \"{new_id}\"; chọn mã khác"),
            )),
            Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let from = match required_date("valid_from", &f.valid_from, "ngày bắt đầu áp dụng") {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let to = match parse_date("valid_to", &f.valid_to) {
        Ok(d) => d,
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let errors = match from {
        Some(from) if errors.is_empty() => {
            let copy = RiskRuleSet {
                id: new_id,
                name: f.name.trim().to_owned(),
                valid_from: from,
                valid_to: to,
                based_on: Some(source.id.clone()),
                ..source
            };
            match s.store.save_risk_rule_set(&u.who(), &copy).await {
                Ok(row) => return Ok(see_other(&format!("/risk/rules/{}?msg=cloned", row.id))),
                Err(e) => form_errors(e)?,
            }
        }
        _ => FormErrors(errors),
    };
    let forms = RuleForms {
        clone: sub.form,
        clone_errors: errors,
        ..Default::default()
    };
    rule_set_page(
        &s,
        u,
        &id,
        version,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
