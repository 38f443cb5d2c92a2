//! A person's own login and accounts: signing up and in, two-step sign-in, who is signed
//! in (`me`), the Accounts switcher, and My access.

pub mod me;
pub mod my_access;
pub mod password_reset;
pub mod sign_in;
pub mod sign_up;
pub mod switcher;
pub mod two_step;
pub mod your_account;
