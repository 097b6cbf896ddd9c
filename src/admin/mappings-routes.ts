/** The mappings tab: every mapping file's state, and a preview of a conversation's WritePlan (a GET form: it writes nothing). */
import { Router } from 'express';
import { listRecentSyncRecords } from '../store/sync-records.ts';
import { listBindings } from '../store/widget-bindings.ts';
import type { AdminContext } from './context.ts';
import { installationOf, viewerOf } from './installation-access.ts';
import { mappingChoiceProblem, mappingChoices, scopeOf } from './mapping-choices.ts';
import { mappingsPage } from './pages/mappings-page.ts';
import { previewConversation, type PreviewRequest } from './preview.ts';
import { sendPage } from './send-page.ts';

/** How many recent conversation ids the preview form suggests. */
const SUGGESTED = 20;

export function mappingsRoutes(ctx: AdminContext): Router {
  const router = Router({ mergeParams: true });

  router.get('/', async (req, res) => {
    const installation = installationOf(res);
    const [bindings, recent] = await Promise.all([
      listBindings(ctx.store, installation.id),
      listRecentSyncRecords(ctx.store, installation.id, { limit: SUGGESTED }),
    ]);
    const boundWidgets = new Map<string, string[]>();
    for (const binding of bindings) {
      if (!binding.mappingFile) continue;
      boundWidgets.set(binding.mappingFile, [...(boundWidgets.get(binding.mappingFile) ?? []), binding.widgetId]);
    }
    const scope = scopeOf(installation);
    const request = previewRequestOf(req.query);
    // A file this installation may not use is refused before anything is fetched (another tenant's reads as missing).
    const refused = request?.mappingFile ? mappingChoiceProblem(ctx.mappings, scope, request.mappingFile) : undefined;
    const preview = request
      ? {
          request,
          result: refused
            ? { ok: false as const, error: `Cannot preview with ${request.mappingFile}: ${refused}.` }
            : await previewConversation({ db: ctx.store, mappings: ctx.mappings, conversationUrl: ctx.conversationUrl, outbound: ctx.outbound }, installation, request),
        }
      : undefined;
    sendPage(res, 200, mappingsPage({
      viewer: viewerOf(res),
      installation,
      files: ctx.mappings.statusFor(scope),
      // Marketplace admins do not learn the server's paths.
      mappingsDir: ctx.multiTenant ? undefined : ctx.mappings.dir,
      boundWidgets,
      choices: mappingChoices(ctx.mappings, scope),
      recentConversationIds: recent.map((r) => r.conversationId),
      preview,
    }));
  });

  return router;
}

function previewRequestOf(query: Record<string, unknown>): PreviewRequest | undefined {
  const conversationId = typeof query.conversation === 'string' ? query.conversation.trim() : '';
  if (conversationId === '') return undefined;
  const mappingFile = typeof query.mapping === 'string' && query.mapping.trim() !== '' ? query.mapping.trim() : undefined;
  return { conversationId, mappingFile };
}
