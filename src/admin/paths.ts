/** Where the admin pages live: the manifest's settings pages, and every installation page under them. */
import { manifest } from '../manifest.ts';

export const ADMIN_PATH = manifest.settingsPages.admin;
export const LOGIN_PATH = manifest.settingsPages.login;
/** The sign-out form's target (routes.ts serves it as `/logout` under ADMIN_PATH). */
export const LOGOUT_PATH = `${ADMIN_PATH}/logout`;

/** `/admin/installations/<id>` and the pages and actions under it (`settings`, `syncs/retry-failed`, ...). */
export const installationPath = (installationId: string, ...rest: string[]): string =>
  [`${ADMIN_PATH}/installations/${encodeURIComponent(installationId)}`, ...rest].join('/');
