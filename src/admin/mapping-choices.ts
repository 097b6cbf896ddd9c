/** The mapping files an installation may bind a widget to: those written for its CRM (or not loadable yet, so their CRM is unknown). */
import type { CrmName } from '../crm/write-plan.ts';
import type { MappingRegistry } from '../mapping/registry.ts';

export interface MappingChoice {
  name: string;
  /** False when the file has never loaded: binding it makes syncs fail until it is fixed. */
  loadable: boolean;
}

export function mappingChoices(registry: Pick<MappingRegistry, 'status' | 'get'>, crm: CrmName): MappingChoice[] {
  return registry
    .status()
    .filter((file) => {
      const live = registry.get(file.name);
      return live ? live.spec.crm === crm : true;
    })
    .map((file) => ({ name: file.name, loadable: file.liveVersion !== undefined }));
}

/** Why a chosen file cannot be bound to an installation of `crm`, or undefined when it can. */
export function mappingChoiceProblem(registry: Pick<MappingRegistry, 'status' | 'get'>, crm: CrmName, name: string): string | undefined {
  const live = registry.get(name);
  if (live && live.spec.crm !== crm) return `${name} is a ${live.spec.crm} mapping; this installation writes to ${crm}`;
  if (!registry.status().some((file) => file.name === name)) return `there is no mapping file ${name} in the mappings folder`;
  return undefined;
}
