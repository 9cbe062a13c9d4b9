/** A multi-host PostgreSQL connection string, split into one per host as node-postgres takes them. */
import { describe, expect, it } from 'vitest';
import { connectionStringsOf, hostOf } from '../../services/store/postgres/primary-target.js';
import { ValidationError } from '../../services/errors.js';

describe('a connection string naming several hosts', () => {
  it('becomes one per host, with the same user, database and options', () => {
    expect(connectionStringsOf('postgres://pdl:secret@db-a:5432,db-b:5433/ledger?options=-c%20search_path%3Dx')).toEqual([
      'postgres://pdl:secret@db-a:5432/ledger?options=-c%20search_path%3Dx', 'postgres://pdl:secret@db-b:5433/ledger?options=-c%20search_path%3Dx']);
    expect(connectionStringsOf('postgresql://db-a,db-b/ledger')).toEqual(['postgresql://db-a/ledger', 'postgresql://db-b/ledger']);
  });

  it('stays as it is with one host, and an empty host is refused', () => {
    expect(connectionStringsOf('postgres://pdl@db:5432/ledger')).toEqual(['postgres://pdl@db:5432/ledger']);
    expect(() => connectionStringsOf('postgres://pdl@db-a,,db-b/ledger')).toThrow(ValidationError);
  });

  it('is named in messages by host and port only, never with its password', () => {
    expect(hostOf('postgres://pdl:secret@db-a:5432/ledger')).toBe('db-a:5432');
  });
});
