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

export const SCHEMA_VERSION = 2;

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
-- The leaf's parts that one call shares (recordedAt) or one write shares (the stream) are made
-- once by pdl_append; pdl_link, which the adapter probes before its first append, is made of the
-- same three functions, so the probe checks what the append runs.
CREATE OR REPLACE FUNCTION pdl_leaf_at(p_recorded_at text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ',"recordedAt":' || to_json(p_recorded_at)::text || ',"revision":'
$$;
CREATE OR REPLACE FUNCTION pdl_leaf_stream(p_stream text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ',"stream":' || to_json(p_stream)::text || '}'
$$;
CREATE OR REPLACE FUNCTION pdl_link_leaf(p_previous bytea, p_body text, p_position bigint, p_at text, p_revision bigint, p_stream text)
RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT sha256(p_previous || convert_to('{"event":' || p_body || ',"position":' || p_position::text || p_at || p_revision::text || p_stream, 'UTF8'))
$$;
CREATE OR REPLACE FUNCTION pdl_link(p_previous bytea, p_body text, p_position bigint, p_recorded_at text, p_revision bigint, p_stream text)
RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT pdl_link_leaf(p_previous, p_body, p_position, pdl_leaf_at(p_recorded_at), p_revision, pdl_leaf_stream(p_stream))
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
  v_current bigint;
  v_previous bytea;
  v_at text;
  v_stream text;
  ex_streams text[];
  ex_digests text[];
  ex_positions bigint[];
  ex_revisions bigint[];
  v_any_stored boolean;
  v_statuses text[];
  v_currents bigint[];
  v_first int := 1;
  v_last int;
  v_fresh int;
  v_expected text;
  k int := 0;
  i_events int[] := '{}';
  i_writes int[] := '{}';
  i_revisions bigint[] := '{}';
  i_hashes bytea[] := '{}';
BEGIN
  -- Each statement below must see what the lock's previous holder committed: a fresh snapshot per statement.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'pdl_append must run under READ COMMITTED, not %', current_setting('transaction_isolation') USING ERRCODE = 'PD002';
  END IF;
  PERFORM pg_advisory_xact_lock(${LOCK_KEY});

  SELECT e.position, e.hash, e.recorded_at INTO v_head, v_head_hash, v_head_at FROM pdl_events e ORDER BY e.position DESC LIMIT 1;
  v_head := coalesce(v_head, 0);
  v_previous := CASE WHEN v_head_hash IS NULL THEN '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea ELSE decode(v_head_hash, 'hex') END;
  -- The server's clock, never before the previous event's: recordedAt only grows along the log, whichever host wrote.
  o_recorded_at := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  IF v_head_at > o_recorded_at THEN o_recorded_at := v_head_at; END IF;
  v_at := pdl_leaf_at(o_recorded_at);

  SELECT array_agg(e.stream ORDER BY u.i), array_agg(e.digest ORDER BY u.i), array_agg(e.position ORDER BY u.i), array_agg(e.revision ORDER BY u.i),
      bool_or(e.position IS NOT NULL)
    INTO ex_streams, ex_digests, ex_positions, ex_revisions, v_any_stored
    FROM unnest(e_ids) WITH ORDINALITY AS u(id, i) LEFT JOIN pdl_events e ON e.id = u.id;
  -- A stream's current revision is looked up once, for its first write in the call; a later write continues from the one before.
  SELECT array_agg(CASE WHEN w_previous[s.i] > 0 THEN NULL ELSE coalesce((SELECT max(e.revision) FROM pdl_events e WHERE e.stream = s.stream), -1) END ORDER BY s.i)
    INTO v_currents
    FROM unnest(w_streams) WITH ORDINALITY AS s(stream, i);

  -- Outcomes by event and by write, 1-based and as long as the input (an event may be left NULL: a conflict).
  v_statuses := array_fill('a'::text, ARRAY[coalesce(cardinality(e_ids), 0)]);
  o_positions := array_fill(NULL::bigint, ARRAY[coalesce(cardinality(e_ids), 0)]);
  o_revisions := o_positions;
  o_next_revisions := array_fill(NULL::bigint, ARRAY[coalesce(cardinality(w_streams), 0)]);
  FOR w IN 1 .. coalesce(cardinality(w_streams), 0) LOOP
    v_last := v_first + w_sizes[w] - 1;
    v_current := CASE WHEN w_previous[w] > 0 THEN o_next_revisions[w_previous[w]] ELSE v_currents[w] END;
    v_fresh := w_sizes[w];
    -- Ids the log already holds are rare (retries): looked at one by one only when the call has some.
    IF v_any_stored THEN
      FOR i IN v_first .. v_last LOOP
        CONTINUE WHEN ex_positions[i] IS NULL;
        v_fresh := v_fresh - 1;
        IF ex_streams[i] = w_streams[w] AND ex_digests[i] = e_digests[i] THEN
          v_statuses[i] := 'd';
          o_positions[i] := ex_positions[i];
          o_revisions[i] := ex_revisions[i];
        ELSE
          v_statuses[i] := 'c';
        END IF;
      END LOOP;
    END IF;
    -- A retry of an append that already happened succeeds whatever revision it expected.
    IF v_fresh > 0 THEN
      v_expected := w_expected[w];
      IF NOT (v_expected = 'any' OR (v_expected = 'no-stream' AND v_current = -1) OR v_expected = v_current::text) THEN
        RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = '${WRONG_EXPECTED_REVISION}', DETAIL = json_build_object('write', w, 'actual', v_current)::text;
      END IF;
      IF chained THEN v_stream := pdl_leaf_stream(w_streams[w]); END IF;
      FOR i IN v_first .. v_last LOOP
        CONTINUE WHEN v_any_stored AND ex_positions[i] IS NOT NULL;
        v_current := v_current + 1;
        k := k + 1;
        o_positions[i] := v_head + k;
        o_revisions[i] := v_current;
        i_events[k] := i;
        i_writes[k] := w;
        i_revisions[k] := v_current;
        IF chained THEN
          v_previous := pdl_link_leaf(v_previous, coalesce(e_canonical[i], e_bodies[i]), v_head + k, v_at, v_current, v_stream);
          i_hashes[k] := v_previous;
        END IF;
      END LOOP;
    END IF;
    o_next_revisions[w] := v_current;
    v_first := v_last + 1;
  END LOOP;
  o_statuses := array_to_string(v_statuses, '');

  IF k > 0 THEN
    -- Positions follow the head without a gap, in the order the events came.
    INSERT INTO pdl_events (position, stream, revision, id, type, recorded_at, body, digest, hash)
      SELECT v_head + u.k, w_streams[u.w], u.revision, e_ids[u.i], e_types[u.i], o_recorded_at, e_bodies[u.i], e_digests[u.i], encode(u.hash, 'hex')
      FROM unnest(i_events, i_writes, i_revisions, i_hashes) WITH ORDINALITY AS u(i, w, revision, hash, k);
    -- Delivered at commit, to sessions listening then: a wake-up only; followers read by position.
    PERFORM pg_notify('${NOTIFY_CHANNEL}', (v_head + k)::text);
  END IF;
END
$fn$;

-- pdl_append with the event bodies (and their canonical texts) each sent as one UTF-8 byte string
-- cut by byte lengths, so neither side escapes them into array literals; a length of -1 is NULL.
CREATE OR REPLACE FUNCTION pdl_unpack(p_texts bytea, p_lengths int[]) RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(CASE WHEN u.len < 0 THEN NULL ELSE convert_from(substring(p_texts FROM (u.ends - u.len + 1)::int FOR u.len), 'UTF8') END ORDER BY u.i), '{}')
  FROM (SELECT x.len, x.i, sum(greatest(x.len, 0)) OVER (ORDER BY x.i) AS ends FROM unnest(p_lengths) WITH ORDINALITY AS x(len, i)) AS u
$$;
CREATE OR REPLACE FUNCTION pdl_append_packed(
  w_streams text[], w_expected text[], w_previous int[], w_sizes int[],
  e_ids text[], e_types text[], e_bodies bytea, e_body_lengths int[], e_canonical bytea, e_canonical_lengths int[], e_digests text[],
  chained boolean,
  OUT o_statuses text, OUT o_positions bigint[], OUT o_revisions bigint[], OUT o_next_revisions bigint[], OUT o_recorded_at text
) LANGUAGE sql AS $$
  SELECT * FROM pdl_append(w_streams, w_expected, w_previous, w_sizes, e_ids, e_types,
    pdl_unpack(e_bodies, e_body_lengths), pdl_unpack(e_canonical, e_canonical_lengths), e_digests, chained)
$$;
`;

/** Creating or upgrading the tables and functions: one process at a time. */
export const LOCK_SCHEMA = "SELECT pg_advisory_xact_lock(x'70646c5f736368'::bigint)"; // 'pdl_sch'

/** Taking over another store's events verbatim (`pdl migrate`): under the same lock, so appends and imports keep one order. */
export const LOCK_LEDGER = `SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
