//! Derived F-levels of contact tracing.
//!
//! # The rule
//!
//! Vietnam's Ministry of Health grades the people around a confirmed case by their distance
//! from it: **F0** is a confirmed case, **F1** a close contact of an F0, **F2** a close contact of
//! an F1, and so on up to **F5**.
//!
//! * QĐ 3638/QĐ-BYT (30/7/2021) defines F1 as a person in close contact (within 2 m) with an F0
//!   while the F0 could infect others, and F2 as a person within 2 m of an F1 "from when the F1
//!   could have been infected until the F1 was isolated": a contact only counts if it happened
//!   *after* the nearer person could have caught the disease.
//! * CV 11042/BYT-DP (29/12/2021) sets the start of an F0's infectious period at 2 days before
//!   symptom onset. The caller works that date out and passes it here as
//!   [`ActiveCase::infectious_from`].
//!
//! Here a person's F-level is therefore the number of contacts on the shortest
//! **time-respecting** path between them and an active F0 in the exposure graph:
//!
//! * Contacts are mutual, so edges are undirected: who was recorded as `source` and who as
//!   `exposed` does not matter for levels.
//! * The first step must fall inside the F0's infectious window: the contact's days
//!   `first..=last` must overlap `infectious_from..=isolated_on`. The next person may then have
//!   been infected from the first day of that overlap.
//! * Each further step must happen on or after the day the nearer person may have been infected
//!   (`last >= t`). The next person may then have been infected from `max(first, t)`.
//!
//! Minimising the level first and the date second would be wrong. A person may be reached at
//! level `k` only through a *late* contact, while a longer path reaches them *earlier* and so
//! opens contacts further on that the short path cannot reach. [`derive()`] therefore works by
//! dynamic programming over hop counts: after round `k` it knows, for every person, the earliest
//! day they may have been infected by a path of at most `k` contacts. A person's level is the
//! first round that reaches them. Each round only spreads from people whose value changed in
//! the round before, so the cost is `O(max_level × (E + V))`.
//!
//! Other F0s are endpoints and never steps in a path: an F0's own infectious window is known,
//! so nobody is "F2 through an F0". A person who is an F0 gets no derived level.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{Days, NaiveDate};

/// The key of a person, as the store numbers them.
pub type PersonKey = i64;

/// The highest F-level the Ministry's guidance names (F5).
const HIGHEST_LEVEL: u8 = 5;

/// A recorded contact between two people on one or more days (first..=last).
///
/// The contact is mutual for F-levels; `source` and `exposed` only say how the contact was
/// recorded (who was being traced when it was found), for drawing chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    /// The store's key of this exposure, reported back in [`Derived::exposure_id`].
    pub id: i64,
    /// The person who was being traced when the contact was recorded.
    pub source: PersonKey,
    /// The person they were in contact with.
    pub exposed: PersonKey,
    /// The first day of contact.
    pub first: NaiveDate,
    /// The last day of contact (inclusive; equal to `first` for a single day).
    pub last: NaiveDate,
}

/// A person who counts as F0 now, and when they could infect others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveCase {
    /// The case's person.
    pub person: PersonKey,
    /// The first day they could infect others (by CV 11042/BYT-DP, 2 days before onset).
    pub infectious_from: NaiveDate,
    /// The day they were isolated, if they have been; contacts starting after it do not count.
    pub isolated_on: Option<NaiveDate>,
}

/// Settings for [`derive()`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// The deepest level to derive (clamped into `1..=5`): 2 derives F1 and F2 only.
    pub max_level: u8,
    /// Exposures whose last day is more than this many days before today are ignored.
    pub window_days: u32,
}

/// Why a person holds their level: the neighbour one step nearer the F0, the F0, the exposure used.
///
/// These describe the path that gave the person their (minimal) level. On that path `via` comes
/// just before the person, so `via`'s own level is *at most* `level - 1`. It can be lower: when
/// `via` was also reached by a shorter path, but only through a contact too late to pass the
/// disease on (see the module documentation). `via` is the F0 itself exactly when `level == 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Derived {
    /// The F-level, `1..=max_level`.
    pub level: u8,
    /// The neighbour one step nearer the F0 on the path (the F0 itself for F1).
    pub via: PersonKey,
    /// The F0 at the end of the path.
    pub root: PersonKey,
    /// The exposure between this person and `via`.
    pub exposure_id: i64,
    /// The earliest day this person may have been infected by a path of `level` contacts.
    pub exposed_on: NaiveDate,
}

