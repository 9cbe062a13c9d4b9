/** The options every command shares (before the command name). */
export interface GlobalOptions {
  readonly db: string;
  readonly store?: string;
  readonly readModels?: string;
  /** How long `serve`, `ingest` and `project` may take to stop after SIGTERM/SIGINT (ms). */
  readonly stopTimeout: number;
}
