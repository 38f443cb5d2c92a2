//! Manage users → View roles: the role list and the custom-role editor.

use leptos_meta::Title;
use leptos_router::components::A;

use super::*;
use crate::frame::forms::FormError;

#[component]
pub fn RolesPage() -> impl IntoView {
    let save = ServerAction::<SaveRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let roles = Resource::new(move || (save.version().get(), delete.version().get()), |_| list_roles());
    // The editor: None = closed; Some(None) = new role; Some(Some(id)) = editing that role.
    let editing = RwSignal::new(None::<Option<i64>>);
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(BTreeSet::<String>::new());
    let save_error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
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

    view! {
        <Title text="Roles"/>
        <div class="page-head">
            <div>
                <p class="crumbs"><A href="/manage-users">"Manage users"</A>" › Roles"</p>
                <h1>"Roles"</h1>
            </div>
            <div class="actions">
                <button type="button" on:click=move |_| open_editor(None)>"Create role"</button>
            </div>
        </div>
        <Show when=move || editing.get().is_some()>
            <section class="card" aria-labelledby="role-editor-heading">
                <h2 id="role-editor-heading">{move || if matches!(editing.get(), Some(Some(_))) { "Edit role" } else { "Create role" }}</h2>
                <form on:submit=move |ev| {
                    ev.prevent_default();
                    save.dispatch(SaveRole {
                        role_id: editing.get_untracked().flatten(),
                        name: name.get_untracked(),
                        permissions: chosen.get_untracked().into_iter().collect(),
                    });
                }>
                    <FormError error=save_error/>
                    <div class="field" class:invalid=move || save_error.get().and_then(|e| e.for_field("name")).is_some()>
                        <label for="role-name">"Role name"</label>
                        <input id="role-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) aria-describedby="role-name-error"/>
                        <p class="field-error" id="role-name-error">{move || save_error.get().and_then(|e| e.for_field("name"))}</p>
                    </div>
                    <div class="sections">
                        {CATALOGUE
                            .iter()
                            .map(|section| {
                                let keys: Vec<&'static str> = section.permissions.iter().map(|p| p.key).collect();
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
                                                let key = p.key;
                                                let on = move || chosen.with(|c| c.contains(key));
                                                view! {
                                                    <label class="perm">
                                                        <input type="checkbox" prop:checked=on on:change=move |ev| {
                                                            let checked = event_target_checked(&ev);
                                                            chosen.update(|c| toggle(c, key, checked));
                                                        }/>
                                                        <span>{p.label}</span>
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
                    <div class="form-actions">
                        <button type="submit" disabled=move || save.pending().get()>"Save role"</button>
                        <button type="button" class="secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
                    </div>
                </form>
            </section>
        </Show>
        <Transition fallback=|| view! { <p>"Loading roles…"</p> }>
            {move || roles.get().map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(list) => view! { <RolesTable list delete on_edit=Callback::new(move |r| open_editor(Some(r)))/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn RolesTable(list: Vec<RoleDetail>, delete: ServerAction<DeleteRole>, on_edit: Callback<RoleDetail>) -> impl IntoView {
    let confirming = RwSignal::new(None::<i64>);
    let delete_error = Signal::derive(move || delete.value().get().and_then(|r| r.err()));
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
                            let others: Vec<(i64, String)> = options.iter().filter(|o| o.id != id).map(|o| (o.id, o.name.clone())).collect();
                            let summary = if role.kind == RoleKind::Admin { "Every permission".to_owned() } else { format!("{} permissions", role.permissions.len()) };
                            let move_to = RwSignal::new(others.first().map(|o| o.0));
                            let detail = role.clone();
                            view! {
                                <tr>
                                    <th scope="row">{role.name.clone()}{(role.kind != RoleKind::Custom).then(|| view! { <span class="badge">"Predefined"</span> })}</th>
                                    <td>{summary}</td>
                                    <td>{format!("{}, {}, {}", crate::frame::widgets::count(role.members, "user"), crate::frame::widgets::count(role.assignments, "client assignment"), crate::frame::widgets::count(role.invitations, "invitation"))}</td>
                                    <td>
    <div class="row-actions">
                                        {(role.kind == RoleKind::Custom).then(|| view! {
                                            <button type="button" class="link" aria-label=format!("Edit {name}") on:click=move |_| on_edit.run(detail.clone())>"Edit"</button>
                                            <button type="button" class="link danger" aria-label=format!("Delete {name}") on:click=move |_| {
                                                if in_use == 0 { delete.dispatch(DeleteRole { role_id: id, move_to: None }); } else { confirming.set(Some(id)); }
                                            }>"Delete"</button>
                                            <Show when=move || confirming.get() == Some(id)>
                                                <div class="confirm" role="group" aria-label="Move users before deleting">
                                                    <label>
                                                        {format!("Move {in_use} uses to ")}
                                                        <select on:change=move |ev| move_to.set(event_target_value(&ev).parse().ok())>
                                                            {others.clone().into_iter().map(|(oid, oname)| view! { <option value=oid.to_string()>{oname}</option> }).collect_view()}
                                                        </select>
                                                    </label>
                                                    <button type="button" class="danger" on:click=move |_| {
                                                        delete.dispatch(DeleteRole { role_id: id, move_to: move_to.get_untracked() });
                                                        confirming.set(None);
                                                    }>"Move and delete"</button>
                                                    <button type="button" class="secondary" on:click=move |_| confirming.set(None)>"Cancel"</button>
                                                </div>
                                            </Show>
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
