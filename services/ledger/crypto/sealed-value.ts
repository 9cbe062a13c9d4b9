/** A personal value as the log stores it: sealed under its subject's data key (README "Erasure in an immutable ledger"). */
import * as z from 'zod';

/**
 * `A256GCM-PAD`: the value padded before sealing to a length bucket (see padToBucket), so a
 * ciphertext — in the log, a proof leaf, a backup — does not tell a value's length. `A256GCM`:
 * unpadded, as values were sealed before; still opened.
 */
export const SealedValue = z.strictObject({
  enc: z.enum(['A256GCM', 'A256GCM-PAD']),
  kid: z.string(),
  /** base64url of nonce ‖ ciphertext ‖ tag. */
  ct: z.string(),
});
export type SealedValue = z.infer<typeof SealedValue>;

/** The same shape, checked by hand: it runs for every value of every event opened (a read's hot path). */
export function isSealedValue(value: unknown): value is SealedValue {
  return typeof value === 'object' && value !== null && 'enc' in value && (value.enc === 'A256GCM-PAD' || value.enc === 'A256GCM')
    && 'kid' in value && typeof value.kid === 'string' && 'ct' in value && typeof value.ct === 'string' && Object.keys(value).length === 3;
}
