/** The orgs of one sandbox: each with its own user, data, allocation and faults. */
import { IdGenerator } from './ids.ts';
import { SalesforceOrg } from './salesforce-org.ts';

export class OrgRegistry {
  readonly ids = new IdGenerator();
  readonly #orgs = new Map<string, SalesforceOrg>();
  readonly #dailyLimit: number;
  readonly #now: () => number;

  constructor(options: { dailyLimit: number; now: () => number }) {
    this.#dailyLimit = options.dailyLimit;
    this.#now = options.now;
  }

  create(): SalesforceOrg {
    const orgId = this.ids.next('00D');
    const userId = this.ids.next('005');
    const n = this.#orgs.size + 1;
    const org = new SalesforceOrg({
      orgId,
      user: {
        userId, username: `admin@sandbox-org-${n}.example`, email: `admin@sandbox-org-${n}.example`, firstName: 'Sandbox', lastName: `Admin ${n}`,
        permissions: { customizeApplication: true, modifyAllData: true },
      },
      dailyLimit: this.#dailyLimit,
      ids: this.ids,
      now: this.#now,
    });
    this.#orgs.set(orgId, org);
    return org;
  }

  get(orgId: string): SalesforceOrg | undefined {
    return this.#orgs.get(orgId);
  }

  all(): SalesforceOrg[] {
    return [...this.#orgs.values()];
  }
}
