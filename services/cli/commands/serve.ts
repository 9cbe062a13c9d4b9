import type { Command } from 'commander';
import { integerParser } from '../integer-option.js';
import { secondsOption } from '../seconds-option.js';
import { parseBrokers } from './ingest.js';
import type { GlobalOptions } from '../global-options.js';
import { createdMessage, masterKeyFileOf, readModelsPlacement, signingKeyOptions } from '../with-ledger.js';
import { adminKeyPlace } from '../../composition/master-key-place.js';
import { dataFolderOf, isInside } from '../../composition/secret-placement.js';
import { createProcessLog } from '../../logging/logger.js';
import { stopOnSignals } from '../stop-on-signals.js';
import type { Logger } from 'pino';
import type { OpenedLedger } from '../../composition/open-ledger.js';
import type { DeliveryConfig } from '../../orders/delivery-config.js';
import type { DeliveryStore } from '../../records/delivery-store.js';
import type { LedgerMetrics } from '../../metrics/metrics.js';

/** Once a day: ~30 ms per 1,000 events (a million in ~30 s), on the monitor's own thread (README "Health and the chain"). */
const DEFAULT_VERIFY_INTERVAL = 86_400;

/** How often a running server destroys master-key generations whose backup window has passed. */
const KEYRING_INTERVAL_MS = 60 * 60 * 1000;

/** The delivery loop over this server's read models, its outcomes counted in /metrics. */
async function startDelivery(opened: OpenedLedger, config: DeliveryConfig, store: DeliveryStore, log: Logger, metrics: LedgerMetrics) {
  const [{ OrderDelivery }, { kafkaOrderTopic }, { ReadModels }] = await Promise.all([
    import('../../orders/deliver-orders.js'), import('../../orders/kafka-order-topic.js'), import('../../../projections/queries.js')]);
  const readModels = new ReadModels(opened.readModelsDb);
  const now = () => new Date().toISOString();
  const delivery = new OrderDelivery({
    store, config, log,
    orders: { unconfirmed: () => readModels.deletionOrders(now()).filter((order) => order.confirmedAt === null), one: (orderId) => readModels.deletionOrder(orderId, now()) },
    topic: config.kafka ? kafkaOrderTopic(config.kafka.brokers, config.kafka.topic, log) : null,
    onAttempt: (channel, outcome) => metrics.deliveryAttempt(channel, outcome),
  });
  log.info({ webhooks: config.counts.webhooks, topic: config.kafka?.topic ?? null, topicReaders: config.counts.topicReaders, maxAttempts: config.retry.maxAttempts }, 'delivering deletion orders');
  delivery.start();
  return delivery;
}

