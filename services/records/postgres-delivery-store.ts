/**
 * Deliveries in PostgreSQL beside the log (postgres-records.ts): every server of the ledger on any
 * host resumes the same deliveries. A claim takes its rows FOR UPDATE SKIP LOCKED, so two servers
 * claiming at once take different deliveries, never one twice.
 */
import { deliveryChannel, deliveryOf, deliveryState, type Delivery, type DeliveryChannel, type DeliveryCount, type DeliveryRow, type DeliveryState, type DeliveryStore, type NewDelivery } from './delivery-store.js';
import type { PostgresRecords } from './postgres-records.js';

export class PostgresDeliveryStore implements DeliveryStore {
  constructor(private readonly records: PostgresRecords) {}

  async enqueue(deliveries: readonly NewDelivery[], now: Date): Promise<number> {
    if (deliveries.length === 0) return 0;
    const result = await this.records.write(`INSERT INTO pdl_order_deliveries (order_id, channel, target, payload, state, created_at, next_attempt_at, last_error)
      SELECT d.order_id, d.channel, d.target, d.payload, CASE WHEN d.undeliverable IS NULL THEN 'pending' ELSE 'failed' END, $2,
        CASE WHEN d.undeliverable IS NULL THEN $3::bigint END, d.undeliverable
      FROM jsonb_to_recordset($1::jsonb) AS d(order_id text, channel text, target text, payload text, undeliverable text)
      ON CONFLICT (order_id, channel) DO NOTHING`,
    [JSON.stringify(deliveries.map((d) => ({ order_id: d.orderId, channel: d.channel, target: d.target, payload: d.payload, undeliverable: d.undeliverable ?? null }))), now.toISOString(), now.getTime()]);
    return result.rowCount ?? 0;
  }

  async claim(now: Date, leaseMs: number, limit: number): Promise<Delivery[]> {
    const result = await this.records.write(`UPDATE pdl_order_deliveries d
      SET next_attempt_at = $1, last_attempt_at = $2, attempts = d.attempts + 1
      FROM (SELECT order_id, channel FROM pdl_order_deliveries WHERE state = 'pending' AND next_attempt_at <= $3
            ORDER BY next_attempt_at, order_id LIMIT $4 FOR UPDATE SKIP LOCKED) due
      WHERE d.order_id = due.order_id AND d.channel = due.channel
      RETURNING d.*`, [now.getTime() + leaseMs, now.toISOString(), now.getTime(), limit]);
    return (result.rows as DeliveryRow[]).map(deliveryOf).sort((a, b) => a.orderId.localeCompare(b.orderId));
  }

  async succeeded(orderId: string, channel: DeliveryChannel, at: Date): Promise<void> {
    await this.records.write(`UPDATE pdl_order_deliveries SET state = 'delivered', delivered_at = $1, next_attempt_at = NULL
      WHERE order_id = $2 AND channel = $3 AND state IN ('pending', 'failed')`, [at.toISOString(), orderId, channel]);
  }

  async failed(orderId: string, channel: DeliveryChannel, outcome: { at: Date; error: string; retryAt: Date | null }): Promise<void> {
    await this.records.write(`UPDATE pdl_order_deliveries SET state = $1, last_error = $2, next_attempt_at = $3
      WHERE order_id = $4 AND channel = $5 AND state = 'pending'`,
    [outcome.retryAt === null ? 'failed' : 'pending', outcome.error, outcome.retryAt?.getTime() ?? null, orderId, channel]);
  }

  async closed(orderId: string, channel: DeliveryChannel, at: Date): Promise<void> {
    await this.records.write(`UPDATE pdl_order_deliveries SET state = 'closed', next_attempt_at = NULL, last_attempt_at = coalesce(last_attempt_at, $1)
      WHERE order_id = $2 AND channel = $3 AND state IN ('pending', 'failed')`, [at.toISOString(), orderId, channel]);
  }

  async counts(): Promise<DeliveryCount[]> {
    const rows = await this.records.read<{ channel: string; state: string; count: string }>(
      'SELECT channel, state, count(*)::text AS count FROM pdl_order_deliveries GROUP BY channel, state ORDER BY channel, state');
    return rows.map((row) => ({ channel: deliveryChannel(row.channel, '?'), state: deliveryState(row.state, '?'), count: Number(row.count) }));
  }

  async list(query: { orderIds?: readonly string[]; states?: readonly DeliveryState[]; limit: number }): Promise<Delivery[]> {
    const rows = await this.records.read<DeliveryRow>(`SELECT * FROM pdl_order_deliveries
      WHERE ($1::text[] IS NULL OR order_id = ANY($1)) AND ($2::text[] IS NULL OR state = ANY($2))
      ORDER BY created_at, order_id, channel LIMIT $3`, [query.orderIds ?? null, query.states ?? null, query.limit]);
    return rows.map(deliveryOf);
  }

  /** The connections are the log's: closed with it. */
  async close(): Promise<void> {}
}
