//! Group commit: clicks in the matrix that wait for the write turn at the same moment run
//! as one group: one transaction, one commit (and on SQLite one turn at the write lock),
//! each still checked and answered on its own. On PostgreSQL each app server groups its
//! own clicks; servers sharing a database wait for each other's row locks as single
//! transactions would.

use super::{BUSY_TIMEOUT, Backend, Db};

/// The most writes one group runs in one transaction; the rest wait for the next group.
const MOST_IN_A_GROUP: usize = 128;

/// PostgreSQL: how many groups one app server runs at once, each on a connection of its
/// own. A group's statements go one after another over one connection, so one group at a
/// time would leave the database's other cores idle; more groups than this mostly share
/// out the same clicks. (SQLite: one, its one write lock.) Two groups that write the same
/// two rows in opposite orders deadlock; PostgreSQL then fails one of them, whose writes
/// are answered busy with nothing kept, as when two app servers do the same.
pub(super) const POSTGRES_GROUPS: u32 = 4;

/// The turn to run a group: SQLite's write lock in this process, or one of PostgreSQL's
/// group turns. Released when dropped.
enum Turn {
    #[allow(dead_code)] // held, not read
    Lock(tokio::sync::OwnedMutexGuard<()>),
    #[allow(dead_code)]
    Group(tokio::sync::OwnedSemaphorePermit),
}

/// A boxed future borrowing the connection it runs on.
pub type BoxFuture<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// What the work given to [`Db::write_grouped`] ends with.
pub enum Step<T, E> {
    /// Done (whether or not it wrote): its answer, given once the group has committed.
    Done(T),
    /// Refused before it wrote anything: the group goes on without it.
    Refused(E),
}

/// Row locks the group's transaction holds already: a write that needs a lock an earlier
/// write of its group took need not ask the database again (on PostgreSQL a round trip per
/// lock; a group's clicks are mostly for one person, with one or two roles).
#[derive(Default)]
pub struct Held(std::collections::HashSet<(&'static str, i64, i64)>);

impl Held {
    /// Whether lock `what` on (`a`, `b`) is held already.
    pub fn holds(&self, what: &'static str, a: i64, b: i64) -> bool {
        self.0.contains(&(what, a, b))
    }

    /// Counts lock `what` on (`a`, `b`) as held: it was taken (and matched its row; a lock
    /// that found nothing holds nothing). A lock taken stays until the transaction ends.
    pub fn took(&mut self, what: &'static str, a: i64, b: i64) {
        self.0.insert((what, a, b));
    }
}

/// Which waiting writes a group takes.
enum Take {
    /// Only this one (its caller runs it alone), if it is still waiting.
    Only(u64),
    /// The first this many.
    Front(usize),
}

/// A write's part of its group: the group's transaction and the locks it holds.
pub struct GroupTx<'c> {
    pub conn: &'c mut sqlx::AnyConnection,
    pub held: &'c mut Held,
}

/// A queued write. Given the group's transaction it runs and says how it went; given
/// `None` it is not run and answers busy (its group failed before it, or it waited too long).
type Job = Box<dyn for<'c> FnOnce(Option<GroupTx<'c>>) -> BoxFuture<'c, Ran> + Send>;

/// Answers a job's caller once the group's fate is known (`true`: committed).
type Answer = Box<dyn FnOnce(bool) + Send>;

enum Ran {
    /// Refused, or not run: answered already.
    Answered,
    /// Done: answered when the group commits, or as busy if it is rolled back.
    Done(Answer),
    /// A statement failed after the job may have written: the group is rolled back.
    Failed(Answer),
}

#[derive(Default)]
pub(super) struct Waiting {
    next_id: u64,
    /// Each with its id and when it was queued.
    jobs: std::collections::VecDeque<(u64, tokio::time::Instant, Job)>,
}

/// The most writes that may wait at once; more are answered busy straight away.
const MOST_WAITING: usize = 2048;

