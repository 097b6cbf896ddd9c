/**
 * Who may install, reconnect and sign in to an installation (every admin is untrusted, and any user
 * of a CRM account can complete the OAuth flow):
 *
 * - Salesforce: a user with Customize Application or Modify All Data, checked with the fresh token
 *   on every install and sign-in; nobody else, whatever they did before.
 * - HubSpot: the user who installed it first owns the installation; besides the owner, the admins
 *   an admin added on the Admins page (by HubSpot user id or email) and the portal's super admins
 *   (asked through HubSpot's users API when the user granted the optional settings.users.read
 *   scope). Anyone may install a portal that has no installation yet: HubSpot lets only users
 *   allowed to install apps reach the consent screen.
 */
import type { Installation } from '../store/installations.ts';
import { findInstallationAdmin, type CrmUser } from '../store/installation-admins.ts';
import type { Queryable } from '../store/store.ts';
import type { CompletedConnection } from './crm-connect.ts';

export type AdminVerdict =
  | { admin: true; via: 'installer' | 'owner' | 'added' | 'crm' }
  | { admin: false; why: string };

export const crmUserOf = (completed: Pick<CompletedConnection, 'user' | 'userId'>): CrmUser => ({
  crmUserId: completed.userId ?? null,
  email: completed.user,
});

/** May the user who just completed the flow administer `existing` (or install the account when undefined)? */
export async function adminVerdict(db: Queryable, completed: CompletedConnection, existing: Installation | undefined): Promise<AdminVerdict> {
  if (completed.connection.crm === 'salesforce') {
    if (await completed.crmAdmin()) return { admin: true, via: 'crm' };
    return {
      admin: false,
      why:
        `Salesforce user ${completed.user} has neither the Customize Application nor the Modify All Data permission, ` +
        'which installing and administering the connector require. Ask an administrator of the org to sign in, or to give you one of them.',
    };
  }
  if (!existing) return { admin: true, via: 'installer' };
  const entry = await findInstallationAdmin(db, existing.id, crmUserOf(completed));
  if (entry) return { admin: true, via: entry.role === 'owner' ? 'owner' : 'added' };
  const superAdmin = await completed.crmAdmin();
  if (superAdmin) return { admin: true, via: 'crm' };
  return {
    admin: false,
    why:
      `HubSpot user ${completed.user} is not an admin of this installation. Its owner or another admin can add you on the installation's Admins page` +
      (superAdmin === undefined
        ? '; a super admin of the portal can also sign in when they allow the connector to read the portal\'s users (settings.users.read).'
        : '; super admins of the portal can sign in too.'),
  };
}
