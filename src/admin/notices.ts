/**
 * The one-line results shown after a form is posted. Actions redirect (post/redirect/get, so a
 * reload never repeats them) with a notice code in the query; the page turns the code into fixed
 * text here. Nothing from the query string is ever echoed back.
 */
import type { Notice } from './layout.ts';

const NOTICES = {
  'settings-saved': { kind: 'ok', text: 'Platform settings saved. The platform API answered with these settings.' },
  'settings-saved-unauthorized': {
    kind: 'error',
    text: 'Platform settings saved, but the platform refused the API key (401/403): check the key.',
  },
  'settings-saved-unreachable': {
    kind: 'error',
    text: 'Platform settings saved, but the platform API could not be reached at that URL: check the URL.',
  },
  'settings-saved-refused': {
    kind: 'error',
    text: 'Platform settings saved, but the connector will not send requests there: the host resolves to a non-public address, or answered with a redirect (enter the final address).',
  },
  'settings-saved-unverified': {
    kind: 'error',
    text: 'Platform settings saved, but the platform API answered with an error: syncs may fail until it works.',
  },
  'binding-saved': { kind: 'ok', text: 'Widget binding saved.' },
  'binding-removed': { kind: 'ok', text: 'Widget binding removed: conversations of that widget are no longer synced by it.' },
  retried: { kind: 'ok', text: 'Retry queued: the sync runs again shortly.' },
  'retried-none': { kind: 'ok', text: 'Nothing to retry: no failed syncs or dead letters.' },
  'already-queued': { kind: 'ok', text: 'A sync is already queued for that conversation: it will run shortly.' },
  'backfill-started': { kind: 'ok', text: 'Backfill started: it walks the conversations page by page while this page follows its progress.' },
  'backfill-paused': { kind: 'ok', text: 'Backfill paused after its current page. Resume continues from where it stopped.' },
  'backfill-resumed': { kind: 'ok', text: 'Backfill resumed from its last page.' },
  'backfill-cancelled': { kind: 'ok', text: 'Backfill cancelled. Syncs it already queued still run.' },
  'admin-added': { kind: 'ok', text: 'Admin added: they can now sign in to this installation with HubSpot.' },
  'admin-exists': { kind: 'ok', text: 'That user is already an admin of this installation.' },
  'admin-removed': { kind: 'ok', text: 'Admin removed: they can no longer sign in to this installation (unless they are a super admin of the portal).' },
  'admin-owner': { kind: 'error', text: 'The owner of the installation cannot be removed.' },
  disconnected: { kind: 'ok', text: 'Installation disconnected: its CRM tokens are revoked and syncing stopped. Reconnect to resume.' },
  'disconnected-not-revoked': {
    kind: 'error',
    text: 'Installation disconnected and its tokens deleted here, but the CRM could not be told: remove the app in the CRM\'s settings too.',
  },
  'installation-deleted': {
    kind: 'ok',
    text: 'Installation deleted: its CRM access was revoked and everything stored for it here was removed. An anonymised audit record remains.',
  },
  'installation-deleted-not-revoked': {
    kind: 'error',
    text: 'Installation deleted here, but the CRM could not be told to revoke its access: remove the app in the CRM\'s settings too.',
  },
} as const satisfies Record<string, Notice>;

export type NoticeCode = keyof typeof NOTICES;

export function noticeFrom(query: unknown): Notice | undefined {
  const code = (query as { notice?: unknown } | undefined)?.notice;
  return typeof code === 'string' && Object.hasOwn(NOTICES, code) ? NOTICES[code as NoticeCode] : undefined;
}

/** `path?notice=code`. */
export const withNotice = (path: string, code: NoticeCode): string => `${path}?notice=${code}`;