/// Takes a queued write back out when its caller goes away (or gives up) before a group
/// has taken it: a click nobody waits for any more is never run later.
struct Withdraw<'a> {
    waiting: &'a std::sync::Mutex<Waiting>,
    id: u64,
}

impl Withdraw<'_> {
    /// Whether the write was still queued (and is now withdrawn, never to run).
    fn now(&self) -> bool {
        let mut waiting = self.waiting.lock().expect("write queue");
        let at = waiting.jobs.iter().position(|(queued, _, _)| *queued == self.id);
        at.and_then(|at| waiting.jobs.remove(at)).is_some()
    }
}

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        self.now();
    }
}

impl std::fmt::Debug for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} waiting writes", self.jobs.len())
    }
}

/// The error a write gets when its group could not commit: nothing of it was kept.
fn busy() -> sqlx::Error {
    sqlx::Error::PoolTimedOut
}

impl Db {
    /// Runs `work` in a write transaction, on SQLite together with the other writes waiting
    /// at that moment: one transaction, one commit and one turn at the write lock for the
    /// whole group (a click is small, and SQLite's lock and commit cost more than its
    /// statements). `work` answers [`Step::Refused`] for what it refuses before writing;
    /// the group goes on without it. An error after it may have written rolls the whole
    /// group back: that write gets its error, the others [`sqlx::Error::PoolTimedOut`]
    /// (busy: nothing was changed). A done write is answered after the commit. Each write
    /// waits at most the busy timeout for its group, as [`Db::begin_write`] does. A group
    /// holding others' writes runs in a task of its own, so a caller that goes away does
    /// not cut it short; a write alone runs in its caller.
    /// On PostgreSQL too, [`POSTGRES_GROUPS`] groups at once: a commit there is a round trip
    /// and a flush of the log, and a group's clicks share them.
    pub async fn write_grouped<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
        F: for<'c> FnOnce(GroupTx<'c>) -> BoxFuture<'c, Result<Step<T, E>, E>> + Send + 'static,
    {
        if self.backend == Backend::Postgres && self.postgres_groups.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            let mut tx = self.pool.begin().await?;
            let mut held = Held::default();
            let group = GroupTx {
                conn: &mut tx,
                held: &mut held,
            };
            return match work(group).await? {
                Step::Done(answer) => {
                    tx.commit().await?;
                    Ok(answer)
                }
                Step::Refused(error) => Err(error),
            };
        }
        let (send, mut answer) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let Some(group) = conn else {
                    let _ = send.send(Err(busy().into()));
                    return Ran::Answered;
                };
                match work(group).await {
                    Ok(Step::Refused(error)) => {
                        let _ = send.send(Err(error));
                        Ran::Answered
                    }
                    Ok(Step::Done(value)) => Ran::Done(Box::new(move |committed| {
                        let _ = send.send(if committed { Ok(value) } else { Err(busy().into()) });
                    })),
                    Err(error) => Ran::Failed(Box::new(move |_| {
                        let _ = send.send(Err(error));
                    })),
                }
            })
        });
        let queued_at = tokio::time::Instant::now();
        let id = {
            let mut waiting = self.waiting.lock().expect("write queue");
            if waiting.jobs.len() >= MOST_WAITING {
                return Err(busy().into());
            }
            waiting.next_id += 1;
            let id = waiting.next_id;
            waiting.jobs.push_back((id, queued_at, job));
            id
        };
        let withdraw = Withdraw {
            waiting: &self.waiting,
            id,
        };
        let deadline = queued_at + BUSY_TIMEOUT;
        loop {
            tokio::select! {
                biased;
                done = &mut answer => return done.unwrap_or_else(|_| Err(busy().into())),
                turn = self.group_turn() => {
                    if let Ok(done) = answer.try_recv() {
                        return done;
                    }
                    if tokio::time::Instant::now() >= deadline {
                        break;
                    }
                    let (queued, alone) = {
                        let waiting = self.waiting.lock().expect("write queue");
                        let queued = waiting.jobs.iter().any(|(queued, _, _)| *queued == id);
                        (queued, queued && waiting.jobs.len() == 1)
                    };
                    if !queued {
                        // A group running on another turn (PostgreSQL) took it: wait for
                        // its answer, not for more turns.
                        drop(turn);
                        break;
                    }
                    // Nobody has run this write yet: run the group it is in.
                    if alone {
                        // Only this write: run it here (if this caller goes away, nobody
                        // else's write goes with it). Others that come meanwhile wait.
                        self.run_group(turn, Take::Only(id)).await;
                    } else {
                        // In a task of its own: the group must not stop halfway because
                        // this caller went away.
                        let db = self.clone();
                        let _ = tokio::spawn(async move { db.run_group(turn, Take::Front(MOST_IN_A_GROUP)).await }).await;
                    }
                }
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        if withdraw.now() {
            return Err(busy().into());
        }
        // A group has it: every write a group takes is answered (done, refused, failed, or
        // busy when not run), and a group never waits for a lock of ours.
        answer.await.unwrap_or_else(|_| Err(busy().into()))
    }

    /// Waits for the turn to run a group (see [`Turn`]).
    async fn group_turn(&self) -> Turn {
        match self.backend {
            Backend::Sqlite => Turn::Lock(self.writer.clone().lock_owned().await),
            Backend::Postgres => {
                // Each group takes its share of the turns: all of them when one runs at once.
                let at_once = self.postgres_groups.load(std::sync::atomic::Ordering::Relaxed).max(1);
                let share = POSTGRES_GROUPS / at_once;
                let permit = self.group_turns.clone().acquire_many_owned(share).await;
                Turn::Group(permit.expect("the group turns are never closed"))
            }
        }
    }

    /// How many writes wait for their group now.
    pub fn waiting_writes(&self) -> usize {
        self.waiting.lock().expect("write queue").jobs.len()
    }

    /// Runs the waiting writes `take` names in one transaction, holding its turn, and
    /// answers every one of them. A write that has waited past the busy timeout is not run
    /// (its caller has stopped waiting); when the group fails, the writes it has not run
    /// yet are not run either: all of those are answered busy.
    async fn run_group(&self, _turn: Turn, take: Take) {
        let mut jobs: std::collections::VecDeque<(u64, tokio::time::Instant, Job)> = {
            let mut waiting = self.waiting.lock().expect("write queue");
            match take {
                // Taken under the same lock that found it alone: a group on another turn
                // (PostgreSQL) may have taken it meanwhile, and then this runs nothing.
                Take::Only(id) => {
                    let at = waiting.jobs.iter().position(|(queued, _, _)| *queued == id);
                    at.and_then(|at| waiting.jobs.remove(at)).into_iter().collect()
                }
                Take::Front(most) => {
                    let n = waiting.jobs.len().min(most);
                    waiting.jobs.drain(..n).collect()
                }
            }
        };
        if jobs.is_empty() {
            return;
        }
        // SQLite: see `begin_write` for IMMEDIATE.
        let begun = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        let mut tx = match begun {
            Ok(tx) => tx,
            Err(error) => {
                tracing::warn!(%error, "cannot start a write transaction");
                for (_, _, job) in jobs {
                    job(None).await;
                }
                return;
            }
        };
        let mut done: Vec<Answer> = Vec::with_capacity(jobs.len());
        let mut held = Held::default();
        while let Some((_, queued_at, job)) = jobs.pop_front() {
            if queued_at.elapsed() >= BUSY_TIMEOUT {
                job(None).await;
                continue;
            }
            let group = GroupTx {
                conn: &mut tx,
                held: &mut held,
            };
            match job(Some(group)).await {
                Ran::Answered => {}
                Ran::Done(answer) => done.push(answer),
                Ran::Failed(answer) => {
                    drop(tx); // rolled back
                    answer(false);
                    for answer in done {
                        answer(false);
                    }
                    for (_, _, job) in jobs {
                        job(None).await;
                    }
                    return;
                }
            }
        }
        let committed = match tx.commit().await {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(%error, "a group of writes did not commit");
                false
            }
        };
        for answer in done {
            answer(committed);
        }
    }
}
