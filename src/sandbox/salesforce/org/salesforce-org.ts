/**
 * One sandbox org: its user, object metadata, records, admin-configured rules, API allocation,
 * pending faults and request counters. Orgs in one sandbox share nothing but the id generator.
 */
import { SchemaCatalog } from '../schema/schema-catalog.ts';
import { InvalidRuleError, OrgRule, type ParsedOrgRule } from '../validation/org-rules.ts';
import { ApiUsage } from './api-usage.ts';
import { FaultQueue } from './faults.ts';
import type { IdGenerator } from './ids.ts';
import { QueryCursors } from './query-cursors.ts';
import { RecordStore } from './record-store.ts';
import { RequestStats } from './request-stats.ts';

export interface OrgUser {
  userId: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  /** The system permissions UserPermissionAccess reports for the user. */
  permissions: { customizeApplication: boolean; modifyAllData: boolean };
}

export class SalesforceOrg {
  readonly orgId: string;
  /** The org's administrator (both permissions): who signs in when the consent page names nobody else. */
  readonly user: OrgUser;
  /** Every user of the org by id, the administrator first. */
  readonly users = new Map<string, OrgUser>();
  readonly schema = new SchemaCatalog();
  readonly store = new RecordStore();
  readonly faults = new FaultQueue();
  readonly stats = new RequestStats();
  readonly queryCursors = new QueryCursors();
  readonly usage: ApiUsage;
  readonly ids: IdGenerator;
  readonly now: () => number;
  #rules: ParsedOrgRule[] = [];

  constructor(options: { orgId: string; user: OrgUser; dailyLimit: number; ids: IdGenerator; now: () => number }) {
    this.orgId = options.orgId;
    this.user = options.user;
    this.users.set(options.user.userId, options.user);
    this.ids = options.ids;
    this.now = options.now;
    this.usage = new ApiUsage(options.dailyLimit, options.now);
  }

  /** Adds a user (a standard user unless given permissions); usernames are unique in the org. */
  addUser(user: { username: string; customizeApplication?: boolean; modifyAllData?: boolean }): OrgUser {
    const username = user.username.trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+$/.test(username)) throw new Error(`addUser: username must look like name@example.com, got ${JSON.stringify(user.username)}`);
    if (this.userByName(username)) throw new Error(`addUser: org ${this.orgId} already has a user ${username}`);
    const added: OrgUser = {
      userId: this.ids.next('005'),
      username,
      email: username,
      firstName: 'Sandbox',
      lastName: username.split('@')[0]!,
      permissions: { customizeApplication: user.customizeApplication ?? false, modifyAllData: user.modifyAllData ?? false },
    };
    this.users.set(added.userId, added);
    return added;
  }

  userByName(username: string): OrgUser | undefined {
    return [...this.users.values()].find((u) => u.username === username.trim().toLowerCase());
  }

  get rules(): readonly ParsedOrgRule[] {
    return this.#rules;
  }

  /** Adds a validation or duplicate rule; throws a zod error or InvalidRuleError naming what is wrong. */
  addRule(rule: OrgRule): void {
    const parsed = OrgRule.parse(rule);
    const sobject = this.schema.sobject(parsed.sobject);
    if (!sobject) throw new InvalidRuleError(`sobject: no object named "${parsed.sobject}" in this org`);
    const fields = parsed.kind === 'validation' ? [parsed.field] : parsed.matchFields;
    for (const name of fields) {
      if (!sobject.field(name)) throw new InvalidRuleError(`${sobject.name} has no field named "${name}"`);
    }
    this.#rules.push({ ...parsed, sobject: sobject.name });
  }

  clearRules(): void {
    this.#rules = [];
  }

  /** Records per object, for stats and the inspection page. */
  recordCounts(): Record<string, number> {
    return Object.fromEntries(this.schema.all().map((s) => [s.name, this.store.count(s.name)]));
  }
}
