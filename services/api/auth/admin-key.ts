/**
 * The first admin key: `PDL_ADMIN_KEY` when set; otherwise one created on first start and kept
 * beside the database with mode 0600, so that a restart does not mint another.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ApiKeys } from './api-keys.js';

export interface AdminKeyInfo {
  readonly source: 'env' | 'file' | 'created';
  readonly file: string | null;
}

export async function ensureAdminKey(apiKeys: ApiKeys, keyFile: string, env: NodeJS.ProcessEnv): Promise<AdminKeyInfo> {
  if (env.PDL_ADMIN_KEY) return { source: 'env', file: null };
  if (existsSync(keyFile) && (await apiKeys.authenticate(readFileSync(keyFile, 'utf8').trim()))?.role === 'admin') {
    return { source: 'file', file: keyFile };
  }
  const { key } = await apiKeys.create('admin', 'first admin key');
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  return { source: 'created', file: keyFile };
}
