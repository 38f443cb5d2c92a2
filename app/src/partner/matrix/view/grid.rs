//! The chosen person's side: what it shows (read before it is drawn), and around the
//! matrix (the island), its heading, filters, panels, notices and pager.

use leptos::prelude::*;

use super::*;
use crate::platform::words::thousands;
use crate::ui::forms::action_error;
use crate::ui::widgets::{LinkPager, address_with, kept_as_hidden_fields};
use leptos_router::params::ParamsMap;

use super::panels::{AskedBulk, CopyAccess, MatrixFilters};

/// What the chosen person's side of the page shows, read before it is drawn: the matrix for
/// the address's filters and page, and the preview of a bulk action or a copy the address
/// asks for.
pub(super) struct PanelData {
    user_id: i64,
    scope: Scope,
    page: i64,
    matrix: Result<Matrix, AppError>,
    /// A bulk action asked for (`?bulk=<role id|none>`): its role and preview.
    asked_bulk: Option<Result<(Option<i64>, BulkPreview), AppError>>,
    /// A copy asked for (`?copy=open&from=…&mode=…&preview=1`): its preview.
    asked_copy: Option<Result<BulkPreview, AppError>>,
}

impl PanelData {
    pub(super) async fn load(user_id: i64, query: &ParamsMap) -> Self {
        let get = |key: &str| query.get(key).unwrap_or_default();
        let scope = Scope {
            search: get("clients"),
            plan: get("plan"),
            access: get("access"),
        };
        let page = get("page").parse::<i64>().unwrap_or(0).clamp(0, 1_000_000);
        let matrix = get_matrix(
            user_id,
            scope.search.clone(),
            scope.plan.clone(),
            page,
            scope.access.clone(),
        )
        .await;
        let asked_bulk = query.get("bulk").map(|asked| match asked.as_str() {
            "none" => Ok(None),
            id => id
                .parse::<i64>()
                .map(Some)
                .map_err(|_| AppError::invalid("bulk", "Choose a bulk action from a column head.")),
        });
        let asked_bulk = match asked_bulk {
            None => None,
            Some(Err(e)) => Some(Err(e)),
            Some(Ok(role_id)) => Some(
                preview_bulk(
                    user_id,
                    role_id,
                    scope.search.clone(),
                    scope.plan.clone(),
                    scope.access.clone(),
                )
                .await
                .map(|p| (role_id, p)),
            ),
        };
        let asked_copy = match (
            query.get("preview"),
            query.get("from").and_then(|f| f.parse::<i64>().ok()),
        ) {
            (Some(_), Some(from)) => Some(preview_copy(user_id, from, get("mode")).await),
            (Some(_), None) => Some(Err(AppError::invalid("from", "Choose whom to copy from."))),
            _ => None,
        };
        Self {
            user_id,
            scope,
            page,
            matrix,
            asked_bulk,
            asked_copy,
        }
    }
}

#[component]
pub(super) fn MatrixPanel(data: PanelData, others: Vec<(i64, String)>, query: ParamsMap) -> impl IntoView {
    let PanelData {
        user_id,
        scope,
        page,
        matrix,
        asked_bulk,
        asked_copy,
    } = data;
    let m = match matrix {
        Ok(m) => m,
        Err(e) => {
            return view! {
                <section class="card matrix-card">
                    <div class="alert error" role="alert">{e.to_string()}</div>
                </section>
            }
            .into_any();
        }
    };
    // A refused confirmation (a bulk action, a copy, an end date) comes back to the same
    // address with its error.
    let refused = [
        action_error(ServerAction::<ApplyBulk>::new()).get_untracked(),
        action_error(ServerAction::<ApplyCopy>::new()).get_untracked(),
        action_error(ServerAction::<SetAccessEnd>::new()).get_untracked(),
        action_error(ServerAction::<UndoBulk>::new()).get_untracked(),
        action_error(ServerAction::<SetClientRole>::new()).get_untracked(),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(|e| view! { <div class="alert error" role="alert">{e.to_string()}</div> });
    let filtered = scope.is_filtered();
    let pages = (m.matching + PAGE_SIZE - 1) / PAGE_SIZE;
    let (notice, undo) = m.notice.as_deref().map(split_notice).unzip();
    let undo = undo.flatten();
    let ends_open = query.get("ends").and_then(|e| e.parse::<i64>().ok());
    // The heading takes the focus (a screen reader announces whose matrix this is, the
    // keyboard carries on from it), unless a panel asks for it.
    let focus_heading = asked_bulk.is_none() && ends_open.is_none() && query.get("copy").is_none();
    let pager_query = query.clone();
    let columns = m.columns.clone();
    view! {
        <section class="card matrix-card" aria-labelledby="matrix-heading">
            <h2 id="matrix-heading" tabindex="-1" autofocus=focus_heading>{format!("Client access for {}", m.staff_name)}</h2>
            <MatrixFilters scope=scope.clone() matching=m.matching total=m.total/>
            {m.read_only.clone().map(|why| view! { <p class="alert info" role="note">{why}</p> })}
            {filtered.then(|| view! { <p class="filter-note">{format!("A filter is active: actions in the column heads apply to the {} clients shown only.", thousands(m.matching))}</p> })}
            // The column heads' bulk actions and the rows' end dates submit these forms.
            <form id="bulk-ask" method="get" action="/partner/users" hidden>
                {kept_as_hidden_fields(&PANELS.iter().copied().chain(["page"]).collect::<Vec<_>>())}
            </form>
            <form id="ends-ask" method="get" action="/partner/users" hidden>
                {kept_as_hidden_fields(&PANELS)}
            </form>
            {m.read_only.is_none().then(|| view! { <CopyAccess user_id others query=query.clone() asked=asked_copy/> })}
            <div id="matrix-message" aria-live="polite">
                {refused}
                {notice.map(|n| view! {
                    <div class="alert success" role="status">
                        {n}
                        {undo.map(|batch| view! {
                            " "
                            <form method="post" action="/api/undo_bulk" class="undo-form">
                                <input type="hidden" name="batch_id" value=batch.to_string()/>
                                <button type="submit" class="link">"Undo"</button>
                            </form>
                        })}
                    </div>
                })}
            </div>
            {asked_bulk.map(|r| match r {
                Ok((role_id, p)) => view! {
                    <AskedBulk user_id staff_name=m.staff_name.clone() role_id preview=p columns=columns.clone() filtered scope=scope.clone() query=query.clone()/>
                }.into_any(),
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
            })}
            <super::island::MatrixGrid user_id staff_name=m.staff_name.clone() columns=m.columns.clone()
                rows=m.rows.clone() version=m.version scope=scope.clone() page ends_open read_only=m.read_only.is_some()/>
            <div class="matrix-pager">
                <LinkPager page pages
                    href=Callback::new(move |p: i64| {
                        // Another page closes any panel.
                        let page = p.to_string();
                        let changes: Vec<(&str, &str)> = PANELS.iter().map(|k| (*k, "")).chain([("page", page.as_str())]).collect();
                        address_with("/partner/users", &pager_query, &changes)
                    })/>
            </div>
        </section>
    }
    .into_any()
}
