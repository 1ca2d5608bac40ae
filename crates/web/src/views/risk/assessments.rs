//! The list of assessments, running one, one assessment with its units level by level, and
//! its approval by the Steering Committee.

use super::*;

// ---------------------------------------------------------------------------------------------
// The list of assessments, and running one.

pub struct AssessmentLine {
    pub id: i64,
    pub as_of: String,
    pub area_id: String,
    pub area_name: String,
    pub rules: String,
    pub status: String,
    pub status_label: &'static str,
    pub units: i32,
    pub changed: i32,
    pub decision_no: String,
    pub computed: String,
}

fn assessment_line(a: &AssessmentRow, sets: &HashMap<String, &RiskRuleSet>) -> AssessmentLine {
    AssessmentLine {
        id: a.id,
        as_of: vn_date(&a.as_of),
        area_id: a.area_id.clone(),
        area_name: a.area_name.clone(),
        rules: format!(
            "{} (v{})",
            sets.get(&a.rule_set_id)
                .map_or(a.rule_set_id.as_str(), |r| r.name.as_str()),
            a.rule_version
        ),
        status: a.status.clone(),
        status_label: a.status_label(),
        units: a.unit_count,
        changed: a.changed_count,
        decision_no: a.decision_no.clone().unwrap_or_default(),
        computed: format!("{} · {}", vn_datetime(&a.computed_at), a.computed_by),
    }
}

/// The run-assessment form as typed.
#[derive(Debug, Deserialize, Default)]
pub struct AssessForm {
    #[serde(default)]
    pub area_id: String,
    /// An area id typed instead of the choice.
    #[serde(default)]
    pub area_typed: String,
    #[serde(default)]
    pub as_of: String,
    /// Empty: the rule set in force on the date.
    #[serde(default)]
    pub rule_set: String,
}

#[derive(Template)]
#[template(path = "risk_list.html")]
struct ListPage {
    l: Layout,
    assessments: Vec<AssessmentLine>,
    can_assess: bool,
    areas: Vec<Choice>,
    rule_sets: Vec<Choice>,
    in_force_today: String,
    form: AssessForm,
    errors: FormErrors,
    today: String,
}

/// The areas offered to assess: the user's roots, the provinces under a country root, and for
/// a province of today's structure the province of before 01/07/2025 that its records count
/// under (an assessment of 2021 is of the legacy units).
async fn assess_choices(s: &AppState, u: &Authed) -> Result<Vec<Choice>, PageError> {
    let scope = u.scope(Permission::AssessRisk);
    let label = |a: &AreaRow| {
        let when = match a.structure.as_deref() {
            Some("legacy") => " — cơ cấu trước 01/07/2025",
            _ => "",
        };
        format!("{}{when} ({})", a.name, a.id)
    };
    let mut out: Vec<Choice> = Vec::new();
    for root in s.store.scope_roots(&scope).await? {
        out.push(Choice::new(root.id.clone(), label(&root)));
        let id = AreaId::parse(&root.id)?;
        match root.level.as_str() {
            "country" => {
                for c in s.store.children(&scope, &id, 200, 0).await?.items {
                    out.push(Choice::new(c.id.clone(), format!("— {}", label(&c))));
                }
            }
            "province" => {
                for p in s.store.counted_provinces(&id).await? {
                    if p.id != root.id {
                        out.push(Choice::new(p.id.clone(), label(&p)));
                    }
                }
            }
            _ => {}
        }
    }
    let mut seen = HashSet::new();
    out.retain(|c| seen.insert(c.value.clone()));
    Ok(out)
}

