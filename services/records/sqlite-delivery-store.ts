/**
 * Deliveries in a SQLite file of their own beside the ledger (`<db>.deliveries.db`, 0600): every
 * server of one embedded ledger on the host resumes the same deliveries, and a read-model rebuild
 * never touches them. A claim is one UPDATE … RETURNING, so two servers never claim one delivery.
 */
import Database from 'better-sqlite3';
import { deliveryOf, type Delivery, type DeliveryChannel, type DeliveryCount, type DeliveryRow, type DeliveryState, type DeliveryStore, type NewDelivery, deliveryChannel, deliveryState } from './delivery-store.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS order_deliveries (
  order_id TEXT NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL, payload TEXT NOT NULL,
  state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
  next_attempt_at INTEGER, last_attempt_at TEXT, last_error TEXT, delivered_at TEXT,
  PRIMARY KEY (order_id, channel));
CREATE INDEX IF NOT EXISTS order_deliveries_due ON order_deliveries (state, next_attempt_at)`;

export class SqliteDeliveryStore implements DeliveryStore {
  static open(path: string): SqliteDeliveryStore {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    return new SqliteDeliveryStore(db);
  }

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  async enqueue(deliveries: readonly NewDelivery[], now: Date): Promise<number> {
    const insert = this.db.prepare<[string, string, string, string, string, string, number | null, string | null]>(`INSERT INTO order_deliveries
      (order_id, channel, target, payload, state, created_at, next_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    return this.db.transaction(() => deliveries.reduce((added, d) => added + insert.run(d.orderId, d.channel, d.target, d.payload,
      d.undeliverable === undefined ? 'pending' : 'failed', now.toISOString(), d.undeliverable === undefined ? now.getTime() : null, d.undeliverable ?? null).changes, 0))();
  }

  async claim(now: Date, leaseMs: number, limit: number): Promise<Delivery[]> {
    const rows = this.db.prepare<[number, string, number, number], DeliveryRow>(`UPDATE order_deliveries
      SET next_attempt_at = ?, last_attempt_at = ?, attempts = attempts + 1
      WHERE rowid IN (SELECT rowid FROM order_deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, order_id LIMIT ?)
      RETURNING *`).all(now.getTime() + leaseMs, now.toISOString(), now.getTime(), limit);
    return rows.map(deliveryOf).sort((a, b) => a.orderId.localeCompare(b.orderId));
  }

  async succeeded(orderId: string, channel: DeliveryChannel, at: Date): Promise<void> {
    this.db.prepare(`UPDATE order_deliveries SET state = 'delivered', delivered_at = ?, next_attempt_at = NULL
      WHERE order_id = ? AND channel = ? AND state IN ('pending', 'failed')`).run(at.toISOString(), orderId, channel);
  }

  async failed(orderId: string, channel: DeliveryChannel, outcome: { at: Date; error: string; retryAt: Date | null }): Promise<void> {
    this.db.prepare(`UPDATE order_deliveries SET state = ?, last_error = ?, next_attempt_at = ?
      WHERE order_id = ? AND channel = ? AND state = 'pending'`)
      .run(outcome.retryAt === null ? 'failed' : 'pending', outcome.error, outcome.retryAt?.getTime() ?? null, orderId, channel);
  }

  async closed(orderId: string, channel: DeliveryChannel, at: Date): Promise<void> {
    this.db.prepare(`UPDATE order_deliveries SET state = 'closed', next_attempt_at = NULL, last_attempt_at = coalesce(last_attempt_at, ?)
      WHERE order_id = ? AND channel = ? AND state IN ('pending', 'failed')`).run(at.toISOString(), orderId, channel);
  }

  async counts(): Promise<DeliveryCount[]> {
    return this.db.prepare<[], { channel: string; state: string; count: number }>(
      'SELECT channel, state, count(*) AS count FROM order_deliveries GROUP BY channel, state ORDER BY channel, state').all()
      .map((row) => ({ channel: deliveryChannel(row.channel, '?'), state: deliveryState(row.state, '?'), count: row.count }));
  }

  async list(query: { orderIds?: readonly string[]; states?: readonly DeliveryState[]; limit: number }): Promise<Delivery[]> {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (query.orderIds) {
      where.push(`order_id IN (SELECT value FROM json_each(?))`);
      values.push(JSON.stringify(query.orderIds));
    }
    if (query.states) {
      where.push(`state IN (SELECT value FROM json_each(?))`);
      values.push(JSON.stringify(query.states));
    }
    values.push(query.limit);
    return this.db.prepare<(string | number)[], DeliveryRow>(`SELECT * FROM order_deliveries ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at, order_id, channel LIMIT ?`).all(...values).map(deliveryOf);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
