/** Option parsers and lookups shared by the commands of every area. */
import { type Command, InvalidArgumentError } from 'commander';

/** Parses a whole number within bounds, naming the flag when it is not one. */
export function integerIn(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}.`);
    return n;
  };
}

/** The `sandbox` parent command that each sandbox registers under. */
export function sandboxCommand(program: Command, who: string): Command {
  const sandbox = program.commands.find((c) => c.name() === 'sandbox');
  if (!sandbox) throw new Error(`the "sandbox" command must exist before the ${who} registers under it`);
  return sandbox;
}

export interface OAuthClientOption {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** `--oauth-client id:secret:https://app.example/callback` (repeatable; the redirect URI may contain colons). */
export function oauthClientOption(value: string, previous: OAuthClientOption[]): OAuthClientOption[] {
  const match = /^([^:]+):([^:]+):(.+)$/.exec(value);
  if (!match?.[1] || !match[2] || !match[3]) throw new InvalidArgumentError('--oauth-client must look like CLIENT_ID:CLIENT_SECRET:REDIRECT_URI.');
  return [...previous, { clientId: match[1], clientSecret: match[2], redirectUri: match[3] }];
}
