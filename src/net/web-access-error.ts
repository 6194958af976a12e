import { GantryError } from '../agent/errors.ts';

/** Why a web request was refused or failed; HTTP error statuses are responses, not this. */
export type WebAccessReason = 'scheme' | 'address' | 'redirect' | 'size' | 'timeout' | 'http' | 'network';

/** A web request was refused by the SSRF guard, or could not complete. */
export class WebAccessError extends GantryError {
  /** The URL that was refused or failed (the redirect target when a hop was refused). */
  readonly url: string;
  readonly reason: WebAccessReason;

  constructor(message: string, options: { url: string; reason: WebAccessReason; cause?: unknown; context?: Record<string, unknown> }) {
    super(message, { cause: options.cause, context: { url: options.url, reason: options.reason, ...options.context } });
    this.url = options.url;
    this.reason = options.reason;
  }
}
