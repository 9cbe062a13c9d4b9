/**
 * The ledger's tables and functions in PostgreSQL (README "Beyond one machine: PostgreSQL").
 *
 * One append is one call of `pdl_append`: it takes the ledger lock (a transaction-level advisory
 * lock), reads the head, checks ids and expected revisions, gives positions, revisions, the
 * server's `recordedAt` and the chain hashes, inserts every row with one statement and notifies
 * followers; the lock is released by the commit that ends the call. Appends are therefore
 * committed in position order, one at a time, and no reader ever sees position n+1 without n.
 *
 * The chain is computed here by `pdl_link`, the SQL twin of services/ledger/chain.ts: the adapter
 * checks it against the `Chain` it was opened with before its first append (postgres-event-store.ts),
 * and `pdl verify` recomputes every hash on the client anyway.
 */

export const SCHEMA_VERSION = 1;

/** Advisory-lock namespace 'pdl\0' in the high half, the events table's oid in the low: one lock per ledger. */
const LOCK_KEY = `((x'70646c00'::bigint << 32) | 'pdl_events'::regclass::oid::bigint)`;

/** Channel of the wake-up followers LISTEN to; the payload (the new head position) is only a hint. */
export const NOTIFY_CHANNEL = 'pdl_events';

/** SQLSTATE of a failed expected-revision check (class PD is unused by PostgreSQL). */
export const WRONG_EXPECTED_REVISION = 'PD001';

export const CREATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS pdl_events (
  position    bigint PRIMARY KEY CHECK (position > 0),
  stream      text   NOT NULL,
  revision    bigint NOT NULL CHECK (revision >= 0),
  id          text   NOT NULL UNIQUE,
  type        text   NOT NULL,
  recorded_at text   NOT NULL,
  body        text   NOT NULL,
  digest      text   NOT NULL,
  hash        text,
  UNIQUE (stream, revision)
);
CREATE INDEX IF NOT EXISTS pdl_events_by_type ON pdl_events (type, position);
CREATE TABLE IF NOT EXISTS pdl_schema (version integer NOT NULL);

-- hash(n) = SHA-256(hash(n-1) ‖ the chained leaf of n), the leaf written exactly as chainedLeaf
-- writes it: the body's canonical text as the client made it, integers as digits, and strings
-- escaped by to_json, which escapes as JSON.stringify does (test/contract/postgres-event-store.test.ts).
CREATE OR REPLACE FUNCTION pdl_link(p_previous bytea, p_body text, p_position bigint, p_recorded_at text, p_revision bigint, p_stream text)
RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT sha256(p_previous || convert_to(
    '{"event":' || p_body || ',"position":' || p_position::text || ',"recordedAt":' || to_json(p_recorded_at)::text
    || ',"revision":' || p_revision::text || ',"stream":' || to_json(p_stream)::text || '}', 'UTF8'))
$$;

CREATE OR REPLACE FUNCTION pdl_append(
  w_streams text[], w_expected text[], w_previous int[], w_sizes int[],
  e_ids text[], e_types text[], e_bodies text[], e_canonical text[], e_digests text[],
  chained boolean,
  OUT o_statuses text, OUT o_positions bigint[], OUT o_revisions bigint[], OUT o_next_revisions bigint[], OUT o_recorded_at text
) LANGUAGE plpgsql AS $fn$
DECLARE
  v_head bigint;
  v_head_hash text;
  v_head_at text;
  v_position bigint;
  v_current bigint;
  v_previous bytea;
  ex_streams text[];
  ex_digests text[];
  ex_positions bigint[];
  ex_revisions bigint[];
  v_currents bigint[];
  v_first int := 1;
  v_last int;
  v_fresh int;
  v_expected text;
  k int := 0;
  i_positions bigint[] := '{}';
  i_streams text[] := '{}';
  i_revisions bigint[] := '{}';
  i_ids text[] := '{}';
  i_types text[] := '{}';
  i_bodies text[] := '{}';
  i_digests text[] := '{}';
  i_hashes text[] := '{}';