/// One half of an undirected contact, as seen from one of its ends.
#[derive(Debug, Clone, Copy)]
struct HalfEdge {
    to: usize,
    first: NaiveDate,
    last: NaiveDate,
    id: i64,
}

/// The best path found so far to a person: earliest date, then smallest `via`, then smallest
/// exposure id (a total order, so the result does not depend on the order of the input).
#[derive(Debug, Clone, Copy)]
struct Best {
    date: NaiveDate,
    via: PersonKey,
    exposure_id: i64,
    root: PersonKey,
}

impl Best {
    fn cmp_key(&self, other: &Best) -> Ordering {
        (self.date, self.via, self.exposure_id).cmp(&(other.date, other.via, other.exposure_id))
    }
}

/// A person whose value changed in the previous round, with that value.
#[derive(Debug, Clone, Copy)]
struct Spreader {
    node: usize,
    /// The first day they may pass the disease on.
    from: NaiveDate,
    /// The last day they may pass it on (an F0's isolation), if known.
    until: Option<NaiveDate>,
    root: PersonKey,
}

/// Numbers people densely in order of first appearance.
#[derive(Debug, Default)]
struct Interner {
    index: HashMap<PersonKey, usize>,
    keys: Vec<PersonKey>,
}

impl Interner {
    fn intern(&mut self, key: PersonKey) -> usize {
        let next = self.keys.len();
        let i = *self.index.entry(key).or_insert(next);
        if i == next {
            self.keys.push(key);
        }
        i
    }
}

/// Whether an exposure is usable today: not older than the window, not in the future, not a
/// person with themselves, and with its days in order.
fn usable(e: &Exposure, oldest: Option<NaiveDate>, today: NaiveDate) -> bool {
    e.source != e.exposed
        && e.first <= e.last
        && e.first <= today
        && oldest.is_none_or(|oldest| e.last >= oldest)
}

