/** What an admin sees when a page cannot be shown: the reason in plain words and the way back. */
import { html } from '../../html.ts';
import { renderPage, type AdminViewer } from '../layout.ts';
import { ADMIN_PATH } from '../paths.ts';

export function errorPage(title: string, message: string, viewer: AdminViewer | undefined): string {
  return renderPage({
    title,
    ...(viewer ? { viewer } : {}),
    body: html`<section><p>${message}</p><p><a href="${ADMIN_PATH}">Back to the installations</a></p></section>`,
  });
}
