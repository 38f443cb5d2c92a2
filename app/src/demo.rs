//! Demo data for trying the product locally: a practice with staff, custom roles and
//! clients on every plan. Seeded only into an empty database.

use rand::Rng;
use rand::distributions::Alphanumeric;

use crate::access::members::add_member;
use crate::access::practices::{create_practice, predefined_role_id};
use crate::domain::permissions::Permission;
use crate::domain::plans::Plan;
use crate::domain::roles::RoleKind;
use crate::identity::password;
use crate::identity::users::ssr::create_user;
use crate::partner::clients::ssr::insert_clients;
use crate::platform::db::{Db, now};
use crate::platform::names::{DisplayName, EmailAddress};
use crate::practice::roles::ssr::create_custom_role;

pub const ADMIN_EMAIL: &str = "admin@northfield.example";

/// What was seeded, for the start-up banner.
#[derive(Debug)]
pub struct DemoLogin {
    pub email: String,
    pub password: String,
    pub clients: usize,
    pub staff: usize,
}

const FIRST: &[&str] = &[
    "Acme",
    "Birch",
    "Copper",
    "Dale",
    "Elm",
    "Fern",
    "Granite",
    "Harbour",
    "Iris",
    "Juniper",
    "Kestrel",
    "Linden",
    "Maple",
    "Northgate",
    "Oak",
    "Pine",
    "Quarry",
    "Riverside",
    "Slate",
    "Thistle",
    "Upland",
    "Vale",
    "Willow",
    "Yew",
    "Zephyr",
];
const SECOND: &[&str] = &[
    "Bakery",
    "Builders",
    "Cafe",
    "Design",
    "Engineering",
    "Florists",
    "Garage",
    "Holdings",
    "Interiors",
    "Joinery",
    "Kitchens",
    "Logistics",
    "Motors",
    "Nurseries",
    "Optics",
    "Printing",
    "Roofing",
    "Studios",
    "Tiling",
    "Ventures",
];
const SUFFIX: &[&str] = &["Ltd", "LLP", "& Sons", "Partners", "Ltd", "Co"];

/// A stable, varied client name for index `i`.
fn client_name(i: usize) -> String {
    let first = FIRST[i % FIRST.len()];
    let second = SECOND[(i / FIRST.len()) % SECOND.len()];
    let suffix = SUFFIX[(i / 7) % SUFFIX.len()];
    let round = i / (FIRST.len() * SECOND.len());
    if round == 0 {
        format!("{first} {second} {suffix}")
    } else {
        format!("{first} {second} {suffix} {}", round + 1)
    }
}

const STAFF: &[&str] = &[
    "Priya Shah",
    "Tom Oduya",
    "Grace Lindqvist",
    "Marek Nowak",
    "Aisha Rahman",
    "Ben Carter",
    "Chloe Dupont",
    "Dev Patel",
    "Ellie Morgan",
    "Farid Haddad",
];

fn staff_name(i: usize) -> String {
    if i < STAFF.len() {
        STAFF[i].to_owned()
    } else {
        format!("{} {}", STAFF[i % STAFF.len()], i / STAFF.len() + 1)
    }
}

