/**
 * A request the outbound guard would not send, or an answer it would not follow (a redirect). Not
 * retryable: the address itself is wrong, so trying again later cannot help.
 */
export class OutboundRefusedError extends Error {
  readonly code = 'outbound_refused';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

/** The refusal behind an error, also when fetch wrapped it ("fetch failed", cause: ...). */
export function outboundRefusalIn(error: unknown): OutboundRefusedError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof OutboundRefusedError) return e;
  }
  return undefined;
}
