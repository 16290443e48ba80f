// roles.js knows the roles' order and which may see which screens; the server enforces the
// same rules, this only decides what to offer.

// ROLES lists every role, most powerful first.
export const ROLES = ['admin', 'state_office', 'district_coordinator', 'booth_worker', 'viewer'];

// rolesBelow lists the roles a user of role may create: those strictly below it.
export function rolesBelow(role) {
  const i = ROLES.indexOf(role);
  return i < 0 ? [] : ROLES.slice(i + 1);
}

// canManageUsers reports whether role may open the users and audit screens.
export const canManageUsers = (role) => role === 'admin' || role === 'state_office' || role === 'district_coordinator';

// scopeLevel is the unit level a role's scope must be; '' means any level.
export const scopeLevel = (role) => ({ state_office: 'state', district_coordinator: 'district', booth_worker: 'booth' })[role] || '';

// canManagePeople reports whether role may change people and committees (and open the people
// screen); the others only read committees.
export const canManagePeople = canManageUsers;

// canReadIncidents reports whether role may open the incidents screens: the roles that answer
// for a district or more (booth workers and viewers have no part in incidents).
export const canReadIncidents = canManageUsers;

// canReviewReports reports whether role may open the review queue of reports from the public:
// the state office and admins.
export const canReviewReports = (role) => role === 'admin' || role === 'state_office';

// canAnswerDataRequests reports whether role answers a person's requests for access and erasure
// (DPDP Act 2023; docs/PRIVACY.md): the state office and admins.
export const canAnswerDataRequests = (role) => role === 'admin' || role === 'state_office';
