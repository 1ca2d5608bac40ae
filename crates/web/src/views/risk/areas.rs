//! One unit: its published level, why, the measures in force, its history, and the inputs
//! entered for it (coverage, capacity, facts, neighbours, the province's own measures).

use super::*;

// ---------------------------------------------------------------------------------------------
// One unit: its published level, why, the measures in force, its history and inputs.

pub struct NextLevel {
    pub level: LevelBadge,
    pub when: String,
}

pub struct PublishedView {
    pub level: LevelBadge,
    pub since: String,
    pub rules_id: String,
    pub rules_name: String,
    pub next: Option<NextLevel>,
}

/// The assessment the reasons come from.
pub struct ReasonsOf {
    pub assessment_id: i64,
    pub as_of: String,
    pub decision_no: String,
    pub linked: bool,
    pub level: LevelBadge,
    pub computed: Option<LevelBadge>,
    pub override_reason: String,
}

pub struct HistoryLine {
    pub assessment_id: i64,
    pub linked: bool,
    pub as_of: String,
    pub rules: String,
    pub level: LevelBadge,
    pub computed: Option<LevelBadge>,
    pub override_reason: String,
    pub previous: Option<LevelBadge>,
    pub status_label: &'static str,
    pub decision_no: String,
    pub effective: String,
}

pub struct AddedLine {
    pub id: i64,
    pub rules: String,
    pub level: LevelBadge,
    pub category: String,
    pub text: String,
    pub by: String,
    pub area_id: String,
    pub area_name: String,
}

pub struct CoverageLine {
    pub as_of: String,
    pub first_dose_18plus: String,
    pub full_dose_65plus: String,
    pub full_dose_all: String,
    pub source: String,
    pub by: String,
}

pub struct CapacityLine {
    pub as_of: String,
    pub met: bool,
    pub note: String,
    pub by: String,
}

pub struct FactLine {
    pub id: i64,
    pub kind: String,
    pub label: String,
    pub from: String,
    pub to: String,
    pub note: String,
    pub by: String,
}

pub struct NeighbourLine {
    pub id: String,
    pub name: String,
    pub source: String,
}

/// A rule set's levels, for the grouped level select.
pub struct LevelGroup {
    pub rule_set: String,
    pub name: String,
    pub levels: Vec<Choice>,
}

