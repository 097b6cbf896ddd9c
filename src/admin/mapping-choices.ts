/**
 * The mapping files an installation may bind a widget to: those it may use (src/mapping/file-access.ts)
 * that are written for its CRM (or not loadable yet, so their CRM is unknown).
 */
import type { MappingRegistry } from '../mapping/registry.ts';
import type { MappingScope } from '../mapping/file-access.ts';

export interface MappingChoice {
  name: string;
  /** False when the file has never loaded: binding it makes syncs fail until it is fixed. */
  loadable: boolean;
}

type Registry = Pick<MappingRegistry, 'statusFor' | 'getFor'>;

export function mappingChoices(registry: Registry, scope: MappingScope): MappingChoice[] {
  return registry
    .statusFor(scope)
    .filter((file) => {
      const live = registry.getFor(scope, file.name);
      return live ? live.spec.crm === scope.crm : true;
    })
    .map((file) => ({ name: file.name, loadable: file.liveVersion !== undefined }));
}

/**
 * Why a chosen file cannot be bound to this installation, or undefined when it can. Another
 * tenant's file reads exactly like a missing one, so names cannot be probed.
 */
export function mappingChoiceProblem(registry: Registry, scope: MappingScope, name: string): string | undefined {
  const live = registry.getFor(scope, name);
  if (live && live.spec.crm !== scope.crm) return `${name} is a ${live.spec.crm} mapping; this installation writes to ${scope.crm}`;
  if (!registry.statusFor(scope).some((file) => file.name === name)) return `there is no mapping file ${name} for this installation`;
  return undefined;
}

/** The installation as a mapping scope. */
export const scopeOf = (installation: { name: string; crm: MappingScope['crm'] }): MappingScope => ({
  installationName: installation.name,
  crm: installation.crm,
});