export function serveCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('serve the GraphQL API (and GraphiQL) on the ledger')
    .option('--port <n>', 'port (0: any free port)', integerParser(0, 65_535, '4000'), Number(process.env.PORT ?? 4000))
    .option('--host <address>', 'address to listen on', process.env.HOST ?? '127.0.0.1')
    .option('--no-graphiql', 'do not serve GraphiQL')
    .option('--origin <name>', 'the checkpoint origin (e.g. ledger.example.com/pdl) the signing key is created with at this first start (default: PDL_ORIGIN, else <host>/pdl/<ledger name>/<8 random hex>); later it must match the key\'s')
    .option('--admin-key <path>', 'the file the first admin API key is kept in, apart from the data (created, mode 0600, when missing; default: PDL_ADMIN_KEY, or <db>.admin.key with --embedded-keys)', process.env.PDL_ADMIN_KEY_FILE || undefined)
    .option('--cors <origin>', 'let pages from this one origin (e.g. https://privacy.example.com) call the API; none by default')
    .option('--kafka <brokers>', 'also consume the events topic from these Kafka brokers (see pdl ingest --help)')
    .option('--topic <name>', 'with --kafka: the events topic', 'pdl.events')
    .option('--dlq <name>', 'with --kafka: the dead-letter topic (default: <topic>.dlq)')
    .option('--group <id>', 'with --kafka: the consumer group', 'pdl-ingest')
    .addOption(secondsOption('--checkpoint-interval <seconds>', 'sign a checkpoint of the Merkle tree this often when the ledger grew (README "Proofs")', 'PDL_CHECKPOINT_INTERVAL', 60, 1))
    .addOption(secondsOption('--verify-interval <seconds>', 'verify the whole chain again from the first event this often (0: only at start); new events are verified as they come',
      'PDL_VERIFY_INTERVAL', DEFAULT_VERIFY_INTERVAL))
    .addOption(secondsOption('--orders-interval <seconds>', 'issue the deletion orders that are due this often, and within a second of appends (0: never; pdl orders issue does it by hand)',
      'PDL_ORDERS_INTERVAL', 60))
    .option('--deliveries <file>', 'deliver deletion orders as this file says: a signed webhook per target, the orders topic (README "Erasure that reaches every copy: delivery"; default: PDL_DELIVERIES)',
      process.env.PDL_DELIVERIES || undefined)
    .option('--trust-topic', 'with --kafka: accept SubjectErased and PolicyPublished from the topic (off: they go to the dead-letter topic)')
    .addHelpText('after', '\nThe checkpoint signing key must be named at start, apart from the data: PDL_SIGNING_KEY, or --signing-key PATH outside\n' +
      'the database\'s folder (created there, mode 0600, if missing). --embedded-keys keeps it in the data folder instead (npm start does):\n' +
      'then whoever can write that folder can re-sign a rewritten history, and a warning says so.\n' +
      'Environment: PDL_ADMIN_KEY sets the admin key (else one is created beside the database and its file named).\n' +
      'Logs are JSON lines on standard output (never blocking: a stalled reader costs lines, not requests).\n' +
      'SIGTERM or SIGINT stops it gracefully within --stop-timeout; a second signal exits at once. SIGHUP takes the --deliveries\n' +
      'file again (used from the next attempt; a file that cannot be used is refused and the one in force stays); without\n' +
      '--deliveries, SIGHUP ends it as a terminal hang-up does.\n\n' +
      'Deletion orders reach their targets with --deliveries FILE (JSON; secrets named by environment variable or a 0600 file\n' +
      'outside the data folder, never in it): a Standard Webhooks POST per target, the orders topic, retried with backoff across restarts:\n' +
      '  {"kafka": {"topic": "pdl.deletion-orders"}, "retry": {"firstDelaySeconds": 5},\n' +
      '   "targets": [{"kind": "recipient", "id": "crm-us", "webhook": {"url": "https://crm.example.com/pdl", "secret": {"env": "CRM_WEBHOOK_SECRET"}}}]}\n\n' +
      '/health answers degraded (503) when the chain or a signed checkpoint does not verify: the server verifies the whole\n' +
      'log at start (in the background: `chain.state` is "verifying" until then), each new event as the head moves, the last\n' +
      'event again every second, and the whole log again every --verify-interval (PDL_VERIFY_INTERVAL):\n' +
      '  pdl serve --verify-interval 3600\n\n' +
      'Replicas: with --read-models PATH (or --store), this server keeps its own read models by following the log,\n' +
      'so several servers can answer from one ledger:\n' +
      '  pdl --db data/ledger.db --read-models replica-1.db serve --port 4001\n' +
      '  pdl --store "esdb://localhost:2113?tls=false" --db data/ledger.db serve')
    .action(async (options: { port: number; host: string; graphiql: boolean; cors?: string; kafka?: string; topic: string; dlq?: string; group: string; trustTopic?: boolean; origin?: string; checkpointInterval: number; verifyInterval: number; ordersInterval: number; adminKey?: string; deliveries?: string }) => {
      // Before anything is opened or created: a server signs for as long as it runs, so where its key lies is settled first.
      const { signingKeyPlace } = await import('../../composition/open-prover.js');
      const { ledgerPaths } = await import('../../composition/ledger-paths.js');
      const keyOptions = { ...signingKeyOptions(globals(), options.origin), serving: true };
      signingKeyPlace(globals().db, ledgerPaths(globals().db).signingKeyFile, keyOptions, process.env);
      const masterKeyFile = masterKeyFileOf(globals(), true);
      const adminKeyFile = adminKeyPlace(globals().db, globals().db.replace(/\.db$/, '') + '.admin.key', { ...(options.adminKey ? { file: options.adminKey } : {}), embedded: globals().embeddedKeys === true }, process.env);
      // Before anything is opened: a delivery file that cannot be used (a secret missing, or kept in the data folder) stops the start.
      const { loadDeliveryConfig } = await import('../../orders/delivery-config.js');
      const { reloadableDeliveryConfig } = await import('../../orders/delivery-config.js');
      const loadDeliveries = (file: string) => loadDeliveryConfig(file, {
        db: globals().db, embeddedKeys: globals().embeddedKeys === true, env: process.env, ...(options.kafka ? { kafkaBrokers: parseBrokers(options.kafka) } : {}),
      });
      const deliveryConfig = options.deliveries ? reloadableDeliveryConfig(loadDeliveries(options.deliveries)) : null;
      const processLog = createProcessLog('pdl');
      const { log } = processLog;
      // Loaded here, not at the top: the API (GraphiQL's bundle, yoga) is half a second other commands need not pay.
      const [{ ensureAdminKey }, { openApiKeys, openDeliveries }, { startServer }, { apiServices }, { openLedger }] = await Promise.all([
        import('../../api/auth/admin-key.js'), import('../../composition/open-records.js'), import('../../api/server.js'),
        import('../../api/api-services.js'), import('../../composition/open-ledger.js'),
      ]);
      const { KafkaIngest } = options.kafka ? await import('../../ingest/kafka-ingest.js') : { KafkaIngest: null };
      const opened = await openLedger({
        db: globals().db, store: globals().store, readModels: readModelsPlacement(globals(), true), signingKeyFile: globals().signingKey || undefined, masterKeyFile,
        onCatchUp: (position, head) => log.info({ position, head }, 'catching up read models'),
        onWorkerRetry: (error, delayMs) => log.warn({ error: error.message, retryInMs: delayMs }, 'read models lost the store; following again'),
      });
      // A refusal before the server listens (a signing key of another origin, an admin key misplaced) closes what is open:
      // the read models' worker, following the log, would otherwise keep the process from ending with the refusal.
      const refused = async (error: unknown): Promise<never> => {
        await opened.close().catch(() => undefined);
        throw error;
      };
      const apiKeys = await openApiKeys(opened, process.env.PDL_ADMIN_KEY).catch(refused);
      const admin = await ensureAdminKey(apiKeys, adminKeyFile, process.env).catch(async (error: unknown) => {
        await apiKeys.close();
        return refused(error);
      });
      const deliveryStore = deliveryConfig ? await openDeliveries(opened).catch(async (error: unknown) => {
        await apiKeys.close();
        return refused(error);
      }) : null;
      const ingest = options.kafka && KafkaIngest
        ? new KafkaIngest(opened.ledger, { brokers: parseBrokers(options.kafka), topic: options.topic, deadLetterTopic: options.dlq, groupId: options.group, trustTopic: options.trustTopic === true }, log)
        : undefined;
      const { openProver } = await import('../../composition/open-prover.js');
      let embeddedWarning: string | null = null;
      const prover = await openProver(opened, { ...keyOptions, onEmbedded: (warning) => (embeddedWarning = warning) }).catch(async (error: unknown) => {
        await deliveryStore?.close();
        await apiKeys.close();
        return refused(error);
      });
      if (embeddedWarning) log.warn({ signingKey: opened.paths.signingKeyFile }, embeddedWarning);
      const [{ LedgerMetrics }, { watchChain }] = await Promise.all([import('../../metrics/metrics.js'), import('../../proofs/watch-chain.js')]);
      // Before listening, not awaited: a long log is verified while requests are answered (`chain.state: verifying`).
      const chain = watchChain({
        log: opened.store, logPath: globals().store ? null : opened.paths.db, checkpoints: prover.checkpoints, checkpointsFile: globals().store ? null : opened.readModelsDb.name,
        verifierKey: prover.verifierKey, fullEveryMs: options.verifyInterval * 1000, logger: log,
      });
      const metrics = new LedgerMetrics({
        head: () => opened.store.head(), readModelsPosition: () => opened.projectionRunner?.storedPosition() ?? null, ingest, chain, ...(deliveryStore ? { deliveries: deliveryStore } : {}),
      });
      // Deletion orders on their channels (README "Erasure that reaches every copy: delivery"): started before the issuer, which pokes it.
      const delivery = deliveryConfig && deliveryStore ? await startDelivery(opened, deliveryConfig, deliveryStore, log, metrics) : null;
      // SIGHUP takes the delivery file again (a webhook added or moved, a secret rotated in its file): used from the next
      // attempt; one that cannot be used (a secret missing, a topic changed) is refused and the one in force stays.
      // Without a delivery file, SIGHUP keeps its default: a terminal's hang-up ends a server started in it.
      if (options.deliveries && deliveryConfig && delivery) process.on('SIGHUP', () => {
        const file = options.deliveries!;
        try {
          const outcome = deliveryConfig.replace(loadDeliveries(file));
          if (!outcome.replaced) {
            log.error({ reason: outcome.why }, 'SIGHUP: the delivery file was not taken; the one in force stays');
            return;
          }
          delivery.reconsider();
          delivery.poke();
          log.info({ webhooks: deliveryConfig.counts.webhooks, topicReaders: deliveryConfig.counts.topicReaders, maxAttempts: deliveryConfig.retry.maxAttempts }, 'SIGHUP: the delivery file taken again');
        } catch (error) {
          log.error({ reason: error instanceof Error ? error.message : String(error) }, 'SIGHUP: the delivery file was not taken; the one in force stays');
        }
      });
      opened.ledger.observe((result, seconds) => metrics.recorded(result, seconds));
      const running = await startServer(apiServices(opened, apiKeys, {
        log, ingest, prover, chain, ...(deliveryConfig && deliveryStore ? { deliveries: { store: deliveryStore, config: deliveryConfig } } : {}),
      }), { ...options, log, metrics });
      // A checkpoint when the ledger grew, at most once an interval: what auditors and witnesses poll.
      const signer = setInterval(() => {
        prover.checkpoint().then(({ checkpoint, signedNow }) => {
          if (signedNow) log.info({ size: checkpoint.size, root: checkpoint.root }, 'checkpoint signed');
        }).catch((error: unknown) => log.warn({ error: error instanceof Error ? error.message : String(error) }, 'checkpoint not signed; trying again next interval'));
      }, options.checkpointInterval * 1000);
      signer.unref();
      // Retired master-key generations past the backup window go while the server runs, not only at the next start.
      const { reconcileGenerations } = await import('../../composition/master-keyring.js');
      const keyring = setInterval(() => {
        (opened.masterKey.keyring ? opened.masterKey.keyring.reconcile(opened.keys) : reconcileGenerations(opened.keys, opened.paths.masterKeyFile)).then(({ destroyed, operatorToDestroy }) => {
          if (destroyed.length > 0) log.info({ generations: destroyed }, 'retired master-key generations destroyed: erasures before them reached every backup');
          if (operatorToDestroy.length > 0) log.warn({ generations: operatorToDestroy.map((g) => g.generation) }, 'master-key generations past the backup window are kept outside the ledger: destroy them, then pdl keys destroyed N');
        }).catch((error: unknown) => log.warn({ error: error instanceof Error ? error.message : String(error) }, 'retired master-key generations not reconciled; trying again next hour'));
      }, KEYRING_INTERVAL_MS);
      keyring.unref();
      // Deletion orders (README "Erasure that reaches every copy"): through the write path, as the ledger's own events.
      const { OrderIssuer, issueDeletionOrders } = await import('../../orders/issue-orders.js');
      // Read models deferred (or kept by a worker following a shared store): orders are judged on models that hold
      // every append, and delivery (which reads them) is poked once they hold the orders — waiting at most 10 s each,
      // rather than looking too early, finding nothing, and waiting for the next interval.
      const readModelsAt = (position: number, timeoutMs = 10_000) => opened.readModelsClock.reach(position, timeoutMs);
      const orderIssuer = options.ordersInterval > 0 ? new OrderIssuer(
        async () => {
          await readModelsAt((await opened.store.head()).position);
          const issued = await issueDeletionOrders(opened.ledger, opened.readModelsDb);
          if (issued.position !== null) await readModelsAt(issued.position).catch(() => undefined);
          return issued;
        },
        (result) => {
          if (result.appended > 0 || result.rejected.length > 0) log.info({ issued: result.appended, alreadyOrdered: result.alreadyOrdered, refused: result.rejected.length }, 'deletion orders issued');
          if (result.appended > 0) delivery?.poke();
        },
        (error) => log.warn({ error: error instanceof Error ? error.message : String(error) }, 'deletion orders not issued; trying again next interval'),
      ) : null;
      orderIssuer?.start(options.ordersInterval * 1000);
      opened.ledger.observe((result) => {
        if (result.appended > 0) orderIssuer?.poke();
      });
      await ingest?.start();
      opened.worker?.subscription.done.catch((error: unknown) => {
        log.error({ error: error instanceof Error ? error.message : String(error) }, 'read models stopped following the log: /health reports degraded (503)');
      });
      // Before it says it listens: a SIGTERM from whoever saw that line stops it cleanly, never by default.
      stopOnSignals(async () => {
        clearInterval(signer);
        clearInterval(keyring);
        await orderIssuer?.stop();
        await delivery?.stop();
        await deliveryStore?.close();
        await ingest?.stop();
        await running.stop();
        await chain.stop();
        await apiKeys.close();
        await opened.close();
      }, { processLog, timeoutMs: globals().stopTimeout });
      const head = await opened.store.head();
      const source = globals().store ?? opened.paths.db;
      log.info({ url: `${running.url}/graphql`, console: `${running.url}/`, store: source, readModels: opened.paths.readModelsFile, position: head.position }, 'listening');
      const where = admin.source === 'env' ? 'PDL_ADMIN_KEY' : `${admin.file}${admin.source === 'created' ? ' (created now, mode 0600)' : ''}`;
      process.stderr.write(
        `\npdl: serving ${source} (${head.position} events) at ${running.url}/graphql\n` +
        `pdl: the console: ${running.url}/ — sign in with an API key\n` +
        `pdl: the admin key is in ${where}. In GraphiQL, open Headers and paste:\n` +
        `       {"Authorization": "Bearer <the key>"}\n` +
        `pdl: checkpoints are signed by ${prover.verifierKey}\n` +
        (embeddedWarning ? `pdl: ${embeddedWarning}\n` : '') +
        (opened.masterKey.origin !== 'PDL_MASTER_KEY' && isInside(opened.masterKey.origin, dataFolderOf(opened.paths.db))
          ? `pdl: warning: the master key is kept beside the data (${opened.masterKey.origin}, --embedded-keys): a copy of that folder — a backup, a disk image — decrypts every value in it.\n` : '') +
        (opened.masterKey.createdNow ? `pdl: ${createdMessage(opened.masterKey)}\n` : '') + '\n');
    });
}
