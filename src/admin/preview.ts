/**
 * The mappings page's preview: a conversation fetched from the installation's platform with its
 * own API settings, planned by the same mapping planner a sync uses (src/sync/mapping-planner.ts),
 * so the preview is the exact WritePlan a sync would execute now, and nothing is written.
 */
import { formatPlan } from '../mapping/preview-format.ts';
import type { MappingRegistry } from '../mapping/registry.ts';
import type { OutboundGuard } from '../net/outbound-guard.ts';
import type { PlatformClient } from '../platform/client.ts';
import { guardedPlatformClient } from '../platform/installation-client.ts';
import type { Installation } from '../store/installations.ts';
import type { Queryable } from '../store/store.ts';
import { bindingFor, type WidgetBinding } from '../store/widget-bindings.ts';
import { mappingPlanner } from '../sync/mapping-planner.ts';

export interface PreviewRequest {
  conversationId: string;
  /** A file to try instead of the one the widget's binding picks (before binding it). */
  mappingFile?: string | undefined;
}

export type PreviewResult =
  | { ok: true; text: string; mappingFile: string; note: string | undefined }
  | { ok: false; error: string };

/** The admin is waiting on the page: fail fast instead of the sync job's long retries. */
const PREVIEW_CLIENT = { timeoutMs: 10_000, retry: { retries: 1, minDelayMs: 200, maxDelayMs: 1_000 } };

export async function previewConversation(
  deps: { db: Queryable; mappings: MappingRegistry; conversationUrl: string | undefined; outbound: OutboundGuard },
  installation: Installation,
  request: PreviewRequest,
): Promise<PreviewResult> {
  const { apiUrl, apiKey } = installation.platform;
  if (!apiUrl || !apiKey) return { ok: false, error: 'Set the platform API URL and key on the settings page first: the preview reads the conversation from the platform.' };
  let client: PlatformClient;
  try {
    client = guardedPlatformClient(deps.outbound, { baseUrl: apiUrl, apiKey, ...PREVIEW_CLIENT });
  } catch (error) {
    return { ok: false, error: `The platform settings are not usable: ${(error as Error).message}` };
  }
  try {
    const conversation = await client.getConversation(request.conversationId);
    const transcript = await client.getTranscript(request.conversationId, 'md');
    const bound = await bindingFor(deps.db, installation.id, conversation.widget_id);
    const binding: WidgetBinding = request.mappingFile
      ? { installationId: installation.id, widgetId: conversation.widget_id, mappingFile: request.mappingFile, enabled: true }
      : (bound ?? { installationId: installation.id, widgetId: conversation.widget_id, mappingFile: null, enabled: false });
    const plan = await mappingPlanner({ registry: deps.mappings, conversationUrl: deps.conversationUrl })(installation, binding, conversation, transcript);
    return { ok: true, text: formatPlan(plan), mappingFile: plan.mapping.file, note: bindingNote(request, bound, conversation.widget_id) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function bindingNote(request: PreviewRequest, bound: WidgetBinding | undefined, widgetId: string): string | undefined {
  if (request.mappingFile) return `Previewed with ${request.mappingFile} as asked; syncs use the file the widget's binding picks.`;
  if (!bound) return `Widget ${widgetId} is not bound to this installation: a sync would skip this conversation. Shown with the file it would use once bound.`;
  if (!bound.enabled) return `Widget ${widgetId}'s binding is disabled: a sync would skip this conversation.`;
  return undefined;
}