async fn list_page(
    s: &AppState,
    u: &Authed,
    msg: Option<&str>,
    form: AssessForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let today = s.clock.today();
    let sets = latest_sets(s).await?;
    let names = by_id(&sets);
    let assessments = s
        .store
        .assessments(&u.scope(Permission::ViewAreas), RECENT)
        .await?
        .iter()
        .map(|a| assessment_line(a, &names))
        .collect();
    let can_assess = u.can(Permission::AssessRisk);
    let areas = if can_assess {
        assess_choices(s, u).await?
    } else {
        Vec::new()
    };
    let mut form = form;
    if errors.is_empty() && form.area_id.is_empty() && form.area_typed.is_empty() {
        // The first unit of the structure in force today.
        let prefix = Structure::in_force_on(today).id_prefix();
        form.area_id = areas
            .iter()
            .find(|a| a.value.starts_with(prefix))
            .or(areas.first())
            .map(|a| a.value.clone())
            .unwrap_or_default();
    }
    if errors.is_empty() && form.as_of.is_empty() {
        form.as_of = vn_date(&today);
    }
    render_status(
        status,
        &ListPage {
            l: layout(u, "Cấp độ dịch — đánh giá", msg, None),
            assessments,
            can_assess,
            areas,
            rule_sets: sets
                .iter()
                .map(|r| {
                    Choice::new(
                        r.id.clone(),
                        format!("{} ({})", r.name, validity(r.valid_from, r.valid_to)),
                    )
                })
                .collect(),
            in_force_today: risk::in_force(&sets, today)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            form,
            errors,
            today: vn_date(&today),
        },
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct MsgQuery {
    pub msg: Option<String>,
    pub n: Option<u64>,
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    list_page(
        &s,
        &u,
        q.msg.as_deref(),
        AssessForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn run(
    State(s): State<AppState>,
    sub: Submitted<AssessForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let f = &sub.form;
    let today = s.clock.today();
    let mut errors = Vec::new();
    let typed = if f.area_typed.trim().is_empty() {
        &f.area_id
    } else {
        &f.area_typed
    };
    let area = match area_id("area_id", typed) {
        Ok(a) => Some(a),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let as_of = match parse_past_date("as_of", &f.as_of, today) {
        Ok(d) => Some(d.unwrap_or(today)),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let errors = match (area, as_of) {
        (Some(area), Some(as_of)) if errors.is_empty() => match s
            .store
            .assess_risk(
                &u.scope(Permission::AssessRisk),
                &u.who(),
                &area,
                as_of,
                Some(f.rule_set.as_str()),
            )
            .await
        {
            Ok(a) => {
                return Ok(see_other(&format!(
                    "/risk/assessments/{}?msg=assessed",
                    a.id
                )));
            }
            Err(e) => form_errors(e)?,
        },
        _ => FormErrors(errors),
    };
    list_page(
        &s,
        u,
        None,
        sub.form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// One assessment: its units, level by level, and the approval.

pub struct AssessmentView {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub as_of: String,
    pub status: String,
    pub status_label: &'static str,
    pub computed: String,
    pub unit_count: i32,
    pub changed_count: i32,
    pub decision_no: String,
    pub approved: String,
    pub effective: String,
}

pub struct UnitLine {
    pub area_id: String,
    pub name: String,
    pub tier: &'static str,
    pub level: LevelBadge,
    pub previous: Option<LevelBadge>,
    pub changed: bool,
    /// The computed level, when the committee chose another.
    pub computed: Option<LevelBadge>,
    pub override_reason: String,
    pub reasons: Vec<ReasonLine>,
}

/// Units at one level, per tier.
pub struct CountLine {
    pub level: LevelBadge,
    pub per_tier: Vec<i64>,
    pub total: i64,
}

/// One override row of the approval form as typed, with its errors.
#[derive(Default)]
pub struct OverrideRow {
    pub index: usize,
    pub area_id: String,
    pub level: String,
    pub reason: String,
    pub area_error: Option<String>,
    pub level_error: Option<String>,
    pub reason_error: Option<String>,
}

impl OverrideRow {
    fn blank(&self) -> bool {
        self.area_id.trim().is_empty()
            && self.level.trim().is_empty()
            && self.reason.trim().is_empty()
    }
}

/// The approval form as typed.
#[derive(Default)]
pub struct ApproveTyped {
    pub decision_no: String,
    pub rows: Vec<OverrideRow>,
    pub errors: FormErrors,
    /// Every error, naming its field for the summary: "Điều chỉnh 2 — lý do: …".
    pub summary: Vec<String>,
}

impl ApproveTyped {
    fn empty() -> Self {
        Self {
            decision_no: String::new(),
            rows: (0..OVERRIDE_ROWS)
                .map(|index| OverrideRow {
                    index,
                    ..Default::default()
                })
                .collect(),
            errors: FormErrors::default(),
            summary: Vec::new(),
        }
    }

    /// Each row's errors, for the fields.
    fn with_errors(mut self, errors: FormErrors) -> Self {
        for r in &mut self.rows {
            let get = |f: &str| {
                errors
                    .get(&format!("overrides[{}].{f}", r.index))
                    .map(str::to_owned)
            };
            r.area_error = get("area_id");
            r.level_error = get("level");
            r.reason_error = get("reason");
        }
        self.summary = errors
            .all()
            .iter()
            .map(|e| {
                let label = match e.field.strip_prefix("overrides[") {
                    Some(rest) => {
                        let (i, f) = rest.split_once("].").unwrap_or((rest, ""));
                        let n = i.parse::<usize>().map_or(0, |i| i + 1);
                        let what = match f {
                            "area_id" => "đơn vị",
                            "level" => "mức",
                            _ => "lý do",
                        };
                        format!("Điều chỉnh {n} — {what}")
                    }
                    None if e.field == "decision_no" => "Số quyết định".to_owned(),
                    None => String::new(),
                };
                if label.is_empty() {
                    e.message.clone()
                } else {
                    format!("{label}: {}", e.message)
                }
            })
            .collect();
        self.errors = errors;
        self
    }
}

#[derive(Template)]
#[template(path = "risk_assessment.html")]
struct AssessmentPage {
    l: Layout,
    a: AssessmentView,
    rules_id: String,
    rules_name: String,
    rules_version: i32,
    announce_hours: u32,
    tiers: Vec<&'static str>,
    counts: Vec<CountLine>,
    only_changed: bool,
    units: Vec<UnitLine>,
    total: i64,
    pager: Pager,
    page: u64,
    can_approve: bool,
    unit_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
    approve: ApproveTyped,
}

#[derive(Debug, Deserialize, Default)]
pub struct AssessmentQuery {
    changed: Option<String>,
    page: Option<u64>,
    msg: Option<String>,
}

/// What the notice says after a run or an approval.
fn assessment_notice(msg: Option<&str>, a: &AssessmentRow) -> Option<String> {
    match msg? {
        "assessed" => Some(format!(
            "Đã tính cấp độ của {} đơn vị; {} đơn vị khác mức đang công bố. Đây là đề xuất: Ban Chỉ đạo phê duyệt thì mới công bố.",
            a.unit_count, a.changed_count
        )),
        "approved" => {
            let dn = a.decision_no.clone().unwrap_or_default();
            Some(match (a.approved_at, a.effective_at) {
                (Some(ap), Some(ef)) if ef > ap => format!(
                    "Đã phê duyệt theo quyết định {dn}. Các mức được công bố và có hiệu lực từ {} ({} giờ sau khi phê duyệt).",
                    vn_datetime(&ef),
                    (ef - ap).num_hours()
                ),
                (Some(ap), _) => format!(
                    "Đã phê duyệt theo quyết định {dn}. Các mức được công bố và có hiệu lực ngay từ {}.",
                    vn_datetime(&ap)
                ),
                _ => format!("Đã phê duyệt theo quyết định {dn}."),
            })
        }
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
async fn assessment_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    page: u64,
    only_changed: bool,
    msg: Option<&str>,
    approve: ApproveTyped,
    status: StatusCode,
) -> Result<Response, PageError> {
    let scope = u.scope(Permission::ViewAreas);
    let a = found(s.store.assessment(&scope, id).await)?;
    let (_, rules) = s
        .store
        .risk_rule_set(&a.rule_set_id, Some(a.rule_version))
        .await?;
    let counted = s.store.assessment_counts(&scope, id).await?;
    let tiers: Vec<UnitLevel> = [UnitLevel::Province, UnitLevel::District, UnitLevel::Ward]
        .into_iter()
        .filter(|t| counted.iter().any(|c| c.unit_level == t.as_str()))
        .collect();
    let counts = rules
        .levels
        .iter()
        .map(|l| {
            let per_tier: Vec<i64> = tiers
                .iter()
                .map(|t| {
                    counted
                        .iter()
                        .filter(|c| c.level == l.id && c.unit_level == t.as_str())
                        .map(|c| c.n)
                        .sum()
                })
                .collect();
            CountLine {
                level: badge(Some(&rules), &l.id, None),
                total: per_tier.iter().sum(),
                per_tier,
            }
        })
        .collect();
    let (rows, total) = s
        .store
        .assessment_results(&scope, id, only_changed, PER_PAGE, (page - 1) * PER_PAGE)
        .await?;
    let can_approve = a.status == "proposed"
        && u.can(Permission::ApproveRisk)
        && s.store
            .area_in_scope(
                &u.scope(Permission::ApproveRisk),
                &AreaId::parse(&a.area_id)?,
            )
            .await?;
    let mut unit_choices: Vec<Choice> = rows
        .iter()
        .map(|r| {
            Choice::new(
                r.area_id.clone(),
                format!(
                    "{} ({}, {})",
                    r.area_name,
                    tier_label(&r.unit_level),
                    r.area_id
                ),
            )
        })
        .collect();
    // A unit typed on another page stays selectable.
    for r in &approve.rows {
        if !r.area_id.is_empty() && !unit_choices.iter().any(|c| c.value == r.area_id) {
            unit_choices.push(Choice::new(r.area_id.clone(), r.area_id.clone()));
        }
    }
    let changed_q = if only_changed { "&changed=1" } else { "" };
    let all_reasons: Vec<Reason> = rows.iter().flat_map(|r| r.reasons()).collect();
    let names = UnitNames::load(s, all_reasons.iter().map(|r| r.text.as_str())).await?;
    let units = rows
        .into_iter()
        .map(|r| {
            let overridden = !r.override_reason.is_empty() || r.computed_level != r.level;
            UnitLine {
                tier: tier_label(&r.unit_level),
                level: badge(Some(&rules), &r.level, Some(&r.colour)),
                previous: r
                    .previous_level
                    .as_deref()
                    .map(|p| badge(Some(&rules), p, None)),
                changed: r.changed(),
                computed: overridden.then(|| badge(Some(&rules), &r.computed_level, None)),
                reasons: reason_lines(r.reasons(), &names),
                override_reason: r.override_reason,
                area_id: r.area_id,
                name: r.area_name,
            }
        })
        .collect();
    let mut l = layout(
        u,
        format!(
            "Đánh giá cấp độ — {} ngày {}",
            a.area_name,
            vn_date(&a.as_of)
        ),
        None,
        None,
    );
    l.notice = assessment_notice(msg, &a);
    render_status(
        status,
        &AssessmentPage {
            l,
            rules_id: rules.id.clone(),
            rules_name: rules.name.clone(),
            rules_version: a.rule_version,
            announce_hours: rules.announce_hours,
            tiers: tiers.iter().map(|t| t.label()).collect(),
            counts,
            only_changed,
            units,
            total,
            pager: Pager::new(total, page, PER_PAGE, |n| {
                format!("/risk/assessments/{id}?page={n}{changed_q}#units")
            }),
            page,
            can_approve,
            unit_choices,
            level_choices: rules
                .levels
                .iter()
                .map(|l| Choice::new(l.id.clone(), l.name.clone()))
                .collect(),
            approve,
            a: AssessmentView {
                id: a.id,
                area_id: a.area_id.clone(),
                area_name: a.area_name.clone(),
                as_of: vn_date(&a.as_of),
                status: a.status.clone(),
                status_label: a.status_label(),
                computed: format!("{} · {}", vn_datetime(&a.computed_at), a.computed_by),
                unit_count: a.unit_count,
                changed_count: a.changed_count,
                decision_no: a.decision_no.clone().unwrap_or_default(),
                approved: match (&a.approved_at, &a.approved_by) {
                    (Some(at), Some(by)) => format!("{} · {by}", vn_datetime(at)),
                    _ => String::new(),
                },
                effective: a.effective_at.as_ref().map(vn_datetime).unwrap_or_default(),
            },
        },
    )
}

pub async fn assessment(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, PageError> {
    assessment_page(
        &s,
        &u,
        id,
        q.page.unwrap_or(1).max(1),
        q.changed.as_deref() == Some("1"),
        q.msg.as_deref(),
        ApproveTyped::empty(),
        StatusCode::OK,
    )
    .await
}

pub async fn approve(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ApproveRisk)?;
    let scope = u.scope(Permission::ApproveRisk);
    found(s.store.assessment(&scope, id).await)?;
    let f = &sub.form;
    let page = take(f, "page").parse::<u64>().unwrap_or(1).max(1);
    let only_changed = take(f, "changed") == "1";
    let mut typed = ApproveTyped::empty();
    typed.decision_no = take(f, "decision_no");
    for r in &mut typed.rows {
        r.area_id = take(f, &format!("overrides[{}].area_id", r.index))
            .trim()
            .to_owned();
        r.level = take(f, &format!("overrides[{}].level", r.index))
            .trim()
            .to_owned();
        r.reason = take(f, &format!("overrides[{}].reason", r.index));
    }
    // The rows filled in, by their row number; an empty row is ignored.
    let filled: Vec<&OverrideRow> = typed.rows.iter().filter(|r| !r.blank()).collect();
    let mut errors = Vec::new();
    let mut units = HashSet::new();
    for r in &filled {
        let field = |f: &str| format!("overrides[{}].{f}", r.index);
        if r.area_id.is_empty() {
            errors.push(FieldError::new(
                field("area_id"),
                "chọn đơn vị cần điều chỉnh",
            ));
        } else if !units.insert(r.area_id.as_str()) {
            errors.push(FieldError::new(
                field("area_id"),
                "đơn vị này đã được điều chỉnh ở một dòng khác",
            ));
        }
        if r.level.is_empty() {
            errors.push(FieldError::new(field("level"), "chọn mức điều chỉnh"));
        }
        if !errors.is_empty() && clean(&r.reason).chars().count() < 5 {
            errors.push(FieldError::new(
                field("reason"),
                "ghi lý do điều chỉnh (ít nhất 5 ký tự)",
            ));
        }
    }
    if !errors.is_empty() && clean(&typed.decision_no).is_empty() {
        errors.insert(
            0,
            FieldError::new(
                "decision_no",
                "nhập số văn bản quyết định (ví dụ 123/QĐ-BCĐ), tối đa 100 ký tự",
            ),
        );
    }
    let errors = if errors.is_empty() {
        let overrides: Vec<Override> = filled
            .iter()
            .map(|r| Override {
                area_id: r.area_id.clone(),
                level: r.level.clone(),
                reason: r.reason.clone(),
            })
            .collect();
        match s
            .store
            .approve_assessment(&scope, &u.who(), id, &typed.decision_no, &overrides)
            .await
        {
            Ok(_) => return Ok(see_other(&format!("/risk/assessments/{id}?msg=approved"))),
            Err(e) => {
                // The store numbers the overrides it was given; the form numbers its rows.
                let FormErrors(es) = form_errors(e)?;
                FormErrors(
                    es.into_iter()
                        .map(|mut e| {
                            for (j, r) in filled.iter().enumerate() {
                                let from = format!("overrides[{j}].");
                                if let Some(rest) = e.field.strip_prefix(&from) {
                                    e.field = format!("overrides[{}].{rest}", r.index);
                                    break;
                                }
                            }
                            e
                        })
                        .collect(),
                )
            }
        }
    } else {
        FormErrors(errors)
    };
    let typed = typed.with_errors(errors);
    assessment_page(
        &s,
        u,
        id,
        page,
        only_changed,
        None,
        typed,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
