/**
 * `SELECT … FROM UserPermissionAccess`: Salesforce answers one row, the system permissions of the
 * user the session acts for. The sandbox knows two of them (what the connector's admin check asks).
 */
import type { OrgUser } from '../org/salesforce-org.ts';
import type { SoqlQuery } from './soql-parser.ts';
import { SoqlError } from './soql-error.ts';

export const USER_PERMISSION_ACCESS = 'UserPermissionAccess';

const FIELDS: Record<string, (user: OrgUser) => boolean> = {
  PermissionsCustomizeApplication: (user) => user.permissions.customizeApplication,
  PermissionsModifyAllData: (user) => user.permissions.modifyAllData,
};

export function userPermissionAccess(query: SoqlQuery, user: OrgUser): Record<string, unknown>[] {
  const record: Record<string, unknown> = { attributes: { type: USER_PERMISSION_ACCESS } };
  for (const field of query.fields) {
    const name = Object.keys(FIELDS).find((f) => f.toLowerCase() === field.path.toLowerCase());
    if (!name) {
      throw new SoqlError('INVALID_FIELD', query.soql, field.offset, `No such column '${field.path}' on entity '${USER_PERMISSION_ACCESS}' (the sandbox knows ${Object.keys(FIELDS).join(', ')})`);
    }
    record[name] = FIELDS[name]!(user);
  }
  return [record];
}
