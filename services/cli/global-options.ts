/** The options every command shares (before the command name). */
export interface GlobalOptions {
  readonly db: string;
  readonly store?: string;
  readonly readModels?: string;
  /** How long `serve`, `ingest` and `project` may take to stop after SIGTERM/SIGINT (ms). */
  readonly stopTimeout: number;
  /** `--signing-key PATH`: the checkpoint signing key's file, apart from the data. */
  readonly signingKey?: string;
  /** `--master-key PATH`: the master key's file, apart from the data. */
  readonly masterKey?: string;
  /** `--embedded-keys`: secrets may be kept in the data folder (the quick start). */
  readonly embeddedKeys?: boolean;
}
