//! "Offboard <name>": what will happen and the "Offboard" button; then the leaver report.

use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::*;
use crate::platform::dates::format_time;
use crate::ui::forms::{FormError, action_error};

fn chosen_user() -> Memo<i64> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("user").and_then(|u| u.parse().ok()).unwrap_or(0)))
}

/// `/manage-users/offboard?user=<id>`: works without JavaScript (the row's button is a
/// GET form, "Offboard" a POST that goes on to the report).
#[component]
pub fn OffboardPage() -> impl IntoView {
    let user = chosen_user();
    let preview = Resource::new(move || user.get(), preview_offboarding);
    let offboard = ServerAction::<OffboardMember>::new();
    let error = action_error(offboard);
    view! {
        <Title text="Offboard"/>
        <section class="card narrow">
            <p class="crumbs"><A href="/manage-users">"Manage users"</A>" › Offboard"</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || preview.get().map(|r| match r {
                    Err(e) => view! {
                        <h1>"Offboard"</h1>
                        <div class="alert error" role="alert">{e.to_string()}</div>
                    }.into_any(),
                    Ok(o) => view! {
                        <h1>{format!("Offboard {}", o.name)}</h1>
                        <p class="muted">{o.email.clone()}</p>
                        <p><strong>{format!("{}.", o.summary())}</strong></p>
                        <p>"They are deactivated at once and every session they have ends. One audit event records everything removed; a leaver report of the last 90 days follows."</p>
                        <ActionForm action=offboard>
                            <FormError error=error/>
                            <input type="hidden" name="user_id" value=o.user_id.to_string()/>
                            <div class="actions">
                                <button type="submit" class="danger" disabled=move || offboard.pending().get()>"Offboard"</button>
                                <A href="/manage-users" attr:class="button secondary">"Cancel"</A>
                            </div>
                        </ActionForm>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// `/manage-users/leaver-report?user=<id>`: every client the person could reach in the
/// last 90 days, and "Download leaver report" (CSV).
#[component]
pub fn LeaverReportPage() -> impl IntoView {
    let user = chosen_user();
    let report = Resource::new(move || user.get(), get_leaver_report);
    view! {
        <Title text="Leaver report"/>
        <p class="crumbs"><A href="/manage-users">"Manage users"</A>" › Leaver report"</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || report.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(rep) => {
                    let csv = format!("/reports/leaver.csv?user={}", rep.user_id);
                    let no_rows = rep.rows.is_empty();
                    view! {
                        <div class="page-head">
                            <div>
                                <h1>{format!("Leaver report: {}", rep.name)}</h1>
                                <p class="muted">
                                    {format!("{} · clients they could reach from {} to {}", rep.email, format_time(rep.since), format_time(rep.generated_at))}
                                    {rep.offboarded_at.map(|t| format!(" · offboarded {}", format_time(t)))}
                                </p>
                            </div>
                            <div class="actions">
                                <a class="button secondary" href=csv download="">"Download leaver report"</a>
                            </div>
                        </div>
                        {rep.rows.is_empty().then(|| view! { <p class="empty">"No client access in the last 90 days."</p> })}
                        <div class="table-wrap" hidden=no_rows>
                            <table class="data stack">
                                <caption>{format!("Client access of {} in the last 90 days", rep.name)}</caption>
                                <thead><tr>
                                    <th scope="col">"Client"</th><th scope="col">"Role"</th><th scope="col">"From"</th>
                                    <th scope="col">"To"</th><th scope="col">"Granted by"</th>
                                </tr></thead>
                                <tbody>
                                    {rep.rows.into_iter().map(|row| view! {
                                        <tr>
                                            <th scope="row">{row.client}</th>
                                            <td>{row.role}</td>
                                            <td data-label="From">{row.from.map(format_time).unwrap_or_else(|| "before the records".to_owned())}</td>
                                            <td data-label="To">{row.to.map(format_time).unwrap_or_else(|| "still has access".to_owned())}</td>
                                            <td data-label="Granted by">{row.granted_by.unwrap_or_else(|| "–".to_owned())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {(!rep.invited_logins.is_empty()).then(|| view! { <InvitedLogins name=rep.name.clone() logins=rep.invited_logins.clone()/> })}
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// The logins the person invited (to the staff or to a client), for the admin to review:
/// a leaver may have let someone in.
#[component]
fn InvitedLogins(name: String, logins: Vec<InvitedLogin>) -> impl IntoView {
    view! {
        <h2>"Logins they invited"</h2>
        <p class="muted">"Review these: they stay after the leaver has gone. A client's own users are the client's to remove."</p>
        <div class="table-wrap">
            <table class="data stack">
                <caption>{format!("Logins invited by {name}")}</caption>
                <thead><tr>
                    <th scope="col">"Into"</th><th scope="col">"Who"</th><th scope="col">"Invited"</th><th scope="col">"Now"</th>
                </tr></thead>
                <tbody>
                    {logins.into_iter().map(|l| view! {
                        <tr>
                            <th scope="row">{l.account}</th>
                            <td data-label="Who">{l.name}<small class="muted">{format!(" {}", l.email)}</small></td>
                            <td data-label="Invited">{format_time(l.invited_at)}</td>
                            <td data-label="Now">{l.state}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
