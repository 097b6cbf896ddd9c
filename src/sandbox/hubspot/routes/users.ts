/**
 * `GET /settings/v3/users/{userId}` (user provisioning): one user of the token's portal, by user id
 * or, with `idProperty=EMAIL`, by email. Needs the `settings.users.read` scope, as on HubSpot.
 */
import { Router } from 'express';
import { portalOf, scopesOf } from '../api-pipeline.ts';
import { missingScopesError, notFoundError } from '../hubspot-errors.ts';

const USERS_READ = 'settings.users.read';

export function userRoutes(): Router {
  const router = Router();
  router.get('/settings/v3/users/:userId', (req, res) => {
    if (!scopesOf(res).includes(USERS_READ)) throw missingScopesError([USERS_READ]);
    const key = req.params.userId;
    const byEmail = req.query.idProperty === 'EMAIL';
    const user = [...portalOf(res).users.values()].find((u) => (byEmail ? u.email === key.toLowerCase() : String(u.userId) === key));
    if (!user) throw notFoundError(`No user ${key} in this account`);
    res.json({ id: String(user.userId), email: user.email, roleIds: [], superAdmin: user.superAdmin, primaryTeamId: null, secondaryTeamIds: [] });
  });
  return router;
}
