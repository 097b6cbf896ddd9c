/** The problems loadConfig reports for an environment, one line each; fails the test when it reports none. */
import { ConfigError, loadConfig } from '../../src/config.ts';

export function configIssuesOf(env: Record<string, string>, cwd = '/srv'): string[] {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
