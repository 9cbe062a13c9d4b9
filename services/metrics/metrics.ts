/**
 * Operators' figures in the Prometheus text format (prom-client): appends and their latency,
 * refusals, the head, read-model lag, the chain's verdict, Kafka lag and dead letters, requests and API errors by
 * code. Counts and durations only — never an id or a value. Served at `/metrics` (README "Metrics").
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RecordResult } from '../ledger/ledger.js';
import type { Head } from '../store/port.js';
import type { IngestStatus } from '../ingest/kafka-ingest.js';
import type { ChainWatch } from '../proofs/chain-monitor.js';
import type { DeliveryCount } from '../records/delivery-store.js';

export interface MetricSources {
  head(): Promise<Head>;
  /** Where the read models stand as stored (whoever applied the events); null when this process keeps none. */
  readModelsPosition(): number | null;
  ingest?: { status(): IngestStatus };
  chain?: Pick<ChainWatch, 'verdict'>;
  /** Deletion orders' deliveries by channel and state, when the server delivers them. */
  deliveries?: { counts(): Promise<DeliveryCount[]> };
}

export class LedgerMetrics {
  readonly registry = new Registry();
  private readonly appended = new Counter({ name: 'pdl_events_appended_total', help: 'Events appended to the log', registers: [this.registry] });
  private readonly duplicates = new Counter({ name: 'pdl_events_duplicate_total', help: 'Events sent again (same id and content): stored once', registers: [this.registry] });
  private readonly rejected = new Counter({ name: 'pdl_events_rejected_total', help: 'Events refused (invalid, or not allowed for the caller)', registers: [this.registry] });
  private readonly appendSeconds = new Histogram({
    name: 'pdl_record_seconds', help: 'Time to record one batch (validation, sealing, append, read models)',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers: [this.registry],
  });
  private readonly requests = new Counter({ name: 'pdl_http_requests_total', help: 'HTTP requests by status class', labelNames: ['status'], registers: [this.registry] });
  private readonly requestSeconds = new Histogram({
    name: 'pdl_http_request_seconds', help: 'HTTP request duration', buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [this.registry],
  });
  private readonly apiErrors = new Counter({ name: 'pdl_api_errors_total', help: 'GraphQL errors answered, by stable code', labelNames: ['code'], registers: [this.registry] });
  private readonly deliveryAttempts = new Counter({
    name: 'pdl_order_delivery_attempts_total', help: 'Deletion-order delivery attempts by channel and outcome (delivered, retrying, gave-up, closed: confirmed before it went out)',
    labelNames: ['channel', 'outcome'], registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'pdl_process_' });
    const registers = [this.registry];
    new Gauge({
      name: 'pdl_ledger_head_position', help: 'Position of the last event in the log', registers,
      async collect() { this.set((await sources.head()).position); },
    });
    new Gauge({
      name: 'pdl_read_models_lag_events', help: 'Events in the log the read models have not applied yet', registers,
      async collect() {
        // The models' position before the head: read the other way round, a write in between would count as lag.
        const at = sources.readModelsPosition();
        if (at !== null) this.set(Math.max(0, (await sources.head()).position - at));
      },
    });
    if (sources.chain) {
      const chain = sources.chain;
      new Gauge({
        name: 'pdl_chain_broken', help: 'Whether the chain or a signed checkpoint was found not to verify (1), or not (0)', registers,
        collect() { this.set(chain.verdict().state === 'broken' ? 1 : 0); },
      });
      new Gauge({
        name: 'pdl_chain_verified_position', help: 'Position up to which the chain and every checkpoint stored verified (0 while the first verification runs, and when broken)', registers,
        collect() { const verdict = chain.verdict(); this.set(verdict.state === 'verified' ? verdict.position : 0); },
      });
    }
    if (sources.deliveries) {
      const deliveries = sources.deliveries;
      new Gauge({
        name: 'pdl_order_deliveries', help: 'Deletion-order deliveries by channel and state (pending, delivered, failed: given up, closed), as kept', labelNames: ['channel', 'state'], registers,
        async collect() {
          this.reset();
          for (const { channel, state, count } of await deliveries.counts()) this.set({ channel, state }, count);
        },
      });
    }
    if (sources.ingest) {
      const ingest = sources.ingest;
      new Gauge({ name: 'pdl_ingest_lag_messages', help: 'Messages in the topic the consumer group has not committed', registers,
        collect() { const lag = ingest.status().lag; if (lag !== null) this.set(lag); } });
      new Gauge({ name: 'pdl_ingest_dead_lettered_total', help: 'Messages sent to the dead-letter topic since start', registers,
        collect() { this.set(ingest.status().deadLettered); } });
      new Gauge({ name: 'pdl_ingest_consumed_total', help: 'Messages consumed since start', registers,
        collect() { this.set(ingest.status().consumed); } });
      new Gauge({ name: 'pdl_ingest_consumer_restarts_total', help: 'Times pdl started the Kafka consumer again after a crash kafkajs would not restart', registers,
        collect() { this.set(ingest.status().consumerRestarts); } });
    }
  }

  recorded(result: RecordResult, seconds: number): void {
    this.appended.inc(result.appended);
    this.duplicates.inc(result.duplicates);
    this.rejected.inc(result.rejected.length);
    this.appendSeconds.observe(seconds);
  }

  request(status: number, seconds: number): void {
    this.requests.inc({ status: `${Math.floor(status / 100)}xx` });
    this.requestSeconds.observe(seconds);
  }

  deliveryAttempt(channel: string, outcome: string): void {
    this.deliveryAttempts.inc({ channel, outcome });
  }

  apiError(code: string): void {
    this.apiErrors.inc({ code });
  }
}