/// Derives the F-level of everyone reachable from an active case within `params.max_level`
/// time-respecting contacts. See the module documentation for the rule.
///
/// Active cases are not in the result (they are F0), nor are people who cannot be reached.
/// If a person is listed as an active case more than once, their windows are merged
/// (earliest `infectious_from`; not isolated if any entry is not, else the latest isolation).
/// The result is the same whatever the order of `cases` and `exposures`.
pub fn derive(
    cases: &[ActiveCase],
    exposures: &[Exposure],
    params: &Params,
    today: NaiveDate,
) -> BTreeMap<PersonKey, Derived> {
    let max_level = params.max_level.clamp(1, HIGHEST_LEVEL);
    let oldest = today.checked_sub_days(Days::new(u64::from(params.window_days)));

    let mut people = Interner::default();

    // The active cases, merged per person.
    let mut f0: HashMap<usize, (NaiveDate, Option<NaiveDate>)> = HashMap::new();
    for c in cases {
        let i = people.intern(c.person);
        f0.entry(i)
            .and_modify(|(from, until)| {
                *from = (*from).min(c.infectious_from);
                *until = match (*until, c.isolated_on) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            })
            .or_insert((c.infectious_from, c.isolated_on));
    }

    // The usable contacts, as a compressed adjacency list (both directions).
    let mut ends: Vec<(usize, usize, &Exposure)> = Vec::with_capacity(exposures.len());
    for e in exposures.iter().filter(|e| usable(e, oldest, today)) {
        let a = people.intern(e.source);
        let b = people.intern(e.exposed);
        ends.push((a, b, e));
    }
    let n = people.keys.len();
    let mut start = vec![0usize; n + 1];
    for &(a, b, _) in &ends {
        start[a + 1] += 1;
        start[b + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let placeholder = HalfEdge {
        to: 0,
        first: today,
        last: today,
        id: 0,
    };
    let mut adjacent = vec![placeholder; start[n]];
    for &(a, b, e) in &ends {
        for (from, to) in [(a, b), (b, a)] {
            adjacent[fill[from]] = HalfEdge {
                to,
                first: e.first,
                last: e.last,
                id: e.id,
            };
            fill[from] += 1;
        }
    }

    let mut is_f0 = vec![false; n];
    let mut spreaders: Vec<Spreader> = Vec::with_capacity(f0.len());
    for (&node, &(from, until)) in &f0 {
        is_f0[node] = true;
        spreaders.push(Spreader {
            node,
            from,
            until,
            root: people.keys[node],
        });
    }

    // best[v]: the best path of at most `round` contacts so far.
    let mut best: Vec<Option<Best>> = vec![None; n];
    // The round in which best[v] last changed (0: never).
    let mut changed_in = vec![0u8; n];
    // level[v] and the path that first reached v.
    let mut first_reached: Vec<Option<(u8, Best)>> = vec![None; n];

    for round in 1..=max_level {
        let mut changed: Vec<usize> = Vec::new();
        for s in &spreaders {
            let via = people.keys[s.node];
            for h in &adjacent[start[s.node]..start[s.node + 1]] {
                if is_f0[h.to] || h.last < s.from {
                    continue;
                }
                let date = h.first.max(s.from);
                if s.until.is_some_and(|until| date > until) {
                    continue;
                }
                let candidate = Best {
                    date,
                    via,
                    exposure_id: h.id,
                    root: s.root,
                };
                let better = match &best[h.to] {
                    None => true,
                    Some(current) => candidate.cmp_key(current) == Ordering::Less,
                };
                if better {
                    best[h.to] = Some(candidate);
                    if changed_in[h.to] != round {
                        changed_in[h.to] = round;
                        changed.push(h.to);
                    }
                }
            }
        }
        spreaders.clear();
        for &v in &changed {
            if let Some(b) = best[v] {
                if first_reached[v].is_none() {
                    first_reached[v] = Some((round, b));
                }
                spreaders.push(Spreader {
                    node: v,
                    from: b.date,
                    until: None,
                    root: b.root,
                });
            }
        }
        if spreaders.is_empty() {
            break;
        }
    }

    first_reached
        .iter()
        .enumerate()
        .filter_map(|(v, reached)| {
            reached.map(|(level, b)| {
                (
                    people.keys[v],
                    Derived {
                        level,
                        via: b.via,
                        root: b.root,
                        exposure_id: b.exposure_id,
                        exposed_on: b.date,
                    },
                )
            })
        })
        .collect()
}

/// The people within `hops` contacts of `start` (including `start`), ignoring dates.
///
/// After a case is confirmed or discarded, only the stored levels of
/// `affected(exposures, case, max_level)` can change; recompute them with [`derive()`] over all
/// active cases. Contacts of a person with themselves are ignored; all others count, whatever
/// their dates.
pub fn affected(exposures: &[Exposure], start: PersonKey, hops: u8) -> BTreeSet<PersonKey> {
    let mut neighbours: HashMap<PersonKey, Vec<PersonKey>> = HashMap::new();
    for e in exposures.iter().filter(|e| e.source != e.exposed) {
        neighbours.entry(e.source).or_default().push(e.exposed);
        neighbours.entry(e.exposed).or_default().push(e.source);
    }
    let mut seen = BTreeSet::from([start]);
    let mut queue = VecDeque::from([(start, 0u8)]);
    while let Some((person, distance)) = queue.pop_front() {
        if distance >= hops {
            continue;
        }
        for &next in neighbours.get(&person).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.insert(next) {
                queue.push_back((next, distance + 1));
            }
        }
    }
    seen
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Day `n` of the test calendar (1 August 2021 + n).
    fn d(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 8, 1).unwrap() + Days::new(n)
    }

    const TODAY: u64 = 60;

    fn params(max_level: u8) -> Params {
        Params {
            max_level,
            window_days: 30,
        }
    }

    /// A contact on days `first..=last`.
    fn ex(id: i64, source: PersonKey, exposed: PersonKey, first: u64, last: u64) -> Exposure {
        Exposure {
            id,
            source,
            exposed,
            first: d(first),
            last: d(last),
        }
    }

    fn case(person: PersonKey, from: u64, isolated: Option<u64>) -> ActiveCase {
        ActiveCase {
            person,
            infectious_from: d(from),
            isolated_on: isolated.map(d),
        }
    }

    fn run(
        cases: &[ActiveCase],
        exposures: &[Exposure],
        max_level: u8,
    ) -> BTreeMap<PersonKey, Derived> {
        derive(cases, exposures, &params(max_level), d(TODAY))
    }

    fn levels(result: &BTreeMap<PersonKey, Derived>) -> BTreeMap<PersonKey, u8> {
        result.iter().map(|(&p, x)| (p, x.level)).collect()
    }

    #[test]
    fn simple_chain_gives_f1_f2_f3() {
        let cases = [case(1, 40, None)];
        let exposures = [
            ex(10, 1, 2, 41, 41),
            ex(11, 2, 3, 43, 44),
            ex(12, 3, 4, 45, 45),
        ];
        let result = run(&cases, &exposures, 5);
        assert_eq!(levels(&result), BTreeMap::from([(2, 1), (3, 2), (4, 3)]));
        assert_eq!(
            result[&3],
            Derived {
                level: 2,
                via: 2,
                root: 1,
                exposure_id: 11,
                exposed_on: d(43),
            }
        );
        assert_eq!(result[&2].via, 1);
        assert_eq!(result[&2].exposed_on, d(41));
        assert_eq!(result[&4].root, 1);
        assert!(
            !result.contains_key(&1),
            "the F0 itself gets no derived level"
        );
    }

    #[test]
    fn max_level_cuts_off_the_chain_and_is_clamped() {
        let cases = [case(1, 40, None)];
        let exposures: Vec<_> = (1..=7).map(|i| ex(i, i, i + 1, 41, 41)).collect();
        assert_eq!(
            levels(&run(&cases, &exposures, 2)),
            BTreeMap::from([(2, 1), (3, 2)])
        );
        // 0 is treated as 1, and anything above 5 as 5.
        assert_eq!(
            levels(&run(&cases, &exposures, 0)),
            BTreeMap::from([(2, 1)])
        );
        let deep = run(&cases, &exposures, 200);
        assert_eq!(deep.len(), 5);
        assert_eq!(deep.values().map(|x| x.level).max(), Some(5));
        assert!(!deep.contains_key(&7));
    }

    #[test]
    fn contacts_are_undirected() {
        // 2 was traced first and recorded 1 as their contact; then 1 tested positive.
        // 3 named 2 as their source; 2 is still 3's neighbour for levels.
        let cases = [case(1, 40, None)];
        let exposures = [ex(10, 2, 1, 41, 41), ex(11, 3, 2, 42, 42)];
        let result = run(&cases, &exposures, 5);
        assert_eq!(levels(&result), BTreeMap::from([(2, 1), (3, 2)]));
        assert_eq!(result[&2].via, 1);
        assert_eq!(result[&3].via, 2);
    }

    #[test]
    fn contact_before_the_infectious_period_does_not_count() {
        let cases = [case(1, 40, None)];
        assert!(run(&cases, &[ex(10, 1, 2, 35, 39)], 5).is_empty());
        // A contact that runs into the infectious period counts from its first infectious day.
        let result = run(&cases, &[ex(10, 1, 2, 35, 42)], 5);
        assert_eq!(result[&2].exposed_on, d(40));
    }

    #[test]
    fn contact_after_isolation_does_not_count() {
        let cases = [case(1, 40, Some(45))];
        assert!(run(&cases, &[ex(10, 1, 2, 46, 50)], 5).is_empty());
        // The day of isolation itself still counts.
        assert_eq!(
            levels(&run(&cases, &[ex(10, 1, 2, 45, 50)], 5)),
            BTreeMap::from([(2, 1)])
        );
        // Isolated before becoming infectious (inconsistent dates): nobody is exposed.
        let odd = [case(1, 40, Some(38))];
        assert!(run(&odd, &[ex(10, 1, 2, 30, 50)], 5).is_empty());
    }

    #[test]
    fn old_future_and_malformed_exposures_are_ignored() {
        let cases = [case(1, 0, None)];
        // Window: 30 days before day 60 is day 30.
        assert!(run(&cases, &[ex(10, 1, 2, 20, 29)], 5).is_empty());
        assert_eq!(
            levels(&run(&cases, &[ex(10, 1, 2, 20, 30)], 5)),
            BTreeMap::from([(2, 1)])
        );
        // Future.
        assert!(run(&cases, &[ex(10, 1, 2, 61, 62)], 5).is_empty());
        assert_eq!(
            levels(&run(&cases, &[ex(10, 1, 2, 60, 62)], 5)),
            BTreeMap::from([(2, 1)])
        );
        // Reversed days, and a person with themselves.
        assert!(run(&cases, &[ex(10, 1, 2, 45, 44)], 5).is_empty());
        let selfish = [ex(10, 1, 1, 45, 45), ex(11, 2, 2, 45, 45)];
        assert!(run(&cases, &selfish, 5).is_empty());
        // A huge window does not overflow.
        let wide = Params {
            max_level: 5,
            window_days: u32::MAX,
        };
        assert_eq!(
            derive(&cases, &[ex(10, 1, 2, 1, 1)], &wide, d(TODAY)).len(),
            1
        );
    }

    #[test]
    fn contact_before_the_f1_was_exposed_does_not_make_an_f2() {
        let cases = [case(1, 40, None)];
        // 2 met the F0 on day 45 but met 3 on days 42..=44, before that.
        let exposures = [ex(10, 1, 2, 45, 45), ex(11, 2, 3, 42, 44)];
        assert_eq!(
            levels(&run(&cases, &exposures, 5)),
            BTreeMap::from([(2, 1)])
        );
        // Meeting 3 on the same day as the F0 counts.
        let exposures = [ex(10, 1, 2, 45, 45), ex(11, 2, 3, 42, 45)];
        let result = run(&cases, &exposures, 5);
        assert_eq!(levels(&result), BTreeMap::from([(2, 1), (3, 2)]));
        assert_eq!(result[&3].exposed_on, d(45));
    }

    #[test]
    fn a_longer_earlier_path_gives_a_lower_level_downstream() {
        // F0 1 (infectious from day 30). Person 2 met the F0 late (day 50): F1 from day 50.
        // But 2 also met 3 (an F1 from day 31) on day 32, so 2 may have been infected from
        // day 32 by a 2-contact path. 2 met 4 on day 40: that makes 4 an F3 through 1-3-2-4.
        // A greedy search that keeps only 2's level-1 date (50) would miss it and find 4 only
        // through the long chain 1-5-6-7-4 (F4).
        let cases = [case(1, 30, None)];
        let exposures = [
            ex(10, 1, 2, 50, 50),
            ex(11, 1, 3, 31, 31),
            ex(12, 3, 2, 32, 32),
            ex(13, 2, 4, 40, 40),
            ex(14, 1, 5, 33, 33),
            ex(15, 5, 6, 34, 34),
            ex(16, 6, 7, 35, 35),
            ex(17, 7, 4, 36, 36),
        ];
        let result = run(&cases, &exposures, 5);
        assert_eq!(result[&2].level, 1);
        assert_eq!(
            result[&2].exposed_on,
            d(50),
            "the F1 record describes the 1-contact path"
        );
        assert_eq!(
            result[&4],
            Derived {
                level: 3,
                via: 2,
                root: 1,
                exposure_id: 13,
                exposed_on: d(40),
            }
        );
        // Without the long chain, the greedy answer would be "not reachable".
        let result = run(&cases, &exposures[..4], 5);
        assert_eq!(result[&4].level, 3);
        // And with max_level 2 the 3-contact path is not allowed.
        assert!(!run(&cases, &exposures, 2).contains_key(&4));
    }

    #[test]
    fn discarding_a_case_re_paths_and_releases() {
        // F0s 1 and 2. 3 met both; 4 met only 1, and 5 met 4.
        let exposures = [
            ex(10, 1, 3, 41, 41),
            ex(11, 2, 3, 42, 42),
            ex(12, 1, 4, 41, 41),
            ex(13, 4, 5, 43, 43),
            ex(14, 3, 6, 44, 44),
        ];
        let both = [case(1, 40, None), case(2, 40, None)];
        let before = run(&both, &exposures, 5);
        assert_eq!(
            levels(&before),
            BTreeMap::from([(3, 1), (4, 1), (5, 2), (6, 2)])
        );
        assert_eq!(before[&3].root, 1, "the earlier contact wins");

        // Case 1 is discarded.
        let after = run(&[case(2, 40, None)], &exposures, 5);
        assert_eq!(levels(&after), BTreeMap::from([(3, 1), (6, 2)]));
        assert_eq!(
            (after[&3].via, after[&3].root, after[&3].exposure_id),
            (2, 2, 11)
        );
        assert_eq!(after[&6].root, 2);
        assert!(!after.contains_key(&4) && !after.contains_key(&5));
        // Person 1, no longer a case, met 3 on day 41, before 3 may have been infected (day 42).
        assert!(!after.contains_key(&1));

        // The store rewrites the levels within max_level contacts of the discarded case.
        let touched = affected(&exposures, 1, 5);
        for p in before.keys().chain(after.keys()) {
            if before.get(p) != after.get(p) {
                assert!(touched.contains(p));
            }
        }
    }

    #[test]
    fn triangle_terminates_with_right_levels() {
        let cases = [case(1, 40, None)];
        let exposures = [
            ex(10, 1, 2, 41, 41),
            ex(11, 2, 3, 42, 42),
            ex(12, 3, 4, 43, 43),
            ex(13, 4, 2, 44, 44),
        ];
        // 2-3-4-2 is a triangle: 4 met 2 after 2's contact with the F0, so 4 is an F2 via 2.
        let result = run(&cases, &exposures, 5);
        assert_eq!(levels(&result), BTreeMap::from([(2, 1), (3, 2), (4, 2)]));
        assert_eq!((result[&4].via, result[&4].exposure_id), (2, 13));
        // If 4 met 2 before 2 met the F0, only the way round the triangle counts: 4 is an F3.
        let mut early = exposures;
        early[3] = ex(13, 4, 2, 39, 40);
        let result = run(&cases, &early, 5);
        assert_eq!(levels(&result), BTreeMap::from([(2, 1), (3, 2), (4, 3)]));
        assert_eq!((result[&4].via, result[&4].exposure_id), (3, 12));
    }

    #[test]
    fn cycle_through_an_f0_terminates() {
        // 1 (F0) - 2 - 3 - 1: both 2 and 3 are F1.
        let cases = [case(1, 40, None)];
        let exposures = [
            ex(10, 1, 2, 41, 41),
            ex(11, 2, 3, 42, 42),
            ex(12, 3, 1, 43, 43),
        ];
        let result = run(&cases, &exposures, 5);
        assert_eq!(levels(&result), BTreeMap::from([(2, 1), (3, 1)]));
        assert_eq!(result[&3].exposure_id, 12);
    }

    #[test]
    fn f0s_in_contact_stay_f0_and_are_not_steps() {
        // F0s 1 and 2 met; 3 met 2 before 2 was infectious, so 3 is not an F1 of 2 and not an
        // "F2 through 2" either: 2's own window decides.
        let cases = [case(1, 40, None), case(2, 45, None)];
        let exposures = [
            ex(10, 1, 2, 41, 41),
            ex(11, 2, 3, 42, 42),
            ex(12, 2, 4, 46, 46),
        ];
        let result = run(&cases, &exposures, 5);
        assert_eq!(levels(&result), BTreeMap::from([(4, 1)]));
        assert_eq!(result[&4].root, 2);
    }

    #[test]
    fn duplicate_cases_are_merged() {
        let cases = [case(1, 45, Some(50)), case(1, 40, None)];
        let result = run(&cases, &[ex(10, 1, 2, 41, 41), ex(11, 1, 3, 55, 55)], 5);
        assert_eq!(levels(&result), BTreeMap::from([(2, 1), (3, 1)]));
    }

    #[test]
    fn ties_are_broken_deterministically() {
        // Two F0s (7 and 3) met 5 on the same day: the smaller via wins.
        let cases = [case(7, 40, None), case(3, 40, None)];
        let mut exposures = vec![
            ex(20, 7, 5, 42, 42),
            ex(21, 3, 5, 42, 42),
            ex(22, 5, 9, 43, 43),
            ex(19, 3, 5, 42, 44),
            ex(30, 7, 8, 41, 41),
            ex(31, 3, 8, 41, 41),
        ];
        let first = run(&cases, &exposures, 5);
        assert_eq!((first[&5].via, first[&5].exposure_id), (3, 19));
        assert_eq!(first[&9].root, 3);
        // The earlier day beats the smaller via.
        exposures.push(ex(40, 7, 5, 41, 41));
        let result = run(&cases, &exposures, 5);
        assert_eq!((result[&5].via, result[&5].exposure_id), (7, 40));
        assert_eq!(result[&9].root, 7);
        // The order of the input does not matter.
        for rotation in 0..exposures.len() {
            let mut shuffled = exposures.clone();
            shuffled.rotate_left(rotation);
            shuffled.reverse();
            let reversed: Vec<_> = cases.iter().rev().copied().collect();
            assert_eq!(run(&reversed, &shuffled, 5), result);
        }
    }

    #[test]
    fn affected_counts_undirected_hops_through_a_cycle() {
        let exposures = [
            ex(1, 1, 2, 1, 1),
            ex(2, 2, 3, 1, 1),
            ex(3, 3, 1, 1, 1),
            ex(4, 4, 3, 1, 1),
            ex(5, 4, 5, 1, 1),
            ex(6, 6, 7, 1, 1),
            ex(7, 8, 8, 1, 1),
        ];
        assert_eq!(affected(&exposures, 1, 0), BTreeSet::from([1]));
        assert_eq!(affected(&exposures, 1, 1), BTreeSet::from([1, 2, 3]));
        assert_eq!(affected(&exposures, 1, 2), BTreeSet::from([1, 2, 3, 4]));
        assert_eq!(affected(&exposures, 1, 5), BTreeSet::from([1, 2, 3, 4, 5]));
        assert_eq!(affected(&exposures, 5, 2), BTreeSet::from([3, 4, 5]));
        assert_eq!(affected(&exposures, 8, 3), BTreeSet::from([8]));
        assert_eq!(affected(&exposures, 99, 3), BTreeSet::from([99]));
    }

    /// A small linear congruential generator, so the tests need no `rand`.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    fn random_graph(
        rng: &mut Lcg,
        people: u64,
        contacts: usize,
        cases: usize,
        span: u64,
    ) -> (Vec<ActiveCase>, Vec<Exposure>) {
        // Contacts start on days 65 - span ..= 64 (today is 60): a few are in the future.
        let exposures = (0..contacts)
            .map(|i| {
                let first = 65 - span + rng.below(span);
                let last = first + rng.below(4);
                let source = rng.below(people) as i64;
                let exposed = rng.below(people) as i64;
                ex(i as i64, source, exposed, first, last)
            })
            .collect();
        let cases = (0..cases)
            .map(|_| {
                let from = 65 - span + rng.below(span / 2);
                let isolated = (rng.below(2) == 0).then(|| from + rng.below(10));
                case(rng.below(people) as i64, from, isolated)
            })
            .collect();
        (cases, exposures)
    }

    /// The brute-force answer: every time-respecting walk of at most `max_level` contacts that
    /// does not step through an F0. Returns (level, earliest date with that many contacts).
    fn brute_force(
        cases: &[ActiveCase],
        exposures: &[Exposure],
        max_level: u8,
    ) -> BTreeMap<PersonKey, (u8, NaiveDate)> {
        let today = d(TODAY);
        let oldest = today - Days::new(30);
        let usable: Vec<_> = exposures
            .iter()
            .filter(|e| {
                e.source != e.exposed && e.first <= e.last && e.first <= today && e.last >= oldest
            })
            .collect();
        let mut windows: BTreeMap<PersonKey, (NaiveDate, Option<NaiveDate>)> = BTreeMap::new();
        for c in cases {
            let w = windows
                .entry(c.person)
                .or_insert((c.infectious_from, c.isolated_on));
            w.0 = w.0.min(c.infectious_from);
            w.1 = match (w.1, c.isolated_on) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
        }
        // found[(person, hops)] = earliest date by a walk of exactly `hops` contacts.
        let mut found: BTreeMap<(PersonKey, u8), NaiveDate> = BTreeMap::new();
        fn walk(
            at: PersonKey,
            date: NaiveDate,
            hops: u8,
            max_level: u8,
            usable: &[&Exposure],
            windows: &BTreeMap<PersonKey, (NaiveDate, Option<NaiveDate>)>,
            found: &mut BTreeMap<(PersonKey, u8), NaiveDate>,
        ) {
            if hops == max_level {
                return;
            }
            for e in usable {
                let next = if e.source == at {
                    e.exposed
                } else if e.exposed == at {
                    e.source
                } else {
                    continue;
                };
                if windows.contains_key(&next) || e.last < date {
                    continue;
                }
                let when = e.first.max(date);
                let until = if hops == 0 { windows[&at].1 } else { None };
                if until.is_some_and(|until| when > until) {
                    continue;
                }
                let slot = found.entry((next, hops + 1)).or_insert(when);
                *slot = (*slot).min(when);
                walk(next, when, hops + 1, max_level, usable, windows, found);
            }
        }
        for (&person, &(from, _)) in &windows {
            walk(person, from, 0, max_level, &usable, &windows, &mut found);
        }
        let mut answer: BTreeMap<PersonKey, (u8, NaiveDate)> = BTreeMap::new();
        for (&(person, hops), &date) in &found {
            // Keys are in order of hops per person, so the first entry has the fewest contacts;
            // the earliest date with at most that many contacts is that entry's date.
            answer.entry(person).or_insert((hops, date));
        }
        answer
    }

    #[test]
    fn agrees_with_brute_force_on_small_random_graphs() {
        let mut rng = Lcg(7);
        for round in 0..3000 {
            let people = 4 + rng.below(6);
            let contacts = 3 + rng.below(10) as usize;
            let cases = 1 + rng.below(2) as usize;
            let span = 8 + rng.below(40);
            let (cases, exposures) = random_graph(&mut rng, people, contacts, cases, span);
            let max_level = 1 + (round % 5) as u8;
            let result = run(&cases, &exposures, max_level);
            let expected = brute_force(&cases, &exposures, max_level);
            let got: BTreeMap<_, _> = result
                .iter()
                .map(|(&p, x)| (p, (x.level, x.exposed_on)))
                .collect();
            assert_eq!(got, expected, "round {round}: {cases:?} {exposures:?}");
        }
    }

    #[test]
    fn large_random_graph_keeps_the_invariants() {
        let mut rng = Lcg(2021);
        let (cases, exposures) = random_graph(&mut rng, 40_000, 100_000, 60, 45);
        let result = run(&cases, &exposures, 5);
        assert!(!result.is_empty());
        let f0: BTreeSet<PersonKey> = cases.iter().map(|c| c.person).collect();
        let by_id: HashMap<i64, &Exposure> = exposures.iter().map(|e| (e.id, e)).collect();
        for (person, x) in &result {
            assert!((1..=5).contains(&x.level));
            assert!(!f0.contains(person));
            assert!(f0.contains(&x.root));
            if f0.contains(&x.via) {
                assert_eq!(x.level, 1);
                assert_eq!(x.via, x.root);
            } else {
                let via_level = result[&x.via].level;
                assert!(
                    via_level < x.level,
                    "{person}: via {} at {via_level}",
                    x.via
                );
                assert!(x.level >= 2);
            }
            let e = by_id[&x.exposure_id];
            assert!(
                (e.source == *person && e.exposed == x.via)
                    || (e.exposed == *person && e.source == x.via)
            );
            assert!(e.first <= x.exposed_on && x.exposed_on <= e.last);
        }
        // The graph is big enough to reach deep levels.
        let levels_seen: BTreeSet<u8> = result.values().map(|x| x.level).collect();
        assert_eq!(levels_seen, BTreeSet::from([1, 2, 3, 4, 5]));
    }
}
