/**
 * Which mapping files in MAPPINGS_DIR an installation may see, bind, preview and sync with.
 *
 * Self-hosting (single-tenant mode): every file; the operator is the only admin.
 * Multi-tenant (marketplace) mode, where every admin is untrusted and the folder is the operator's:
 * - `<crm>.default.yaml`, the shipped default of the installation's CRM, is shared;
 * - `tenant.<slug>.*.yaml` belongs to the installation whose name gives that slug (names are
 *   `<crm>:<portal or org id>`, set by the connector from what the CRM says, so the operator knows
 *   whose file it is), e.g. `tenant.hubspot-12345.events.yaml`; its widget files are
 *   `tenant.<slug>.widget.<widget id>.yaml`;
 * - every other file (`<crm>.widget.<id>.yaml`, or any name) is the operator's own: only the
 *   environment-configured installation `default` uses it.
 * So a tenant never lists, previews or binds another tenant's file, and a widget id a tenant makes up
 * (its platform URL is its own choice) cannot pull in a file written for someone else.
 */
import type { CrmName } from '../crm/write-plan.ts';
import { DEFAULT_INSTALLATION } from '../store/single-tenant.ts';
import { defaultMappingName, widgetMappingName } from './resolve-file.ts';

/** The installation a mapping file is used for. */
export interface MappingScope {
  /** The installation's name: `hubspot:12345`, `salesforce:00D…`, or `default`. */
  installationName: string;
  crm: CrmName;
}

const TENANT_PREFIX = 'tenant.';

/** `hubspot:12345` → `hubspot-12345`: installation names made safe for a file name. */
export const tenantSlug = (installationName: string): string => installationName.replace(/[^A-Za-z0-9_-]/g, '-');

/** The file name prefix of an installation's own mapping files in multi-tenant mode. */
export const tenantFilePrefix = (installationName: string): string => `${TENANT_PREFIX}${tenantSlug(installationName)}.`;

export interface MappingFileAccess {
  /** Whether this installation may see and use the file `name`. */
  allows(scope: MappingScope, name: string): boolean;
  /** The widget file that applies automatically to `widgetId`, if it exists (resolve-file.ts order, step 2). */
  widgetFileName(scope: MappingScope, widgetId: string): string;
}

const openAccess: MappingFileAccess = {
  allows: () => true,
  widgetFileName: (scope, widgetId) => widgetMappingName(scope.crm, widgetId),
};

const tenantAccess: MappingFileAccess = {
  allows(scope, name) {
    if (name === defaultMappingName(scope.crm)) return true;
    if (name.startsWith(TENANT_PREFIX)) return name.startsWith(tenantFilePrefix(scope.installationName));
    return scope.installationName === DEFAULT_INSTALLATION;
  },
  widgetFileName(scope, widgetId) {
    if (scope.installationName === DEFAULT_INSTALLATION) return widgetMappingName(scope.crm, widgetId);
    return `${tenantFilePrefix(scope.installationName)}widget.${widgetId}.yaml`;
  },
};

export const mappingFileAccess = (multiTenant: boolean): MappingFileAccess => (multiTenant ? tenantAccess : openAccess);