/// Seeds the demo practice unless the database already has a practice.
/// Returns `None` when nothing was seeded.
pub async fn seed_if_empty(db: &Db, clients: usize) -> Result<Option<DemoLogin>, sqlx::Error> {
    let existing: i64 = sqlx::query_scalar(r#"SELECT COUNT(*) FROM practices"#)
        .fetch_one(db.pool())
        .await?;
    if existing > 0 {
        return Ok(None);
    }
    let staff = (clients / 50).clamp(6, 200);
    let secret: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    let hash = password::hash(secret.clone())
        .await
        .expect("the server hashes nothing else while it seeds the demo at start");

    let mut tx = db.begin_write().await?;
    let admin_email = EmailAddress::parse(ADMIN_EMAIL).expect("valid");
    let admin_name = DisplayName::parse("Alex Northfield", "name", 200).expect("valid");
    let admin = create_user(&mut tx, &admin_email, &admin_name, Some(&hash)).await?;
    let practice_name = DisplayName::parse("Northfield & Co Accountants", "practice name", 200).expect("valid");
    let practice = create_practice(&mut tx, &practice_name, admin).await?;

    let bookkeeper = create_custom_role(
        &mut tx,
        practice,
        &DisplayName::parse("Bookkeeper", "role name", 60).expect("valid"),
        &[
            Permission::SalesInvoicesList,
            Permission::SalesInvoicesEdit,
            Permission::PurchasesBillsList,
            Permission::PurchasesBillsEdit,
            Permission::ExpensesList,
            Permission::ExpensesDraftsList,
            Permission::ExpensesEdit,
            Permission::BankingAccountsList,
            Permission::BankingReconcile,
            Permission::ContactsList,
        ],
    )
    .await?;
    let payroll = create_custom_role(
        &mut tx,
        practice,
        &DisplayName::parse("Payroll clerk", "role name", 60).expect("valid"),
        &[Permission::PayrollView, Permission::PayrollRun, Permission::ReportsView],
    )
    .await?;
    let auditor = create_custom_role(
        &mut tx,
        practice,
        &DisplayName::parse("Auditor (read only)", "role name", 60).expect("valid"),
        &[
            Permission::SalesInvoicesList,
            Permission::PurchasesBillsList,
            Permission::ExpensesList,
            Permission::BankingAccountsList,
            Permission::ReportsView,
            Permission::VatView,
        ],
    )
    .await?;
    let employee = predefined_role_id(&mut tx, practice, RoleKind::Employee).await?;
    let user_role = predefined_role_id(&mut tx, practice, RoleKind::User).await?;

    let mut staff_ids = Vec::with_capacity(staff);
    for i in 0..staff {
        let name = staff_name(i);
        let email = EmailAddress::parse(&format!("{}@northfield.example", name.to_lowercase().replace(' ', ".")))
            .expect("valid");
        let user = create_user(
            &mut tx,
            &email,
            &DisplayName::parse(&name, "name", 200).expect("valid"),
            Some(&hash),
        )
        .await?;
        let role = [employee, bookkeeper, employee, user_role, payroll][i % 5];
        add_member(&mut tx, practice, user, role, false).await?;
        staff_ids.push(user);
    }

    let rows: Vec<(String, Plan)> = (0..clients)
        .map(|i| (client_name(i), Plan::ALL[i % Plan::ALL.len()]))
        .collect();
    insert_clients(&mut tx, practice, &rows).await?;

    // Access already in place, as in a practice that has been at work for a while: the
    // first staff member is Employee on every third client and the second Bookkeeper on
    // every fourth (the people a demo starts from), and everyone else looks after a
    // portfolio of their own (every `staff`-th client, about 50 of 10,000), in a role
    // that fits their job, so whoever one picks in the matrix has clients.
    let portfolio_role = |i: usize| [employee, bookkeeper, employee, auditor, payroll][i % 5];
    let grants = [(staff_ids[0], employee, 3, 0), (staff_ids[1], bookkeeper, 4, 0)]
        .into_iter()
        .chain((2..staff).map(|i| (staff_ids[i], portfolio_role(i), staff as i64, i as i64)));
    for (user, role, every, offset) in grants {
        sqlx::query(
            r#"INSERT INTO client_assignments (practice_id, user_id, client_id, role_id, granted_by, granted_at)
               SELECT practice_id, $1, id, $2, $3, $4 FROM clients WHERE practice_id = $5 AND id % $6 = $7"#,
        )
        .bind(user)
        .bind(role)
        .bind(admin)
        .bind(now())
        .bind(practice)
        .bind(every)
        .bind(offset)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;

    Ok(Some(DemoLogin {
        email: ADMIN_EMAIL.to_owned(),
        password: secret,
        clients,
        staff,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names_are_unique_over_ten_thousand() {
        let mut names: Vec<String> = (0..10_000).map(client_name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 10_000);
    }
}