#[derive(Debug, Deserialize, Default)]
pub struct CoverageForm {
    #[serde(default)]
    pub as_of: String,
    #[serde(default)]
    pub first_dose_18plus: String,
    #[serde(default)]
    pub full_dose_65plus: String,
    #[serde(default)]
    pub full_dose_all: String,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct CapacityForm {
    #[serde(default)]
    pub as_of: String,
    /// `yes` or `no`.
    #[serde(default)]
    pub met: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct FactForm {
    #[serde(default)]
    pub kind: String,
    /// A kind typed instead of the choice.
    #[serde(default)]
    pub kind_other: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct NeighbourForm {
    #[serde(default)]
    pub other: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct MeasureForm {
    #[serde(default)]
    pub rule_set: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub text: String,
}

/// What was typed in the forms of a unit's page, kept when validation fails.
#[derive(Default)]
pub struct AreaForms {
    pub coverage: CoverageForm,
    pub coverage_errors: FormErrors,
    pub capacity: CapacityForm,
    pub capacity_errors: FormErrors,
    pub fact: FactForm,
    pub fact_errors: FormErrors,
    pub neighbour: NeighbourForm,
    pub neighbour_errors: FormErrors,
    pub measure: MeasureForm,
    pub measure_errors: FormErrors,
    /// Why a fact could not be ended.
    pub end_fact_error: String,
}

#[derive(Template)]
#[template(path = "risk_area.html")]
struct AreaPage {
    l: Layout,
    id: String,
    name: String,
    tier: &'static str,
    crumbs: Vec<Choice>,
    assessed: bool,
    published: Option<PublishedView>,
    reasons_of: Option<ReasonsOf>,
    reasons: Vec<ReasonLine>,
    measures_level: Option<LevelBadge>,
    measures_rules: String,
    measures_cumulative: bool,
    measure_groups: Vec<MeasureGroup>,
    added_in_force: Vec<AddedLine>,
    history: Vec<HistoryLine>,
    coverage: Vec<CoverageLine>,
    capacity: Vec<CapacityLine>,
    facts: Vec<FactLine>,
    neighbours: Vec<NeighbourLine>,
    can_assess: bool,
    estimate_in: Option<Choice>,
    fact_kinds: Vec<Choice>,
    can_approve: bool,
    added: Vec<AddedLine>,
    rule_sets: Vec<Choice>,
    level_groups: Vec<LevelGroup>,
    categories: Vec<Choice>,
    forms: AreaForms,
}

fn pct_cell(v: Option<f64>) -> String {
    v.map(vn_pct).unwrap_or_else(|| "—".to_owned())
}

/// The unit whose tier-mates an estimate of neighbours looks at: a province or a district
/// itself, a ward's district.
async fn estimate_root(
    s: &AppState,
    u: &Authed,
    a: &AreaRow,
) -> Result<Option<AreaRow>, PageError> {
    let scope = u.scope(Permission::AssessRisk);
    let id = match a.level.as_str() {
        "province" | "district" => Some(a.id.clone()),
        "ward" => a.parent_id.clone(),
        _ => None,
    };
    let Some(id) = id else { return Ok(None) };
    match s.store.area(&scope, &AreaId::parse(&id)?).await {
        Ok(r) => Ok(Some(r)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A day on which the unit's structure is in force: today, or the nearest day of it.
fn day_of_structure(a: &AreaRow, today: NaiveDate) -> NaiveDate {
    let mut d = today;
    if let Some(t) = a.valid_to {
        d = d.min(t);
    }
    if let Some(f) = a.valid_from {
        d = d.max(f);
    }
    let want = match a.structure.as_deref() {
        Some("legacy") => Structure::Legacy,
        Some("current") => Structure::Current,
        _ => return d,
    };
    if Structure::in_force_on(d) != want {
        match (want, Structure::Current.valid_from()) {
            (Structure::Legacy, Some(from)) => d = from.pred_opt().unwrap_or(from),
            (Structure::Current, Some(from)) => d = from,
            _ => {}
        }
    }
    d
}

fn added_line(
    m: AddedMeasure,
    sets: &HashMap<String, &RiskRuleSet>,
    names: &HashMap<String, String>,
) -> AddedLine {
    let rules = sets.get(&m.rule_set_id).copied();
    AddedLine {
        id: m.id,
        rules: rules.map_or_else(|| m.rule_set_id.clone(), |r| r.name.clone()),
        level: badge(rules, &m.level, None),
        category: MeasureCategory::parse(&m.category)
            .map_or_else(|_| m.category.clone(), |c| c.label().to_owned()),
        text: m.text,
        by: format!("{} · {}", vn_datetime(&m.created_at), m.created_by),
        area_name: names
            .get(&m.area_id)
            .cloned()
            .unwrap_or_else(|| m.area_id.clone()),
        area_id: m.area_id,
    }
}

async fn area_page(
    s: &AppState,
    u: &Authed,
    id: &str,
    msg: Option<&str>,
    n: Option<u64>,
    forms: AreaForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let area_id = path_area(id)?;
    let view = u.scope(Permission::ViewAreas);
    let a = found(s.store.area(&view, &area_id).await)?;
    let today = s.clock.today();
    let sets = latest_sets(s).await?;
    let set_by = by_id(&sets);
    let ancestors = s.store.ancestors(&area_id).await?;
    let mut names: HashMap<String, String> = ancestors
        .iter()
        .map(|b| (b.id.clone(), b.name.clone()))
        .collect();
    names.insert(a.id.clone(), a.name.clone());
    let assessed = matches!(a.level.as_str(), "province" | "district" | "ward");
    let mut crumbs = Vec::new();
    for b in &ancestors {
        if s.store.area_in_scope(&view, &AreaId::parse(&b.id)?).await? {
            crumbs.push(Choice::new(b.id.clone(), b.name.clone()));
        }
    }

    // The published level and the announced next one.
    let published = s.store.published_level(&area_id).await?.map(|p| {
        let rules = set_by.get(&p.rule_set_id).copied();
        PublishedView {
            level: badge(rules, &p.level, Some(&p.colour)),
            since: vn_day(&p.since),
            rules_name: rules.map_or_else(|| p.rule_set_id.clone(), |r| r.name.clone()),
            rules_id: p.rule_set_id.clone(),
            next: match (&p.next_level, &p.next_effective_at) {
                (Some(l), Some(when)) => Some(NextLevel {
                    level: badge(rules, l, p.next_colour.as_deref()),
                    when: vn_datetime(when),
                }),
                _ => None,
            },
        }
    });

    // History; the assessments the user may open are linked.
    let rows = s.store.risk_history(&area_id, HISTORY).await?;
    let assessment_ids: HashSet<i64> = rows.iter().map(|r| r.assessment_id).collect();
    let mut visible = HashSet::new();
    for id in assessment_ids {
        match s.store.assessment(&view, id).await {
            Ok(_) => {
                visible.insert(id);
            }
            Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let linked = |id: i64| visible.contains(&id);
    let mut reasons_of = None;
    let mut reasons = Vec::new();
    if let Some(r) = rows.iter().find(|r| r.status == "approved") {
        let rules = set_by.get(&r.rule_set_id).copied();
        let overridden = !r.override_reason.is_empty() || r.computed_level != r.level;
        reasons_of = Some(ReasonsOf {
            assessment_id: r.assessment_id,
            as_of: vn_date(&r.as_of),
            decision_no: r.decision_no.clone().unwrap_or_default(),
            linked: linked(r.assessment_id),
            level: badge(rules, &r.level, Some(&r.colour)),
            computed: overridden.then(|| badge(rules, &r.computed_level, None)),
            override_reason: r.override_reason.clone(),
        });
        let rs = r.reasons();
        let names = UnitNames::load(s, rs.iter().map(|r| r.text.as_str())).await?;
        reasons = reason_lines(rs, &names);
    }
    let history = rows
        .iter()
        .map(|r| {
            let rules = set_by.get(&r.rule_set_id).copied();
            let overridden = !r.override_reason.is_empty() || r.computed_level != r.level;
            HistoryLine {
                assessment_id: r.assessment_id,
                linked: linked(r.assessment_id),
                as_of: vn_date(&r.as_of),
                rules: rules.map_or_else(|| r.rule_set_id.clone(), |x| x.name.clone()),
                level: badge(rules, &r.level, Some(&r.colour)),
                computed: overridden.then(|| badge(rules, &r.computed_level, None)),
                override_reason: r.override_reason.clone(),
                previous: r.previous_level.as_deref().map(|p| badge(rules, p, None)),
                status_label: status_label(&r.status),
                decision_no: r.decision_no.clone().unwrap_or_default(),
                effective: r.effective_at.as_ref().map(vn_datetime).unwrap_or_default(),
            }
        })
        .collect();

    // The measures in force at the published level.
    let mut measures_level = None;
    let mut measures_rules = String::new();
    let mut measures_cumulative = false;
    let mut measure_groups = Vec::new();
    let mut added_in_force = Vec::new();
    if let Some(m) = s.store.measures_in_force(&area_id).await? {
        if let Some(rules) = set_by.get(&m.rule_set_id).copied() {
            let refs: Vec<&Measure> = m.from_rules.iter().collect();
            measure_groups = group_measures(rules, &refs);
            measures_cumulative = rules.measures_cumulative;
            measures_level = Some(badge(Some(rules), &m.level, None));
        }
        measures_rules = m.rule_set_name.clone();
        added_in_force = m
            .added
            .into_iter()
            .map(|x| added_line(x, &set_by, &names))
            .collect();
    }

    // Inputs.
    let inputs = s.store.unit_inputs(&area_id).await?;
    let kinds = fact_kinds(&sets);
    let kind_label: HashMap<&str, &str> = kinds
        .iter()
        .map(|c| (c.value.as_str(), c.label.as_str()))
        .collect();
    let can_assess = assessed
        && u.can(Permission::AssessRisk)
        && s.store
            .area_in_scope(&u.scope(Permission::AssessRisk), &area_id)
            .await?;
    let estimate_in = if can_assess {
        estimate_root(s, u, &a)
            .await?
            .map(|r| Choice::new(r.id.clone(), r.name.clone()))
    } else {
        None
    };
    let can_approve = assessed
        && u.can(Permission::ApproveRisk)
        && s.store
            .area_in_scope(&u.scope(Permission::ApproveRisk), &area_id)
            .await?;
    let mut added = Vec::new();
    for set in &sets {
        for m in s
            .store
            .added_measures(&set.id, std::slice::from_ref(&a.id))
            .await?
        {
            added.push(added_line(m, &set_by, &names));
        }
    }

    let mut forms = forms;
    let in_force = risk::in_force(&sets, today);
    if forms.coverage.as_of.is_empty() && forms.coverage_errors.is_empty() {
        forms.coverage.as_of = vn_date(&today);
    }
    if forms.capacity.as_of.is_empty() && forms.capacity_errors.is_empty() {
        forms.capacity.as_of = vn_date(&today);
    }
    if forms.fact.valid_from.is_empty() && forms.fact_errors.is_empty() {
        forms.fact.valid_from = vn_date(&today);
    }
    if forms.measure.rule_set.is_empty() && forms.measure_errors.is_empty() {
        forms.measure.rule_set = published
            .as_ref()
            .map(|p| p.rules_id.clone())
            .or_else(|| in_force.map(|r| r.id.clone()))
            .unwrap_or_default();
    }

    render_status(
        status,
        &AreaPage {
            l: layout(u, format!("Cấp độ dịch — {}", a.name), msg, n),
            id: a.id.clone(),
            name: a.name.clone(),
            tier: tier_label(&a.level),
            crumbs,
            assessed,
            published,
            reasons_of,
            reasons,
            measures_level,
            measures_rules,
            measures_cumulative,
            measure_groups,
            added_in_force,
            history,
            coverage: inputs
                .coverage
                .iter()
                .map(|c| CoverageLine {
                    as_of: vn_date(&c.as_of),
                    first_dose_18plus: pct_cell(c.first_dose_18plus),
                    full_dose_65plus: pct_cell(c.full_dose_65plus),
                    full_dose_all: pct_cell(c.full_dose_all),
                    source: c.source.clone(),
                    by: c.updated_by.clone(),
                })
                .collect(),
            capacity: inputs
                .capacity
                .iter()
                .map(|c| CapacityLine {
                    as_of: vn_date(&c.as_of),
                    met: c.met,
                    note: c.note.clone(),
                    by: c.updated_by.clone(),
                })
                .collect(),
            facts: inputs
                .facts
                .iter()
                .map(|f| FactLine {
                    id: f.id,
                    label: kind_label
                        .get(f.kind.as_str())
                        .map_or_else(|| f.kind.clone(), |l| (*l).to_owned()),
                    kind: f.kind.clone(),
                    from: vn_date(&f.valid_from),
                    to: f.valid_to.as_ref().map(vn_date).unwrap_or_default(),
                    note: f.note.clone(),
                    by: f.created_by.clone(),
                })
                .collect(),
            neighbours: inputs
                .neighbours
                .iter()
                .map(|n| NeighbourLine {
                    id: n.id.clone(),
                    name: n.name.clone(),
                    source: n.source.clone(),
                })
                .collect(),
            can_assess,
            estimate_in,
            fact_kinds: kinds,
            can_approve,
            added,
            rule_sets: sets
                .iter()
                .map(|r| Choice::new(r.id.clone(), r.name.clone()))
                .collect(),
            level_groups: sets
                .iter()
                .map(|r| LevelGroup {
                    rule_set: r.id.clone(),
                    name: r.name.clone(),
                    levels: r
                        .levels
                        .iter()
                        .map(|l| Choice::new(l.id.clone(), l.name.clone()))
                        .collect(),
                })
                .collect(),
            categories: MeasureCategory::ALL
                .iter()
                .map(|c| Choice::new(c.as_str(), c.label()))
                .collect(),
            forms,
        },
    )
}

pub async fn area(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    area_page(
        &s,
        &u,
        &id,
        q.msg.as_deref(),
        q.n,
        AreaForms::default(),
        StatusCode::OK,
    )
    .await
}

/// A percentage typed by a person ("65", "65,5", "65.5%"), as a fraction; empty: unknown.
fn percent(field: &str, s: &str) -> Result<Option<f64>, Invalid> {
    let t = s.trim().trim_end_matches('%').trim().replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Ok(Some(v / 100.0)),
        _ => Err(Invalid::field(
            field,
            format!("\"{}\": nhập tỷ lệ phần trăm từ 0 đến 100", s.trim()),
        )),
    }
}

pub(super) fn required_date(field: &str, s: &str, what: &str) -> Result<NaiveDate, Invalid> {
    parse_date(field, s)?.ok_or_else(|| Invalid::field(field, format!("nhập {what} (dd/mm/yyyy)")))
}

/// A failed form: its errors, or any other error passed on.
fn errors_of(r: Result<(), StoreError>) -> Result<Option<FormErrors>, PageError> {
    match r {
        Ok(()) => Ok(None),
        Err(e) => form_errors(e).map(Some),
    }
}

pub async fn set_coverage(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<CoverageForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let f = &sub.form;
    let mut errors = Vec::new();
    let mut figures = [None; 3];
    for (i, (field, typed)) in [
        (CoverageField::FirstDose18Plus, &f.first_dose_18plus),
        (CoverageField::FullDose65Plus, &f.full_dose_65plus),
        (CoverageField::FullDoseAll, &f.full_dose_all),
    ]
    .into_iter()
    .enumerate()
    {
        match percent(field.as_str(), typed) {
            Ok(v) => figures[i] = v,
            Err(e) => errors.extend(e.0),
        }
    }
    let as_of = match parse_past_date("as_of", &f.as_of, s.clock.today()).and_then(|d| {
        d.ok_or_else(|| Invalid::field("as_of", "nhập ngày của số liệu (dd/mm/yyyy)"))
    }) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let errors = match as_of {
        Some(as_of) if errors.is_empty() => errors_of(
            s.store
                .set_coverage(
                    &u.scope(Permission::AssessRisk),
                    &u.who(),
                    &area,
                    as_of,
                    figures,
                    &f.source,
                )
                .await,
        )?,
        _ => Some(FormErrors(errors)),
    };
    form_done(&s, u, &id, "coverage", errors, |errors| AreaForms {
        coverage: sub.form,
        coverage_errors: errors,
        ..Default::default()
    })
    .await
}

pub async fn set_capacity(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<CapacityForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let f = &sub.form;
    let mut errors = Vec::new();
    let met = match f.met.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.push(FieldError::new("met", "chọn đáp ứng hoặc chưa đáp ứng"));
            None
        }
    };
    let as_of = match parse_past_date("as_of", &f.as_of, s.clock.today())
        .and_then(|d| d.ok_or_else(|| Invalid::field("as_of", "nhập ngày đánh giá (dd/mm/yyyy)")))
    {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let errors = match (met, as_of) {
        (Some(met), Some(as_of)) => errors_of(
            s.store
                .set_capacity(
                    &u.scope(Permission::AssessRisk),
                    &u.who(),
                    &area,
                    as_of,
                    met,
                    &f.note,
                )
                .await,
        )?,
        _ => Some(FormErrors(errors)),
    };
    form_done(&s, u, &id, "capacity", errors, |errors| AreaForms {
        capacity: sub.form,
        capacity_errors: errors,
        ..Default::default()
    })
    .await
}

pub async fn add_fact(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<FactForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let f = &sub.form;
    let kind = if f.kind_other.trim().is_empty() {
        f.kind.trim()
    } else {
        f.kind_other.trim()
    };
    let mut errors = Vec::new();
    if kind.is_empty() {
        errors.push(FieldError::new("kind", "chọn hoặc nhập loại yếu tố"));
    }
    let from = match required_date("valid_from", &f.valid_from, "ngày bắt đầu") {
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
        Some(from) if errors.is_empty() => errors_of(
            s.store
                .add_fact(
                    &u.scope(Permission::AssessRisk),
                    &u.who(),
                    &area,
                    kind,
                    from,
                    to,
                    &f.note,
                )
                .await
                .map(|_| ()),
        )?,
        _ => Some(FormErrors(errors)),
    };
    form_done(&s, u, &id, "fact", errors, |errors| AreaForms {
        fact: sub.form,
        fact_errors: errors,
        ..Default::default()
    })
    .await
}

/// After a form of a unit's page: back to the page with its notice, or, when it failed, the
/// page again with what was typed and the errors.
async fn form_done(
    s: &AppState,
    u: &Authed,
    id: &str,
    msg: &str,
    errors: Option<FormErrors>,
    again: impl FnOnce(FormErrors) -> AreaForms,
) -> Result<Response, PageError> {
    match errors {
        None => Ok(see_other(&format!("/risk/areas/{id}?msg={msg}#inputs"))),
        Some(errors) => {
            area_page(
                s,
                u,
                id,
                None,
                None,
                again(errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The end-a-fact form: the last day it counts (today when empty).
#[derive(Debug, Default, Deserialize)]
pub struct EndFactForm {
    #[serde(default)]
    pub valid_to: String,
}

pub async fn end_fact(
    State(s): State<AppState>,
    Path((id, fact)): Path<(String, i64)>,
    sub: Submitted<EndFactForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    path_area(&id)?;
    let to = match parse_date("valid_to", &sub.form.valid_to) {
        Ok(d) => d.unwrap_or_else(|| s.clock.today()),
        Err(e) => return end_fact_failed(&s, u, &id, e.into()).await,
    };
    match s
        .store
        .end_fact(&u.scope(Permission::AssessRisk), &u.who(), fact, to)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/risk/areas/{id}?msg=fact_ended#facts-h"
        ))),
        Err(e) => end_fact_failed(&s, u, &id, e).await,
    }
}

/// The unit's page again, the error shown with the facts.
async fn end_fact_failed(
    s: &AppState,
    u: &Authed,
    id: &str,
    e: StoreError,
) -> Result<Response, PageError> {
    let forms = AreaForms {
        end_fact_error: form_errors(e)?
            .all()
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
        ..Default::default()
    };
    area_page(
        s,
        u,
        id,
        None,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn add_neighbour(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<NeighbourForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let errors = match area_id("other", &sub.form.other) {
        Ok(other) => match s
            .store
            .add_neighbours(
                &u.scope(Permission::AssessRisk),
                &u.who(),
                &[(area, other)],
                "nhập tay",
            )
            .await
        {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/risk/areas/{id}?msg=neighbour#neighbours"
                )));
            }
            // The store names the pair's sides; the form has one field.
            Err(e) => FormErrors(
                form_errors(e)?
                    .0
                    .into_iter()
                    .map(|mut e| {
                        if e.field.starts_with("pairs[0]") {
                            e.field = "other".into();
                        }
                        e
                    })
                    .collect(),
            ),
        },
        Err(e) => e.into(),
    };
    let forms = AreaForms {
        neighbour: sub.form,
        neighbour_errors: errors,
        ..Default::default()
    };
    area_page(
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

pub async fn remove_neighbour(
    State(s): State<AppState>,
    Path((id, other)): Path<(String, String)>,
    sub: Submitted<crate::views::Empty>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let other = path_area(&other)?;
    match s
        .store
        .remove_neighbour(&u.scope(Permission::AssessRisk), &u.who(), &area, &other)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/risk/areas/{id}?msg=neighbour_removed#neighbours"
        ))),
        Err(StoreError::Invalid(_)) | Err(StoreError::NotFound(_)) => Err(PageError::not_found()),
        Err(e) => Err(e.into()),
    }
}

pub async fn estimate_neighbours(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<crate::views::Empty>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let a = found(s.store.area(&u.scope(Permission::AssessRisk), &area).await)?;
    let Some(root) = estimate_root(&s, u, &a).await? else {
        return Err(PageError::not_found());
    };
    let n = s
        .store
        .estimate_neighbours(
            &u.scope(Permission::AssessRisk),
            &u.who(),
            &AreaId::parse(&root.id)?,
            day_of_structure(&root, s.clock.today()),
        )
        .await?;
    Ok(see_other(&format!(
        "/risk/areas/{id}?msg=estimated&n={n}#neighbours"
    )))
}

pub async fn add_measure(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<MeasureForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ApproveRisk)?;
    let area = path_area(&id)?;
    let f = &sub.form;
    let errors = match s
        .store
        .add_measure(
            &u.scope(Permission::ApproveRisk),
            &u.who(),
            &area,
            f.rule_set.trim(),
            f.level.trim(),
            &f.category,
            &f.text,
        )
        .await
    {
        Ok(_) => return Ok(see_other(&format!("/risk/areas/{id}?msg=measure#added"))),
        Err(e) => form_errors(e)?,
    };
    let forms = AreaForms {
        measure: sub.form,
        measure_errors: errors,
        ..Default::default()
    };
    area_page(
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

#[derive(Debug, Deserialize)]
pub struct RemoveMeasureForm {
    /// The unit's page to go back to.
    #[serde(default)]
    area_id: String,
}

pub async fn remove_measure(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<RemoveMeasureForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ApproveRisk)?;
    found(
        s.store
            .remove_measure(&u.scope(Permission::ApproveRisk), &u.who(), id)
            .await,
    )?;
    Ok(match AreaId::parse(&sub.form.area_id) {
        Ok(a) => see_other(&format!(
            "/risk/areas/{}?msg=measure_removed#added",
            a.as_str()
        )),
        Err(_) => see_other("/risk"),
    })
}
