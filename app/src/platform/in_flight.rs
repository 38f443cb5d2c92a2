//! How many requests one signed-in person may have in progress at once on one server. A
//! page makes a handful; a script may make many, but not so many that it fills the write
//! queue (2,048 on SQLite) or the database pool for every other practice on the server:
//! the request after these is answered 429 at once, with nothing done.

/// The most requests one person may have in progress on one server.
pub const MOST_IN_FLIGHT_PER_PERSON: usize = 64;

/// The requests in progress per person on this server (`AppState::in_flight`).
#[derive(Debug, Default)]
pub struct InFlight(std::sync::Mutex<std::collections::HashMap<i64, usize>>);

/// One request's place in [`InFlight`]; dropping it gives the place back.
#[derive(Debug)]
pub struct InFlightSlot {
    of: std::sync::Arc<InFlight>,
    user_id: i64,
}

impl InFlight {
    /// A place for one more request of `user_id`, or `None` when they have
    /// [`MOST_IN_FLIGHT_PER_PERSON`] in progress already.
    pub fn enter(self: &std::sync::Arc<Self>, user_id: i64) -> Option<InFlightSlot> {
        let mut counts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = counts.entry(user_id).or_default();
        if *count >= MOST_IN_FLIGHT_PER_PERSON {
            return None;
        }
        *count += 1;
        Some(InFlightSlot {
            of: self.clone(),
            user_id,
        })
    }
}

impl Drop for InFlightSlot {
    fn drop(&mut self) {
        let mut counts = self.of.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_gets_their_places_back_as_requests_end() {
        let in_flight = std::sync::Arc::new(InFlight::default());
        let slots: Vec<_> = (0..MOST_IN_FLIGHT_PER_PERSON)
            .map(|_| in_flight.enter(7).expect("a place"))
            .collect();
        assert!(in_flight.enter(7).is_none(), "one more than the most is refused");
        assert!(in_flight.enter(8).is_some(), "another person is not held up");
        drop(slots);
        assert!(in_flight.enter(7).is_some());
    }
}
