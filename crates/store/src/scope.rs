//! The access rule as a query condition: a row is visible when its area lies in one of the
//! scope's subtrees, which the closure table answers with one indexed lookup.

use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Query, SimpleExpr};

pub(crate) fn area_in_scope(col: impl IntoColumnRef, scope: &Scope) -> SimpleExpr {
    if scope.is_everywhere() {
        return Expr::cust("1 = 1");
    }
    if scope.is_empty() {
        return Expr::cust("1 = 0");
    }
    let roots: Vec<String> = scope
        .roots()
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    Expr::col(col).in_subquery(
        Query::select()
            .column("descendant_id")
            .from("area_closure")
            .and_where(Expr::col("ancestor_id").is_in(roots))
            .to_owned(),
    )
}

/// A row whose area is `area` or one of the units containing it (through the 2025 mapping
/// too): the levels a unit may look up to.
pub(crate) fn area_above(col: impl IntoColumnRef, area: &AreaId) -> SimpleExpr {
    Expr::col(col).in_subquery(
        Query::select()
            .column("ancestor_id")
            .from("area_closure")
            .and_where(Expr::col("descendant_id").eq(area.as_str()))
            .to_owned(),
    )
}
