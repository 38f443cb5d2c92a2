//! Pieces of the page every feature shares, naming no feature: form fields and errors,
//! widgets (pagers, panel buttons, number formatting), inline SVG icons, the page's address,
//! the plan select, and the mark that tells tests the page's islands have hydrated.

pub mod address;
pub mod forms;
pub mod hydration;
pub mod icons;
pub mod island;
pub mod plan_select;
pub mod widgets;
