/**
 * The mapping engine as the sync job's `planFor`: the binding's mapping file (bound file, else
 * the widget's own file, else the CRM's default; see src/mapping/resolve-file.ts) from the live
 * registry, evaluated on the conversation and its transcript. A mapping that cannot be used is a
 * permanent failure carrying every problem with file:line:column: the admin fixes the file, then
 * retries, and the sync record says what to fix meanwhile.
 */
import { evaluateMapping } from '../mapping/evaluate.ts';
import { formatProblem } from '../mapping/problems.ts';
import type { MappingRegistry } from '../mapping/registry.ts';
import type { Conversation } from '../platform/schemas.ts';
import { transcriptTurns } from '../transcript/export-turns.ts';
import type { SyncDependencies } from './dependencies.ts';
import { PermanentSyncError } from './failure.ts';

export interface MappingPlannerOptions {
  registry: MappingRegistry;
  /** PLATFORM_CONVERSATION_URL: where a person reads the conversation on the platform. */
  conversationUrl?: string | undefined;
}

export function mappingPlanner(options: MappingPlannerOptions): SyncDependencies['planFor'] {
  return async (installation, binding, conversation, transcriptMd) => {
    const resolved = options.registry.resolve({ installationName: installation.name, crm: installation.crm }, conversation.widget_id, binding.mappingFile ?? undefined);
    if (!resolved.ok) {
      throw new PermanentSyncError(
        `mapping file ${resolved.name} cannot be used; fix it, then retry: ${resolved.problems.map(formatProblem).join('; ')}`,
      );
    }
    const { mapping } = resolved;
    if (mapping.spec.crm !== installation.crm) {
      throw new PermanentSyncError(
        `mapping file ${mapping.file} is for ${mapping.spec.crm}, but installation ${installation.id} writes to ${installation.crm}: bind a ${installation.crm} mapping`,
      );
    }
    return evaluateMapping(mapping, conversation, { markdown: transcriptTurns(transcriptMd) }, {
      transcriptUrl: conversationLink(options.conversationUrl, conversation),
    });
  };
}

/** The template with `{conversation_id}` and `{widget_id}` filled in, or undefined without a template. */
export function conversationLink(template: string | undefined, conversation: Pick<Conversation, 'id' | 'widget_id'>): string | undefined {
  if (!template) return undefined;
  return template
    .replaceAll('{conversation_id}', encodeURIComponent(conversation.id))
    .replaceAll('{widget_id}', encodeURIComponent(conversation.widget_id));
}
