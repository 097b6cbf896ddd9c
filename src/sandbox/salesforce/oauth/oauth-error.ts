/** An OAuth endpoint refusal, answered as Salesforce does: `{"error", "error_description"}`, mostly 400. */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;

  constructor(error: string, description: string, status = 400) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.status = status;
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

export const expiredToken = (): OAuthError => new OAuthError('invalid_grant', 'expired access/refresh token');
export const invalidClientId = (): OAuthError => new OAuthError('invalid_client_id', 'client identifier invalid');
export const invalidClientCredentials = (): OAuthError => new OAuthError('invalid_client', 'invalid client credentials');
export const redirectMismatch = (): OAuthError => new OAuthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
