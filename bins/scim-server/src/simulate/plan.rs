//! What a simulated identity provider does, decided before the first request:
//! a seeded directory of people and groups, and the list of operations of the
//! initial cycle and the incremental ones. The plan also keeps the directory
//! as it is after the last operation, which is what the server should hold.

use std::collections::BTreeSet;

use super::random::Random;

/// One person of the simulated directory, as the identity provider sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    /// Position in the directory: the key of every operation on this person.
    pub(crate) index: usize,
    pub(crate) user_name: String,
    pub(crate) external_id: String,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) title: String,
    pub(crate) department: String,
    pub(crate) employee_number: String,
    pub(crate) active: bool,
}

impl Person {
    pub(crate) fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

/// One pushed group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) index: usize,
    pub(crate) display_name: String,
}

/// One step of a cycle; each becomes one or a few requests in the dialect of
/// the identity provider simulated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Operation {
    /// The Test Connection probes.
    TestConnection,
    /// Match by userName, create when nothing matched.
    CreateUser(Person),
    /// Match by displayName, create when nothing matched, with these members.
    CreateGroup(Group, Vec<usize>),
    /// Attribute changes: the person as it is now.
    UpdateUser(Person),
    /// Deactivation or reactivation: the person with its new `active`.
    SetActive(Person),
    /// A hard delete in the directory.
    DeleteUser(usize),
    AddMembers(Group, Vec<usize>),
    RemoveMembers(Group, Vec<usize>),
    /// The group is unlinked or deleted in the directory.
    DeleteGroup(usize),
    /// Not the identity provider's: a tenant admin maps the pushed groups to
    /// roles (`--map-groups`), between the initial and incremental cycles.
    MapGroupsToRoles,
}

impl Operation {
    /// The counter of the summary this operation belongs to.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Operation::TestConnection => "test connection",
            Operation::CreateUser(_) => "user creates",
            Operation::CreateGroup(..) => "group pushes",
            Operation::UpdateUser(_) => "attribute changes",
            Operation::SetActive(p) if p.active => "reactivations",
            Operation::SetActive(_) => "deactivations",
            Operation::DeleteUser(_) => "user deletes",
            Operation::AddMembers(..) => "member adds",
            Operation::RemoveMembers(..) => "member removals",
            Operation::DeleteGroup(_) => "group deletes",
            Operation::MapGroupsToRoles => "rule saves",
        }
    }
}

/// What the identity provider may do, and how the plan is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) users: usize,
    pub(crate) groups: usize,
    /// Incremental cycles after the initial one.
    pub(crate) cycles: usize,
    pub(crate) seed: u64,
    /// Whether users are ever deleted (Entra after a hard delete; Okta never).
    pub(crate) deletes_users: bool,
    /// Whether groups are mapped to roles after the initial cycle.
    pub(crate) map_groups: bool,
}

/// The operations in order, and the directory after the last of them.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) operations: Vec<Operation>,
    /// Every person; `None` once deleted.
    pub(crate) people: Vec<Option<Person>>,
    /// Every group with its members; `None` once deleted.
    pub(crate) groups: Vec<Option<(Group, BTreeSet<usize>)>>,
}

const GIVEN: [&str; 16] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus",
    "Radia", "Tony", "Shafi", "Leslie", "Hedy", "John",
];
const FAMILY: [&str; 16] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Wirth",
    "Perlman",
    "Hoare",
    "Goldwasser",
    "Lamport",
    "Lamarr",
    "Backus",
];
const DEPARTMENTS: [&str; 6] = ["R&D", "Sales", "Support", "Finance", "Operations", "Legal"];
const TITLES: [&str; 6] = [
    "Engineer",
    "Analyst",
    "Manager",
    "Technician",
    "Consultant",
    "Director",
];
const GROUP_NAMES: [&str; 8] = [
    "App Admins",
    "Employees",
    "Contractors",
    "Field Staff",
    "Help Desk",
    "Managers",
    "Auditors",
    "Interns",
];

/// How many people an incremental cycle touches for each kind of change: a
/// tenth of the directory, at least one.
fn share(users: usize) -> usize {
    (users / 10).max(1)
}

impl Plan {
    pub(crate) fn new(shape: Shape) -> Plan {
        let mut random = Random::new(shape.seed);
        let people: Vec<Option<Person>> = (0..shape.users)
            .map(|index| Some(person(index, &mut random)))
            .collect();
        let groups = (0..shape.groups)
            .map(|index| {
                let base = GROUP_NAMES[index % GROUP_NAMES.len()];
                let display_name = match index / GROUP_NAMES.len() {
                    0 => base.to_owned(),
                    round => format!("{base} {}", round + 1),
                };
                Some((
                    Group {
                        index,
                        display_name,
                    },
                    BTreeSet::new(),
                ))
            })
            .collect();
        let mut plan = Plan {
            operations: vec![Operation::TestConnection],
            people,
            groups,
        };
        plan.initial_cycle(&mut random);
        if shape.map_groups {
            plan.operations.push(Operation::MapGroupsToRoles);
        }
        for cycle in 1..=shape.cycles {
            plan.incremental_cycle(shape, cycle == shape.cycles, &mut random);
        }
        plan
    }

