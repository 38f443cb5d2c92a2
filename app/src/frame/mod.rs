//! The page frame: the top bar and its menus, the start page, and the widgets, form pieces
//! and icons that every page shares.

pub mod address;
pub mod forms;
pub mod home;
pub mod icons;
pub mod layout;
pub mod widgets;
