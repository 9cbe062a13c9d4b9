/**
 * How long the operator keeps backups (`--backup-retention`, PDL_BACKUP_RETENTION; an ISO 8601
 * duration, default P35D): a superseded master-key generation is kept that long, then destroyed —
 * the moment an erasure reaches every backup (README "Keys and backups").
 */
import { durationDays, isDuration } from '../../schemas/duration.js';
import { ValidationError } from '../errors.js';
import type { BackupRetention } from '../ledger/keys/key-store.js';

export const DEFAULT_BACKUP_RETENTION = 'P35D';

export function backupRetention(option: string | undefined, env: NodeJS.ProcessEnv = process.env): BackupRetention & { readonly duration: string } {
  const duration = option ?? (env.PDL_BACKUP_RETENTION || DEFAULT_BACKUP_RETENTION);
  if (!isDuration(duration) || durationDays(duration) <= 0) {
    throw new ValidationError(`backup retention must be a positive ISO 8601 duration such as P35D or P3M (got ${JSON.stringify(duration.slice(0, 40))})`);
  }
  if (durationDays(duration) > 3660) throw new ValidationError('backup retention longer than ten years: give the window backups are really kept');
  return { duration, milliseconds: Math.round(durationDays(duration) * 86_400_000) };
}