    /// Everyone is created, then every group pushed with its members: each
    /// person joins one group by position and, one time in three, a second
    /// chosen at random (the first group, usually the admins, stays small).
    fn initial_cycle(&mut self, random: &mut Random) {
        for person in self.people.iter().flatten() {
            self.operations.push(Operation::CreateUser(person.clone()));
        }
        let group_count = self.groups.len();
        if group_count == 0 {
            return;
        }
        for index in 0..self.people.len() {
            let first = if group_count > 1 && index % 10 != 0 {
                1 + index % (group_count - 1)
            } else {
                0
            };
            self.member_set(first).insert(index);
            if random.below(3) == 0 {
                let second = random.below(group_count);
                self.member_set(second).insert(index);
            }
        }
        for (group, members) in self.groups.iter().flatten() {
            self.operations.push(Operation::CreateGroup(
                group.clone(),
                members.iter().copied().collect(),
            ));
        }
    }

    fn member_set(&mut self, group: usize) -> &mut BTreeSet<usize> {
        match &mut self.groups[group] {
            Some((_, members)) => members,
            None => unreachable_group(),
        }
    }

    /// Attribute changes, deactivations, reactivations, membership removals
    /// and additions, and (when the provider does them) deletes; the last
    /// cycle also deletes the last group, when more than two are left.
    fn incremental_cycle(&mut self, shape: Shape, last_cycle: bool, random: &mut Random) {
        let share = share(shape.users);
        for _ in 0..share {
            if let Some(index) = self.pick(random, |p| p.active) {
                let Some(person) = &mut self.people[index] else {
                    continue;
                };
                person.title = TITLES[random.below(TITLES.len())].to_owned();
                person.department = DEPARTMENTS[random.below(DEPARTMENTS.len())].to_owned();
                self.operations.push(Operation::UpdateUser(person.clone()));
            }
        }
        // Reactivate those deactivated in an earlier cycle before deactivating
        // new ones, so a person is not switched twice in one cycle.
        let inactive: Vec<usize> = self
            .people
            .iter()
            .flatten()
            .filter(|p| !p.active)
            .map(|p| p.index)
            .collect();
        for index in inactive.into_iter().take(share / 2) {
            self.set_active(index, true);
        }
        for _ in 0..share {
            if let Some(index) = self.pick(random, |p| p.active) {
                self.set_active(index, false);
            }
        }
        self.membership_changes(share, random);
        if shape.deletes_users {
            for _ in 0..share.div_ceil(4) {
                if let Some(index) = self.pick(random, |_| true) {
                    self.people[index] = None;
                    for (_, members) in self.groups.iter_mut().flatten() {
                        members.remove(&index);
                    }
                    self.operations.push(Operation::DeleteUser(index));
                }
            }
        }
        let live_groups: Vec<usize> = self.groups.iter().flatten().map(|(g, _)| g.index).collect();
        if last_cycle
            && live_groups.len() > 2
            && let Some(&last) = live_groups.last()
        {
            self.groups[last] = None;
            self.operations.push(Operation::DeleteGroup(last));
        }
    }

    fn set_active(&mut self, index: usize, active: bool) {
        if let Some(person) = &mut self.people[index] {
            person.active = active;
            self.operations.push(Operation::SetActive(person.clone()));
        }
    }

    /// Some members leave a group and as many people join another one.
    fn membership_changes(&mut self, share: usize, random: &mut Random) {
        let live_groups: Vec<usize> = self.groups.iter().flatten().map(|(g, _)| g.index).collect();
        if live_groups.is_empty() {
            return;
        }
        let from = live_groups[random.below(live_groups.len())];
        let leaving: Vec<usize> = self.member_set(from).iter().copied().take(share).collect();
        if !leaving.is_empty() {
            for index in &leaving {
                self.member_set(from).remove(index);
            }
            let group = self.group(from);
            self.operations
                .push(Operation::RemoveMembers(group, leaving));
        }
        let to = live_groups[random.below(live_groups.len())];
        let mut joining = Vec::new();
        for _ in 0..share {
            if let Some(index) = self.pick(random, |_| true)
                && self.member_set(to).insert(index)
            {
                joining.push(index);
            }
        }
        if !joining.is_empty() {
            let group = self.group(to);
            self.operations.push(Operation::AddMembers(group, joining));
        }
    }

