/** The log itself: events and their pages, checkpoints and proofs, the chain verified, the head and ingestion. */
export const ledgerTypeDefs = /* GraphQL */ `
  type ChainBreak { position: Int!, kind: String!, expected: String!, found: String!, message: String! }
  type VerifyResult {
    ok: Boolean!
    checked: Int!
    headPosition: Int!
    headHash: String
    "Signed checkpoints the log was held to; forgedCheckpoints: sizes whose stored note does not verify."
    checkpoints: Int!
    forgedCheckpoints: [Int!]!
    firstBreak: ChainBreak
  }
  input EventFilter {
    subjectId: ID
    type: String
    category: String
    system: String
    actorId: String
    actorKind: String
    from: DateTime
    to: DateTime
  }

  type EventConnection {
    edges: [EventEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
    "An inclusion bundle (README, Proofs) for the events of this page. Null: an empty page."
    proof: JSON
  }

  type Checkpoint {
    origin: String!
    size: Int!
    "Base64 of the Merkle root (RFC 9162) over the first size events."
    root: String!
    "The signed note, as outside verifiers read it."
    note: String!
    signedAt: DateTime!
    "The note verifier key (name+hash+key) to pin; check it against the one the operator publishes."
    verifierKey: String!
  }
  type EventEdge { cursor: String!, node: LedgerEventRecord! }
  type Actor { kind: String!, id: String! }
  "Who handed the event to the ledger, as the ledger authenticated it (not what the producer claims): api-key (id and role), operator (login), kafka (topic), or ledger (its own records). Covered by the chain. Null on events stored before it was recorded."
  type Submitter { kind: String!, id: String!, role: String }

  type LedgerEventRecord {
    id: ID!
    position: Int!
    stream: String!
    revision: Int!
    type: String!
    occurredAt: DateTime!
    recordedAt: DateTime!
    subjectId: ID
    actor: Actor!
    submitter: Submitter
    "One line a person can read: what happened, to which categories, for what, where, to whom — never a value."
    summary: String!
    "The event's data; personal values decrypted for roles that may see them, null otherwise. Asking for it with values shown records a DataViewed before the answer leaves."
    data: JSON!
    hash: String!
  }

  type IngestStatus {
    topic: String!
    deadLetterTopic: String!
    groupId: String!
    running: Boolean!
    consumed: Int!
    appended: Int!
    duplicates: Int!
    deadLettered: Int!
    lag: Int
    lastBatchAt: DateTime
  }

  type LedgerHead {
    position: Int!
    hash: String
    "Position up to which every read model is current."
    readModelsPosition: Int!
  }
`;
