//! Manage users → View roles: the role list and the custom-role editor.

use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::*;
use crate::ui::forms::{FormError, action_error};
use crate::ui::widgets::PanelButton;

#[component]
pub fn RolesPage() -> impl IntoView {
    let save = ServerAction::<SaveRole>::new();
    // The editor's plain form (without JavaScript) posts here; its errors come back by address.
    let save_form = ServerAction::<SaveRoleForm>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let roles = Resource::new(move || (save.version().get(), delete.version().get()), |_| list_roles());
    // The editor: None = closed; Some(None) = new role; Some(Some(id)) = editing that role.
    // Opened by address too (`?role=new`, `?role=<id>`): without JavaScript, "Create role"
    // and "Edit" are GETs of this page, and the editor is drawn open with the role's values.
    let from_address = StoredValue::new(use_query_map().with_untracked(|q| q.get("role")));
    // A new role's editor is open from the start (its button says so); a role's own waits
    // for the roles to be read.
    let editing = RwSignal::new(
        from_address
            .with_value(|r| r.as_deref() == Some("new"))
            .then_some(None::<i64>),
    );
    // Whose deletion asks where its uses go (`?delete=<id>`), kept across reloads of the table.
    let confirming =
        RwSignal::new(use_query_map().with_untracked(|q| q.get("delete").and_then(|d| d.parse::<i64>().ok())));
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(BTreeSet::<String>::new());
    let save_form_error = action_error(save_form);
    let save_error = Signal::derive(move || {
        save.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| save_form_error.get())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    let open_editor = move |role: Option<RoleDetail>| {
        save.clear();
        match role {
            Some(r) => {
                name.set(r.name);
                chosen.set(r.permissions.into_iter().collect());
                editing.set(Some(Some(r.id)));
            }
            None => {
                name.set(String::new());
                chosen.set(BTreeSet::new());
                editing.set(Some(None));
            }
        }
    };
    let toggle_new = Callback::new(move |()| {
        if editing.get_untracked() == Some(None) {
            editing.set(None);
        } else {
            open_editor(None);
        }
    });
    let toggle_edit = Callback::new(move |r: RoleDetail| {
        if editing.get_untracked() == Some(Some(r.id)) {
            editing.set(None);
        } else {
            open_editor(Some(r));
        }
    });

    view! {
        <Title text="Roles"/>
        <div class="page-head">
            <div>
                <p class="crumbs"><A href="/manage-users">"Manage users"</A>" › Roles"</p>
                <h1>"Roles"</h1>
            </div>
            <div class="actions">
                <PanelButton label="Create role" key="role" value="new" open=Signal::derive(move || editing.get() == Some(None)) toggle=toggle_new/>
            </div>
        </div>
        <Transition fallback=|| view! { <p>"Loading roles…"</p> }>
            {move || roles.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(list) => {
                    // The editor the address asks for, once, from the roles just read (so the
                    // server draws it filled in, and hydration finds the same).
                    if let Some(role) = from_address
                        .try_update_value(Option::take)
                        .flatten()
                        .and_then(|which| which.parse::<i64>().ok())
                        .and_then(|id| list.iter().find(|r| r.id == id && r.kind == RoleKind::Custom))
                    {
                        open_editor(Some(role.clone()));
                    }
                    view! {
                        <Show when=move || editing.get().is_some()>
                            <RoleEditor editing name chosen save save_error/>
                        </Show>
                        <RolesTable list delete on_edit=toggle_edit editing confirming/>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// The custom-role editor: its name and permissions. With JavaScript it saves through
/// [`SaveRole`] (ticking a permission ticks what it needs at once); without, it is a form
/// posted to `save_role_form`, and the server completes what the ticked ones need.
#[component]
fn RoleEditor(
    editing: RwSignal<Option<Option<i64>>>,
    name: RwSignal<String>,
    chosen: RwSignal<BTreeSet<String>>,
    save: ServerAction<SaveRole>,
    save_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let role_id = editing.get_untracked().flatten();
    let initial_name = name.get_untracked();
    let initial = chosen.get_untracked();
    let cancel = "/manage-users/roles";
    view! {
        <section class="card" aria-labelledby="role-editor-heading">
            <h2 id="role-editor-heading">{move || if matches!(editing.get(), Some(Some(_))) { "Edit role" } else { "Create role" }}</h2>
            <form method="post" action="/api/save_role_form" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveRole {
                    role_id: editing.get_untracked().flatten(),
                    name: name.get_untracked(),
                    permissions: chosen.get_untracked().into_iter().collect(),
                });
            }>
                {role_id.map(|id| view! { <input type="hidden" name="role_id" value=id.to_string()/> })}
                <FormError error=save_error/>
                <div class="field" class:invalid=move || save_error.get().and_then(|e| e.for_field("name")).is_some()>
                    <label for="role-name">"Role name"</label>
                    <input id="role-name" name="name" value=initial_name prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) aria-describedby="role-name-error"/>
                    <p class="field-error" id="role-name-error">{move || save_error.get().and_then(|e| e.for_field("name"))}</p>
                </div>
                <PermissionPicker ticked=initial.iter().cloned().collect()/>
                <div class="form-actions">
                    <button type="submit" disabled=move || save.pending().get()>"Save role"</button>
                    <a class="button secondary" href=cancel on:click=move |ev| { ev.prevent_default(); editing.set(None); }>"Cancel"</a>
                </div>
            </form>
        </section>
    }
}

#[component]
fn RolesTable(
    list: Vec<RoleDetail>,
    delete: ServerAction<DeleteRole>,
    on_edit: Callback<RoleDetail>,
    editing: RwSignal<Option<Option<i64>>>,
    confirming: RwSignal<Option<i64>>,
) -> impl IntoView {
    let delete_error = action_error(delete);
    let options = list.clone();
    view! {
            <Show when=move || delete_error.get().is_some()>
                <div class="alert error" role="alert">{move || delete_error.get().map(|e| e.to_string())}</div>
            </Show>
            <div class="table-wrap">
                <table class="data stack">
                    <caption>"Roles of the practice"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Permissions"</th>
                            <th scope="col">"In use"</th>
                            <th scope="col">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|role| {
                            let in_use = role.members + role.assignments + role.invitations;
                            let id = role.id;
                            let name = role.name.clone();
                            let others: StoredValue<Vec<(i64, String)>> =
                                StoredValue::new(options.iter().filter(|o| o.id != id).map(|o| (o.id, o.name.clone())).collect());
                            let summary = if role.kind == RoleKind::Admin { "Every permission".to_owned() } else { format!("{} permissions", role.permissions.len()) };
                            let detail = role.clone();
                            view! {
                                <tr>
                                    <th scope="row">{role.name.clone()}{(role.kind != RoleKind::Custom).then(|| view! { <span class="badge">"Predefined"</span> })}</th>
                                    <td>{summary}</td>
                                    <td>{format!("{}, {}, {}", crate::platform::words::count(role.members, "user"), crate::platform::words::count(role.assignments, "client assignment"), crate::platform::words::count(role.invitations, "invitation"))}</td>
                                    <td>
    <div class="row-actions">
                                        {(role.kind == RoleKind::Custom).then(|| view! {
                                            <PanelButton label="Edit" key="role" value=id.to_string() class="link" aria_label=format!("Edit {name}")
                                                open=Signal::derive(move || editing.get() == Some(Some(id)))
                                                toggle=Callback::new(move |()| on_edit.run(detail.clone()))/>
                                            {if in_use == 0 {
                                                view! {
                                                    <ActionForm action=delete attr:class="row-form">
                                                        <input type="hidden" name="role_id" value=id.to_string()/>
                                                        <button type="submit" class="link danger" aria-label=format!("Delete {name}")>"Delete"</button>
                                                    </ActionForm>
                                                }.into_any()
                                            } else {
                                                view! {
                                                    <PanelButton label="Delete" key="delete" value=id.to_string() class="link danger" aria_label=format!("Delete {name}")
                                                        open=Signal::derive(move || confirming.get() == Some(id))
                                                        toggle=Callback::new(move |()| confirming.update(|c| *c = if *c == Some(id) { None } else { Some(id) }))/>
                                                    <Show when=move || confirming.get() == Some(id)>
                                                        <ActionForm action=delete attr:class="confirm" attr:role="group" attr:aria-label="Move users before deleting">
                                                            <input type="hidden" name="role_id" value=id.to_string()/>
                                                            <label>
                                                                {format!("Move {in_use} uses to ")}
                                                                <select name="move_to">
                                                                    {others.get_value().into_iter().map(|(oid, oname)| view! { <option value=oid.to_string()>{oname}</option> }).collect_view()}
                                                                </select>
                                                            </label>
                                                            <button type="submit" class="danger">"Move and delete"</button>
                                                            <a class="button secondary" href="/manage-users/roles" on:click=move |ev| { ev.prevent_default(); confirming.set(None); }>"Cancel"</a>
                                                        </ActionForm>
                                                    </Show>
                                                }.into_any()
                                            }}
                                        })}
                                    </div>
    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
}

/// The permissions of the role being edited, by section: ticking one ticks what it needs,
/// unticking one unticks what needs it, "Select all" ticks a section. An island inside the
/// server's form: the boxes are the form's fields (`permissions[i]`), so the form posts
/// what is ticked (and without JavaScript the server completes what a ticked one needs).
#[island]
fn PermissionPicker(ticked: Vec<String>) -> impl IntoView {
    let chosen = RwSignal::new(ticked.iter().cloned().collect::<BTreeSet<String>>());
    let initial = chosen.get_untracked();
    let mut index = 0_usize;
    view! {
        <div class="sections">
            {CATALOGUE
                .iter()
                .map(|section| {
                    let keys: Vec<&'static str> = section.permissions.iter().map(|p| p.key()).collect();
                    let all_on = {
                        let keys = keys.clone();
                        move || chosen.with(|c| keys.iter().all(|k| c.contains(*k)))
                    };
                    view! {
                        <fieldset class="perm-section">
                            <legend>{section.name}</legend>
                            <label class="select-all">
                                <input
                                    type="checkbox"
                                    aria-label=format!("Select all {}", section.name)
                                    prop:checked=all_on
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| for k in &keys { toggle(c, k, on); });
                                    }
                                />
                                "Select all"
                            </label>
                            {section
                                .permissions
                                .iter()
                                .map(|p| {
                                    let key = p.key();
                                    let on = move || chosen.with(|c| c.contains(key));
                                    index += 1;
                                    view! {
                                        <label class="perm">
                                            <input type="checkbox" name=format!("permissions[{index}]") value=key
                                                checked=initial.contains(key) prop:checked=on on:change=move |ev| {
                                                let checked = event_target_checked(&ev);
                                                chosen.update(|c| toggle(c, key, checked));
                                            }/>
                                            <span>{p.label()}</span>
                                            <span class="perm-state" aria-hidden="true">{move || if on() { "Full" } else { "None" }}</span>
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </fieldset>
                    }
                })
                .collect_view()}
        </div>
    }
}