    fn group(&self, index: usize) -> Group {
        match &self.groups[index] {
            Some((group, _)) => group.clone(),
            None => unreachable_group(),
        }
    }

    /// A random living person matching `wanted`: a few tries, then none (a
    /// small directory may have nobody left to pick).
    fn pick(&self, random: &mut Random, wanted: impl Fn(&Person) -> bool) -> Option<usize> {
        if self.people.is_empty() {
            return None;
        }
        (0..8).find_map(|_| {
            let index = random.below(self.people.len());
            self.people[index]
                .as_ref()
                .filter(|p| wanted(p))
                .map(|p| p.index)
        })
    }

    /// Users the server should hold (not deleted): `(active, inactive)`.
    pub(crate) fn expected_users(&self) -> (usize, usize) {
        let live = self.people.iter().flatten();
        let active = live.clone().filter(|p| p.active).count();
        (active, live.count() - active)
    }

    /// Groups left and their memberships in total.
    pub(crate) fn expected_groups(&self) -> (usize, usize) {
        let live = self.groups.iter().flatten();
        (
            live.clone().count(),
            live.map(|(_, members)| members.len()).sum(),
        )
    }
}

/// Plans only delete groups they hold, and never refer to a deleted one.
#[allow(clippy::panic)]
fn unreachable_group() -> ! {
    panic!("the plan referred to a group it had deleted")
}

fn person(index: usize, random: &mut Random) -> Person {
    let given = GIVEN[random.below(GIVEN.len())];
    let family = FAMILY[random.below(FAMILY.len())];
    Person {
        index,
        user_name: format!(
            "{}.{}{index}@example.com",
            given.to_ascii_lowercase(),
            family.to_ascii_lowercase()
        ),
        external_id: format!("sim-{index:06}"),
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        title: TITLES[random.below(TITLES.len())].to_owned(),
        department: DEPARTMENTS[random.below(DEPARTMENTS.len())].to_owned(),
        employee_number: format!("{}", 100_000 + index),
        active: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(deletes_users: bool) -> Shape {
        Shape {
            users: 60,
            groups: 4,
            cycles: 3,
            seed: 7,
            deletes_users,
            map_groups: false,
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_plan_and_another_seed_another() {
        let a = Plan::new(shape(true));
        let b = Plan::new(shape(true));
        assert_eq!(a.operations, b.operations);
        let c = Plan::new(Shape {
            seed: 8,
            ..shape(true)
        });
        assert_ne!(a.operations, c.operations);
    }

    #[test]
    fn the_initial_cycle_probes_creates_everyone_then_pushes_every_group() {
        let plan = Plan::new(Shape {
            cycles: 0,
            ..shape(true)
        });
        assert_eq!(plan.operations[0], Operation::TestConnection);
        let creates = plan.operations[1..61]
            .iter()
            .filter(|op| matches!(op, Operation::CreateUser(_)))
            .count();
        assert_eq!(creates, 60);
        assert!(matches!(plan.operations[61], Operation::CreateGroup(..)));
        assert_eq!(plan.operations.len(), 1 + 60 + 4);
        // Everyone is in at least one group.
        let (_, memberships) = plan.expected_groups();
        assert!(memberships >= 60, "{memberships}");
    }

    #[test]
    fn incremental_cycles_change_what_the_directory_ends_with() {
        let plan = Plan::new(shape(true));
        let kinds: BTreeSet<&str> = plan.operations.iter().map(Operation::kind).collect();
        for kind in [
            "attribute changes",
            "deactivations",
            "reactivations",
            "member adds",
            "member removals",
            "user deletes",
            "group deletes",
        ] {
            assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
        }
        let (active, inactive) = plan.expected_users();
        let deletes = plan
            .operations
            .iter()
            .filter(|op| matches!(op, Operation::DeleteUser(_)))
            .count();
        assert_eq!(active + inactive + deletes, 60);
        assert!(inactive > 0);
        // No operation names a person after its delete.
        let mut deleted = BTreeSet::new();
        for op in &plan.operations {
            let named: Vec<usize> = match op {
                Operation::UpdateUser(p) | Operation::SetActive(p) => vec![p.index],
                Operation::AddMembers(_, m) | Operation::RemoveMembers(_, m) => m.clone(),
                Operation::DeleteUser(i) => {
                    deleted.insert(*i);
                    continue;
                }
                _ => continue,
            };
            assert!(named.iter().all(|i| !deleted.contains(i)), "{op:?}");
        }
    }

    #[test]
    fn okta_plans_never_delete_users() {
        let plan = Plan::new(shape(false));
        assert!(
            !plan
                .operations
                .iter()
                .any(|op| matches!(op, Operation::DeleteUser(_)))
        );
        let (active, inactive) = plan.expected_users();
        assert_eq!(active + inactive, 60);
    }
}
