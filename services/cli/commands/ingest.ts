import type { Command } from 'commander';
import { integerParser } from '../integer-option.js';
import { secondsOption } from '../seconds-option.js';
import type { GlobalOptions } from '../global-options.js';
import { masterKeyFileOf, readModelsPlacement, signingKeyOptions } from '../with-ledger.js';
import { LedgerError } from '../../errors.js';
import { createProcessLog } from '../../logging/logger.js';
import { stopOnSignals } from '../stop-on-signals.js';

export interface KafkaOptions {
  brokers?: string;
  topic: string;
  dlq?: string;
  group: string;
  logInterval: number;
  sessionTimeout: number;
  trustTopic?: boolean;
}

export const parseBrokers = (text: string | undefined): string[] => {
  const brokers = (text ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('no Kafka brokers: give --brokers host:port[,host:port] or set KAFKA_BROKERS');
  return brokers;
};

function addKafkaOptions(command: Command): Command {
  return command
    .option('--brokers <list>', 'Kafka bootstrap brokers, comma-separated (env KAFKA_BROKERS)', process.env.KAFKA_BROKERS)
    .option('--topic <name>', 'the events topic (messages keyed by subject id)', 'pdl.events')
    .option('--dlq <name>', 'the dead-letter topic (default: <topic>.dlq)')
    .option('--group <id>', 'the consumer group: run more processes with the same group to scale out', 'pdl-ingest')
    .option('--log-interval <ms>', 'how often to log progress and lag', integerParser(1, undefined, '10000'), 10_000)
    .option('--trust-topic', 'accept SubjectErased and PolicyPublished from the topic (off: they go to the dead-letter topic)')
    .option('--session-timeout <ms>', 'how soon a crashed consumer\'s partitions go to another (at least the broker\'s group.min.session.timeout.ms: 6000 unless set lower, as infra/kafka does)', integerParser(1, undefined, '10000'), 10_000);
}

export function ingestCommand(program: Command, globals: () => GlobalOptions): void {
  addKafkaOptions(program.command('ingest').description('consume events from Kafka into the ledger; refused ones go to the dead-letter topic with their reasons'))
    .addOption(secondsOption('--checkpoint-interval <seconds>', 'sign a checkpoint of the Merkle tree this often when the ledger grew, and at stop (needs the signing key: PDL_SIGNING_KEY or --signing-key)',
      'PDL_CHECKPOINT_INTERVAL', 60, 1))
    .addHelpText('after', '\nOffsets are committed only after the append (and the dead letters) succeeded: a crash means redelivery,\n' +
      'and the ledger ignores what it already holds. SIGTERM finishes the batch in hand, commits and disconnects (within --stop-timeout; a second signal exits at once).')
    .action(async (options: KafkaOptions & { checkpointInterval: number }) => {
      const [{ KafkaIngest }, { openLedger }] = await Promise.all([import('../../ingest/kafka-ingest.js'), import('../../composition/open-ledger.js')]);
      const processLog = createProcessLog('pdl-ingest');
      const { log } = processLog;
      const masterKeyFile = masterKeyFileOf(globals(), true);
      const opened = await openLedger({ db: globals().db, store: globals().store, readModels: readModelsPlacement(globals(), false), masterKeyFile });
      const ingest = new KafkaIngest(opened.ledger, {
        brokers: parseBrokers(options.brokers), topic: options.topic, deadLetterTopic: options.dlq, groupId: options.group, logIntervalMs: options.logInterval,
        sessionTimeoutMs: options.sessionTimeout, trustTopic: options.trustTopic === true,
      }, log);
      // What it appends is covered by a signed checkpoint soon after, as what a server appends is:
      // every interval when it grew, and at stop. Without a key at hand it says so once.
      let sign: () => Promise<void> = async () => undefined;
      try {
        const { openProver } = await import('../../composition/open-prover.js');
        const prover = await openProver(opened, { ...signingKeyOptions(globals()), create: false });
        sign = async () => {
          try {
            const { checkpoint, signedNow } = await prover.checkpoint();
            if (signedNow) log.info({ size: checkpoint.size, root: checkpoint.root }, 'checkpoint signed');
          } catch (error) {
            log.warn({ error: error instanceof Error ? error.message : String(error) }, 'checkpoint not signed; trying again next interval');
          }
        };
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        log.warn({ why: error.message }, 'no signing key here: what is ingested stays unsigned until a signer runs (pdl serve, or pdl checkpoint with the key)');
      }
      const signer = setInterval(() => void sign(), options.checkpointInterval * 1000);
      signer.unref();
      stopOnSignals(async () => {
        clearInterval(signer);
        await ingest.stop();
        // The last checkpoint covers all that was ingested: signed once the worker's tree holds it.
        await opened.readModelsClock.reach((await opened.store.head()).position, Number.POSITIVE_INFINITY).catch(() => undefined);
        await sign();
        await opened.close();
      }, { processLog, timeoutMs: globals().stopTimeout });
      await ingest.start();
    });
}
