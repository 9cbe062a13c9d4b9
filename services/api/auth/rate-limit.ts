/**
 * Per-key token buckets. Identifier look-ups answer "does this e-mail or phone belong to
 * someone?": without a bound, guessing a phone number is a loop. A bucket holds `burst` tokens
 * and refills `perMinute` a minute; each look-up takes one. Kept in memory per server process —
 * a restart refills the buckets, which costs an attacker a restart they cannot cause.
 */
import { RateLimitedError } from '../../errors.js';

export interface RateLimit {
  readonly perMinute: number;
  readonly burst: number;
}

export const DEFAULT_LOOKUP_LIMIT: RateLimit = { perMinute: 60, burst: 30 };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit, private readonly now: () => number = Date.now) {}

  /** Takes one token for `key`, or throws RATE_LIMITED saying when to come back. */
  take(key: string, what: string): void {
    this.check(key, what);
    this.spend(key, 1);
  }

  /** Throws RATE_LIMITED when `key` has no token left, taking none. */
  check(key: string, what: string): void {
    const tokens = this.tokens(key);
    if (tokens >= 1) return;
    const retryAfterSeconds = Math.ceil(((1 - tokens) / this.limit.perMinute) * 60);
    throw new RateLimitedError(`too many ${what} from this key (at most ${this.limit.perMinute} a minute); try again in ${retryAfterSeconds} s`, retryAfterSeconds);
  }

  /**
   * Takes `count` tokens after the fact, into debt if need be: for costs known only once the work
   * is done (ids found taken in a batch), so that the next request waits until they are repaid.
   */
  spend(key: string, count: number): void {
    if (count <= 0) return;
    this.buckets.set(key, { tokens: this.tokens(key) - count, at: this.now() });
  }

  private tokens(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    return Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 60_000) * this.limit.perMinute);
  }
}