BEGIN
  -- Each statement below must see what the lock's previous holder committed: a fresh snapshot per statement.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'pdl_append must run under READ COMMITTED, not %', current_setting('transaction_isolation') USING ERRCODE = 'PD002';
  END IF;
  PERFORM pg_advisory_xact_lock(${LOCK_KEY});

  SELECT e.position, e.hash, e.recorded_at INTO v_head, v_head_hash, v_head_at FROM pdl_events e ORDER BY e.position DESC LIMIT 1;
  v_head := coalesce(v_head, 0);
  v_position := v_head;
  v_previous := CASE WHEN v_head_hash IS NULL THEN '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea ELSE decode(v_head_hash, 'hex') END;
  -- The server's clock, never before the previous event's: recordedAt only grows along the log, whichever host wrote.
  o_recorded_at := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  IF v_head_at > o_recorded_at THEN o_recorded_at := v_head_at; END IF;

  SELECT array_agg(e.stream ORDER BY u.i), array_agg(e.digest ORDER BY u.i), array_agg(e.position ORDER BY u.i), array_agg(e.revision ORDER BY u.i)
    INTO ex_streams, ex_digests, ex_positions, ex_revisions
    FROM unnest(e_ids) WITH ORDINALITY AS u(id, i) LEFT JOIN pdl_events e ON e.id = u.id;
  SELECT array_agg(coalesce((SELECT max(e.revision) FROM pdl_events e WHERE e.stream = s.stream), -1) ORDER BY s.i)
    INTO v_currents
    FROM unnest(w_streams) WITH ORDINALITY AS s(stream, i);

  -- Outcomes by event and by write, 1-based and as long as the input (an event may be left NULL: a conflict).
  o_statuses := '';
  o_positions := array_fill(NULL::bigint, ARRAY[coalesce(cardinality(e_ids), 0)]);
  o_revisions := o_positions;
  o_next_revisions := array_fill(NULL::bigint, ARRAY[coalesce(cardinality(w_streams), 0)]);
  FOR w IN 1 .. coalesce(cardinality(w_streams), 0) LOOP
    v_last := v_first + w_sizes[w] - 1;
    -- A stream written twice in one call continues from its earlier write.
    v_current := CASE WHEN w_previous[w] > 0 THEN o_next_revisions[w_previous[w]] ELSE v_currents[w] END;
    v_fresh := 0;
    FOR i IN v_first .. v_last LOOP
      IF ex_positions[i] IS NULL THEN
        v_fresh := v_fresh + 1;
        o_statuses := o_statuses || 'a';
      ELSIF ex_streams[i] = w_streams[w] AND ex_digests[i] = e_digests[i] THEN
        o_statuses := o_statuses || 'd';
        o_positions[i] := ex_positions[i];
        o_revisions[i] := ex_revisions[i];
      ELSE
        o_statuses := o_statuses || 'c';
      END IF;
    END LOOP;
    -- A retry of an append that already happened succeeds whatever revision it expected.
    IF v_fresh > 0 THEN
      v_expected := w_expected[w];
      IF NOT (v_expected = 'any' OR (v_expected = 'no-stream' AND v_current = -1) OR v_expected = v_current::text) THEN
        RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = '${WRONG_EXPECTED_REVISION}', DETAIL = json_build_object('write', w, 'actual', v_current)::text;
      END IF;
      FOR i IN v_first .. v_last LOOP
        CONTINUE WHEN ex_positions[i] IS NOT NULL;
        v_position := v_position + 1;
        v_current := v_current + 1;
        o_positions[i] := v_position;
        o_revisions[i] := v_current;
        k := k + 1;
        i_positions[k] := v_position;
        i_streams[k] := w_streams[w];
        i_revisions[k] := v_current;
        i_ids[k] := e_ids[i];
        i_types[k] := e_types[i];
        i_bodies[k] := e_bodies[i];
        i_digests[k] := e_digests[i];
        IF chained THEN
          v_previous := pdl_link(v_previous, coalesce(e_canonical[i], e_bodies[i]), v_position, o_recorded_at, v_current, w_streams[w]);
          i_hashes[k] := encode(v_previous, 'hex');
        END IF;
      END LOOP;
    END IF;
    o_next_revisions[w] := v_current;
    v_first := v_last + 1;
  END LOOP;

  IF k > 0 THEN
    INSERT INTO pdl_events (position, stream, revision, id, type, recorded_at, body, digest, hash)
      SELECT u.position, u.stream, u.revision, u.id, u.type, o_recorded_at, u.body, u.digest, u.hash
      FROM unnest(i_positions, i_streams, i_revisions, i_ids, i_types, i_bodies, i_digests, i_hashes)
        AS u(position, stream, revision, id, type, body, digest, hash);
    -- Delivered at commit, to sessions listening then: a wake-up only; followers read by position.
    PERFORM pg_notify('${NOTIFY_CHANNEL}', v_position::text);
  END IF;
END
$fn$;
`;

/** Creating or upgrading the tables and functions: one process at a time. */
export const LOCK_SCHEMA = "SELECT pg_advisory_xact_lock(x'70646c5f736368'::bigint)"; // 'pdl_sch'

/** Taking over another store's events verbatim (`pdl migrate`): under the same lock, so appends and imports keep one order. */
export const LOCK_LEDGER = `SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
